// Embeddings: several sentences embedded in one request and their cosine similarities as a matrix.
import { v2 } from './api.js';
import { h, fill, errorBox, field } from './ui.js';

export function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export async function render(root, { modelId, snippets, ran }) {
  const text = h('textarea#sentences', { rows: 5, required: true },
    'A cat sits on the mat.\nA kitten is resting on a rug.\nThe stock market fell sharply today.');
  const out = h('div.output#similarity', { 'aria-live': 'polite' });
  const run = h('button', { type: 'submit' }, 'Embed and compare');
  const sentences = () => text.value.split('\n').map((s) => s.trim()).filter(Boolean);
  const form = h('form.run-form', { on: { submit: async (e) => {
    e.preventDefault();
    const list = sentences();
    const body = { input: list };
    snippets.update(body);
    run.disabled = true;
    fill(out, h('p', 'Embedding…'));
    try {
      const vectors = await v2(modelId, { method: 'POST', body });
      const short = (s) => (s.length > 32 ? s.slice(0, 30) + '…' : s);
      fill(out,
        h('p', `${vectors.length} vectors of ${vectors[0].length} numbers. Cosine similarity:`),
        h('div.scroll', h('table.matrix',
          h('caption.sr', 'Cosine similarity of each pair of sentences'),
          h('thead', h('tr', h('td'), list.map((s, j) => h('th', { scope: 'col', title: s }, `${j + 1}. ${short(s)}`)))),
          h('tbody', vectors.map((a, i) => h('tr',
            h('th', { scope: 'row', title: list[i] }, `${i + 1}. ${short(list[i])}`),
            vectors.map((b) => {
              const c = cosine(a, b);
              const td = h('td.num', c.toFixed(3));
              td.style.setProperty('--s', Math.max(0, c).toFixed(3));
              return td;
            })))))));
    } catch (err) { fill(out, errorBox(err)); } finally { run.disabled = false; ran(); }
  } } },
  field('Sentences, one a line', text, 'each line is embedded; the matrix compares every pair'),
  h('div.buttons', run));
  root.append(form, h('h2', 'Similarity'), out);
  snippets.update({ input: sentences() });
}
