// A function's metrics over 15 min, 1 h or 24 h, one chart per figure, updated as intervals close.
import { api } from '../api.js';
import { ms, pct, num, bytes, clockTime } from '../format.js';
import { drawChart } from '../chart.js';
import { stateColors } from '../timeline.js';
import { setQuery } from '../app.js';
import { header } from './common.js';

const windows = { '15m': 15 * 60e3, '1h': 3600e3, '24h': 86400e3 };
const maxPoints = 360;
// Points are the server's intervals, or several merged into one over long windows: rates use each point's own length.
const seconds = p => Math.max(1e-3, (new Date(p.end) - new Date(p.start)) / 1000);

const charts = [
  { id: 'invocations', title: 'Requests per second', format: v => num(v, 2), series: p => [['invocations', p.invocations / seconds(p)], ['errors', p.errors / seconds(p)]] },
  { id: 'latency', title: 'Latency', format: ms, series: p => [['p50', p.latencyP50Ms], ['p90', p.latencyP90Ms], ['p99', p.latencyP99Ms]] },
  { id: 'queue', title: 'Queue wait', format: ms, series: p => [['p50', p.queueWaitP50Ms], ['p90', p.queueWaitP90Ms], ['p99', p.queueWaitP99Ms]] },
  { id: 'concurrency', title: 'Concurrency (requests in flight)', format: v => num(v, 2), series: p => [['average', p.inFlightAverage], ['max', p.inFlightMax]] },
  { id: 'pcu', title: 'ProvisionedConcurrencyUtilization', format: pct, max: 1, series: p => [['utilization', p.provisionedConcurrencyUtilization]] },
  { id: 'provisioned', title: 'Provisioned instances: target vs current', format: v => num(v, 0), whole: true, series: p => [['target', p.provisionedTarget], ['current', p.provisionedCurrent]] },
  // The instances timeline's colours, so that a state reads the same on both pages.
  { id: 'instances', title: 'Instances by state', format: v => num(v, 0), whole: true, colors: [stateColors.warm, stateColors.busy, stateColors.frozen, stateColors.starting], series: p => [['warm', p.instancesByState.ready], ['busy', p.instancesByState.busy], ['frozen', p.instancesByState.frozen], ['starting', p.instancesByState.starting]] },
  { id: 'cpu', title: 'CPU utilization', format: pct, series: p => [['cpu', p.cpuUtilization]] },
  { id: 'memory', title: 'Memory', format: bytes, series: p => [['memory', p.memoryBytes]] },
  { id: 'gpu', title: 'GPU memory utilization', format: pct, max: 1, series: p => [['gpu memory', p.gpuMemoryUtilization]] },
];

export async function render(view, { params: [name], query, scope }) {
  const window = windows[query.get('window')] ? query.get('window') : '1h';
  view.innerHTML = header(name, '/metrics', `<span class="segmented">${Object.keys(windows)
    .map(w => `<a href="javascript:void 0" data-window="${w}" class="${w === window ? 'active' : ''}">${w}</a>`).join('')}</span>`) +
    `<div class="sub" id="about"></div><div class="charts">${charts.map(c => `<div class="chart" id="chart-${c.id}"></div>`).join('')}</div>`;
  view.querySelectorAll('[data-window]').forEach(a => a.addEventListener('click', () => setQuery({ window: a.dataset.window })));

  let refresh = 5000;
  const draw = async () => {
    const report = await api.metrics(name, window, maxPoints, scope.signal);
    if (!scope.active) return;
    // Poll about as often as intervals close (1 s to 15 s).
    refresh = Math.min(15000, Math.max(1000, report.intervalSeconds * 1000));
    const points = report.points;
    const times = points.map(p => (new Date(p.start).getTime() + new Date(p.end).getTime()) / 2);
    const to = new Date(report.until).getTime(), from = to - windows[window];
    const last = points[points.length - 1];
    const about = view.querySelector('#about');
    about.dataset.points = points.length;
    // The widest point is the interval (the first one may be cut short by the server's start); whole seconds read best.
    const width = points.length ? Math.round(Math.max(...points.map(seconds))) : report.intervalSeconds;
    about.textContent = `${points.length} ${points.length === 1 ? 'point' : 'points'} of ${width} s` + (width > report.intervalSeconds ? ` (${report.intervalSeconds} s intervals merged)` : '') +
      (last ? `, the last closed ${clockTime(last.end)}` : ', none closed yet') + '. Updates live.';
    for (const c of charts) {
      const rows = points.map(c.series);
      const names = rows.length ? rows[0].map(([n]) => n) : c.series({ instancesByState: {} }).map(([n]) => n);
      drawChart(view.querySelector('#chart-' + c.id), {
        title: c.title, times, from, to, format: c.format, max: c.max, whole: c.whole,
        series: names.map((n, k) => ({ name: n, color: c.colors?.[k], values: rows.map(r => r[k][1] ?? null) })),
      });
    }
    scope.ready('metrics');
  };
  await scope.timed(draw);
  // Re-arm at the interval the server reports.
  const loop = async () => {
    while (scope.active) {
      await new Promise(r => setTimeout(r, refresh));
      if (scope.active && !document.hidden) { try { await scope.timed(draw); } catch (e) { if (e.name !== 'AbortError') console.error(e); } }
    }
  };
  loop();
}
