// Providers: list with health and breaker state, add/edit/delete, test the
// connection, list the provider's models.

import { del, get, post, put, seg } from '../api.js';
import { h, splitList } from '../dom.js';
import { ms, seconds } from '../format.js';
import {
  alertBox, badge, busy, button, checkbox, confirmAction, describe, errorBox, field,
  load, messageArea, pageHeading, panel, select, table, toast,
} from '../ui.js';

export const title = 'Providers';

// The presets admin knows (GET /api/provider-kinds), fetched once per page.
let kindsOnce = null;
function providerKinds() {
  kindsOnce ??= get('/provider-kinds').then(
    (body) => body.kinds.map((k) => [k.kind, `${k.label} (${k.kind})`]),
    (err) => {
      kindsOnce = null; // try again next time
      throw err;
    },
  );
  return kindsOnce;
}

function liveFor(provider, live) {
  const mine = (list) => (list || []).filter((item) => item.provider === provider.id);
  return {
    breakers: mine(live.breakers),
    cooldowns: mine(live.cooldowns),
    invalid: mine(live.invalid),
  };
}

function healthBadges(provider, live) {
  if (!provider.enabled) return [badge('muted', 'Disabled')];
  if (!live) return [badge('muted', 'Unknown')];
  const state = liveFor(provider, live);
  const found = [];
  for (const breaker of state.breakers.filter((b) => b.state !== 'closed')) {
    const who = breaker.account ? `Account ${breaker.account}` : 'Provider';
    const wait = breaker.reopensInSeconds ? ` (retry in ${seconds(breaker.reopensInSeconds)})` : '';
    found.push(badge(breaker.state === 'open' ? 'bad' : 'warn', `${who} breaker ${breaker.state.replace('_', '-')}${wait}`));
  }
  for (const cooling of state.cooldowns) {
    found.push(badge('warn', `${cooling.account} cooling down (${seconds(cooling.remainingSeconds)})`, cooling.reason));
  }
  for (const refused of state.invalid) {
    found.push(badge('bad', `${refused.account}: credential refused`));
  }
  return found.length ? found : [badge('ok', 'Healthy')];
}

function breakerCell(provider, live) {
  if (!live) return '—';
  const own = liveFor(provider, live).breakers.find((b) => !b.account);
  const state = own ? own.state : 'closed';
  const kind = { closed: 'ok', open: 'bad' }[state] || 'warn';
  return h('span', {}, badge(kind, state.replace('_', '-')), own && own.failures ? h('span', { class: 'hint' }, ` ${own.failures} recent failures`) : null);
}

function providerBody(form, editing) {
  const data = new FormData(form);
  const body = {
    id: data.get('id').trim(),
    kind: data.get('kind'),
    base_url: data.get('base_url').trim(),
    models: splitList(data.get('models')),
    aliases: splitList(data.get('aliases')),
    display_name: data.get('display_name').trim(),
    enabled: form.elements.enabled.checked,
  };
  const headers = Object.fromEntries(
    String(data.get('headers') || '')
      .split('\n')
      .map((line) => line.split(/:(.*)/s).map((part) => (part || '').trim()))
      .filter(([name]) => name),
  );
  // Editing: an empty headers field keeps the stored headers.
  if (Object.keys(headers).length || !editing) body.headers = headers;
  const key = data.get('api_key');
  // Editing: an empty key field keeps the stored credential.
  if (key || !editing) body.api_key = key || null;
  return body;
}

function providerForm(provider, kinds, { onSaved, onCancel }) {
  const editing = Boolean(provider);
  const p = provider || { id: '', kind: 'openai-compatible', base_url: '', models: [], aliases: [], display_name: '', enabled: true };
  const messages = messageArea();
  const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Add provider');
  const enabled = checkbox('Enabled (routable)', p.enabled, { name: 'enabled' });
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    messages,
    h(
      'div',
      { class: 'row' },
      field('Provider id', h('input', { name: 'id', value: p.id, required: true, readonly: editing, pattern: '[a-z0-9][a-z0-9._-]{0,63}', autocomplete: 'off' }),
        'Lowercase; also the model prefix (id/model).'),
      field('Kind', select(kinds, p.kind, { name: 'kind' })),
    ),
    field('Base URL', h('input', { type: 'url', name: 'base_url', value: p.base_url, placeholder: 'https://api.example.com/v1' }),
      "Empty uses the preset's URL; required for openai-compatible."),
    field('API key', h('input', { type: 'password', name: 'api_key', autocomplete: 'off' }),
      editing ? 'Leave empty to keep the stored key.' : 'Stored encrypted; never shown again.'),
    field('Models', h('textarea', { name: 'models', rows: 3, value: (p.models || []).join('\n') }),
      "One per line (or comma-separated). Empty uses the preset's models."),
    h(
      'div',
      { class: 'row' },
      field('Aliases', h('input', { name: 'aliases', value: (p.aliases || []).join(', ') }), 'Other prefixes for this provider.'),
      field('Display name', h('input', { name: 'display_name', value: p.display_name || '' })),
    ),
    field('Extra headers', h('textarea', { name: 'headers', rows: 2, placeholder: 'X-Header: value' }),
      editing ? 'One "Name: value" per line. Stored headers are not shown: leave empty to keep them, or enter the whole new set.' : 'One "Name: value" per line.'),
    enabled.el,
    h('div', { class: 'actions' }, submit, button('Cancel', onCancel, { class: 'secondary' })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = providerBody(form, editing);
    if (!body.id) {
      messages.replaceChildren(alertBox('error', 'The provider id is required.'));
      form.elements.id.focus();
      return;
    }
    const saved = await busy(
      submit,
      () => (editing ? put(`/providers/${seg(body.id)}`, body) : post('/providers', body)),
      messages,
      editing ? 'Not saved' : 'Provider not added',
    );
    if (saved) onSaved(saved, editing);
  });
  return panel(editing ? `Edit provider ${p.id}` : 'Add a provider', { id: 'provider-form-title' }, form);
}

export function render(main) {
  const formSlot = h('div');
  const list = h('div');
  const results = h('div', { 'aria-live': 'polite' });

  const refresh = () =>
    load(list, 'providers', async () => {
      const [providers, live] = await Promise.all([
        get('/providers').then((listed) => listed.providers),
        // Breaker state is extra: without it the list still shows.
        get('/resilience').catch((err) => ({ failed: err })),
      ]);
      return { providers, live };
    }, renderList);

  function closeForm() {
    formSlot.replaceChildren();
  }

  async function openForm(provider) {
    let kinds;
    try {
      kinds = await providerKinds();
    } catch (err) {
      formSlot.replaceChildren(errorBox('Could not load the provider kinds', err, () => openForm(provider)));
      return;
    }
    formSlot.replaceChildren(
      providerForm(provider, kinds, {
        onCancel: closeForm,
        onSaved(saved, editing) {
          closeForm();
          toast('success', editing ? `Provider ${saved.id} saved.` : `Provider ${saved.id} added.`);
          refresh();
        },
      }),
    );
    const heading = formSlot.querySelector('h2');
    formSlot.querySelector(provider ? 'select' : 'input').focus();
    heading.scrollIntoView({ block: 'nearest' });
  }

  async function testProvider(provider, trigger) {
    const result = await busy(trigger, () => post(`/providers/${seg(provider.id)}/test`, {}), null, `Test of ${provider.id} failed`);
    if (!result) return;
    const what = `Test of ${provider.id}`;
    results.replaceChildren(
      result.ok
        ? alertBox('success', `${what}: OK — HTTP ${result.status} in ${ms(result.latencyMs)}${result.account ? ` (account ${result.account})` : ''}.`)
        : alertBox('error', `${what} failed: ${result.error || 'no answer'} (HTTP ${result.status || 'none'}, ${ms(result.latencyMs)}).`),
    );
  }

  async function listModels(provider, trigger) {
    const result = await busy(trigger, () => get(`/providers/${seg(provider.id)}/models`), null, `Models of ${provider.id}`);
    if (!result) return;
    const source = result.source === 'provider' ? 'as listed by the provider' : 'configured (the provider could not be asked)';
    results.replaceChildren(
      panel(
        `Models of ${provider.id}`,
        { actions: [button('Close', () => results.replaceChildren(), { class: 'secondary small' })] },
        h('p', { class: 'hint' }, `${result.models.length} models, ${source}.`),
        result.error ? alertBox('warn', result.error) : null,
        result.models.length ? h('ul', { class: 'models' }, result.models.map((m) => h('li', { class: 'mono' }, m))) : h('p', { class: 'empty' }, 'No models.'),
      ),
    );
  }

  async function remove(provider) {
    const ok = await confirmAction({
      title: `Delete provider ${provider.id}?`,
      message: 'Its accounts and custom models are deleted too, and requests for its models stop routing.',
      confirmLabel: 'Delete provider',
    });
    if (!ok) return;
    try {
      await del(`/providers/${seg(provider.id)}`);
      toast('success', `Provider ${provider.id} deleted.`);
      refresh();
    } catch (err) {
      toast('error', `Could not delete ${provider.id}: ${describe(err)}`);
    }
  }

  function renderList(container, { providers, live }) {
    const state = live.failed ? null : live;
    if (live.failed) container.append(errorBox('Breaker and health state unavailable', live.failed));
    container.append(
      table({
        caption: `${providers.length} ${providers.length === 1 ? 'provider' : 'providers'}`,
        empty: 'No providers yet. Add one to start routing requests.',
        rows: providers,
        rowProps: (p) => ({ dataset: { provider: p.id } }),
        columns: [
          { label: 'Provider', render: (p) => h('div', {}, h('strong', { class: 'mono' }, p.id), p.display_name ? h('div', { class: 'hint' }, p.display_name) : null) },
          { label: 'Kind', render: (p) => h('div', {}, p.kind, h('div', { class: 'hint break' }, p.base_url)) },
          { label: 'Models', render: (p) => h('span', { title: p.models.join(', ') }, `${p.models.length}`), num: true },
          { label: 'Accounts', render: (p) => h('ul', { class: 'plain' }, p.accounts.map((a) => h('li', {}, `${a.name} `, h('span', { class: 'mono hint' }, a.credential || 'no key'), a.enabled ? null : badge('muted', 'off')))) },
          { label: 'Health', render: (p) => h('div', {}, healthBadges(p, state)) },
          { label: 'Breaker', render: (p) => breakerCell(p, state) },
          {
            label: 'Actions',
            render: (p) => {
              const test = button('Test', () => testProvider(p, test), { class: 'secondary small', 'aria-label': `Test connection to ${p.id}` });
              const models = button('Models', () => listModels(p, models), { class: 'secondary small', 'aria-label': `List models of ${p.id}` });
              return h(
                'div',
                { class: 'actions' },
                test,
                models,
                button('Edit', () => openForm(p), { class: 'secondary small', 'aria-label': `Edit ${p.id}` }),
                button('Delete', () => remove(p), { class: 'danger small', 'aria-label': `Delete ${p.id}` }),
              );
            },
          },
        ],
      }),
    );
  }

  main.append(
    pageHeading('Providers', button('Add provider', () => openForm(null))),
    formSlot,
    results,
    panel('Configured providers', { actions: [button('Refresh', () => refresh(), { class: 'secondary small' })] }, list),
  );
  refresh();
}
