// A function's provision config: view and edit (target, idle mode, policies), and the autoscaler's decisions.
import { api, ApiError } from '../api.js';
import { esc, pct, dateTime, errorBox } from '../format.js';
import { header } from './common.js';

const pretty = v => JSON.stringify(v ?? [], null, 2);

export async function render(view, { params: [name], scope }) {
  const config = await api.provision(name, scope.signal);
  view.innerHTML = header(name, '/provision') + `
    <div class="panel"><h2>Now</h2><div id="state"></div></div>
    <form class="panel" id="edit" novalidate>
      <h2>Provision config <span class="muted">(${esc(config.resource)})</span></h2>
      <div class="field-grid">
        <label>Default target (0–10000)<input type="number" name="defaultTarget" min="0" max="10000" step="1"></label>
        <label class="check"><input type="checkbox" name="alwaysAllocateCPU"> Always allocate CPU</label>
        <label class="check"><input type="checkbox" name="alwaysAllocateGPU"> Always allocate GPU</label>
        <span class="muted" id="idle-hint"></span>
      </div>
      <div class="two-col">
        <label>Target-tracking policies (JSON, as in provision.json)<textarea name="targetTrackingPolicies" spellcheck="false"></textarea></label>
        <label>Scheduled actions (JSON, as in provision.json)<textarea name="scheduledActions" spellcheck="false"></textarea></label>
      </div>
      <div id="result"></div>
      <div class="actions"><button type="button" id="reset">Reload from server</button><button type="submit" class="primary" id="save">Save</button></div>
    </form>
    <div class="panel"><h2>Autoscaler decisions</h2><div class="table-wrap" id="history"><div class="empty">Loading…</div></div></div>`;

  const form = view.querySelector('#edit'), result = view.querySelector('#result');
  // What the two boxes mean as they stand now, rather than a rule to work out.
  const hint = () => {
    const idle = !form.alwaysAllocateCPU.checked && !form.alwaysAllocateGPU.checked;
    const el = view.querySelector('#idle-hint');
    el.dataset.idleMode = idle ? 'on' : 'off';
    el.textContent = idle
      ? 'Idle mode on: an instance with no request is frozen and billed at the idle price.'
      : 'Idle mode off: instances stay warm and are billed as active. Untick both to freeze idle instances.';
  };
  form.alwaysAllocateCPU.addEventListener('change', hint);
  form.alwaysAllocateGPU.addEventListener('change', hint);
  const fill = c => {
    form.defaultTarget.value = c.defaultTarget;
    form.alwaysAllocateCPU.checked = c.alwaysAllocateCPU;
    form.alwaysAllocateGPU.checked = c.alwaysAllocateGPU;
    hint();
    form.targetTrackingPolicies.value = pretty(c.targetTrackingPolicies);
    form.scheduledActions.value = pretty(c.scheduledActions);
  };
  fill(config);
  view.querySelector('#reset').addEventListener('click', async () => { fill(await api.provision(name)); result.innerHTML = ''; });

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    result.innerHTML = '';
    let body;
    try {
      body = {
        defaultTarget: parseTarget(form.defaultTarget.value),
        alwaysAllocateCPU: form.alwaysAllocateCPU.checked,
        alwaysAllocateGPU: form.alwaysAllocateGPU.checked,
        targetTrackingPolicies: parseList(form.targetTrackingPolicies.value, 'target-tracking policies'),
        scheduledActions: parseList(form.scheduledActions.value, 'scheduled actions'),
      };
    } catch (e) {
      result.innerHTML = errorBox(e);
      return;
    }
    const save = view.querySelector('#save');
    save.disabled = true;
    try {
      const saved = await api.putProvision(name, body);
      fill(saved);
      result.innerHTML = `<div class="ok-box">Saved. Target ${saved.target}, ${saved.current} current${saved.idleMode ? ', idle mode' : ''}.</div>`;
      showState(saved);
    } catch (e) {
      result.innerHTML = errorBox(e);
    } finally {
      save.disabled = false;
    }
  });

  const stateBox = view.querySelector('#state');
  const showState = c => {
    stateBox.innerHTML = `<dl class="kv">
      <dt>Target</dt><dd data-field="target">${c.target}</dd>
      <dt>Current</dt><dd data-field="current">${c.current}${c.frozen ? ` (${c.frozen} frozen)` : ''}</dd>
      <dt>Mode</dt><dd>${c.idleMode ? 'idle mode: frozen when idle' : 'always allocated'}</dd>
      <dt>Why</dt><dd>${esc(c.reason || '–')}</dd>
      ${c.currentError ? `<dt>Held back</dt><dd class="error">${esc(c.currentError)}</dd>` : ''}</dl>`;
  };
  showState(config);

  const history = view.querySelector('#history');
  await scope.every(3000, async () => {
    const [now, decisions] = await Promise.all([api.provision(name, scope.signal), api.scalingHistory(name, 30, scope.signal)]);
    if (!scope.active) return;
    showState(now);
    history.innerHTML = decisions.length === 0
      ? '<div class="empty">No decision yet: the autoscaler decides as metric intervals close, once a target or policy is set.</div>'
      : `<table><thead><tr><th>Time</th><th class="num">Target</th><th class="num">Current</th><th class="num">PCU</th><th class="num">CPU</th><th class="num">GPU mem</th><th>Reason</th></tr></thead><tbody>${
        decisions.map(d => `<tr><td>${esc(dateTime(d.at))}</td>
          <td class="num">${d.previousTarget ?? '–'} → ${d.target}</td><td class="num">${d.current}</td>
          <td class="num">${pct(d.provisionedConcurrencyUtilization)}</td><td class="num">${pct(d.cpuUtilization)}</td><td class="num">${pct(d.gpuMemUtilization)}</td>
          <td style="white-space:normal">${esc(d.reason)}${d.explain ? `<div class="muted">${esc(d.explain)}</div>` : ''}${
            d.proposals.length ? `<div class="muted">${d.proposals.map(p => `${esc(p.source)}: ${p.target} (${esc(p.why)})`).join('; ')}</div>` : ''}</td></tr>`).join('')}</tbody></table>`;
    scope.ready('provision');
  });
}

function parseTarget(text) {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v)) throw new ApiError(0, 'InvalidTarget', `default target '${text}' must be a whole number from 0 to 10000.`);
  return v;
}

function parseList(text, what) {
  if (text.trim() === '') return [];
  let value;
  try { value = JSON.parse(text); } catch (e) { throw new ApiError(0, 'InvalidJson', `the ${what} are not valid JSON: ${e.message}`); }
  if (!Array.isArray(value)) throw new ApiError(0, 'InvalidJson', `the ${what} must be a JSON array ([ ... ]), as in provision.json.`);
  return value;
}
