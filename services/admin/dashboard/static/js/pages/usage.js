// Usage: requests, tokens, cost and latency (average, p95, p99) over time by
// provider, model or key (/api/usage/history), latency percentiles per provider
// (/api/telemetry/summary), the providers' prompt-cache health
// (/api/usage/cache-health), and the request log.

import { get } from '../api.js';
import { h } from '../dom.js';
import { barChart, lineChart } from '../chart.js';
import { count, ms, short, usd } from '../format.js';
import { button, checkbox, field, load, pageHeading, panel, select, table } from '../ui.js';
import { promptCache } from './prompt-cache.js';
import { requestLog } from './usage-log.js';

export const title = 'Usage';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
// The telemetry window is capped at 30 days by the API.
const MAX_TELEMETRY_WINDOW = 30 * DAY;
const RANGES = [
  { id: '24h', label: 'Last 24 hours (hourly)', span: DAY, bucket: 'hour' },
  { id: '7d', label: 'Last 7 days (hourly)', span: 7 * DAY, bucket: 'hour' },
  { id: '30d', label: 'Last 30 days (daily)', span: 30 * DAY, bucket: 'day' },
  { id: '90d', label: 'Last 90 days (daily)', span: 90 * DAY, bucket: 'day' },
];
const GROUPS = [['provider', 'Provider'], ['model', 'Model'], ['key', 'API key']];
const AUTO_REFRESH_MS = 10000;

/** Every bucket of the range, keyed as the API names them (UTC). */
function bucketsBetween(since, until, bucket) {
  const step = bucket === 'hour' ? HOUR : DAY;
  const start = new Date(since);
  if (bucket === 'hour') start.setUTCMinutes(0, 0, 0);
  else start.setUTCHours(0, 0, 0, 0);
  const keys = [];
  for (let t = start.getTime(); t <= new Date(until).getTime(); t += step) {
    const iso = new Date(t).toISOString();
    keys.push(bucket === 'hour' ? `${iso.slice(0, 13)}:00:00` : iso.slice(0, 10));
  }
  return keys;
}

function bucketLabel(key, bucket) {
  return bucket === 'hour' ? `${key.slice(5, 10)} ${key.slice(11, 16)}` : key.slice(5, 10);
}

/** History rows → labels and one series per group, per metric. */
function seriesOf(history, groupBy, nameOf) {
  const keys = bucketsBetween(history.since, history.until, history.bucket);
  const index = new Map(keys.map((key, i) => [key, i]));
  const groups = new Map();
  for (const row of history.series) {
    const at = index.get(row.bucket);
    if (at === undefined) continue;
    const group = row[groupBy] || '(none)';
    if (!groups.has(group)) {
      groups.set(group, {
        name: nameOf(group),
        requests: keys.map(() => 0),
        tokens: keys.map(() => 0),
        cost: keys.map(() => 0),
        latency: keys.map(() => null),
        p95: keys.map(() => null),
        p99: keys.map(() => null),
      });
    }
    const g = groups.get(group);
    g.requests[at] += row.requests;
    g.tokens[at] += row.totalTokens;
    g.cost[at] += row.costUsd;
    g.latency[at] = row.avgLatencyMs;
    g.p95[at] = row.p95Ms ?? null;
    g.p99[at] = row.p99Ms ?? null;
  }
  const all = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  const pick = (metric) => all.map((g) => ({ name: g.name, values: g[metric] }));
  return { labels: keys.map((k) => bucketLabel(k, history.bucket)), pick };
}

function totals(history) {
  const t = history.totals;
  const stat = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value));
  return h('dl', { class: 'stats' },
    stat('Requests', count(t.requests)),
    stat('Errors', count(t.errors)),
    stat('Tokens', short(t.totalTokens)),
    stat('Cost', usd(t.costUsd)));
}

/**
 * p50/p95/p99 per interval, when admin reports them in the history rows
 * (p50Ms, p95Ms, p99Ms); older admins only give the average.
 */
function percentilesOverTime(history) {
  if (!history.series.some((row) => row.p95Ms !== undefined)) return null;
  const keys = bucketsBetween(history.since, history.until, history.bucket);
  const index = new Map(keys.map((key, i) => [key, i]));
  const lines = ['p50Ms', 'p95Ms', 'p99Ms'].map((field) => ({ name: field.slice(0, 3), field, values: keys.map(() => null) }));
  for (const row of history.series) {
    const at = index.get(row.bucket);
    if (at === undefined) continue;
    for (const line of lines) line.values[at] = row[line.field] ?? null;
  }
  return lineChart({
    title: 'Latency percentiles over time',
    key: 'percentiles-over-time',
    labels: keys.map((k) => bucketLabel(k, history.bucket)),
    series: lines.map(({ name, values }) => ({ name, values })),
    format: ms,
    xTitle: 'UTC',
  });
}

function percentiles(summary) {
  const providers = Object.entries(summary.providers || {}).sort(([a], [b]) => a.localeCompare(b));
  if (!providers.length) return h('p', { class: 'empty' }, 'No requests in this window.');
  const names = providers.map(([name]) => name);
  const pick = (p) => providers.map(([, v]) => v[p]);
  return h('div', {},
    barChart({
      title: 'Latency percentiles by provider',
      key: 'percentiles',
      labels: names,
      labelHeader: 'Provider',
      series: [{ name: 'p50', values: pick('p50') }, { name: 'p95', values: pick('p95') }, { name: 'p99', values: pick('p99') }],
      stacked: false,
      format: ms,
    }),
    table({
      caption: 'End-to-end latency (ms)',
      rows: providers,
      columns: [
        { label: 'Provider', render: ([name]) => h('span', { class: 'mono' }, name) },
        { label: 'Requests', render: ([, v]) => count(v.count), num: true },
        { label: 'p50', render: ([, v]) => ms(v.p50), num: true },
        { label: 'p95', render: ([, v]) => ms(v.p95), num: true },
        { label: 'p99', render: ([, v]) => ms(v.p99), num: true },
      ],
    }));
}

export function render(main) {
  const state = { range: RANGES[0], groupBy: 'provider', timer: null };
  const keyNames = new Map();
  const charts = h('div');
  const latency = h('div');
  const caching = h('div');
  const logSlot = h('div');
  let log = null;

  const rangeSelect = select(RANGES.map((r) => [r.id, r.label]), state.range.id, { name: 'range' });
  const groupSelect = select(GROUPS, state.groupBy, { name: 'group_by' });
  const auto = checkbox('Refresh every 10 s', false);
  const controls = h('form', { class: 'row', 'aria-label': 'Chart options' },
    field('Time range', rangeSelect), field('Group by', groupSelect), auto.el);

  const nameOf = (group) => (state.groupBy === 'key' && keyNames.get(group)) || group;

  function refreshCharts() {
    const until = new Date();
    const since = new Date(until.getTime() - state.range.span);
    const query = {
      since: since.toISOString(), until: until.toISOString(), bucket: state.range.bucket, group_by: state.groupBy,
    };
    load(charts, 'usage history', () => get('/usage/history', query), (container, data) => {
      const { labels, pick } = seriesOf(data, state.groupBy, nameOf);
      const common = { labels, xTitle: 'UTC' };
      container.append(
        totals(data),
        h('div', { class: 'grid-2 charts' },
          h('div', { class: 'panel' }, barChart({ ...common, title: 'Requests', key: 'requests', series: pick('requests'), format: short, integer: true })),
          h('div', { class: 'panel' }, barChart({ ...common, title: 'Tokens', key: 'tokens', series: pick('tokens'), format: short, integer: true })),
          h('div', { class: 'panel' }, barChart({ ...common, title: 'Cost (USD)', key: 'cost', series: pick('cost'), format: usd })),
          h('div', { class: 'panel' }, lineChart({ ...common, title: 'Average latency', key: 'latency', series: pick('latency'), format: ms })),
          h('div', { class: 'panel' }, lineChart({ ...common, title: 'Latency p95', key: 'latency-p95', series: pick('p95'), format: ms })),
          h('div', { class: 'panel' }, lineChart({ ...common, title: 'Latency p99', key: 'latency-p99', series: pick('p99'), format: ms }))));
    });
    const windowMs = Math.min(state.range.span, MAX_TELEMETRY_WINDOW);
    load(latency, 'latency percentiles', () => Promise.all([
      get('/telemetry/summary', { windowMs }),
      // Percentiles cannot be merged across groups: ask for all traffic.
      get('/usage/history', { ...query, group_by: 'none' }),
    ]), (c, [summary, overall]) => {
      const overTime = percentilesOverTime(overall);
      if (overTime) c.append(overTime);
      c.append(percentiles(summary));
    });
    promptCache(caching, Math.ceil(state.range.span / HOUR));
  }

  function refreshAll() {
    refreshCharts();
    if (log) log.refresh();
  }

  rangeSelect.addEventListener('change', () => {
    state.range = RANGES.find((r) => r.id === rangeSelect.value);
    refreshCharts();
  });
  groupSelect.addEventListener('change', () => {
    state.groupBy = groupSelect.value;
    refreshCharts();
  });
  auto.input.addEventListener('change', () => {
    clearInterval(state.timer);
    state.timer = auto.input.checked ? setInterval(refreshAll, AUTO_REFRESH_MS) : null;
  });

  main.append(
    pageHeading('Usage', button('Refresh', refreshAll, { class: 'secondary' })),
    h('div', { class: 'panel' }, controls),
    charts,
    panel('Latency percentiles (p50 / p95 / p99)', {}, latency),
    panel('Provider prompt cache', {}, caching),
    panel('Request log', {}, logSlot),
  );
  refreshCharts();
  // Key names label the "by key" charts and the log; without them ids show.
  logSlot.append(h('p', { class: 'loading', role: 'status' }, 'Loading the request log…'));
  get('/keys')
    .then((listed) => listed.keys.forEach((k) => keyNames.set(k.id, k.name)), () => {})
    .finally(() => {
      log = requestLog(keyNames);
      logSlot.replaceChildren(log.el);
      log.refresh();
    });
  return () => clearInterval(state.timer);
}
