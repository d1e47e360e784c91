// A small horizontal bar chart drawn with SVG DOM APIs from a result table
// whose first column is a label and the other columns are numbers.

import { el, svg, clear, formatNumber } from "./dom.js";

const MAX_BARS = 20;
const MAX_SERIES = 4;

function isNumeric(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** The chartable part of a result, or null when it is not "one label + numeric columns". */
export function chartSpec(columns, rows) {
  if (!Array.isArray(columns) || !Array.isArray(rows) || columns.length < 2 || rows.length < 2) return null;
  const series = [];
  for (let c = 1; c < columns.length; c += 1) {
    const values = rows.map((row) => row[c]);
    if (!values.every((v) => v === null || isNumeric(v)) || !values.some(isNumeric)) return null;
    series.push(c);
  }
  const labels = rows.map((row) => row[0]);
  if (labels.some((v) => v !== null && typeof v === "object")) return null;
  const picked = series.slice(0, MAX_SERIES).map((c) => ({ name: String(columns[c]), values: rows.slice(0, MAX_BARS).map((row) => row[c]) }));
  // Series of very different sizes (revenue vs. order count) each get their own scale.
  const peaks = picked.map((s) => Math.max(...s.values.filter(isNumeric).map(Math.abs)) || 1);
  return {
    independent: Math.max(...peaks) / Math.min(...peaks) > 8,
    labelName: String(columns[0]),
    series: picked,
    labels: labels.slice(0, MAX_BARS).map((v) => (v === null ? "NULL" : String(v))),
    total: rows.length,
  };
}

/** Rough rendered width of a label at 12px: Hangul and other wide characters count double. */
function labelUnits(text) {
  let units = 0;
  for (const ch of text) units += /[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 2 : 1;
  return units;
}

/** Shorten a label to about `units` half-width characters (Hangul counts double). */
function shorten(text, units) {
  let used = 0;
  let out = "";
  for (const ch of text) {
    used += /[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 2 : 1;
    if (used > units) return `${out}…`;
    out += ch;
  }
  return out;
}

function draw(holder, spec) {
  clear(holder);
  const width = Math.max(280, Math.floor(holder.clientWidth || 600));
  const narrow = width < 480;
  const maxUnits = narrow ? 12 : 20;
  const longest = Math.min(maxUnits + 1, Math.max(...spec.labels.map(labelUnits)));
  const labelWidth = Math.max(36, Math.ceil(longest * 6.6) + 4);
  const valueRoom = narrow ? 56 : 72;
  const barHeight = spec.series.length > 1 ? 12 : 18;
  const groupGap = 10;
  const groupHeight = spec.series.length * barHeight + groupGap;
  const top = 6;
  const height = top + spec.labels.length * groupHeight + 4;

  const plotLeft = labelWidth + 8;
  const plotWidth = width - plotLeft - valueRoom;
  const scales = spec.series.map((series) => {
    const values = spec.independent ? series.values.filter(isNumeric) : spec.series.flatMap((s) => s.values.filter(isNumeric));
    const min = Math.min(0, ...values);
    const span = Math.max(0, ...values) - min || 1;
    return (value) => plotLeft + ((value - min) / span) * plotWidth;
  });
  const zero = scales[0](0);

  const chart = svg("svg", {
    class: "chart-svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Bar chart of ${spec.series.map((s) => s.name).join(", ")} by ${spec.labelName}`,
  }, svg("title", null, `${spec.series.map((s) => s.name).join(", ")} by ${spec.labelName}`));

  chart.append(svg("line", { class: "chart-axis", x1: zero, x2: zero, y1: 0, y2: height }));
  spec.labels.forEach((label, i) => {
    const groupTop = top + i * groupHeight;
    const centre = groupTop + (spec.series.length * barHeight) / 2;
    chart.append(svg("text", { class: "chart-label", x: labelWidth, y: centre, "text-anchor": "end", "dominant-baseline": "middle" },
      svg("title", null, label), shorten(label, maxUnits)));
    spec.series.forEach((series, s) => {
      const value = series.values[i];
      if (!isNumeric(value)) return;
      const x = scales[s];
      const y = groupTop + s * barHeight;
      const base = x(0);
      const x0 = Math.min(base, x(value));
      const w = Math.max(1, Math.abs(x(value) - base));
      chart.append(svg("rect", { class: `chart-bar series-${s}`, x: x0, y: y + 1, width: w, height: barHeight - 2, rx: 3 },
        svg("title", null, `${label} · ${series.name}: ${formatNumber(value)}`)));
      chart.append(svg("text", { class: "chart-value", x: Math.max(x(value), base) + 5, y: y + barHeight / 2, "dominant-baseline": "middle" }, formatNumber(value)));
    });
  });
  holder.append(chart);
}

/** A figure with the chart, a legend for several series and a caption. Redraws on resize. */
export function renderChart(spec) {
  const holder = el("div", { class: "chart-canvas" });
  const legend = spec.series.length > 1
    ? el("ul", { class: "chart-legend" }, spec.series.map((s, i) => el("li", null, el("span", { class: `swatch series-${i}`, "aria-hidden": "true" }), s.name)))
    : null;
  const caption = el("figcaption", { class: "chart-caption" },
    spec.series.length === 1 ? `${spec.series[0].name} by ${spec.labelName}` : `by ${spec.labelName}`,
    spec.total > spec.labels.length ? ` — first ${spec.labels.length} of ${formatNumber(spec.total)} rows` : "",
    spec.independent ? " (each series on its own scale)" : "");
  const figure = el("figure", { class: "chart" }, caption, legend, holder);
  let lastWidth = 0;
  const observer = new ResizeObserver(() => {
    const w = holder.clientWidth;
    if (w && Math.abs(w - lastWidth) > 16) { lastWidth = w; draw(holder, spec); }
  });
  observer.observe(holder);
  return figure;
}
