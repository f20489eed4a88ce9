// overview.js — the duty room's first screen: volume and sentiment over
// the data's last week (/api/overview, pre-aggregated per hour), open
// alerts by level, rising events, the live alert feed (SSE /api/stream)
// and source health.
import { t } from './i18n.js';
import { get } from './api.js';
import { h, time, badge, num, pct, table, panel, chart, LEVELS, LEVEL_COLOR } from './ui.js';
import { sourceHealth } from './sources.js';

let stream = null;
export function closeStream() { if (stream) { stream.close(); stream = null; } }

function volumeOption(ov) {
  const x = ov.series.map((r) => time(r[0], ov.bucket < 86400));
  const col = (i) => ov.series.map((r) => r[i]);
  const share = ov.series.map((r) => (r[2] + r[3] + r[4] ? +(r[2] / (r[2] + r[3] + r[4])).toFixed(3) : null));
  const bar = (name, i, color) => ({ name, type: 'bar', stack: 'v', data: col(i), itemStyle: { color }, barMaxWidth: 40 });
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: x },
    yAxis: [{ type: 'value', name: t('col.posts') }, { type: 'value', name: t('ov.neg_share'), min: 0, max: 1, axisLabel: { formatter: (v) => `${v * 100}%` } }],
    series: [
      bar(t('sent.negative'), 2, '#d64545'), bar(t('sent.neutral'), 3, '#9aa4b2'),
      bar(t('sent.positive'), 4, '#2e9d5b'), bar(t('sent.unrated'), 5, '#d0d5dd'),
      { name: t('ov.neg_share'), type: 'line', yAxisIndex: 1, data: share, connectNulls: true, itemStyle: { color: '#7a1f1f' }, symbolSize: 4 },
    ],
  };
}

function levelOption(open) {
  return {
    animation: false,
    tooltip: {},
    grid: { left: 90, right: 20, top: 10, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: LEVELS.slice().reverse().map((l) => t(`lv.${l}`)) },
    series: [{ type: 'bar', data: LEVELS.slice().reverse().map((l) => ({ value: open[l] || 0, itemStyle: { color: LEVEL_COLOR[l] } })), label: { show: true, position: 'right' } }],
  };
}

function feedItem(a, fresh) {
  return h('li', { class: fresh ? 'new' : null, dataset: { alert: a.id } },
    badge(a.level), h('span', { class: 'muted small' }, time(a.time_unix)),
    h('a', { href: `#/events/${a.event}`, class: 'ellip' }, a.reason?.title || `#${a.event}`),
    h('span', { class: 'muted small' }, num(a.reason?.score, 1)));
}

// overview: fills main; alive() says whether the page is still wanted
// when the data has come (else the live stream is not opened).
export async function overview(main, alive) {
  const [ov, alerts, srcs] = await Promise.all([get('/api/overview'), get('/api/alerts', { limit: 15 }), get('/api/sources')]);
  const rising = await get('/api/events', { sort: 'risk', limit: 10, since: ov.last_post !== null ? ov.last_post - 2 * 86400 : undefined });
  const kpi = (cls, n, label) => h('div', { class: `kpi ${cls}` }, h('div', { class: 'n' }, num(n)), h('div', { class: 'l' }, label));
  const feed = h('ul', { class: 'feed', id: 'feed' }, alerts.alerts.map((a) => feedItem(a, false)));
  const dot = h('span', { class: 'live', id: 'live' });
  main.append(
    h('h1', {}, t('nav.overview'), h('span', { class: 'muted small' }, `  ${t('ov.window')}: ${time(ov.since)} – ${time(ov.until)}`)),
    h('div', { class: 'kpis' },
      kpi('', ov.posts_total, t('ov.posts')), kpi('', ov.events_total, t('ov.events')),
      ...LEVELS.map((l) => kpi(`lv-${l}`, ov.alerts_open[l], `${t('ov.alerts_open')} · ${t(`lv.${l}`)}`))),
    h('div', { class: 'grid g2' },
      panel(t('ov.volume'), chart('chart-volume', volumeOption(ov))),
      panel(t('ov.level_counts'), chart('chart-levels', levelOption(ov.alerts_open)))),
    h('div', { class: 'grid g2', style: 'margin-top:12px' },
      panel(t('ov.rising'), table([
        { label: t('col.level'), render: (e) => badge(e.level) },
        { label: t('col.risk'), num: true, render: (e) => num(e.risk, 1) },
        { label: t('col.title'), cls: 'ellip', render: (e) => e.title },
        { label: t('col.size'), num: true, key: 'size' },
        { label: t('col.neg'), num: true, render: (e) => pct(e.negative_share) },
        { label: t('col.last'), render: (e) => time(e.last_seen_unix) },
      ], rising.events, (e) => { location.hash = `#/events/${e.id}`; })),
      panel(null, h('h2', {}, dot, t('ov.feed')), feed)),
    h('div', { style: 'margin-top:12px' }, panel(t('ov.sources'), sourceHealth(srcs.sources))));
  closeStream();
  if (!alive()) return;
  stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => dot.classList.add('on'));
  stream.addEventListener('error', () => dot.classList.remove('on'));
  stream.addEventListener('alert', (m) => {
    const a = JSON.parse(m.data);
    feed.prepend(feedItem(a, true));
    while (feed.children.length > 100) feed.lastChild.remove();
  });
}
