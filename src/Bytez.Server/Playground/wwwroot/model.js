// A model's page: what it is, its state with load / shut down, and a form fitted to its task.
import { v2 } from './api.js';
import { h, fill, errorBox, gb, paramCount } from './ui.js';
import { stateOf, badge } from './catalog.js';
import { clusterButtons } from './instances.js';
import { snippetPanel } from './snippets.js';

const forms = {
  'text-generation': () => import('./form-generate.js'),
  chat: () => import('./form-generate.js'),
  'feature-extraction': () => import('./form-embed.js'),
  'sentence-similarity': () => import('./form-embed.js'),
  'text-classification': () => import('./form-text.js'),
  'sentiment-analysis': () => import('./form-text.js'),
  'token-classification': () => import('./form-text.js'),
  ner: () => import('./form-text.js'),
  'question-answering': () => import('./form-text.js'),
  'image-classification': () => import('./form-media.js'),
  'object-detection': () => import('./form-media.js'),
  'image-to-text': () => import('./form-media.js'),
  'audio-classification': () => import('./form-media.js'),
  'automatic-speech-recognition': () => import('./form-media.js'),
};

export async function render(main, modelId) {
  const head = h('div.model-head');
  const body = h('div');
  fill(main, h('p', h('a', { href: '#/' }, '← Models')), h('h1', modelId), head, body);
  let info;
  try {
    [info] = await v2('list/models?modelId=' + encodeURIComponent(modelId));
  } catch (e) {
    fill(body, errorBox(e));
    return;
  }
  if (!info) {
    fill(body, errorBox({ status: 404, message: `${modelId} is not in this server's catalog. Request it from the hub on the Requests page.` }));
    return;
  }

  const stateEl = h('span');
  const refresh = async () => {
    try {
      const [clusters, requests] = await Promise.all([v2('list/clusters'), v2('list/requests').catch(() => [])]);
      const s = stateOf(modelId, new Map(clusters.map((c) => [c.modelId.toLowerCase(), c])), new Map(requests.map((r) => [r.modelId.toLowerCase(), r])));
      fill(stateEl, badge(s), s.reason ? h('span.reason', ' ' + s.reason) : null);
    } catch (e) { fill(stateEl, errorBox(e)); }
  };
  fill(head, h('dl.facts',
    h('dt', 'Task'), h('dd', info.task),
    h('dt', 'Parameters'), h('dd', paramCount(info.params)),
    h('dt', 'RAM'), h('dd', gb(info.ramRequired)),
    h('dt', 'State'), h('dd', stateEl)),
  clusterButtons(modelId, refresh));
  refresh();
  const timer = setInterval(refresh, 3000);

  const snippets = snippetPanel(modelId);
  const loader = forms[info.task];
  if (loader) {
    const form = await loader();
    await form.render(body, { modelId, task: info.task, snippets, ran: refresh });
  } else {
    genericForm(body, modelId, snippets);
  }
  body.append(snippets);
  return () => clearInterval(timer);
}

/** Any other task: the JSON body as text, the JSON answer as text. */
function genericForm(root, modelId, snippets) {
  const text = h('textarea#body', { rows: 6, spellcheck: false }, '{"input": ""}');
  const out = h('pre.output', { 'aria-live': 'polite' });
  const form = h('form', { on: { submit: async (e) => {
    e.preventDefault();
    let body;
    try { body = JSON.parse(text.value); } catch (err) { fill(out, errorBox({ message: 'The body is not JSON: ' + err.message })); return; }
    snippets.update(body);
    out.textContent = 'Running…';
    try { out.textContent = JSON.stringify(await v2(modelId, { method: 'POST', body }), null, 2); } catch (err) { fill(out, errorBox(err)); }
  } } },
  h('div.field', h('label', { for: 'body' }, 'Request body (JSON)'), text),
  h('button', { type: 'submit' }, 'Run'));
  root.append(form, h('h2', 'Output'), out);
  snippets.update(JSON.parse(text.value));
}
