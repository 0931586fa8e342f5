// Health: every service, Redis, the database, executors, dispatch backlog,
// breakers and cooldowns, rate-limit state and the cache hit rate. Each
// panel loads on its own, so one failing endpoint does not hide the rest.

import { ApiError, del, get, post } from '../api.js';
import { h } from '../dom.js';
import { count, ms, percent, seconds } from '../format.js';
import {
  alertBox, badge, busy, button, checkbox, confirmAction, describe, load, pageHeading,
  panel, table, toast,
} from '../ui.js';

export const title = 'Health';
const AUTO_REFRESH_MS = 5000;

function statusBadge(status) {
  // Admin's verdict is "healthy" (the original OmniRoute's word); services say "ok".
  const good = status === 'ok' || status === 'healthy';
  const kind = good ? 'ok' : status === 'degraded' ? 'warn' : 'bad';
  return badge(kind, good ? 'OK' : status || 'unknown');
}

function serviceDetail(name, service) {
  const parts = [];
  if (service.latency_ms !== undefined) parts.push(`${ms(service.latency_ms)}`);
  if (service.address) parts.push(service.address);
  if (service.url) parts.push(service.url);
  if (service.detail) parts.push(service.detail);
  if (service.error) parts.push(`error: ${service.error}`);
  if (name === 'executor') {
    const executors = service.executors || [];
    parts.push(`${executors.length} live`);
  }
  return parts.join(' · ') || '—';
}

function backlogPanel(data) {
  // Reported when admin knows the dispatch stream's length and lag.
  const dispatch = data.dispatch || data.services?.dispatch || data.backlog;
  if (!dispatch) return alertBox('info', 'The dispatch backlog is not reported by this admin version.');
  const rows = Object.entries(dispatch).filter(([, v]) => typeof v !== 'object');
  return table({
    caption: 'Dispatch stream',
    rows,
    columns: [
      { label: 'Measure', render: ([name]) => name },
      { label: 'Value', render: ([, value]) => (typeof value === 'number' ? count(value) : String(value)), num: true },
    ],
  });
}

/**
 * The edge serving this page, from its own /healthz on this origin (admin
 * checks the one EDGE_URL names; behind a load balancer they may differ).
 * When the dashboard is opened on admin's port directly, /healthz is
 * admin's and the row is left out.
 */
async function edgeHealth() {
  try {
    const response = await fetch('/healthz', { headers: { Accept: 'application/json' } });
    const body = await response.json();
    if (!('routing_table_version' in body)) return null;
    return {
      status: body.status === 'ok' ? 'ok' : 'down',
      error: body.status === 'ok' ? undefined : body.status,
      detail: `routing table v${body.routing_table_version ?? '—'}, config v${body.config_version ?? '—'}`,
    };
  } catch (err) {
    return { status: 'down', error: describe(err) };
  }
}

async function loadServices() {
  const [health, edge] = await Promise.all([get('/monitoring/health'), edgeHealth()]);
  return edge ? { ...health, services: { 'edge (this origin)': edge, ...health.services } } : health;
}

function renderServices(container, data) {
  const services = Object.entries(data.services || {});
  container.append(
    h('p', {}, 'Overall: ', statusBadge(data.status)),
    table({
      caption: 'Services',
      rows: services,
      rowProps: ([name]) => ({ dataset: { service: name } }),
      columns: [
        { label: 'Service', render: ([name]) => h('strong', {}, name) },
        { label: 'Status', render: ([, s]) => statusBadge(s.status) },
        { label: 'Details', render: ([name, s]) => serviceDetail(name, s) },
      ],
    }),
  );
  const executors = data.services?.executor?.executors || [];
  container.append(
    h('h3', {}, 'Executors'),
    table({
      empty: 'No executor has sent a heartbeat: requests cannot be served.',
      rows: executors,
      columns: [
        { label: 'Executor', render: (e) => h('span', { class: 'mono' }, e.id) },
        { label: 'In flight', render: (e) => count(e.in_flight), num: true },
        { label: 'Served', render: (e) => count(e.served), num: true },
      ],
    }),
    h('h3', {}, 'Dispatch backlog'),
    backlogPanel(data),
  );
}

function renderResilience(container, data, onReset) {
  const notClosed = (data.breakers || []).filter((b) => b.state !== 'closed');
  container.append(
    h('h3', {}, 'Circuit breakers'),
    table({
      empty: 'Every breaker is closed.',
      rows: notClosed,
      columns: [
        { label: 'Provider', render: (b) => h('span', { class: 'mono' }, b.provider) },
        { label: 'Account', render: (b) => b.account || '(whole provider)' },
        { label: 'State', render: (b) => badge(b.state === 'open' ? 'bad' : 'warn', b.state.replace('_', '-')) },
        { label: 'Failures', render: (b) => count(b.failures), num: true },
        { label: 'Retry in', render: (b) => (b.reopensInSeconds ? seconds(b.reopensInSeconds) : '—'), num: true },
      ],
    }),
    h('h3', {}, 'Cooldowns'),
    table({
      empty: 'No account is cooling down.',
      rows: data.cooldowns || [],
      columns: [
        { label: 'Provider', render: (c) => h('span', { class: 'mono' }, c.provider) },
        { label: 'Account', render: (c) => c.account },
        { label: 'Remaining', render: (c) => seconds(c.remainingSeconds), num: true },
        { label: 'Level', render: (c) => count(c.level), num: true },
        { label: 'Reason', render: (c) => c.reason || '—' },
      ],
    }),
    h('h3', {}, 'Refused credentials'),
    table({
      empty: 'No credential was refused.',
      rows: data.invalid || [],
      columns: [
        { label: 'Provider', render: (i) => h('span', { class: 'mono' }, i.provider) },
        { label: 'Account', render: (i) => i.account },
      ],
    }),
    h('div', { class: 'actions' }, button('Reset all breakers and cooldowns', onReset, { class: 'danger small' })),
  );
}

function renderRateLimits(container, data) {
  const limited = (data.keys || []).filter((k) => k.rpmLimit || k.tpmLimit);
  container.append(
    table({
      caption: 'Provider accounts',
      empty: 'No provider accounts.',
      rows: data.accounts || [],
      columns: [
        { label: 'Account', render: (a) => h('span', { class: 'mono' }, `${a.provider}/${a.account}`) },
        { label: 'Enabled', render: (a) => (a.enabled ? 'yes' : 'no') },
        { label: 'Cooldown', render: (a) => (a.cooldownSeconds ? `${seconds(a.cooldownSeconds)} (${a.cooldownReason || 'cooling'})` : '—') },
        { label: 'Breaker', render: (a) => badge({ closed: 'ok', open: 'bad' }[a.breaker] || 'warn', a.breaker.replace('_', '-')) },
        { label: 'Credential', render: (a) => (a.invalid ? badge('bad', 'refused') : badge('ok', 'ok')) },
      ],
    }),
    table({
      caption: 'Keys with rate limits',
      empty: 'No key has a rate limit.',
      rows: limited,
      columns: [
        { label: 'Key', render: (k) => k.name || k.id },
        { label: 'RPM', render: (k) => (k.rpmLimit ? count(k.rpmLimit) : '∞'), num: true },
        { label: 'TPM', render: (k) => (k.tpmLimit ? count(k.tpmLimit) : '∞'), num: true },
      ],
    }),
  );
}

async function cacheStats() {
  try {
    return await get('/cache');
  } catch (err) {
    // An admin without the endpoint is not an outage: say so calmly.
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

function renderCache(container, data, onClear) {
  if (!data) {
    container.append(alertBox('info', 'Cache statistics are not available from this admin version (GET /api/cache).'));
    return;
  }
  const exact = data.exactCache || {};
  const semantic = data.semanticCache || {};
  const idempotency = data.idempotency || {};
  const stat = (label, value, note) =>
    h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value, note ? h('span', { class: 'hint note' }, note) : null));
  container.append(
    h('dl', { class: 'stats', 'aria-label': 'Cache statistics' },
      // exactCache.hitRate counts every hit (exact and semantic) per lookup.
      stat('Hit rate', percent(exact.hitRate ?? semantic.hitRate)),
      data.exactCache ? stat('Hits / misses', `${count(exact.hits)} / ${count(exact.misses)}`) : null,
      data.exactCache ? stat('Cached answers', `${count(exact.entries)} / ${count(exact.maxEntries)}`) : null,
      stat('Semantic hit rate', percent(semantic.hitRate)),
      stat('Semantic entries', count(semantic.dbSize), `${count(semantic.memorySize)} / ${count(semantic.memoryMaxSize)} in memory`),
      stat('Idempotency keys', count(idempotency.activeKeys), idempotency.windowMs ? `${ms(idempotency.windowMs)} window` : null)),
    h('div', { class: 'actions' }, button('Clear the cache', onClear, { class: 'danger small' })),
  );
}

export function render(main) {
  const services = h('div');
  const resilience = h('div');
  const limits = h('div');
  const cache = h('div');
  let timer = null;

  const refreshResilience = () => load(resilience, 'breakers and cooldowns', () => get('/resilience'), (c, d) => renderResilience(c, d, resetAll));
  const refreshCache = () => load(cache, 'cache statistics', cacheStats, (c, d) => renderCache(c, d, clearCache));
  function refresh() {
    load(services, 'service health', loadServices, renderServices);
    refreshResilience();
    load(limits, 'rate-limit state', () => get('/rate-limits'), renderRateLimits);
    refreshCache();
  }

  async function resetAll(event) {
    const ok = await confirmAction({
      title: 'Reset every breaker and cooldown?',
      message: 'Failing providers get traffic again at once.',
      confirmLabel: 'Reset',
    });
    if (!ok) return;
    const result = await busy(event.target, () => post('/resilience/reset', {}), null, 'Reset failed');
    if (result) {
      const r = result.reset || {};
      toast('success', `Reset ${r.breakers || 0} breakers, ${r.cooldowns || 0} cooldowns, ${r.invalid || 0} refused marks.`);
      refreshResilience();
    }
  }

  async function clearCache(event) {
    const ok = await confirmAction({ title: 'Clear the response cache?', message: 'Every cached answer is dropped.', confirmLabel: 'Clear' });
    if (!ok) return;
    const result = await busy(event.target, () => del('/cache'), null, 'Clearing failed');
    if (result) {
      toast('success', `Cache cleared (${count(result.cleared)} entries).`);
      refreshCache();
    }
  }

  const auto = checkbox('Refresh every 5 s', false);
  auto.input.addEventListener('change', () => {
    clearInterval(timer);
    timer = auto.input.checked ? setInterval(refresh, AUTO_REFRESH_MS) : null;
  });
  main.append(
    pageHeading('Health', auto.el, button('Refresh', refresh, { class: 'secondary' })),
    h('div', { class: 'grid-2' },
      panel('Services', {}, services),
      panel('Cache', {}, cache)),
    panel('Breakers and cooldowns', {}, resilience),
    panel('Rate limits', {}, limits),
  );
  refresh();
  return () => clearInterval(timer);
}
