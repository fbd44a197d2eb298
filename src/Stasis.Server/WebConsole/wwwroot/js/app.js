// The console's shell: hash routes to pages, the sign-in dialog, and the live-update loop each page uses.
import { api, setApiKey, whenUnauthorized } from './api.js';
import { esc } from './format.js';
import * as functionsPage from './pages/functions.js';
import * as overviewPage from './pages/overview.js';
import * as instancesPage from './pages/instances.js';
import * as metricsPage from './pages/metrics.js';
import * as provisionPage from './pages/provision.js';
import * as billPage from './pages/bill.js';

const routes = [
  { pattern: /^\/?$/, page: functionsPage, nav: 'functions' },
  { pattern: /^\/functions\/([^/]+)$/, page: overviewPage, nav: 'functions' },
  { pattern: /^\/functions\/([^/]+)\/instances$/, page: instancesPage, nav: 'functions' },
  { pattern: /^\/functions\/([^/]+)\/metrics$/, page: metricsPage, nav: 'functions' },
  { pattern: /^\/functions\/([^/]+)\/provision$/, page: provisionPage, nav: 'functions' },
  { pattern: /^\/bill$/, page: billPage, nav: 'bill' },
];

const view = document.getElementById('view');
let current = null;

/** What a page gets: its route's parameters and a scope that stops its timers and requests when it is left. */
class PageScope {
  constructor() { this.controller = new AbortController(); this.timers = []; }
  get signal() { return this.controller.signal; }
  get active() { return !this.controller.signal.aborted; }

  /** Runs fn now and then every ms while the page is shown, never two at once. */
  every(ms, fn) {
    let running = false;
    const tick = async () => {
      if (running || !this.active || document.hidden) return;
      running = true;
      try { await this.timed(fn); } catch (e) { if (e.name !== 'AbortError') console.error(e); } finally { running = false; }
    };
    this.timers.push(setInterval(tick, ms));
    return tick();
  }

  /** Runs one fetch-and-draw and records how long it took as a 'refresh' performance measure (read by bench/console). */
  async timed(fn) {
    const start = performance.now();
    await fn();
    if (this.active) performance.measure('refresh', { start, detail: location.hash });
  }

  /** Marks the page as drawn with data (tests and benchmarks wait for it). */
  ready(name) {
    if (!this.active) return;
    if (document.documentElement.dataset.ready !== name) performance.mark('ready:' + name);
    document.documentElement.dataset.ready = name;
  }

  dispose() { this.controller.abort(); this.timers.forEach(clearInterval); }
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { path, query: new URLSearchParams(query || '') };
}

async function show() {
  if (current) current.dispose();
  delete document.documentElement.dataset.ready;
  const { path, query } = parseHash();
  const route = routes.find(r => r.pattern.test(path));
  document.querySelectorAll('[data-nav]').forEach(a => a.classList.toggle('active', route && a.dataset.nav === route.nav));
  const scope = current = new PageScope();
  if (!route) {
    view.innerHTML = `<div class="error-box"><strong>NotFound</strong>: the console has no page '${esc(path)}'. <a href="#/">Functions</a></div>`;
    return;
  }
  const params = path.match(route.pattern).slice(1).map(decodeURIComponent);
  try {
    await route.page.render(view, { params, query, scope });
  } catch (e) {
    if (e.name !== 'AbortError' && scope.active) {
      view.innerHTML = `<div class="error-box" data-error-code="${esc(e.code || '')}"><strong>${esc(e.code || 'Error')}</strong>: ${esc(e.message)}</div>`;
      scope.ready('error');
    }
  }
}

/** Changes the query of the current route without adding history (window and period selectors). */
export function setQuery(values) {
  const { path, query } = parseHash();
  for (const [k, v] of Object.entries(values)) { if (v === null || v === '') query.delete(k); else query.set(k, v); }
  const q = query.toString();
  location.hash = '#' + path + (q ? '?' + q : '');
}

// Sign-in: a 401 from any call opens the dialog; the key is kept for this tab only.
const dialog = document.getElementById('sign-in');
const form = document.getElementById('sign-in-form');
whenUnauthorized(message => {
  const error = document.getElementById('sign-in-error');
  error.textContent = message;
  error.hidden = !message;
  if (!dialog.open) dialog.showModal();
});
form.addEventListener('submit', () => {
  setApiKey(new FormData(form).get('token'));
  form.reset();
  show();
  statusLine();
});

async function statusLine() {
  try {
    const s = await api.status();
    document.getElementById('server-status').textContent = `${s.listen} · ${s.runtime} · ${s.functions} functions · ${s.instances} instances · v${s.version}`;
  } catch { document.getElementById('server-status').textContent = 'server not answering'; }
}

window.addEventListener('hashchange', show);
show();
statusLine();
setInterval(statusLine, 10000);
