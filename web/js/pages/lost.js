// lost.js - 失注: lost deals by reason with reactivation results, the deals of one reason, and
// the playbook that follows each reason up (when the automation endpoints exist).
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, chart, palette, waiting, empty } from '../ui.js';

export async function render(main, ctx) {
    const reason = ctx.params.get('reason') || '';
    const reasons = (await api.get('/lists/lost_reasons')).items;
    const name = (code) => label(reasons.find((r) => r.code === code) || { code });
    const summary = h('div'), deals = h('div'), plays = h('div');
    const tabs = h('div.tabs', h('a.tab', { href: '#/lost', 'aria-selected': String(!reason) }, t('all')),
        reasons.map((r) => h('a.tab', { href: '#/lost?reason=' + encodeURIComponent(r.code), 'aria-selected': String(reason === r.code) }, label(r))));
    main.append(page(t('nav.lost'), card(t('lost.byreason'), summary), card(t('lost.deals'), tabs, deals), card(t('lost.playbooks'), plays)));
    fill(summary, async () => {
        const r = await api.get('/reports/lost-reasons');
        if (!r.rows.length) return empty(t('lost.none'));
        return [chart({ type: 'bar', data: { labels: r.rows.map((x) => name(x.reason)), datasets: [
            { label: t('col.lost_deals'), data: r.rows.map((x) => x.lost_deals), backgroundColor: palette[0] },
            { label: t('col.reactivated'), data: r.rows.map((x) => x.reactivated), backgroundColor: palette[2] }] } }, t('lost.byreason')),
        table([{ key: 'reason', label: t('col.lost_reason'), fmt: (x) => h('a', { href: '#/lost?reason=' + encodeURIComponent(x.reason) }, name(x.reason)) },
            { key: 'lost_deals', label: t('col.lost_deals'), fmt: 'int' }, { key: 'lost_amount', label: t('col.lost_amount'), fmt: 'money' },
            { key: 'reopened', label: t('col.reopened'), fmt: 'int' }, { key: 'reactivated', label: t('col.reactivated'), fmt: 'int' },
            { key: 'reactivation_rate', label: t('col.reactivation_rate'), fmt: 'pct' },
            { key: 'mean_days_to_reactivation', label: t('col.mean_days_to_reactivation'), fmt: 'num' }], r.rows)];
    });
    fill(deals, async () => {
        const items = await api.all('/deals' + api.qs({ stage: 'lost', lost_reason: reason }), 2000);
        items.sort((a, b) => (b.closed_at || '').localeCompare(a.closed_at || ''));
        return table([{ key: 'closed_at', label: t('col.closed'), fmt: 'date' },
            { key: 'customer_code', label: t('col.code'), fmt: (d) => h('a', { href: '#/customers/' + encodeURIComponent(d.customer_code) }, d.customer_code) },
            { key: 'title', label: t('col.title') }, { key: 'amount', label: t('col.amount'), fmt: 'money' },
            { key: 'lost_reason', label: t('col.lost_reason'), fmt: (d) => name(d.lost_reason) }, { key: 'lost_note', label: t('col.lost_note') },
            { key: 'owner', label: t('col.owner') }], items, { empty: t('lost.none') });
    });
    fill(plays, async () => {
        if (!api.has('GET', '/playbooks')) return waiting(t('lost.playbooks'), 'GET /api/v1/playbooks');
        const p = await api.get('/playbooks');
        const rows = p.items.filter((x) => JSON.stringify(x).includes('lost'));
        return table([{ key: 'name', label: t('col.name') }, { key: 'trigger', label: t('col.trigger'), fmt: (x) => JSON.stringify(x.trigger ?? '') }, { key: 'active', label: t('col.active') }], rows, { empty: t('pb.none') });
    });
}
