// cases.js — the case (工单) board by workflow state and one case: its
// origin and why, deadlines, history (the audit trail), notes, the public
// response, and only the actions the server says the user's role may take
// in this state (the detail's "actions"; the server checks again).
import { t } from './i18n.js';
import { get, post } from './api.js';
import { h, table, panel, toast, exportLinks } from './ui.js';
import { sentence } from './why.js';

export const STATES = ['assess', 'instruct', 'handle', 'respond', 'supervise', 'closed', 'archived'];
const RESOLUTIONS = ['fixed', 'not_fixed', 'not_ours', 'clarified', 'duplicate'];
const iso = (s) => (s ? s.slice(0, 16).replace('T', ' ') : '—');

export async function board(main) {
  const { cases } = await get('/api/cases', { limit: 1000 });
  const cols = STATES.map((s) => {
    const mine = cases.filter((c) => c.state === s);
    return h('div', { class: 'col', dataset: { state: s } },
      h('h2', {}, h('span', {}, t(`case.${s}`)), h('span', { class: 'muted' }, mine.length)),
      mine.map((c) => h('div', { class: `card${c.overdue ? ' overdue' : ''}`, dataset: { case: c.id }, onclick: () => { location.hash = `#/cases/${c.id}`; } },
        h('div', { class: 'small muted' }, c.number, c.overdue ? h('span', { class: 'bad' }, ` · ${t('cs.overdue')}`) : ''),
        h('div', { class: 'ellip' }, c.title),
        h('div', { class: 'small muted' }, (c.departments || []).join('、') || '—', ' · ', iso(c.due_at)))));
  });
  main.append(h('div', { class: 'row' }, h('h1', {}, t('cs.board')), h('span', { class: 'spacer' }), exportLinks('cases')),
    h('div', { class: 'board' }, cols));
}

function actionForm(c, action, done) {
  const note = h('input', { name: 'note', placeholder: t('cs.note'), size: 30 });
  const depts = h('input', { name: 'departments', placeholder: t('col.dept'), size: 14 });
  const res = h('select', { name: 'resolution' }, RESOLUTIONS.map((r) => h('option', { value: r }, t(`res.${r}`))));
  const text = h('textarea', { name: 'text', rows: 3, placeholder: t('cs.text') });
  const channel = h('input', { name: 'channel', placeholder: t('cs.channel'), size: 10 });
  const link = h('input', { name: 'link', placeholder: t('cs.link'), size: 24 });
  const btn = h('button', { dataset: { action }, class: action === 'return' ? 'danger' : null }, t(`act.${action}`));
  const fields = action === 'close' ? [res, note] : action === 'respond' ? [text, channel, link]
    : action === 'instruct' || action === 'submit' ? [note, depts] : [note];
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      if (action === 'respond') await post(`/api/cases/${c.id}/respond`, { text: text.value, channel: channel.value || undefined, link: link.value || undefined });
      else if (action === 'note') await post(`/api/cases/${c.id}/notes`, { note: note.value });
      else {
        const body = { action };
        if (note.value) body.note = note.value;
        if (action === 'close') body.resolution = res.value;
        if (depts.value) body.departments = depts.value.split(/[,，、\s]+/).filter(Boolean);
        await post(`/api/cases/${c.id}/transition`, body);
      }
      toast(t('cs.done')); done();
    } catch (err) { toast(`${t('common.error')}: ${err.message}`); btn.disabled = false; }
  });
  return h('div', { class: 'row', style: 'margin-bottom:6px' }, ...fields, btn);
}

export async function casePage(main, id) {
  const c = await get(`/api/cases/${encodeURIComponent(id)}`);
  const reload = () => { main.replaceChildren(); casePage(main, id).catch((e) => toast(e.message)); };
  const dl = c.deadlines?.working_days || {};
  main.append(
    h('p', {}, h('a', { href: '#/cases' }, `← ${t('cs.board')}`)),
    h('div', { class: 'row' }, h('h1', {}, `${c.number} `, h('span', { class: 'state', id: 'case-state', dataset: { state: c.state } }, t(`case.${c.state}`))),
      c.overdue ? h('span', { class: 'bad' }, t('cs.overdue')) : null),
    h('p', { class: 'ellip' }, c.title),
    h('p', { class: 'muted small' }, `${t('col.dept')}: ${(c.departments || []).join('、') || '—'} · ${t('col.due')}: ${iso(c.due_at)} · ${c.created_by} ${iso(c.created)}`,
      c.resolution ? ` · ${t('cs.resolution')}: ${t(`res.${c.resolution}`)}` : ''),
    h('div', { class: 'grid g11' },
      panel(t('cs.actions'), h('div', { id: 'case-actions' }, c.actions.length
        ? c.actions.map((a) => actionForm(c, a, reload)) : h('p', { class: 'muted' }, t('cs.none_allowed')))),
      panel(t('cs.deadlines'), table([
        { label: t('col.state'), render: (r) => h('span', { class: r.s === c.state ? 'state' : null }, t(`case.${r.s}`)) },
        { label: t('col.due'), num: true, render: (r) => (r.d ? `${r.d} 个工作日` : '—') },
      ], STATES.slice(0, 5).map((s) => ({ s, d: dl[s] }))))),
    h('div', { class: 'grid g11', style: 'margin-top:12px' },
      panel(t('cs.history'), table([
        { label: t('col.time'), render: (x) => iso(x.time) },
        { label: t('col.who'), key: 'actor' },
        { label: t('col.what'), render: (x) => x.action },
        { label: t('col.state'), render: (x) => (x.after?.state ? t(`case.${x.after.state}`) : '—') },
        { label: t('col.note'), cls: 'ellip', render: (x) => x.after?.note || x.after?.response?.text || '' },
      ], c.history || [])),
      panel(t('cs.response'), (c.responses || []).length ? table([
        { label: t('col.time'), render: (x) => iso(x.time || x.published) },
        { label: t('cs.channel'), render: (x) => x.channel || '—' },
        { label: t('cs.text'), render: (x) => x.text },
      ], c.responses) : h('p', { class: 'muted' }, '—'),
      h('h2', { style: 'margin-top:12px' }, t('cs.why')),
      h('p', { class: 'small' }, `${c.source?.type || ''} ${c.source?.id || ''}`, ' · ', c.why ? sentence(c.why) : '—'))));
}
