// Charts drawn as plain SVG: horizontal bars (with the previous period as a thin bar), lines
// over time, and a choropleth of the units from their GeoJSON boundaries. Every chart has a
// title and a text alternative; values are also in a table for screen readers.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function svgRoot(width, height, title) {
  const id = `chart-${Math.random().toString(36).slice(2, 9)}`;
  return s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": id, class: "chart", preserveAspectRatio: "xMinYMin meet" }, s("title", { id }, title));
}

/** A "nice" upper bound for an axis. */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/**
 * Horizontal bars. `rows`: [{label, value, previous?}]. The previous period, when given, is
 * drawn as a thin grey bar under the current one.
 */
export function barChart(rows, { title = "", width = 560, barHeight = 22 } = {}) {
  const labelW = 170;
  const height = rows.length * (barHeight + 8) + 28;
  const max = niceMax(Math.max(1, ...rows.map((r) => Math.max(r.value || 0, r.previous || 0))));
  const scale = (v) => ((width - labelW - 50) * (v || 0)) / max;
  const svg = svgRoot(width, height, title);
  rows.forEach((r, i) => {
    const y = 8 + i * (barHeight + 8);
    svg.append(
      s("text", { x: labelW - 8, y: y + barHeight * 0.7, "text-anchor": "end", class: "chart-label" }, r.label),
      s("rect", { x: labelW, y, width: Math.max(1, scale(r.value)), height: r.previous != null ? barHeight - 7 : barHeight, class: "bar" }),
      r.previous != null ? s("rect", { x: labelW, y: y + barHeight - 5, width: Math.max(1, scale(r.previous)), height: 5, class: "bar-prev" }) : null,
      s("text", { x: labelW + scale(r.value) + 6, y: y + barHeight * 0.7, class: "chart-value" }, r.value),
    );
  });
  svg.append(s("text", { x: labelW, y: height - 4, class: "chart-axis" }, "0"), s("text", { x: width - 50, y: height - 4, "text-anchor": "end", class: "chart-axis" }, max));
  return svg;
}

/** Lines over time. `labels`: x labels; `series`: [{name, values}]. */
export function lineChart(labels, series, { title = "", width = 560, height = 240 } = {}) {
  const pad = { l: 40, r: 12, t: 12, b: 36 };
  const max = niceMax(Math.max(1, ...series.flatMap((sr) => sr.values)));
  const n = Math.max(1, labels.length - 1);
  const x = (i) => pad.l + ((width - pad.l - pad.r) * i) / n;
  const y = (v) => height - pad.b - ((height - pad.t - pad.b) * v) / max;
  const svg = svgRoot(width, height, title);
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: "grid" }), s("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", class: "chart-axis" }, Math.round(v)));
  }
  const step = Math.ceil(labels.length / 8);
  labels.forEach((l, i) => {
    if (i % step === 0) svg.append(s("text", { x: x(i), y: height - pad.b + 16, "text-anchor": "middle", class: "chart-axis" }, l));
  });
  series.forEach((sr, k) => {
    const d = sr.values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(s("path", { d, class: `line line-${k % 4}` }));
    sr.values.forEach((v, i) => svg.append(s("circle", { cx: x(i), cy: y(v), r: 2.5, class: `dot line-${k % 4}` }, s("title", {}, `${labels[i]}: ${v}`))));
  });
  return svg;
}

/**
 * A choropleth of the units. `fc`: GeoJSON FeatureCollection with `properties.code`;
 * `values`: {code: number}; `names`: {code: name}. Equirectangular projection scaled by the
 * cosine of the mean latitude, which is accurate enough at a city's scale.
 */
export function choropleth(fc, values, { title = "", width = 560, names = {}, colour } = {}) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const rings = (geom) => (geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : []);
  for (const f of fc.features) for (const poly of rings(f.geometry)) for (const [lon, lat] of poly[0]) {
    minX = Math.min(minX, lon); maxX = Math.max(maxX, lon); minY = Math.min(minY, lat); maxY = Math.max(maxY, lat);
  }
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = width / ((maxX - minX) * k || 1);
  const height = Math.ceil((maxY - minY) * scale) + 4;
  const px = (lon) => ((lon - minX) * k * scale).toFixed(1);
  const py = (lat) => ((maxY - lat) * scale + 2).toFixed(1);
  const svg = svgRoot(width, height, title);
  const max = Math.max(1, ...Object.values(values));
  const fill = colour || ((v) => (v ? `hsl(18, 80%, ${Math.round(92 - 52 * (v / max))}%)` : "#f4f1e8"));
  for (const f of fc.features) {
    const code = f.properties.code;
    const v = values[code] || 0;
    const d = rings(f.geometry)
      .map((poly) => poly.map((ring) => ring.map(([lon, lat], i) => `${i ? "L" : "M"}${px(lon)},${py(lat)}`).join("") + "Z").join(""))
      .join("");
    svg.append(s("path", { d, fill: fill(v), class: "unit-shape", "data-code": code }, s("title", {}, `${names[code] || f.properties.name}: ${v}`)));
  }
  return svg;
}

/** A data table alternative for a chart: rows of [label, value…]. */
export function dataTable(caption, head, rows) {
  const table = document.createElement("table");
  table.className = "table sr-table";
  const cap = document.createElement("caption");
  cap.textContent = caption;
  table.append(cap);
  const tr = document.createElement("tr");
  for (const c of head) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = c;
    tr.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(tr);
  const tbody = document.createElement("tbody");
  for (const r of rows) {
    const row = document.createElement("tr");
    for (const c of r) {
      const td = document.createElement("td");
      td.textContent = c;
      row.append(td);
    }
    tbody.append(row);
  }
  table.append(thead, tbody);
  return table;
}
