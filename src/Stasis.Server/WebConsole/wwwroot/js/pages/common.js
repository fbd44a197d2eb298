// Pieces several pages share: a function page's header and tabs, the state summary, the copy button.
import { esc } from '../format.js';

/** One word for where a function is: error, busy, warm, frozen, starting or idle (no instance). */
export function functionState(f) {
  const c = f.instances;
  if (f.rolloutError) return 'error';
  if (c.busy > 0) return 'busy';
  if (c.ready > 0) return 'warm';
  if (c.frozen > 0) return 'frozen';
  if (c.starting > 0) return 'starting';
  return 'idle';
}

export function counts(c) {
  const parts = [['warm', c.ready], ['busy', c.busy], ['frozen', c.frozen], ['starting', c.starting], ['draining', c.draining], ['failed', c.failed]]
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span data-count="${s}"><span class="badge ${s}">${n}</span> ${s}</span>`);
  return `<span class="counts">${parts.length ? parts.join('') : '<span class="muted">no instances</span>'}</span>`;
}

export function copyButton(text) {
  return `<button class="small" data-copy="${esc(text)}" title="Copy to the clipboard">Copy</button>`;
}

/** Wires every [data-copy] button under root. */
export function wireCopy(root) {
  root.querySelectorAll('[data-copy]').forEach(b => b.addEventListener('click', async () => {
    const text = b.dataset.copy;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text; document.body.append(area); area.select(); document.execCommand('copy'); area.remove();
    }
    b.textContent = 'Copied'; setTimeout(() => { b.textContent = 'Copy'; }, 1200);
  }));
}

const tabs = [['', 'Overview'], ['/instances', 'Instances'], ['/metrics', 'Metrics'], ['/provision', 'Provisioning']];

export function header(name, tab, extra = '') {
  const base = '#/functions/' + encodeURIComponent(name);
  return `<div class="row"><div class="grow"><div class="muted"><a href="#/">Functions</a> /</div><h1>${esc(name)}</h1></div>${extra}</div>
    <nav class="tabs">${tabs.map(([path, label]) => `<a href="${base + path}" class="${path === tab ? 'active' : ''}">${label}</a>`).join('')}</nav>`;
}
