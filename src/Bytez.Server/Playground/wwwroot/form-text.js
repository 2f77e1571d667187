// Text classification (labels and scores), token classification / NER (entities highlighted in the text) and
// question answering (the answer marked in the context).
import { v2 } from './api.js';
import { h, fill, errorBox, field } from './ui.js';

/** The text with the spans [{start, end, label}] wrapped in <mark>. */
export function highlight(text, spans) {
  const out = [];
  let at = 0;
  const chars = Array.from(text); // start/end count code points, as the server does
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    out.push(chars.slice(at, s.start).join(''));
    out.push(h('mark', { title: s.title || undefined }, chars.slice(s.start, s.end).join(''), s.label ? h('span.tag', s.label) : null));
    at = s.end;
  }
  out.push(chars.slice(at).join(''));
  return out;
}

export async function render(root, { modelId, task, snippets, ran }) {
  const qa = task === 'question-answering';
  const ner = task === 'token-classification' || task === 'ner';
  const question = h('input#question', { type: 'text', value: 'Who wrote the program?' });
  const text = h('textarea#text', { rows: 5, required: true },
    qa ? 'Ada Lovelace wrote the first program for Charles Babbage\'s Analytical Engine in 1843.'
      : ner ? 'Ada Lovelace worked with Charles Babbage in London.' : 'I loved this film, it was wonderful.');
  const out = h('div.output#result', { 'aria-live': 'polite' });
  const run = h('button', { type: 'submit' }, 'Run');
  const body = () => (qa ? { input: { question: question.value, context: text.value } }
    : ner ? { input: text.value, params: { aggregation_strategy: 'simple' } } : { input: text.value, params: { top_k: null } });
  const form = h('form.run-form', { on: { submit: async (e) => {
    e.preventDefault();
    const b = body();
    snippets.update(b);
    run.disabled = true;
    fill(out, 'Running…');
    try {
      const output = await v2(modelId, { method: 'POST', body: b });
      if (qa) {
        fill(out, h('p', 'Answer: ', h('strong', output.answer), ` (score ${output.score.toFixed(3)})`),
          h('p', highlight(b.input.context, [{ start: output.start, end: output.end, title: 'answer' }])));
      } else if (ner) {
        const spans = output.map((x) => ({ start: x.start, end: x.end, label: x.entity_group || x.entity, title: `${x.entity_group || x.entity} ${x.score.toFixed(3)}` }));
        fill(out, output.length ? h('p', highlight(b.input, spans)) : h('p', 'No entities found.'),
          h('ul', output.map((x) => h('li', `${x.word}: ${x.entity_group || x.entity} (${x.score.toFixed(3)})`))));
      } else {
        const labels = Array.isArray(output[0]) ? output[0] : output;
        fill(out, h('ul.bars', labels.map((l) => h('li', h('meter', { min: 0, max: 1, value: l.score, 'aria-label': l.label }), h('span', `${l.label} ${l.score.toFixed(3)}`)))));
      }
    } catch (err) { fill(out, errorBox(err)); } finally { run.disabled = false; ran(); }
  } } },
  qa ? field('Question', question) : null,
  field(qa ? 'Context' : 'Text', text),
  h('div.buttons', run));
  root.append(form, h('h2', 'Result'), out);
  snippets.update(body());
}
