// Staff console: draws the monthly trend from the JSON the page carries (#trend-data) as an SVG.
// Columns are the number of responses, the dashed line with round markers the overall index (%);
// every point is labelled with its value, so the chart reads without colour. The table below
// holds the same figures for readers without JavaScript.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source) { return; }
  var points = JSON.parse(source.textContent || "[]");
  if (!points.length) { holder.textContent = "Chưa có phiếu trong kỳ."; return; }
  var NS = "http://www.w3.org/2000/svg";
  var W = Math.max(360, Math.min(960, points.length * 90)), H = 240, left = 16, right = 16, top = 30, bottom = 34;
  var plotW = W - left - right, plotH = H - top - bottom;
  var maxN = Math.max.apply(null, points.map(function (p) { return p.responses; }).concat([1]));
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function pct(v) { return v === null ? "—" : v.toFixed(1).replace(".", ",") + "%"; }
  var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, "aria-hidden": "true" });
  svg.appendChild(el("line", { x1: left, y1: top + plotH, x2: W - right, y2: top + plotH, "class": "axis" }));
  var step = plotW / points.length, path = [];
  points.forEach(function (p, i) {
    var cx = left + step * i + step / 2, bw = Math.min(36, step * 0.5);
    var bh = plotH * p.responses / maxN;
    svg.appendChild(el("rect", { x: cx - bw / 2, y: top + plotH - bh, width: bw, height: bh, "class": "col" }));
    svg.appendChild(el("text", { x: cx, y: top + plotH - bh - 3, "text-anchor": "middle" }, p.responses + " phiếu"));
    svg.appendChild(el("text", { x: cx, y: H - 14, "text-anchor": "middle" }, p.month.slice(5) + "/" + p.month.slice(0, 4)));
    if (p.index !== null) {
      var y = top + plotH - plotH * p.index / 100;
      path.push((path.length ? "L" : "M") + cx + " " + y);
      svg.appendChild(el("circle", { cx: cx, cy: y, r: 4, "class": "dot" }));
      svg.appendChild(el("text", { x: cx + 6, y: y - 6 }, pct(p.index)));
    }
  });
  if (path.length) { svg.insertBefore(el("path", { d: path.join(" "), "class": "line" }), svg.firstChild.nextSibling); }
  holder.appendChild(svg);
  var legend = document.createElement("p");
  legend.className = "legend";
  legend.textContent = "Cột: số phiếu mỗi tháng. Đường nét đứt, chấm tròn: chỉ số chung (%).";
  holder.appendChild(legend);
})();
