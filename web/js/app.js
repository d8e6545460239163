// app.js - the shell: session, navigation, language, and the hash router (#/customers/C001).
import { h, clear, toast } from './dom.js';
import { t, setLang, getLang } from './i18n.js';
import { setCurrency } from './fmt.js';
import * as api from './api.js';
import { destroyCharts } from './ui.js';

export const session = { user: null };

const NAV = [
    ['dashboard', 'nav.dashboard'], ['customers', 'nav.customers'], ['inventory', 'nav.inventory'],
    ['lost', 'nav.lost'], ['tasks', 'nav.tasks'], ['segments', 'nav.segments'],
    ['playbooks', 'nav.playbooks'], ['reports', 'nav.reports'], ['import', 'nav.import'],
    ['settings', 'nav.settings'],
];

const PAGES = {
    login: () => import('./pages/login.js'),
    dashboard: () => import('./pages/dashboard.js'),
    customers: () => import('./pages/customers.js'),
    customer: () => import('./pages/customer.js'),
    inventory: () => import('./pages/inventory.js'),
    lost: () => import('./pages/lost.js'),
    tasks: () => import('./pages/tasks.js'),
    segments: () => import('./pages/segments.js'),
    playbooks: () => import('./pages/playbooks.js'),
    reports: () => import('./pages/reports.js'),
    import: () => import('./pages/import.js'),
    settings: () => import('./pages/settings.js'),
};

function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query] = raw.split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let name = parts[0] || 'dashboard';
    let arg = parts[1];
    if (name === 'customers' && arg) name = 'customer';
    return { name, arg, params: new URLSearchParams(query || '') };
}

export function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
}

function renderNav() {
    const nav = document.getElementById('nav');
    clear(nav);
    if (!session.user) return;
    const cur = parseHash().name;
    const ul = h('ul');
    for (const [key, label] of NAV) {
        const active = cur === key || (key === 'customers' && cur === 'customer');
        ul.append(h('li', h('a', { href: '#/' + key, 'aria-current': active ? 'page' : null }, t(label))));
    }
    nav.append(ul);
    document.getElementById('who').textContent = session.user.login + ' (' + t('role.' + session.user.role) + ')';
    document.getElementById('logout').hidden = false;
}

function renderChrome() {
    document.getElementById('logout').textContent = t('logout');
    document.getElementById('skip-link').textContent = t('skip');
    document.getElementById('lang-label').textContent = t('language');
    document.getElementById('lang').value = getLang();
    if (!session.user) {
        document.getElementById('who').textContent = '';
        document.getElementById('logout').hidden = true;
    }
    renderNav();
}

let seq = 0;
export async function route() {
    const my = ++seq;
    const { name, arg, params } = parseHash();
    const main = document.getElementById('main');
    if (!session.user && name !== 'login') {
        sessionStorage.setItem('okaeri.after', location.hash || '#/dashboard');
        location.replace('#/login');
        return;
    }
    destroyCharts();
    renderChrome();
    const load = PAGES[name];
    if (!load) {
        clear(main).append(h('section.page', h('h1', t('notfound')), h('p', h('a', { href: '#/dashboard' }, t('nav.dashboard')))));
        return;
    }
    const mod = await load();
    if (my !== seq) return;
    clear(main);
    document.title = t('nav.' + name) + ' - okaeri';
    await mod.render(main, { name, arg, params, session });
    if (my !== seq) return;
    if (api.restoreDraft(main)) toast(t('draft.restored'));
    document.dispatchEvent(new CustomEvent('okaeri:page', { detail: { name } }));
}

export async function startSession(s) {
    session.user = s.user;
    api.setCsrf(s.csrf_token);
    localStorage.setItem('okaeri.loggedIn', '1');
    // Both at once: on a page load they stand between the session and the first page's data.
    await Promise.all([
        api.loadRoutes().catch(() => { /* pages then say the endpoints are missing */ }),
        api.get('/settings/currency').then((cur) => setCurrency(cur.value), () => { /* the default does */ }),
    ]);
}

export function endSession() {
    session.user = null;
    api.setCsrf(null);
    localStorage.removeItem('okaeri.loggedIn');
}

api.onUnauthorized(() => {
    if (!session.user) return;
    // The session expired: keep what was typed, log in again, come back here.
    api.saveDraft(document.getElementById('main'));
    endSession();
    sessionStorage.setItem('okaeri.after', location.hash);
    sessionStorage.setItem('okaeri.expired', '1');
    location.replace('#/login');
    route();
});

async function boot() {
    setLang(getLang());
    document.getElementById('lang').addEventListener('change', (e) => {
        setLang(e.target.value);
        route();
    });
    document.getElementById('logout').addEventListener('click', async () => {
        try { await api.del('/session'); } catch { /* already gone */ }
        endSession();
        toast(t('loggedout'));
        go('#/login');
    });
    const toggle = document.getElementById('menu-toggle');
    toggle.addEventListener('click', () => {
        const open = document.getElementById('nav').classList.toggle('open');
        toggle.setAttribute('aria-expanded', String(open));
    });
    document.getElementById('nav').addEventListener('click', (e) => {
        if (e.target.closest('a')) document.getElementById('nav').classList.remove('open');
    });
    if (localStorage.getItem('okaeri.loggedIn')) {
        // The page's module loads while the session is checked (route() then finds it loaded).
        const load = PAGES[parseHash().name];
        if (load) load().catch(() => { /* route() reports it */ });
        try {
            const s = await api.get('/session', { noRedirect: true });
            await startSession(s);
        } catch {
            endSession();
        }
    }
    window.addEventListener('hashchange', route);
    await route();
}

boot();
