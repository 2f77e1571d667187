// Instances: every cluster with its capacity, instances and memory against the scheduler's budget; load and shut down.
import { v2 } from './api.js';
import { h, fill, errorBox, gb, field, redraw } from './ui.js';

/** Load / shut down buttons for one model (`only` limits them to one); `after` runs when a call ended. */
export function clusterButtons(modelId, after, only) {
  const msg = h('span.action-msg', { role: 'status' });
  const act = (label, method, body) => h('button', { type: 'button', 'data-action': label.toLowerCase(), on: { click: async (e) => {
    const b = e.currentTarget;
    b.disabled = true;
    msg.textContent = '';
    try {
      const out = await v2(modelId, { method, body });
      msg.textContent = method === 'DELETE' ? 'Shut down.' : typeof out === 'string' ? out + '…' : 'Done.';
    } catch (err) {
      fill(msg, errorBox(err));
    } finally { b.disabled = false; if (after) after(); }
  } } }, label);
  return h('div.buttons', only === 'shut down' ? null : act('Load', 'PUT', {}), only === 'load' ? null : act('Shut down', 'DELETE'), msg);
}

export async function render(main) {
  const summary = h('div.memory');
  const table = h('div');
  const pick = h('select#load-model');
  const loadRow = h('div.load-row');
  fill(main, h('h1', 'Instances'), summary, table, h('h2', 'Load a model'), loadRow);

  const draw = async () => {
    let clusters, models, status;
    try {
      [clusters, models, status] = await Promise.all([v2('list/clusters'), v2('list/models'), v2('status')]);
    } catch (e) { fill(table, errorBox(e)); return; }
    const ram = new Map(models.map((m) => [m.modelId.toLowerCase(), m.ramRequired || 0]));
    // The scheduler's own figures (GET /models/v2/status, keyed): its budget and what the loaded instances take.
    const budget = status.memoryBudget || 0;
    const used = status.memoryUsed || 0;
    fill(summary,
      h('p', `Memory of loaded instances: ${gb(used / 1e9)}` + (budget ? ` of the ${gb(budget / 1e9)} budget` : '')),
      budget ? h('meter#memory-meter', { min: 0, max: budget, value: used, high: budget * 0.85, 'aria-label': 'Memory used of the budget' }) : null);
    redraw(table, [clusters.map(({ lastInference, modified, ...c }) => c), [...ram]], () => {
    if (!clusters.length) fill(table, h('p.empty', 'No clusters: no model is loaded. Load one below or run a model.'));
    else fill(table, h('table.clusters.cards',
      h('caption.sr', 'Clusters'),
      h('thead', h('tr', ['Model', 'Status', 'Instances', 'Capacity (min / desired / max)', 'Memory', 'Inferences', 'Last inference', 'Actions'].map((t, i) => h(i >= 2 && i <= 5 ? 'th.num' : 'th', { scope: 'col' }, t)))),
      h('tbody', clusters.map((c) => h('tr', { 'data-model': c.modelId },
        h('td', h('a', { href: '#/model/' + c.modelId }, c.modelId)),
        h('td', { 'data-label': 'Status' }, h('span.badge.' + ({ running: 'running', loading: 'loading', failed: 'failed' }[c.status] || 'idle'), c.status), c.failure ? h('div.reason', c.failure) : null),
        h('td.num', { 'data-label': 'Instances' }, String(c.instances)),
        h('td.num', { 'data-label': 'Capacity' }, `${c.capacity.min} / ${c.capacity.desired} / ${c.capacity.max}`),
        h('td.num', { 'data-label': 'Memory' }, gb(c.instances * (ram.get(c.modelId.toLowerCase()) || 0))),
        h('td.num', { 'data-label': 'Inferences' }, String(c.inferences)),
        h('td', { 'data-label': 'Last inference' }, c.lastInference ? new Date(c.lastInference).toLocaleTimeString() : '–'),
        h('td', clusterButtons(c.modelId, draw, c.instances > 0 || c.status === 'loading' ? 'shut down' : null)))))));
    });
    redraw(pick, models, () => {
      const chosen = pick.value;
      fill(pick, models.map((m) => h('option', { value: m.modelId }, `${m.modelId} (${m.task}, ${gb(m.ramRequired)})`)));
      if (chosen) pick.value = chosen;
    });
  };
  const loadButtons = h('div');
  const swap = () => fill(loadButtons, clusterButtons(pick.value, draw));
  pick.addEventListener('change', swap);
  fill(loadRow, field('Model', pick), loadButtons);
  await draw();
  swap();
  const timer = setInterval(draw, 2000);
  return () => clearInterval(timer);
}
