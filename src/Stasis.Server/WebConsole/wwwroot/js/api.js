// Calls to the server's control API. Errors come back as ApiError with the server's code and message.
const tokenKey = 'stasis.apiKey';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

let onUnauthorized = null;

/** Registers what to do when the server asks for credentials (401): the app shows its sign-in dialog. */
export function whenUnauthorized(handler) { onUnauthorized = handler; }

export function setApiKey(key) {
  if (key) sessionStorage.setItem(tokenKey, key); else sessionStorage.removeItem(tokenKey);
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = sessionStorage.getItem(tokenKey);
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

async function failure(response) {
  let code = 'HttpError', message = `${response.status} ${response.statusText}`, details = [];
  try {
    const body = await response.json();
    code = body.code || code;
    message = body.message || message;
    details = body.details || [];
  } catch { /* not JSON */ }
  if (response.status === 401 && onUnauthorized) onUnauthorized(message);
  return new ApiError(response.status, code, message, details);
}

export async function request(method, path, body, signal) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'ServerUnreachable', 'the Stasis server did not answer; is it still running?');
  }
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, signal) => request('GET', path, undefined, signal);
export const put = (path, body) => request('PUT', path, body);

const fn = name => `/api/v1/functions/${encodeURIComponent(name)}`;

export const api = {
  status: signal => get('/api/v1/status', signal),
  functions: signal => get('/api/v1/functions', signal),
  function: (name, signal) => get(fn(name), signal),
  instances: (name, signal) => get(`${fn(name)}/instances?all=true`, signal),
  invocations: (name, limit, signal) => get(`${fn(name)}/invocations?limit=${limit}`, signal),
  timeline: (name, since, signal) => get(`${fn(name)}/timeline?since=${since}`, signal),
  metrics: (name, since, points, signal) => get(`${fn(name)}/metrics?since=${since}&points=${points}`, signal),
  provision: (name, signal) => get(`${fn(name)}/provision`, signal),
  putProvision: (name, body) => put(`${fn(name)}/provision`, body),
  scalingHistory: (name, limit, signal) => get(`${fn(name)}/provision/history?limit=${limit}`, signal),
  bill: (query, signal) => get('/api/v1/bill?' + new URLSearchParams(query), signal),
};

/**
 * Follows a function's log: calls onLine for each line (the tail first, then live ones) until the
 * signal aborts. Resolves when the stream ends.
 */
export async function followLogs(name, tail, onLine, signal) {
  const response = await fetch(`${fn(name)}/logs?tail=${tail}&follow=true`, { headers: headers(), signal });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const text = rest + value;
    const lines = text.split('\n');
    rest = lines.pop();
    for (const line of lines) onLine(line);
  }
}
