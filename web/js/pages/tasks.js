// tasks.js - follow-ups: today / overdue / upcoming / all, mine, the team queue or everyone's.
// Completing takes one click (the outcome "reached") or two (pick another outcome first); the
// server records the contact and advances or ends the task's playbook. Snooze moves a task to
// tomorrow.
import { h, toast } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, empty } from '../ui.js';
import { date, today } from '../fmt.js';

const VIEWS = ['actionable', 'today', 'overdue', 'upcoming', 'all'];
const OUTCOMES = ['reached', 'no_answer', 'interested', 'not_interested', 'won_back'];

export async function render(main, ctx) {
    const view = VIEWS.includes(ctx.params.get('view')) ? ctx.params.get('view') : 'actionable';
    const who = ctx.params.get('assignee') || 'me';
    const listEl = h('div');
    const link = (v, a) => '#/tasks?view=' + v + '&assignee=' + encodeURIComponent(a);
    const tabs = h('nav.tabs', { 'aria-label': t('tasks.views') },
        VIEWS.map((v) => h('a.button', { href: link(v, who), 'aria-current': v === view ? 'page' : null }, t('tview.' + v))));
    const whoTabs = h('nav.tabs', { 'aria-label': t('tasks.whose') },
        [['me', t('tasks.mine')], ['-', t('tasks.team')], ['', t('all')]].map(([a, l]) =>
            h('a.button', { href: link(view, a), 'aria-current': a === who ? 'page' : null }, l)));
    main.append(page(t('nav.tasks'), h('p.help', t('tasks.intro')), tabs, whoTabs, card('', listEl)));
    const reload = () => fill(listEl, () => list(view, who, reload));
    await reload();
}

async function list(view, who, reload) {
    const res = await api.get('/tasks' + api.qs({ view, assignee: who, status: view === 'all' ? null : 'open', limit: 200 }));
    if (!res.items.length) return empty(t('tasks.none.' + view) !== 'none.' + view ? t('tasks.none.' + view) : t('tasks.none'));
    const now = today();
    return [table([
        { key: 'due_on', label: t('col.due'), fmt: (x) => h('span', { class: x.due_on < now && x.status === 'open' ? 'overdue' : null }, date(x.due_on)) },
        { key: 'customer_code', label: t('col.customer'), fmt: (x) => x.customer_code ? h('a', { href: '#/customers/' + encodeURIComponent(x.customer_code) }, x.customer_code) : '' },
        { key: 'title', label: t('col.title'), fmt: (x) => h('span', h('strong', x.title), x.body ? h('small.task-body', x.body) : null) },
        { key: 'channel', label: t('col.channel'), fmt: (x) => (x.channel ? t('chan.' + x.channel) : '') },
        { key: 'assignee', label: t('col.assignee'), fmt: (x) => x.assignee || t('tasks.queue', { q: x.queue || 'team' }) },
        { key: '_a', label: t('tasks.complete'), fmt: (x) => (x.status === 'open' ? actions(x, reload) : t('tstatus.' + x.status)) },
    ], res.items, { rowAttrs: (x) => ({ 'data-task': x.id }) }),
    res.next_cursor ? h('p.help', t('tasks.more')) : null];
}

function actions(x, reload) {
    const outcome = h('select', { name: 'outcome', 'aria-label': t('tasks.outcome') },
        OUTCOMES.map((o) => h('option', { value: o }, t('outcome.' + o))));
    const busy = (fn) => async (e) => {
        const row = e.target.closest('tr');
        row.querySelectorAll('button, select').forEach((b) => { b.disabled = true; });
        try {
            await fn();
            row.classList.add('done');
            await reload();
        } catch (err) {
            row.querySelectorAll('button, select').forEach((b) => { b.disabled = false; });
            toast(err.message, 'err');
        }
    };
    return h('div.row-actions',
        outcome,
        h('button.primary', { type: 'button', onclick: busy(async () => {
            await api.post(`/tasks/${x.id}/complete`, { outcome: outcome.value, version: x.version });
            toast(t('tasks.completed', { o: t('outcome.' + outcome.value) }));
        }) }, t('tasks.complete')),
        h('button', { type: 'button', onclick: busy(async () => {
            const d = new Date(); d.setDate(d.getDate() + 1);
            const p = (n) => String(n).padStart(2, '0');
            await api.post(`/tasks/${x.id}/snooze`, { until: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`, version: x.version });
            toast(t('tasks.snoozed'));
        }) }, t('tasks.snooze')));
}
