// The shell: the key form, the navigation and a router over the location hash (#/, #/model/org/name, ...).
import { key, v2, ApiError } from './api.js';
import { h, fill, focusHeading } from './ui.js';

const views = {
  catalog: () => import('./catalog.js'),
  model: () => import('./model.js'),
  instances: () => import('./instances.js'),
  requests: () => import('./requests.js'),
  keys: () => import('./keys.js'),
};

const main = document.getElementById('main');
const form = document.getElementById('key-form');
const input = document.getElementById('key-input');
const state = document.getElementById('key-state');
const forget = document.getElementById('key-forget');
let cleanup = null;
let generation = 0;
let shown = 0; // pages shown: the first load leaves focus where the browser puts it

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'model' && parts.length >= 3) return ['model', [parts[1] + '/' + parts.slice(2).join('/')]];
  if (parts[0] in views && parts[0] !== 'model') return [parts[0], parts.slice(1)];
  return ['catalog', []];
}

async function show() {
  const mine = ++generation;
  if (cleanup) { cleanup(); cleanup = null; }
  const [name, args] = route();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === (name === 'model' ? 'catalog' : name)) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (!key.get()) {
    fill(main, h('h1', 'Bytez playground'),
      h('p', 'Enter the server\'s API key above to browse, try, load and request models. The key stays in this tab (session storage) and is sent only in the Authorization header.'));
    input.focus();
    return;
  }
  const view = await views[name]();
  if (mine !== generation) return;
  fill(main);
  const done = await view.render(main, ...args);
  if (mine !== generation) { if (typeof done === 'function') done(); return; }
  cleanup = typeof done === 'function' ? done : null;
  document.title = (main.querySelector('h1')?.textContent || 'Playground') + ' · Bytez';
  if (shown++) focusHeading(main);
}

function showKeyState() {
  const has = !!key.get();
  forget.hidden = !has;
  input.placeholder = has ? 'key set for this tab' : 'your server key';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const candidate = input.value.trim();
  if (!candidate) return;
  const previous = key.get();
  key.set(candidate);
  state.textContent = 'Checking…';
  state.className = '';
  try {
    await v2('list/tasks');
    input.value = '';
    state.textContent = 'Key accepted';
    showKeyState();
    show();
  } catch (err) {
    if (previous) key.set(previous); else key.clear();
    state.className = 'error';
    state.textContent = err instanceof ApiError ? `Key refused: ${err.status} ${err.message}` : `Could not reach the server: ${err.message}`;
    input.focus();
  }
});

forget.addEventListener('click', () => {
  key.clear();
  state.textContent = 'Key forgotten';
  showKeyState();
  show();
});

// The skip link moves focus without touching the hash (the hash is the router's).
document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
window.addEventListener('hashchange', show);
showKeyState();
show();
