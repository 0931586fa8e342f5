// Changing the dashboard password: the first-run screen (the initial
// password must be replaced) and the form on the settings page.

import { put } from '../api.js';
import { h } from '../dom.js';
import { alertBox, busy, field, messageArea } from '../ui.js';

const MIN_LENGTH = 8;

/** A form that calls `onChanged(status)` after a successful change. */
export function passwordForm({ submitLabel = 'Change password', onChanged }) {
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_LENGTH });
  const again = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_LENGTH });
  const submit = h('button', { type: 'submit' }, submitLabel);
  const messages = messageArea();
  const form = h(
    'form',
    { class: 'form' },
    messages,
    field('Current password', current),
    field('New password', next, `At least ${MIN_LENGTH} characters.`),
    field('Repeat the new password', again),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (next.value !== again.value) {
      again.setAttribute('aria-invalid', 'true');
      messages.replaceChildren(alertBox('error', 'The two new passwords differ.'));
      again.focus();
      return;
    }
    again.removeAttribute('aria-invalid');
    const result = await busy(
      submit,
      () => put('/auth/password', { current: current.value, new: next.value }, { quiet401: true }),
      messages,
      'Password not changed',
    );
    if (!result) return;
    form.reset();
    messages.replaceChildren(alertBox('success', 'Password changed.'));
    onChanged(result);
  });
  return form;
}

/** First run: the initial password works once, then must be replaced. */
export function renderFirstRun(main, { onChanged }) {
  const form = passwordForm({ submitLabel: 'Save the new password', onChanged });
  main.replaceChildren(
    h(
      'section',
      { class: 'panel auth-card', 'aria-labelledby': 'first-run-title' },
      h('h1', { id: 'first-run-title', tabindex: '-1' }, 'Choose your own password'),
      h(
        'p',
        {},
        'You signed in with the initial password (INITIAL_PASSWORD). Replace it with a password ' +
          'of your own before going on; every other dashboard session is signed out.',
      ),
      form,
    ),
  );
  form.querySelector('input').focus();
}
