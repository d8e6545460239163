// segments.js - saved live filters (docs/automation.md): a builder that writes the filter text
// from rows of (field, operator, value), the text itself for anything the rows cannot say, the
// server's check of every change (its canonical form, or where the text is wrong), save, and
// per segment its live count, members and CSV export.
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, field, formValues, empty } from '../ui.js';

// [field, operators, suggested values]. Values with spaces are quoted when the text is written.
export const FIELDS = [
    ['state', ['=', '!='], ['active', 'sleeping', 'dead', 'lost', 'prospect']],
    ['stage', ['=', '!='], ['prospect', 'new', 'repeat', 'loyal', 'engaged', 'lapsed']],
    ['rfm.r', ['>=', '<=', '='], ['1', '2', '3', '4', '5']], ['rfm.f', ['>=', '<=', '='], ['1', '2', '3', '4', '5']],
    ['rfm.m', ['>=', '<=', '='], ['1', '2', '3', '4', '5']],
    ['recency_days', ['>=', '<=', '<', '>'], null], ['orders', ['>=', '<=', '='], null],
    ['revenue', ['>=', '<=', '<', '>'], null], ['last_purchase', ['<', '>=', '<=', '>'], null],
    ['p_alive', ['<', '>='], null], ['clv', ['>=', '<'], null], ['owner', [':'], null],
    ['tag', [':'], null], ['lost_reason', ['='], null],
];

// One builder row as filter text ("state = sleeping", "tag:vip"), or null when it has no value.
export function rowText(fieldName, op, value) {
    const v = value.trim();
    if (!v) return null;
    const val = /[\s"]/.test(v) ? '"' + v.replace(/"/g, '\\"') + '"' : v;
    return op === ':' ? `${fieldName}:${val}` : `${fieldName} ${op} ${val}`;
}

export async function render(main) {
    const listEl = h('div');
    const b = builder();
    const save = h('form', { 'data-form': 'segment', novalidate: true },
        field('name', t('seg.name'), { required: true }),
        field('description', t('col.description')),
        h('div.form-msg'), h('button.primary', { type: 'submit' }, t('seg.save')));
    save.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(save);
        const v = formValues(save);
        try {
            await api.post('/segments', { name: v.name.trim(), filter: b.text(), description: v.description.trim() || null });
            toast(t('saved'));
            save.reset();
            await fill(listEl, () => list(listEl, v.name.trim()));
        } catch (err) {
            // The filter's message belongs next to the filter text, which is outside this form.
            if (err.field === 'filter') b.showError(err.message);
            else api.showError(save, err);
        }
    });
    main.append(page(t('nav.segments'), h('p.help', t('segments.intro')),
        h('div.grid', card(t('seg.builder'), b.el, save), card(t('list'), listEl))));
    await fill(listEl, () => list(listEl));
}

function builder() {
    const rows = h('div.builder-rows');
    const text = h('textarea', { name: 'filter_text', rows: 3, 'aria-label': t('seg.text'), spellcheck: 'false' });
    const status = h('p.status.check', { role: 'status', 'aria-live': 'polite' });
    let timer = null, seq = 0;
    const check = () => {
        clearTimeout(timer);
        const mine = ++seq;
        if (!text.value.trim()) { status.textContent = t('seg.empty'); status.className = 'status check'; return; }
        timer = setTimeout(async () => {
            try {
                const r = await api.post('/segments/check', { filter: text.value });
                if (mine !== seq) return;
                status.className = 'status check ok';
                status.textContent = t('seg.valid', { text: r.filter });
            } catch (e) {
                if (mine !== seq || e.status === 401) return;
                status.className = 'status check bad';
                status.textContent = e.message;
            }
        }, 250);
    };
    const sync = () => {
        text.value = [...rows.children].map((r) => {
            const [f, o, v] = r.querySelectorAll('select, input');
            return rowText(f.value, o.value, v.value);
        }).filter(Boolean).join(' and ');
        check();
    };
    const addRow = () => {
        const f = h('select', { 'aria-label': t('seg.field'), name: 'b_field' }, FIELDS.map(([n]) => h('option', { value: n }, t('segf.' + n))));
        const o = h('select', { 'aria-label': t('seg.op'), name: 'b_op' });
        const v = h('input', { type: 'text', 'aria-label': t('seg.value'), name: 'b_value' });
        const r = h('div.builder-row', f, o, v,
            h('button', { type: 'button', 'aria-label': t('seg.removerow'), onclick: () => { r.remove(); sync(); } }, '×'));
        const setOps = () => {
            const def = FIELDS.find(([n]) => n === f.value);
            clear(o).append(...def[1].map((x) => h('option', { value: x }, x)));
            r.querySelector('datalist')?.remove();
            if (def[2]) {
                const id = 'dl-' + Math.random().toString(36).slice(2, 8);
                r.append(h('datalist', { id }, def[2].map((x) => h('option', { value: x }, t('state.' + x) !== x ? t('state.' + x) : x))));
                v.setAttribute('list', id);
            } else v.removeAttribute('list');
        };
        f.addEventListener('change', () => { setOps(); sync(); });
        o.addEventListener('change', sync);
        v.addEventListener('input', sync);
        rows.append(r);
        setOps();
    };
    addRow();
    text.addEventListener('input', check);
    check();
    return {
        el: [rows, h('button', { type: 'button', onclick: addRow }, t('seg.addrow')),
            h('label.block', t('seg.text'), text), status, h('p.help', t('seg.text.help'))],
        text: () => text.value.trim(),
        showError: (msg) => { status.className = 'status check bad'; status.textContent = msg; text.focus(); },
    };
}

async function list(listEl, fresh = null) {
    const items = await api.all('/segments', 1000);
    if (!items.length) return empty(t('segments.none'));
    const path = (s, tail) => '/segments/' + encodeURIComponent(s.name) + (tail ? '/' + tail : '');
    const manager = api.has('GET', '/segments/{name}/export');
    return table([
        { key: 'name', label: t('seg.name') },
        { key: 'filter', label: t('col.filter'), fmt: (s) => h('code', s.filter) },
        { key: 'description', label: t('col.description') },
        { key: 'count', label: t('seg.members'), sort: false, fmt: (s) => {
            // Counting evaluates the filter over every customer (seconds on a million), so it
            // runs on request, and at once for a segment just saved.
            const out = h('output.count', { 'data-segment': s.name });
            const btn = h('button', { type: 'button', onclick: () => count() }, t('seg.countit'));
            const count = async () => {
                btn.disabled = true;
                out.textContent = t('seg.counting');
                try {
                    const r = await api.get(path(s, 'count'));
                    out.textContent = t('seg.count', { n: r.members.toLocaleString('en-US') });
                    out.title = t('seg.count.asof', { day: r.as_of });
                } catch (e) { out.textContent = e.status === 401 ? '' : e.message; } finally { btn.disabled = false; }
            };
            if (s.name === fresh) count();
            return h('span.count', out, ' ', btn);
        } },
        { key: '_a', label: '', fmt: (s) => h('div.row-actions',
            h('button', { type: 'button', onclick: (e) => showMembers(s, e.target, path) }, t('act.members')),
            manager ? h('a.button', { href: '/api/v1' + path(s, 'export'), download: 'segment-' + s.name + '.csv' }, t('act.export')) : null,
            h('button.danger', { type: 'button', onclick: async () => {
                if (!(await confirmDialog(t('seg.delete.confirm', { name: s.name }), t('delete'), t('cancel')))) return;
                try { await api.del(path(s)); toast(t('deleted')); fill(listEl, () => list(listEl)); } catch (err) { toast(err.message, 'err'); }
            } }, t('delete'))) },
    ], items, { rowAttrs: (s) => ({ 'data-name': s.name }) });
}

async function showMembers(s, btn, path) {
    const tr = btn.closest('tr');
    if (tr.nextElementSibling?.classList.contains('detail')) { tr.nextElementSibling.remove(); return; }
    const cell = h('td', { colspan: 99 });
    tr.after(h('tr.detail', cell));
    await fill(cell, async () => {
        const r = await api.get(path(s, 'members') + '?limit=50');
        return table([
            { key: 'code', label: t('col.code'), fmt: (m) => h('a', { href: '#/customers/' + encodeURIComponent(m.code) }, m.code) },
            { key: 'state', label: t('col.state'), fmt: (m) => t('state.' + m.state) },
            { key: 'stage', label: t('col.stage'), fmt: (m) => t('stage.' + m.stage) },
            { key: 'recency_days', label: t('col.recency_days'), fmt: 'int' },
            { key: 'orders', label: t('col.orders'), fmt: 'int' },
            { key: 'revenue', label: t('col.revenue'), fmt: 'money' },
        ], r.items, { empty: t('seg.nomembers'), caption: r.next_cursor ? t('seg.first50') : null });
    });
}
