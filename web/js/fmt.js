// fmt.js - numbers, money and dates the Japanese way: ¥1,234 and 2024年1月5日 or 2024/01/05
// (the user's choice, kept in this browser), names with their kana reading.
import { getLang } from './i18n.js';

let currency = 'JPY';
export function setCurrency(c) { currency = c || 'JPY'; }

export function num(n, digits = 0) {
    if (n === null || n === undefined || n === '') return '';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// Amounts are integer minor units (yen: 1; cents for USD/EUR).
export function money(n) {
    if (n === null || n === undefined || n === '') return '';
    if (currency === 'JPY') return (n < 0 ? '-¥' : '¥') + Math.abs(Math.round(n)).toLocaleString('en-US');
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(n / 100);
}

export function pct(x, digits = 1) {
    if (x === null || x === undefined || x === '') return '';
    return (x * 100).toFixed(digits) + '%';
}

export function dateStyle() { return localStorage.getItem('okaeri.datefmt') || 'kanji'; }
export function setDateStyle(s) { localStorage.setItem('okaeri.datefmt', s); }

// "2024-01-05" or "2024-01-05 14:38:05" → 2024年1月5日 / 2024/01/05 (+ time when given).
export function date(s, withTime = false) {
    if (!s) return '';
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(s);
    if (!m) return s;
    let out;
    if (getLang() === 'en') out = `${m[1]}-${m[2]}-${m[3]}`;
    else if (dateStyle() === 'slash') out = `${m[1]}/${m[2]}/${m[3]}`;
    else out = `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
    if (withTime && m[4]) out += ` ${m[4]}:${m[5]}`;
    return out;
}

export function today() {
    const d = new Date();
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
