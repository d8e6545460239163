// settings.js - display preferences (this browser), users and roles, API tokens, business
// settings (thresholds, currency, time zone, SMTP when the server has those keys), the lost
// reasons / causes / triggers lists, and the audit log.
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { dateStyle, setDateStyle, date } from '../fmt.js';
import { page, card, fill, table, field, formValues, empty } from '../ui.js';
import { go } from '../app.js';

const TABS = ['display', 'users', 'tokens', 'business', 'lists', 'audit'];

export async function render(main, ctx) {
    const role = ctx.session.user.role;
    const tab = TABS.includes(ctx.params.get('tab')) ? ctx.params.get('tab') : 'display';
    const tabs = h('div.tabs', { role: 'tablist' }, TABS.map((x) => h('a.tab', { href: '#/settings?tab=' + x, role: 'tab', 'aria-selected': String(x === tab) }, t('set.' + x))));
    const body = h('div');
    main.append(page(t('nav.settings'), tabs, body));
    const admin = role === 'admin', manager = admin || role === 'manager';
    switch (tab) {
    case 'display': return body.append(card(t('set.display'), display()));
    case 'users': return admin ? users(body) : body.append(card('', h('p', t('set.adminonly'))));
    case 'tokens': return tokens(body);
    case 'business': return business(body, admin);
    case 'lists': return lists(body, manager);
    case 'audit': return manager ? audit(body, ctx) : body.append(card('', h('p', t('set.manageronly'))));
    }
}

function display() {
    const form = h('form', { 'data-form': 'display' },
        field('datefmt', t('set.datefmt'), { type: 'select', value: dateStyle(), options: [['kanji', date('2024-01-05') && '2024年1月5日'], ['slash', '2024/01/05']] }),
        h('button.primary', { type: 'submit' }, t('save')));
    form.addEventListener('submit', (e) => { e.preventDefault(); setDateStyle(formValues(form).datefmt); toast(t('saved')); });
    return form;
}

function users(body) {
    const listEl = h('div');
    const reload = () => fill(listEl, async () => {
        const items = await api.all('/users?include_disabled=true');
        return table([{ key: 'login', label: t('col.login') }, { key: 'display_name', label: t('col.display_name') },
            { key: 'role', label: t('col.role'), fmt: (u) => roleSelect(u) }, { key: 'email', label: t('col.email') },
            { key: 'disabled', label: t('col.disabled'), fmt: (u) => h('button', { type: 'button', class: u.disabled ? null : 'danger', onclick: async () => {
                if (!u.disabled && !(await confirmDialog(t('user.disable.confirm', { login: u.login }), t('user.disable'), t('cancel')))) return;
                try { await api.patch('/users/' + encodeURIComponent(u.login), { disabled: !u.disabled }); toast(t('saved')); reload(); } catch (e) { toast(e.message, 'err'); }
            } }, u.disabled ? t('user.enable') : t('user.disable')) }], items);
    });
    const roleSelect = (u) => {
        const s = h('select', { 'aria-label': t('col.role') + ' ' + u.login }, ['admin', 'manager', 'staff', 'readonly'].map((r) => h('option', { value: r }, t('role.' + r))));
        s.value = u.role;
        s.addEventListener('change', async () => {
            try { await api.patch('/users/' + encodeURIComponent(u.login), { role: s.value }); toast(t('saved')); } catch (e) { toast(e.message, 'err'); s.value = u.role; }
        });
        return s;
    };
    const form = h('form', { 'data-form': 'user', novalidate: true },
        h('div.cols', field('login', t('col.login'), { required: true }), field('display_name', t('col.display_name')), field('email', t('col.email'), { type: 'email' }),
            field('role', t('col.role'), { type: 'select', value: 'staff', options: ['admin', 'manager', 'staff', 'readonly'].map((r) => [r, t('role.' + r)]) }),
            field('password', t('login.password'), { type: 'password', autocomplete: 'new-password', help: t('user.pw.help') })),
        h('div.form-msg'), h('button.primary', { type: 'submit' }, t('create')));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form), b = { login: v.login.trim(), role: v.role };
        for (const k of ['display_name', 'email', 'password']) if (v[k]) b[k] = v[k];
        try { await api.post('/users', b); form.reset(); toast(t('saved')); reload(); } catch (err) { api.showError(form, err); }
    });
    body.append(card(t('set.users'), listEl), card(t('user.add'), form));
    reload();
}

function tokens(body) {
    const listEl = h('div'), shown = h('div');
    const reload = () => fill(listEl, async () => {
        const r = await api.get('/tokens');
        return table([{ key: 'name', label: t('col.name') }, { key: 'prefix', label: t('col.prefix') }, { key: 'created_at', label: t('col.created_at'), fmt: 'date' },
            { key: 'expires_at', label: t('col.expires_at'), fmt: 'date' }, { key: 'last_used_at', label: t('col.last_used_at'), fmt: 'datetime' },
            { key: 'id', label: '', fmt: (x) => h('button.danger', { type: 'button', onclick: async () => {
                if (!(await confirmDialog(t('token.revoke.confirm', { name: x.name }), t('token.revoke'), t('cancel')))) return;
                try { await api.del('/tokens/' + x.id); toast(t('token.revoked')); reload(); } catch (e) { toast(e.message, 'err'); }
            } }, t('token.revoke')) }], r.items, { empty: t('token.none') });
    });
    const form = h('form', { 'data-form': 'token', novalidate: true },
        field('name', t('col.name'), { required: true, placeholder: 'POS sync' }), field('expires_in_days', t('token.days'), { type: 'number', min: 0, value: 90 }),
        h('div.form-msg'), h('button.primary', { type: 'submit' }, t('create')), shown);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        try {
            const r = await api.post('/tokens', { name: v.name.trim(), expires_in_days: v.expires_in_days === '' ? 0 : Number(v.expires_in_days) });
            clear(shown).append(h('p.notice', t('token.once')), h('input.token', { type: 'text', readonly: true, value: r.token, 'aria-label': 'token' }));
            reload();
        } catch (err) { api.showError(form, err); }
    });
    body.append(card(t('set.tokens'), listEl), card(t('token.add'), form));
    reload();
}

function business(body, admin) {
    const el = h('div');
    body.append(card(t('set.business'), h('p.help', admin ? t('set.business.help') : t('set.adminonly')), el));
    fill(el, async () => {
        const r = await api.get('/settings');
        return h('div.settings', r.items.map((s) => {
            const form = h('form.setting', { 'data-form': 'setting-' + s.key, novalidate: true },
                h('div.field', h('label', { for: 's-' + s.key }, h('code', s.key)),
                    h('input', { id: 's-' + s.key, name: 'value', value: s.value, disabled: !admin }), h('small.help', s.description + ' (' + t('default') + ': ' + s.default + ')')),
                admin ? h('button', { type: 'submit' }, t('save')) : null,
                admin && s.value !== s.default ? h('button', { type: 'button', onclick: async () => {
                    try { await api.del('/settings/' + encodeURIComponent(s.key)); toast(t('saved')); go('#/settings?tab=business'); } catch (e) { api.showError(form, e); }
                } }, t('reset')) : null,
                h('div.form-msg'));
            form.addEventListener('submit', async (e) => {
                e.preventDefault();
                api.clearError(form);
                try { await api.put('/settings/' + encodeURIComponent(s.key), { value: formValues(form).value }); toast(t('saved')); } catch (err) { api.showError(form, err); }
            });
            return form;
        }));
    });
}

function lists(body, manager) {
    for (const l of ['lost_reasons', 'causes', 'triggers']) {
        const el = h('div');
        const reload = () => fill(el, async () => {
            const r = await api.get('/lists/' + l + '?include_inactive=true');
            return table([{ key: 'code', label: t('col.code') }, { key: 'label_ja', label: t('col.label_ja') }, { key: 'label_en', label: t('col.label_en') },
                { key: 'uses', label: t('col.uses'), fmt: 'int' },
                { key: 'active', label: t('col.active'), fmt: (x) => (manager ? h('button', { type: 'button', onclick: async () => {
                    try { await api.patch(`/lists/${l}/${encodeURIComponent(x.code)}`, { active: !x.active }); reload(); } catch (e) { toast(e.message, 'err'); }
                } }, x.active ? t('list.deactivate') : t('list.activate')) : (x.active ? '✓' : '')) }], r.items);
        });
        const form = h('form.inline', { 'data-form': 'list-' + l, novalidate: true },
            field('code', t('col.code'), { required: true }), field('label_ja', t('col.label_ja'), { required: true }), field('label_en', t('col.label_en')),
            h('div.form-msg'), h('button', { type: 'submit' }, t('create')));
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            api.clearError(form);
            const v = formValues(form);
            try { await api.post('/lists/' + l, { code: v.code.trim(), label_ja: v.label_ja.trim(), label_en: v.label_en.trim() || null }); form.reset(); reload(); } catch (err) { api.showError(form, err); }
        });
        body.append(card(t('list.' + l), el, manager ? form : null));
        reload();
    }
    void label;
}

function audit(body, ctx) {
    const el = h('div');
    const more = h('button', { type: 'button' }, t('more'));
    let cursor = null;
    const rows = [];
    const load = async () => {
        const r = await api.get('/audit' + api.qs({ limit: 50, cursor, entity: ctx.params.get('entity') }));
        rows.push(...r.items);
        cursor = r.next_cursor;
        more.hidden = !cursor;
        clear(el).append(rows.length ? table([{ key: 'at', label: t('col.at'), fmt: 'datetime' }, { key: 'actor', label: t('col.user'), fmt: (x) => x.user || x.actor },
            { key: 'action', label: t('col.action') }, { key: 'entity', label: t('col.entity') }, { key: 'entity_id', label: 'ID' },
            { key: 'after', label: t('col.change'), fmt: (x) => h('details', h('summary', t('audit.show')), h('pre', JSON.stringify({ before: x.before, after: x.after }, null, 1))) }], rows) : empty(t('audit.none')));
    };
    more.addEventListener('click', load);
    body.append(card(t('set.audit'), el, more));
    load().catch((e) => el.append(h('p.error', e.message)));
}
