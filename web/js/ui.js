// ui.js - the pieces pages are built from: cards, forms with server-side errors, sortable tables,
// charts, loading / empty / "waiting for the server" states.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { money, num, pct, date } from './fmt.js';

export function page(title, ...children) {
    return h('section.page', title ? h('h1', title) : null, ...children);
}

export function card(title, ...children) {
    return h('section.card', title ? h('h2', title) : null, ...children);
}

export function loading() { return h('p.loading', { role: 'status' }, t('loading')); }
export function empty(msg) { return h('p.empty', msg || t('empty')); }
export function errorBox(err) { return h('p.error', { role: 'alert' }, err.message || String(err)); }

// A feature whose endpoint the server does not have yet.
export function waiting(what, endpoint) {
    return h('div.waiting', { role: 'note' },
        h('strong', t('waiting.title')), ' ', t('waiting.body', { what }), ' ',
        h('code', endpoint));
}

// Fills el with the result of an async builder, with a loading state and errors shown.
export async function fill(el, build) {
    clear(el).append(loading());
    try {
        const content = await build();
        clear(el);
        if (content) el.append(...[].concat(content));
    } catch (e) {
        if (e.status === 401) return;
        clear(el).append(errorBox(e));
    }
}

// One labelled field. type: text, number, date, select (options [[value,label]]), textarea, checkbox.
export function field(name, labelText, opts = {}) {
    const id = 'f-' + name + '-' + Math.random().toString(36).slice(2, 7);
    let input;
    if (opts.type === 'select') {
        input = h('select', { name, id, required: opts.required },
            (opts.options || []).map(([v, l]) => h('option', { value: v }, l)));
        if (opts.value !== undefined && opts.value !== null) input.value = opts.value;
    } else if (opts.type === 'textarea') {
        input = h('textarea', { name, id, rows: opts.rows || 3, placeholder: opts.placeholder }, opts.value ?? '');
    } else if (opts.type === 'checkbox') {
        input = h('input', { type: 'checkbox', name, id });
        input.checked = !!opts.value;
        return h('div.field.check', input, h('label', { for: id }, labelText));
    } else {
        input = h('input', {
            type: opts.type || 'text', name, id, value: opts.value ?? '', required: opts.required,
            placeholder: opts.placeholder, autocomplete: opts.autocomplete || 'off',
            inputmode: opts.inputmode, min: opts.min, max: opts.max, step: opts.step,
        });
    }
    return h('div.field', h('label', { for: id }, labelText, opts.required ? h('span.req', ' *') : null), input,
        opts.help ? h('small.help', opts.help) : null);
}

export function formValues(form) {
    const out = {};
    for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
        if (el.type === 'checkbox') out[el.name] = el.checked;
        else out[el.name] = el.value;
    }
    return out;
}

// Columns: {key, label, fmt: 'money'|'int'|'pct'|'date'|fn(row)→node|string, sort: bool}.
export function table(columns, rows, opts = {}) {
    if (!rows.length) return empty(opts.empty);
    let sortKey = null, sortDir = 1;
    const tbody = h('tbody');
    const render = () => {
        clear(tbody);
        let r = rows;
        if (sortKey) {
            r = [...rows].sort((a, b) => {
                const x = a[sortKey], y = b[sortKey];
                if (x === y) return 0;
                if (x === null || x === undefined) return 1;
                if (y === null || y === undefined) return -1;
                return (x < y ? -1 : 1) * sortDir;
            });
        }
        for (const row of r) {
            tbody.append(h('tr', opts.rowAttrs ? opts.rowAttrs(row) : null,
                columns.map((c) => h('td', { class: cellClass(c) }, cell(c, row)))));
        }
    };
    const head = h('tr', columns.map((c) => {
        if (c.sort === false || typeof c.fmt === 'function') return h('th', { scope: 'col', class: cellClass(c) }, c.label);
        const btn = h('button.sort', { type: 'button' }, c.label);
        const th = h('th', { scope: 'col', class: cellClass(c), 'aria-sort': 'none' }, btn);
        btn.addEventListener('click', () => {
            sortDir = sortKey === c.key ? -sortDir : 1;
            sortKey = c.key;
            head.querySelectorAll('th').forEach((x) => x.setAttribute('aria-sort', 'none'));
            th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
            render();
        });
        return th;
    }));
    render();
    return h('div.table-wrap', h('table.data', opts.caption ? h('caption', opts.caption) : null, h('thead', head), tbody));
}

function cellClass(c) {
    return ['money', 'int', 'pct', 'num'].includes(c.fmt) ? 'num' : null;
}

function cell(c, row) {
    const v = row[c.key];
    if (typeof c.fmt === 'function') return c.fmt(row);
    switch (c.fmt) {
    case 'money': return money(v);
    case 'int': return num(v);
    case 'num': return num(v, 2);
    case 'pct': return pct(v);
    case 'date': return date(v);
    case 'datetime': return date(v, true);
    default: return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
}

// A report table ({columns:[{name,type}], rows}) as a table, formatted by column type.
export function reportTable(rep, opts = {}) {
    const fmtOf = { money: 'money', int: 'int', percent: 'pct', date: 'date', double: 'num' };
    const cols = rep.columns.map((c) => ({ key: c.name, label: opts.labels?.[c.name] || t('col.' + c.name), fmt: fmtOf[c.type] }));
    return table(cols, rep.rows, opts);
}

const charts = new Set();
// A Chart.js chart in a canvas with a text alternative; destroyed when the page changes.
export function chart(config, alt) {
    const canvas = h('canvas', { role: 'img', 'aria-label': alt || '' });
    const box = h('div.chart', canvas);
    requestAnimationFrame(() => {
        if (!window.Chart || !canvas.isConnected) return;
        config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
        charts.add(new window.Chart(canvas, config));
    });
    return box;
}
export function destroyCharts() {
    for (const c of charts) c.destroy();
    charts.clear();
}

export const palette = ['#b5452f', '#2f6db5', '#3a8f5c', '#c9962b', '#7a4fb0', '#5f6b76', '#d0688f', '#2aa3a3'];

export function badge(text, kind) {
    return text ? h('span.badge', { class: kind ? 'b-' + kind : null }, text) : null;
}
