// sources.js — the source registry (基础数据库) with each source's health.
import { t } from './i18n.js';
import { get } from './api.js';
import { h, time, num, table, panel } from './ui.js';

function health(s) {
  if (s.errors > 0 && (!s.last_item_unix || (s.last_error_time_unix || 0) > s.last_item_unix)) return h('span', { class: 'bad' }, '● ', t('src.err'));
  if (!s.items) return h('span', { class: 'muted' }, '● ', t('src.idle'));
  return h('span', { class: 'ok' }, '● ', t('src.ok'));
}

export function sourceHealth(list) {
  return table([
    { label: t('col.health'), render: health },
    { label: t('col.name'), key: 'name' }, { label: t('col.kind'), key: 'kind' },
    { label: t('col.platform'), key: 'platform' }, { label: t('col.tier'), key: 'tier' },
    { label: t('col.region'), key: 'region' },
    { label: t('col.items'), num: true, render: (s) => num(s.items) },
    { label: t('col.rejected'), num: true, render: (s) => num(s.rejected) },
    { label: t('col.errors'), num: true, render: (s) => num(s.errors) },
    { label: t('col.last_item'), render: (s) => time(s.last_item_unix) },
    { label: t('col.last_error'), cls: 'ellip', render: (s) => s.last_error || '—' },
  ], list);
}

export async function sources(main) {
  const { sources: list } = await get('/api/sources');
  main.append(h('h1', {}, t('nav.sources')), panel(null, sourceHealth(list)));
}
