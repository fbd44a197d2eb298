// Formatting shared by every page. Everything shown from the server goes through esc().
const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = v => String(v ?? '').replace(/[&<>"']/g, c => entities[c]);

/** Display names of instance states: the API's Ready is "warm". */
export function stateName(state) {
  const s = String(state || '').toLowerCase();
  return s === 'ready' ? 'warm' : s;
}

export const badge = state => { const s = stateName(state); return `<span class="badge ${esc(s)}">${esc(s)}</span>`; };

export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v < 1) return v.toFixed(2) + ' ms';
  if (v < 1000) return v.toFixed(v < 10 ? 1 : 0) + ' ms';
  return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' s';
}

export function seconds(v) {
  v = Number(v);
  if (!Number.isFinite(v)) return '–';
  if (v < 60) return v.toFixed(1) + ' s';
  if (v < 3600) return (v / 60).toFixed(1) + ' min';
  return (v / 3600).toFixed(2) + ' h';
}

export function pct(v) {
  if (v === null || v === undefined) return '–';
  const p = v * 100;
  return p.toFixed(p === 0 || p >= 10 ? 0 : p >= 1 ? 1 : 2) + ' %';
}

// Intl formatters are costly to build (a toLocale*String call with options builds one each time): build each once.
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const clockMinutes = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
const calendar = new Intl.DateTimeFormat('en-GB', { hour12: false, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const numbers = new Map();
const numberFormat = (digits, fixed) => {
  const key = digits * 2 + (fixed ? 1 : 0);
  if (!numbers.has(key)) numbers.set(key, new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: fixed ? digits : 0 }));
  return numbers.get(key);
};

/** hh:mm:ss of a time (ISO text or milliseconds). */
export const clockTime = t => clock.format(new Date(t));
/** hh:mm of a time (ISO text or milliseconds). */
export const clockMinute = t => clockMinutes.format(new Date(t));

export function num(v, digits = 2) {
  if (v === null || v === undefined) return '–';
  return numberFormat(digits, false).format(Number(v));
}

export function usd(v) {
  v = Number(v);
  if (!Number.isFinite(v)) return '–';
  const digits = Math.abs(v) >= 1 ? 2 : Math.abs(v) >= 0.01 ? 4 : 6;
  return '$' + numberFormat(digits, true).format(v);
}

export function bytes(v) {
  if (v === null || v === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return v.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
}

export function time(iso) {
  if (!iso) return '–';
  return clockTime(iso);
}

export function dateTime(iso) {
  if (!iso) return '–';
  return calendar.format(new Date(iso));
}

export function ago(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return Math.round(s) + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return (s / 3600).toFixed(1) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

export const errorBox = e => `<div class="error-box" data-error-code="${esc(e.code || '')}"><strong>${esc(e.code || 'Error')}</strong>: ${esc(e.message)}${
  e.details && e.details.length > 1 ? '<ul>' + e.details.map(d => `<li>${esc(d)}</li>`).join('') + '</ul>' : ''}</div>`;
