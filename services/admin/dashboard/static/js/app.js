// The dashboard's entry point: asks who the visitor is, shows sign-in or
// the first-run password change when needed, then routes #/page fragments
// to page modules. Each page module exports `title` and `render(main, app)`
// (which may return a cleanup function, e.g. to stop a refresh timer).

import { get, post, UNAUTHORIZED_EVENT } from './api.js';
import { describe, errorBox, loading, toast } from './ui.js';
import { renderLogin } from './pages/login.js';
import { renderFirstRun } from './pages/password.js';
import * as providers from './pages/providers.js';
import * as keys from './pages/keys.js';
import * as routing from './pages/routing.js';
import * as usage from './pages/usage.js';
import * as health from './pages/health.js';
import * as settings from './pages/settings.js';

const PAGES = { providers, keys, routing, usage, health, settings };
const DEFAULT_PAGE = 'providers';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logoutButton = document.getElementById('logout');

const app = {
  status: null, // the last /api/auth/status answer
  inside: false, // past sign-in and the first-run password change
  cleanup: null,
};

function pageName() {
  const match = window.location.hash.match(/^#\/([\w-]+)/);
  return match && Object.hasOwn(PAGES, match[1]) ? match[1] : null;
}

function teardown() {
  if (typeof app.cleanup === 'function') app.cleanup();
  app.cleanup = null;
}

function chrome(visible) {
  nav.hidden = !visible;
  // Anonymous access (require-login off) has no session to end.
  logoutButton.hidden = !(visible && app.status && app.status.via === 'session');
}

function route() {
  if (!app.inside) return;
  const name = pageName();
  if (!name) {
    // Only #/… fragments are routes; others (the skip link) are left alone.
    if (!window.location.hash || window.location.hash.startsWith('#/')) {
      window.location.replace(`#/${DEFAULT_PAGE}`);
    }
    return;
  }
  teardown();
  const page = PAGES[name];
  document.title = `${page.title} · OmniRoute`;
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  try {
    app.cleanup = page.render(main, app) || null;
  } catch (err) {
    main.replaceChildren(errorBox(`The ${page.title} page failed`, err));
  }
  // Move focus to the new page's heading, as a page load would.
  const heading = main.querySelector('h1');
  if (heading) heading.focus({ preventScroll: false });
}

function enter() {
  app.inside = true;
  chrome(true);
  if (!pageName()) window.location.replace(`#/${DEFAULT_PAGE}`);
  route();
}

function showLogin(message) {
  teardown();
  app.inside = false;
  chrome(false);
  document.title = 'Sign in · OmniRoute';
  renderLogin(main, {
    status: app.status,
    message,
    onSignedIn(result) {
      app.status = { ...app.status, ...result };
      if (result.mustChangePassword) showFirstRun();
      else enter();
    },
  });
}

function showFirstRun() {
  teardown();
  app.inside = false;
  chrome(false);
  document.title = 'Choose a password · OmniRoute';
  renderFirstRun(main, {
    onChanged(result) {
      app.status = { ...app.status, ...result };
      toast('success', 'Password changed. Welcome to OmniRoute.');
      enter();
    },
  });
}

async function boot() {
  main.replaceChildren(loading('Loading the dashboard…'));
  let status;
  try {
    status = await get('/auth/status', undefined, { quiet401: true });
  } catch (err) {
    main.replaceChildren(errorBox('The dashboard cannot reach the management API', err, boot));
    return;
  }
  app.status = status;
  if (!status.authenticated && status.requireLogin) showLogin();
  else if (status.authenticated && status.mustChangePassword) showFirstRun();
  else enter();
}

logoutButton.addEventListener('click', async () => {
  logoutButton.disabled = true;
  try {
    app.status = await post('/auth/logout');
    showLogin('You are signed out.');
  } catch (err) {
    toast('error', `Could not sign out: ${describe(err)}`);
  } finally {
    logoutButton.disabled = false;
  }
});

document.querySelector('.skip-link').addEventListener('click', (event) => {
  // The fragment is the router's; focus the content without changing it.
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', route);
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  if (app.inside) showLogin('Your session has ended. Sign in again.');
});
// Last line of defence: nothing fails silently.
window.addEventListener('unhandledrejection', (event) => {
  toast('error', `Unexpected error: ${describe(event.reason)}`);
});

boot();
