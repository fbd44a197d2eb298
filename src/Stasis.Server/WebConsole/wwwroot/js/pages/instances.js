// A function's instances: state, load and busy share now, and each one's state over the last hour.
import { api } from '../api.js';
import { esc, ms, pct, ago, badge, stateName } from '../format.js';
import { drawTimeline, legend } from '../timeline.js';
import { setQuery } from '../app.js';
import { header } from './common.js';

const windows = ['15m', '1h'];

export async function render(view, { params: [name], query, scope }) {
  const window = windows.includes(query.get('window')) ? query.get('window') : '1h';
  const showEnded = query.get('ended') === 'true';
  view.innerHTML = header(name, '/instances') + `
    <div class="panel"><div class="row"><h2 class="grow">Instances</h2>
      <label class="check"><input type="checkbox" id="ended" ${showEnded ? 'checked' : ''}> show stopped (and older failures)</label></div>
      <div class="table-wrap" id="table"><div class="empty">Loading…</div></div></div>
    <div class="panel timeline"><div class="row"><h2 class="grow">States over time</h2>
      <span class="segmented">${windows.map(w => `<a href="javascript:void 0" data-window="${w}" class="${w === window ? 'active' : ''}">${w}</a>`).join('')}</span></div>
      ${legend()}<div id="timeline"></div></div>`;
  view.querySelectorAll('[data-window]').forEach(a => a.addEventListener('click', () => setQuery({ window: a.dataset.window })));
  view.querySelector('#ended').addEventListener('change', e => setQuery({ ended: e.target.checked ? 'true' : null }));
  const table = view.querySelector('#table'), timeline = view.querySelector('#timeline');

  await scope.every(2000, async () => {
    const [instances, states] = await Promise.all([api.instances(name, scope.signal), api.timeline(name, window, scope.signal)]);
    if (!scope.active) return;
    const now = Date.now();
    // A failure within the window stays in sight with its reason: it is what someone opening this page looks for.
    const since = now - (window === '15m' ? 15 * 60e3 : 3600e3);
    const shown = instances
      .filter(i => showEnded || stateName(i.state) !== 'stopped')
      .filter(i => showEnded || stateName(i.state) !== 'failed' || new Date(i.stoppedAt ?? i.startedAt).getTime() >= since)
      .sort((a, b) => a.id.localeCompare(b.id));
    const sessions = instances.some(i => i.sessions > 0);
    table.innerHTML = shown.length === 0
      ? '<div class="empty">No instance is running. The next request starts one; a provision target keeps some.</div>'
      : `<table><thead><tr><th>Instance</th><th>Kind</th><th>State</th><th class="num">In flight</th><th class="num">Queued</th>${sessions ? '<th class="num" title="Sessions the instance holds (session affinity)">Sessions</th>' : ''}<th class="num">Completed</th><th class="num">Busy</th><th class="num">Busy share</th><th class="num">PID</th><th>Started</th><th>Last request</th><th>Error</th></tr></thead><tbody>${
        shown.map(i => `<tr data-instance="${esc(i.id)}" data-state="${esc(stateName(i.state))}">
          <td class="mono">${esc(i.id)}</td><td>${esc(i.kind)}</td><td>${badge(i.state)}</td>
          <td class="num">${i.inFlight} / ${i.slots}</td><td class="num">${i.queued}</td>${sessions ? `<td class="num">${i.sessions}</td>` : ''}<td class="num">${i.completed}</td>
          <td class="num">${ms(i.busyMs)}</td><td class="num">${pct(i.busyShare)}</td><td class="num">${esc(i.pid ?? '–')}</td>
          <td title="${esc(i.startedAt)}">${esc(ago(i.startedAt, now))}</td><td>${esc(ago(i.lastUsedAt, now))}</td>
          <td class="error">${esc(i.error || '')}</td></tr>`).join('')}</tbody></table>`;
    drawTimeline(timeline, states);
    scope.ready('instances');
  });
}
