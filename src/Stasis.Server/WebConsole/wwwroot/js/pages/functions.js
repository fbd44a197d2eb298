// The list of functions: state, instances by state, trigger URL.
import { api } from '../api.js';
import { esc, ago, badge } from '../format.js';
import { functionState, counts, copyButton, wireCopy } from './common.js';

export async function render(view, { scope }) {
  view.innerHTML = `<h1>Functions</h1><div class="sub">Every function on this server, refreshed every 2 s.</div><div class="panel" id="list"><div class="empty">Loading…</div></div>`;
  const list = view.querySelector('#list');
  await scope.every(2000, async () => {
    const functions = await api.functions(scope.signal);
    if (!scope.active) return;
    list.innerHTML = functions.length === 0
      ? '<div class="empty">No function yet. Deploy one with <code>./stasis deploy -t s.yaml</code>.</div>'
      : `<div class="table-wrap"><table><thead><tr><th>Function</th><th>State</th><th>Instances</th><th class="num">Queued</th><th>Policy</th><th>Trigger URL</th><th>Updated</th></tr></thead><tbody>${
        functions.map(f => `<tr data-function="${esc(f.spec.functionName)}">
          <td><a href="#/functions/${encodeURIComponent(f.spec.functionName)}">${esc(f.spec.functionName)}</a></td>
          <td>${badge(functionState(f))}</td>
          <td>${counts(f.instances)}</td>
          <td class="num">${f.queued}</td>
          <td>${esc(f.schedulingPolicy)}</td>
          <td><span class="url"><code>${esc(f.url)}</code>${copyButton(f.url)}</span></td>
          <td title="${esc(f.updatedAt)}">${esc(ago(f.updatedAt))}</td></tr>`).join('')}</tbody></table></div>`;
    wireCopy(list);
    scope.ready('functions');
  });
}
