// dashboard.js - the manager's view: customers by state and stage, revenue from existing vs new
// customers, the retention curve, today's follow-ups, at-risk valuable customers, goals, and
// lost deals by reason.
import { h } from '../dom.js';
import { t, getLang } from '../i18n.js';
import * as api from '../api.js';
import { money, pct, num, date } from '../fmt.js';
import { page, card, chart, fill, empty, waiting, table, palette, errorBox } from '../ui.js';

const STATE_COLORS = { prospect: '#9aa5b1', active: '#3a8f5c', sleeping: '#c9962b', dead: '#5f6b76', lost: '#b5452f' };

export async function render(main) {
    const kpiRow = h('div.tiles', { 'aria-label': t('dash.kpis') });
    const states = h('div'), stages = h('div'), revenue = h('div'), retention = h('div'),
        lost = h('div'), goals = h('div'), follow = h('div'), risk = h('div');
    main.append(page(t('nav.dashboard'), kpiRow,
        h('div.grid',
            card(t('dash.states'), states), card(t('dash.stages'), stages),
            card(t('dash.revenue'), revenue), card(t('dash.retention'), retention),
            card(t('dash.followups'), follow), card(t('dash.atrisk'), risk),
            card(t('dash.goals'), goals), card(t('dash.lost'), lost))));
    const rep = (name, q = '') => api.get('/reports/' + name + q);
    const summaryP = rep('summary'), kpisP = rep('kpis'), cohortsP = rep('cohorts'),
        lostP = rep('lost-reasons'), reasonsP = api.get('/lists/lost_reasons');
    const lbl = (row) => (getLang() === 'en' ? t('state.' + row.name) : row.label_ja || row.name);

    await Promise.all([
        fill(states, async () => {
            const s = (await summaryP).rows.filter((r) => r.section === 'state');
            return [chart({ type: 'doughnut', data: { labels: s.map(lbl), datasets: [{ data: s.map((r) => r.customers), backgroundColor: s.map((r) => STATE_COLORS[r.name] || '#888') }] } },
                s.map((r) => `${lbl(r)} ${r.customers}`).join(', ')),
            h('p.legend', s.map((r) => h('a.chip', { href: '#/inventory?state=' + encodeURIComponent(r.name) }, `${lbl(r)} ${num(r.customers)}`)))];
        }),
        fill(stages, async () => {
            const s = (await summaryP).rows.filter((r) => r.section === 'stage');
            return chart({ type: 'bar', data: { labels: s.map((r) => (getLang() === 'en' ? t('stage.' + r.name) : r.label_ja)), datasets: [{ label: t('col.customers'), data: s.map((r) => r.customers), backgroundColor: palette[1] }] },
                options: { plugins: { legend: { display: false } } } }, s.map((r) => `${r.name} ${r.customers}`).join(', '));
        }),
        fill(revenue, async () => {
            const k = Object.fromEntries((await kpisP).rows.map((r) => [r.kpi, r]));
            kpiRow.append(
                tile(t('kpi.revenue'), money(k.revenue?.money)),
                tile(t('kpi.existing_share'), pct(k.existing_revenue_share?.ratio)),
                tile(t('kpi.repeat_rate'), pct(k.repeat_rate?.ratio)),
                tile(t('kpi.churn_rate'), pct(k.churn_rate?.ratio)),
                tile(t('kpi.new_customers'), num(k.new_customers?.count)),
                tile(t('kpi.reactivation_rate'), pct(k.reactivation_rate?.ratio)));
            const ex = k.revenue_existing?.money || 0, nw = k.revenue_new?.money || 0;
            return [chart({ type: 'doughnut', data: { labels: [t('dash.existing'), t('dash.new')], datasets: [{ data: [ex, nw], backgroundColor: [palette[0], palette[1]] }] } },
                `${t('dash.existing')} ${money(ex)}, ${t('dash.new')} ${money(nw)}`),
            h('p.legend', `${t('dash.existing')} ${money(ex)} / ${t('dash.new')} ${money(nw)}`)];
        }),
        fill(retention, async () => {
            const rows = (await cohortsP).rows;
            const by = new Map();
            for (const r of rows) {
                const a = by.get(r.months_since) || { n: 0, act: 0 };
                a.n += r.cohort_customers; a.act += r.active_customers;
                by.set(r.months_since, a);
            }
            const ms = [...by.keys()].sort((a, b) => a - b).filter((m) => by.get(m).n >= 20);
            if (!ms.length) return empty(t('dash.nodata'));
            return chart({ type: 'line', data: { labels: ms.map((m) => t('dash.month', { m })), datasets: [{ label: t('dash.retention'), data: ms.map((m) => by.get(m).act / by.get(m).n * 100), borderColor: palette[2], tension: 0.2 }] },
                options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + '%' } } }, plugins: { legend: { display: false } } } }, t('dash.retention'));
        }),
        fill(lost, async () => {
            const [r, reasons] = await Promise.all([lostP, reasonsP]);
            const names = Object.fromEntries(reasons.items.map((x) => [x.code, getLang() === 'en' ? x.label_en || x.label_ja : x.label_ja]));
            if (!r.rows.length) return empty(t('lost.none'));
            return [chart({ type: 'bar', data: { labels: r.rows.map((x) => names[x.reason] || x.reason), datasets: [
                { label: t('col.lost_deals'), data: r.rows.map((x) => x.lost_deals), backgroundColor: palette[0] },
                { label: t('col.reactivated'), data: r.rows.map((x) => x.reactivated), backgroundColor: palette[2] }] } },
                r.rows.map((x) => `${names[x.reason] || x.reason} ${x.lost_deals}`).join(', ')),
            h('p', h('a', { href: '#/lost' }, t('dash.lostmore')))];
        }),
        fill(goals, async () => {
            const rows = (await kpisP).rows.filter((r) => r.target !== null && r.target !== undefined);
            if (!rows.length) return [empty(t('dash.nogoals')), api.has('GET', '/goals') ? null : waiting(t('dash.goals'), 'GET /api/v1/goals')];
            return h('ul.goals', rows.map((r) => h('li', h('span', t('kpi.' + r.kpi)), h('progress', { max: 1, value: Math.min(1, r.progress || 0) }), h('span', pct(r.progress)))));
        }),
        fill(follow, () => followups()),
        fill(risk, () => atRisk()),
    ]);
}

function tile(label, value) {
    return h('div.tile', h('div.tile-label', label), h('div.tile-value', value || '—'));
}

async function followups() {
    if (!api.has('GET', '/tasks')) {
        const open = await api.get('/deals?stage=open&limit=8');
        return [waiting(t('dash.followups'), 'GET /api/v1/tasks'), h('h3', t('dash.opendeals')),
            table([{ key: 'customer_code', label: t('col.code'), fmt: (r) => h('a', { href: '#/customers/' + encodeURIComponent(r.customer_code) }, r.customer_code) },
                { key: 'title', label: t('col.title') }, { key: 'amount', label: t('col.amount'), fmt: 'money' }, { key: 'owner', label: t('col.owner') }], open.items, { empty: t('dash.nodeals') })];
    }
    const tasks = await api.get('/tasks?view=actionable&assignee=me&status=open&limit=20');
    return table([{ key: 'due_on', label: t('col.due'), fmt: 'date' }, { key: 'customer_code', label: t('col.code'), fmt: (r) => h('a', { href: '#/customers/' + encodeURIComponent(r.customer_code || '') }, r.customer_code || '') },
        { key: 'title', label: t('col.title') }, { key: 'channel', label: t('col.channel') }], tasks.items, { empty: t('tasks.none') });
}

// High value, no longer buying: GET /at-risk (sleeping customers by revenue; with a value model
// by revenue x (1 - P(alive)), the revenue at stake).
async function atRisk() {
    if (!api.has('GET', '/at-risk')) return waiting(t('dash.atrisk'), 'GET /api/v1/at-risk');
    const r = await api.get('/at-risk?limit=10');
    const cols = [{ key: 'code', label: t('col.customer'), fmt: (x) => h('a', { href: '#/customers/' + encodeURIComponent(x.code) }, x.name || x.code) },
        { key: 'revenue', label: t('col.revenue'), fmt: 'money' }, { key: 'last_purchase', label: t('col.last_purchase'), fmt: 'date' }];
    if (r.model) cols.push({ key: 'p_alive', label: 'P(alive)', fmt: 'pct' }, { key: 'at_stake', label: t('col.at_stake'), fmt: 'money' });
    cols.push({ key: 'owner', label: t('col.owner'), fmt: (x) => x.owner || t('cust.team') });
    return [h('p.help', t(r.model ? 'dash.atrisk.help.model' : 'dash.atrisk.help')), table(cols, r.items, { empty: t('dash.norisk') })];
}
