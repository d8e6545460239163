// automation.js - segments, playbooks and tasks. The pages are driven by the server's OpenAPI:
// lists, forms (from each POST body's fields) and actions appear for the endpoints the server
// has, so they light up as the automation endpoints land. The segment builder writes the filter
// language of docs/automation.md (state = sleeping and rfm.m >= 4 and tag:vip).
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, waiting, field, formValues, empty } from '../ui.js';

const FIELDS = [
    ['state', ['=', '!='], ['active', 'sleeping', 'dead', 'lost', 'prospect']],
    ['stage', ['=', '!='], ['prospect', 'new', 'repeat', 'loyal', 'engaged', 'lapsed']],
    ['rfm.r', ['>=', '<=', '='], null], ['rfm.f', ['>=', '<=', '='], null], ['rfm.m', ['>=', '<=', '='], null],
    ['recency_days', ['>=', '<=', '<', '>'], null], ['orders', ['>=', '<=', '='], null],
    ['revenue', ['>=', '<=', '<', '>'], null], ['last_purchase', ['<', '>=', '<=', '>'], null],
    ['p_alive', ['<', '>='], null], ['clv', ['>=', '<'], null], ['owner', [':'], null],
    ['tag', [':'], null], ['lost_reason', ['='], null],
];

export async function render(main, ctx) {
    const kind = ctx.name; // segments | playbooks | tasks
    await api.loadRoutes();
    const base = '/' + kind;
    const body = h('div');
    main.append(page(t('nav.' + kind), h('p.help', t(kind + '.intro')), body));
    if (kind === 'segments') body.append(card(t('seg.builder'), builder()));
    if (!api.has('GET', base)) {
        body.append(card('', waiting(t('nav.' + kind), 'GET /api/v1' + base)));
        return;
    }
    const listEl = h('div');
    body.append(card(t('list'), listEl));
    const op = api.operation('POST', base);
    if (op) body.append(card(t('create'), createForm(op, base, () => fill(listEl, () => list(kind, base)))));
    fill(listEl, () => list(kind, base));
}

// The item's identifier in paths: id, else code, else name.
const idOf = (x) => x.id ?? x.code ?? x.name;

async function list(kind, base) {
    const query = kind === 'tasks' ? api.qs({ view: 'actionable', status: 'open', limit: 200 }) : '';
    const res = await api.get(base + query);
    const items = res.items || [];
    if (!items.length) return empty(t(kind + '.none'));
    const keys = [...new Set(items.flatMap((x) => Object.keys(x)))].filter((k) => items.some((x) => x[k] !== null && typeof x[k] !== 'object')).slice(0, 8);
    const cols = keys.map((k) => ({ key: k, label: t('col.' + k), fmt: /(_at|_on)$/.test(k) ? 'date' : undefined }));
    const actions = api.pathsUnder(base + '/{').filter((p) => p.split('/').length === 4 && api.has('POST', p));
    const reads = api.pathsUnder(base + '/{').filter((p) => p.split('/').length === 4 && api.has('GET', p));
    cols.push({ key: '_a', label: '', fmt: (x) => h('div.row-actions',
        actions.map((p) => actionButton(p, x, base)),
        reads.map((p) => h('button', { type: 'button', onclick: (e) => showRead(p, x, e.target) }, t('act.' + p.split('/').pop()))),
        api.has('DELETE', base + '/{id}') || api.has('DELETE', base + '/{name}') ? h('button.danger', { type: 'button', onclick: async () => {
            if (!(await confirmDialog(t('delete.confirm'), t('delete'), t('cancel')))) return;
            try { await api.del(base + '/' + encodeURIComponent(idOf(x))); toast(t('deleted')); } catch (e) { toast(e.message, 'err'); }
        } }, t('delete')) : null) });
    return table(cols, items);
}

function actionButton(p, x, base) {
    const verb = p.split('/').pop();
    const op = api.operation('POST', p);
    const props = op?.requestBody?.content?.['application/json']?.schema?.properties || {};
    return h('button', { type: 'button', onclick: async (e) => {
        const body = {};
        if ('outcome' in props) {
            const o = prompt(t('tasks.outcome'), t('tasks.outcome.default'));
            if (o === null) return;
            body.outcome = o;
        }
        try {
            await api.post(p.replace(/\{[^}]+\}/, encodeURIComponent(idOf(x))), body);
            toast(t('done'));
            e.target.closest('tr')?.classList.add('done');
            e.target.disabled = true;
        } catch (err) { toast(err.message, 'err'); }
        void base;
    } }, t('act.' + verb));
}

async function showRead(p, x, btn) {
    const url = p.replace(/\{[^}]+\}/, encodeURIComponent(idOf(x)));
    const verb = p.split('/').pop();
    if (verb === 'export') { location.href = '/api/v1' + url; return; }
    const res = await api.get(url);
    const rows = res.items || res.rows || [res];
    const box = h('tr.detail', h('td', { colspan: 99 }, table(Object.keys(rows[0] || {}).slice(0, 8).map((k) => ({ key: k, label: t('col.' + k) })), rows)));
    btn.closest('tr').after(box);
}

// A form from the POST operation's JSON body fields.
function createForm(op, base, done) {
    const schema = op.requestBody?.content?.['application/json']?.schema || { properties: {} };
    const req = new Set(schema.required || []);
    const form = h('form', { 'data-form': 'create' + base, novalidate: true },
        Object.entries(schema.properties).map(([k, s]) => {
            const type = [].concat(s.type)[0];
            if (type === 'boolean') return field(k, t('col.' + k), { type: 'checkbox' });
            if (type === 'object' || type === 'array') return field(k, t('col.' + k) + ' (JSON)', { type: 'textarea', help: s.description });
            if (k === 'filter' || k === 'body' || k === 'template') return field(k, t('col.' + k), { type: 'textarea', required: req.has(k), help: s.description });
            return field(k, t('col.' + k), { type: type === 'integer' || type === 'number' ? 'number' : 'text', required: req.has(k), help: s.description });
        }),
        h('div.form-msg'), h('button.primary', { type: 'submit' }, t('create')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form), body = {};
        try {
            for (const [k, s] of Object.entries(schema.properties)) {
                const type = [].concat(s.type)[0];
                if (type === 'boolean') body[k] = v[k];
                else if (v[k] === '') continue;
                else if (type === 'integer' || type === 'number') body[k] = Number(v[k]);
                else if (type === 'object' || type === 'array') body[k] = JSON.parse(v[k]);
                else body[k] = v[k];
            }
            await api.post(base, body);
            toast(t('saved'));
            form.reset();
            done();
        } catch (err) { api.showError(form, err.status ? err : { message: err.message }); }
    });
    return form;
}

// The segment builder: rows of (field, operator, value) joined by "and", plus free text.
function builder() {
    const rows = h('div.builder-rows');
    const out = h('textarea', { name: 'filter_text', rows: 2, 'aria-label': t('seg.text'), spellcheck: 'false' });
    const count = h('p.status', { role: 'status' });
    const sync = () => {
        const parts = [...rows.children].map((r) => {
            const [f, o, v] = r.querySelectorAll('select, input');
            if (!v.value.trim()) return null;
            const val = /\s/.test(v.value.trim()) ? `"${v.value.trim()}"` : v.value.trim();
            return o.value === ':' ? `${f.value}:${val}` : `${f.value} ${o.value} ${val}`;
        }).filter(Boolean);
        out.value = parts.join(' and ');
        liveCount(out.value, count);
    };
    const addRow = () => {
        const f = h('select', { 'aria-label': t('seg.field') }, FIELDS.map(([n]) => h('option', { value: n }, t('segf.' + n))));
        const o = h('select', { 'aria-label': t('seg.op') });
        const v = h('input', { type: 'text', 'aria-label': t('seg.value'), list: '' });
        const setOps = () => {
            const def = FIELDS.find(([n]) => n === f.value);
            clear(o).append(...def[1].map((x) => h('option', { value: x }, x)));
            const dl = def[2] ? h('datalist', { id: 'dl-' + f.value.replace('.', '-') }, def[2].map((x) => h('option', { value: x }))) : null;
            r.querySelector('datalist')?.remove();
            if (dl) { r.append(dl); v.setAttribute('list', dl.id); } else v.removeAttribute('list');
        };
        const r = h('div.builder-row', f, o, v, h('button', { type: 'button', 'aria-label': t('delete'), onclick: () => { r.remove(); sync(); } }, '×'));
        f.addEventListener('change', () => { setOps(); sync(); });
        o.addEventListener('change', sync);
        v.addEventListener('input', sync);
        rows.append(r);
        setOps();
    };
    addRow();
    out.addEventListener('input', () => liveCount(out.value, count));
    return [rows, h('button', { type: 'button', onclick: addRow }, t('seg.addrow')), h('label.block', t('seg.text'), out), count];
}

let countTimer = null;
function liveCount(text, el) {
    clearTimeout(countTimer);
    if (!api.has('POST', '/segments/preview')) { el.textContent = t('seg.count.waiting'); return; }
    countTimer = setTimeout(async () => {
        try {
            const r = await api.post('/segments/preview', { filter: text });
            el.textContent = t('seg.count', { n: r.count ?? r.customers ?? '?' });
        } catch (e) { el.textContent = e.message; }
    }, 300);
}
