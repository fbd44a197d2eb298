// A function: its trigger URL, state, spec as YAML, recent invocations and its log, followed live.
import { api, followLogs } from '../api.js';
import { esc, ms, time, dateTime, badge, errorBox } from '../format.js';
import { toYaml } from '../yaml.js';
import { header, counts, copyButton, wireCopy, functionState } from './common.js';

const maxLogLines = 2000;

export async function render(view, { params: [name], scope }) {
  const f = await api.function(name, scope.signal);
  const spec = f.spec;
  view.innerHTML = header(name, '') + `
    <div class="panel"><div class="row">
      <div class="grow"><dl class="kv">
        <dt>Trigger URL</dt><dd><span class="url"><code id="url">${esc(f.url)}</code>${copyButton(f.url)}</span></dd>
        <dt>State</dt><dd id="state"></dd>
        <dt>Instances</dt><dd id="counts"></dd>
        <dt>Scheduling</dt><dd>${esc(f.schedulingPolicy)} · <span id="queue"></span></dd>
        <dt>Resources</dt><dd>${esc(spec.cpu ?? '–')} vCPU · ${esc(spec.memorySize ?? '–')} MB${spec.gpuConfig ? ` · GPU ${esc(spec.gpuConfig.gpuType || '')} ${esc(spec.gpuConfig.gpuMemorySize ?? '')} MB` : ''} · concurrency ${esc(spec.instanceConcurrency ?? 1)}</dd>
        <dt>Version</dt><dd>${esc(f.version)} · updated ${esc(dateTime(f.updatedAt))}</dd>
      </dl></div></div>
      <div id="problems"></div>
    </div>
    <div class="two-col">
      <div class="panel"><h2>Spec</h2>${f.environmentRedacted ? '<p class="muted" id="redacted">Environment variable values are hidden from this access key (scope read): an admin key sees them.</p>' : ''}<pre class="code" id="spec">${esc(toYaml(spec))}</pre></div>
      <div class="panel"><h2>Recent invocations</h2><div class="table-wrap" id="invocations"><div class="empty">Loading…</div></div></div>
    </div>
    <div class="panel"><div class="row"><h2 class="grow">Logs</h2><label class="check"><input type="checkbox" id="autoscroll" checked> follow</label></div><pre class="logs" id="logs"></pre></div>`;
  wireCopy(view);

  const showStatus = info => {
    view.querySelector('#state').innerHTML = badge(functionState(info));
    view.querySelector('#counts').innerHTML = counts(info.instances);
    const w = info.queueWait;
    view.querySelector('#queue').textContent = `${info.queued} queued` + (w && w.requests ? ` · queue wait p50 ${ms(w.p50Ms)}, p99 ${ms(w.p99Ms)} (${w.waited} of ${w.requests} waited)` : '');
    const problems = [info.rolloutError && { code: 'RolloutError', message: info.rolloutError }, info.lastInstanceError && { code: 'LastInstanceError', message: info.lastInstanceError }]
      .filter(Boolean).concat(info.warnings.map(w => ({ code: 'Warning', message: w })));
    view.querySelector('#problems').innerHTML = problems.map(errorBox).join('');
  };
  showStatus(f);

  startLogs(view.querySelector('#logs'), view.querySelector('#autoscroll'), name, scope);

  const table = view.querySelector('#invocations');
  await scope.every(2000, async () => {
    const [info, recent] = await Promise.all([api.function(name, scope.signal), api.invocations(name, 50, scope.signal)]);
    if (!scope.active) return;
    showStatus(info);
    table.innerHTML = recent.invocations.length === 0
      ? '<div class="empty">No invocation yet. Try <code>curl ' + esc(f.url) + '/invoke</code>.</div>'
      : `<table><thead><tr><th>Time</th><th>Request id</th><th>Method</th><th class="num">Status</th><th class="num">Duration</th><th class="num">Queue</th><th>Instance</th><th>Start</th></tr></thead><tbody>${
        recent.invocations.map(i => `<tr data-request-id="${esc(i.requestId)}">
          <td>${esc(time(i.startedAt))}</td><td class="mono">${esc(i.requestId)}</td><td>${esc(i.method)} <span class="muted">${esc(i.path)}</span></td>
          <td class="num ${i.status >= 400 || i.functionError ? 'error' : ''}">${esc(i.status)}${i.functionError ? ' (function error)' : ''}</td>
          <td class="num">${ms(i.durationMs)}</td><td class="num">${ms(i.queueMs)}</td>
          <td class="mono">${esc(i.instanceId || '–')}</td><td>${esc(i.arrival || '–')}</td></tr>`).join('')}</tbody></table>`;
    scope.ready('function');
  });
}

function startLogs(pre, autoscroll, name, scope) {
  let pending = [], scheduled = false;
  const flush = () => {
    scheduled = false;
    const text = pending.join('\n') + '\n';
    pending = [];
    pre.append(text);
    // Keep the last lines only, so a chatty function cannot slow the page down.
    const all = pre.textContent;
    const lines = all.split('\n');
    if (lines.length > maxLogLines) pre.textContent = lines.slice(-maxLogLines).join('\n');
    if (autoscroll.checked) pre.scrollTop = pre.scrollHeight;
  };
  const follow = async () => {
    while (scope.active) {
      try {
        await followLogs(name, 200, line => {
          pending.push(line);
          if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
        }, scope.signal);
      } catch (e) {
        if (e.name === 'AbortError' || !scope.active) return;
        pre.append(`[console: log stream interrupted: ${e.message}; retrying]\n`);
      }
      await new Promise(r => setTimeout(r, 2000)); // the stream ended (server restart); follow again
      if (scope.active) pre.textContent = '';
    }
  };
  follow();
}
