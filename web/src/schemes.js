// schemes.js — monitoring schemes: the list with their examples' results,
// an editor whose must-match / must-not-match examples and a free text are
// tested as you type (POST /api/schemes/test, debounced), saving with PUT,
// and the backtest (matched stored posts per day) as a chart.
import { t } from './i18n.js';
import { get, post, put, session } from './api.js';
import { h, table, panel, chart, toast, num } from './ui.js';

const GROUPS = ['region', 'subject', 'event', 'exclude'];
const CAN_WRITE = ['admin', 'analyst'];
const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);
const words = (s) => s.split(/[,，、\s]+/).map((x) => x.trim()).filter(Boolean);

function debounce(fn, ms) { let tm; return (...a) => { clearTimeout(tm); tm = setTimeout(() => fn(...a), ms); }; }

export async function schemes(main, params) {
  const { schemes: list, live } = await get('/api/schemes');
  const canWrite = CAN_WRITE.includes(session.user?.role);
  const chosen = list.find((s) => s.id === params.get('id')) || list[0];
  const tested = canWrite ? await post('/api/schemes/test', { text: '' }) : { examples: [] };
  const failed = (id) => tested.examples.filter((e) => e.scheme === id && !e.ok).length;
  main.append(h('h1', {}, t('nav.schemes'), live ? null : h('span', { class: 'muted small', id: 'schemes-applying' }, `  (${t('sc.applying')})`)),
    h('div', { class: 'grid', style: 'grid-template-columns: 1fr 2fr' },
      panel(t('sc.list'), table([
        { label: 'ID', render: (s) => s.id }, { label: t('col.name'), render: (s) => s.name },
        { label: t('sc.enabled'), render: (s) => (s.enabled ? t('common.yes') : t('common.no')) },
        { label: t('sc.examples'), render: (s) => (canWrite ? (failed(s.id) ? h('span', { class: 'bad' }, `${failed(s.id)} ${t('sc.fail')}`) : h('span', { class: 'ok' }, t('sc.pass'))) : '—') },
      ], list, (s) => { location.hash = `#/schemes?id=${encodeURIComponent(s.id)}`; })),
      chosen ? editor(chosen, canWrite) : panel(null, t('common.empty'))));
}

function editor(s, canWrite) {
  const inputs = {};
  const name = h('input', { value: s.name || '', size: 20 });
  const enabled = h('input', { type: 'checkbox', checked: s.enabled ? true : null });
  for (const g of GROUPS) inputs[g] = h('input', { value: (s[g]?.words || []).join('，'), size: 50, dataset: { group: g } });
  const ex = (k) => (s[k] || []).map((e) => (e.title ? `${e.title}｜${e.text || ''}` : e.text || '')).join('\n');
  const mm = h('textarea', { rows: 4, id: 'must-match' }, ex('must_match'));
  const mn = h('textarea', { rows: 4, id: 'must-not-match' }, ex('must_not_match'));
  const exOut = h('div', { id: 'example-results', class: 'small' });
  const testText = h('textarea', { rows: 3, id: 'scheme-test-text', placeholder: t('sc.test_text') });
  const testOut = h('div', { id: 'scheme-test-result', class: 'small' });

  // one example's verdict: does the scheme (as saved) match this text?
  const hits = async (title, text) => (await post('/api/schemes/test', { title, text })).matches.filter((m) => m.id === s.id);
  const runExamples = debounce(async () => {
    if (!canWrite) return;
    const rows = [];
    for (const [kind, ta] of [['must_match', mm], ['must_not_match', mn]]) {
      for (const line of lines(ta.value)) {
        const [title, text] = line.includes('｜') ? line.split('｜') : ['', line];
        const m = await hits(title, text);
        rows.push({ kind, line, ok: kind === 'must_match' ? m.length > 0 : m.length === 0 });
      }
    }
    exOut.replaceChildren(table([
      { label: '', render: (r) => (r.ok ? h('span', { class: 'ok' }, '✓') : h('span', { class: 'bad' }, '✗')) },
      { label: t('col.kind'), render: (r) => (r.kind === 'must_match' ? t('sc.must_match') : t('sc.must_not_match')).replace(/（.*|\(.*/, '') },
      { label: t('col.title'), cls: 'ellip', render: (r) => r.line },
    ], rows));
  }, 300);
  const runTest = debounce(async () => {
    if (!canWrite || !testText.value.trim()) { testOut.replaceChildren(); return; }
    const r = await post('/api/schemes/test', { text: testText.value });
    testOut.replaceChildren(r.matches.length ? table([
      { label: 'ID', render: (m) => m.id },
      { label: t('sc.matches'), render: (m) => (m.hits || []).map((x) => h('span', { class: 'tag' }, `${x.word}·${x.group}`)) },
    ], r.matches) : h('p', { class: 'muted' }, t('sc.nomatch')));
  }, 250);
  mm.addEventListener('input', runExamples); mn.addEventListener('input', runExamples);
  testText.addEventListener('input', runTest);
  runExamples();

  const save = h('button', { id: 'scheme-save', disabled: canWrite ? null : true, onclick: async () => {
    const body = { name: name.value, enabled: enabled.checked };
    for (const g of GROUPS) {
      const w = words(inputs[g].value);
      if (w.length) body[g] = { ...(s[g] || { scope: 'any' }), words: w };
    }
    const toEx = (ta) => lines(ta.value).map((l) => (l.includes('｜') ? { title: l.split('｜')[0], text: l.split('｜')[1] } : { text: l }));
    body.must_match = toEx(mm); body.must_not_match = toEx(mn);
    try { await put(`/api/schemes/${encodeURIComponent(s.id)}`, body); toast(t('sc.saved')); runExamples(); }
    catch (err) { toast(`${t('common.error')}: ${err.message}`); }
  } }, t('sc.save'));

  const back = h('div', { id: 'backtest' });
  if (canWrite) {
    get('/api/overview').then((ov) => get(`/api/schemes/${encodeURIComponent(s.id)}/backtest`, { since: ov.first_post ?? undefined, until: ov.last_post !== null ? ov.last_post + 86400 : undefined }))
      .then((b) => back.replaceChildren(h('p', { class: 'small muted' }, `scanned ${num(b.scanned)} · matched ${num(b.matched)}${b.truncated ? ' (truncated)' : ''}`),
        chart('chart-backtest', { animation: false, tooltip: { trigger: 'axis' }, grid: { left: 40, right: 10, top: 10, bottom: 30 },
          xAxis: { type: 'category', data: b.days.map((d) => d.day) }, yAxis: { type: 'value', minInterval: 1 },
          series: [{ type: 'bar', data: b.days.map((d) => d.posts), itemStyle: { color: '#1e6fd9' } }] }, 'chart small')))
      .catch((err) => back.replaceChildren(h('p', { class: 'bad' }, err.message)));
  }
  const label = (k, el) => h('label', { style: 'display:block;margin:4px 0' }, h('span', { class: 'muted small' }, t(k)), h('br'), el);
  return panel(`${t('sc.edit')}: ${s.id} (v${s.version})`,
    h('div', { class: 'row' }, label('col.name', name), h('label', {}, enabled, t('sc.enabled'))),
    ...GROUPS.map((g) => label(`sc.${g}`, inputs[g])),
    h('div', { class: 'grid g11' }, label('sc.must_match', mm), label('sc.must_not_match', mn)),
    exOut, h('div', { class: 'row', style: 'margin:8px 0' }, save),
    h('h2', {}, t('sc.test')), testText, testOut,
    h('h2', { style: 'margin-top:12px' }, t('sc.backtest')), back);
}
