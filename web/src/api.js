// api.js — the daemon's JSON API (docs/http-api.md) from the browser: the
// session cookie travels by itself (same origin, SameSite=Strict); every
// state-changing request carries the session's CSRF token, kept in
// sessionStorage from the login answer.  Errors become ApiError with the
// status and the server's message.
export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const store = window.sessionStorage;
export const session = {
  get csrf() { return store.getItem('yq.csrf') || ''; },
  get user() { try { return JSON.parse(store.getItem('yq.user') || 'null'); } catch { return null; } },
  set(user, csrf) { store.setItem('yq.user', JSON.stringify(user)); store.setItem('yq.csrf', csrf); },
  clear() { store.removeItem('yq.user'); store.removeItem('yq.csrf'); },
};

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = { error: text }; } }
  if (!res.ok) {
    if (res.status === 401) { session.clear(); window.dispatchEvent(new Event('yq:logout')); }
    throw new ApiError(res.status, (data && data.error) || res.statusText);
  }
  return data;
}
export const get = (path, params) => {
  const q = params ? Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&') : '';
  return api('GET', q ? `${path}?${q}` : path);
};
export const post = (path, body) => api('POST', path, body ?? {});
export const put = (path, body) => api('PUT', path, body);
