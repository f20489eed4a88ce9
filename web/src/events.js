// events.js — the events list (filters: level, scheme, place, time; sorted
// by risk) and one event: timeline, keywords, places ranked, platforms and
// source tiers, representative posts, the alert's why in words and
// figures, and "create case".
import { t } from './i18n.js';
import { get, post, session } from './api.js';
import { h, time, badge, num, pct, table, panel, chart, toast, exportLinks, LEVELS } from './ui.js';
import { sentence, figures } from './why.js';

const PAGE = 50;

export async function events(main, params) {
  const f = { level: params.get('level') || '', scheme: params.get('scheme') || '', place: params.get('place') || '',
    since: params.get('since') || '', until: params.get('until') || '', sort: params.get('sort') || 'risk',
    offset: +(params.get('offset') || 0) };
  const [schemes] = await Promise.all([get('/api/schemes').catch(() => ({ schemes: [] }))]);
  // level and place are filtered here over a risk-sorted window of the API's answer
  const local = f.level || f.place || f.until;
  const res = await get('/api/events', { sort: f.sort, scheme: f.scheme, since: f.since, limit: local ? 1000 : PAGE, offset: local ? 0 : f.offset });
  let list = res.events, total = res.total;
  if (local) {
    const until = f.until ? Date.parse(`${f.until}T00:00:00+08:00`) / 1000 : null;
    list = list.filter((e) => (!f.level || e.level === f.level)
      && (!f.place || (e.places || []).some((p) => p.name.includes(f.place)))
      && (!until || e.first_seen_unix < until));
    total = list.length;
    list = list.slice(f.offset, f.offset + PAGE);
  }
  const sel = (name, opts) => h('select', { name }, opts.map(([v, l]) => h('option', { value: v, selected: v === f[name] ? true : null }, l)));
  const form = h('form', { class: 'filters', id: 'event-filters', onsubmit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams([...new FormData(ev.target)].filter(([, v]) => v));
    location.hash = `#/events?${q}`;
  } },
  h('label', {}, t('f.level'), sel('level', [['', t('f.all')], ...LEVELS.map((l) => [l, t(`lv.${l}`)])])),
  h('label', {}, t('f.scheme'), sel('scheme', [['', t('f.all')], ...schemes.schemes.map((s) => [s.id, s.name || s.id])])),
  h('label', {}, t('f.place'), h('input', { name: 'place', value: f.place, size: 8 })),
  h('label', {}, t('f.since'), h('input', { name: 'since', type: 'date', value: f.since })),
  h('label', {}, t('f.until'), h('input', { name: 'until', type: 'date', value: f.until })),
  h('label', {}, t('f.sort'), sel('sort', [['risk', t('sort.risk')], ['last_seen', t('sort.last_seen')], ['size', t('sort.size')]])),
  h('button', { type: 'submit' }, t('f.apply')));
  const pager = () => {
    const go = (o) => { const q = new URLSearchParams(params); q.set('offset', o); location.hash = `#/events?${q}`; };
    return h('div', { class: 'row small' }, h('span', { class: 'muted' }, `${t('common.total')} ${num(total)}`), h('span', { class: 'spacer' }),
      h('button', { class: 'secondary', disabled: f.offset <= 0 ? true : null, onclick: () => go(Math.max(0, f.offset - PAGE)) }, t('common.prev')),
      h('button', { class: 'secondary', disabled: f.offset + PAGE >= total ? true : null, onclick: () => go(f.offset + PAGE) }, t('common.next')));
  };
  main.append(h('div', { class: 'row' }, h('h1', {}, t('nav.events')), h('span', { class: 'spacer' }), exportLinks('events')), form, panel(null, table([
    { label: t('col.level'), render: (e) => badge(e.level) },
    { label: t('col.risk'), num: true, render: (e) => num(e.risk, 1) },
    { label: t('col.title'), cls: 'ellip', render: (e) => e.title },
    { label: t('col.size'), num: true, key: 'size' },
    { label: t('col.neg'), num: true, render: (e) => pct(e.negative_share) },
    { label: t('col.places'), render: (e) => (e.places || []).slice(0, 3).map((p) => p.name).join('、') || '—' },
    { label: t('col.state'), render: (e) => h('span', { class: 'state' }, t(`st.${e.state}`)) },
    { label: t('col.first'), render: (e) => time(e.first_seen_unix) },
    { label: t('col.last'), render: (e) => time(e.last_seen_unix) },
  ], list, (e) => { location.hash = `#/events/${e.id}`; }), pager()));
}

function timelineOption(tl) {
  return {
    animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: tl.map((r) => time(r[0])) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('col.posts'), type: 'bar', data: tl.map((r) => r[1]), itemStyle: { color: '#1e6fd9' }, barMaxWidth: 40 },
      { name: t('sent.negative'), type: 'line', data: tl.map((r) => r[2]), itemStyle: { color: '#d64545' } },
    ],
  };
}

export async function eventPage(main, id) {
  const [e, srcs] = await Promise.all([get(`/api/events/${encodeURIComponent(id)}`), get('/api/sources')]);
  const reg = Object.fromEntries(srcs.sources.map((s) => [s.name, s]));
  const why = e.why;
  const bySource = {};
  for (const p of e.top_posts) bySource[p.source] = (bySource[p.source] || 0) + 1;
  for (const s of why?.top_sources || []) bySource[s] ||= 0;
  const maxPlace = Math.max(1, ...(e.places || []).map((p) => p.posts));
  const createCase = h('button', { id: 'create-case', disabled: ['admin', 'analyst'].includes(session.user?.role) ? null : true, onclick: async () => {
    createCase.disabled = true;
    try {
      const c = await post('/api/cases', { event: e.id, title: e.title.slice(0, 200), why: why || undefined });
      toast(`${t('ev.case_created')} ${c.number}`);
      location.hash = `#/cases/${c.id}`;
    } catch (err) { toast(`${t('common.error')}: ${err.message}`); createCase.disabled = false; }
  } }, t('ev.create_case'));
  main.append(
    h('p', {}, h('a', { href: '#/events' }, t('ev.back'))),
    h('div', { class: 'row' }, badge(e.level), h('h1', { class: 'ellip', style: 'max-width:70vw', title: e.title }, e.title),
      h('span', { class: 'spacer' }), createCase),
    h('p', { class: 'muted small' }, `#${e.id} · ${t('col.risk')} ${num(e.risk, 1)} · ${t('col.size')} ${num(e.size)} · ${t('col.neg')} ${pct(e.negative_share)} · ${t(`st.${e.state}`)} · ${time(e.first_seen_unix)} – ${time(e.last_seen_unix)}`),
    h('div', { class: 'grid g2' },
      panel(t('ev.timeline'), chart('chart-timeline', timelineOption(e.timeline || []))),
      panel(t('ev.keywords'), h('div', {}, (e.keywords || []).map((k) => h('span', { class: 'tag' }, k))),
        h('h2', { style: 'margin-top:12px' }, t('ev.places')),
        table([
          { label: t('col.places'), render: (p) => p.name },
          { label: t('col.posts'), num: true, key: 'posts' },
          { label: '', render: (p) => h('div', { class: 'bar' }, h('span', { style: `width:${(100 * p.posts / maxPlace).toFixed(0)}%` })) },
        ], e.places || []))),
    h('div', { class: 'grid g11', style: 'margin-top:12px' },
      panel(t('ev.why'), why ? h('div', { class: 'why', id: 'why' }, h('p', { id: 'why-words' }, sentence(why)), figures(why))
        : h('p', { class: 'muted' }, t('ev.no_alert'))),
      panel(t('ev.sources'), table([
        { label: t('col.source'), render: (r) => r.name },
        { label: t('col.platform'), render: (r) => reg[r.name]?.platform || '—' },
        { label: t('col.tier'), render: (r) => reg[r.name]?.tier || '—' },
        { label: t('col.region'), render: (r) => reg[r.name]?.region || '—' },
        { label: t('ev.posts'), num: true, render: (r) => r.n },
      ], Object.entries(bySource).map(([name, n]) => ({ name, n }))),
      h('h2', { style: 'margin-top:12px' }, t('ev.alerts')),
      table([
        { label: t('col.level'), render: (a) => badge(a.level) },
        { label: t('col.time'), render: (a) => time(a.time_unix) },
        { label: t('col.risk'), num: true, render: (a) => num(a.reason?.score, 1) },
        { label: t('col.acked'), render: (a) => a.acked_by || '—' },
      ], e.alerts || []))),
    h('div', { style: 'margin-top:12px' }, panel(t('ev.posts'), h('div', { class: 'posts' }, e.top_posts.map((p) => h('div', { class: 'post' },
      h('div', { class: 'small muted' }, `${time(p.time_unix)} · ${p.source} · ${p.id}`, p.sentiment ? ` · ${t(`sent.${p.sentiment}`)}` : '',
        p.reposts || p.comments || p.likes ? ` · ↻${num(p.reposts)} 💬${num(p.comments)} ♥${num(p.likes)}` : ''),
      p.title ? h('strong', {}, p.title) : null, h('div', {}, p.text)))))));
}
