// messages.js — citizens' messages (留言, docs/messages.md): the intake
// queue with the suggested category and department (confirm or correct:
// analyst, admin; reply: the department's handler, admin), the hot issues,
// and reply tracking (per-department statistics, answered messages with
// their quality scores).
import { t } from './i18n.js';
import { get, post, session } from './api.js';
import { h, table, panel, toast, num, pct, exportLinks } from './ui.js';

const iso = (s) => (s ? s.slice(0, 16).replace('T', ' ') : '—');
const CAN_CATEGORIZE = ['admin', 'analyst'];
const CAN_REPLY = ['admin', 'handler'];

function queueRow(m, role, reload) {
  const cat = h('input', { size: 8, placeholder: t('msg.category'), list: 'msg-cats' });
  const ok = h('button', { class: 'secondary', disabled: CAN_CATEGORIZE.includes(role) ? null : true, dataset: { confirm: m.id }, onclick: async () => {
    ok.disabled = true;
    try { await post(`/api/messages/${encodeURIComponent(m.id)}/category`, cat.value ? { category: cat.value } : {}); toast(t('cs.done')); reload(); }
    catch (err) { toast(`${t('common.error')}: ${err.message}`); ok.disabled = false; }
  } }, t('msg.confirm'));
  const reply = h('input', { size: 16, placeholder: t('msg.reply_text') });
  const send = h('button', { disabled: CAN_REPLY.includes(role) ? null : true, onclick: async () => {
    if (!reply.value.trim()) return;
    send.disabled = true;
    try { const r = await post(`/api/messages/${encodeURIComponent(m.id)}/reply`, { reply: reply.value }); toast(`${t('msg.replied')} ${r.quality ? `· ${t('msg.quality')} ${num(r.quality.relevance, 2)}/${num(r.quality.completeness, 2)}/${num(r.quality.timeliness, 2)}` : ''}`); reload(); }
    catch (err) { toast(`${t('common.error')}: ${err.message}`); send.disabled = false; }
  } }, t('msg.reply'));
  return { m, actions: h('span', { class: 'row' }, cat, ok, reply, send) };
}

export async function messages(main, params) {
  const tab = params.get('tab') || 'queue';
  const role = session.user?.role;
  const reload = () => { main.replaceChildren(); messages(main, params).catch((e) => toast(e.message)); };
  const tabs = h('div', { class: 'row', style: 'margin-bottom:10px' }, ['queue', 'hot', 'replies'].map((k) =>
    h('a', { href: `#/messages?tab=${k}`, class: `tag${k === tab ? ' state' : ''}`, style: k === tab ? 'font-weight:700' : null }, t(`msg.tab.${k}`))));
  main.append(h('div', { class: 'row' }, h('h1', {}, t('nav.messages')), h('span', { class: 'spacer' }), exportLinks('messages')), tabs);
  if (tab === 'queue') {
    const res = await get('/api/messages', { answered: 'false', limit: 100 });
    const rows = res.messages.map((m) => queueRow(m, role, reload));
    main.append(h('datalist', { id: 'msg-cats' }, [...new Set(res.messages.map((m) => m.suggestion?.category).filter(Boolean))].map((c) => h('option', { value: c }))),
      panel(`${t('msg.tab.queue')} · ${t('common.total')} ${num(res.total)}`, table([
        { label: t('col.time'), render: (r) => iso(r.m.time) },
        { label: t('col.title'), cls: 'ellip', render: (r) => h('span', { title: r.m.text }, r.m.title) },
        { label: t('msg.suggested'), render: (r) => (r.m.suggestion ? `${r.m.suggestion.category} (${pct(r.m.suggestion.prob)})` : '—') },
        { label: t('msg.category'), render: (r) => r.m.category || '—' },
        { label: t('col.dept'), render: (r) => r.m.department || '—' },
        { label: t('col.due'), render: (r) => iso(r.m.deadline) },
        { label: '♥', num: true, render: (r) => num(r.m.likes) },
        { label: t('col.actions'), render: (r) => r.actions },
      ], rows)));
  } else if (tab === 'hot') {
    const hot = await get('/api/messages/hot', { limit: 20 });
    main.append(panel(`${t('msg.tab.hot')} · ${num(hot.issues_found)} / ${num(hot.messages)}`, table([
      { label: '#', num: true, key: 'rank' },
      { label: t('msg.score'), num: true, render: (x) => num(x.score, 1) },
      { label: t('col.places'), render: (x) => x.place || '—' },
      { label: t('ev.keywords'), render: (x) => (x.keywords || []).map((k) => h('span', { class: 'tag' }, k)) },
      { label: t('msg.count'), num: true, key: 'count' },
      { label: '♥', num: true, key: 'likes' },
      { label: t('col.first'), render: (x) => iso(x.first) },
      { label: t('col.last'), render: (x) => iso(x.last) },
      { label: t('col.title'), cls: 'ellip', render: (x) => x.messages?.[0]?.title || '—' },
    ], hot.issues)));
  } else {
    const [stats, done] = await Promise.all([get('/api/stats', { period: 'all' }), get('/api/messages', { answered: 'true', limit: 50 })]);
    main.append(panel(t('msg.stats'), table([
      { label: t('col.dept'), key: 'department' },
      { label: t('msg.received'), num: true, render: (x) => num(x.received) },
      { label: t('msg.answered'), num: true, render: (x) => num(x.answered) },
      { label: t('msg.on_time'), num: true, render: (x) => num(x.answered_on_time) },
      { label: t('msg.completion'), num: true, render: (x) => pct(x.completion_rate) },
      { label: t('msg.on_time_rate'), num: true, render: (x) => pct(x.on_time_rate) },
      { label: t('msg.median_h'), num: true, render: (x) => num(x.median_hours, 0) },
      { label: 'P90 h', num: true, render: (x) => num(x.p90_hours, 0) },
      { label: t('msg.overdue'), num: true, render: (x) => h('span', { class: x.overdue_now ? 'bad' : null }, num(x.overdue_now)) },
    ], stats.rows)),
    h('div', { style: 'margin-top:12px' }, panel(`${t('msg.answered')} · ${t('common.total')} ${num(done.total)}`, table([
      { label: t('col.time'), render: (m) => iso(m.time) },
      { label: t('col.title'), cls: 'ellip', render: (m) => m.title },
      { label: t('col.dept'), render: (m) => m.department || '—' },
      { label: t('msg.reply_time'), render: (m) => iso(m.reply_time) },
      { label: t('msg.relevance'), num: true, render: (m) => num(m.quality?.relevance, 2) },
      { label: t('msg.completeness'), num: true, render: (m) => num(m.quality?.completeness, 2) },
      { label: t('msg.timeliness'), num: true, render: (m) => num(m.quality?.timeliness, 2) },
    ], done.messages))));
  }
}
