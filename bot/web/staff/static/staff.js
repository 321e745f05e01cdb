// Staff console: draws the monthly trend from the JSON the page carries (#trend-data) as an SVG.
// Columns are the number of responses, the dashed line with round markers the overall index (%);
// every point is labelled with its value, so the chart reads without colour. The chart is drawn at
// the width it is shown (one SVG unit = one CSS pixel), so its text keeps its size on a phone; the
// counts sit under the month names, away from the line's labels. The table below holds the same
// figures for readers without JavaScript.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source) { return; }
  var points = JSON.parse(source.textContent || "[]");
  if (!points.length) { holder.textContent = "Chưa có phiếu trong kỳ."; return; }
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function pct(v) { return v === null ? "—" : v.toFixed(1).replace(".", ",") + "%"; }
  function draw() {
    var W = Math.max(280, Math.min(960, holder.clientWidth || 360, points.length * 110));
    var H = 250, left = 8, right = 8, top = 24, bottom = 46;
    var plotW = W - left - right, plotH = H - top - bottom, step = plotW / points.length, narrow = step < 72;
    var maxN = Math.max.apply(null, points.map(function (p) { return p.responses; }).concat([1]));
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "aria-hidden": "true" });
    svg.appendChild(el("line", { x1: left, y1: top + plotH, x2: W - right, y2: top + plotH, "class": "axis" }));
    var path = [], dots = [];
    points.forEach(function (p, i) {
      var cx = left + step * i + step / 2, bw = Math.min(36, step * 0.4), bh = plotH * p.responses / maxN;
      var month = p.month.slice(5), year = p.month.slice(0, 4);
      svg.appendChild(el("rect", { x: cx - bw / 2, y: top + plotH - bh, width: bw, height: bh, "class": "col" }));
      // On a phone the year is said once (first month and each January), not under every column.
      var label = narrow ? "T" + Number(month) + (i === 0 || month === "01" ? "/" + year.slice(2) : "")
        : month + "/" + year;
      svg.appendChild(el("text", { x: cx, y: top + plotH + 16, "text-anchor": "middle" }, label));
      svg.appendChild(el("text", { x: cx, y: top + plotH + 34, "text-anchor": "middle", "class": "count" },
        narrow ? String(p.responses) : p.responses + " phiếu"));
      if (p.index !== null) {
        var y = top + plotH - plotH * p.index / 100;
        path.push((path.length ? "L" : "M") + cx + " " + y);
        dots.push(el("circle", { cx: cx, cy: y, r: 4.5, "class": "dot" }));
        // Beside its column, not on it: right of the column, or left of it for the last one.
        var last = cx + bw / 2 + 52 > W;
        dots.push(el("text", { x: last ? cx - bw / 2 - 4 : cx + bw / 2 + 4, y: Math.max(12, y + 4),
          "text-anchor": last ? "end" : "start", "class": "value" }, pct(p.index)));
      }
    });
    if (path.length) { svg.appendChild(el("path", { d: path.join(" "), "class": "line" })); }
    dots.forEach(function (d) { svg.appendChild(d); });
    holder.textContent = "";
    holder.appendChild(svg);
    var legend = document.createElement("p");
    legend.className = "legend";
    legend.textContent = "Cột: số phiếu mỗi tháng (số dưới tên tháng). Đường nét đứt, chấm tròn: chỉ số chung (%).";
    holder.appendChild(legend);
  }
  draw();
  var shownWidth = holder.clientWidth;
  window.addEventListener("resize", function () {
    if (holder.clientWidth !== shownWidth) { shownWidth = holder.clientWidth; draw(); }
  });
})();
