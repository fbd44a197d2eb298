// Renders JSON (a function's spec) as YAML for reading. Keys keep their order; strings are quoted
// only when YAML would read them as something else.
const plain = /^[A-Za-z_./][A-Za-z0-9_./ :@${}()'-]*$/;
const reserved = /^(true|false|yes|no|on|off|null|~|-?\d+(\.\d+)?)$/i;

function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s.length > 0 && plain.test(s) && !reserved.test(s) && !s.includes(': ') && !s.endsWith(':') && !s.endsWith(' ')) return s;
  return JSON.stringify(s);
}

const isEmpty = v => v !== null && typeof v === 'object' && Object.keys(v).length === 0;

function lines(value, indent, out) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !isEmpty(item)) {
        const inner = [];
        lines(item, indent + 1, inner);
        out.push(pad + '- ' + inner[0].trimStart());
        for (const l of inner.slice(1)) out.push(l);
      } else {
        out.push(pad + '- ' + (isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)));
      }
    }
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !isEmpty(v)) {
      out.push(pad + scalar(key) + ':');
      lines(v, Array.isArray(v) ? indent : indent + 1, out);
    } else {
      out.push(pad + scalar(key) + ': ' + (isEmpty(v) ? (Array.isArray(v) ? '[]' : '{}') : scalar(v)));
    }
  }
}

export function toYaml(value) {
  const out = [];
  lines(value, 0, out);
  return out.join('\n') + '\n';
}
