// Draws the monthly chart as SVG from the figures the page itself serves (/ket-qua/so-lieu.json).
"use strict";
(function () {
  const host = document.getElementById("chart");
  if (!host) return;
  const NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function draw(data) {
    const months = data.months;
    const W = 600, H = 260, left = 34, bottom = 34, top = 16, right = 8;
    const plotW = W - left - right, plotH = H - top - bottom;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, "aria-hidden": "true", focusable: "false" });
    for (const v of [0, 25, 50, 75, 100]) {
      const y = top + plotH - (v / 100) * plotH;
      svg.appendChild(el("line", { x1: left, x2: W - right, y1: y, y2: y, class: "grid" }));
      svg.appendChild(el("text", { x: left - 4, y: y + 4, "text-anchor": "end" }, String(v)));
    }
    const step = plotW / Math.max(1, months.length);
    months.forEach((m, i) => {
      const x = left + i * step;
      svg.appendChild(el("text", { x: x + step / 2, y: H - bottom + 14, "text-anchor": "middle" },
        m.label.slice(0, 2)));
      if (i === 0 || m.label.slice(0, 2) === "01") {
        svg.appendChild(el("text", { x: x + step / 2, y: H - bottom + 27, "text-anchor": "middle" }, m.label.slice(3)));
      }
      if (m.published && m.overall !== null) {
        const h = (m.overall / 100) * plotH;
        const bar = el("rect", { x: x + step * 0.15, y: top + plotH - h, width: step * 0.7, height: h, class: "bar" });
        bar.appendChild(el("title", {}, `${m.label}: ${String(m.overall).replace(".", ",")} %`));
        svg.appendChild(bar);
        svg.appendChild(el("text", { x: x + step / 2, y: top + plotH - h - 3, "text-anchor": "middle", class: "value" },
          String(Math.round(m.overall))));
      }
    });
    svg.appendChild(el("line", { x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: "axis" }));
    host.replaceChildren(svg);
  }
  fetch(host.dataset.source, { cache: "no-store" })
    .then((r) => r.json())
    .then(draw)
    .catch(() => { host.textContent = "Dạ, chưa tải được biểu đồ; số liệu có trong bảng bên dưới."; });
})();
