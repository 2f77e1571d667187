// Text generation and chat: the prompt or conversation, the generation parameters with their ranges, streamed
// tokens as they arrive (fetch + ReadableStream) and a Stop button (AbortController).
import { v2, stream } from './api.js';
import { h, fill, errorBox, field } from './ui.js';

// [name, label, min, max, step, default, hint]; the valid ranges are the server's (docs/api.md, text-generation).
const SAMPLING = [
  ['temperature', 'Temperature', 0.05, 2, 0.05, 0.7, 'above 0; higher is more random'],
  ['top_p', 'Top p', 0.05, 1, 0.05, 0.95, '(0, 1]: keep the most likely tokens up to this mass'],
  ['top_k', 'Top k', 0, 200, 1, 50, '≥ 0: keep this many most likely tokens (0: all)'],
  ['repetition_penalty', 'Repetition penalty', 0.5, 2, 0.05, 1, 'above 0; 1 is none'],
];

function slider(name, label, min, max, step, value, hint) {
  const range = h('input', { type: 'range', id: 'p-' + name, name, min, max, step, value });
  const num = h('input.num', { type: 'number', min, max, step, value, 'aria-label': label + ' (number)' });
  range.addEventListener('input', () => { num.value = range.value; });
  num.addEventListener('input', () => { range.value = num.value; });
  const wrap = field(label, range, hint);
  wrap.classList.add('slider');
  range.after(num);
  wrap.value = () => Number(num.value);
  return wrap;
}

export async function render(root, { modelId, task, snippets, ran }) {
  const chat = task === 'chat';
  const conversation = [];
  const system = h('textarea#system', { rows: 2, placeholder: 'optional' });
  const prompt = h('textarea#prompt', { rows: 4, required: true }, chat ? '' : 'Once upon a time');
  const maxNew = slider('max_new_tokens', 'Max new tokens', 1, 1024, 1, 64, 'integer ≥ 1');
  const sample = h('input#p-do_sample', { type: 'checkbox' });
  const seed = h('input#p-seed', { type: 'number', step: 1, placeholder: 'random' });
  const sliders = SAMPLING.map((s) => slider(...s));
  const samplingBox = h('fieldset.sampling', { disabled: true }, h('legend', 'Sampling'), sliders, field('Seed', seed, 'integer: the same seed gives the same sample'));
  const samplingPanel = h('details.sampling-panel', h('summary', 'Sampling parameters'), samplingBox);
  sample.addEventListener('change', () => { samplingBox.disabled = !sample.checked; if (sample.checked) samplingPanel.open = true; });
  const streaming = h('input#p-stream', { type: 'checkbox', checked: true });
  const run = h('button', { type: 'submit' }, chat ? 'Send' : 'Generate');
  const stop = h('button#stop', { type: 'button', disabled: true }, 'Stop');
  const clear = chat ? h('button', { type: 'button' }, 'New conversation') : null;
  const log = h('div.conversation', { 'aria-live': 'polite' });
  const out = h('pre.output#output', { 'aria-live': 'polite', 'aria-busy': 'false' });
  const status = h('p.status#gen-status', { role: 'status' });
  let controller = null;

  const body = () => {
    const params = { max_new_tokens: maxNew.value() };
    if (sample.checked) {
      params.do_sample = true;
      for (const s of sliders) params[s.querySelector('input[type=range]').name] = s.value();
      if (seed.value !== '') params.seed = Number(seed.value);
    }
    if (!chat) return { input: prompt.value, params };
    const messages = [];
    if (system.value.trim()) messages.push({ role: 'system', content: system.value.trim() });
    messages.push(...conversation, { role: 'user', content: prompt.value });
    return { messages, params };
  };
  const drawLog = () => fill(log, conversation.map((m) => h('div.msg.' + m.role, h('strong', m.role + ': '), m.content)));

  const form = h('form.run-form', { on: { submit: async (e) => {
    e.preventDefault();
    const b = body();
    const useStream = streaming.checked;
    snippets.update(useStream ? { ...b, stream: true } : b);
    controller = new AbortController();
    run.disabled = true; stop.disabled = false;
    out.textContent = ''; out.setAttribute('aria-busy', 'true');
    status.textContent = useStream ? 'Streaming…' : 'Running…';
    const started = performance.now();
    let pieces = 0, text = '';
    try {
      if (useStream) {
        await stream(modelId, b, (piece) => { pieces++; text += piece; out.textContent = text; }, controller.signal);
      } else {
        const output = await v2(modelId, { method: 'POST', body: b, signal: controller.signal });
        text = typeof output === 'string' ? output : output && typeof output.content === 'string' ? output.content : JSON.stringify(output, null, 2);
        out.textContent = text;
      }
      status.textContent = `Done in ${((performance.now() - started) / 1000).toFixed(1)} s` + (useStream ? `, ${pieces} pieces streamed.` : '.');
    } catch (err) {
      if (err.name === 'AbortError') status.textContent = `Stopped after ${pieces} pieces.`;
      else { status.textContent = ''; out.append(errorBox(err)); }
    } finally {
      run.disabled = false; stop.disabled = true; controller = null;
      out.setAttribute('aria-busy', 'false');
      ran();
    }
    if (chat && text) {
      conversation.push({ role: 'user', content: b.messages.at(-1).content }, { role: 'assistant', content: text });
      prompt.value = '';
      drawLog();
    }
  } } },
  chat ? field('System prompt', system) : null,
  chat ? h('h2', 'Conversation') : null, chat ? log : null,
  field(chat ? 'Your message' : 'Prompt', prompt),
  h('fieldset', h('legend', 'Generation'), maxNew,
    h('div.check', sample, h('label', { for: 'p-do_sample' }, 'Sample (do_sample); otherwise greedy')),
    h('div.check', streaming, h('label', { for: 'p-stream' }, 'Stream tokens as they are generated'))),
  samplingPanel,
  h('div.buttons', run, stop, clear));
  stop.addEventListener('click', () => controller && controller.abort());
  if (clear) clear.addEventListener('click', () => { conversation.length = 0; drawLog(); out.textContent = ''; prompt.focus(); });
  if (chat) prompt.value = 'Hello!';
  root.append(form, h('h2', 'Output'), out, status);
  snippets.update({ ...body(), stream: true });
}
