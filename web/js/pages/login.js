// login.js - log in (first-run hint for the admin password printed by `okaeri serve`).
import { h, toast } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, formValues } from '../ui.js';
import { startSession, session, go } from '../app.js';

export async function render(main) {
    if (session.user) { go('#/dashboard'); return; }
    const expired = sessionStorage.getItem('okaeri.expired');
    sessionStorage.removeItem('okaeri.expired');
    const form = h('form.login', { 'data-form': 'login', novalidate: true },
        h('h1', t('login.title')),
        expired ? h('p.notice', { role: 'alert' }, t('login.expired')) : null,
        field('login', t('login.login'), { required: true, autocomplete: 'username' }),
        field('password', t('login.password'), { type: 'password', required: true, autocomplete: 'current-password' }),
        h('div.form-msg'),
        h('button.primary', { type: 'submit' }, t('login.submit')),
        h('details.hint', h('summary', t('login.firstrun')), h('p', t('login.firstrun.body')),
            h('pre', 'okaeri: first start: created user admin with password …'),
            h('p', t('login.firstrun.more'))));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const btn = form.querySelector('button[type=submit]');
        btn.disabled = true;
        try {
            const s = await api.post('/session', { login: v.login, password: v.password }, { noRedirect: true });
            await startSession(s);
            toast(t('login.welcome', { login: s.user.login }));
            const after = sessionStorage.getItem('okaeri.after');
            sessionStorage.removeItem('okaeri.after');
            go(after && after !== '#/login' ? after : '#/dashboard');
        } catch (err) {
            api.showError(form, err);
        } finally {
            btn.disabled = false;
        }
    });
    main.append(h('div.login-wrap', form));
    form.querySelector('input[name=login]').focus();
}
