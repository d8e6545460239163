// dom.js - building elements without innerHTML: every string becomes a text node, so a customer
// named <script> is shown as text. h('tag.class', {attrs}, ...children).

export function h(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split('.');
    const el = document.createElement(tag || 'div');
    if (classes.length) el.className = classes.join(' ');
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
        children.unshift(attrs);
        attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'value') el.value = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === null || c === undefined || c === false) continue;
        if (Array.isArray(c)) append(el, c);
        else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
}

export function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
}

export function $(sel, root = document) {
    return root.querySelector(sel);
}

let toastTimer = null;
export function toast(msg, kind = 'ok') {
    const t = document.getElementById('toast');
    t.textContent = msg;
    t.className = 'toast show ' + kind;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = 'toast'; }, 4000);
}

// A modal confirmation that is keyboard usable (Esc cancels, focus on the safe button).
export function confirmDialog(message, okLabel, cancelLabel) {
    return new Promise((resolve) => {
        const dlg = h('dialog.confirm', { role: 'alertdialog', 'aria-label': message },
            h('p', message),
            h('div.actions',
                h('button.danger', { type: 'button', onclick: () => done(true) }, okLabel),
                h('button', { type: 'button', onclick: () => done(false) }, cancelLabel)));
        function done(v) { dlg.close(); dlg.remove(); resolve(v); }
        dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
        document.body.append(dlg);
        dlg.showModal();
        dlg.querySelectorAll('button')[1].focus();
    });
}
