// inventory.js - 棚卸し: counts per state, and the members of one state with owner and cause;
// selected customers can be reassigned to a staff member or made team-handled.
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t, getLang } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, empty } from '../ui.js';

const STATES = ['active', 'sleeping', 'dead', 'lost', 'prospect'];
const SHOW = 200;

export async function render(main, ctx) {
    const state = STATES.includes(ctx.params.get('state')) ? ctx.params.get('state') : 'sleeping';
    const counts = h('div'), members = h('div');
    const tabs = h('div.tabs', { role: 'tablist' }, STATES.map((s) => h('a.tab', { href: '#/inventory?state=' + s, role: 'tab', 'aria-selected': String(s === state) }, t('state.' + s))));
    main.append(page(t('nav.inventory'), card(t('inv.counts'), counts), card(t('inv.members', { state: t('state.' + state) }), tabs, members)));
    fill(counts, async () => {
        const r = await api.get('/reports/inventory');
        return table([
            { key: 'state', label: t('col.state'), fmt: (x) => (x.state === 'total' ? t('total') : h('a', { href: '#/inventory?state=' + x.state }, getLang() === 'en' ? t('state.' + x.state) : x.label)) },
            { key: 'customers', label: t('col.customers'), fmt: 'int' }, { key: 'share', label: t('col.share'), fmt: 'pct' },
            { key: 'revenue_to_date', label: t('col.revenue_to_date'), fmt: 'money' }, { key: 'with_cause', label: t('col.with_cause'), fmt: 'int' },
            { key: 'team_handled', label: t('col.team_handled'), fmt: 'int' }], r.rows);
    });
    fill(members, async () => {
        const r = await api.get('/reports/inventory?state=' + state);
        const rows = r.rows.sort((a, b) => b.revenue - a.revenue);
        if (!rows.length) return empty(t('inv.none'));
        const selected = new Set();
        const box = (x) => {
            const cb = h('input', { type: 'checkbox', 'aria-label': x.code });
            cb.addEventListener('change', () => (cb.checked ? selected.add(x.code) : selected.delete(x.code)));
            return cb;
        };
        const owner = h('input', { type: 'text', name: 'owner', placeholder: t('bulk.owner.ph'), 'aria-label': t('bulk.owner') });
        const act = async (team) => {
            if (!selected.size) { toast(t('inv.select'), 'err'); return; }
            if (!team && !owner.value.trim()) { owner.focus(); return; }
            if (!(await confirmDialog(t('bulk.confirm', { n: selected.size }), t('ok'), t('cancel')))) return;
            let n = 0;
            for (const code of selected) {
                try {
                    const c = await api.get('/customers/' + encodeURIComponent(code));
                    await api.patch('/customers/' + encodeURIComponent(code), { version: c.version, owner: team ? null : owner.value.trim() });
                    n++;
                } catch (e) { toast(`${code}: ${e.message}`, 'err'); break; }
            }
            toast(t('bulk.done', { n }));
            render(clear(main), ctx);
        };
        return [h('div.bulk', owner, h('button', { type: 'button', onclick: () => act(false) }, t('inv.reassign')),
            h('button', { type: 'button', onclick: () => act(true) }, t('inv.team'))),
        h('p.help', t('inv.count', { n: rows.length, shown: Math.min(SHOW, rows.length) })),
        table([{ key: 'sel', label: '', fmt: box },
            { key: 'code', label: t('col.code'), fmt: (x) => h('a', { href: '#/customers/' + encodeURIComponent(x.code) }, x.code) },
            { key: 'last_purchase', label: t('col.last_purchase'), fmt: 'date' }, { key: 'recency_days', label: t('col.recency_days'), fmt: 'int' },
            { key: 'revenue', label: t('col.revenue'), fmt: 'money' }, { key: 'lost_on', label: t('col.lost_on'), fmt: 'date' },
            { key: 'owner', label: t('col.owner') }, { key: 'cause', label: t('cust.cause') }], rows.slice(0, SHOW))];
    });
}
