// app.js — the dashboard's shell: log in, the navigation bar, hash routes
// (#/, #/events, #/events/ID, #/alerts, #/cases, #/cases/ID, #/messages,
// #/schemes, #/sources, #/users for an admin), the language switch and the Beijing-time clock.  A page is a
// function (main, params | id) that fills <main>; charts and the live
// stream of the page left are disposed on every route change.
import { t, getLang, setLang, applyStatic } from './i18n.js';
import { get, post, session, ApiError } from './api.js';
import { h, clock, disposeCharts } from './ui.js';
import { overview, closeStream } from './overview.js';
import { events, eventPage } from './events.js';
import { alerts } from './alerts.js';
import { board, casePage } from './cases.js';
import { schemes } from './schemes.js';
import { sources } from './sources.js';
import { messages } from './messages.js';
import { users } from './users.js';

const NAV = [['#/', 'nav.overview'], ['#/events', 'nav.events'], ['#/alerts', 'nav.alerts'],
  ['#/cases', 'nav.cases'], ['#/messages', 'nav.messages'], ['#/schemes', 'nav.schemes'], ['#/sources', 'nav.sources']];
const main = document.getElementById('main');

function loginPage() {
  document.getElementById('top').hidden = true;
  const err = h('p', { class: 'err', id: 'login-error' });
  const name = h('input', { name: 'name', id: 'login-name', autocomplete: 'username', required: true });
  const pw = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const lang = h('button', { type: 'button', class: 'secondary', id: 'login-lang', onclick: () => { setLang(getLang() === 'en' ? 'zh' : 'en'); route(); } }, getLang() === 'en' ? '中文' : 'EN');
  main.replaceChildren(h('div', { class: 'login panel' },
    h('div', { class: 'row' }, h('h1', {}, t('login.title')), h('span', { class: 'spacer' }), lang),
    h('form', { onsubmit: async (ev) => {
      ev.preventDefault(); err.textContent = '';
      try {
        const r = await post('/api/login', { name: name.value, password: pw.value });
        session.set({ user: r.user, role: r.role, department: r.department }, r.csrf);
        if (location.hash.startsWith('#/login') || !location.hash) location.hash = '#/'; else route();
      } catch (e) { err.textContent = e instanceof ApiError && e.status === 429 ? t('login.limited') : t('login.failed'); }
    } },
    h('label', {}, t('login.name'), name), h('label', {}, t('login.password'), pw),
    h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')), err)));
  name.focus();
}

function shell(hash) {
  const top = document.getElementById('top');
  top.hidden = false;
  applyStatic(top);
  const nav = session.user?.role === 'admin' ? [...NAV, ['#/users', 'nav.users']] : NAV;
  document.getElementById('nav').replaceChildren(...nav.map(([href, key]) =>
    h('a', { href, class: (href === '#/' ? hash === '#/' || hash === '' : hash.startsWith(href)) ? 'on' : null }, t(key))));
  const u = session.user;
  document.getElementById('user').textContent = u ? `${u.user} · ${t(`role.${u.role}`)}${u.department ? ` · ${u.department}` : ''}` : '';
  document.getElementById('lang').textContent = getLang() === 'en' ? '中文' : 'EN';
  document.title = `${t('app.title')} · yuqing`;
}

let generation = 0; // a page still loading when the route changed is dropped

async function route() {
  const mine = ++generation;
  const alive = () => mine === generation;
  disposeCharts(); closeStream();
  const hash = location.hash || '#/';
  if (!session.user) { loginPage(); return; }
  shell(hash);
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  main.replaceChildren(h('p', { class: 'muted' }, t('common.loading')));
  const page = document.createElement('div');
  page.id = `page-${parts[0] || 'overview'}`;
  try {
    if (!parts.length) await overview(page, alive);
    else if (parts[0] === 'events' && parts[1]) await eventPage(page, decodeURIComponent(parts[1]));
    else if (parts[0] === 'events') await events(page, params);
    else if (parts[0] === 'alerts') await alerts(page, params);
    else if (parts[0] === 'cases' && parts[1]) await casePage(page, decodeURIComponent(parts[1]));
    else if (parts[0] === 'cases') await board(page);
    else if (parts[0] === 'schemes') await schemes(page, params);
    else if (parts[0] === 'sources') await sources(page);
    else if (parts[0] === 'messages') await messages(page, params);
    else if (parts[0] === 'users' && session.user.role === 'admin') await users(page);
    else { location.hash = '#/'; return; }
    if (alive()) main.replaceChildren(page);
  } catch (e) {
    if (!alive() || (e instanceof ApiError && e.status === 401)) return; // yq:logout shows the login
    main.replaceChildren(h('p', { class: 'err' }, `${t('common.error')}: ${e.message}`));
  }
}

document.getElementById('lang').addEventListener('click', () => { setLang(getLang() === 'en' ? 'zh' : 'en'); route(); });
document.getElementById('logout').addEventListener('click', async () => {
  try { await post('/api/logout'); } catch { /* the session had ended already */ }
  session.clear(); location.hash = '#/'; route();
});
window.addEventListener('yq:logout', () => { generation++; closeStream(); loginPage(); });
window.addEventListener('hashchange', route);
const tick = () => { document.getElementById('clock').textContent = clock(); };
setInterval(tick, 1000); tick();
setLang(getLang());
// a new tab has no sessionStorage: if its cookie is a logged-in session,
// GET /api/csrf says who and hands that session's (unchanging) token
(async () => {
  if (!session.user) {
    try {
      const r = await get('/api/csrf');
      if (r && r.user) session.set({ user: r.user, role: r.role, department: r.department }, r.csrf);
    } catch { /* the login page says what fails */ }
  }
  route();
})();
