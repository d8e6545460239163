// api.js - the one way the UI talks to the server: JSON over /api/v1 with the session cookie and
// the CSRF token. A 401 on any call (the session expired) saves what the user typed on the page
// and returns to the login screen; after logging in the page and its fields are restored.

let csrf = null;
let routes = null;
let unauthorizedHandler = null;

export class ApiError extends Error {
    constructor(status, body) {
        const e = (body && body.error) || {};
        super(e.message || `HTTP ${status}`);
        this.status = status;
        this.code = e.code || 'http';
        this.field = e.field || null;
    }
}

export function setCsrf(t) { csrf = t; }
export function csrfToken() { return csrf; }
export function onUnauthorized(fn) { unauthorizedHandler = fn; }
// For requests made without api() (file uploads): the same return-to-login on a 401.
export function unauthorized(err) { if (unauthorizedHandler) unauthorizedHandler(err); }

export async function api(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
    Object.assign(headers, opts.headers || {});
    let r;
    try {
        r = await fetch('/api/v1' + path, {
            method, headers, credentials: 'same-origin',
            body: body !== undefined ? JSON.stringify(body) : undefined,
        });
    } catch (e) {
        throw new ApiError(0, { error: { code: 'network', message: 'network: ' + e.message } });
    }
    // Read the whole body even when empty (a 204 left unread counts as an aborted request).
    const text = await r.text().catch(() => '');
    if (r.status === 204) return null;
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!r.ok) {
        const err = new ApiError(r.status, data);
        if (r.status === 401 && !opts.noRedirect && unauthorizedHandler) unauthorizedHandler(err);
        throw err;
    }
    return data;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b ?? {}, o);
export const patch = (p, b, o) => api('PATCH', p, b, o);
export const put = (p, b, o) => api('PUT', p, b, o);
export const del = (p, o) => api('DELETE', p, undefined, o);

export function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
    const s = u.toString();
    return s ? '?' + s : '';
}

// Every page of a list endpoint (up to max items).
export async function all(path, max = 5000) {
    const items = [];
    let cursor = null;
    do {
        const sep = path.includes('?') ? '&' : '?';
        const page = await get(path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
        items.push(...page.items);
        cursor = page.next_cursor;
    } while (cursor && items.length < max);
    return items;
}

// Which endpoints this server has (from its OpenAPI): pages for features whose endpoints have
// not landed yet say so instead of failing, and light up when the server gains them.
export async function loadRoutes() {
    if (routes) return routes;
    const doc = await get('/openapi.json');
    routes = {};
    for (const [p, ops] of Object.entries(doc.paths || {}))
        routes[p.replace(/^\/api\/v1/, '')] = ops;
    return routes;
}

export function has(method, path) {
    const ops = routes && routes[path];
    return !!(ops && ops[method.toLowerCase()]);
}

export function operation(method, path) {
    const ops = routes && routes[path];
    return ops ? ops[method.toLowerCase()] : null;
}

export function pathsUnder(prefix) {
    return Object.keys(routes || {}).filter((p) => p.startsWith(prefix));
}

// Errors next to the field the API names; otherwise in the form's message line.
export function showError(form, err) {
    form.querySelectorAll('.field-error').forEach((e) => e.remove());
    form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    const msg = err.message || String(err);
    const input = err.field ? form.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
    const box = document.createElement('p');
    box.className = 'field-error';
    box.setAttribute('role', 'alert');
    box.textContent = msg;
    if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.closest('label, .field')?.append(box) ?? input.after(box);
        input.focus();
    } else {
        (form.querySelector('.form-msg') || form).append(box);
    }
}

export function clearError(form) {
    form.querySelectorAll('.field-error').forEach((e) => e.remove());
    form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}

// Drafts: the values of every named field on the page, kept across a re-login.
export function saveDraft(root) {
    const fields = {};
    root.querySelectorAll('input[name], textarea[name], select[name]').forEach((el) => {
        if (el.type === 'password' || el.type === 'file') return;
        const key = (el.form?.dataset.form || '') + '/' + el.name;
        fields[key] = el.type === 'checkbox' ? el.checked : el.value;
    });
    sessionStorage.setItem('okaeri.draft', JSON.stringify({ hash: location.hash, fields }));
}

export function restoreDraft(root) {
    const raw = sessionStorage.getItem('okaeri.draft');
    if (!raw) return false;
    const d = JSON.parse(raw);
    if (d.hash !== location.hash) return false;
    sessionStorage.removeItem('okaeri.draft');
    let n = 0;
    root.querySelectorAll('input[name], textarea[name], select[name]').forEach((el) => {
        const key = (el.form?.dataset.form || '') + '/' + el.name;
        if (!(key in d.fields) || el.type === 'password' || el.type === 'file') return;
        if (el.type === 'checkbox') el.checked = d.fields[key];
        else el.value = d.fields[key];
        n++;
    });
    return n > 0;
}
