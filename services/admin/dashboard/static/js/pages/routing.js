// Combos (virtual models tried by a strategy over ordered targets) and
// model aliases.

import { del, get, post, put, seg } from '../api.js';
import { h, uid } from '../dom.js';
import {
  alertBox, badge, busy, button, checkbox, confirmAction, describe, field, load,
  messageArea, pageHeading, panel, select, table, toast,
} from '../ui.js';

// GET /models/alias answers {aliases: {alias: target}}; the table wants rows.
const aliasRows = (listed) =>
  Object.entries(listed.aliases).map(([alias, target]) => ({ alias, target }));

export const title = 'Combos & aliases';

// omniroute/routing/strategies.py: Strategy.
const STRATEGIES = [
  ['priority', 'priority — in order, next on failure'],
  ['weighted', 'weighted — by weight'],
  ['round-robin', 'round-robin'],
  ['fill-first', 'fill-first'],
  ['least-used', 'least-used'],
  ['cost-optimized', 'cost-optimized — cheapest first'],
  ['random', 'random'],
  ['strict-random', 'strict-random — shuffled deck'],
  ['p2c', 'p2c — power of two choices'],
];

/** A <datalist> of every routable name, for the target and alias inputs. */
function modelList(catalog) {
  const id = uid('models');
  const names = new Set();
  for (const provider of catalog?.providers || []) for (const m of provider.models) names.add(m.id);
  for (const combo of catalog?.combos || []) names.add(combo.name);
  for (const alias of catalog?.aliases || []) names.add(alias.alias);
  return { id, el: h('datalist', { id }, [...names].sort().map((name) => h('option', { value: name }))) };
}

/** The ordered targets editor: each row can move up, down or go. */
function targetsEditor(members, listId) {
  const list = h('ol', { class: 'targets', 'aria-label': 'Targets, tried in this order' });
  const renumber = () => {
    [...list.children].forEach((row, index) => {
      const n = index + 1;
      row.querySelector('.position').textContent = `${n}.`;
      row.querySelector('input[name="model"]').setAttribute('aria-label', `Target ${n} model`);
      row.querySelector('input[name="weight"]').setAttribute('aria-label', `Target ${n} weight`);
      row.querySelector('[data-move="up"]').setAttribute('aria-label', `Move target ${n} up`);
      row.querySelector('[data-move="down"]').setAttribute('aria-label', `Move target ${n} down`);
      row.querySelector('[data-remove]').setAttribute('aria-label', `Remove target ${n}`);
    });
  };
  const addRow = (member = { model: '', weight: 1 }) => {
    const row = h('li', {});
    const move = (direction) => {
      const sibling = direction === 'up' ? row.previousElementSibling : row.nextElementSibling;
      if (!sibling) return;
      if (direction === 'up') list.insertBefore(row, sibling);
      else list.insertBefore(sibling, row);
      renumber();
      row.querySelector(`[data-move="${direction}"]`).focus();
    };
    row.append(
      h('span', { class: 'position', 'aria-hidden': 'true' }),
      h('input', { name: 'model', value: member.model, list: listId, required: true, placeholder: 'provider/model', autocomplete: 'off' }),
      h('input', { type: 'number', name: 'weight', min: 0, max: 1000, value: member.weight ?? 1 }),
      h(
        'div',
        { class: 'actions' },
        button('↑', () => move('up'), { class: 'secondary small', dataset: { move: 'up' } }),
        button('↓', () => move('down'), { class: 'secondary small', dataset: { move: 'down' } }),
        button('Remove', () => {
          row.remove();
          renumber();
        }, { class: 'secondary small', dataset: { remove: '1' } }),
      ),
    );
    list.append(row);
    renumber();
    return row;
  };
  for (const member of members) addRow(member);
  if (!members.length) addRow();
  const add = button('Add target', () => addRow().querySelector('input').focus(), { class: 'secondary small' });
  const read = () =>
    [...list.children]
      .map((row) => ({
        model: row.querySelector('input[name="model"]').value.trim(),
        weight: Number(row.querySelector('input[name="weight"]').value || 1),
      }))
      .filter((m) => m.model);
  return { el: h('div', { class: 'stack' }, list, add), read };
}

function comboForm(combo, catalog, { onSaved, onCancel }) {
  const editing = Boolean(combo);
  const c = combo || { name: '', strategy: 'priority', members: [], description: '', enabled: true };
  const models = modelList(catalog);
  const messages = messageArea();
  const name = h('input', { name: 'name', value: c.name, required: true, readonly: editing, autocomplete: 'off' });
  const strategy = select(STRATEGIES, c.strategy, { name: 'strategy' });
  const description = h('input', { name: 'description', value: c.description });
  const enabled = checkbox('Enabled', c.enabled);
  const targets = targetsEditor(c.members, models.id);
  const submit = h('button', { type: 'submit' }, editing ? 'Save combo' : 'Create combo');
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    messages,
    models.el,
    h('div', { class: 'row' },
      field('Combo name', name, 'Used as the model name; no "/" or spaces.'),
      field('Strategy', strategy)),
    field('Description', description),
    h('fieldset', {}, h('legend', {}, 'Targets (tried in order; weight is for the weighted strategy)'), targets.el),
    enabled.el,
    h('div', { class: 'actions' }, submit, button('Cancel', onCancel, { class: 'secondary' })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      name: name.value.trim(),
      strategy: strategy.value,
      description: description.value.trim(),
      enabled: enabled.input.checked,
      members: targets.read(),
    };
    if (!body.name || !body.members.length) {
      messages.replaceChildren(alertBox('error', 'A combo needs a name and at least one target.'));
      return;
    }
    const saved = await busy(
      submit,
      () => (editing ? put(`/combos/${seg(body.name)}`, body) : post('/combos', body)),
      messages,
      editing ? 'Combo not saved' : 'Combo not created',
    );
    if (saved) onSaved(saved);
  });
  return panel(editing ? `Edit combo ${c.name}` : 'New combo', {}, form);
}

function aliasForm(catalog, onSaved) {
  const models = modelList(catalog);
  const messages = messageArea();
  const alias = h('input', { name: 'alias', required: true, autocomplete: 'off' });
  const target = h('input', { name: 'target', required: true, list: models.id, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, 'Save alias');
  const form = h('form', { class: 'form' }, messages, models.el,
    h('div', { class: 'row' }, field('Alias', alias, 'A bare model name.'), field('Target', target, 'provider/model or a model name.')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await busy(submit, () => post('/models/alias', { alias: alias.value.trim(), target: target.value.trim() }), messages, 'Alias not saved');
    if (saved) {
      form.reset();
      onSaved(saved);
    }
  });
  return form;
}

export function render(main) {
  const formSlot = h('div');
  const combos = h('div');
  const aliases = h('div');
  let catalog = null;

  // The catalog only feeds suggestions: without it, typing still works.
  const loadCatalog = () => get('/models/catalog').then((c) => { catalog = c; }, () => { catalog = null; });

  const refreshCombos = () => load(combos, 'combos', () => get('/combos').then((listed) => listed.combos), renderCombos);
  const refreshAliases = () => load(aliases, 'aliases', () => get('/models/alias').then(aliasRows), renderAliases);

  const close = () => formSlot.replaceChildren();
  async function openForm(combo) {
    await loadCatalog();
    formSlot.replaceChildren(comboForm(combo, catalog, {
      onCancel: close,
      onSaved(saved) {
        close();
        toast('success', `Combo ${saved.name} saved.`);
        refreshCombos();
      },
    }));
    formSlot.querySelector(combo ? 'select' : 'input[name="name"]').focus();
  }

  async function removeThing(what, call, refresh) {
    if (!(await confirmAction({ title: `Delete ${what}?`, message: `Requests that name it will fail once it is gone.`, confirmLabel: 'Delete' }))) return;
    try {
      await call();
      toast('success', `Deleted ${what}.`);
      refresh();
    } catch (err) {
      toast('error', `Could not delete ${what}: ${describe(err)}`);
    }
  }

  function renderCombos(container, rows) {
    container.append(table({
      empty: 'No combos yet.',
      rows,
      columns: [
        { label: 'Name', render: (c) => h('strong', { class: 'mono' }, c.name) },
        { label: 'Strategy', render: (c) => c.strategy },
        { label: 'Targets', render: (c) => h('ol', {}, c.members.map((m) => h('li', { class: 'mono' }, m.model, c.strategy === 'weighted' ? ` ×${m.weight}` : ''))) },
        { label: 'Status', render: (c) => (c.enabled ? badge('ok', 'Enabled') : badge('muted', 'Disabled')) },
        {
          label: 'Actions',
          render: (c) => h('div', { class: 'actions' },
            button('Edit', () => openForm(c), { class: 'secondary small', 'aria-label': `Edit combo ${c.name}` }),
            button('Delete', () => removeThing(`combo ${c.name}`, () => del(`/combos/${seg(c.name)}`), refreshCombos), { class: 'danger small', 'aria-label': `Delete combo ${c.name}` })),
        },
      ],
    }));
  }

  function renderAliases(container, rows) {
    container.append(table({
      empty: 'No aliases yet.',
      rows,
      columns: [
        { label: 'Alias', render: (a) => h('span', { class: 'mono' }, a.alias) },
        { label: 'Target', render: (a) => h('span', { class: 'mono' }, a.target) },
        {
          label: 'Actions',
          render: (a) => button('Delete', () => removeThing(`alias ${a.alias}`, () => del('/models/alias', { alias: a.alias }), refreshAliases),
            { class: 'danger small', 'aria-label': `Delete alias ${a.alias}` }),
        },
      ],
    }));
  }

  const aliasSlot = h('div');
  main.append(
    pageHeading('Combos & aliases', button('New combo', () => openForm(null))),
    formSlot,
    panel('Combos', { actions: [button('Refresh', () => refreshCombos(), { class: 'secondary small' })] }, combos),
    panel('Aliases', {}, aliasSlot, aliases),
  );
  loadCatalog().then(() => aliasSlot.replaceChildren(aliasForm(catalog, (saved) => {
    toast('success', `Alias ${saved.alias} → ${saved.target} saved.`);
    refreshAliases();
  })));
  refreshCombos();
  refreshAliases();
}
