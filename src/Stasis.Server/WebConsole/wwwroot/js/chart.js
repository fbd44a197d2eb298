// A small SVG line chart: time on x, one or more series on y, gaps where a value is missing,
// and a hover line with the values at the nearest point.
import { esc, clockTime, clockMinute, dateTime } from './format.js';

export const palette = ['#1f77b4', '#e08a00', '#d14343', '#2e9e5b', '#8f6bd6', '#7f7f7f'];

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function timeLabel(t, span) {
  return span <= 15 * 60 * 1000 ? clockTime(t) : clockMinute(t);
}

/**
 * Draws into element: { title, times: [ms], series: [{ name, values, color }], format: v => text,
 * from, to (ms, the x range), max (optional fixed y max) }.
 */
export function drawChart(element, spec) {
  const width = Math.max(300, element.clientWidth - 24 || 420);
  const height = 180, left = 52, right = 10, top = 8, bottom = 20;
  const { times, series, format } = spec;
  const from = spec.from ?? times[0], to = spec.to ?? times[times.length - 1];
  const span = Math.max(1, to - from);
  let max = spec.max ?? 0;
  if (spec.max === undefined) for (const s of series) for (const v of s.values) if (v !== null && v !== undefined && v > max) max = v;
  // Counts get whole-number ticks.
  max = spec.max ?? (spec.whole ? Math.ceil(Math.max(4, max) / 4) * 4 : niceMax(max));
  const x = t => left + (t - from) / span * (width - left - right);
  const y = v => top + (1 - v / max) * (height - top - bottom);

  let grid = '';
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4, yy = y(v);
    grid += `<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}"/><text x="${left - 6}" y="${yy + 3}" text-anchor="end">${esc(format(v))}</text>`;
  }
  let ticks = '';
  for (let i = 0; i <= 4; i++) {
    const t = from + span * i / 4;
    ticks += `<text x="${x(t)}" y="${height - 5}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${esc(timeLabel(t, span))}</text>`;
  }
  const present = (s, i) => i >= 0 && i < times.length && s.values[i] !== null && s.values[i] !== undefined && !Number.isNaN(s.values[i]);
  const paths = series.map((s, k) => {
    const color = s.color || palette[k % palette.length];
    let d = '', dots = '';
    for (let i = 0; i < times.length; i++) {
      if (!present(s, i)) continue;
      const px = x(times[i]).toFixed(1), py = y(s.values[i]).toFixed(1);
      d += (present(s, i - 1) ? 'L' : 'M') + px + ' ' + py;
      // A point with no neighbour has no line to show it: draw it as a dot.
      if (!present(s, i - 1) && !present(s, i + 1)) dots += `<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`;
    }
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dash ? ' stroke-dasharray="4 3"' : ''}/>${dots}`;
  }).join('');

  const legend = series.map((s, k) => `<span><span class="dot" style="background:${s.color || palette[k % palette.length]}"></span>${esc(s.name)}</span>`).join('');
  const empty = times.length === 0 ? `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="muted">no data in this window yet</text>` : '';
  element.innerHTML = `<h3>${esc(spec.title)}</h3><div class="legend">${legend}</div>
    <svg viewBox="0 0 ${width} ${height}" style="height:${height}px" role="img" aria-label="${esc(spec.title)}">
      <g class="axis grid">${grid}</g><g class="axis">${ticks}</g>${paths}${empty}
      <line class="hover" x1="0" x2="0" y1="${top}" y2="${height - bottom}" stroke="#999" stroke-dasharray="2 2" visibility="hidden"/>
    </svg><div class="tip"></div>`;

  const svg = element.querySelector('svg'), tip = element.querySelector('.tip'), hover = element.querySelector('.hover');
  svg.addEventListener('mousemove', ev => {
    if (times.length === 0) return;
    const box = svg.getBoundingClientRect();
    const px = (ev.clientX - box.left) / box.width * width;
    const t = from + (px - left) / (width - left - right) * span;
    let best = 0;
    for (let i = 1; i < times.length; i++) if (Math.abs(times[i] - t) < Math.abs(times[best] - t)) best = i;
    hover.setAttribute('x1', x(times[best])); hover.setAttribute('x2', x(times[best])); hover.setAttribute('visibility', 'visible');
    tip.innerHTML = `<div>${esc(dateTime(times[best]))}</div>` +
      series.map(s => `<div>${esc(s.name)}: ${esc(s.values[best] == null ? '–' : format(s.values[best]))}</div>`).join('');
    tip.style.display = 'block';
    const tx = ev.clientX - element.getBoundingClientRect().left;
    tip.style.left = (tx > element.clientWidth / 2 ? tx - tip.offsetWidth - 12 : tx + 12) + 'px';
    tip.style.top = '40px';
  });
  svg.addEventListener('mouseleave', () => { tip.style.display = 'none'; hover.setAttribute('visibility', 'hidden'); });
}
