// users.js — the users (admin only: GET /api/users needs user_admin).
// Users are added and changed with `yuqing user` (docs/auth.md).
import { t } from './i18n.js';
import { get } from './api.js';
import { h, table, panel } from './ui.js';

export async function users(main) {
  const { users: list } = await get('/api/users');
  main.append(h('h1', {}, t('nav.users')), panel(null, table([
    { label: t('col.name'), key: 'name' },
    { label: t('usr.role'), render: (u) => t(`role.${u.role}`) },
    { label: t('col.dept'), render: (u) => u.department || '—' },
    { label: t('usr.active'), render: (u) => (u.active ? t('common.yes') : h('span', { class: 'bad' }, t('common.no'))) },
    { label: t('usr.created'), render: (u) => u.created.slice(0, 16).replace('T', ' ') },
  ], list), h('p', { class: 'muted small' }, t('usr.cli'))));
}
