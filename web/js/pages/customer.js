// customer.js - one customer: details and edit (version / 409), timeline, record a contact,
// open / win / lose a deal, the cause of sleeping or dead, and value-model figures when the
// server offers them. "#/customers/new" adds a customer.
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t, label, getLang } from '../i18n.js';
import * as api from '../api.js';
import { money, date, today, num, pct } from '../fmt.js';
import { page, card, field, formValues, fill, empty, waiting, table, badge, errorBox } from '../ui.js';
import { go } from '../app.js';

const EDIT_FIELDS = [
    ['name', 'text'], ['name_kana', 'text'], ['kind', 'kind'], ['company', 'text'], ['email', 'email'],
    ['phone', 'tel'], ['postal_code', 'text'], ['address', 'text'], ['birthday', 'text'],
    ['source', 'text'], ['referred_by', 'text'], ['owner', 'text'], ['tags', 'text'],
];

export async function render(main, ctx) {
    if (ctx.arg === 'new') return renderNew(main);
    const code = ctx.arg;
    let c;
    try {
        c = await api.get('/customers/' + encodeURIComponent(code));
    } catch (e) {
        if (e.status !== 401) main.append(page(t('nav.customer'), errorBox(e), h('a', { href: '#/customers' }, t('nav.customers'))));
        return;
    }
    // The lists are not awaited before drawing, and the causes are read only when the cause form
    // is opened: GET /lists/causes counts each value's uses, seconds on a million customers, and
    // a slow request holds up the others served by the same server thread.
    const listP = (l) => api.get('/lists/' + l).then((r) => r.items).catch(() => []);
    const reasonsP = listP('lost_reasons');
    let causes = [], state = null;
    const header = h('div.cust-head');
    const details = h('div'), timeline = h('div'), deals = h('div'), value = h('div'), cause = h('div');
    main.append(page('', header,
        h('div.grid.cust',
            card(t('cust.details'), details),
            card(t('cust.value'), value),
            card(t('cust.record'), contactForm(c, timeline)),
            card(t('cust.deals'), deals),
            card(t('cust.cause'), cause),
            card(t('cust.timeline'), timeline))));
    const reload = async () => {
        c = await api.get('/customers/' + encodeURIComponent(code));
        drawHeader();
        drawDetails();
    };
    function drawHeader() {
        clear(header).append(h('h1', c.name, ' ', h('small.kana', c.name_kana || '')),
            h('p.meta', c.code, ' · ', c.owner ? t('col.owner') + ': ' + c.owner : t('cust.team'), ' ',
                badge(state && t('state.' + state), state),
                c.cause ? badge(t('cust.cause') + ': ' + label(causes.find((x) => x.code === c.cause) || { code: c.cause }), 'cause') : null));
        document.title = c.name + ' - okaeri';
    }
    function drawDetails() { clear(details).append(editForm(c, (upd) => { c = upd; drawHeader(); })); }
    drawHeader();
    drawDetails();
    fill(deals, async () => dealsBlock(c, await reasonsP, deals));
    fill(value, () => valueBlock(c, (st) => { state = st; drawHeader(); }));
    const openCause = () => fill(cause, async () => {
        causes = await listP('causes');
        drawHeader();
        return causeForm(c, causes, () => reload());
    });
    cause.append(h('p', c.cause ? [t('cust.cause') + ': ', h('strong', c.cause), c.cause_note ? ' — ' + c.cause_note : ''] : t('cust.nocause')),
        h('button', { type: 'button', class: 'open-cause', onclick: openCause }, t('cust.cause.edit')));
    drawTimeline(c.code, timeline);
}

function editForm(c, saved) {
    const form = h('form.edit', { 'data-form': 'edit', novalidate: true },
        h('div.cols', EDIT_FIELDS.map(([k, type]) => (type === 'kind'
            ? field(k, t('col.' + k), { type: 'select', value: c[k], options: [['person', t('kind.person')], ['company', t('kind.company')]] })
            : field(k, t('col.' + k), { type, value: c[k] ?? '' })))),
        field('email_consent', t('col.email_consent'), { type: 'checkbox', value: c.email_consent }),
        h('div.form-msg'),
        h('button.primary', { type: 'submit' }, t('save')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const body = { version: c.version };
        for (const [k] of EDIT_FIELDS) {
            const nv = v[k].trim() === '' ? null : v[k].trim();
            if (nv !== (c[k] ?? null)) body[k] = k === 'name' && nv === null ? '' : nv;
        }
        if (v.email_consent !== c.email_consent) body.email_consent = v.email_consent;
        if (Object.keys(body).length === 1) { toast(t('nochange')); return; }
        try {
            const upd = await api.patch('/customers/' + encodeURIComponent(c.code), body);
            Object.assign(c, upd);
            saved(upd);
            toast(t('saved'));
        } catch (err) {
            api.showError(form, err);
            if (err.status === 409) {
                form.querySelector('.form-msg').append(h('p.notice', t('cust.conflict'), ' ',
                    h('button', { type: 'button', onclick: async () => {
                        const fresh = await api.get('/customers/' + encodeURIComponent(c.code));
                        c.version = fresh.version;
                        api.clearError(form);
                        toast(t('cust.conflict.kept'));
                    } }, t('cust.conflict.take'))));
            }
        }
    });
    return form;
}

function contactForm(c, timeline) {
    const chans = ['phone', 'email', 'visit', 'letter', 'line', 'sms', 'other'];
    const form = h('form', { 'data-form': 'contact', novalidate: true },
        field('channel', t('col.channel'), { type: 'select', options: chans.map((x) => [x, t('chan.' + x)]) }),
        field('direction', t('col.direction'), { type: 'select', options: [['out', t('dir.out')], ['in', t('dir.in')]] }),
        field('subject', t('col.subject')),
        field('body', t('col.body'), { type: 'textarea' }),
        field('outcome', t('col.outcome')),
        h('div.form-msg'),
        h('button.primary', { type: 'submit' }, t('cust.record.submit')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const body = { customer_code: c.code, channel: v.channel, direction: v.direction };
        for (const k of ['subject', 'body', 'outcome']) if (v[k].trim()) body[k] = v[k].trim();
        try {
            await api.post('/activities', body);
            form.reset();
            toast(t('cust.record.done'));
            drawTimeline(c.code, timeline);
        } catch (err) { api.showError(form, err); }
    });
    const more = [];
    if (!api.has('POST', '/feedback')) more.push(waiting(t('cust.feedback'), 'POST /api/v1/feedback'));
    if (!api.has('POST', '/referrals')) more.push(waiting(t('cust.referral'), 'POST /api/v1/referrals'));
    return [form, ...more];
}

async function dealsBlock(c, reasons, el) {
    const res = await api.get('/deals' + api.qs({ customer: c.code, limit: 100 }));
    const reasonName = (code) => label(reasons.find((r) => r.code === code) || { code });
    const list = table([
        { key: 'title', label: t('col.title') },
        { key: 'kind', label: t('col.kind'), fmt: (d) => t('dealkind.' + d.kind) },
        { key: 'amount', label: t('col.amount'), fmt: 'money' },
        { key: 'stage', label: t('col.stage'), fmt: (d) => badge(t('dealstage.' + d.stage), 'deal-' + d.stage) },
        { key: 'opened_at', label: t('col.opened'), fmt: 'date' },
        { key: 'lost_reason', label: t('col.lost_reason'), fmt: (d) => (d.lost_reason ? reasonName(d.lost_reason) + (d.lost_note ? ' — ' + d.lost_note : '') : '') },
        { key: 'id', label: '', fmt: (d) => (d.stage === 'open' ? dealActions(d, reasons, () => fill(el, () => dealsBlock(c, reasons, el))) : '') },
    ], res.items, { empty: t('cust.nodeals') });
    return [list, newDealForm(c, () => fill(el, () => dealsBlock(c, reasons, el)))];
}

function dealActions(d, reasons, done) {
    const box = h('div.deal-actions');
    const win = h('button', { type: 'button' }, t('deal.win'));
    const lose = h('button.danger', { type: 'button' }, t('deal.lose'));
    win.addEventListener('click', async () => {
        if (!(await confirmDialog(t('deal.win.confirm', { title: d.title || d.code }), t('deal.win'), t('cancel')))) return;
        try { await api.post(`/deals/${d.id}/win`, {}); toast(t('deal.won')); done(); } catch (e) { toast(e.message, 'err'); }
    });
    lose.addEventListener('click', () => {
        const form = h('form.lose', { 'data-form': 'lose-' + d.id, novalidate: true },
            field('reason', t('col.lost_reason'), { type: 'select', required: true, options: [['', t('choose')], ...reasons.filter((r) => r.active).map((r) => [r.code, label(r)])] }),
            field('note', t('col.lost_note'), { type: 'textarea', rows: 2, placeholder: t('deal.note.ph') }),
            h('div.form-msg'),
            h('button.danger', { type: 'submit' }, t('deal.lose.submit')),
            h('button', { type: 'button', onclick: () => { clear(box).append(win, lose); } }, t('cancel')));
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            api.clearError(form);
            const v = formValues(form);
            const body = { reason: v.reason };
            if (v.note.trim()) body.note = v.note.trim();
            try { await api.post(`/deals/${d.id}/lose`, body); toast(t('deal.lost')); done(); } catch (err) { api.showError(form, err); }
        });
        clear(box).append(form);
        form.querySelector('select').focus();
    });
    box.append(win, lose);
    return box;
}

function newDealForm(c, done) {
    const kinds = ['new', 'renewal', 'upsell', 'cross_sell', 'referral'];
    const form = h('form.inline', { 'data-form': 'deal', novalidate: true },
        field('title', t('col.title')),
        field('kind', t('col.kind'), { type: 'select', options: kinds.map((k) => [k, t('dealkind.' + k)]) }),
        field('amount', t('col.amount'), { type: 'number', inputmode: 'numeric', min: 0 }),
        h('div.form-msg'),
        h('button', { type: 'submit' }, t('deal.open')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const body = { customer_code: c.code, kind: v.kind };
        if (v.title.trim()) body.title = v.title.trim();
        if (v.amount !== '') body.amount = Number(v.amount);
        try { await api.post('/deals', body); toast(t('deal.opened')); done(); } catch (err) { api.showError(form, err); }
    });
    return h('details', h('summary', t('deal.open')), form);
}

function causeForm(c, causes, done) {
    const form = h('form', { 'data-form': 'cause', novalidate: true },
        h('p.help', t('cust.cause.help')),
        field('cause', t('cust.cause'), { type: 'select', value: c.cause || '', options: [['', t('none')], ...causes.filter((x) => x.active || x.code === c.cause).map((x) => [x.code, label(x)])] }),
        field('cause_note', t('col.cause_note'), { type: 'textarea', rows: 2, value: c.cause_note || '' }),
        h('div.form-msg'),
        h('button', { type: 'submit' }, t('save')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        try {
            const cur = await api.get('/customers/' + encodeURIComponent(c.code));
            await api.patch('/customers/' + encodeURIComponent(c.code), { version: cur.version, cause: v.cause || null, cause_note: v.cause_note.trim() || null });
            toast(t('saved'));
            done();
        } catch (err) { api.showError(form, err); }
    });
    return form;
}

// P(alive) and CLV from the latest fitted value model, with what they mean; the customer's
// state and revenue from the same analytics (they also complete the header's badges).
async function valueBlock(c, onState) {
    if (!api.has('GET', '/customers/{code}/value')) return [h('p.help', t('cust.value.help')), waiting(t('cust.value'), 'GET /api/v1/customers/{code}/value')];
    const v = await api.get('/customers/' + encodeURIComponent(c.code) + '/value');
    onState(v.state);
    const facts = [[t('col.state'), v.state ? t('state.' + v.state) : '—'], [t('col.orders'), num(v.orders)],
        [t('col.revenue'), money(v.revenue)], [t('col.last_purchase'), v.last_purchase ? date(v.last_purchase) : '—']];
    const out = [];
    if (!v.value) {
        out.push(h('dl.kv', facts.map(([k, x]) => [h('dt', k), h('dd', x)])), h('p.empty.value-none', t('cust.value.nomodel')));
        return out;
    }
    const m = v.value;
    const p = m.p_alive;
    const meter = p === null ? null : h('meter', { min: 0, max: 1, low: 0.1, high: 0.5, optimum: 1, value: p, 'aria-label': t('col.p_alive') });
    out.push(h('dl.kv.value', { 'data-p-alive': p ?? '' },
        h('dt', t('col.p_alive')), h('dd', p === null ? '—' : [pct(p), ' ', meter]),
        h('dt', t('cust.value.expected', { days: m.horizon_days })), h('dd', m.expected_purchases === null ? '—' : num(m.expected_purchases, 2)),
        h('dt', t('cust.value.clv', { days: m.horizon_days })), h('dd', m.clv === null ? '—' : money(m.clv)),
        facts.map(([k, x]) => [h('dt', k), h('dd', x)])),
    h('p.help.explain', p === null ? (v.reason || '') : t(p >= 0.5 ? 'cust.value.high' : p >= 0.1 ? 'cust.value.mid' : 'cust.value.low', { p: pct(p, 0) }) + ' ' +
        t('cust.value.help2', { model: m.model.toUpperCase(), at: date(m.fitted_at) })));
    return out;
}

// Plain symbols: no emoji font is needed on the office PC.
const KIND_ICON = { order: '■', deal: '◆', contract: '▣', referral: '↪', activity: '●', feedback: '✎', task: '☐' };

function drawTimeline(code, el) {
    let cursor = null;
    const list = h('ol.timeline');
    const more = h('button', { type: 'button' }, t('more'));
    const load = async () => {
        more.disabled = true;
        try {
            const r = await api.get(`/customers/${encodeURIComponent(code)}/timeline` + api.qs({ limit: 30, cursor }));
            if (!r.items.length && !cursor) list.replaceWith(empty(t('cust.notimeline')));
            for (const it of r.items) list.append(timelineItem(it));
            cursor = r.next_cursor;
            more.hidden = !cursor;
        } catch (e) {
            if (e.status !== 401) el.append(errorBox(e));
        } finally { more.disabled = false; }
    };
    more.addEventListener('click', load);
    clear(el).append(list, more);
    load();
}

function timelineItem(it) {
    const x = it.item || {};
    let text;
    switch (it.kind) {
    case 'order': text = `${x.product || ''} × ${x.quantity ?? 1}  ${money(x.amount)}${x.store ? ' (' + x.store + ')' : ''}`; break;
    case 'deal': text = `${x.title || x.code || ''} ${money(x.amount)} — ${t('dealstage.' + x.stage)}${x.lost_reason ? ' (' + x.lost_reason + ')' : ''}`; break;
    case 'activity': text = `${t('chan.' + x.channel)}: ${x.subject || ''} ${x.outcome ? '→ ' + x.outcome : ''}`; break;
    case 'feedback': text = `${x.kind || ''}${x.score !== undefined && x.score !== null ? ' ' + x.score : ''}: ${x.text || ''}`; break;
    case 'contract': text = `${x.product || x.code || ''} ${x.starts_on ? date(x.starts_on) : ''}〜${x.ends_on ? date(x.ends_on) : ''} ${money(x.amount)}`; break;
    case 'referral': text = `${x.referrer_code || ''} → ${x.referred_code || ''} ${x.trigger || ''}`; break;
    case 'task': text = `${x.title || ''} ${x.due_on ? date(x.due_on) : ''}`; break;
    default: text = JSON.stringify(x);
    }
    return h('li', { class: 'tl-' + it.kind }, h('span.tl-icon', { 'aria-hidden': 'true' }, KIND_ICON[it.kind] || '•'),
        h('time', date(it.at, true)), ' ', h('strong', t('tl.' + it.kind)), ' ', h('span', text));
}

function renderNew(main) {
    const form = h('form.edit', { 'data-form': 'new', novalidate: true },
        h('div.cols', field('code', t('col.code'), { required: true }), field('name', t('col.name'), { required: true }),
            EDIT_FIELDS.filter(([k]) => k !== 'name').map(([k, type]) => (type === 'kind'
                ? field(k, t('col.' + k), { type: 'select', options: [['person', t('kind.person')], ['company', t('kind.company')]] })
                : field(k, t('col.' + k), { type })))),
        field('email_consent', t('col.email_consent'), { type: 'checkbox' }),
        h('div.form-msg'),
        h('button.primary', { type: 'submit' }, t('cust.create')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const body = { code: v.code.trim(), name: v.name.trim(), email_consent: v.email_consent };
        for (const [k] of EDIT_FIELDS) if (k !== 'name' && v[k].trim()) body[k] = v[k].trim();
        try {
            const c = await api.post('/customers', body);
            toast(t('saved'));
            go('#/customers/' + encodeURIComponent(c.code));
        } catch (err) { api.showError(form, err); }
    });
    main.append(page(t('cust.new'), card('', form)));
    void getLang; void today;
}
