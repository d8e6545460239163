// reports.js - every report of the server (GET /reports), with pictures for the ones a manager
// reads at a glance: the RFM grid and the cohort retention as heat maps, lifecycle transitions as
// a matrix; KPIs with goals; and the planning calculator (target = leads × conversion × price).
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { money, pct, num, today } from '../fmt.js';
import { page, card, fill, reportTable, waiting, field } from '../ui.js';
import { go } from '../app.js';

export async function render(main, ctx) {
    const list = (await api.get('/reports')).items;
    const name = ctx.params.get('name') || 'rfm';
    const from = ctx.params.get('from') || '', to = ctx.params.get('to') || '';
    const sel = h('select', { name: 'report', 'aria-label': t('rep.choose') },
        list.map((r) => h('option', { value: r.name }, t('rep.' + r.name) + ' — ' + r.summary)), h('option', { value: 'planning' }, t('rep.planning')));
    sel.value = name;
    const def = list.find((r) => r.name === name);
    const range = def?.uses_range ? [h('label', t('from') + ' ', h('input', { type: 'date', name: 'from', value: from })), h('label', t('to') + ' ', h('input', { type: 'date', name: 'to', value: to }))] : [];
    const form = h('form.searchbar', { 'data-form': 'report' }, sel, range, h('button', { type: 'submit' }, t('rep.show')));
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const p = new URLSearchParams({ name: sel.value });
        form.querySelectorAll('input[type=date]').forEach((i) => i.value && p.set(i.name, i.value));
        go('#/reports?' + p);
    });
    sel.addEventListener('change', () => form.requestSubmit());
    const out = h('div');
    main.append(page(t('nav.reports'), form, out));
    if (name === 'planning') { out.append(card(t('rep.planning'), planning())); return; }
    if (name === 'clv') { out.append(card(t('rep.clv'), waiting(t('rep.clv'), 'GET /api/v1/reports/clv'))); return; }
    fill(out, async () => {
        const rep = await api.get('/reports/' + encodeURIComponent(name) + api.qs({ from, to }));
        const pics = { rfm: rfmHeat, cohorts: cohortHeat, transitions: transitionMatrix }[name];
        return [pics ? card(t('rep.' + name), pics(rep)) : null,
            card(rep.title, reportTable(rep), (rep.notes || []).map((n) => h('p.help', n))),
            list.some((r) => r.name === 'clv') ? null : h('p.help', waiting(t('rep.clv'), 'GET /api/v1/reports/clv'))];
    });
}

function heatColor(x) { // 0..1 → light to dark brick
    const a = Math.max(0, Math.min(1, x));
    return `rgba(181, 69, 47, ${0.08 + a * 0.85})`;
}

function heatCell(text, x, title) {
    const td = h('td.heat', { title }, text);
    td.style.backgroundColor = heatColor(x);
    if (x > 0.55) td.style.color = '#fff';
    return td;
}

function rfmHeat(rep) {
    const max = Math.max(...rep.rows.map((r) => r.customers), 1);
    const at = (r, f) => rep.rows.find((x) => x.r === r && x.f === f);
    return h('div.table-wrap', h('table.heatmap', h('caption', t('rep.rfm.caption')),
        h('thead', h('tr', h('th', 'R \\ F'), [1, 2, 3, 4, 5].map((f) => h('th', { scope: 'col' }, 'F' + f)))),
        h('tbody', [5, 4, 3, 2, 1].map((r) => h('tr', h('th', { scope: 'row' }, 'R' + r), [1, 2, 3, 4, 5].map((f) => {
            const c = at(r, f);
            return c ? heatCell([num(c.customers), h('small', c.segment_ja ? ' ' + t('seg.' + c.segment) : '')], c.customers / max, `${money(c.revenue)}`) : h('td', '');
        }))))));
}

function cohortHeat(rep) {
    const cohorts = [...new Set(rep.rows.map((r) => r.cohort))].slice(-24);
    const maxM = Math.min(24, Math.max(...rep.rows.map((r) => r.months_since)));
    const get = (c, m) => rep.rows.find((r) => r.cohort === c && r.months_since === m);
    const months = [...Array(maxM + 1).keys()];
    return h('div.table-wrap', h('table.heatmap.small', h('caption', t('rep.cohort.caption')),
        h('thead', h('tr', h('th', t('col.cohort')), h('th', t('col.customers')), months.map((m) => h('th', { scope: 'col' }, String(m))))),
        h('tbody', cohorts.map((c) => {
            const first = get(c, 0);
            return h('tr', h('th', { scope: 'row' }, c), h('td.num', num(first?.cohort_customers)),
                months.map((m) => { const x = get(c, m); return x ? heatCell(pct(x.retention, 0), x.retention, `${x.active_customers}/${x.cohort_customers}`) : h('td', ''); }));
        }))));
}

function transitionMatrix(rep) {
    const out = [];
    for (const kind of [...new Set(rep.rows.map((r) => r.kind))]) {
        const rows = rep.rows.filter((r) => r.kind === kind);
        const froms = [...new Set(rows.map((r) => r.from))], tos = [...new Set(rows.map((r) => r.to))];
        out.push(h('div.table-wrap', h('table.heatmap', h('caption', t('rep.trans.caption', { kind: t('col.' + kind) })),
            h('thead', h('tr', h('th', t('from') + ' \\ ' + t('to')), tos.map((x) => h('th', { scope: 'col' }, t('stage.' + x))))),
            h('tbody', froms.map((f) => h('tr', h('th', { scope: 'row' }, t('stage.' + f)), tos.map((to) => {
                const c = rows.find((r) => r.from === f && r.to === to);
                return c ? heatCell(`${pct(c.rate, 0)} (${num(c.customers)})`, c.rate, '') : h('td', '');
            })))))));
    }
    return out;
}

// Revenue target = leads × conversion rate × unit price, solved for the one left empty, with
// scenarios side by side ("conversion −2 points, target ×2 → leads ×3").
function planning() {
    const names = ['target', 'leads', 'conversion', 'price'];
    const mk = (i) => h('fieldset.scenario', h('legend', t('plan.scenario', { n: i + 1 })),
        field('target', t('plan.target'), { type: 'number', value: i === 0 ? 12000000 : 24000000, min: 0 }),
        field('leads', t('plan.leads'), { type: 'number', value: '', min: 0 }),
        field('conversion', t('plan.conversion'), { type: 'number', value: i === 0 ? 6 : 4, step: 0.1, min: 0 }),
        field('price', t('plan.price'), { type: 'number', value: 200000, min: 0 }),
        h('output.result', { 'aria-live': 'polite' }));
    const sc = [mk(0), mk(1)];
    const calc = () => {
        const res = sc.map((s) => {
            const v = Object.fromEntries(names.map((n) => [n, s.querySelector(`[name=${n}]`).value]));
            const blank = names.filter((n) => v[n] === '');
            const x = Object.fromEntries(names.map((n) => [n, Number(v[n])]));
            const out = s.querySelector('output');
            if (blank.length !== 1) { out.textContent = t('plan.oneblank'); return null; }
            const c = x.conversion / 100;
            let val;
            switch (blank[0]) {
            case 'target': val = x.leads * c * x.price; out.textContent = t('plan.target') + ': ' + money(val); break;
            case 'leads': val = x.target / (c * x.price); out.textContent = t('plan.leads') + ': ' + num(Math.ceil(val)); break;
            case 'conversion': val = x.target / (x.leads * x.price); out.textContent = t('plan.conversion') + ': ' + pct(val); break;
            default: val = x.target / (x.leads * c); out.textContent = t('plan.price') + ': ' + money(val);
            }
            if (!isFinite(val)) out.textContent = t('plan.invalid');
            return { which: blank[0], val };
        });
        if (res[0] && res[1] && res[0].which === res[1].which && res[0].val > 0 && isFinite(res[1].val))
            ratio.textContent = t('plan.ratio', { what: t('plan.' + res[0].which), x: (res[1].val / res[0].val).toFixed(2) });
        else ratio.textContent = '';
    };
    const ratio = h('p.ratio', { 'aria-live': 'polite' });
    const form = h('form.planning', { 'data-form': 'planning' }, h('p.help', t('plan.help')), h('div.scenarios', sc), ratio);
    form.addEventListener('input', calc);
    form.addEventListener('submit', (e) => e.preventDefault());
    requestAnimationFrame(calc);
    void today; void clear;
    return form;
}
