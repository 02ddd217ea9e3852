// Small DOM helpers and the shared pieces of the page. Text always goes in as text (never as HTML):
// task names, messages and logs come from users and agents.

import { describe } from './api.js';

/** h('a', {href, class, testid, onclick}, ...children) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'testid') el.setAttribute('data-testid', value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'value') el.value = value;
      else if (key === 'checked') el.checked = true;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Replaces an element's children; arrays among them are flattened. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * Keeps one child per key in `container`, in the order of `items`: make(item) creates a child,
 * update(child, item) refreshes it. Children are reused, so a click on one is never lost to a re-render.
 */
export function keyed(container, items, key, make, update) {
  const existing = new Map();
  for (const el of [...container.children]) {
    if (el.dataset.key !== undefined) existing.set(el.dataset.key, el);
    else el.remove();
  }
  const keep = new Set();
  let prev = null;
  for (const item of items) {
    const k = String(key(item));
    keep.add(k);
    let el = existing.get(k);
    if (!el) {
      el = make(item);
      el.dataset.key = k;
    }
    update(el, item);
    const expected = prev ? prev.nextSibling : container.firstChild;
    if (el !== expected) container.insertBefore(el, expected);
    prev = el;
  }
  for (const [k, el] of existing) if (!keep.has(k)) el.remove();
}

export const STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'killed'];
export const ACTIVE = new Set(['queued', 'running', 'retrying']);

export function stateBadge(state, testid) {
  return h('span', { class: `badge state-${state}`, testid, 'data-state': state }, state);
}

export function setBadge(el, state) {
  el.className = `badge state-${state}`;
  el.dataset.state = state;
  el.textContent = state;
}

/** A progress bar with its message; update() changes it in place. */
export function progressBar(testid) {
  const bar = h('div', { class: 'bar' });
  const track = h('div', { class: 'track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar);
  const label = h('span', { class: 'progress-pct' });
  const message = h('div', { class: 'progress-msg' });
  const root = h('div', { class: 'progress', testid }, h('div', { class: 'progress-line' }, track, label), message);
  root.update = (task) => {
    const p = task.progress || {};
    let percent = typeof p.percent === 'number' ? Math.max(0, Math.min(100, p.percent)) : null;
    let text = p.message || '';
    if (task.state === 'succeeded') percent = 100;
    if (task.state === 'queued') {
      percent = null;
      text = task.runAt && Date.parse(task.runAt) > Date.now() + 1000 ? `waits until ${fmtTime(task.runAt)}` : 'waiting';
    }
    if (task.state === 'retrying') text = task.runAt ? `retry at ${fmtTime(task.runAt)}` : 'retrying';
    if (task.state === 'failed' && task.error) text = [task.error.reason, task.error.message].filter(Boolean).join(': ');
    if (task.state === 'killed') text = text ? `killed · ${text}` : 'killed';
    root.dataset.state = task.state;
    root.classList.toggle('empty', percent === null);
    track.setAttribute('aria-valuenow', percent === null ? 0 : percent);
    track.setAttribute('aria-label', percent === null ? 'no progress reported' : `${percent}% done`);
    bar.style.width = `${percent === null ? 0 : percent}%`;
    label.textContent = percent === null ? '' : `${Math.round(percent)}%`;
    message.textContent = text;
    message.title = text;
  };
  return root;
}

// ---- times

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    : d.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

export function ago(iso) {
  if (!iso) return '—';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 1.5) return 'just now';
  if (s < 90) return `${Math.round(s)}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(fromIso, toIso) {
  if (!fromIso) return '';
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (ms < 0) return '';
  if (ms < 10000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 120000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7200000) return `${Math.floor(ms / 60000)}m ${Math.round((ms % 60000) / 1000)}s`;
  return `${Math.floor(ms / 3600000)}h ${Math.round((ms % 3600000) / 60000)}m`;
}

export function timeEl(iso, testid) {
  return h('time', { datetime: iso || undefined, title: iso || undefined, testid }, fmtTime(iso));
}

// ---- errors and notices

/** Renders an error (ApiError or other) into a container with role=alert. */
export function showError(container, error, prefix) {
  const { summary, errors } = describe(error);
  fill(container,
    h('p', { class: 'error-summary' }, prefix ? `${prefix}: ${summary}` : summary),
    errors.length ? h('ul', { class: 'error-fields' }, errors.map((e) => h('li', null, h('code', null, e.field), ` ${e.reason}`))) : null,
  );
  container.hidden = false;
}

export function clearError(container) {
  fill(container);
  container.hidden = true;
}

let toastTimer;
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

// ---- dialogs

/**
 * A modal form in a <dialog>. `fields` are elements put in the form; `submit(form)` is async and may
 * throw (shown in the dialog, which stays open); the dialog closes when it resolves. `canSubmit(form)`
 * enables the submit button. Returns the dialog element.
 */
export function formDialog({ title, testid, intro, fields, submitLabel, danger, busyLabel, submit, canSubmit }) {
  const error = h('div', { class: 'alert', role: 'alert', testid: `${testid}-error`, hidden: true });
  const submitButton = h('button', { type: 'submit', class: danger ? 'btn danger' : 'btn primary', testid: `${testid}-submit` }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel', testid: `${testid}-cancel` }, 'Cancel');
  const titleId = `${testid}-title`;
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: titleId }, title),
    intro ? h('div', { class: 'dialog-intro' }, intro) : null,
    fields,
    error,
    h('div', { class: 'dialog-actions' }, cancel, submitButton));
  const dialog = h('dialog', { class: 'dialog', testid, 'aria-labelledby': titleId }, form);
  const refresh = () => { submitButton.disabled = canSubmit ? !canSubmit(form) : false; };
  form.addEventListener('input', refresh);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (canSubmit && !canSubmit(form)) return;
    clearError(error);
    submitButton.disabled = true;
    cancel.disabled = true;
    const label = submitButton.textContent;
    if (busyLabel) submitButton.textContent = busyLabel;
    form.setAttribute('aria-busy', 'true');
    try {
      await submit(form);
      dialog.close();
    } catch (err) {
      showError(error, err);
    } finally {
      form.removeAttribute('aria-busy');
      submitButton.textContent = label;
      cancel.disabled = false;
      refresh();
    }
  });
  document.body.append(dialog);
  refresh();
  dialog.showModal();
  const first = form.querySelector('input, textarea, select');
  if (first) first.focus();
  return dialog;
}

/** A labelled form field: label + control (+ hint). */
export function field(label, control, hint) {
  const id = control.id;
  const hintEl = hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** Pretty JSON for display. */
export function jsonBlock(value, testid) {
  return h('pre', { class: 'json', testid }, value === undefined ? '' : JSON.stringify(value, null, 2));
}
