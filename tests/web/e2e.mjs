// e2e.mjs — the dashboard in a real browser (Debian's Chromium, headless,
// driven by playwright-core) against a daemon that tests/integration/
// web_e2e.sh started on a loopback port with replayed real COVID posts.
//
// Environment: URL (the daemon), CHROMIUM (the browser binary), ART (the
// screenshot directory), PUSH (a JSON Lines file of further real posts to
// push while the overview is open), EXPECT_POSTS (posts with a time
// stored before the push), and TOKEN_ADMIN / TOKEN_ANA / TOKEN_LEAD /
// TOKEN_ZHU (API tokens of the test users, for the checks made beside the
// browser).  Every user's password is PASSWORD.
//
// Fails (exit 1, a line per failure) on any failed check, any console
// error or page error in the browser, and any failed request or HTTP
// status >= 400 the pages make.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// playwright-core is web/'s dev dependency (web/node_modules)
const { chromium } = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)))('playwright-core');

const env = (k) => { if (!process.env[k]) { console.error(`e2e: ${k} is not set`); process.exit(2); } return process.env[k]; };
const BASE = env('URL'), ART = env('ART'), PASSWORD = env('PASSWORD');
const tokens = { admin: env('TOKEN_ADMIN'), ana: env('TOKEN_ANA'), lead: env('TOKEN_LEAD'), zhu: env('TOKEN_ZHU') };
let fails = 0;
const fail = (m) => { console.log(`FAIL: ${m}`); fails++; };
const check = (name, got, want) => { if (got !== want) fail(`${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); else console.log(`ok: ${name} = ${JSON.stringify(got)}`); };
const checkTrue = (name, v, detail = '') => { if (!v) fail(`${name} ${detail}`); else console.log(`ok: ${name}`); };

async function apiAs(who, method, path, body) {
  const r = await fetch(BASE + path, { method, headers: { Authorization: `Bearer ${tokens[who]}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await r.text();
  let data = null; try { data = JSON.parse(text); } catch { data = text; }
  return { status: r.status, data };
}

const browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'UTC', acceptDownloads: true });
const page = await context.newPage();
page.setDefaultTimeout(20000);
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('requestfailed', (r) => {
  // the live stream is closed by the page itself when it leaves the overview
  if (r.url().endsWith('/api/stream') && /ERR_ABORTED/.test(r.failure()?.errorText || '')) return;
  problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
});
page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
const shot = async (name) => { await page.waitForTimeout(300); await page.screenshot({ path: `${ART}/${name}.png`, fullPage: true }); console.log(`screenshot: ${ART}/${name}.png`); };

async function login(name) {
  if (await page.locator('#logout').isVisible()) await page.click('#logout');
  else await page.goto(`${BASE}/#/`);
  await page.waitForSelector('#login-name');
  await page.fill('#login-name', name);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#page-overview');
}
const chartData = (id) => page.evaluate((id) => {
  const c = echarts.getInstanceByDom(document.getElementById(id));
  return c ? c.getOption().series.map((s) => s.data.map((d) => (d && typeof d === 'object' ? d.value : d))) : null;
}, id);
const waitChart = (id) => page.waitForFunction((id) => { const el = document.getElementById(id); return el && echarts.getInstanceByDom(el); }, id);

try {
  // ---- log in (the language is Chinese by default) ----
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#login-name');
  check('login page title (zh)', await page.textContent('.login h1'), '登录舆情监测系统');
  await shot('01-login');
  await login('ana');

  // ---- overview: charts drawn with the stored data ----
  await waitChart('chart-volume');
  await waitChart('chart-levels');
  const ov = (await apiAs('admin', 'GET', '/api/overview')).data;
  const vol = await chartData('chart-volume');
  const barSum = vol.slice(0, 4).flat().reduce((s, x) => s + (x || 0), 0);
  check('overview volume chart: posts in its bars', barSum, Number(env('EXPECT_POSTS')));
  check('overview: posts in the window = API total', barSum, ov.posts_total);
  checkTrue('overview volume chart: negative share line has points', vol[4].some((x) => x !== null && x > 0));
  const lv = await chartData('chart-levels');
  const openApi = ['IV', 'III', 'II', 'I'].map((l) => ov.alerts_open[l]);
  check('overview level chart = open alerts by level (IV..I)', JSON.stringify(lv[0]), JSON.stringify(openApi));
  checkTrue('overview: some alerts open', openApi.some((n) => n > 0));
  check('overview KPI: open level II alerts', await page.textContent('.kpi.lv-II .n'), String(ov.alerts_open.II));
  const rising = await page.locator('#page-overview tbody tr').count();
  checkTrue('overview: rising events listed', rising > 0, `(${rising} rows)`);
  await page.waitForSelector('#live.on');
  await shot('02-overview');

  // ---- the live feed: posts pushed now come back as alerts over SSE ----
  const before = await page.locator('#feed li.new').count();
  const push = readFileSync(env('PUSH'), 'utf8');
  const pr = await apiAs('admin', 'POST', '/api/posts?source=weibo', push);
  check('push of further real posts', pr.status, 200);
  await page.waitForSelector('#feed li.new', { timeout: 60000 });
  const after = await page.locator('#feed li.new').count();
  checkTrue('live feed: new alerts arrived over SSE', after > before, `(${after} new)`);
  const total = Number(env('EXPECT_POSTS')) + push.trim().split('\n').length;
  for (let i = 0; i < 300 && (await apiAs('admin', 'GET', '/api/posts?limit=1')).data.total < total; i++) await page.waitForTimeout(200);
  check('pushed posts stored', (await apiAs('admin', 'GET', '/api/posts?limit=1')).data.total, total);
  const firstLive = await page.getAttribute('#feed li.new', 'data-alert');
  const liveAlert = await apiAs('admin', 'GET', `/api/alerts/${firstLive}`);
  check('live feed: the alert exists in the API', liveAlert.status, 200);
  await shot('03-overview-live');

  // ---- events list, filters, an event and its why ----
  await page.click('nav a[href="#/events"]');
  await page.waitForSelector('#page-events tbody tr');
  const evApi = (await apiAs('admin', 'GET', '/api/events?sort=risk&limit=1')).data.events[0];
  const firstTitle = await page.locator('#page-events tbody tr').first().locator('td').nth(2).textContent();
  check('events list sorted by risk: first row', firstTitle, evApi.title);
  // the browser runs in UTC; the page shows Beijing time, as the API's ISO times are
  check('events list: last seen in Asia/Shanghai', await page.locator('#page-events tbody tr').first().locator('td').nth(8).textContent(),
    evApi.last_seen.slice(0, 16).replace('T', ' '));
  await shot('04-events');
  await page.selectOption('#event-filters select[name=level]', 'II');
  await page.click('#event-filters button[type=submit]');
  await page.waitForFunction(() => location.hash.includes('level=II'));
  await page.waitForSelector('#page-events');
  const lvCells = await page.locator('#page-events tbody tr td:first-child .badge').allTextContents();
  checkTrue('events filter level II: only II rows', lvCells.length > 0 && lvCells.every((x) => x === 'II'), JSON.stringify(lvCells.slice(0, 5)));
  await page.locator('#page-events tbody tr').first().click();
  await page.waitForSelector('#why-words');
  const eid = Number(page.url().split('/').pop());
  const ev = (await apiAs('admin', 'GET', `/api/events/${eid}`)).data;
  const words = await page.textContent('#why-words');
  const score1 = ev.why.score.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  checkTrue('event why in words: the score', words.includes(`风险评分 ${score1}`), words);
  checkTrue('event why in words: the level', words.includes('Ⅱ级'), words);
  checkTrue('event why in words: posts in the bucket', words.includes(`本时段 ${ev.why.heat.posts} 帖`), words);
  const factorRows = await page.locator('.why-figures tbody tr').count();
  check('event why in figures: one row per factor', factorRows, Object.keys(ev.why.factors).length);
  await waitChart('chart-timeline');
  const tl = await chartData('chart-timeline');
  check('event timeline chart: posts per bucket', JSON.stringify(tl[0]), JSON.stringify(ev.timeline.map((r) => r[1])));
  check('event: representative posts shown', await page.locator('.posts .post').count(), ev.top_posts.length);
  await shot('05-event');

  // ---- create a case from the event, move it through the workflow ----
  await page.click('#create-case');
  await page.waitForSelector('#case-state');
  const caseId = Number(page.url().split('/').pop());
  const state = () => page.getAttribute('#case-state', 'data-state');
  check('case created in state', await state(), 'assess');
  await shot('06-case-assess');
  const act = async (action, fill) => {
    const row = page.locator('#case-actions .row', { has: page.locator(`button[data-action=${action}]`) });
    if (fill) await fill(row);
    const was = await state();
    await row.locator(`button[data-action=${action}]`).click();
    await page.waitForFunction((was) => { const s = document.querySelector('#case-state'); return s && s.dataset.state !== was; }, was);
  };
  await act('submit', (row) => row.locator('input[name=departments]').fill('住建局'));
  check('analyst submits: state', await state(), 'instruct');
  check('analyst has no instruct button', await page.locator('#case-actions button[data-action=instruct]').count(), 0);
  check('analyst instructs through the API: refused', (await apiAs('ana', 'POST', `/api/cases/${caseId}/transition`, { action: 'instruct', note: 'x' })).status, 403);
  check('handler instructs through the API: refused', (await apiAs('zhu', 'POST', `/api/cases/${caseId}/transition`, { action: 'instruct', note: 'x' })).status, 403);

  await login('lead');
  await page.goto(`${BASE}/#/cases/${caseId}`);
  await page.waitForSelector('#case-state');
  await act('instruct', (row) => row.locator('input[name=note]').fill('请住建局两日内处置'));
  check('leader instructs: state', await state(), 'handle');
  check('leader has no handled button', await page.locator('#case-actions button[data-action=handled]').count(), 0);
  check('leader marks handled through the API: refused', (await apiAs('lead', 'POST', `/api/cases/${caseId}/transition`, { action: 'handled', note: 'x' })).status, 403);

  await login('zhu');
  await page.goto(`${BASE}/#/cases/${caseId}`);
  await page.waitForSelector('#case-state');
  await act('handled', (row) => row.locator('input[name=note]').fill('已核实并处置'));
  check('handler handled: state', await state(), 'respond');
  await act('respond', async (row) => { await row.locator('textarea[name=text]').fill('经核实，相关情况已处置完毕。'); await row.locator('input[name=channel]').fill('微博'); });
  check('handler responds: state', await state(), 'supervise');
  check('handler closes through the API: refused', (await apiAs('zhu', 'POST', `/api/cases/${caseId}/transition`, { action: 'close', resolution: 'fixed' })).status, 403);
  await shot('07-case-supervise');

  await login('ana');
  await page.goto(`${BASE}/#/cases/${caseId}`);
  await page.waitForSelector('#case-state');
  await act('close', (row) => row.locator('select[name=resolution]').selectOption('fixed'));
  check('analyst closes: state', await state(), 'closed');
  const hist = (await apiAs('admin', 'GET', `/api/cases/${caseId}`)).data.history.length;
  check('case history rows on the page', await page.locator('#page-cases tbody tr').first().isVisible(), true);
  checkTrue('case history: every step audited', hist >= 6, `(${hist} entries)`);
  await shot('08-case-closed');
  await page.click('nav a[href="#/cases"]');
  await page.waitForSelector('.board');
  check('case board: the case in the closed column', await page.locator(`.col[data-state=closed] .card[data-case="${caseId}"]`).count(), 1);
  await shot('09-case-board');
  // the board's export link downloads the cases as a spreadsheet
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a.export-csv[data-what=cases]')]);
  // RFC 4180 fields (quoted, "" inside), one record a line (no newlines in these cells)
  const fields = (line) => [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]));
  const csvRows = readFileSync(await dl.path(), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/).map(fields);
  const apiCases = (await apiAs('admin', 'GET', '/api/cases?limit=1000')).data.cases;
  check('case board export: header', csvRows[0].slice(0, 3).join(','), '编号,标题,环节');
  check('case board export: a row per case', csvRows.length - 1, apiCases.length);
  const closed = apiCases.find((c) => c.id === caseId);
  check('case board export: the closed case\'s step', csvRows.find((r) => r[0] === closed.number)?.[2], '办结');

  // ---- a second tab picks up the login; the first tab's token stays valid
  // (the acknowledgement below is sent by the first tab) ----
  const tab2 = await context.newPage();
  tab2.on('response', (r) => { if (r.status() >= 400) problems.push(`tab 2: HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  await tab2.goto(`${BASE}/#/alerts`);
  await tab2.waitForSelector('#page-alerts');
  check('second tab: logged in as', (await tab2.textContent('#user')).split(' ')[0], 'ana');
  await tab2.close();

  // ---- alerts: acknowledge one ----
  await page.goto(`${BASE}/#/alerts?acked=false`);
  await page.waitForSelector('#page-alerts tbody tr');
  const row = page.locator('#page-alerts tbody tr').first();
  const aid = await row.getAttribute('data-alert');
  await row.locator('input.ack-note').fill('值班已核实');
  await row.locator('button.ack').click();
  await page.waitForFunction((aid) => !document.querySelector(`tr[data-alert="${aid}"] button.ack`), aid);
  const acked = (await apiAs('admin', 'GET', `/api/alerts/${aid}`)).data;
  check('alert acknowledged by', acked.acked_by, 'ana');
  check('alert acknowledgement note', acked.ack_note, '值班已核实');
  await shot('10-alerts');

  // ---- citizens' messages: confirm a suggested category, hot issues, replies ----
  await page.click('nav a[href="#/messages"]');
  await page.waitForSelector('#page-messages tbody tr');
  const mid = await page.locator('#page-messages button[data-confirm]').first().getAttribute('data-confirm');
  const before1 = (await apiAs('admin', 'GET', `/api/messages/${mid}`)).data;
  await page.locator('#page-messages button[data-confirm]').first().click();
  await page.waitForFunction((mid) => !document.querySelector(`button[data-confirm="${mid}"]`), mid);
  const after1 = (await apiAs('admin', 'GET', `/api/messages/${mid}`)).data;
  check('message category confirmed = the suggestion', after1.category, before1.suggestion.category);
  check('message category confirmed by', after1.category_by, 'ana');
  await shot('11-messages-queue');
  await page.goto(`${BASE}/#/messages?tab=hot`);
  await page.waitForSelector('#page-messages tbody tr');
  const hotApi = (await apiAs('admin', 'GET', '/api/messages/hot?limit=20')).data;
  checkTrue('hot issues found', hotApi.issues.length > 0);
  check('hot issues listed', await page.locator('#page-messages tbody tr').count(), hotApi.issues.length);
  check('hot issue 1: its place', await page.locator('#page-messages tbody tr').first().locator('td').nth(2).textContent(), hotApi.issues[0].place || '—');
  await shot('12-messages-hot');
  await page.goto(`${BASE}/#/messages?tab=replies`);
  await page.waitForSelector('#page-messages tbody tr');
  const statsApi = (await apiAs('admin', 'GET', '/api/stats?period=all')).data;
  checkTrue('reply tracking: a row per department', (await page.locator('#page-messages table').first().locator('tbody tr').count()) === statsApi.rows.length);
  await shot('13-messages-replies');

  // ---- schemes: examples and a text tested as you type, the backtest ----
  await page.click('nav a[href="#/schemes"]');
  await page.waitForSelector('#example-results tbody tr');
  const exOk = await page.locator('#example-results tbody tr .ok').count();
  const exAll = await page.locator('#example-results tbody tr').count();
  check('scheme examples all pass', exOk, exAll);
  await page.fill('#must-not-match', '杭州突发停电');
  await page.waitForFunction(() => document.querySelectorAll('#example-results tbody tr .bad').length === 1);
  console.log('ok: a must-not-match example that matches is flagged as you type');
  await page.fill('#scheme-test-text', '杭州余杭区大面积停电');
  await page.waitForSelector('#scheme-test-result .tag');
  checkTrue('scheme test as you type: a hit shown', (await page.textContent('#scheme-test-result')).includes('停电'));
  await waitChart('chart-backtest');
  await shot('14-schemes');

  // ---- sources ----
  await page.click('nav a[href="#/sources"]');
  await page.waitForSelector('#page-sources tbody tr');
  checkTrue('sources: the registry listed', (await page.textContent('#page-sources')).includes('weibo'));
  await shot('15-sources');

  // ---- users: admin only ----
  check('analyst: no users link', await page.locator('nav a[href="#/users"]').count(), 0);
  check('analyst lists users through the API: refused', (await apiAs('ana', 'GET', '/api/users')).status, 403);
  await login('admin');
  await page.click('nav a[href="#/users"]');
  await page.waitForSelector('#page-users tbody tr');
  check('users listed (admin)', JSON.stringify(await page.locator('#page-users tbody tr td:first-child').allTextContents()),
    JSON.stringify(['admin', 'ana', 'lead', 'zhu']));
  check('users: the handler\'s department', await page.locator('#page-users tbody tr').nth(3).locator('td').nth(2).textContent(), '住建局');
  await shot('16-users');

  // ---- switch the language; the choice is remembered ----
  await page.click('nav a[href="#/"]');
  await waitChart('chart-volume');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('nav a').textContent === 'Overview'
    && document.querySelector('#page-overview .kpi .l')?.textContent === 'Posts');
  await waitChart('chart-volume');
  await page.reload();
  await page.waitForSelector('#page-overview');
  check('language remembered after reload', await page.textContent('nav a'), 'Overview');
  check('English KPI label', (await page.textContent('.kpi .l')), 'Posts');
  await waitChart('chart-volume');
  await shot('17-overview-en');
  await page.click('nav a[href="#/events"]');
  await page.waitForSelector('#page-events tbody tr');
  await page.locator('#page-events tbody tr').first().click();
  await page.waitForSelector('#why-words');
  checkTrue('event why in English', (await page.textContent('#why-words')).startsWith('Risk score'));
  await shot('18-event-en');
} catch (e) {
  fail(`exception: ${e.stack || e}`);
  await page.screenshot({ path: `${ART}/failure.png`, fullPage: true }).catch(() => {});
}
await browser.close();
for (const p of problems) fail(p);
if (!problems.length) console.log('ok: no console errors, page errors or failed requests');
console.log(fails ? `${fails} check(s) failed` : 'all checks passed');
process.exit(fails ? 1 : 0);
