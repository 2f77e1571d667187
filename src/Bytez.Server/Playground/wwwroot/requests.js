// Requests: models asked for from the hub, with live download progress, cancel and the reason of a failure.
import { v2 } from './api.js';
import { h, fill, errorBox, bytes, field, redraw } from './ui.js';

// The HTML pattern (matched with the v flag: '-' escaped in classes) of a hub id.
const ID = '[A-Za-z0-9][A-Za-z0-9._\\-]*/[A-Za-z0-9][A-Za-z0-9._\\-]*';

export async function render(main) {
  const id = h('input#request-id', { type: 'text', required: true, placeholder: 'org/model', pattern: ID, title: 'org/model: letters, digits, dot, underscore or hyphen', spellcheck: false, autocomplete: 'off' });
  const msg = h('p#request-msg', { role: 'status' });
  const list = h('div.jobs');
  const form = h('form.request-form', { on: { submit: async (e) => {
    e.preventDefault();
    const modelId = id.value.trim();
    msg.textContent = 'Requesting…';
    try {
      msg.textContent = `${modelId}: ${await v2('request/' + modelId, { method: 'POST' })}`;
      id.value = '';
      draw();
    } catch (err) { fill(msg, errorBox(err)); }
  } } }, field('Hugging Face model id', id, 'e.g. sentence-transformers/all-MiniLM-L6-v2'), h('button', { type: 'submit' }, 'Request'), msg);
  fill(main, h('h1', 'Requests'), form, h('h2', 'Downloads'), list);

  async function draw() {
    let jobs;
    try { jobs = await v2('list/requests'); } catch (e) { fill(list, errorBox(e)); return; }
    redraw(list, jobs, () => {
    if (!jobs.length) { fill(list, h('p.empty', 'No model has been requested yet.')); return; }
    fill(list, jobs.map((j) => {
      const total = j.bytesTotal || 0, done = j.bytesDone || 0;
      const pct = j.state === 'ready' ? 100 : total ? Math.floor((done / total) * 100) : 0;
      const ended = j.state === 'ready' || j.state === 'failed';
      return h('article.job', { 'data-model': j.modelId, 'data-state': j.state },
        h('h3', j.state === 'ready' ? h('a', { href: '#/model/' + j.modelId }, j.modelId) : j.modelId,
          ' ', h('span.badge.' + (j.state === 'ready' ? 'running' : j.state === 'failed' ? 'failed' : 'loading'), j.state)),
        h('div.progress',
          h('progress', { max: 100, value: pct, 'aria-label': `Download of ${j.modelId}` }),
          h('span.pct', `${pct} %`), h('span', ` ${bytes(done)} of ${bytes(total)}`)),
        j.note ? h('p.note', j.note) : null,
        j.retryReason && !ended ? h('p.note', `Retrying (${j.retries}): ${j.retryReason}`) : null,
        j.error ? h('p.reason', { role: 'alert' }, j.error) : null,
        ended ? null : h('button', { type: 'button', 'data-action': 'cancel', on: { click: async () => {
          try { await v2('request/' + j.modelId, { method: 'DELETE' }); } catch (err) { fill(msg, errorBox(err)); }
          draw();
        } } }, 'Cancel'));
    }));
    });
  }
  await draw();
  const timer = setInterval(draw, 500);
  return () => clearInterval(timer);
}
