// The one way the playground talks to the server: the key from session storage in the Authorization header
// (never in a URL), answers read as the Bytez envelope {error, output}.
const KEY = 'bytez-key';

/** An answer whose envelope carried an error (or a non-2xx status). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const key = {
  get: () => sessionStorage.getItem(KEY) || '',
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

function headers(json) {
  const h = { Authorization: 'Key ' + key.get() };
  if (json) h['Content-Type'] = 'application/json';
  return h;
}

async function errorOf(res) {
  let text = '';
  try { text = await res.text(); } catch { /* body lost */ }
  try {
    const env = JSON.parse(text);
    if (env && typeof env.error === 'string') return new ApiError(res.status, env.error);
    if (env && env.error && typeof env.error.message === 'string') return new ApiError(res.status, env.error.message);
  } catch { /* not JSON */ }
  return new ApiError(res.status, text || `HTTP ${res.status} ${res.statusText}`);
}

/** Calls the API; resolves to the envelope's output, rejects with ApiError. `path` is relative to the server root. */
export async function call(path, { method = 'GET', body, signal } = {}) {
  const res = await fetch(path, {
    method, signal, headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  const env = await res.json();
  if (env && env.error) throw new ApiError(res.status, typeof env.error === 'string' ? env.error : JSON.stringify(env.error));
  return env ? env.output : null;
}

/** The Bytez API under /models/v2/. */
export const v2 = (path, options) => call('/models/v2/' + path, options);

/**
 * Runs a model with stream: true and hands each decoded piece to `onPiece` as it arrives. Resolves when the stream
 * ends; an AbortSignal stops it (the server stops generating at its next token).
 */
export async function stream(modelId, body, onPiece, signal) {
  const res = await fetch('/models/v2/' + modelId, {
    method: 'POST', signal, headers: headers(true), body: JSON.stringify({ ...body, stream: true }),
  });
  if (!res.ok) throw await errorOf(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onPiece(value);
  }
}
