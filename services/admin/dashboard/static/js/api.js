// The management API client: relative /api URLs on this origin, the
// dashboard's auth_token cookie, and one error type with a readable message.

export const UNAUTHORIZED_EVENT = 'omniroute:unauthorized';

export class ApiError extends Error {
  constructor(status, message, code = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** "Internal error … (HTTP 500)" — what the pages show. */
  get detail() {
    return this.status ? `${this.message} (HTTP ${this.status})` : this.message;
  }
}

function buildUrl(path, query) {
  const url = new URL(`/api${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    url.searchParams.set(name, String(value));
  }
  return url;
}

function messageOf(data, response) {
  // Admin answers OpenAI-shaped errors; anything else (a proxy's HTML page)
  // falls back to the status line.
  const error = data && data.error;
  if (error && typeof error === 'object' && error.message) return error.message;
  if (typeof error === 'string') return error;
  if (data && typeof data.detail === 'string') return data.detail;
  return `${response.status} ${response.statusText || 'error'}`.trim();
}

/**
 * Calls the management API and returns the parsed JSON (null for 204).
 * Options: method, body (object → JSON, FormData as is), query, signal,
 * quiet401 (a 401 is the caller's business, e.g. a wrong password, and
 * must not end the session).
 */
export async function api(path, options = {}) {
  const { method = 'GET', body, query, signal, quiet401 = false } = options;
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(buildUrl(path, query), init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The gateway did not answer (network error). Is it running?', 'network');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, messageOf(data, response), data?.error?.code || '');
    if (response.status === 401 && !quiet401) {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: error }));
    }
    throw error;
  }
  if (text && data === null) {
    throw new ApiError(response.status, 'The server answered with something that is not JSON', 'bad_json');
  }
  return data;
}

export const get = (path, query, options = {}) => api(path, { ...options, query });
export const post = (path, body, options = {}) => api(path, { ...options, method: 'POST', body });
export const put = (path, body, options = {}) => api(path, { ...options, method: 'PUT', body });
export const del = (path, query, options = {}) => api(path, { ...options, method: 'DELETE', query });

/** Path segment escaping for ids that come from the API. */
export const seg = (value) => encodeURIComponent(value);
