// ui.test.mjs - the web UI in a real browser (Debian's chromium, headless, no network) against a
// running okaeri server with demo data (started by tests/browser/run). Each test fails on any
// console error, uncaught exception, failed request or unexpected HTTP error status.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';

const BASE = process.env.OKAERI_URL;
const LOGIN = process.env.OKAERI_LOGIN;
const PASSWORD = process.env.OKAERI_PASSWORD;
const SHOTS = process.env.OKAERI_SHOTS;
mkdirSync(process.env.OKAERI_PROFILE, { recursive: true });

// A new, empty profile directory each run (the runner makes it under its temporary folder).
const context = await chromium.launchPersistentContext(process.env.OKAERI_PROFILE, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 }, locale: 'ja-JP', acceptDownloads: true,
});
// No network: anything not on our server is refused (and counted as a failure below).
await context.route((url) => !url.href.startsWith(BASE), (r) => r.abort());
const page = await context.newPage();

let problems = [];
let expected = []; // [status, url substring] allowed in the current test
page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return; // judged by status below
    problems.push('console: ' + m.text());
});
page.on('pageerror', (e) => problems.push('exception: ' + e.message));
page.on('dialog', (d) => { problems.push('unexpected dialog: ' + d.message()); d.dismiss(); });
page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText || '';
    if (f.includes('ERR_ABORTED') && r.url().startsWith(BASE) && r.resourceType() === 'document') return; // navigation replaced
    problems.push(`request failed: ${r.method()} ${r.url()} ${f}`);
});
page.on('response', (r) => {
    if (r.status() < 400) return;
    const u = r.url();
    if (expected.some(([s, part]) => s === r.status() && u.includes(part))) return;
    problems.push(`HTTP ${r.status()} ${r.request().method()} ${u}`);
});

let passed = 0, failed = 0, skipped = 0;
const timings = {};
async function test(name, fn, skipReason) {
    if (skipReason) { skipped++; console.log(`SKIP ${name}: ${skipReason}`); return; }
    problems = [];
    expected = [];
    try {
        await fn();
        await page.waitForTimeout(150);
        if (problems.length) throw new Error(problems.join('\n  '));
        passed++;
        console.log(`ok   ${name}`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}\n  ${String(e.message || e).split('\n').slice(0, 12).join('\n  ')}`);
    }
    await shot(name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
}
async function shot(name) {
    try { await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }); } catch { /* page gone */ }
}
// Polls a function in the page (page.waitForFunction would evaluate a string, which the UI's
// Content Security Policy forbids, and the policy stays on in these tests).
async function waitFor(fn, arg, timeout = 15000) {
    const end = Date.now() + timeout;
    for (;;) {
        if (await page.evaluate(fn, arg)) return;
        if (Date.now() > end) throw new Error('timed out waiting for ' + String(fn).slice(0, 160));
        await new Promise((r) => setTimeout(r, 40));
    }
}
function check(cond, msg) { if (!cond) throw new Error(msg); }
const api = async (method, path, data) => {
    const csrf = await page.evaluate(() => window.__csrf || null).catch(() => null);
    void csrf;
    const r = await context.request.fetch(BASE + '/api/v1' + path, { method, data, headers: data ? { 'Content-Type': 'application/json', 'X-CSRF-Token': token } : {} });
    return r.json();
};
let token = null;
async function login() {
    await page.fill('input[name=login]', LOGIN);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('#nav a');
    token = (await (await context.request.get(BASE + '/api/v1/session')).json()).csrf_token;
}
async function go(hash, selector) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    if (selector) await page.waitForSelector(selector);
    await waitFor(() => !document.querySelector('main .loading'), null, 15000);
}
const routes = async () => Object.keys((await (await context.request.get(BASE + '/api/v1/openapi.json')).json()).paths);

// ---------------------------------------------------------------------------------------------
await test('login: wrong password shows the message, then logs in', async () => {
    expected.push([401, '/api/v1/session']);
    await page.goto(BASE + '/');
    await page.waitForSelector('form.login');
    check(await page.isVisible('details.hint'), 'first-run hint missing');
    await page.fill('input[name=login]', LOGIN);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('.field-error');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('#nav a');
    token = (await (await context.request.get(BASE + '/api/v1/session')).json()).csrf_token;
});

await test('dashboard: charts and figures, usable within the limit', async () => {
    const t0 = Date.now();
    await page.goto(BASE + '/#/dashboard');
    await page.waitForSelector('.tile');
    await waitFor(() => document.querySelectorAll('.chart canvas').length >= 5 && !document.querySelector('main .grid > .card .loading:not(:last-child)'));
    timings.dashboard_usable_ms = Date.now() - t0;
    const tiles = await page.$$eval('.tile-value', (els) => els.map((e) => e.textContent));
    check(tiles.some((x) => /^¥[\d,]+$/.test(x)), 'revenue tile not formatted as ¥1,234: ' + tiles.join(' | '));
    await waitFor(() => ![...document.querySelectorAll('main .card .loading')].length, null, 20000);
});

await test('customers: search by kana (half-width folds to full-width)', async () => {
    const t0 = Date.now();
    await go('#/customers', '.tabulator-row');
    timings.customers_usable_ms = Date.now() - t0;
    const first = await api('GET', '/customers?limit=1&search=%E3%82%B5%E3%83%88%E3%82%A6'); // サトウ
    check(first.items.length, 'no サトウ in the demo data');
    await page.fill('input[name=q]', 'ｻﾄｳ');
    await page.press('input[name=q]', 'Enter');
    await waitFor(() => [...document.querySelectorAll('.tabulator-row .kana')].length > 0 &&
        [...document.querySelectorAll('.tabulator-row .kana')].every((e) => e.textContent.includes('サトウ')));
    check((await page.textContent('.status')).length > 0, 'no page status');
    // state / stage / RFM badges from the server's analytics
    const badges = await page.$$eval('.tabulator-row .badges', (els) => els.map((e) => e.textContent));
    check(badges.length && badges.every((b) => /生きた客|眠った客|死んだ客|見込み客|失注/.test(b)), 'state badges missing: ' + badges.slice(0, 3).join(' | '));
    check(badges.some((b) => /RFM [1-5]{3}/.test(b)), 'RFM badges missing: ' + badges.slice(0, 3).join(' | '));
});

let code = null;
await test('customer: open the timeline', async () => {
    code = await page.textContent('.tabulator-row a');
    await page.click('.tabulator-row a');
    await page.waitForSelector('.timeline li');
    check((await page.$$('.timeline li')).length > 0, 'empty timeline');
    check((await page.textContent('h1')).length > 1, 'no name');
    await page.waitForSelector('.value-none');
    check(/生きた客|眠った客|死んだ客|見込み客|失注/.test(await page.textContent('.cust-head')), 'state badge missing in the header');
});

await test('customer: record a contact (text with markup stays text)', async () => {
    const subject = '<script>window.__x=1</script>電話フォロー ' + Date.now();
    await page.selectOption('form[data-form=contact] select[name=channel]', 'phone');
    await page.fill('form[data-form=contact] input[name=subject]', subject);
    await page.fill('form[data-form=contact] input[name=outcome]', '来週来店');
    await page.click('form[data-form=contact] button[type=submit]');
    await waitFor((s) => [...document.querySelectorAll('.timeline li')].some((li) => li.textContent.includes(s)), subject);
    check(!(await page.evaluate(() => window.__x)), 'markup in a subject was executed');
    check(!(await page.$('.timeline script')), 'a script element was created from data');
});

await test('customer: record a cause for sleeping/dead', async () => {
    await page.click('button.open-cause');
    await page.waitForSelector('form[data-form=cause] select[name=cause]');
    const opt = await page.$$eval('form[data-form=cause] select[name=cause] option', (os) => os.map((o) => o.value).filter(Boolean));
    check(opt.length, 'no causes offered');
    await page.selectOption('form[data-form=cause] select[name=cause]', opt[0]);
    await page.fill('form[data-form=cause] textarea[name=cause_note]', '引っ越しされた');
    await page.click('form[data-form=cause] button[type=submit]');
    await waitFor(() => document.querySelector('.cust-head .b-cause'));
    const stored = await api('GET', '/customers/' + encodeURIComponent(code));
    check(stored.cause === opt[0] && stored.cause_note === '引っ越しされた', 'cause not stored: ' + JSON.stringify(stored).slice(0, 200));
});

await test('deal: lose with a reason, then see it under lost deals', async () => {
    expected.push([400, '/lose']);
    const open = await api('GET', '/deals?stage=open&limit=1');
    check(open.items.length, 'no open deal in the demo data');
    const d = open.items[0];
    await go('#/customers/' + encodeURIComponent(d.customer_code), '.deal-actions');
    const row = page.locator('tr', { has: page.locator('.deal-actions') }).first();
    await row.locator('button.danger').click();
    await page.click('form.lose button[type=submit]'); // no reason: the server's message
    await page.waitForSelector('form.lose .field-error');
    const reasons = await api('GET', '/lists/lost_reasons');
    const reason = reasons.items[0];
    const note = '予算が来期まで取れない ' + Date.now();
    await page.selectOption('form.lose select[name=reason]', reason.code);
    await page.fill('form.lose textarea[name=note]', note);
    await page.click('form.lose button[type=submit]');
    await waitFor(() => !document.querySelector('form.lose'));
    await go('#/lost?reason=' + reason.code, 'table.data');
    await waitFor((n) => document.body.textContent.includes(n), note);
});

const paths = await routes();
const today = () => { const d = new Date(); const p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; };

await test('segments: build one, see its live count, export it', async () => {
    expected.push([400, '/segments/check']); // the half-typed filter while the value is typed
    await go('#/segments', '.builder-row');
    await page.selectOption('.builder-row select[name=b_field]', 'state');
    await page.fill('.builder-row input[name=b_value]', 'sleeping');
    check((await page.inputValue('textarea[name=filter_text]')) === 'state = sleeping', 'builder text');
    await page.waitForSelector('.status.check.ok');
    // a second row: revenue >= 1000
    await page.click('text=条件を追加');
    const row2 = page.locator('.builder-row').nth(1);
    await row2.locator('select[name=b_field]').selectOption('revenue');
    await row2.locator('select[name=b_op]').selectOption('>=');
    await row2.locator('input[name=b_value]').fill('1000');
    check((await page.inputValue('textarea[name=filter_text]')) === 'state = sleeping and revenue >= 1000', 'two-row builder text');
    // a wrong text filter: the server's message
    await page.fill('textarea[name=filter_text]', 'state = sleepin');
    await page.waitForSelector('.status.check.bad');
    check((await page.textContent('.status.check.bad')).includes('sleeping'), 'no server message for a bad filter');
    await page.fill('textarea[name=filter_text]', 'state = sleeping and revenue >= 1000');
    await page.waitForSelector('.status.check.ok');
    const name = 'sleeping-test-' + Date.now();
    await page.fill('form[data-form=segment] input[name=name]', name);
    await page.click('form[data-form=segment] button[type=submit]');
    const sel = `tr[data-name="${name}"]`;
    await page.waitForSelector(sel);
    await waitFor((s) => /\d/.test(document.querySelector(s + ' output.count')?.textContent || ''), sel);
    const shown = Number((await page.textContent(sel + ' output.count')).replace(/[^\d]/g, ''));
    const count = (await api('GET', `/segments/${encodeURIComponent(name)}/count`)).members;
    check(shown === count && count > 0, `count shown ${shown}, server ${count}`);
    await page.click(sel + ' button:has-text("メンバー")');
    await page.waitForSelector('tr.detail table.data');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(sel + ' a:has-text("出力")')]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    check(csv[0].startsWith('code,state') && csv.length - 1 === count, `export has ${csv.length - 1} rows, count ${count}`);
    check(csv.slice(1).every((l) => l.includes(',sleeping,')), 'export has non-sleeping rows');
}, paths.includes('/api/v1/segments/check') ? null : 'the server has no /api/v1/segments/check yet');

await test('playbooks: create one with steps (template preview, server checks)', async () => {
    expected.push([400, '/api/v1/playbooks']);
    await go('#/playbooks', 'form.playbook');
    const name = 'pb-test-' + Date.now();
    await page.fill('form.playbook input[name=name]', name);
    await page.selectOption('form.playbook select[name=trigger]', 'became_sleeping');
    const s1 = page.locator('li.pb-step').nth(0);
    await s1.locator('input[name=offset_days]').fill('3');
    await s1.locator('select[name=channel]').selectOption('phone');
    await s1.locator('input[name=subject]').fill('{{nmae}}様へのお電話');
    await s1.locator('textarea[name=body]').fill('最後のご購入は{{last_purchase}}。');
    await page.click('form.playbook button[type=submit]');
    await page.waitForSelector('li.pb-step .field-error');
    check((await page.textContent('li.pb-step .field-error')).includes('nmae'), 'the unknown placeholder is not named next to the step');
    await s1.locator('input[name=subject]').fill('{{name}}様へのお電話');
    await s1.locator('details.preview summary').click();
    check((await s1.locator('.tpl-preview').textContent()).includes('山田 花子様へのお電話'), 'template preview');
    await page.click('text=手順を追加');
    const s2 = page.locator('li.pb-step').nth(1);
    await s2.locator('input[name=offset_days]').fill('10');
    await s2.locator('select[name=channel]').selectOption('email');
    await s2.locator('input[name=subject]').fill('{{business}}からのお知らせ');
    await s2.locator('textarea[name=body]').fill('{{name}}様\nお元気ですか。');
    await page.click('form.playbook button[type=submit]');
    const sel = `tr[data-name="${name}"]`;
    await page.waitForSelector(sel);
    check((await page.$$(sel + ' ol.pb-steps li')).length === 2, 'the new playbook does not list two steps');
    const pb = await api('GET', '/playbooks/' + name);
    check(pb.steps.length === 2 && pb.steps[0].offset_days === 3 && pb.steps[1].channel === 'email' && pb.trigger_kind === 'became_sleeping',
        'stored playbook differs: ' + JSON.stringify(pb).slice(0, 300));
});

await test('tasks: complete one with an outcome in two clicks', async () => {
    const cust = (await api('GET', '/customers?limit=1')).items[0].code;
    const title = '電話で近況を伺う ' + Date.now();
    const task = await api('POST', '/tasks', { title, customer_code: cust, assignee: LOGIN, channel: 'phone', due_on: today() });
    check(task.id, 'task not created: ' + JSON.stringify(task));
    await go('#/tasks?view=today&assignee=me', `tr[data-task="${task.id}"]`);
    check((await page.textContent(`tr[data-task="${task.id}"]`)).includes(title), 'task title not shown');
    await page.selectOption(`tr[data-task="${task.id}"] select[name=outcome]`, 'interested');
    await page.click(`tr[data-task="${task.id}"] button.primary`);
    await waitFor((id) => !document.querySelector(`tr[data-task="${id}"]`) && !document.querySelector('main .loading'), task.id);
    const done = await api('GET', '/tasks/' + task.id);
    check(done.status === 'done' && done.outcome === 'interested', 'task not completed: ' + JSON.stringify(done).slice(0, 200));
});

await test('import wizard: a CP932 CSV is detected, mapped, dry-run and imported', async () => {
    await go('#/import', 'input[type=file]');
    await page.selectOption('form[data-form=import] select[name=kind]', 'customers');
    await page.setInputFiles('input[type=file]', process.env.OKAERI_CP932);
    await page.waitForSelector('.detected');
    check((await page.getAttribute('.detected', 'data-encoding')) === 'cp932', 'encoding not detected as CP932');
    const text = await page.textContent('main table');
    check(text.includes('顧客ID') && text.includes('髙橋　①郎'), 'CP932 preview wrong: ' + text.slice(0, 200));
    await page.waitForSelector('dl.counts[data-dry-run=true]');
    const mapped = await page.$$eval('table.mapping select', (els) => els.map((e) => e.options[e.selectedIndex].textContent));
    check(mapped[0].includes('code') && mapped[1].includes('name') && mapped[2].includes('name_kana') && mapped[3].includes('phone'),
        'column mapping: ' + mapped.join(' | '));
    check((await page.textContent('dl.counts dd[data-count=created]')) === '2', 'dry run does not count 2 new customers');
    check(!(await api('GET', '/customers?search=CP-0001')).items.length, 'the dry run wrote');
    await page.click('button.commit');
    await page.waitForSelector('.result dl.counts[data-dry-run=false]');
    // the new customers are in the list (the search matches a code exactly)
    for (const [c, n] of [['CP-0001', '髙橋　①郎'], ['CP-0002', '渡邊　花子']]) {
        await go('#/customers?q=' + c, '.tabulator-row');
        await waitFor((x) => document.querySelectorAll('.tabulator-row').length === 1 &&
            document.querySelector('.tabulator-row').textContent.includes(x), n);
    }
});

await test('import wizard: bad rows are listed with the server message, nothing written', async () => {
    expected.push([422, '/api/v1/imports']);
    await go('#/import', 'input[type=file]');
    await page.setInputFiles('input[type=file]', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('code,name,phone\r\nBAD-1,悪い 行,電話なし\r\nBAD-2,良い 行,03-1111-2222\r\n') });
    await page.waitForSelector('.row-errors');
    const msg = await page.textContent('.row-errors');
    check(msg.includes('line 2') && msg.includes('phone'), 'row error not shown: ' + msg.slice(0, 200));
    check(!(await page.$('button.commit')), 'commit offered although rows are bad');
    await page.check('form[data-form=import] input[name=on_error]');
    await page.waitForSelector('button.commit');
    check((await page.textContent('dl.counts dd[data-count=rejected]')) === '1', 'skip: one row rejected');
});

await test('export: customers as CP932 for Excel', async () => {
    await go('#/import', 'form[data-form=export]');
    await page.selectOption('form[data-form=export] select[name=kind]', 'customers');
    await page.selectOption('form[data-form=export] select[name=encoding]', 'cp932');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('form[data-form=export] button[type=submit]')]);
    const text = new TextDecoder('shift_jis').decode(readFileSync(await download.path()));
    check(text.startsWith('code,name,') && text.includes('髙橋　①郎'), 'CP932 export: ' + text.slice(0, 100));
});

await test('value model: P(alive) and CLV on the customer page, at-risk list on the dashboard', async () => {
    check((await api('POST', '/clv/fit', { model: 'bgnbd' })).fit_id, 'bgnbd fit failed');
    check((await api('POST', '/clv/fit', { model: 'gamma-gamma' })).fit_id, 'gamma-gamma fit failed');
    const buyer = (await api('GET', '/at-risk?limit=1')).items[0];
    check(buyer && buyer.p_alive !== null, 'no at-risk customer with P(alive)');
    await go('#/customers/' + encodeURIComponent(buyer.code), 'dl.value');
    const p = Number(await page.getAttribute('dl.value', 'data-p-alive'));
    check(Math.abs(p - buyer.p_alive) < 1e-3, `P(alive) ${p} vs ${buyer.p_alive}`);
    check((await page.textContent('dl.value')).includes('¥'), 'CLV not shown as money');
    check((await page.textContent('p.explain')).includes('BGNBD'), 'no explanation');
    await go('#/dashboard', '.tile');
    await waitFor(() => [...document.querySelectorAll('.card')].some((c) => c.textContent.includes('P(alive)') && c.querySelector('table.data')));
});

await test('session expiry: back to login, typed text kept', async () => {
    expected.push([401, '/api/v1/']);
    await go('#/customers/' + encodeURIComponent(code), 'form[data-form=contact]');
    await page.fill('form[data-form=contact] input[name=subject]', '下書きが残ること');
    await context.clearCookies();
    await page.click('form[data-form=contact] button[type=submit]');
    await page.waitForSelector('form.login .notice');
    await login();
    await page.waitForSelector('form[data-form=contact]');
    await waitFor(() => document.querySelector('form[data-form=contact] input[name=subject]').value === '下書きが残ること');
});

await test('escaping: a customer named <script> shows as text', async () => {
    const name = '<img src=x onerror="window.__y=1"><script>window.__y=2</script>';
    const c = 'XSS-' + Date.now();
    await context.request.post(BASE + '/api/v1/customers', { data: { code: c, name, name_kana: 'エスケープ' }, headers: { 'X-CSRF-Token': token } });
    await go('#/customers/' + c, '.timeline, .empty');
    check((await page.textContent('h1')).includes('<script>'), 'name not shown as text');
    check(!(await page.evaluate(() => window.__y)), 'markup in a name was executed');
});

await test('every page renders (screenshots)', async () => {
    for (const [hash, sel] of [['#/inventory', 'table.data'], ['#/inventory?state=dead', 'table.data'], ['#/lost', 'canvas'],
        ['#/reports?name=rfm', 'table.heatmap'], ['#/reports?name=cohorts', 'table.heatmap'],
        ['#/reports?name=transitions', 'table.heatmap'], ['#/reports?name=kpis', 'table.data'], ['#/reports?name=planning', 'output.result'],
        ['#/tasks', '.page'], ['#/playbooks', 'form.playbook'], ['#/segments', '.builder-row'], ['#/import', 'form[data-form=export]'],
        ['#/dashboard', '.tile'], ['#/customers', '.tabulator-row'], ['#/settings', 'form'], ['#/settings?tab=users', 'table.data'],
        ['#/settings?tab=tokens', 'form'], ['#/settings?tab=business', 'form.setting'], ['#/settings?tab=lists', 'table.data'],
        ['#/settings?tab=audit', 'table.data'], ['#/customers/new', 'form[data-form=new]']]) {
        await go(hash, sel);
        await shot('page-' + hash.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, ''));
    }
    await go('#/reports?name=planning', 'output.result');
    await waitFor(() => document.querySelector('.ratio').textContent.includes('3.00'));
});

await test('keyboard: the customer list is reachable and usable without a mouse', async () => {
    await go('#/customers', '.tabulator-row');
    await page.focus('input[name=q]');
    await page.keyboard.type('サトウ');
    await page.keyboard.press('Enter');
    await waitFor(() => [...document.querySelectorAll('.tabulator-row .kana')].every((e) => e.textContent.includes('サトウ')));
});

await test('tablet: the menu collapses and opens', async () => {
    await page.setViewportSize({ width: 800, height: 1100 });
    await go('#/dashboard', '.tile');
    check(!(await page.isVisible('#nav a')), 'nav not collapsed on a tablet');
    await page.click('#menu-toggle');
    check(await page.isVisible('#nav a'), 'menu does not open');
    await shot('tablet-dashboard');
    await page.setViewportSize({ width: 1280, height: 900 });
});

await test('language: switch to English and back', async () => {
    await go('#/customers', '.tabulator-row');
    await page.selectOption('#lang', 'en');
    await waitFor(() => document.querySelector('#nav').textContent.includes('Customers') && document.documentElement.lang === 'en');
    await page.waitForSelector('.tabulator-row');
    await shot('customers-en');
    await page.selectOption('#lang', 'ja');
    await waitFor(() => document.querySelector('#nav').textContent.includes('顧客'));
});

await test('logout', async () => {
    await page.click('#logout');
    await page.waitForSelector('form.login');
});

for (const [k, v] of Object.entries(timings)) console.log(`ui_${k} ${v}`);
await context.close();
console.log(`browser: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
