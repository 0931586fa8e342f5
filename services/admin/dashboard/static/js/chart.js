// A small SVG chart renderer: stacked or grouped bars and lines over a
// shared set of labels (time buckets or categories). Each chart is a
// <figure> with a caption, a legend and its numbers as a table, so the data
// is readable without seeing the picture.

import { h, s, uid } from './dom.js';
import { short } from './format.js';

const PALETTE = [
  '#2357c6', '#d9480f', '#2b8a3e', '#862e9c', '#0b7285',
  '#c92a2a', '#e67700', '#5c7cfa', '#a61e4d', '#495057',
];
const WIDTH = 720;
const MARGIN = { top: 10, right: 10, bottom: 30, left: 60 };
const MAX_X_LABELS = 8;
// Bars wider than this look like blocks when there are few labels.
const MAX_BAR_WIDTH = 44;

/** The smallest 1, 2 or 5 × 10^n at or above `value`: round axis ends. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((f) => value <= f * magnitude);
  return step * magnitude;
}

/** The y axis: a round step (a whole one for counts) and the top it reaches. */
function axis(peak, integer = false) {
  let step = niceCeiling(peak / 4);
  if (integer) step = Math.max(1, Math.ceil(step));
  return { step, top: Math.max(step, Math.ceil(peak / step) * step) };
}

function frame(height, labels, { step, top }, format, xTitle) {
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const nodes = [];
  for (let tick = 0; tick * step <= top + step / 1000; tick += 1) {
    const value = tick * step;
    nodes.push(s('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value) }));
    nodes.push(s('text', { x: MARGIN.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, format(value)));
  }
  const band = plotWidth / Math.max(1, labels.length);
  const every = Math.ceil(labels.length / MAX_X_LABELS);
  labels.forEach((label, index) => {
    if (index % every !== 0) return;
    nodes.push(s('text', { x: MARGIN.left + band * (index + 0.5), y: height - MARGIN.bottom + 16, 'text-anchor': 'middle' }, label));
  });
  nodes.push(s('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0) }));
  if (xTitle) nodes.push(s('text', { x: WIDTH - MARGIN.right, y: height - 2, 'text-anchor': 'end' }, xTitle));
  return { nodes, y, band };
}

function legend(series) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((item, index) => {
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = PALETTE[index % PALETTE.length];
      return h('li', {}, swatch, item.name);
    }),
  );
}

function cell(value, format) {
  return value === null || value === undefined ? '—' : format(value);
}

function dataTable(title, labels, series, format, labelHeader) {
  return h(
    'details',
    { class: 'data' },
    h('summary', {}, `${title}: data table`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, labelHeader), series.map((item) => h('th', { scope: 'col', class: 'num' }, item.name)))),
        h(
          'tbody',
          {},
          labels.map((label, index) =>
            h('tr', {}, h('th', { scope: 'row' }, label), series.map((item) => h('td', { class: 'num' }, cell(item.values[index], format)))),
          ),
        ),
      ),
    ),
  );
}

function figure(title, summary, svgNodes, height, labels, series, options) {
  const captionId = uid('chart');
  const summaryId = uid('chart-summary');
  const svg = s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': captionId, 'aria-describedby': summaryId },
    svgNodes,
  );
  return h(
    'figure',
    { class: 'chart', 'aria-labelledby': captionId, dataset: { chart: options.key || title } },
    h('figcaption', { id: captionId }, title),
    svg,
    h('p', { id: summaryId, class: 'hint' }, summary),
    series.length ? legend(series) : null,
    dataTable(title, labels, series, options.format, options.labelHeader || 'Time'),
  );
}

/**
 * Bars per label, one segment per series: stacked (sums, e.g. requests by
 * provider) or side by side (values that do not add up, e.g. percentiles).
 * series: [{name, values: [number per label]}]
 */
export function barChart({ title, labels, series, format = short, stacked = true, integer = false, height = 220, xTitle, key, labelHeader }) {
  const totals = labels.map((_, i) => series.reduce((sum, item) => sum + (item.values[i] || 0), 0));
  const peak = stacked ? Math.max(0, ...totals) : Math.max(0, ...series.flatMap((item) => item.values));
  const { nodes, y, band } = frame(height, labels, axis(peak, integer), format, xTitle);
  const inner = Math.min(band * 0.72, MAX_BAR_WIDTH * (stacked ? 1 : series.length));
  labels.forEach((label, i) => {
    let base = 0;
    series.forEach((item, k) => {
      const value = item.values[i] || 0;
      if (value <= 0) return;
      const width = stacked ? inner : inner / series.length;
      const x = MARGIN.left + band * i + (band - inner) / 2 + (stacked ? 0 : width * k);
      const top = y(stacked ? base + value : value);
      const bottom = y(stacked ? base : 0);
      base += value;
      nodes.push(
        s('rect', { x, y: top, width: Math.max(1, width), height: Math.max(1, bottom - top), fill: PALETTE[k % PALETTE.length] },
          s('title', {}, `${label} · ${item.name}: ${format(value)}`)),
      );
    });
  });
  const total = stacked ? totals.reduce((a, b) => a + b, 0) : peak;
  const summary = stacked
    ? `Total ${format(total)} over ${labels.length} ${labels.length === 1 ? 'interval' : 'intervals'}.`
    : `Highest value ${format(peak)}.`;
  return figure(title, summary, nodes, height, labels, series, { format, key, labelHeader });
}

/** Lines with a dot per point (a single point is still visible). */
export function lineChart({ title, labels, series, format = short, height = 220, xTitle, key, labelHeader }) {
  const present = series.flatMap((item) => item.values.filter((v) => v !== null && v !== undefined));
  const { nodes, y, band } = frame(height, labels, axis(Math.max(0, ...present)), format, xTitle);
  series.forEach((item, k) => {
    const color = PALETTE[k % PALETTE.length];
    const points = [];
    item.values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      points.push([MARGIN.left + band * (i + 0.5), y(value), labels[i], value]);
    });
    if (points.length > 1) {
      nodes.push(s('polyline', { points: points.map(([px, py]) => `${px},${py}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    }
    for (const [px, py, label, value] of points) {
      nodes.push(s('circle', { cx: px, cy: py, r: 3.5, fill: color }, s('title', {}, `${label} · ${item.name}: ${format(value)}`)));
    }
  });
  const summary = present.length ? `Highest value ${format(Math.max(...present))}.` : 'No data in this range.';
  return figure(title, summary, nodes, height, labels, series, { format, key, labelHeader });
}
