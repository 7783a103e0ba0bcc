// Small DOM helpers. Text always goes in through textContent: nothing the API returns is ever
// parsed as HTML.

export const $ = (id) => document.getElementById(id);

// h('td', {class: 'x', 'aria-label': 'y'}, 'text', childNode, ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); }

export function show(el, visible = true) { el.hidden = !visible; }

// Tells screen readers about something that happened away from the focus.
export function announce(message) {
  const region = $('announcer');
  region.textContent = '';
  // A fresh text node so repeated identical messages are still read.
  requestAnimationFrame(() => { region.textContent = message; });
}

export function setError(el, error) {
  el.textContent = error ? describeError(error) : '';
}

export function describeError(error) {
  if (!error) return '';
  const id = error.requestId ? ` (request ${error.requestId})` : '';
  return `${error.message}${id}`;
}

// Closes a dialog from any element marked data-close inside it.
export function wireDialogClose(dialog) {
  for (const b of dialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => dialog.close());
}
