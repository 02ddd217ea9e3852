// The task list: counts by state, filters, server-side pages (newest first, "Load more" follows the
// cursor), live row updates from the event stream, the create form and a summary of running agents.

import { api, request, query } from './api.js';
import { h, fill, keyed, STATES, stateBadge, setBadge, progressBar, timeEl, ago, toast, showError, clearError, field } from './dom.js';

const PAGE = 50;
/** Candidate new rows fetched one by one per flush; more than this reloads the first page instead. */
const FETCH_ONE_BY_ONE = 10;
const FLUSH_MILLIS = 250;
/** The state an event type puts a task in, applied at once (the task is fetched again to be exact). */
const STATE_OF = {
  dispatched: 'running', 'attempt.started': 'running', retrying: 'retrying', succeeded: 'succeeded',
  failed: 'failed', killed: 'killed', retried: 'queued',
};

export class TasksView {
  constructor(ctx, params) {
    this.ctx = ctx;
    this.filters = filtersFrom(params);
    this.rows = new Map(); // id -> {task, tr, cells, events}
    this.next = null;
    this.loadSeq = 0;
    this.pending = new Set();
    this.candidates = new Set();
    this.flushTimer = null;
    this.unsubscribe = null;
  }

  mount(main) {
    document.title = 'Tasks · Overseer';
    const ctx = this.ctx;
    this.countsEl = h('div', { class: 'counts', testid: 'counts', role: 'group', 'aria-label': 'Tasks by state' });
    this.listError = h('div', { class: 'alert', role: 'alert', testid: 'list-error', hidden: true });
    this.tbody = h('tbody', { testid: 'task-rows' });
    this.emptyRow = h('p', { class: 'empty-note', testid: 'task-list-empty', hidden: true }, 'No tasks match.');
    this.loadMore = h('button', { type: 'button', class: 'btn', testid: 'load-more', hidden: true, onclick: () => this.more() }, 'Load more');
    this.listInfo = h('span', { class: 'muted', testid: 'list-info', 'aria-live': 'polite' });
    this.createSlot = h('div');

    const head = h('div', { class: 'card-head' },
      h('h2', { id: 'tasks-heading' }, 'Tasks'),
      h('div', { class: 'actions' },
        ctx.can('operator')
          ? h('button', { type: 'button', class: 'btn primary', testid: 'new-task-toggle', 'aria-expanded': 'false',
            'aria-controls': 'create-form', onclick: (e) => this.toggleCreate(e.currentTarget) }, 'New task')
          : null,
        h('button', { type: 'button', class: 'btn', testid: 'refresh-tasks', onclick: () => this.reload() }, 'Refresh')));

    const table = h('table', { class: 'tasks', 'aria-labelledby': 'tasks-heading' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Task'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col', class: 'col-progress' }, 'Progress'),
        h('th', { scope: 'col' }, 'Attempt'),
        h('th', { scope: 'col' }, 'Profile'),
        h('th', { scope: 'col' }, 'Created by'),
        h('th', { scope: 'col' }, 'Created'))),
      this.tbody);

    this.sideDispatch = h('div', { testid: 'side-dispatch' });
    this.sideAgents = h('div', { testid: 'side-agents' });
    main.append(
      this.countsEl,
      h('div', { class: 'layout' },
        h('section', { class: 'card main-col', 'aria-labelledby': 'tasks-heading' },
          head,
          this.createSlot,
          this.filterForm(),
          this.listError,
          h('div', { class: 'table-wrap' }, table),
          this.emptyRow,
          h('div', { class: 'list-foot' }, this.listInfo, this.loadMore)),
        h('aside', { class: 'side-col', 'aria-label': 'This node' },
          h('section', { class: 'card' }, h('h2', null, 'Dispatch'), this.sideDispatch),
          h('section', { class: 'card' }, h('h2', null, h('a', { href: '#/agents' }, 'Running agents')), this.sideAgents))));

    this.unsubscribe = ctx.subscribe((what) => {
      if (what === 'counts') this.renderCounts();
      if (what === 'profiles') this.renderProfileOptions();
      if (what === 'agents') this.renderAgents();
      if (what === 'dispatch') this.renderDispatch();
    });
    this.renderCounts();
    this.renderAgents();
    this.renderDispatch();
    this.reload();
    this.ageTimer = setInterval(() => this.renderAgents(), 1000);
  }

  unmount() {
    if (this.unsubscribe) this.unsubscribe();
    clearTimeout(this.flushTimer);
    clearInterval(this.ageTimer);
    this.loadSeq += 1;
  }

  // ---- filters

  filterForm() {
    const f = this.filters;
    this.stateSelect = h('select', { id: 'filter-state', testid: 'filter-state', name: 'state' },
      h('option', { value: '' }, 'Any state'),
      STATES.map((s) => h('option', { value: s, selected: f.state === s }, s)));
    this.profileSelect = h('select', { id: 'filter-profile', testid: 'filter-profile', name: 'profile' });
    this.renderProfileOptions();
    this.labelInput = h('input', { id: 'filter-label', testid: 'filter-label', name: 'label', type: 'text',
      placeholder: 'team:web, env:prod', value: f.labels.join(', '), autocomplete: 'off', spellcheck: 'false' });
    const form = h('form', { class: 'filters', testid: 'filters', role: 'search', 'aria-label': 'Filter tasks' },
      field('State', this.stateSelect),
      field('Profile', this.profileSelect),
      field('Labels', this.labelInput),
      h('div', { class: 'filter-actions' },
        h('button', { type: 'submit', class: 'btn', testid: 'filter-apply' }, 'Apply'),
        h('button', { type: 'button', class: 'btn link', testid: 'filter-clear', onclick: () => navigate({ state: '', profile: '', labels: [] }) }, 'Clear')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate({
        state: this.stateSelect.value,
        profile: this.profileSelect.value,
        labels: this.labelInput.value.split(',').map((s) => s.trim()).filter(Boolean),
      });
    });
    this.stateSelect.addEventListener('change', () => form.requestSubmit());
    this.profileSelect.addEventListener('change', () => form.requestSubmit());
    return form;
  }

  renderProfileOptions() {
    if (!this.profileSelect) return;
    const names = this.ctx.profiles.map((p) => p.name);
    if (this.filters.profile && !names.includes(this.filters.profile)) names.push(this.filters.profile);
    fill(this.profileSelect,
      h('option', { value: '' }, 'Any profile'),
      names.sort().map((n) => h('option', { value: n, selected: this.filters.profile === n }, n)));
    if (this.createProfile) fillProfiles(this.createProfile, this.ctx.profiles);
  }

  /** Called by the router when only the query of #/tasks changed. */
  setParams(params) {
    this.filters = filtersFrom(params);
    this.stateSelect.value = this.filters.state;
    this.profileSelect.value = this.filters.profile;
    this.labelInput.value = this.filters.labels.join(', ');
    this.renderCounts();
    this.reload();
  }

  // ---- counts

  renderCounts() {
    const counts = this.ctx.counts;
    if (!this.countCards) {
      // built once and updated in place: a click on a card is never lost to a refresh
      this.countCards = ['', ...STATES].map((state) => {
        const value = h('span', { class: 'count-value', testid: `count-${state || 'all'}-value` }, '…');
        const button = h('button', { type: 'button', class: `count count-${state || 'all'}`, testid: `count-${state || 'all'}`,
          onclick: () => navigate({ ...this.filters, state }) }, value, h('span', { class: 'count-label' }, state || 'All tasks'));
        return { state, value, button };
      });
      fill(this.countsEl, this.countCards.map((c) => c.button));
    }
    const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : null;
    for (const card of this.countCards) {
      const n = card.state ? (counts ? counts[card.state] || 0 : null) : total;
      card.value.textContent = n === null ? '…' : n.toLocaleString();
      card.button.setAttribute('aria-pressed', String(this.filters.state === card.state));
      card.button.title = card.state ? `Show ${card.state} tasks` : 'Show tasks in every state';
    }
  }

  // ---- loading pages

  async reload() {
    const seq = ++this.loadSeq;
    this.listInfo.textContent = 'Loading…';
    try {
      const page = await api('GET', `/api/v1/tasks${query(this.listQuery())}`);
      if (seq !== this.loadSeq) return;
      clearError(this.listError);
      this.rows.clear();
      fill(this.tbody);
      this.pending.clear();
      this.candidates.clear();
      page.items.forEach((t) => this.appendRow(t));
      this.next = page.next || null;
      this.renderFoot();
    } catch (e) {
      if (seq !== this.loadSeq) return;
      showError(this.listError, e, 'The tasks could not be loaded');
      this.listInfo.textContent = '';
    }
  }

  async more() {
    if (!this.next) return;
    const seq = this.loadSeq;
    this.loadMore.disabled = true;
    try {
      const page = await api('GET', `/api/v1/tasks${query({ ...this.listQuery(), cursor: this.next })}`);
      if (seq !== this.loadSeq) return;
      page.items.forEach((t) => { if (!this.rows.has(t.id)) this.appendRow(t); });
      this.next = page.next || null;
      this.renderFoot();
    } catch (e) {
      showError(this.listError, e, 'The next page could not be loaded');
    } finally {
      this.loadMore.disabled = false;
    }
  }

  listQuery() {
    const f = this.filters;
    return { state: f.state, profile: f.profile, label: f.labels, limit: PAGE };
  }

  renderFoot() {
    const n = this.rows.size;
    this.emptyRow.hidden = n > 0;
    this.loadMore.hidden = !this.next;
    this.listInfo.textContent = n === 0 ? '' : `Showing ${n.toLocaleString()} task${n === 1 ? '' : 's'}${this.next ? ', newest first' : ''}`;
  }

  // ---- rows

  makeRow(task) {
    const link = h('a', { href: `#/task/${task.id}`, testid: 'task-link', class: 'task-link' });
    const sub = h('div', { class: 'sub' });
    const badge = stateBadge(task.state, 'task-state');
    const progress = progressBar('task-progress');
    const attempt = h('td', { class: 'num', testid: 'task-attempt' });
    const profile = h('td', { testid: 'task-profile' });
    const createdBy = h('td', { testid: 'task-created-by' });
    const created = h('td', { testid: 'task-created' });
    const tr = h('tr', { testid: 'task-row', 'data-task-id': task.id },
      h('td', { class: 'col-name' }, link, sub),
      h('td', null, badge),
      h('td', { class: 'col-progress' }, progress),
      attempt, profile, createdBy, created);
    const row = { task, tr, events: 0, cells: { link, sub, badge, progress, attempt, profile, createdBy, created } };
    this.renderRow(row);
    return row;
  }

  renderRow(row) {
    const t = row.task;
    const c = row.cells;
    c.link.textContent = t.name;
    fill(c.sub,
      h('code', { class: 'id', title: t.id }, t.id.slice(0, 8)),
      Object.entries(t.labels || {}).map(([k, v]) => h('span', { class: 'chip', title: `${k}: ${v}` }, `${k}:${v}`)));
    setBadge(c.badge, t.state);
    c.progress.update(t);
    c.attempt.textContent = `${t.attempt}/${t.maxAttempts}`;
    c.profile.textContent = t.profile;
    c.createdBy.textContent = t.createdBy;
    fill(c.created, timeEl(t.createdAt));
    const stale = !matches(t, this.filters);
    row.tr.classList.toggle('stale', stale);
    row.tr.title = stale ? `Now ${t.state}: no longer matches the filter` : '';
  }

  appendRow(task) {
    const row = this.makeRow(task);
    this.rows.set(task.id, row);
    this.tbody.append(row.tr);
  }

  /** Inserts a row in newest-first order (ids are time-ordered UUIDv7). */
  insertRow(task) {
    if (this.rows.has(task.id)) return;
    const row = this.makeRow(task);
    this.rows.set(task.id, row);
    let before = null;
    for (const tr of this.tbody.children) {
      if (tr.dataset.taskId < task.id) {
        before = tr;
        break;
      }
    }
    this.tbody.insertBefore(row.tr, before);
    row.tr.classList.add('fresh');
    setTimeout(() => row.tr.classList.remove('fresh'), 1500);
    this.renderFoot();
  }

  /** Whether a task that is not shown belongs within the loaded pages. */
  withinLoaded(id) {
    if (!this.next) return true;
    const last = this.tbody.lastElementChild;
    return !last || id > last.dataset.taskId;
  }

  // ---- live updates

  onEvent(event) {
    if (!event.taskId) return;
    const row = this.rows.get(event.taskId);
    if (row) {
      applyEvent(row.task, event);
      row.events += 1;
      this.renderRow(row);
      if (event.type !== 'progress') this.pending.add(event.taskId);
    } else if (this.couldEnter(event)) {
      this.candidates.add(event.taskId);
    } else {
      return;
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MILLIS);
  }

  couldEnter(event) {
    const f = this.filters;
    if (f.profile && event.profile !== f.profile) return false;
    if (event.type === 'created') return !f.state || f.state === 'queued';
    return Boolean(f.state) && STATE_OF[event.type] === f.state;
  }

  async flush() {
    this.flushTimer = null;
    const seq = this.loadSeq;
    const refetch = [...this.pending];
    const candidates = [...this.candidates];
    this.pending.clear();
    this.candidates.clear();
    if (candidates.length > FETCH_ONE_BY_ONE) {
      this.mergeFirstPage(seq);
    } else {
      refetch.push(...candidates.filter((id) => !this.rows.has(id)));
    }
    await eachLimited(refetch, 6, async (id) => {
      const row = this.rows.get(id);
      const seen = row ? row.events : 0;
      let task;
      try {
        task = await api('GET', `/api/v1/tasks/${id}`);
      } catch (e) {
        if (e.status === 404 && row && seq === this.loadSeq) {
          row.tr.remove();
          this.rows.delete(id);
          this.renderFoot();
        }
        return;
      }
      if (seq !== this.loadSeq) return;
      const current = this.rows.get(id);
      if (current) {
        // a newer event arrived while this answer was on its way: that event's fetch will follow
        if (current.events !== seen || task.version < current.task.version) return;
        current.task = task;
        this.renderRow(current);
      } else if (matches(task, this.filters) && this.withinLoaded(id)) {
        this.insertRow(task);
      }
    });
  }

  async mergeFirstPage(seq) {
    try {
      const page = await api('GET', `/api/v1/tasks${query(this.listQuery())}`);
      if (seq !== this.loadSeq) return;
      page.items.forEach((t) => {
        const row = this.rows.get(t.id);
        if (!row) {
          if (this.withinLoaded(t.id)) this.insertRow(t);
        } else if (t.version >= row.task.version) {
          row.task = t;
          this.renderRow(row);
        }
      });
    } catch { /* the next event tries again */ }
  }

  // ---- create

  toggleCreate(button) {
    if (this.createForm) {
      this.createForm.remove();
      this.createForm = null;
      this.createProfile = null;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    button.setAttribute('aria-expanded', 'true');
    this.createForm = this.buildCreateForm(() => this.toggleCreate(button));
    this.createSlot.append(this.createForm);
    this.createForm.querySelector('select').focus();
  }

  buildCreateForm(close) {
    const profile = h('select', { id: 'create-profile', testid: 'create-profile', name: 'profile', required: true });
    fillProfiles(profile, this.ctx.profiles);
    this.createProfile = profile;
    const name = h('input', { id: 'create-name', testid: 'create-name', name: 'name', type: 'text', required: true, autocomplete: 'off' });
    const input = h('textarea', { id: 'create-input', testid: 'create-input', name: 'input', rows: 4, spellcheck: 'false', class: 'mono' });
    input.value = '{}';
    const priority = h('input', { id: 'create-priority', testid: 'create-priority', name: 'priority', type: 'number', step: 1, placeholder: '0' });
    const labels = h('input', { id: 'create-labels', testid: 'create-labels', name: 'labels', type: 'text', placeholder: 'team:web, env:prod', autocomplete: 'off' });
    const error = h('div', { class: 'alert', role: 'alert', testid: 'create-error', hidden: true });
    const fieldError = (key) => h('div', { class: 'field-error', id: `create-${key}-error`, testid: `create-error-${key}`, hidden: true });
    const errors = { profile: fieldError('profile'), name: fieldError('name'), input: fieldError('input'), priority: fieldError('priority'), labels: fieldError('labels') };
    const controls = { profile, name, input, priority, labels };
    const withError = (key, el) => { el.querySelector('input, select, textarea').setAttribute('aria-describedby', errors[key].id); el.append(errors[key]); return el; };
    const submit = h('button', { type: 'submit', class: 'btn primary', testid: 'create-submit' }, 'Create task');
    const form = h('form', { id: 'create-form', class: 'create-form', testid: 'create-form', novalidate: true, 'aria-label': 'New task' },
      h('div', { class: 'create-grid' },
        withError('profile', field('Profile', profile)),
        withError('name', field('Name', name)),
        withError('priority', field('Priority', priority, '−100…100; higher runs first')),
        withError('labels', field('Labels', labels, 'key:value, comma-separated'))),
      withError('input', field('Input (JSON object)', input, 'Passed to the agent, e.g. {"repo": "acme/web"}')),
      error,
      h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn', onclick: close }, 'Cancel')));

    const resetErrors = () => {
      clearError(error);
      for (const [key, el] of Object.entries(errors)) {
        el.hidden = true;
        el.textContent = '';
        controls[key].removeAttribute('aria-invalid');
      }
    };
    const setFieldError = (key, text) => {
      errors[key].textContent = text;
      errors[key].hidden = false;
      controls[key].setAttribute('aria-invalid', 'true');
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      resetErrors();
      const body = { profile: profile.value, name: name.value };
      let ok = true;
      const text = input.value.trim();
      if (text) {
        try {
          const parsed = JSON.parse(text);
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
            setFieldError('input', 'The input must be a JSON object, such as {"repo": "acme/web"}.');
            ok = false;
          } else {
            body.input = parsed;
          }
        } catch (err) {
          setFieldError('input', `Not valid JSON: ${err.message}`);
          ok = false;
        }
      }
      if (priority.value.trim() !== '') {
        const n = Number(priority.value);
        if (!Number.isInteger(n)) {
          setFieldError('priority', 'A whole number, −100…100.');
          ok = false;
        } else {
          body.priority = n;
        }
      }
      if (labels.value.trim()) {
        body.labels = {};
        for (const pair of labels.value.split(',').map((s) => s.trim()).filter(Boolean)) {
          const colon = pair.indexOf(':');
          if (colon < 1) {
            setFieldError('labels', `"${pair}" is not key:value.`);
            ok = false;
            break;
          }
          body.labels[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
        }
      }
      if (!ok) {
        form.querySelector('[aria-invalid=true]').focus();
        return;
      }
      submit.disabled = true;
      try {
        const created = await request('POST', '/api/v1/tasks', body);
        toast(`Created "${created.body.name}".`);
        name.value = '';
        if (matches(created.body, this.filters)) this.insertRow(created.body);
        name.focus();
      } catch (err) {
        showError(error, err, 'The task was not created');
        let first = null;
        for (const fe of (err.errors || [])) {
          const key = String(fe.field || '').split('/')[1];
          if (errors[key]) {
            setFieldError(key, `${fe.field}: ${fe.reason}`);
            first = first || controls[key];
          }
        }
        if (first) first.focus();
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  // ---- side column

  renderDispatch() {
    const paused = this.ctx.dispatchPaused;
    if (this.shownPaused === paused) return;
    this.shownPaused = paused;
    fill(this.sideDispatch,
      paused === null ? h('p', { class: 'muted' }, '…')
        : h('p', { class: 'dispatch-state' },
          h('span', { class: `badge ${paused ? 'state-failed' : 'state-succeeded'}`, testid: 'side-dispatch-state' }, paused ? 'paused' : 'running'),
          paused ? ' Nothing new starts.' : ' Queued tasks start as slots free up.'));
  }

  renderAgents() {
    const data = this.ctx.agents;
    if (!data || !data.items.length) {
      this.agentList = null;
      fill(this.sideAgents, !data ? h('p', { class: 'muted' }, '…')
        : h('p', { class: 'muted', testid: 'side-agents-empty' }, 'No agent runs on this node.'));
      return;
    }
    if (!this.agentList) {
      this.agentList = h('ul', { class: 'agent-list' });
      this.agentMore = h('p', { class: 'muted small' });
      fill(this.sideAgents, this.agentList, this.agentMore);
    }
    const items = [...data.items].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
    const shown = items.slice(0, 8);
    keyed(this.agentList, shown, (a) => a.taskId, (a) => {
      const li = h('li', { testid: 'side-agent', 'data-task-id': a.taskId });
      li.link = h('a', { class: 'agent-name', href: `#/task/${a.taskId}` });
      li.bar = progressBar();
      li.facts = h('div', { class: 'muted small' });
      li.append(li.link, li.bar, li.facts);
      return li;
    }, (li, a) => {
      li.link.textContent = a.name;
      li.link.title = a.name;
      li.bar.update({ state: 'running', progress: { percent: a.percent, message: a.message } });
      const facts = [a.profile, a.pid ? `pid ${a.pid}` : 'in-process', `heartbeat ${ago(a.lastHeartbeatAt)}`];
      if (a.terminating) facts.push(`stopping (${a.terminating})`);
      li.facts.textContent = facts.join(' · ');
    });
    fill(this.agentMore, items.length > shown.length ? h('a', { href: '#/agents' }, `and ${items.length - shown.length} more…`) : null);
  }
}

// ---- helpers

function filtersFrom(params) {
  return {
    state: STATES.includes(params.get('state')) ? params.get('state') : '',
    profile: params.get('profile') || '',
    labels: params.getAll('label').filter(Boolean),
  };
}

function navigate(filters) {
  location.hash = `#/tasks${query({ state: filters.state, profile: filters.profile, label: filters.labels })}`;
}

function matches(task, f) {
  if (f.state && task.state !== f.state) return false;
  if (f.profile && task.profile !== f.profile) return false;
  for (const pair of f.labels) {
    const colon = pair.indexOf(':');
    const key = pair.slice(0, colon);
    if (!task.labels || task.labels[key] !== pair.slice(colon + 1)) return false;
  }
  return true;
}

/** Applies what an event says at once; the task is fetched again for the exact state. */
export function applyEvent(task, event) {
  const d = event.data || {};
  if (event.type === 'progress') {
    task.progress = { percent: d.percent ?? null, message: d.message ?? null };
    return;
  }
  const state = STATE_OF[event.type];
  if (state) task.state = state;
  if (typeof d.attempt === 'number' && (event.type === 'dispatched' || event.type === 'attempt.started')) task.attempt = d.attempt;
  if (event.type === 'retrying' && d.runAt) task.runAt = d.runAt;
}

function fillProfiles(select, profiles) {
  const current = select.value;
  fill(select, ...profiles.map((p) => h('option', { value: p.name }, p.paused ? `${p.name} (paused)` : p.name)));
  if (current) select.value = current;
}

async function eachLimited(items, limit, fn) {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

