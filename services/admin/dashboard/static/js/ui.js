// Building blocks every page uses: messages, loading states, confirmations,
// form fields, tables and buttons that report their own failures.

import { h, uid } from './dom.js';

/** What an error says to a person, whatever threw it. */
export function describe(err) {
  if (err && typeof err.detail === 'string') return err.detail;
  if (err && err.message) return err.message;
  return String(err);
}

/** A visible message; errors are role=alert so screen readers say them at once. */
export function alertBox(kind, message, ...extra) {
  const role = kind === 'error' ? 'alert' : 'status';
  return h('div', { class: `alert ${kind}`, role }, h('div', {}, message), ...extra);
}

/** An error with what failed, why, and an optional retry. */
export function errorBox(what, err, retry) {
  const actions = retry
    ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary small', onClick: retry }, 'Try again'))
    : null;
  return alertBox('error', `${what}: ${describe(err)}`, actions);
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

/**
 * Fills `container` with the result of `loader()` via `render`, showing a
 * loading state first and a visible error (with retry) if anything fails.
 * Returns a promise that never rejects: a page is never left blank.
 */
export async function load(container, what, loader, render) {
  container.setAttribute('aria-busy', 'true');
  if (!container.childElementCount) container.replaceChildren(loading(`Loading ${what}…`));
  try {
    const data = await loader();
    const fresh = h('div', {});
    await render(fresh, data);
    container.replaceChildren(...fresh.childNodes);
  } catch (err) {
    container.replaceChildren(
      errorBox(`Could not load ${what}`, err, () => {
        container.replaceChildren();
        load(container, what, loader, render);
      }),
    );
  } finally {
    container.removeAttribute('aria-busy');
  }
}

/** A short-lived message in the corner; errors stay until dismissed. */
export function toast(kind, message) {
  const region = document.getElementById('toasts');
  const close = h('button', { type: 'button', class: 'link small', 'aria-label': 'Dismiss message' }, '×');
  const box = alertBox(kind, message, close);
  close.addEventListener('click', () => box.remove());
  region.append(box);
  if (kind !== 'error') setTimeout(() => box.remove(), 6000);
  return box;
}

/** The confirmation dialog in index.html; resolves true when confirmed. */
export function confirmAction({ title = 'Are you sure?', message, confirmLabel = 'Delete' }) {
  const dialog = document.getElementById('confirm');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('#confirm-message').textContent = message;
  dialog.querySelector('#confirm-ok').textContent = confirmLabel;
  dialog.returnValue = 'cancel';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    // Safer default: Escape or Enter right away cancels.
    dialog.querySelector('#confirm-cancel').focus();
  });
}

/**
 * Runs `action` for a button: disabled and aria-busy while it runs, its
 * error shown in `messages` (or as a toast). Returns the action's result,
 * or undefined when it failed.
 */
export async function busy(button, action, messages = null, what = 'That did not work') {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = `${label}…`;
  try {
    return await action();
  } catch (err) {
    if (messages) messages.replaceChildren(errorBox(what, err));
    else toast('error', `${what}: ${describe(err)}`);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

/** A message area inside a form (aria-live so results are announced). */
export function messageArea() {
  return h('div', { class: 'messages', 'aria-live': 'polite' });
}

export function success(area, message) {
  area.replaceChildren(alertBox('success', message));
}

/** A labelled form field; `input` gets an id when it has none. */
export function field(label, input, hint) {
  input.id = input.id || uid('field');
  const hintEl = hint ? h('div', { class: 'hint', id: uid('hint') }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

export function checkbox(label, checked, props = {}) {
  const input = h('input', { type: 'checkbox', checked: Boolean(checked), ...props });
  input.id = input.id || uid('check');
  return { input, el: h('div', { class: 'check' }, input, h('label', { for: input.id }, label)) };
}

export function select(options, value, props = {}) {
  return h(
    'select',
    props,
    options.map((option) => {
      const [optionValue, text] = Array.isArray(option) ? option : [option, option];
      return h('option', { value: optionValue, selected: optionValue === value }, text);
    }),
  );
}

export function button(label, onClick, props = {}) {
  return h('button', { type: 'button', onClick, ...props }, label);
}

export function badge(kind, text, title) {
  return h('span', { class: `badge ${kind}`, title }, text);
}

/** A panel with a heading and, optionally, buttons beside the heading. */
export function panel(title, { actions = [], id, level = 'h2' } = {}, ...children) {
  const headingId = id || uid('panel');
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('div', { class: 'panel-head' }, h(level, { id: headingId }, title), actions.length ? h('div', { class: 'actions' }, actions) : null),
    ...children,
  );
}

/**
 * A table: columns are {label, render(row) → node|string, num?: bool};
 * `empty` is what an empty list says (never a blank area).
 */
export function table({ caption, columns, rows, empty = 'Nothing here yet.', rowProps }) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            rowProps ? rowProps(row) : {},
            columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.render(row))),
          ),
        ),
      ),
    ),
  );
}

/** A page heading that the router focuses after navigation. */
export function pageHeading(text, ...actions) {
  return h(
    'div',
    { class: 'page-head' },
    h('h1', { tabindex: '-1' }, text),
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}
