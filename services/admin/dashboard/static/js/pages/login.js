// Sign-in with the dashboard password (sets the auth_token cookie).

import { post } from '../api.js';
import { h } from '../dom.js';
import { alertBox, busy, field, messageArea } from '../ui.js';

export function renderLogin(main, { status, message, onSignedIn }) {
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const messages = messageArea();
  if (message) messages.append(alertBox('info', message));
  if (status && !status.passwordSet) {
    messages.append(
      alertBox(
        'warn',
        'No dashboard password is set yet. Start admin with INITIAL_PASSWORD, or set one with ' +
          'PUT /api/auth/password and an admin API key.',
      ),
    );
  }
  const form = h(
    'form',
    { class: 'form', 'aria-labelledby': 'login-title' },
    field('Password', password),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await busy(
      submit,
      () => post('/auth/login', { password: password.value }, { quiet401: true }),
      messages,
      'Not signed in',
    );
    if (result) onSignedIn(result);
    else password.select();
  });
  main.replaceChildren(
    h(
      'section',
      { class: 'panel auth-card' },
      h('h1', { id: 'login-title', tabindex: '-1' }, 'Sign in to OmniRoute'),
      messages,
      form,
    ),
  );
  password.focus();
}
