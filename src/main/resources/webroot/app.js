// The dashboard: sign-in, the header, routing between views, the live stream and the shared
// background state (counts, dispatch, profiles, agents).

import { api, request, session, onUnauthorized, describe, EventStream, ApiError } from './api.js';
import { h, fill, toast, formDialog, field } from './dom.js';
import { TasksView } from './tasks.js';
import { TaskView } from './task.js';
import { AgentsView } from './agents.js';

const ROLE_RANK = { viewer: 0, operator: 1, admin: 2 };

// Event types the main stream follows: every kind except "log" (log lines are followed per task, on the
// task page only, so a busy node's logs never flood the overview).
const MAIN_TYPES = ['created', 'updated', 'deleted', 'dispatched', 'attempt.started', 'progress', 'attempt.failed',
  'retrying', 'succeeded', 'failed', 'task.escalated', 'retried', 'kill.requested', 'killed', 'released',
  'lease-expired', 'agent.stalled', 'agent.heartbeat-lost', 'agent.timeout', 'agent.lease-lost', 'profile.paused',
  'profile.resumed', 'profile.escalated', 'token.revoked', 'dispatch.paused', 'dispatch.resumed', 'kill-all'].join(',');

/** What every view shares. */
export const ctx = {
  me: null,
  profiles: [],
  dispatchPaused: null,
  counts: null,
  agents: null,
  stream: null,
  listeners: new Set(),
  can(role) {
    return this.me !== null && ROLE_RANK[this.me.role] >= ROLE_RANK[role];
  },
  /** Subscribe to shared-state changes ('counts', 'dispatch', 'profiles', 'agents'); returns an unsubscribe. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  },
  emit(what) {
    this.listeners.forEach((fn) => fn(what));
  },
  refreshProfiles,
  refreshDispatch,
  refreshAgents,
  refreshCounts,
  resumeDispatch,
  /** The last stream position seen (null before the first event). */
  position() {
    return this.stream ? this.stream.last : null;
  },
};

const els = {};
let view = null;
let viewName = null;
const timers = [];
const debounced = new Map();

function $(id) {
  return document.getElementById(id);
}

// ---- sign-in and sign-out

async function signIn(token, { remembered } = {}) {
  const error = els.signinError;
  error.hidden = true;
  try {
    const me = await api('GET', '/api/v1/me', undefined, { token });
    session.set(token);
    ctx.me = me;
    startApp();
  } catch (e) {
    if (remembered) session.clear();
    const message = e instanceof ApiError && e.status === 401
      ? 'This token is not valid: it is unknown or was revoked.'
      : describe(e).summary;
    showSignIn(message);
  }
}

function signOut(message) {
  stopApp();
  session.clear();
  ctx.me = null;
  showSignIn(message);
}

function showSignIn(message) {
  els.app.hidden = true;
  els.signin.hidden = false;
  els.tokenInput.value = '';
  if (message) {
    els.signinError.textContent = message;
    els.signinError.hidden = false;
  } else {
    els.signinError.hidden = true;
  }
  document.title = 'Sign in · Overseer';
  els.tokenInput.focus();
}

// ---- the running app

function startApp() {
  els.signin.hidden = true;
  els.app.hidden = false;
  fill(els.whoami,
    h('span', { class: 'who-name', testid: 'whoami-name' }, ctx.me.name),
    h('span', { class: `role role-${ctx.me.role}`, testid: 'whoami-role' }, ctx.me.role));
  document.body.dataset.role = ctx.me.role;
  ctx.stream = new EventStream({
    params: { types: MAIN_TYPES },
    onEvent: onEvent,
    onStatus: setStreamStatus,
    onRevoked: () => signOut('Your token was revoked. Sign in with another token.'),
    onOpen: ({ resumedFrom }) => {
      // resumed without a known position: events may have been missed, so reload what is shown
      if (resumedFrom === null && ctx.streamOpenedOnce && view && view.reload) view.reload();
      ctx.streamOpenedOnce = true;
    },
  });
  ctx.streamOpenedOnce = false;
  ctx.stream.start();
  refreshProfiles();
  refreshDispatch();
  refreshCounts();
  refreshAgents();
  timers.push(setInterval(() => { refreshCounts(); refreshDispatch(); }, 5000));
  timers.push(setInterval(() => { if (viewName === 'tasks' || viewName === 'agents') refreshAgents(); }, 3000));
  route();
}

function stopApp() {
  if (ctx.stream) ctx.stream.stop();
  ctx.stream = null;
  timers.splice(0).forEach(clearInterval);
  debounced.forEach((t) => clearTimeout(t));
  debounced.clear();
  if (view) view.unmount();
  view = null;
  viewName = null;
  fill(els.main);
  ctx.counts = null;
  ctx.agents = null;
  ctx.profiles = [];
  ctx.dispatchPaused = null;
  document.querySelectorAll('dialog').forEach((d) => d.remove());
  setStreamStatus('connecting', 'websocket');
  delete els.streamStatus.dataset.position;
  delete els.dispatchBanner.dataset.paused;
  els.dispatchBanner.hidden = true;
  delete document.body.dataset.role;
}

function setStreamStatus(status, transport) {
  els.streamStatus.dataset.status = status;
  els.streamStatus.dataset.transport = transport;
  els.streamStatus.querySelector('.label').textContent = status === 'live' ? 'Live' : status[0].toUpperCase() + status.slice(1);
  const via = transport === 'sse' ? 'Server-Sent Events' : 'WebSocket';
  els.streamStatus.title = status === 'live' ? `Receiving live events (${via})` : `The live event stream (${via}) is ${status}`;
}

/** Runs fn at most once per `ms` for a key (trailing call). */
function debounce(key, ms, fn) {
  if (debounced.has(key)) return;
  debounced.set(key, setTimeout(() => {
    debounced.delete(key);
    fn();
  }, ms));
}

function onEvent(event) {
  const type = event.type;
  if (typeof event.position === 'number') els.streamStatus.dataset.position = String(event.position);
  if (type.startsWith('dispatch.') || type === 'kill-all') debounce('dispatch', 200, refreshDispatch);
  if (type.startsWith('profile.')) debounce('profiles', 200, refreshProfiles);
  if (type !== 'progress') debounce('counts', 1000, refreshCounts);
  if (type === 'attempt.started' || type === 'succeeded' || type === 'failed' || type === 'killed'
      || type === 'attempt.failed' || type === 'released' || type === 'progress') {
    if (viewName === 'tasks' || viewName === 'agents') debounce('agents', type === 'progress' ? 1000 : 300, refreshAgents);
  }
  if (type === 'token.revoked' && event.data && event.data.name === ctx.me.name) {
    signOut('Your token was revoked. Sign in with another token.');
    return;
  }
  if (view && view.onEvent) view.onEvent(event);
}

// ---- shared state

// A failed refresh leaves the last state shown; the next poll or event tries again. Rendering runs
// outside the try, so a fault in a view is reported, not taken for a network error.

async function refreshProfiles() {
  let body;
  try {
    body = await api('GET', '/api/v1/profiles');
  } catch {
    return;
  }
  ctx.profiles = body.items;
  ctx.emit('profiles');
}

async function refreshDispatch() {
  let body;
  try {
    body = await api('GET', '/api/v1/dispatch');
  } catch {
    return;
  }
  ctx.dispatchPaused = body.paused;
  renderDispatchBanner();
  ctx.emit('dispatch');
}

async function refreshCounts() {
  let body;
  try {
    body = await api('GET', '/api/v1/counts');
  } catch {
    return;
  }
  ctx.counts = body.counts;
  ctx.emit('counts');
}

async function refreshAgents() {
  let body;
  try {
    body = await api('GET', '/api/v1/agents');
  } catch {
    return;
  }
  ctx.agents = body;
  ctx.emit('agents');
}

function renderDispatchBanner() {
  const banner = els.dispatchBanner;
  const paused = Boolean(ctx.dispatchPaused);
  if (banner.dataset.paused === String(paused)) return; // re-rendered only on a change: a click is never lost
  banner.dataset.paused = String(paused);
  if (!ctx.dispatchPaused) {
    banner.hidden = true;
    fill(banner);
    return;
  }
  fill(banner,
    h('strong', null, 'Dispatch is paused.'),
    ' Nothing new starts on any node until it is resumed; running work goes on.',
    ctx.can('admin') ? h('button', { type: 'button', class: 'btn small', testid: 'banner-resume-dispatch', onclick: resumeDispatch },
      'Resume dispatch') : null);
  banner.hidden = false;
}

/** The undo of an emergency stop: asks for an optional note, then POST /api/v1/dispatch/resume. */
function resumeDispatch() {
  const reason = h('input', { id: 'resume-reason', type: 'text', maxlength: 500, autocomplete: 'off' });
  formDialog({
    title: 'Resume dispatch',
    testid: 'resume-dialog',
    intro: h('p', null, 'Queued tasks start again on every node.'),
    fields: [field('Note (optional)', reason, 'Recorded in the audit trail.')],
    submitLabel: 'Resume dispatch',
    busyLabel: 'Resuming…',
    submit: async () => {
      const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
      await request('POST', '/api/v1/dispatch/resume', body);
      toast('Dispatch resumed.');
      await refreshDispatch();
    },
  });
}

// ---- routing: #/tasks?state=…, #/task/<id>, #/agents

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, q = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  return { parts, params: new URLSearchParams(q) };
}

function route() {
  if (!ctx.me) return;
  const { parts, params } = parseHash();
  let name = parts[0] || 'tasks';
  if (!['tasks', 'task', 'agents'].includes(name)) name = 'tasks';
  if (name === 'task' && !parts[1]) name = 'tasks';
  if (view && viewName === 'tasks' && name === 'tasks') {
    view.setParams(params);
    return;
  }
  if (view) view.unmount();
  fill(els.main);
  viewName = name;
  if (name === 'task') view = new TaskView(ctx, parts[1]);
  else if (name === 'agents') view = new AgentsView(ctx);
  else view = new TasksView(ctx, params);
  view.mount(els.main);
  for (const link of document.querySelectorAll('.nav a')) {
    const active = link.dataset.view === (name === 'task' ? 'tasks' : name);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (name === 'agents') refreshAgents();
}

// ---- start

function init() {
  Object.assign(els, {
    signin: $('signin'),
    signinForm: $('signin-form'),
    tokenInput: $('token-input'),
    signinError: $('signin-error'),
    app: $('app'),
    main: $('main'),
    whoami: $('whoami'),
    signout: $('signout'),
    streamStatus: $('stream-status'),
    dispatchBanner: $('dispatch-banner'),
  });
  els.signinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = els.tokenInput.value.trim();
    if (!token) {
      els.signinError.textContent = 'Enter a token.';
      els.signinError.hidden = false;
      return;
    }
    signIn(token);
  });
  els.signout.addEventListener('click', () => signOut('You are signed out.'));
  onUnauthorized(() => {
    if (ctx.me) signOut('Your session ended: the token is no longer valid (revoked or unknown).');
  });
  window.addEventListener('hashchange', route);
  const remembered = session.token();
  if (remembered) signIn(remembered, { remembered: true });
  else showSignIn();
}

init();
