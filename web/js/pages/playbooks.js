// playbooks.js - follow-up sequences: the list with their steps, and an editor for the trigger,
// the steps (days after the trigger, channel, who does it, subject and body templates with a
// preview on a sample customer) and the exit rule. The server checks everything on save (unknown
// placeholders, channels, assignees) and its message is shown next to the field it names.
import { h, clear, toast, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { page, card, fill, table, field, formValues, empty, badge } from '../ui.js';

const TRIGGERS = ['first_purchase', 'deal_lost', 'became_sleeping', 'became_dead', 'contract_ending', 'entered_segment', 'need_met', 'manual'];
const EXITS = ['bought_again', 'deal_won', 'left_segment', 'none'];
const CHANNELS = ['email', 'phone', 'visit', 'letter', 'line', 'sms'];

// What the placeholders of docs/automation.md become in the preview.
const SAMPLE = {
    name: '山田 花子', name_kana: 'ヤマダ ハナコ', code: 'C0001234', company: '', owner: '高橋',
    last_product: 'ブレンド珈琲 200g', last_purchase: '2024年9月12日', days_since: '143', lost_reason: '価格',
    deal: '法人向け定期便', business: '珈琲店おかえり', unsubscribe_url: 'https://example.jp/u/…', today: '2025年2月2日',
};

export function renderTemplate(text) {
    return String(text || '').replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, k) => (k in SAMPLE ? SAMPLE[k] : m));
}

export async function render(main) {
    const listEl = h('div');
    const editor = h('div');
    const manager = api.has('POST', '/playbooks');
    main.append(page(t('nav.playbooks'), h('p.help', t('playbooks.intro')),
        card(t('list'), listEl), manager ? card(t('pb.editor'), editor) : null));
    const reload = () => fill(listEl, () => list(listEl, (pb) => openEditor(editor, pb, reload)));
    listEl.addEventListener('reload', reload);
    if (manager) openEditor(editor, null, reload);
    await reload();
}

async function list(listEl, edit) {
    const items = await api.all('/playbooks', 1000);
    if (!items.length) return empty(t('playbooks.none'));
    return table([
        { key: 'name', label: t('pb.name'), fmt: (p) => h('span', h('strong', p.name), p.active ? null : [' ', badge(t('pb.inactive'), 'cause')]) },
        { key: 'trigger_kind', label: t('col.trigger'), fmt: (p) => t('trig.' + p.trigger_kind) + (p.trigger_arg ? ': ' + p.trigger_arg : '') },
        { key: 'steps', label: t('pb.steps'), fmt: (p) => h('ol.pb-steps', (p.steps || []).map((s) =>
            h('li', t('pb.day', { n: s.offset_days }), ' ', t('chan.' + s.channel), ' — ', s.subject || ''))) },
        { key: 'exit_rule', label: t('pb.exit'), fmt: (p) => t('exit.' + p.exit_rule) },
        { key: '_a', label: '', fmt: (p) => h('div.row-actions',
            api.has('PATCH', '/playbooks/{name}') ? h('button', { type: 'button', onclick: () => edit(p) }, t('edit')) : null,
            api.has('DELETE', '/playbooks/{name}') ? h('button.danger', { type: 'button', onclick: async () => {
                if (!(await confirmDialog(t('pb.delete.confirm', { name: p.name }), t('delete'), t('cancel')))) return;
                try { await api.del('/playbooks/' + encodeURIComponent(p.name)); toast(t('deleted')); listEl.dispatchEvent(new Event('reload')); } catch (e) { toast(e.message, 'err'); }
            } }, t('delete')) : null) },
    ], items, { rowAttrs: (p) => ({ 'data-name': p.name }) });
}

function openEditor(el, pb, done) {
    const editing = pb ? pb.name : null;
    const steps = h('ol.pb-edit-steps');
    const form = h('form.playbook', { 'data-form': 'playbook', novalidate: true },
        h('div.cols',
            field('name', t('pb.name'), { required: true, value: pb?.name }),
            field('trigger', t('col.trigger'), { type: 'select', value: pb?.trigger_kind || 'became_sleeping', options: TRIGGERS.map((x) => [x, t('trig.' + x)]) }),
            field('trigger_arg', t('pb.trigger_arg'), { value: pb?.trigger_arg || '', help: t('pb.trigger_arg.help') }),
            field('exit_rule', t('pb.exit'), { type: 'select', value: pb?.exit_rule || 'bought_again', options: EXITS.map((x) => [x, t('exit.' + x)]) })),
        field('description', t('col.description'), { value: pb?.description || '' }),
        field('active', t('pb.active'), { type: 'checkbox', value: pb ? pb.active : true }),
        h('h3', t('pb.steps')), steps,
        h('button', { type: 'button', onclick: () => addStep() }, t('pb.addstep')),
        h('p.help', t('pb.placeholders')),
        h('div.form-msg'),
        h('div.actions', h('button.primary', { type: 'submit' }, editing ? t('save') : t('create')),
            editing ? h('button', { type: 'button', onclick: () => openEditor(el, null, done) }, t('pb.new')) : null));
    function addStep(s = {}) {
        const n = steps.children.length;
        const preview = h('div.tpl-preview', { 'aria-live': 'polite' });
        const li = h('li.pb-step',
            h('div.cols',
                field('offset_days', t('pb.offset'), { type: 'number', min: 0, value: s.offset_days ?? (n ? 7 * n : 0) }),
                field('channel', t('col.channel'), { type: 'select', value: s.channel || 'phone', options: CHANNELS.map((x) => [x, t('chan.' + x)]) }),
                field('assignee_rule', t('pb.assignee'), { value: s.assignee_rule || 'owner', help: t('pb.assignee.help') })),
            field('subject', t('col.subject'), { value: s.subject || '' }),
            field('body', t('pb.body'), { type: 'textarea', rows: 3, value: s.body || '' }),
            h('details.preview', h('summary', t('pb.preview')), preview),
            h('button.danger', { type: 'button', onclick: () => li.remove() }, t('pb.removestep')));
        const draw = () => {
            const v = (name) => li.querySelector(`[name=${name}]`).value;
            clear(preview).append(h('p', h('strong', renderTemplate(v('subject')))), h('pre', renderTemplate(v('body'))));
        };
        li.addEventListener('input', draw);
        steps.append(li);
        draw();
    }
    (pb?.steps?.length ? pb.steps : [{}]).forEach((s) => addStep(s));
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        api.clearError(form);
        const v = formValues(form);
        const body = {
            name: v.name.trim(), trigger: v.trigger, trigger_arg: v.trigger_arg.trim() || null,
            exit_rule: v.exit_rule, description: v.description.trim() || null, active: v.active,
            steps: [...steps.children].map((li) => {
                const s = formValues(li);
                return { offset_days: Number(s.offset_days), channel: s.channel, subject: s.subject, body: s.body, assignee_rule: s.assignee_rule.trim() || 'owner' };
            }),
        };
        try {
            if (editing) await api.patch('/playbooks/' + encodeURIComponent(editing), body);
            else await api.post('/playbooks', body);
            toast(t('saved'));
            openEditor(el, null, done);
            done();
        } catch (err) {
            // "steps[1].body: unknown placeholder ..." names a step's field (1-based): show it there.
            const m = /^steps\[(\d+)\]\.(\w+)/.exec(err.field || '');
            const li = m ? steps.children[Number(m[1]) - 1] : null;
            if (li) api.showError(li, { message: err.message, field: m[2] });
            else api.showError(form, err);
        }
    });
    clear(el).append(form);
    if (pb) form.querySelector('[name=name]').focus();
}

export { fill };
