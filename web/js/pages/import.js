// import.js - the import wizard and export. 1: pick the kind and a CSV/TSV/XLSX file; 2: the
// detected encoding (UTF-8, UTF-8 with BOM, CP932) and the file's first rows, and which field
// each column goes to (the server's automatic choice, which the user can override); 3: a dry
// run on the server (POST /imports?dry_run=true: everything is done and rolled back) with its
// counts and row errors; 4: commit. Export downloads any kind as CSV (UTF-8, UTF-8 with BOM or
// CP932 for Excel) or XLSX.
import { h, clear, toast } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, table, field, formValues, empty } from '../ui.js';
import { num } from '../fmt.js';

// Canonical fields per kind (src/io/columns.c), for overriding the automatic column mapping.
export const KIND_FIELDS = {
    customers: ['code', 'name', 'name_kana', 'company', 'email', 'phone', 'postal_code', 'address', 'birthday', 'source', 'referred_by', 'owner', 'tags', 'email_consent'],
    orders: ['order_code', 'customer_code', 'ordered_at', 'product', 'quantity', 'unit_price', 'amount', 'channel', 'store', 'product_name', 'name', 'name_kana', 'email', 'phone', 'postal_code', 'address', 'birthday'],
    deals: ['code', 'customer_code', 'kind', 'stage', 'title', 'amount', 'opened_at', 'closed_at', 'owner', 'lost_reason', 'lost_note', 'trigger', 'product'],
    contracts: ['code', 'customer_code', 'product', 'start_on', 'end_on', 'amount', 'renewed_from', 'end_reason'],
    referrals: ['code', 'referrer_code', 'referred_code', 'prospect_name', 'referred_on', 'trigger'],
    activities: ['code', 'customer_code', 'occurred_at', 'channel', 'direction', 'subject', 'body', 'outcome', 'user'],
    feedback: ['code', 'customer_code', 'kind', 'score', 'text', 'received_on'],
    products: ['sku', 'name', 'category', 'price', 'tags'],
};
const KINDS = Object.keys(KIND_FIELDS);

export async function render(main, ctx) {
    const manager = api.has('POST', '/imports');
    const kindSel = field('kind', t('imp.kind'), { type: 'select', value: ctx.params.get('kind') || 'customers', options: KINDS.map((k) => [k, t('kind.' + k)]) });
    const file = h('input', { type: 'file', name: 'file', accept: '.csv,.tsv,.txt,.xlsx', id: 'imp-file' });
    const skip = field('on_error', t('imp.skip'), { type: 'checkbox' });
    const step2 = h('div.step2'), step3 = h('div.step3'), step4 = h('div.step4');
    const form = h('form', { 'data-form': 'import', novalidate: true },
        h('ol.steps', [1, 2, 3, 4].map((i) => h('li', t('imp.step' + i)))),
        h('div.cols', kindSel, h('div.field', h('label', { for: 'imp-file' }, t('imp.file')), file)),
        skip, step2, h('div.form-msg'), step3, step4);
    let up = null; // {file, name, encoding, header, first, maps: {column index: field or ''}}

    const kind = () => form.querySelector('[name=kind]').value;
    async function chosen() {
        clear(step2); clear(step3); clear(step4); api.clearError(form);
        const f = file.files[0];
        if (!f) { up = null; return; }
        up = { file: f, name: f.name, encoding: 'auto', header: [], first: [], overrides: {} };
        if (/\.xlsx$/i.test(f.name)) {
            step2.append(h('p.detected', { 'data-encoding': 'xlsx' }, t('imp.xlsx')));
        } else {
            const bytes = new Uint8Array(await f.arrayBuffer());
            const { text, encoding } = decode(bytes);
            up.encoding = encoding;
            const rows = parseCsv(text, /\.tsv$/i.test(f.name) || (text.split('\n')[0].includes('\t') && !text.split('\n')[0].includes(',')) ? '\t' : ',');
            up.header = rows[0] || [];
            up.first = rows[1] || [];
            step2.append(h('p.detected', { 'data-encoding': encoding }, t('imp.detected', { enc: t('enc.' + encoding), n: num(Math.max(0, rows.filter((r) => r.some((c) => c !== '')).length - 1)) })),
                rows.length ? table(up.header.map((hd, i) => ({ key: String(i), label: hd || '#' + (i + 1), sort: false })),
                    rows.slice(1, 11).map((r) => Object.fromEntries(r.map((v, i) => [String(i), v]))), { caption: t('imp.preview') }) : empty());
        }
        if (manager) await dryRun();
    }
    file.addEventListener('change', chosen);
    form.querySelector('[name=kind]').addEventListener('change', () => { if (up) { up.overrides = {}; chosen(); } });
    skip.querySelector('input').addEventListener('change', () => { if (up) dryRun(); });

    function query(dry) {
        const p = new URLSearchParams({ kind: kind(), filename: up.name });
        if (dry) p.set('dry_run', 'true');
        if (up.encoding === 'cp932') p.set('encoding', 'cp932');
        if (form.querySelector('[name=on_error]').checked) p.set('on_error', 'skip');
        for (const [col, f] of Object.entries(up.overrides)) p.append('map', f.field + '=' + (Number(col) + 1));
        return '/api/v1/imports?' + p.toString();
    }

    // The upload itself: the raw file as the body (the server also takes multipart).
    async function send(dry) {
        const r = await fetch(query(dry), {
            method: 'POST', credentials: 'same-origin', body: up.file,
            headers: { 'Content-Type': /\.xlsx$/i.test(up.name) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv', 'X-CSRF-Token': api.csrfToken(), Accept: 'application/json' },
        });
        const body = await r.json().catch(() => null);
        if (r.status === 422 && body?.report) return { ok: false, report: body.report, message: body.error.message };
        if (!r.ok) {
            const err = new api.ApiError(r.status, body);
            if (r.status === 401) api.unauthorized(err);
            throw err;
        }
        return { ok: true, report: body };
    }

    async function dryRun() {
        clear(step3).append(h('p.loading', { role: 'status' }, t('imp.checking')));
        clear(step4);
        api.clearError(form);
        let res;
        try { res = await send(true); } catch (e) { clear(step3); if (e.status !== 401) api.showError(form, e); return; }
        const rep = res.report;
        clear(step3).append(h('div', mapping(rep), h('h3', t('imp.step3')), counts(rep, true),
            rep.errors.length ? h('div.row-errors', { role: 'alert' }, h('p', h('strong', res.message || t('imp.errors', { n: rep.bad_rows }))),
                h('ul', rep.errors.slice(0, 50).map((e) => h('li', e))), rep.errors.length > 50 ? h('p', t('imp.moreerrors', { n: rep.errors.length - 50 })) : null) : null,
            rep.warnings.length ? h('ul.warnings', rep.warnings.map((w) => h('li', w))) : null,
            rep.preview.length ? [h('h4', t('imp.asstored')), h('pre.preview', rep.preview.join('\n').replace(/^ +/gm, ''))] : null));
        if (res.ok && rep.rows > rep.rejected) {
            step4.append(h('button.primary.commit', { type: 'button', onclick: commit }, t('imp.commit', { n: num(rep.rows - rep.rejected) })));
        } else {
            step4.append(h('p.help', t('imp.fix')));
        }
    }

    async function commit(e) {
        e.target.disabled = true;
        try {
            const res = await send(false);
            if (!res.ok) { dryRun(); return; }
            clear(step4).append(h('div.result', { role: 'status' }, h('h3', t('imp.done')), counts(res.report, false),
                kind() === 'customers' ? h('p', h('a', { href: '#/customers' }, t('imp.tolist'))) : null));
            toast(t('imp.done'));
        } catch (err) { e.target.disabled = false; if (err.status !== 401) api.showError(form, err); }
    }

    // Column → field: the server's choice (read from its preview and messages) with an override.
    function mapping(rep) {
        if (!up.header.length) return null;
        const auto = autoMapping(up.header, up.first, rep);
        const fields = KIND_FIELDS[kind()];
        const rows = up.header.map((hd, i) => {
            const sel = h('select', { 'aria-label': t('imp.mapto', { col: hd }), name: 'map_' + i },
                h('option', { value: '' }, auto[i] ? t('imp.auto', { f: auto[i] }) : t('imp.aside')),
                fields.map((f) => h('option', { value: f }, f)));
            if (up.overrides[i]) sel.value = up.overrides[i].field;
            sel.addEventListener('change', () => {
                if (sel.value) up.overrides[i] = { field: sel.value }; else delete up.overrides[i];
                dryRun();
            });
            return h('tr', h('th', { scope: 'row' }, hd || '#' + (i + 1)), h('td', up.first[i] ?? ''), h('td', sel));
        });
        return [h('h3', t('imp.mapping')), h('div.table-wrap', h('table.data.mapping', h('thead', h('tr', h('th', t('imp.column')), h('th', t('imp.sample')), h('th', t('imp.field')))), h('tbody', rows)))];
    }

    const exp = h('form', { 'data-form': 'export' },
        h('div.cols',
            field('kind', t('imp.kind'), { type: 'select', options: KINDS.map((k) => [k, t('kind.' + k)]) }),
            field('format', t('exp.format'), { type: 'select', options: [['csv', 'CSV'], ['xlsx', 'Excel (.xlsx)']] }),
            field('encoding', t('exp.encoding'), { type: 'select', options: [['cp932', t('enc.cp932.excel')], ['utf-8-bom', t('enc.utf-8-bom')], ['utf-8', t('enc.utf-8')]] })),
        field('with_metrics', t('exp.metrics'), { type: 'checkbox' }),
        h('p.help', t('exp.help')),
        h('button.primary', { type: 'submit' }, t('exp.download')));
    exp.querySelector('[name=format]').addEventListener('change', (e) => { exp.querySelector('[name=encoding]').disabled = e.target.value === 'xlsx'; });
    exp.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = formValues(exp);
        const q = { format: v.format, encoding: v.format === 'csv' ? v.encoding : null, with_metrics: v.kind === 'customers' && v.with_metrics ? 'true' : null };
        const a = h('a', { href: `/api/v1/exports/${encodeURIComponent(v.kind)}` + api.qs(q), download: `${v.kind}.${v.format}` });
        document.body.append(a); a.click(); a.remove();
    });
    main.append(page(t('nav.import'),
        manager ? card(t('imp.title'), form) : card(t('imp.title'), h('p.help', t('imp.manager'))),
        api.has('GET', '/exports/{kind}') ? card(t('exp.title'), exp) : null));
}

// Which column the server put each field in: its messages name them ("column 3 (\"電話\" →
// phone)"), its preview shows each stored field with the first row's value.
export function autoMapping(header, first, rep) {
    const out = header.map(() => null);
    for (const e of [...rep.errors, ...rep.warnings]) {
        const m = /column (\d+) \("[^"]*" → ([a-z_]+)\)/.exec(e);
        if (m) out[Number(m[1]) - 1] = m[2];
    }
    const line = (rep.preview[0] || '').replace(/^\s*line \d+:/, '');
    const parts = [...line.matchAll(/ ([a-z_]+)=/g)];
    parts.forEach((m, k) => {
        const value = line.slice(m.index + m[0].length, k + 1 < parts.length ? parts[k + 1].index : undefined);
        const i = first.findIndex((c, j) => out[j] === null && c.trim() !== '' && (c.trim() === value || (value.length >= 40 && c.trim().startsWith(value))));
        if (i >= 0 && !out.includes(m[1])) out[i] = m[1];
    });
    return out;
}

function counts(rep, dry) {
    const items = [['rows', rep.rows], ['created', rep.created], ['updated', rep.updated], ['unchanged', rep.unchanged], ['rejected', rep.rejected]];
    if (rep.customers_created) items.push(['customers_created', rep.customers_created]);
    return h('dl.kv.counts', { 'data-dry-run': String(dry) }, items.map(([k, v]) => [h('dt', t('imp.n.' + k)), h('dd', { 'data-count': k }, num(v))]));
}

// UTF-8 when the bytes are valid UTF-8 (BOM noted), else CP932 (Shift_JIS as Windows writes it).
export function decode(bytes) {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
        return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
    try {
        return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
    } catch {
        return { text: new TextDecoder('shift_jis').decode(bytes), encoding: 'cp932' };
    }
}

// RFC 4180: quoted fields with "" and line breaks inside quotes.
export function parseCsv(text, sep = ',') {
    const rows = [];
    let row = [], cur = '', q = false;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (q) {
            if (ch === '"' && text[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
        } else if (ch === '"') q = true;
        else if (ch === sep) { row.push(cur); cur = ''; } else if (ch === '\n' || ch === '\r') {
            if (ch === '\r' && text[i + 1] === '\n') i++;
            row.push(cur); rows.push(row); row = []; cur = '';
        } else cur += ch;
    }
    if (cur !== '' || row.length) { row.push(cur); rows.push(row); }
    return rows;
}
