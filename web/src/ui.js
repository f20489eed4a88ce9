// ui.js — small DOM helpers shared by the pages: element builder, times in
// Asia/Shanghai, level badges, tables, charts (ECharts, global `echarts`
// from vendor/echarts.min.js) that follow the window's size.
import { t } from './i18n.js';

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const TZ = 'Asia/Shanghai';
const fmtCache = {};
function fmt(opts) {
  const key = JSON.stringify(opts);
  return fmtCache[key] ||= new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour12: false, ...opts });
}
// time: Unix seconds as "2020-01-21 08:00" in Asia/Shanghai.
export function time(unix, withTime = true) {
  if (unix === null || unix === undefined) return '—';
  const p = {};
  for (const x of fmt({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(new Date(unix * 1000))) p[x.type] = x.value;
  const d = `${p.year}-${p.month}-${p.day}`;
  return withTime ? `${d} ${p.hour === '24' ? '00' : p.hour}:${p.minute}` : d;
}
export function clock() {
  return fmt({ hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date()) + ' 北京时间';
}

export const LEVELS = ['I', 'II', 'III', 'IV'];
export const LEVEL_COLOR = { I: '#d32f2f', II: '#f57c00', III: '#f2c200', IV: '#1e6fd9' };
export function badge(level) {
  return level ? h('span', { class: `badge lv-${level}`, title: t(`lv.${level}`) }, level)
    : h('span', { class: 'badge none' }, '—');
}
export const num = (x, d = 0) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
export const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);

// table: columns [{key, label, num, render(row)}], rows; onRow(row) makes rows clickable.
export function table(cols, rows, onRow) {
  if (!rows.length) return h('p', { class: 'muted' }, t('common.empty'));
  return h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.num ? 'num' : null }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', { class: onRow ? 'click' : null, onclick: onRow ? () => onRow(r) : null },
      cols.map((c) => h('td', { class: [c.num ? 'num' : '', c.cls || ''].join(' ').trim() || null },
        c.render ? c.render(r) : (r[c.key] ?? '—')))))));
}

// exportLinks: the page's list as a spreadsheet (GET /api/export: the
// session cookie authenticates a plain download link)
export function exportLinks(what, params = {}) {
  const q = Object.entries({ what, ...params }).filter(([, v]) => v).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return h('span', { class: 'exports small' }, t('common.export'), ' ',
    ['xlsx', 'csv'].map((f) => h('a', { href: `/api/export?${q}&format=${f}`, download: '', class: `export-${f}`, dataset: { what } }, f.toUpperCase())));
}
export function panel(title, ...body) { return h('section', { class: 'panel' }, title ? h('h2', {}, title) : null, ...body); }

let toastTimer;
export function toast(msg) {
  const el = document.getElementById('toast');
  el.textContent = msg; el.classList.add('show');
  clearTimeout(toastTimer); toastTimer = setTimeout(() => el.classList.remove('show'), 2500);
}

// chart: an ECharts instance on a new div (id given, for the tests),
// resized with the window and disposed when the page changes.
const live = new Set();
export function chart(id, option, cls = 'chart') {
  const el = h('div', { id, class: cls });
  requestAnimationFrame(() => {
    if (!el.isConnected) return;
    const c = echarts.init(el, null, { renderer: 'canvas' });
    c.setOption(option);
    live.add(c);
  });
  return el;
}
export function disposeCharts() { for (const c of live) c.dispose(); live.clear(); }
window.addEventListener('resize', () => { for (const c of live) c.resize(); });
