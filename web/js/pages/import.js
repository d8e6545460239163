// import.js - the import wizard: pick a CSV, see the detected encoding (UTF-8, UTF-8 with BOM,
// CP932) and a preview of the columns, then a dry run on the server with its row errors, then
// commit. Export with an encoding choice. Server steps appear when the import/export endpoints
// exist; until then the CLI does it (`okaeri import`, `okaeri export`).
import { h, clear, toast } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, table, waiting, field, formValues } from '../ui.js';

const KINDS = ['customers', 'orders', 'deals', 'contracts', 'referrals', 'activities', 'feedback', 'products'];

export async function render(main) {
    await api.loadRoutes();
    const preview = h('div'), result = h('div');
    const file = h('input', { type: 'file', name: 'file', accept: '.csv,.txt,.xlsx', 'aria-label': t('imp.file') });
    const form = h('form', { 'data-form': 'import', novalidate: true },
        h('ol.steps', h('li', t('imp.step1')), h('li', t('imp.step2')), h('li', t('imp.step3')), h('li', t('imp.step4'))),
        field('kind', t('imp.kind'), { type: 'select', options: KINDS.map((k) => [k, t('kind.' + k)]) }),
        h('div.field', h('label', t('imp.file'), ' ', file)), preview, h('div.form-msg'), result);
    let loaded = null;
    file.addEventListener('change', async () => {
        clear(preview); clear(result);
        const f = file.files[0];
        if (!f) return;
        if (/\.xlsx$/i.test(f.name)) { loaded = { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()), encoding: 'xlsx' }; preview.append(h('p', t('imp.xlsx'))); serverSteps(); return; }
        const bytes = new Uint8Array(await f.arrayBuffer());
        const { text, encoding } = decode(bytes);
        loaded = { name: f.name, bytes, encoding, text };
        const rows = parseCsv(text).slice(0, 11);
        preview.append(h('p.detected', { 'data-encoding': encoding }, t('imp.detected', { enc: t('enc.' + encoding), n: num(text) })),
            rows.length ? table(rows[0].map((hd, i) => ({ key: String(i), label: hd || '#' + (i + 1), sort: false })), rows.slice(1).map((r) => Object.fromEntries(r.map((v, i) => [String(i), v]))), { caption: t('imp.preview') }) : null);
        serverSteps();
    });
    function serverSteps() {
        const dry = api.has('POST', '/imports');
        if (!dry) { result.append(waiting(t('imp.server'), 'POST /api/v1/imports'), h('p.help', t('imp.cli'))); return; }
        const run = async (dryRun) => {
            api.clearError(form);
            const v = formValues(form);
            let bin = '';
            loaded.bytes.forEach((b) => { bin += String.fromCharCode(b); });
            try {
                const r = await api.post('/imports', { kind: v.kind, filename: loaded.name, content_base64: btoa(bin), dry_run: dryRun });
                clear(result).append(h('pre.result', JSON.stringify(r, null, 2)));
                if (!dryRun) toast(t('imp.done'));
                else result.append(h('button.primary', { type: 'button', onclick: () => run(false) }, t('imp.commit')));
            } catch (e) { api.showError(form, e); }
        };
        result.append(h('button', { type: 'button', onclick: () => run(true) }, t('imp.dryrun')));
    }
    const exp = h('form', { 'data-form': 'export' },
        field('kind', t('imp.kind'), { type: 'select', options: KINDS.map((k) => [k, t('kind.' + k)]) }),
        field('encoding', t('exp.encoding'), { type: 'select', options: [['cp932', 'CP932 (Excel)'], ['utf-8-bom', 'UTF-8 BOM'], ['utf-8', 'UTF-8']] }),
        field('format', t('exp.format'), { type: 'select', options: [['csv', 'CSV'], ['xlsx', 'Excel (.xlsx)']] }),
        api.has('GET', '/exports/{kind}') ? h('button', { type: 'submit' }, t('exp.download')) : waiting(t('exp.title'), 'GET /api/v1/exports/{kind}'));
    exp.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = formValues(exp);
        location.href = `/api/v1/exports/${encodeURIComponent(v.kind)}` + api.qs({ encoding: v.encoding, format: v.format });
    });
    main.append(page(t('nav.import'), card(t('imp.title'), form), card(t('exp.title'), exp)));
}

const num = (s) => s.split(/\r\n|\n|\r/).filter((l) => l.length).length - 1;

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
export function parseCsv(text) {
    const rows = [];
    let row = [], cur = '', q = false;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (q) {
            if (ch === '"' && text[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
        } else if (ch === '"') q = true;
        else if (ch === ',') { row.push(cur); cur = ''; } else if (ch === '\n' || ch === '\r') {
            if (ch === '\r' && text[i + 1] === '\n') i++;
            row.push(cur); rows.push(row); row = []; cur = '';
        } else cur += ch;
    }
    if (cur !== '' || row.length) { row.push(cur); rows.push(row); }
    return rows;
}
