// Keys, for a key with the admin scope: list, create (the secret shown once), revoke; and the usage table when the
// server has one (GET /models/v2/usage; a 404 means this server does not meter usage).
import { call, v2 } from './api.js';
import { h, fill, errorBox, field } from './ui.js';

const SCOPES = ['run', 'models:request', 'clusters:manage', 'admin'];
const time = (t) => (t ? new Date(t).toLocaleString() : '–');

export async function render(main) {
  const list = h('div');
  const created = h('div', { 'aria-live': 'polite' });
  const usage = h('div');
  const name = h('input#key-name', { type: 'text', required: true, placeholder: 'ci script' });
  const models = h('input#key-models', { type: 'text', placeholder: 'all models' });
  const expires = h('input#key-expires', { type: 'date' });
  const scopes = SCOPES.map((s) => h('input', { type: 'checkbox', id: 'scope-' + s.replace(':', '-'), value: s, checked: s === 'run' }));
  const form = h('form.create-key', { on: { submit: async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), scopes: scopes.filter((c) => c.checked).map((c) => c.value) };
    const allowed = models.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (allowed.length) body.allowedModels = allowed;
    if (expires.value) body.expiresAt = new Date(expires.value + 'T00:00:00Z').toISOString();
    try {
      const out = await call('/admin/v1/keys', { method: 'POST', body });
      fill(created, h('p', `Key "${out.record.name}" created. Copy it now: it is shown only once.`), h('p.secret', out.key));
      form.reset();
      draw();
    } catch (err) { fill(created, errorBox(err)); }
  } } },
  h('h2', 'Create a key'),
  field('Name', name),
  h('fieldset', h('legend', 'Scopes'), scopes.map((c) => h('div.check', c, h('label', { for: c.id }, c.value)))),
  field('Allowed models', models, 'comma-separated ids or patterns such as Qwen/*; empty: every model'),
  field('Expires', expires, 'optional'),
  h('div.buttons', h('button', { type: 'submit' }, 'Create key')));
  fill(main, h('h1', 'Keys'), list, form, created, h('h2', 'Usage'), usage);

  async function draw() {
    let keys;
    try { keys = await call('/admin/v1/keys'); } catch (e) {
      fill(list, errorBox(e), e.status === 403 || e.status === 401 ? h('p', 'This page needs a key with the admin scope.') : null);
      return false;
    }
    fill(list, keys.length ? h('div.scroll', h('table',
      h('caption.sr', 'API keys'),
      h('thead', h('tr', ['Name', 'Prefix', 'Scopes', 'Models', 'Created', 'Expires', 'Last used', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', keys.map((k) => h('tr', { 'data-key': k.id },
        h('td', k.name), h('td', h('code', k.prefix + '…')), h('td', k.scopes.join(', ')),
        h('td', k.allowedModels.length ? k.allowedModels.join(', ') : 'all'),
        h('td', time(k.createdAt)), h('td', time(k.expiresAt)), h('td', time(k.lastUsedAt)),
        h('td', k.revokedAt ? h('span.badge.failed', 'revoked') : h('span.badge.running', 'active')),
        h('td', k.revokedAt ? null : h('button', { type: 'button', 'aria-label': `Revoke ${k.name}`, on: { click: async () => {
          if (!confirm(`Revoke the key "${k.name}"? Clients using it are refused at once.`)) return;
          try { await call('/admin/v1/keys/' + encodeURIComponent(k.id), { method: 'DELETE' }); } catch (err) { fill(created, errorBox(err)); }
          draw();
        } } }, 'Revoke')))))))
      : h('p.empty', 'No keys have been created (the server\'s own key is not listed).'));
    return true;
  }

  if (await draw()) {
    try {
      const u = await v2('usage');
      const rows = Array.isArray(u) ? u : Array.isArray(u?.rows) ? u.rows : null;
      if (rows && rows.length && typeof rows[0] === 'object') {
        const cols = Object.keys(rows[0]);
        fill(usage, h('div.scroll', h('table', h('caption.sr', 'Usage'),
          h('thead', h('tr', cols.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', rows.map((r) => h('tr', cols.map((c) => h('td', typeof r[c] === 'object' && r[c] !== null ? JSON.stringify(r[c]) : String(r[c] ?? '–')))))))));
      } else fill(usage, h('pre.output', JSON.stringify(u, null, 2)));
    } catch (e) {
      fill(usage, e.status === 404 ? h('p.empty', 'This server does not report usage (GET /models/v2/usage answered 404).') : errorBox(e));
    }
  }
}
