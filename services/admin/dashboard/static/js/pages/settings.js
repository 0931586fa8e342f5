// Settings: sign-in, outbound proxy, IP filter, global system prompt,
// thinking budget, and backups. Each group saves on its own.

import { get, post, put } from '../api.js';
import { h, splitList } from '../dom.js';
import { ms } from '../format.js';
import {
  alertBox, busy, button, checkbox, confirmAction, field, load, messageArea, pageHeading,
  panel, select, success,
} from '../ui.js';
import { passwordForm } from './password.js';
import { backupsPanel } from './backups.js';

export const title = 'Settings';

/** A form whose submit runs `save()` and reports the outcome inside it. */
function groupForm(children, save, savedMessage) {
  const messages = messageArea();
  const submit = h('button', { type: 'submit' }, 'Save');
  const extra = children.buttons || [];
  const form = h('form', { class: 'form' }, messages, children.fields, h('div', { class: 'actions' }, submit, extra));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await busy(submit, save, messages, 'Not saved');
    if (saved) success(messages, savedMessage);
  });
  return { form, messages };
}

function signInPanel(settings, app) {
  const required = checkbox('Require sign-in for the dashboard and management API', settings.require_login);
  const { form } = groupForm(
    { fields: [required.el, h('p', { class: 'hint' }, 'Off: anyone who can reach admin can manage the gateway. Keep it on unless admin is on a private network.')] },
    async () => {
      if (!required.input.checked) {
        const ok = await confirmAction({
          title: 'Turn off sign-in?',
          message: 'Anyone who can reach the dashboard could then change providers, keys and settings.',
          confirmLabel: 'Turn off',
        });
        if (!ok) {
          required.input.checked = true;
          return false;
        }
      }
      return put('/settings/require-login', { requireLogin: required.input.checked });
    },
    'Sign-in setting saved.',
  );
  const canChange = !app.status || app.status.via !== 'api_key';
  return panel('Sign-in', {},
    form,
    h('h3', {}, 'Change the dashboard password'),
    canChange ? passwordForm({ onChanged: () => {} }) : h('p', { class: 'hint' }, 'Sign in with the password to change it.'));
}

function proxyPanel(proxy) {
  const url = h('input', { name: 'url', value: proxy.url, placeholder: 'http://user:pass@proxy:3128', autocomplete: 'off' });
  const enabled = checkbox('Send provider calls through this proxy', proxy.enabled);
  const body = () => ({ url: url.value.trim(), enabled: enabled.input.checked });
  const test = button('Test', null, { class: 'secondary' });
  const { form, messages } = groupForm(
    { fields: [field('Proxy URL', url, 'http:// or https:// (an HTTP proxy; SOCKS is not supported). A shown password is masked; leaving it as is keeps it.'), enabled.el], buttons: [test] },
    () => put('/settings/proxy', body()),
    'Proxy saved.',
  );
  test.addEventListener('click', async () => {
    const result = await busy(test, () => post('/settings/proxy/test', { proxy: { ...body(), enabled: true } }), messages, 'Proxy test failed');
    if (!result) return;
    messages.replaceChildren(result.ok
      ? alertBox('success', `Proxy works: ${result.target} answered HTTP ${result.status} in ${ms(result.latencyMs)} via ${result.via}.`)
      : alertBox('error', `Proxy test failed: ${result.error || `HTTP ${result.status}`}.`));
  });
  return panel('Outbound proxy', {}, form);
}

function ipFilterPanel(filter) {
  const enabled = checkbox('Filter clients by IP address', filter.enabled);
  const mode = select([['blacklist', 'Block the addresses below (blacklist)'], ['whitelist', 'Allow only the addresses below (whitelist)']], filter.mode, { name: 'mode' });
  const blacklist = h('textarea', { name: 'blacklist', rows: 3, value: filter.blacklist.join('\n') });
  const whitelist = h('textarea', { name: 'whitelist', rows: 3, value: filter.whitelist.join('\n') });
  const { form } = groupForm(
    { fields: [enabled.el, field('Mode', mode), h('div', { class: 'row' },
      field('Blacklist', blacklist, 'Addresses or CIDR ranges, one per line.'),
      field('Whitelist', whitelist, 'Addresses or CIDR ranges, one per line.'))] },
    () => put('/settings/ip-filter', {
      enabled: enabled.input.checked, mode: mode.value, blacklist: splitList(blacklist.value), whitelist: splitList(whitelist.value),
    }),
    'IP filter saved.',
  );
  return panel('IP filter', {}, form);
}

function systemPromptPanel(prompt) {
  const enabled = checkbox('Add this text to every chat request', prompt.enabled);
  const prefix = h('textarea', { name: 'prefix', rows: 3, value: prompt.prefix });
  const suffix = h('textarea', { name: 'suffix', rows: 2, value: prompt.suffix });
  const { form } = groupForm(
    { fields: [enabled.el, field('Before the system prompt', prefix), field('After the system prompt', suffix)] },
    () => put('/settings/system-prompt', { enabled: enabled.input.checked, prefix: prefix.value, suffix: suffix.value }),
    'System prompt saved.',
  );
  return panel('Global system prompt', {}, form);
}

function thinkingPanel(thinking) {
  const mode = select([
    ['passthrough', 'Pass through: leave requests alone'],
    ['custom', 'Custom: set this budget when a request asks for reasoning'],
    ['off', 'Off: strip reasoning requests'],
  ], thinking.mode, { name: 'mode' });
  const budget = h('input', { type: 'number', name: 'custom_budget', min: 0, max: 1000000, value: thinking.custom_budget });
  const { form } = groupForm(
    { fields: [field('Mode', mode), field('Custom budget (tokens)', budget, 'Used in custom mode.')] },
    () => put('/settings/thinking-budget', { mode: mode.value, custom_budget: Number(budget.value || 0) }),
    'Thinking budget saved.',
  );
  return panel('Thinking budget', {}, form);
}

export function render(main, app) {
  const groups = h('div');
  const backups = h('div');
  main.append(pageHeading('Settings'), groups, backups);
  load(groups, 'settings', () => get('/settings'), (container, settings) => {
    container.append(
      signInPanel(settings, app),
      h('div', { class: 'grid-2' }, proxyPanel(settings.proxy), thinkingPanel(settings.thinking_budget)),
      ipFilterPanel(settings.ip_filter),
      systemPromptPanel(settings.system_prompt),
    );
  });
  backups.append(backupsPanel());
}
