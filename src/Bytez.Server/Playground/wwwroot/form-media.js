// Image tasks (labels, or boxes drawn over the picture on a canvas) and audio tasks (a file or a recording made
// here, sent as WAV; the transcript or labels back). Media travel as base64 in the body.
import { v2 } from './api.js';
import { h, fill, errorBox, field } from './ui.js';

const readDataUrl = (blob) => new Promise((resolve, reject) => {
  const r = new FileReader();
  r.onload = () => resolve(r.result);
  r.onerror = () => reject(r.error);
  r.readAsDataURL(blob);
});

/** Mono 16-bit PCM WAV of an AudioBuffer resampled to 16 kHz (what speech models read). */
async function toWav(buffer) {
  const rate = 16000;
  const offline = new OfflineAudioContext(1, Math.ceil(buffer.duration * rate), rate);
  const src = offline.createBufferSource();
  src.buffer = buffer;
  src.connect(offline.destination);
  src.start();
  const pcm = (await offline.startRendering()).getChannelData(0);
  const view = new DataView(new ArrayBuffer(44 + pcm.length * 2));
  const str = (o, s) => { for (let i = 0; i < s.length; i++) view.setUint8(o + i, s.charCodeAt(i)); };
  str(0, 'RIFF'); view.setUint32(4, 36 + pcm.length * 2, true); str(8, 'WAVE'); str(12, 'fmt ');
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  str(36, 'data'); view.setUint32(40, pcm.length * 2, true);
  for (let i = 0; i < pcm.length; i++) view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, pcm[i])) * 0x7fff, true);
  return new Blob([view], { type: 'audio/wav' });
}

function drawBoxes(canvas, img, detections) {
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const w = Math.max(2, Math.round(img.naturalWidth / 300));
  g.lineWidth = w;
  g.font = `${Math.max(12, w * 7)}px system-ui, sans-serif`;
  for (const d of detections) {
    const { xmin, ymin, xmax, ymax } = d.box;
    g.strokeStyle = '#ff3b30';
    g.strokeRect(xmin, ymin, xmax - xmin, ymax - ymin);
    const label = `${d.label} ${d.score.toFixed(2)}`;
    const tw = g.measureText(label).width + 8, th = Math.max(14, w * 8);
    g.fillStyle = '#ff3b30';
    g.fillRect(xmin, Math.max(0, ymin - th), tw, th);
    g.fillStyle = '#ffffff';
    g.fillText(label, xmin + 4, Math.max(0, ymin - th) + th - 4);
  }
}

const labelsList = (labels) => h('ul.bars', labels.map((l) => h('li', h('meter', { min: 0, max: 1, value: l.score, 'aria-label': l.label }), h('span', `${l.label} ${l.score.toFixed(3)}`))));

export async function render(root, { modelId, task, snippets, ran }) {
  const audio = task.startsWith('audio') || task === 'automatic-speech-recognition';
  const file = h('input#media-file', { type: 'file', accept: audio ? 'audio/*' : 'image/*' });
  const preview = h('div.canvas-wrap');
  const out = h('div.output#result', { 'aria-live': 'polite' });
  const run = h('button', { type: 'submit', disabled: true }, 'Run');
  const record = audio && navigator.mediaDevices && window.MediaRecorder ? h('button#record', { type: 'button' }, 'Record') : null;
  let media = null; // {blob, name}
  const img = new Image();

  const use = async (blob, name) => {
    media = { blob, name };
    run.disabled = false;
    const url = URL.createObjectURL(blob);
    if (audio) fill(preview, h('audio', { controls: true, src: url }), h('p.note', name));
    else { img.src = url; await img.decode().catch(() => {}); fill(preview, img); img.alt = name; }
  };
  file.addEventListener('change', () => file.files[0] && use(file.files[0], file.files[0].name));

  let recorder = null;
  if (record) record.addEventListener('click', async () => {
    if (recorder) { recorder.stop(); return; }
    try {
      const streamIn = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recorder = new MediaRecorder(streamIn);
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = async () => {
        streamIn.getTracks().forEach((t) => t.stop());
        recorder = null;
        record.textContent = 'Record';
        const ctx = new AudioContext();
        const decoded = await ctx.decodeAudioData(await new Blob(chunks).arrayBuffer());
        ctx.close();
        await use(await toWav(decoded), 'recording.wav');
      };
      recorder.start();
      record.textContent = 'Stop recording';
    } catch (err) { fill(out, errorBox(err)); }
  });

  const form = h('form.run-form', { on: { submit: async (e) => {
    e.preventDefault();
    if (!media) return;
    const body = { base64: await readDataUrl(media.blob) };
    snippets.update(body);
    run.disabled = true;
    fill(out, 'Running…');
    try {
      const output = await v2(modelId, { method: 'POST', body });
      if (task === 'object-detection') {
        const canvas = h('canvas', { role: 'img', 'aria-label': `${output.length} detections drawn over the image` });
        drawBoxes(canvas, img, output);
        fill(preview, canvas);
        fill(out, h('ul', output.map((d) => h('li', `${d.label} ${d.score.toFixed(3)} at (${d.box.xmin}, ${d.box.ymin}) – (${d.box.xmax}, ${d.box.ymax})`))));
      } else if (typeof output === 'string') fill(out, h('p', output));
      else if (output && typeof output.text === 'string') fill(out, h('p', output.text));
      else if (Array.isArray(output) && output[0] && 'label' in output[0]) fill(out, labelsList(output));
      else if (Array.isArray(output) && output[0] && 'generated_text' in output[0]) fill(out, h('p', output[0].generated_text));
      else fill(out, h('pre', JSON.stringify(output, null, 2)));
    } catch (err) { fill(out, errorBox(err)); } finally { run.disabled = false; ran(); }
  } } },
  field(audio ? 'Audio file' : 'Image file', file, audio ? 'WAV, FLAC, MP3 or OGG; or record from the microphone' : 'PNG, JPEG, GIF, WebP or BMP'),
  h('div.buttons', record, run));
  root.append(form, preview, h('h2', 'Result'), out);
  snippets.update({ base64: 'BASE64_OF_YOUR_FILE' });
}
