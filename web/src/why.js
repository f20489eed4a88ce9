// why.js — an alert's reason (docs/warning.md: every factor, the baseline,
// the thresholds, the top posts) said in words, and shown as figures.
import { t, getLang } from './i18n.js';
import { h, num, pct, table, badge } from './ui.js';

const FACTOR_ZH = { heat: '热度', negativity: '负面情绪', sensitivity: '敏感度', locality: '属地相关', spread: '传播范围' };
const FACTOR_EN = { heat: 'heat', negativity: 'negativity', sensitivity: 'sensitivity', locality: 'locality', spread: 'spread' };
export const factorName = (k) => (getLang() === 'en' ? FACTOR_EN : FACTOR_ZH)[k] || k;

// sentence: the reason in one paragraph of the current language.
export function sentence(r) {
  if (!r || r.kind !== 'risk') return r ? JSON.stringify(r) : '';
  const f = r.factors || {}, heat = r.heat || {}, neg = r.negativity || {}, base = r.baseline || {};
  const th = r.thresholds || {}, sens = r.sensitive, place = r.place;
  const c = (k) => num(f[k]?.contribution, 1);
  if (getLang() === 'en') {
    const parts = [
      `Risk score ${num(r.score, 1)} reached level ${r.level} (${r.color}; threshold ${num(th[r.level], 0)}).`,
      `Heat adds ${c('heat')}: ${heat.posts ?? '—'} posts in the bucket against a ${base.method || ''} baseline mean of ${num(base.mean, 1)} (sd ${num(base.sd, 1)}), z = ${num(heat.z, 1)}.`,
      `Negativity adds ${c('negativity')}: ${pct(neg.share)} of ${neg.rated ?? '—'} rated posts are negative.`,
      sens ? `Sensitivity adds ${c('sensitivity')}: the ${sens.category} word “${sens.word}”.` : `No sensitive word.`,
      place ? `Locality adds ${c('locality')}: ${typeof place === 'string' ? place : (place.name || JSON.stringify(place))}.` : `Not in the jurisdiction.`,
      `Spread adds ${c('spread')}: ${r.spread?.sources ?? '—'} source(s).`,
    ];
    return parts.join(' ');
  }
  const lv = { I: 'Ⅰ级（红色）', II: 'Ⅱ级（橙色）', III: 'Ⅲ级（黄色）', IV: 'Ⅳ级（蓝色）' }[r.level] || r.level;
  const parts = [
    `风险评分 ${num(r.score, 1)}，达到${lv}预警（阈值 ${num(th[r.level], 0)}）。`,
    `热度贡献 ${c('heat')} 分：本时段 ${heat.posts ?? '—'} 帖，${base.method || ''} 基线均值 ${num(base.mean, 1)}（标准差 ${num(base.sd, 1)}），z 值 ${num(heat.z, 1)}；`,
    `负面情绪贡献 ${c('negativity')} 分：${neg.rated ?? '—'} 条已判定帖子中负面占 ${pct(neg.share)}；`,
    sens ? `敏感度贡献 ${c('sensitivity')} 分：涉及“${sens.category}”类敏感词“${sens.word}”；` : '未涉及敏感词；',
    place ? `属地贡献 ${c('locality')} 分：${typeof place === 'string' ? place : (place.name || JSON.stringify(place))}；` : '不在本辖区；',
    `传播范围贡献 ${c('spread')} 分：${r.spread?.sources ?? '—'} 个信息源。`,
  ];
  return parts.join('');
}

// figures: the factor table, baseline and thresholds.
export function figures(r) {
  if (!r || !r.factors) return h('div');
  const rows = Object.entries(r.factors).map(([k, v]) => ({ k, ...v }));
  const total = rows.reduce((s, x) => s + (x.contribution || 0), 0) || 1;
  const b = r.baseline || {}, th = r.thresholds || {};
  return h('div', { class: 'why-figures' },
    table([
      { label: t('col.factor'), render: (x) => factorName(x.k) },
      { label: t('col.value'), num: true, render: (x) => num(x.value, 3) },
      { label: t('col.weight'), num: true, render: (x) => num(x.weight, 2) },
      { label: t('col.contribution'), num: true, render: (x) => num(x.contribution, 2) },
      { label: '', render: (x) => h('div', { class: 'bar' }, h('span', { style: `width:${(100 * (x.contribution || 0) / total).toFixed(0)}%` })) },
    ], rows),
    h('p', { class: 'small muted' },
      `${t('why.baseline')}: ${b.method || '—'} α=${num(b.alpha, 2)}, mean ${num(b.mean, 2)}, sd ${num(b.sd, 2)}, ${num(b.buckets)} buckets × ${num((b.bucket_seconds || 0) / 3600)} h · `,
      `${t('why.thresholds')}: `, ...['IV', 'III', 'II', 'I'].map((l) => h('span', {}, badge(l), ` ≥${num(th[l])} `))));
}
