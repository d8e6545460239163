// i18n.js - messages in Japanese (default) and English; t('key', {var}) fills {var}.
import ja from '../i18n/ja.js';
import en from '../i18n/en.js';

const dicts = { ja, en };
let lang = localStorage.getItem('okaeri.lang') || 'ja';
if (!dicts[lang]) lang = 'ja';

export function getLang() { return lang; }
export function setLang(l) {
    lang = dicts[l] ? l : 'ja';
    localStorage.setItem('okaeri.lang', lang);
    document.documentElement.lang = lang;
}

export function t(key, vars) {
    let s = dicts[lang][key] ?? dicts.ja[key] ?? key.slice(key.indexOf('.') + 1);
    if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
    return s;
}

// A list value's label ({code,label_ja,label_en}) in the current language.
export function label(item) {
    if (!item) return '';
    return (lang === 'en' ? item.label_en || item.label_ja : item.label_ja || item.label_en) || item.code;
}
