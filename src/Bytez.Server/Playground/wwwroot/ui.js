// Small DOM helpers: elements are built with textContent (never innerHTML of data), so answers cannot inject markup.

/** h('tag.class#id', {attrs, on: {event}}, ...children) */
export function h(spec, attrs, ...children) {
  const [, tag, rest] = /^([a-z0-9]+)(.*)$/.exec(spec);
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'on') for (const [e, f] of Object.entries(v)) el.addEventListener(e, f);
    else if (k === 'checked') el.defaultChecked = el.checked = !!v; // form.reset() goes back to it
    else if (k in el && k !== 'list' && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An error line for a failed call, with the server's message. */
export const errorBox = (e) => h('p.error', { role: 'alert' }, e && e.status ? `Error ${e.status}: ${e.message}` : String(e && e.message || e));

const sig = (n) => Number(n).toLocaleString('en', { maximumSignificantDigits: 3 });

/** Gigabytes (10^9 bytes, as list/models gives them) in the unit that reads best. */
export const gb = (n) => (n === null || n === undefined ? '–' : n >= 1 ? `${sig(n)} GB` : n >= 0.001 ? `${sig(n * 1000)} MB` : `${sig(n * 1e6)} KB`);

/** A count of parameters given in billions (list/models' params), in B, M or K. */
export const paramCount = (b) => (b === null || b === undefined ? '–' : b >= 1 ? `${sig(b)} B` : b >= 0.001 ? `${sig(b * 1000)} M` : `${sig(b * 1e6)} K`);

export const bytes = (n) => {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toLocaleString('en', { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
};

/** A labelled form control: returns [wrapper, control]. */
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  const hintEl = hint ? h('small.hint', { id: id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div.field', h('label', { for: id }, label), control, hintEl);
}

/** Moves focus to the page's heading after a view changes, for keyboard and screen-reader users. */
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

/**
 * Redraws `el` with `draw()` unless `data` is what it showed last time; keeps the keyboard focus on the same control
 * (same data-action within the same data-model) across the redraw, so polling views stay usable with a keyboard.
 */
export function redraw(el, data, draw) {
  const key = JSON.stringify(data);
  if (el.dataset.drawn === key) return;
  el.dataset.drawn = key;
  const active = document.activeElement;
  const within = active && el.contains(active) ? active : null;
  const model = within?.closest('[data-model]')?.dataset.model;
  const action = within?.dataset.action;
  draw();
  if (within && action) {
    const again = [...el.querySelectorAll(`[data-action="${CSS.escape(action)}"]`)].find((b) => b.closest('[data-model]')?.dataset.model === model);
    if (again) again.focus();
  }
}
