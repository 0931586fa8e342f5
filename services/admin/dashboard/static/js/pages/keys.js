// API keys: create (the key is shown once), edit limits, allowed models and
// budget, revoke, delete.

import { del, get, post, put, seg } from '../api.js';
import { h, splitList } from '../dom.js';
import { count, dateTime, usd } from '../format.js';
import {
  alertBox, badge, busy, button, checkbox, confirmAction, describe, errorBox, field,
  load, messageArea, pageHeading, panel, select, table, toast,
} from '../ui.js';

export const title = 'API keys';

const PERIODS = [['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']];

function numberInput(name, value, props = {}) {
  return h('input', { type: 'number', name, min: 0, step: 1, value: value ?? 0, inputmode: 'numeric', ...props });
}

function limitsBody(form) {
  return {
    name: form.elements.name.value.trim(),
    allowed_models: splitList(form.elements.allowed_models.value),
    rpm_limit: Number(form.elements.rpm_limit.value || 0),
    tpm_limit: Number(form.elements.tpm_limit.value || 0),
  };
}

function limitFields(key = {}) {
  return [
    field('Name', h('input', { name: 'name', value: key.name || '', maxlength: 128, autocomplete: 'off' }), 'Who or what uses this key.'),
    field('Allowed models', h('textarea', { name: 'allowed_models', rows: 2, value: (key.allowed_models || []).join('\n') }),
      'One per line (provider/model, alias or combo). Empty allows every model.'),
    h(
      'div',
      { class: 'row' },
      field('Requests per minute', numberInput('rpm_limit', key.rpm_limit), '0: no limit.'),
      field('Tokens per minute', numberInput('tpm_limit', key.tpm_limit), '0: no limit.'),
    ),
  ];
}

/** The new key, shown this once, with a copy button. */
function revealKey(created, onDone) {
  const value = h('input', { id: 'new-key-value', readonly: true, value: created.key, class: 'mono', spellcheck: 'false' });
  const status = h('span', { role: 'status', class: 'hint' });
  const copy = button('Copy', async () => {
    try {
      await navigator.clipboard.writeText(created.key);
    } catch {
      // No clipboard API (plain http on a LAN address): select for Ctrl+C.
      value.select();
      document.execCommand('copy');
    }
    status.textContent = 'Copied to the clipboard.';
  });
  const section = h(
    'section',
    { class: 'panel secret', 'aria-labelledby': 'new-key-title' },
    h('h2', { id: 'new-key-title', tabindex: '-1' }, `New key “${created.name || created.id}”`),
    alertBox('warn', 'Copy this key now: it is shown only once and cannot be recovered.'),
    h('div', { class: 'field' }, h('label', { for: 'new-key-value' }, 'New API key'), h('div', { class: 'inline' }, value, copy)),
    status,
    h('div', { class: 'actions' }, button('I have saved it', onDone, { class: 'secondary' })),
  );
  return section;
}

function createForm({ onCreated, onCancel }) {
  const messages = messageArea();
  const submit = h('button', { type: 'submit' }, 'Create key');
  const admin = checkbox('Admin scope (may use the management API)', false, { name: 'admin' });
  const form = h('form', { class: 'form' }, messages, limitFields(), admin.el,
    h('div', { class: 'actions' }, submit, button('Cancel', onCancel, { class: 'secondary' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { ...limitsBody(form), scopes: admin.input.checked ? ['admin'] : [] };
    const created = await busy(submit, () => post('/keys', body), messages, 'Key not created');
    if (created) onCreated(created);
  });
  return panel('Create an API key', {}, form);
}

function editForm(key, budget, { onSaved, onCancel }) {
  const messages = messageArea();
  const submit = h('button', { type: 'submit' }, 'Save');
  const limit = h('input', { type: 'number', name: 'budget_limit', min: 0, step: '0.01', value: budget ? budget.limit : 0 });
  const period = select(PERIODS, budget ? budget.period : 'monthly', { name: 'budget_period' });
  const form = h(
    'form',
    { class: 'form' },
    messages,
    limitFields(key),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Budget'),
      h('div', { class: 'row' }, field('Limit (USD)', limit, '0: no budget.'), field('Period', period, 'UTC calendar periods.')),
    ),
    h('div', { class: 'actions' }, submit, button('Cancel', onCancel, { class: 'secondary' })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await busy(submit, async () => {
      await put(`/keys/${seg(key.id)}`, limitsBody(form));
      const newLimit = Number(limit.value || 0);
      const changed = budget ? newLimit !== budget.limit || period.value !== budget.period : newLimit > 0;
      if (changed) await post('/usage/budget', { keyId: key.id, limit: newLimit, period: period.value });
      return true;
    }, messages, 'Not saved');
    if (saved) onSaved();
  });
  return panel(`Edit key ${key.name || key.id}`, {}, form);
}

function budgetCell(budget) {
  if (!budget) return h('span', { class: 'muted' }, 'none');
  const kind = budget.exceeded ? 'bad' : budget.percent >= budget.warningThreshold * 100 ? 'warn' : 'ok';
  return h('div', {}, `${usd(budget.spent)} of ${usd(budget.limit)} ${budget.period}`, h('div', {}, badge(kind, `${budget.percent}%`)));
}

export function render(main) {
  const formSlot = h('div');
  const list = h('div');

  const refresh = () =>
    load(list, 'API keys', async () => {
      const [keys, budgets] = await Promise.all([
        get('/keys').then((listed) => listed.keys),
        get('/usage/budget').catch((err) => ({ failed: err })),
      ]);
      return { keys, budgets };
    }, renderList);

  const close = () => formSlot.replaceChildren();
  function show(section) {
    formSlot.replaceChildren(section);
    const focusable = section.querySelector('input, h2[tabindex]');
    if (focusable) focusable.focus();
  }

  function openCreate() {
    show(createForm({
      onCancel: close,
      onCreated(created) {
        show(revealKey(created, close));
        // The one-time value has the focus, ready to copy.
        formSlot.querySelector('#new-key-value').select();
        refresh();
      },
    }));
  }

  function openEdit(key, budget) {
    show(editForm(key, budget, {
      onCancel: close,
      onSaved() {
        close();
        toast('success', `Key ${key.name || key.id} saved.`);
        refresh();
      },
    }));
  }

  async function act(key, { title: question, message, confirmLabel, call, done }) {
    if (!(await confirmAction({ title: question, message, confirmLabel }))) return;
    try {
      await call();
      toast('success', done);
      refresh();
    } catch (err) {
      toast('error', `${confirmLabel} failed: ${describe(err)}`);
    }
  }

  function renderList(container, { keys, budgets }) {
    const byKey = new Map();
    if (budgets.failed) container.append(errorBox('Budgets unavailable', budgets.failed));
    else for (const b of budgets.budgets) byKey.set(b.keyId, b);
    container.append(
      table({
        caption: `${keys.length} ${keys.length === 1 ? 'key' : 'keys'}`,
        empty: 'No API keys yet.',
        rows: keys,
        rowProps: (k) => ({ dataset: { key: k.id } }),
        columns: [
          { label: 'Name', render: (k) => h('div', {}, h('strong', {}, k.name || '(unnamed)'), h('div', { class: 'hint mono' }, k.id)) },
          { label: 'Key', render: (k) => h('span', { class: 'mono' }, `${k.prefix}…`) },
          { label: 'Scopes', render: (k) => (k.scopes.length ? k.scopes.map((sc) => badge('muted', sc)) : '—') },
          { label: 'Allowed models', render: (k) => (k.allowed_models.length ? k.allowed_models.join(', ') : h('span', { class: 'muted' }, 'all')) },
          { label: 'RPM', render: (k) => (k.rpm_limit ? count(k.rpm_limit) : '∞'), num: true },
          { label: 'TPM', render: (k) => (k.tpm_limit ? count(k.tpm_limit) : '∞'), num: true },
          { label: 'Budget', render: (k) => budgetCell(byKey.get(k.id)) },
          { label: 'Status', render: (k) => (k.revoked ? badge('bad', `Revoked ${dateTime(k.revoked_at)}`) : badge('ok', 'Active')) },
          {
            label: 'Actions',
            render: (k) => {
              const label = k.name || k.id;
              return h(
                'div',
                { class: 'actions' },
                k.revoked ? null : button('Edit', () => openEdit(k, byKey.get(k.id)), { class: 'secondary small', 'aria-label': `Edit key ${label}` }),
                k.revoked ? null : button('Revoke', () => act(k, {
                  title: `Revoke key ${label}?`,
                  message: 'Clients using it are refused from now on. This cannot be undone.',
                  confirmLabel: 'Revoke',
                  call: () => post(`/keys/${seg(k.id)}/revoke`),
                  done: `Key ${label} revoked.`,
                }), { class: 'danger small', 'aria-label': `Revoke key ${label}` }),
                button('Delete', () => act(k, {
                  title: `Delete key ${label}?`,
                  message: 'The key and its budget are deleted. Keys from OMNIROUTE_API_KEYS come back at the next start.',
                  confirmLabel: 'Delete',
                  call: () => del(`/keys/${seg(k.id)}`),
                  done: `Key ${label} deleted.`,
                }), { class: 'danger small', 'aria-label': `Delete key ${label}` }),
              );
            },
          },
        ],
      }),
    );
  }

  main.append(
    pageHeading('API keys', button('Create key', openCreate)),
    formSlot,
    panel('Keys', { actions: [button('Refresh', () => refresh(), { class: 'secondary small' })] }, list),
  );
  refresh();
}
