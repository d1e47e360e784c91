// Charts of a result whose first column is a label and the others numbers:
// bar, line (labels that are dates or numbers, in order) and pie (a few
// non-negative parts of a whole). The chart is described by data (a spec), and
// drawn with SVG DOM calls by this module only: nothing from the model or the
// database becomes markup or code. Colours are the Okabe–Ito palette (CSS
// classes series-N), lines also differ by marker shape, and every chart has a
// caption that states its extremes in words.

import { el, svg, clear } from "./dom.js";
import { formatCompact, formatList, formatNumber, formatPercent, t } from "./i18n.js";

const MAX_BARS = 20;
const MAX_POINTS = 120;
const MAX_SLICES = 8;
const MAX_SERIES = 4;
const MARKERS = ["circle", "square", "triangle", "diamond"];
const DATE_LABEL = /^\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/;
// Numbers that name things rather than measure them: no order to draw a line along.
const IDENTIFIER_NAME = /(^id$|_id$|^id_|code|zip|phone|^no$|번호|코드)/i;
// A series whose name says it is a share of a whole is best read as a pie.
const SHARE_NAME = /(share|ratio|percent|pct|proportion|portion|비율|비중|점유|구성비|퍼센트|%)/i;

let chartCount = 0;

function isNumeric(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** "date" for ISO dates and months, "number" for numeric labels (years, sizes), else "category". */
function labelKind(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (!present.length) return "category";
  if (present.every(isNumeric)) return "number";
  if (present.every((v) => typeof v === "string" && DATE_LABEL.test(v))) return "date";
  return "category";
}

function labelText(value) {
  return value === null || value === undefined ? t("turn.null") : String(value);
}

/** Whether the values of a single series can be read as parts of one whole. */
function pieFits(series, labels) {
  if (series.length !== 1 || labels.length < 2 || labels.length > MAX_SLICES) return false;
  const values = series[0].values;
  if (!values.every((v) => isNumeric(v) && v >= 0)) return false;
  if (new Set(labels).size !== labels.length) return false;
  return values.reduce((a, b) => a + b, 0) > 0;
}

function looksLikeShares(series) {
  if (series.length !== 1) return false;
  if (SHARE_NAME.test(series[0].name)) return true;
  const sum = series[0].values.reduce((a, b) => a + b, 0);
  return Math.abs(sum - 100) < 0.5 || Math.abs(sum - 1) < 0.005;
}

/**
 * The chartable part of a result, or null when it is not "one label column and
 * one or more numeric columns": `{labelName, series, kinds, preferred, total, …}`.
 * `kinds` lists the views that fit the data; `preferred` is the one shown first.
 * `rowCount` is the result's full size when `rows` holds only its first rows, so the
 * caption says the chart shows part of it.
 */
export function chartSpec(columns, rows, rowCount = rows && rows.length) {
  if (!Array.isArray(columns) || !Array.isArray(rows) || columns.length < 2 || rows.length < 2) return null;
  const numericColumns = [];
  for (let c = 1; c < columns.length; c += 1) {
    const values = rows.map((row) => row[c]);
    if (!values.every((v) => v === null || isNumeric(v)) || !values.some(isNumeric)) return null;
    numericColumns.push(c);
  }
  const keys = rows.map((row) => row[0]);
  if (keys.some((v) => v !== null && typeof v === "object")) return null;
  const kind = labelKind(keys) === "number" && IDENTIFIER_NAME.test(String(columns[0])) ? "category" : labelKind(keys);
  const picked = numericColumns.slice(0, MAX_SERIES);
  const seriesOf = (subset) => picked.map((c) => ({ name: String(columns[c]), values: subset.map((row) => row[c]) }));

  const barRows = rows.slice(0, MAX_BARS);
  const bar = { labels: barRows.map((row) => labelText(row[0])), series: seriesOf(barRows) };
  const spec = {
    labelName: String(columns[0]),
    labelKind: kind,
    total: Math.max(rows.length, Number(rowCount) || 0),
    kinds: ["bar"],
    views: { bar },
  };
  // Series of very different sizes (revenue vs. order count) each get their own bar scale.
  const peaks = bar.series.map((s) => Math.max(...s.values.filter(isNumeric).map(Math.abs)) || 1);
  spec.independent = Math.max(...peaks) / Math.min(...peaks) > 8;

  if (kind !== "category" && rows.length >= 2) {
    const ordered = rows.filter((row) => row[0] !== null).slice(0, MAX_POINTS);
    ordered.sort((a, b) => (kind === "number" ? a[0] - b[0] : String(a[0]).localeCompare(String(b[0]))));
    spec.kinds.push("line");
    spec.views.line = { labels: ordered.map((row) => labelText(row[0])), series: seriesOf(ordered) };
  }
  // Time has no "whole" to share out: dates and numbers get no pie; nor does a result seen only in part.
  if (kind === "category" && spec.total === rows.length && rows.length <= MAX_SLICES && pieFits(bar.series, bar.labels)) {
    spec.kinds.push("pie");
    spec.views.pie = { labels: bar.labels, series: bar.series.slice(0, 1) };
  }

  if (spec.views.line && spec.views.line.labels.length >= 3) spec.preferred = "line";
  else if (spec.views.pie && looksLikeShares(bar.series)) spec.preferred = "pie";
  else spec.preferred = "bar";
  return spec;
}

// --- text alternative ---------------------------------------------------------------------

function extremes(labels, values) {
  let max = -1;
  let min = -1;
  values.forEach((v, i) => {
    if (!isNumeric(v)) return;
    if (max < 0 || v > values[max]) max = i;
    if (min < 0 || v < values[min]) min = i;
  });
  return max < 0 ? null : { max: { label: labels[max], value: values[max] }, min: { label: labels[min], value: values[min] } };
}

/** One sentence per series naming its highest and lowest values (for the caption and screen readers). */
export function describeChart(spec, kind) {
  const view = spec.views[kind];
  if (kind === "pie") {
    const values = view.series[0].values;
    const sum = values.reduce((a, b) => a + b, 0);
    const ends = extremes(view.labels, values);
    return t("chart.pieSummary", {
      label: ends.max.label, share: formatPercent(ends.max.value / sum),
      smallest: ends.min.label, smallShare: formatPercent(ends.min.value / sum),
    });
  }
  const sentences = view.series.map((series) => {
    const ends = extremes(view.labels, series.values);
    if (!ends) return "";
    return t("chart.extremes", {
      series: series.name, max: formatNumber(ends.max.value), maxLabel: ends.max.label,
      min: formatNumber(ends.min.value), minLabel: ends.min.label,
    });
  });
  if (kind === "line" && view.labels.length > 1) sentences.unshift(t("chart.range", { first: view.labels[0], last: view.labels[view.labels.length - 1] }));
  return sentences.filter(Boolean).join(" ");
}

function chartTitle(spec, kind) {
  const view = spec.views[kind];
  return t(`chart.title.${kind}`, { series: formatList(view.series.map((s) => s.name)), label: spec.labelName });
}

// --- drawing --------------------------------------------------------------------------------

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

/** About `count` round tick values from `min` to `max` (inclusive of both ends after rounding). */
function niceTicks(min, max, count = 4) {
  if (min === max) { min -= 1; max += 1; }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const start = Math.floor(min / step) * step;
  const ticks = [];
  for (let v = start; v <= max + step * 0.5 && ticks.length < 12; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function chartSvg(width, height, label) {
  return svg("svg", { class: "chart-svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
}

function drawBar(holder, spec, label) {
  const view = spec.views.bar;
  const width = Math.max(260, Math.floor(holder.clientWidth || 600));
  const narrow = width < 480;
  const maxUnits = narrow ? 12 : 20;
  const longest = Math.min(maxUnits + 1, Math.max(...view.labels.map(labelUnits)));
  const labelWidth = Math.max(36, Math.ceil(longest * 6.6) + 4);
  const valueRoom = narrow ? 52 : 72;
  const barHeight = view.series.length > 1 ? 12 : 18;
  const groupHeight = view.series.length * barHeight + 10;
  const top = 6;
  const height = top + view.labels.length * groupHeight + 4;
  const plotLeft = labelWidth + 8;
  const plotWidth = width - plotLeft - valueRoom;
  const scales = view.series.map((series) => {
    const values = spec.independent ? series.values.filter(isNumeric) : view.series.flatMap((s) => s.values.filter(isNumeric));
    const min = Math.min(0, ...values);
    const span = Math.max(0, ...values) - min || 1;
    return (value) => plotLeft + ((value - min) / span) * plotWidth;
  });
  const chart = chartSvg(width, height, label);
  const zero = scales[0](0);
  chart.append(svg("line", { class: "chart-axis", x1: zero, x2: zero, y1: 0, y2: height }));
  view.labels.forEach((text, i) => {
    const groupTop = top + i * groupHeight;
    const centre = groupTop + (view.series.length * barHeight) / 2;
    chart.append(svg("text", { class: "chart-label", x: labelWidth, y: centre, "text-anchor": "end", "dominant-baseline": "middle" },
      svg("title", null, text), shorten(text, maxUnits)));
    view.series.forEach((series, s) => {
      const value = series.values[i];
      if (!isNumeric(value)) return;
      const x = scales[s];
      const y = groupTop + s * barHeight;
      const base = x(0);
      const x0 = Math.min(base, x(value));
      const w = Math.max(1, Math.abs(x(value) - base));
      chart.append(svg("rect", { class: `chart-bar series-${s}`, x: x0, y: y + 1, width: w, height: barHeight - 2, rx: 3 },
        svg("title", null, `${text} · ${series.name}: ${formatNumber(value)}`)));
      chart.append(svg("text", { class: "chart-value", x: Math.max(x(value), base) + 5, y: y + barHeight / 2, "dominant-baseline": "middle" },
        narrow ? formatCompact(value) : formatNumber(value)));
    });
  });
  return chart;
}

function marker(shape, x, y, className, title) {
  const r = 3.5;
  const node = shape === "square"
    ? svg("rect", { x: x - r, y: y - r, width: r * 2, height: r * 2 })
    : shape === "triangle"
      ? svg("path", { d: `M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z` })
      : shape === "diamond"
        ? svg("path", { d: `M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z` })
        : svg("circle", { cx: x, cy: y, r });
  node.setAttribute("class", `chart-point ${className}`);
  node.append(svg("title", null, title));
  return node;
}

function drawLine(holder, spec, label) {
  const view = spec.views.line;
  const width = Math.max(260, Math.floor(holder.clientWidth || 600));
  const narrow = width < 480;
  const height = narrow ? 220 : 280;
  const values = view.series.flatMap((s) => s.values.filter(isNumeric));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const tickWidth = Math.max(...ticks.map((v) => formatCompact(v).length)) * 7 + 10;
  const left = tickWidth;
  const right = 14;
  const top = 10;
  const bottom = 28;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const n = view.labels.length;
  const x = (i) => left + (n === 1 ? plotWidth / 2 : (i / (n - 1)) * plotWidth);
  const y = (v) => top + plotHeight - ((v - lo) / (hi - lo || 1)) * plotHeight;
  const chart = chartSvg(width, height, label);

  for (const tick of ticks) {
    chart.append(svg("line", { class: "chart-grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }));
    chart.append(svg("text", { class: "chart-value", x: left - 6, y: y(tick), "text-anchor": "end", "dominant-baseline": "middle" }, formatCompact(tick)));
  }
  chart.append(svg("line", { class: "chart-axis", x1: left, x2: width - right, y1: y(Math.max(lo, 0)), y2: y(Math.max(lo, 0)) }));
  // As many x labels as fit, evenly spread, the first and last always.
  const room = Math.max(2, Math.floor(plotWidth / (narrow ? 64 : 84)));
  const every = Math.max(1, Math.ceil((n - 1) / (room - 1)));
  view.labels.forEach((text, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    if (i !== n - 1 && i + every > n - 1 && n - 1 - i < every / 2) return; // too close to the last label
    const anchor = i === 0 ? "start" : i === n - 1 ? "end" : "middle";
    chart.append(svg("text", { class: "chart-label chart-x-label", x: x(i), y: height - 8, "text-anchor": anchor },
      svg("title", null, text), shorten(text, narrow ? 10 : 14)));
  });
  view.series.forEach((series, s) => {
    let d = "";
    let pen = "M";
    series.values.forEach((v, i) => {
      if (!isNumeric(v)) { pen = "M"; return; }
      d += `${pen}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = "L";
    });
    chart.append(svg("path", { class: `chart-line series-${s} dash-${s}`, d }));
    const markers = svg("g", { class: `series-${s}` });
    series.values.forEach((v, i) => {
      if (isNumeric(v) && n <= 40) markers.append(marker(MARKERS[s % MARKERS.length], x(i), y(v), `series-${s}`, `${view.labels[i]} · ${series.name}: ${formatNumber(v)}`));
    });
    chart.append(markers);
  });
  return chart;
}

function arcPath(cx, cy, r, inner, start, end) {
  const point = (radius, angle) => [cx + radius * Math.sin(angle), cy - radius * Math.cos(angle)];
  const large = end - start > Math.PI ? 1 : 0;
  const [x1, y1] = point(r, start);
  const [x2, y2] = point(r, end);
  const [x3, y3] = point(inner, end);
  const [x4, y4] = point(inner, start);
  const f = (n) => n.toFixed(2);
  return `M${f(x1)} ${f(y1)}A${r} ${r} 0 ${large} 1 ${f(x2)} ${f(y2)}L${f(x3)} ${f(y3)}A${inner} ${inner} 0 ${large} 0 ${f(x4)} ${f(y4)}Z`;
}

function drawPie(holder, spec, label) {
  const view = spec.views.pie;
  const values = view.series[0].values;
  const sum = values.reduce((a, b) => a + b, 0);
  const width = Math.max(200, Math.floor(holder.clientWidth || 600));
  const size = Math.min(width, 240);
  const r = size / 2 - 4;
  const inner = r * 0.55;
  const chart = chartSvg(size, size, label);
  let angle = 0;
  values.forEach((v, i) => {
    if (!(v > 0)) return;
    // A whole circle cannot be one arc; stop just short of it.
    const sweep = Math.min((v / sum) * Math.PI * 2, Math.PI * 2 - 0.0001);
    chart.append(svg("path", { class: `chart-slice series-${i}`, d: arcPath(size / 2, size / 2, r, inner, angle, angle + sweep) },
      svg("title", null, `${view.labels[i]}: ${formatNumber(v)} (${formatPercent(v / sum)})`)));
    angle += sweep;
  });
  chart.append(svg("text", { class: "chart-total", x: size / 2, y: size / 2, "text-anchor": "middle", "dominant-baseline": "middle" }, formatCompact(sum)));
  return chart;
}

const DRAW = { bar: drawBar, line: drawLine, pie: drawPie };

function legend(spec, kind) {
  const view = spec.views[kind];
  if (kind === "pie") {
    const values = view.series[0].values;
    const sum = values.reduce((a, b) => a + b, 0);
    return el("ul", { class: "chart-legend chart-legend-pie" }, view.labels.map((text, i) => el("li", null,
      el("span", { class: `swatch series-${i}`, "aria-hidden": "true" }),
      el("span", { class: "legend-label" }, text),
      el("span", { class: "legend-value" }, `${formatNumber(values[i])} · ${formatPercent(values[i] / sum)}`))));
  }
  if (view.series.length < 2) return null;
  return el("ul", { class: "chart-legend" }, view.series.map((s, i) => el("li", null,
    el("span", { class: `swatch series-${i}${kind === "line" ? ` swatch-${MARKERS[i % MARKERS.length]}` : ""}`, "aria-hidden": "true" }), s.name)));
}

/** A figure with the chart of `kind`, its legend and a caption with the extremes; redraws when its width changes. */
export function renderChart(spec, kind = spec.preferred) {
  const id = `chart-${(chartCount += 1)}`;
  const view = spec.views[kind];
  const summary = describeChart(spec, kind);
  const notes = [];
  if (spec.total > view.labels.length) notes.push(t("chart.firstRows", { shown: view.labels.length, count: spec.total }));
  if (kind === "bar" && spec.independent && view.series.length > 1) notes.push(t("chart.ownScales"));
  const holder = el("div", { class: ["chart-canvas", `chart-canvas-${kind}`] });
  const caption = el("figcaption", { class: "chart-caption", id },
    el("span", { class: "chart-title" }, chartTitle(spec, kind)),
    el("span", { class: "chart-summary" }, [summary, ...notes].filter(Boolean).join(" ")));
  const figure = el("figure", { class: ["chart", `chart-kind-${kind}`], dataset: { kind } }, caption, legend(spec, kind), holder);
  const label = `${chartTitle(spec, kind)}. ${summary}`;
  let lastWidth = 0;
  const draw = () => replaceChart(holder, DRAW[kind](holder, spec, label));
  const observer = new ResizeObserver(() => {
    const w = holder.clientWidth;
    if (w && Math.abs(w - lastWidth) > 16) { lastWidth = w; draw(); }
  });
  observer.observe(holder);
  return figure;
}

function replaceChart(holder, chart) {
  clear(holder);
  holder.append(chart);
}
