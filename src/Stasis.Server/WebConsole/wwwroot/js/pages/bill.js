// The bill for a period: idle and active time and cost per function and instance, and the saving
// against instances that are always allocated.
import { api } from '../api.js';
import { esc, seconds, usd, num, dateTime } from '../format.js';
import { setQuery } from '../app.js';

const periods = { '15m': 15 * 60e3, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, 'all': null };

export async function render(view, { query, scope }) {
  const period = query.get('period') && (query.get('period') in periods || query.get('period') === 'custom') ? query.get('period') : '24h';
  const fn = query.get('function') || '';
  const functions = await api.functions(scope.signal);
  view.innerHTML = `<h1>Bill</h1><div class="sub">Idle and active time per instance, priced at the server's unit prices; the saving is against the same instances always allocated (billed active all the time).</div>
    <div class="panel"><div class="field-grid">
      <label>Period<span class="segmented">${[...Object.keys(periods), 'custom'].map(p => `<a href="javascript:void 0" data-period="${p}" class="${p === period ? 'active' : ''}">${p}</a>`).join('')}</span></label>
      <label>From<input type="datetime-local" step="1" id="from" value="${esc(localInput(query.get('from')))}" ${period === 'custom' ? '' : 'disabled'}></label>
      <label>To<input type="datetime-local" step="1" id="to" value="${esc(localInput(query.get('to')))}" ${period === 'custom' ? '' : 'disabled'}></label>
      <label>Function<select id="function"><option value="">all functions</option>${functions.map(f => `<option ${f.spec.functionName === fn ? 'selected' : ''}>${esc(f.spec.functionName)}</option>`).join('')}</select></label>
      <button id="apply" ${period === 'custom' ? '' : 'hidden'}>Show</button>
    </div></div>
    <div class="panel" id="bill"><div class="empty">Loading…</div></div>`;
  view.querySelectorAll('[data-period]').forEach(a => a.addEventListener('click', () => setQuery({ period: a.dataset.period })));
  view.querySelector('#function').addEventListener('change', e => setQuery({ function: e.target.value || null }));
  view.querySelector('#apply').addEventListener('click', () => setQuery({ from: isoOf(view.querySelector('#from').value), to: isoOf(view.querySelector('#to').value) }));

  const box = view.querySelector('#bill');
  const load = async () => {
    const q = {};
    if (fn) q.function = fn;
    if (period === 'custom') {
      if (query.get('from')) q.from = query.get('from');
      if (query.get('to')) q.to = query.get('to');
    } else if (periods[period]) {
      q.from = new Date(Date.now() - periods[period]).toISOString();
    }
    const bill = await api.bill(q, scope.signal);
    if (!scope.active) return;
    box.innerHTML = table(bill);
    box.querySelectorAll('[data-expand]').forEach(b => b.addEventListener('click', () => {
      const rows = box.querySelectorAll(`tr[data-parent="${CSS.escape(b.dataset.expand)}"]`);
      const hidden = rows.length > 0 && rows[0].hidden;
      rows.forEach(r => { r.hidden = !hidden; });
      b.textContent = hidden ? '−' : '+';
    }));
    scope.ready('bill');
  };
  // A relative period moves with the clock; a custom one is fixed.
  if (period === 'custom') { try { await load(); } catch (e) { box.innerHTML = `<div class="error-box" data-error-code="${esc(e.code || '')}"><strong>${esc(e.code)}</strong>: ${esc(e.message)}</div>`; scope.ready('bill'); } }
  else await scope.every(10000, load);
}

function bar(row) {
  const total = Number(row.idleSeconds) + Number(row.activeSeconds);
  const active = total > 0 ? Number(row.activeSeconds) / total * 100 : 0;
  return `<div class="bar" title="active ${active.toFixed(1)} %"><div class="active" style="width:${active}%"></div><div class="idle" style="width:${total > 0 ? 100 - active : 0}%"></div></div>`;
}

const savingShare = r => Number(r.alwaysAllocatedCostUsd) > 0 ? ` <span class="muted">(${num(Number(r.savingUsd) / Number(r.alwaysAllocatedCostUsd) * 100, 1)} %)</span>` : '';

function cells(r) {
  return `<td>${bar(r)}</td><td class="num">${seconds(r.activeSeconds)}</td><td class="num">${seconds(r.idleSeconds)}</td>
    <td class="num">${num(r.cu, 2)}</td><td class="num">${usd(r.costUsd)}</td><td class="num">${usd(r.alwaysAllocatedCostUsd)}</td><td class="num">${usd(r.savingUsd)}${savingShare(r)}</td>`;
}

function table(bill) {
  const head = `<div class="sub">${esc(dateTime(bill.from))} – ${esc(dateTime(bill.to))} · ${esc(bill.prices.cuPriceUsd)} USD per CU · GPU ${esc(bill.prices.gpuActiveCuPerGbSecond)}/${esc(bill.prices.gpuIdleCuPerGbSecond)} CU per GB·s active/idle · vCPU ${esc(bill.prices.vcpuActiveCuPerSecond)}/${esc(bill.prices.vcpuIdleCuPerSecond)} · memory ${esc(bill.prices.memoryActiveCuPerGbSecond)}/${esc(bill.prices.memoryIdleCuPerGbSecond)}</div>`;
  if (bill.functions.length === 0) return head + '<div class="empty">Nothing billed in this period.</div>';
  const rows = bill.functions.map(f => `<tr data-bill-function="${esc(f.functionName)}"><td><button class="small" data-expand="${esc(f.functionName)}" title="instances">+</button> <a href="#/functions/${encodeURIComponent(f.functionName)}">${esc(f.functionName)}</a> <span class="muted">${f.instances.length} instance${f.instances.length === 1 ? '' : 's'}</span></td>${cells(f)}</tr>` +
    f.instances.map(i => `<tr class="sub-row" data-parent="${esc(f.functionName)}" hidden><td class="mono">&nbsp;&nbsp;${esc(i.instanceId)} <span class="muted">${esc(i.kind)}</span></td>${cells(i)}</tr>`).join('')).join('');
  const t = bill.total;
  const summary = `<div class="stats"><div><span>Billed</span><strong data-stat="cost">${usd(t.costUsd)}</strong></div>
    <div><span>Always allocated</span><strong>${usd(t.alwaysAllocatedCostUsd)}</strong></div>
    <div><span>Saved</span><strong data-stat="saving">${usd(t.savingUsd)}${savingShare(t)}</strong></div>
    <div><span>Active / idle</span><strong>${seconds(t.activeSeconds)} / ${seconds(t.idleSeconds)}</strong></div></div>`;
  return head + summary + `<div class="table-wrap"><table><thead><tr><th>Function / instance</th><th>Active vs idle</th><th class="num">Active</th><th class="num">Idle</th><th class="num">CU</th><th class="num">Cost</th><th class="num">Always allocated</th><th class="num">Saving</th></tr></thead>
    <tbody>${rows}<tr class="total" data-bill-total><td>Total</td>${cells(bill.total)}</tr></tbody></table></div>`;
}

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

const isoOf = local => local ? new Date(local).toISOString() : null;
