// The request log of the usage page: filters, paging, one row per request.

import { get } from '../api.js';
import { h } from '../dom.js';
import { count, dateTime, ms, usd } from '../format.js';
import { badge, button, checkbox, field, load, select, table } from '../ui.js';

const PAGE_SIZES = ['10', '25', '50', '100'];

function statusBadge(status) {
  const kind = status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'ok';
  return badge(kind, String(status));
}

/** The log panel's content; `keyNames` maps key ids to names. */
export function requestLog(keyNames) {
  const state = { limit: 25, offset: 0, filters: {} };
  const results = h('div');
  const pageStatus = h('span', { role: 'status', class: 'hint' });
  const previous = button('Previous page', () => turn(-1), { class: 'secondary small' });
  const next = button('Next page', () => turn(1), { class: 'secondary small' });

  const provider = h('input', { name: 'provider', autocomplete: 'off' });
  const model = h('input', { name: 'model', autocomplete: 'off' });
  const keySelect = select([['', 'Any key'], ...[...keyNames].map(([id, name]) => [id, name ? `${name} (${id})` : id])], '', { name: 'api_key_id' });
  const status = h('input', { type: 'number', name: 'status', min: 100, max: 599, placeholder: 'e.g. 200' });
  const errorsOnly = checkbox('Errors only', false, { name: 'errors_only' });
  const pageSize = select(PAGE_SIZES, String(state.limit), { name: 'limit' });
  const filters = h(
    'form',
    { class: 'form filters', 'aria-label': 'Request log filters' },
    h('div', { class: 'row' },
      field('Provider', provider),
      field('Model', model),
      field('API key', keySelect),
      field('Status', status),
      field('Rows per page', pageSize)),
    h('div', { class: 'actions' }, errorsOnly.el,
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear')),
  );

  function refresh() {
    const query = { limit: state.limit, offset: state.offset, ...state.filters };
    return load(results, 'the request log', () => get('/usage/logs', query), renderPage);
  }

  function turn(direction) {
    state.offset = Math.max(0, state.offset + direction * state.limit);
    refresh();
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = {
      provider: provider.value.trim(),
      model: model.value.trim(),
      api_key_id: keySelect.value,
      status: status.value,
      errors_only: errorsOnly.input.checked,
    };
    state.limit = Number(pageSize.value);
    state.offset = 0;
    refresh();
  });
  filters.addEventListener('reset', () => {
    // After the browser has put the fields back to their defaults.
    setTimeout(() => {
      state.filters = {};
      state.limit = Number(pageSize.value);
      state.offset = 0;
      refresh();
    });
  });

  function renderPage(container, page) {
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.entries.length;
    const noun = page.total === 1 ? 'request' : 'requests';
    pageStatus.textContent = `Showing ${first} to ${last} of ${count(page.total)} ${noun}`;
    previous.disabled = page.offset === 0;
    next.disabled = last >= page.total;
    container.append(
      table({
        empty: state.filters && Object.values(state.filters).some(Boolean) ? 'No request matches these filters.' : 'No requests recorded yet.',
        rows: page.entries,
        rowProps: (e) => ({ dataset: { requestId: e.request_id } }),
        columns: [
          { label: 'Time', render: (e) => h('span', { class: 'nowrap' }, dateTime(e.timestamp)) },
          { label: 'Key', render: (e) => keyNames.get(e.api_key_id) || h('span', { class: 'mono' }, e.api_key_id || '—') },
          { label: 'Requested', render: (e) => h('span', { class: 'mono' }, e.requested_model) },
          { label: 'Provider', render: (e) => h('span', { class: 'mono' }, e.provider || '—') },
          { label: 'Model', render: (e) => h('span', { class: 'mono' }, e.model || '—') },
          { label: 'Status', render: (e) => statusBadge(e.status) },
          { label: 'Tokens in/out', render: (e) => `${count(e.prompt_tokens)} / ${count(e.completion_tokens)}`, num: true },
          { label: 'Cost', render: (e) => usd(e.cost_usd), num: true },
          { label: 'Latency', render: (e) => ms(e.latency_ms), num: true },
          { label: 'Cache', render: (e) => e.cache || '—' },
          { label: 'Error', render: (e) => (e.error ? h('span', { class: 'break' }, e.error) : '') },
        ],
      }),
    );
  }

  const el = h('div', {}, filters, results, h('div', { class: 'pager' }, previous, next, pageStatus));
  return { el, refresh };
}
