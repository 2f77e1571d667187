// The catalog: models by task with parameters and memory, search and task filter, and the state of each model
// (from list/models, list/clusters, list/requests and list/failed).
import { v2 } from './api.js';
import { h, fill, errorBox, gb, paramCount, field } from './ui.js';

/** The state of a model from its cluster, its hub request and the failures at start. */
export function stateOf(modelId, clusters, requests) {
  const c = clusters.get(modelId.toLowerCase());
  if (c) {
    if (c.status === 'failed') return { kind: 'failed', text: 'failed', reason: c.failure };
    if (c.status === 'loading') return { kind: 'loading', text: 'loading' };
    if (c.status === 'off') return { kind: 'off', text: 'turned off' };
    if (c.instances > 0) return { kind: 'running', text: `running, ${c.instances} instance${c.instances === 1 ? '' : 's'}` };
  }
  const r = requests.get(modelId.toLowerCase());
  if (r && r.state === 'failed') return { kind: 'failed', text: 'request failed', reason: r.error };
  if (r && r.state !== 'ready') return { kind: 'loading', text: r.state };
  return { kind: 'idle', text: 'not loaded' };
}

export const badge = (s) => h('span.badge.' + s.kind, { title: s.reason || undefined }, s.text);

export async function render(main) {
  const search = h('input', { type: 'search', id: 'catalog-search', placeholder: 'model id' });
  const task = h('select', { id: 'catalog-task' }, h('option', { value: '' }, 'all tasks'));
  const stateFilter = h('select', { id: 'catalog-state' },
    ['', 'running', 'loading', 'idle', 'failed'].map((v) => h('option', { value: v }, v ? { idle: 'not loaded' }[v] || v : 'any state')));
  const count = h('p.count', { role: 'status' });
  const list = h('div.catalog');
  fill(main,
    h('h1', 'Models'),
    h('form.filters', { role: 'search', on: { submit: (e) => e.preventDefault() } },
      field('Search', search), field('Task', task), field('State', stateFilter)),
    count, list);

  let models, clusters, requests, failed;
  try {
    [models, clusters, requests, failed] = await Promise.all([
      v2('list/models'), v2('list/clusters'), v2('list/requests').catch(() => []), v2('list/failed').catch(() => [])]);
  } catch (e) {
    fill(list, errorBox(e));
    return;
  }
  const byCluster = new Map(clusters.map((c) => [c.modelId.toLowerCase(), c]));
  const byRequest = new Map(requests.map((r) => [r.modelId.toLowerCase(), r]));
  const tasks = [...new Set(models.map((m) => m.task))].sort();
  for (const t of tasks) task.append(h('option', { value: t }, t));

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = models.filter((m) => (!q || m.modelId.toLowerCase().includes(q)) && (!task.value || m.task === task.value)
      && (!stateFilter.value || stateOf(m.modelId, byCluster, byRequest).kind === stateFilter.value));
    count.textContent = `${shown.length} of ${models.length} models`;
    const groups = new Map();
    for (const m of shown) (groups.get(m.task) || groups.set(m.task, []).get(m.task)).push(m);
    fill(list, [...groups.keys()].sort().map((t) => h('section.task',
      h('h2', t, h('span.n', ` (${groups.get(t).length})`)),
      h('table.cards.catalog-table',
        h('caption.sr', `Models of the task ${t}`),
        h('thead', h('tr', h('th', { scope: 'col' }, 'Model'), h('th.num', { scope: 'col' }, 'Parameters'), h('th.num', { scope: 'col' }, 'RAM'), h('th', { scope: 'col' }, 'State'))),
        h('tbody', groups.get(t).map((m) => {
          const s = stateOf(m.modelId, byCluster, byRequest);
          return h('tr', { 'data-model': m.modelId },
            h('td', h('a', { href: '#/model/' + m.modelId }, m.modelId)),
            h('td.num', { 'data-label': 'Parameters' }, paramCount(m.params)),
            h('td.num', { 'data-label': 'RAM' }, gb(m.ramRequired)),
            h('td', { 'data-label': 'State' }, badge(s), s.reason ? h('div.reason', s.reason) : null));
        }))))),
      failed.length ? h('section.task', h('h2', 'Models that could not be read'),
        h('ul', failed.map((f) => h('li', h('strong', f.modelId), ': ', h('span.reason', f.error))))) : null);
  };
  for (const el of [search, task, stateFilter]) el.addEventListener('input', draw);
  draw();
}
