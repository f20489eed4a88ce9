// alerts.js — the alert list: filter by level and acknowledgement,
// acknowledge (with a note), escalate to a case.
import { t } from './i18n.js';
import { get, post, session } from './api.js';
import { h, time, badge, num, table, panel, toast, exportLinks, LEVELS } from './ui.js';
import { sentence } from './why.js';

const CAN_ACK = ['admin', 'analyst', 'leader'];
const CAN_CASE = ['admin', 'analyst'];

export async function alerts(main, params) {
  const f = { level: params.get('level') || '', acked: params.get('acked') || '' };
  const res = await get('/api/alerts', { level: f.level, acked: f.acked, limit: 200 });
  const role = session.user?.role;
  const sel = (name, opts) => h('select', { name }, opts.map(([v, l]) => h('option', { value: v, selected: v === f[name] ? true : null }, l)));
  const form = h('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    location.hash = `#/alerts?${new URLSearchParams([...new FormData(ev.target)].filter(([, v]) => v))}`;
  } },
  h('label', {}, t('f.level'), sel('level', [['', t('f.all')], ...LEVELS.map((l) => [l, t(`lv.${l}`)])])),
  h('label', {}, t('f.acked'), sel('acked', [['', t('f.all')], ['false', t('f.acked_no')], ['true', t('f.acked_yes')]])),
  h('button', { type: 'submit' }, t('f.apply')));

  const actions = (a) => {
    if (a.acked_by) return h('span', { class: 'ok small' }, `✓ ${a.acked_by} ${a.acked_at ? a.acked_at.slice(5, 16).replace('T', ' ') : ''}`);
    const note = h('input', { placeholder: t('al.ack_note'), size: 12, class: 'ack-note' });
    const ack = h('button', { class: 'ack', disabled: CAN_ACK.includes(role) ? null : true, onclick: async (ev) => {
      ev.stopPropagation(); ack.disabled = true;
      try {
        const r = await post(`/api/alerts/${a.id}/ack`, note.value ? { note: note.value } : {});
        toast(t('al.ack_done'));
        ack.replaceWith(h('span', { class: 'ok small' }, `✓ ${r.by}`)); note.remove();
      } catch (err) { toast(`${t('common.error')}: ${err.message}`); ack.disabled = false; }
    } }, t('al.ack'));
    const esc = h('button', { class: 'secondary', disabled: CAN_CASE.includes(role) ? null : true, onclick: async (ev) => {
      ev.stopPropagation(); esc.disabled = true;
      try { const c = await post('/api/cases', { alert: a.id }); location.hash = `#/cases/${c.id}`; }
      catch (err) { toast(`${t('common.error')}: ${err.message}`); esc.disabled = false; }
    } }, t('al.escalate'));
    note.addEventListener('click', (ev) => ev.stopPropagation());
    return h('span', { class: 'row' }, note, ack, esc);
  };
  main.append(h('div', { class: 'row' }, h('h1', {}, t('nav.alerts')), h('span', { class: 'spacer' }), exportLinks('alerts')), form, panel(null,
    h('p', { class: 'muted small' }, `${t('common.total')} ${num(res.total)}`),
    table([
      { label: '#', num: true, key: 'id' },
      { label: t('col.level'), render: (a) => badge(a.level) },
      { label: t('col.time'), render: (a) => time(a.time_unix) },
      { label: t('col.risk'), num: true, render: (a) => num(a.reason?.score, 1) },
      { label: t('col.event'), cls: 'ellip', render: (a) => h('a', { href: `#/events/${a.event}` }, a.reason?.title || `#${a.event}`) },
      { label: t('col.reason'), cls: 'ellip small', render: (a) => h('span', { title: sentence(a.reason) }, sentence(a.reason)) },
      { label: t('col.actions'), render: actions },
    ], res.alerts)));
  // rows carry the alert id (the tests find an alert's row by it)
  main.querySelectorAll('tbody tr').forEach((tr, i) => { tr.dataset.alert = res.alerts[i].id; });
}
