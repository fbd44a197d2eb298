// Each instance's state over a window, one row per instance, a coloured bar per state segment.
import { esc, clockTime, clockMinute } from './format.js';

export const stateColors = {
  starting: '#9aa3b1', initializing: '#b7a13a', warm: '#2e9e5b', busy: '#e08a00', frozen: '#3f7fd8',
  thawing: '#8f6bd6', draining: '#8a6b55', failed: '#d14343', stopped: '#c9ced6',
};

export function legend() {
  return '<div class="legend-states">' + Object.entries(stateColors)
    .map(([s, c]) => `<span><span class="dot" style="background:${c}"></span>${s}</span>`).join('') + '</div>';
}

/** Draws timeline = { since, until, instances: [{ instanceId, kind, segments: [{ state, from, to }] }] }. */
export function drawTimeline(element, timeline) {
  const width = Math.max(400, element.clientWidth || 900);
  const label = 190, right = 8, rowH = 16, gap = 4, axis = 18;
  const from = new Date(timeline.since).getTime(), to = new Date(timeline.until).getTime();
  const span = Math.max(1, to - from);
  const x = t => label + Math.max(0, Math.min(1, (t - from) / span)) * (width - label - right);
  const rows = timeline.instances;
  const height = axis + rows.length * (rowH + gap) + 4;
  let body = '';
  rows.forEach((inst, r) => {
    const y = axis + r * (rowH + gap);
    body += `<text class="label" x="0" y="${y + 12}">${esc(inst.instanceId.length > 26 ? '…' + inst.instanceId.slice(-25) : inst.instanceId)}</text>`;
    for (const seg of inst.segments) {
      const a = x(new Date(seg.from).getTime()), b = x(new Date(seg.to).getTime());
      if (b <= a) continue;
      body += `<rect data-state="${esc(seg.state)}" x="${a.toFixed(1)}" y="${y}" width="${Math.max(0.8, b - a).toFixed(1)}" height="${rowH}" fill="${stateColors[seg.state] || '#ccc'}"><title>${esc(seg.state)} ${clockTime(seg.from)} – ${clockTime(seg.to)}</title></rect>`;
    }
  });
  let ticks = '';
  for (let i = 0; i <= 6; i++) {
    const t = from + span * i / 6;
    ticks += `<text x="${x(t)}" y="11" text-anchor="${i === 0 ? 'start' : i === 6 ? 'end' : 'middle'}">${clockMinute(t)}</text>`;
  }
  element.innerHTML = rows.length === 0
    ? '<div class="empty">No instance in this window.</div>'
    : `<svg viewBox="0 0 ${width} ${height}" style="height:${height}px" role="img" aria-label="instance states over time"><g class="axis">${ticks}</g>${body}</svg>`;
}
