// Provider prompt-cache health per provider account (/api/usage/cache-health):
// what was read from and written to the providers' caches, what reading
// saved, and a verdict with what to do when a prefix keeps being re-written.

import { get } from '../api.js';
import { h } from '../dom.js';
import { count, short, usd } from '../format.js';
import { load, table } from '../ui.js';

// Verdict -> [label, badge class].
const VERDICTS = {
  healthy: ['Healthy', 'ok'],
  rewriting: ['Re-writing', 'bad'],
  uncached: ['Not cached', 'warn'],
};

function ratio(value) {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)}×`;
}

function summary(totals) {
  const stat = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value));
  return h('dl', { class: 'stats' },
    stat('Cache reads (tokens)', short(totals.cacheReadTokens)),
    stat('Cache writes (tokens)', short(totals.cacheWriteTokens)),
    stat('Reads per write', ratio(totals.readWriteRatio)),
    stat('Saved', usd(totals.savedUsd)));
}

function groups(data) {
  return table({
    caption: 'Prompt cache by provider account',
    empty: 'No chat requests in this window.',
    rows: data.groups,
    rowProps: (g) => ({ 'data-account': g.account }),
    columns: [
      { label: 'Provider', render: (g) => h('span', { class: 'mono' }, g.provider) },
      { label: 'Account', render: (g) => h('span', { class: 'mono' }, g.account) },
      { label: 'Requests', render: (g) => count(g.requests), num: true },
      { label: 'Read (tokens)', render: (g) => count(g.cacheReadTokens), num: true },
      { label: 'Written (tokens)', render: (g) => count(g.cacheWriteTokens), num: true },
      { label: 'Reads per write', render: (g) => ratio(g.readWriteRatio), num: true },
      { label: 'Saved', render: (g) => usd(g.savedUsd), num: true },
      {
        label: 'Verdict',
        render: (g) => {
          const [label, tone] = VERDICTS[g.verdict] || [g.verdict, 'warn'];
          return h('span', { class: `badge ${tone}`, title: g.advice }, label);
        },
      },
    ],
  });
}

/** Fills `container` with the cache health of the last `hours`. */
export function promptCache(container, hours) {
  return load(container, 'prompt-cache health', () => get('/usage/cache-health', { hours, group_by: 'account' }),
    (c, data) => {
      c.append(summary(data.totals), groups(data));
      const advice = data.groups.filter((g) => g.verdict !== 'healthy');
      if (advice.length) {
        c.append(h('ul', {},
          advice.map((g) => h('li', {}, h('span', { class: 'mono' }, `${g.provider}/${g.account}`), `: ${g.advice}`))));
      }
    });
}
