// customers.js - the customer ledger: search (code, name, kana, phone, e-mail; the server folds
// width and kana), server-side paging by cursor (Tabulator in remote mode), badges, sorting and
// filtering within the page, and bulk actions on the selected rows.
import { h, toast, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { date, money } from '../fmt.js';
import { page, badge, field } from '../ui.js';

let Tabulator = null;

export async function render(main, ctx) {
    if (!Tabulator) Tabulator = (await import('/assets/lib/tabulator_esm.min.js')).TabulatorFull;
    const q = ctx.params.get('q') || '';
    const search = h('input', { type: 'search', name: 'q', value: q, placeholder: t('cust.search.ph'), 'aria-label': t('cust.search'), autocomplete: 'off' });
    const owner = h('input', { type: 'text', name: 'owner', placeholder: t('cust.owner.ph'), 'aria-label': t('col.owner'), size: 10 });
    const status = h('p.status', { role: 'status', 'aria-live': 'polite' });
    const holder = h('div.customers-table');
    const bulk = bulkBar();
    const form = h('form.searchbar', { role: 'search', 'data-form': 'search' }, search, owner, h('button', { type: 'submit' }, t('cust.search')),
        h('a.button', { href: '#/customers/new' }, t('cust.new')));
    main.append(page(t('nav.customers'), form, status, bulk.el, holder));

    const cursors = [null]; // cursors[page-1]: the cursor that fetches that page
    let lastCount = 0;
    const table = new Tabulator(holder, {
        layout: 'fitColumns', pagination: true, paginationMode: 'remote', paginationSize: 50,
        paginationButtonCount: 0, ajaxURL: '/api/v1/customers', selectableRows: true,
        placeholder: t('cust.none'), height: 'auto', index: 'code',
        ajaxRequestFunc: async (url, config, params) => {
            const p = params.page || 1;
            const res = await api.get('/customers' + api.qs({ search: search.value.trim(), owner: owner.value.trim(), limit: 50, cursor: cursors[p - 1] }));
            cursors[p] = res.next_cursor;
            lastCount = res.items.length;
            status.textContent = t('cust.page', { page: p, n: res.items.length }) + (res.next_cursor ? '' : ' ' + t('cust.lastpage'));
            return { last_page: res.next_cursor ? p + 1 : p, data: res.items };
        },
        columns: [
            { formatter: 'rowSelection', titleFormatter: 'rowSelection', hozAlign: 'center', headerSort: false, width: 40 },
            { title: t('col.code'), field: 'code', width: 110, formatter: (c) => h('a', { href: '#/customers/' + encodeURIComponent(c.getValue()) }, c.getValue()) },
            { title: t('col.name'), field: 'name_kana', minWidth: 160, headerFilter: 'input', formatter: (c) => nameCell(c.getRow().getData()) },
            { title: t('col.badges'), field: 'state', headerSort: false, minWidth: 190, formatter: (c) => badges(c.getRow().getData()) },
            { title: t('col.revenue'), field: 'revenue', width: 110, hozAlign: 'right', formatter: (c) => money(c.getValue()) },
            { title: t('col.last_purchase'), field: 'last_purchase', width: 120, formatter: (c) => date(c.getValue()) },
            { title: t('col.phone'), field: 'phone', minWidth: 110 },
            { title: t('col.email'), field: 'email', minWidth: 150 },
            { title: t('col.owner'), field: 'owner', width: 100, headerFilter: 'input', formatter: (c) => c.getValue() || t('cust.team') },
            { title: t('col.tags'), field: 'tags', minWidth: 120 },
            { title: t('col.updated'), field: 'updated_at', width: 120, formatter: (c) => date(c.getValue()) },
        ],
    });
    table.on('rowSelectionChanged', (data) => bulk.update(data));
    bulk.table = table;
    let timer = null;
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        clearTimeout(timer); // Enter before the typing pause: one request, not two
        cursors.length = 1;
        history.replaceState(null, '', '#/customers' + (search.value.trim() ? '?q=' + encodeURIComponent(search.value.trim()) : ''));
        table.setPage(1).catch(() => table.setData());
    });
    search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(() => form.requestSubmit(), 250);
    });
    search.focus();
    void lastCount;
}

function nameCell(c) {
    return h('span.name', h('span', c.name), c.company ? h('small', ' ' + c.company) : null,
        c.name_kana ? h('small.kana', c.name_kana) : null);
}

function badges(c) {
    return h('span.badges', badge(c.state && t('state.' + c.state), c.state), badge(c.stage && t('stage.' + c.stage), 'stage'),
        c.rfm ? h('span.badge.b-rfm', { title: t('cust.rfm.title', { seg: t('seg.' + c.rfm_segment) }) }, 'RFM ' + c.rfm) : null,
        c.cause ? badge(t('cust.cause'), 'cause') : null);
}

function bulkBar() {
    const count = h('span');
    const tag = h('input', { type: 'text', name: 'bulk_tag', placeholder: t('bulk.tag.ph'), 'aria-label': t('bulk.tag') });
    const owner = h('input', { type: 'text', name: 'bulk_owner', placeholder: t('bulk.owner.ph'), 'aria-label': t('bulk.owner') });
    const playbooks = h('datalist', { id: 'bulk-playbooks' });
    const playbook = h('input', { type: 'text', name: 'bulk_playbook', list: 'bulk-playbooks', placeholder: t('bulk.playbook.ph'), 'aria-label': t('bulk.playbook') });
    playbook.addEventListener('focus', async () => {
        if (playbooks.children.length) return;
        try { (await api.get('/playbooks?active_only=true&limit=200')).items.forEach((p) => playbooks.append(h('option', { value: p.name }, p.description || p.name))); } catch { /* typed by hand */ }
    }, { once: true });
    const el = h('div.bulk', { hidden: true, role: 'region', 'aria-label': t('bulk.title') }, count,
        h('span.group', tag, h('button', { type: 'button', onclick: () => apply('tag') }, t('bulk.tag'))),
        h('span.group', owner, h('button', { type: 'button', onclick: () => apply('owner') }, t('bulk.owner'))),
        h('button', { type: 'button', onclick: () => exportCsv() }, t('bulk.export')),
        api.has('POST', '/playbooks/{name}/enroll') ? h('span.group', playbook, playbooks, h('button', { type: 'button', onclick: () => enroll() }, t('bulk.playbook'))) : null);
    const bar = { el, table: null, rows: [], update(rows) { bar.rows = rows; el.hidden = !rows.length; count.textContent = t('bulk.selected', { n: rows.length }); } };
    async function apply(kind) {
        const rows = bar.rows;
        if (kind === 'tag' && !tag.value.trim()) { tag.focus(); return; }
        if (!(await confirmDialog(t('bulk.confirm', { n: rows.length }), t('ok'), t('cancel')))) return;
        let ok = 0;
        for (const c of rows) {
            const body = { version: c.version };
            if (kind === 'tag') {
                const tags = (c.tags || '').split(',').map((s) => s.trim()).filter(Boolean);
                if (!tags.includes(tag.value.trim())) tags.push(tag.value.trim());
                body.tags = tags.join(',');
            } else {
                body.owner = owner.value.trim() || null;
            }
            try {
                const upd = await api.patch('/customers/' + encodeURIComponent(c.code), body);
                bar.table.updateData([upd]);
                ok++;
            } catch (e) {
                toast(`${c.code}: ${e.message}`, 'err');
                return;
            }
        }
        toast(t('bulk.done', { n: ok }));
    }
    async function enroll() {
        const name = playbook.value.trim();
        if (!name) { playbook.focus(); return; }
        const rows = bar.rows;
        if (!(await confirmDialog(t('bulk.playbook.confirm', { n: rows.length, name }), t('ok'), t('cancel')))) return;
        let ok = 0;
        for (const c of rows) {
            try {
                await api.post('/playbooks/' + encodeURIComponent(name) + '/enroll', { customer_code: c.code });
                ok++;
            } catch (e) {
                toast(`${c.code}: ${e.message}`, 'err');
                return;
            }
        }
        toast(t('bulk.done', { n: ok }));
    }
    function exportCsv() {
        const cols = ['code', 'name', 'name_kana', 'company', 'phone', 'email', 'owner', 'tags'];
        const esc = (v) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
        const text = '\ufeff' + [cols.join(','), ...bar.rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\r\n') + '\r\n';
        const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: 'customers.csv' });
        document.body.append(a); a.click(); a.remove();
    }
    return bar;
}

export { field };
