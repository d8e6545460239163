// security.test.mjs - stored XSS in the web UI, in a real browser (Debian's chromium, headless,
// no network), against the server tests/browser/run starts. Customers, deals, tasks and a
// segment whose names, codes, notes and tags are markup are created through the API; then every
// page that shows customers is visited: no dialog opens, no script of ours runs (window.__xss),
// no element is made from the data, the markup is visible as text, and the Content Security
// Policy is never even needed (a securitypolicyviolation would mean markup became HTML).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const BASE = process.env.OKAERI_URL;
const SHOTS = process.env.OKAERI_SHOTS;
const profile = process.env.OKAERI_PROFILE + '-security';
mkdirSync(profile, { recursive: true });

const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 }, locale: 'ja-JP',
});
// Anything not on our server is refused: an <img src=//evil> made from data would show up here.
const offsite = [];
await context.route((url) => !url.href.startsWith(BASE), (r) => { offsite.push(r.request().url()); r.abort(); });
// Runs before the page's own scripts (through the DevTools protocol, not subject to the CSP):
// records every policy violation the page reports.
await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
    });
});
const page = await context.newPage();

let problems = [];
page.on('dialog', (d) => { problems.push('dialog opened: ' + d.type() + ' ' + d.message()); d.dismiss(); });
page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return; // judged by status below
    problems.push('console: ' + m.text());
});
page.on('pageerror', (e) => problems.push('exception: ' + e.message));
page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText || '';
    if (f.includes('ERR_ABORTED') && r.url().startsWith(BASE) && r.resourceType() === 'document') return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${f}`);
});

page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
});

let passed = 0, failed = 0;
async function test(name, fn) {
    problems = [];
    try {
        await fn();
        await page.waitForTimeout(200);
        const csp = await page.evaluate(() => window.__csp || []);
        if (csp.length) problems.push('CSP violations (markup became HTML): ' + csp.join(' | '));
        if (await page.evaluate(() => window.__xss)) problems.push('a script from the data ran (window.__xss)');
        if (offsite.length) problems.push('off-site requests: ' + offsite.join(' '));
        if (problems.length) throw new Error(problems.join('\n  '));
        passed++;
        console.log(`ok   ${name}`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}\n  ${String(e.message || e).split('\n').slice(0, 12).join('\n  ')}`);
    }
    const file = name.replace(run, '').replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase();
    try { await page.screenshot({ path: `${SHOTS}/security-${file}.png`, fullPage: true }); } catch { /* gone */ }
}
async function waitFor(fn, arg, timeout = 15000) {
    const end = Date.now() + timeout;
    for (;;) {
        if (await page.evaluate(fn, arg)) return;
        if (Date.now() > end) throw new Error('timed out waiting for ' + String(fn).slice(0, 200) + ' ' + JSON.stringify(arg ?? '').slice(0, 200));
        await new Promise((r) => setTimeout(r, 50));
    }
}
function check(cond, msg) { if (!cond) throw new Error(msg); }

// The payloads: each would run script (window.__xss, alert) if it became HTML.
const P = {
    script: '<script>window.__xss=1;alert(1)</script>',
    img: '<img src=x onerror="window.__xss=2;alert(2)">',
    svg: '"><svg onload="window.__xss=3;alert(3)">',
    attr: "' onmouseover='window.__xss=4' x='",
};
const run = Date.now().toString(36);
const customers = [
    { code: 'XSS-S-' + run, name: P.script, name_kana: 'エックスエスエス', company: P.svg, address: P.img, tags: 'xss,' + P.attr },
    { code: 'XSS-I-' + run, name: P.img, name_kana: 'エックスエスエス', company: P.script, tags: 'xss' },
    { code: 'XSS-V-' + run, name: P.svg, name_kana: 'エックスエスエス', company: P.attr, tags: 'xss' },
    // (no '/' in a code: the server decodes %2F before routing, so such a code has no URL)
    { code: '<b>XSS-C<b>' + run, name: P.attr + P.script, name_kana: 'エックスエスエス', tags: 'xss' },
];
const segName = 'xss ' + P.img.slice(0, 40) + run;

// Logs in through the form and creates the hostile records through the API (same session).
let csrf = null;
const api = async (method, path, data) => {
    const r = await context.request.fetch(BASE + '/api/v1' + path, {
        method, data, headers: data ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } : { 'X-CSRF-Token': csrf },
    });
    const body = await r.text();
    if (r.status() >= 400) throw new Error(`${method} ${path} -> ${r.status()} ${body.slice(0, 200)}`);
    return body ? JSON.parse(body) : null;
};
const day = (offset) => new Date(Date.now() + offset * 864e5).toISOString().slice(0, 10);
// Visible text of the main area (what a user reads), and elements that data must never create.
const mainText = () => document.querySelector('main')?.innerText || '';
const madeFromData = () => [...document.querySelectorAll('main script, main img[src="x"], main svg, main [onerror], main [onload], main [onmouseover], main b')]
    .filter((e) => !e.closest('.chart') && !(e.tagName === 'svg' && e.closest('button, .icon, nav'))).map((e) => e.outerHTML.slice(0, 80));
async function assertText(...texts) {
    await waitFor((ts) => ts.every((t) => (document.querySelector('main')?.innerText || '').includes(t)), texts);
    const made = await page.evaluate(madeFromData);
    check(!made.length, 'elements made from data: ' + made.join(' | '));
}
async function go(hash) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForTimeout(100);
    await waitFor(() => !document.querySelector('main .loading'), null, 20000);
}

await test('setup: log in, create hostile records through the API', async () => {
    await page.goto(BASE + '/');
    await page.waitForSelector('form.login');
    await page.fill('input[name=login]', process.env.OKAERI_LOGIN);
    await page.fill('input[name=password]', process.env.OKAERI_PASSWORD);
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('#nav a');
    csrf = (await (await context.request.get(BASE + '/api/v1/session')).json()).csrf_token;
    const reasons = (await api('GET', '/lists/lost_reasons')).items;
    for (const [i, c] of customers.entries()) {
        await api('POST', '/customers', c);
        // big, old purchases: sleeping, top of the inventory by revenue, at risk
        await api('POST', '/orders', { order_code: `XSS-O-${run}-${i}`, customer_code: c.code, ordered_at: day(-400 - i), amount: 900000000 });
        await api('POST', '/orders', { order_code: `XSS-P-${run}-${i}`, customer_code: c.code, ordered_at: day(-200 - i), amount: 900000000 });
        // 0 and 3 lose their deal (state lost, the lost-deals page); 1 and 2 keep theirs open
        // and stay sleeping (inventory, at risk on the dashboard)
        const d = await api('POST', '/deals', { customer_code: c.code, title: P.svg + ' deal', amount: 50000, opened_at: day(-30) });
        if (i === 0 || i === 3) await api('POST', `/deals/${d.id}/lose`, { reason: reasons[0].code, note: P.img + ' note', closed_on: day(-1) });
        await api('POST', '/tasks', { customer_code: c.code, title: P.script + ' task', body: P.img, due_on: day(0) });
        await api('POST', '/activities', { customer_code: c.code, channel: 'phone', subject: P.svg, body: P.script });
    }
    await api('POST', '/segments', { name: segName, filter: 'tag = xss' });
});

await test('customer list: names as text', async () => {
    await go('#/customers');
    await page.fill('input[name=q]', 'エックスエスエス');
    await page.press('input[name=q]', 'Enter');
    await waitFor(() => [...document.querySelectorAll('.tabulator-row')].length >= 4 &&
        [...document.querySelectorAll('.tabulator-row')].every((r) => r.innerText.includes('エックスエスエス')));
    await assertText(P.script, P.img, P.svg, customers[3].code);
});

for (const c of customers) {
    await test(`customer page ${c.code}: every field as text`, async () => {
        await go('#/customers/' + encodeURIComponent(c.code));
        await page.waitForSelector('h1');
        await assertText(c.name, c.code);
        check((await page.textContent('h1')).includes(c.name), 'h1 is not the name as text: ' + await page.textContent('h1'));
        await waitFor(() => document.querySelectorAll('.timeline li').length > 0);
        await assertText(P.svg + ' deal', P.script + ' task');
    });
}

await test('inventory (sleeping and lost, by revenue): codes as text', async () => {
    await go('#/inventory?state=sleeping');
    await assertText(customers[1].code, customers[2].code);
    await go('#/inventory?state=lost');
    await assertText(customers[0].code, customers[3].code);
});

await test('lost deals: titles and notes as text', async () => {
    await go('#/lost');
    await waitFor(() => document.querySelector('main table'));
    await go('#/lost?reason=' + encodeURIComponent((await (await context.request.get(BASE + '/api/v1/lists/lost_reasons')).json()).items[0].code));
    await assertText(P.svg + ' deal', P.img + ' note', customers[3].code);
});

await test('dashboard (at-risk customers): names as text', async () => {
    await go('#/dashboard');
    await waitFor(() => ![...document.querySelectorAll('main .card .loading')].length, null, 20000);
    const atRisk = (await (await context.request.get(BASE + '/api/v1/openapi.json')).json()).paths['/api/v1/at-risk'];
    if (atRisk) await assertText(customers[1].name, customers[2].name);
    else await assertText();
});

await test('segment members: the segment name and members as text', async () => {
    await go('#/segments');
    await assertText(segName);
    const row = page.locator('tr', { hasText: segName }).first();
    await row.locator('button', { hasText: /メンバー|members/i }).first().click();
    await waitFor(() => document.querySelector('tr.detail table'));
    await assertText(customers[0].code, customers[3].code);
});

await test('tasks: titles, bodies and codes as text', async () => {
    await go('#/tasks?view=all&assignee=-');
    await assertText(P.script + ' task', P.img, customers[3].code);
});

await test('audit log: before/after of the hostile records as text', async () => {
    await go('#/settings?tab=audit');
    await assertText();
});

await test('the policy itself: inline script is refused by the CSP', async () => {
    // A control that the listener works: inject an inline script node; CSP must block it.
    const ran = await page.evaluate(async () => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
        await new Promise((r) => setTimeout(r, 100));
        return window.__inline === 1;
    });
    check(!ran, 'an inline script ran: the CSP does not forbid inline script');
    const v = await page.evaluate(() => window.__csp.splice(0));
    check(v.some((x) => x.startsWith('script-src')), 'no securitypolicyviolation for the inline script: ' + v.join(' | '));
    problems = problems.filter((p) => !/Content Security Policy/.test(p));
});

await context.close();
console.log(`browser-security: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
