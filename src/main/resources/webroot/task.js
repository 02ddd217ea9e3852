// One task: its fields, attempts, events timeline, live log tail, error and escalation, and the Kill and
// Retry controls (for operators; the server decides whose tasks they may touch and says why not).

import { api, request, query, EventStream } from './api.js';
import { h, fill, ACTIVE, stateBadge, setBadge, progressBar, timeEl, fmtTime, duration, toast, showError, clearError,
  formDialog, field, jsonBlock } from './dom.js';
import { applyEvent } from './tasks.js';

const LOG_PAGE = 1000;
const LOG_PAGES_MAX = 20;
const LOG_KEEP = 1000;
const EVENT_PAGE = 1000;
const NOISY = new Set(['progress', 'log']);

export class TaskView {
  constructor(ctx, id) {
    this.ctx = ctx;
    this.id = id;
    this.task = null;
    this.history = []; // events from the first on, contiguous
    this.live = []; // events that arrived live while older ones were still unread
    this.eventIds = new Set();
    this.eventsComplete = false;
    this.logAttempt = null;
    this.logPinned = false; // the user chose an attempt: do not follow new ones
    this.lastLine = -1;
    this.refetchTimer = null;
    this.eventSeq = 0;
    this.alive = true;
  }

  mount(main) {
    document.title = 'Task · Overseer';
    this.root = h('div', { class: 'task-page', testid: 'task-page', 'data-task-id': this.id });
    main.append(this.root);
    this.root.append(
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/tasks', testid: 'back-to-tasks' }, '← Tasks')),
      this.status = h('p', { class: 'muted', testid: 'task-loading' }, 'Loading…'));
    this.load();
  }

  unmount() {
    this.alive = false;
    clearTimeout(this.refetchTimer);
    clearTimeout(this.logFetchTimer);
    clearTimeout(this.receiptTimer);
    if (this.logStream) this.logStream.stop();
  }

  async load() {
    let task;
    try {
      task = await api('GET', `/api/v1/tasks/${this.id}`);
    } catch (e) {
      if (!this.alive) return;
      const box = h('div', { class: 'alert', role: 'alert', testid: 'task-load-error' });
      showError(box, e, e.status === 404 ? 'No such task' : 'The task could not be loaded');
      this.status.replaceWith(box);
      return;
    }
    if (!this.alive) return;
    this.task = task;
    document.title = `${task.name} · Overseer`;
    this.build();
    this.render();
    // follow the log lines first, then read what is stored: an overlap is dropped by line number, no gap
    this.logAttempt = task.attempt > 0 ? task.attempt : null;
    this.logStream = new EventStream({
      params: { task: this.id, types: 'log' },
      after: this.ctx.position(),
      onEvent: (e) => this.onLogEvent(e),
    });
    this.logStream.start();
    this.loadEvents().then(() => {
      // a receipt exists once a kill was asked for (GET .../kill is 404 otherwise)
      if (task.state === 'killed' || this.allEvents().some((e) => e.type === 'kill.requested')) this.loadReceipt();
    });
    this.loadLogs();
  }

  // ---- layout

  build() {
    const t = this.task;
    this.title = h('h1', { class: 'task-title', testid: 'task-title' });
    this.badge = stateBadge(t.state, 'task-state');
    this.actions = h('div', { class: 'actions', testid: 'task-actions' });
    this.progress = progressBar('task-page-progress');
    this.actionError = h('div', { class: 'alert', role: 'alert', testid: 'action-error', hidden: true });
    this.receiptCard = h('section', { class: 'card receipt', testid: 'kill-receipt', hidden: true, 'aria-labelledby': 'receipt-heading' });
    this.problemCard = h('section', { class: 'card problem', testid: 'task-problem', hidden: true, 'aria-labelledby': 'problem-heading' });
    this.details = h('dl', { class: 'details', testid: 'task-details' });
    this.payload = h('div', { class: 'payload' });
    this.attemptsBody = h('tbody', { testid: 'attempt-rows' });
    this.logSelect = h('select', { id: 'log-attempt', testid: 'log-attempt' });
    this.logSelect.addEventListener('change', () => {
      this.logPinned = true;
      this.logAttempt = Number(this.logSelect.value);
      this.loadLogs();
    });
    this.logPre = h('pre', { class: 'log', testid: 'task-logs', tabindex: 0, 'aria-label': 'Log lines, newest last' });
    this.logNote = h('p', { class: 'muted small', testid: 'log-note' });
    this.showAll = h('input', { type: 'checkbox', id: 'timeline-all', testid: 'timeline-all' });
    this.showAll.addEventListener('change', () => this.renderTimeline());
    this.hiddenNote = h('span', { class: 'muted', testid: 'timeline-hidden' });
    this.timeline = h('ol', { class: 'timeline', testid: 'task-timeline' });
    this.moreEvents = h('button', { type: 'button', class: 'btn small', testid: 'more-events', onclick: () => this.loadEvents() }, 'Load older events');
    this.gap = h('li', { class: 'event-gap', testid: 'timeline-gap' }, h('span', { class: 'muted' }, 'Older events are not loaded yet.'), this.moreEvents);

    this.status.replaceWith(
      h('section', { class: 'card task-head', 'aria-labelledby': 'task-title' },
        h('div', { class: 'task-head-row' },
          h('div', { class: 'task-head-main' },
            h('div', { class: 'title-line' }, this.title, this.badge),
            h('div', { class: 'muted small' }, h('code', { testid: 'task-id' }, t.id))),
          this.actions),
        this.progress,
        this.actionError),
      this.receiptCard,
      this.problemCard,
      h('div', { class: 'grid-2' },
        h('section', { class: 'card', 'aria-labelledby': 'details-heading' },
          h('h2', { id: 'details-heading' }, 'Details'), this.details, this.payload),
        h('section', { class: 'card', 'aria-labelledby': 'attempts-heading' },
          h('h2', { id: 'attempts-heading' }, 'Attempts'),
          h('div', { class: 'table-wrap' }, h('table', { class: 'attempts', testid: 'task-attempts', 'aria-labelledby': 'attempts-heading' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Ran'),
              h('th', { scope: 'col' }, 'Outcome'), h('th', { scope: 'col' }, 'Details'))),
            this.attemptsBody)))),
      h('section', { class: 'card', 'aria-labelledby': 'log-heading' },
        h('div', { class: 'card-head' },
          h('h2', { id: 'log-heading' }, 'Log'),
          h('div', { class: 'actions' }, h('label', { for: 'log-attempt', class: 'inline-label' }, 'Attempt'), this.logSelect)),
        this.logPre, this.logNote),
      h('section', { class: 'card', 'aria-labelledby': 'timeline-heading' },
        h('div', { class: 'card-head' },
          h('h2', { id: 'timeline-heading' }, 'Events'),
          h('div', { class: 'actions' }, h('label', { class: 'inline-label' }, this.showAll, ' Show progress and log events', this.hiddenNote))),
        this.timeline));
  }

  render() {
    const t = this.task;
    this.title.textContent = t.name;
    if (this.badge.dataset.state !== t.state) {
      setBadge(this.badge, t.state);
    }
    this.progress.update(t);
    this.renderActions();
    this.renderDetails();
    this.renderProblem();
    this.renderAttemptOptions();
  }

  renderActions() {
    const state = this.task.state;
    if (this.actions.dataset.state === state) return; // keep the buttons (and focus) while only progress changes
    this.actions.dataset.state = state;
    const buttons = [];
    if (this.ctx.can('operator')) {
      if (state === 'failed' || state === 'killed') {
        buttons.push(h('button', { type: 'button', class: 'btn primary', testid: 'retry-button', onclick: (e) => this.retry(e.currentTarget) }, 'Retry'));
      }
      if (ACTIVE.has(state)) {
        buttons.push(h('button', { type: 'button', class: 'btn danger', testid: 'kill-button', onclick: () => this.openKill() }, 'Kill…'));
      }
    }
    fill(this.actions, ...buttons);
  }

  renderDetails() {
    const t = this.task;
    const row = (label, value, testid) => [h('dt', null, label), h('dd', { testid }, value)];
    const labels = Object.entries(t.labels || {});
    fill(this.details,
      ...row('Profile', h('a', { href: `#/tasks?profile=${encodeURIComponent(t.profile)}` }, t.profile), 'detail-profile'),
      ...row('State', t.state, 'detail-state'),
      ...row('Attempt', `${t.attempt} of ${t.maxAttempts}`, 'detail-attempt'),
      ...row('Priority', String(t.priority), 'detail-priority'),
      ...row('Timeout', t.timeout, 'detail-timeout'),
      ...row('Run at', timeEl(t.runAt), 'detail-run-at'),
      ...row('Labels', labels.length ? labels.map(([k, v]) => h('span', { class: 'chip' }, `${k}:${v}`)) : '—', 'detail-labels'),
      ...row('Created', [timeEl(t.createdAt), ` by ${t.createdBy}`], 'detail-created'),
      ...row('Started', timeEl(t.startedAt), 'detail-started'),
      ...row('Finished', t.finishedAt ? [timeEl(t.finishedAt), ` (${duration(t.startedAt || t.createdAt, t.finishedAt)})`] : '—', 'detail-finished'),
      ...row('Updated', timeEl(t.updatedAt), 'detail-updated'),
      ...row('Version', String(t.version), 'detail-version'));
    fill(this.payload,
      h('h3', null, 'Input'), jsonBlock(t.input, 'task-input'),
      t.output !== null && t.output !== undefined ? [h('h3', null, 'Output'), jsonBlock(t.output, 'task-output')] : null);
  }

  renderProblem() {
    const { error, escalation, state } = this.task;
    // a kill's own "error" says what the receipt says better
    const onlyTheKill = state === 'killed' && error && error.reason === 'killed' && !escalation;
    if ((!error && !escalation) || onlyTheKill) {
      this.problemCard.hidden = true;
      return;
    }
    this.problemCard.hidden = false;
    fill(this.problemCard,
      h('h2', { id: 'problem-heading' }, escalation ? 'Escalated to a human'
        : state === 'failed' || state === 'killed' ? 'Error' : 'Error of an earlier attempt'),
      escalation ? h('div', { testid: 'task-escalation' },
        h('p', null, h('strong', null, escalation.reason || 'escalated'),
          escalation.attempts !== undefined ? ` after ${escalation.attempts} attempt${escalation.attempts === 1 ? '' : 's'}` : ''),
        escalation.lastError ? h('p', null, 'Last error: ', errorText(escalation.lastError)) : null) : null,
      error ? h('div', { testid: 'task-error' },
        h('p', null, h('strong', null, error.reason || 'error'), error.message ? `: ${error.message}` : '',
          error.retryable === false ? ' (not retryable)' : ''),
        h('details', null, h('summary', null, 'Full error'), jsonBlock(error))) : null);
  }

  // ---- live updates

  onEvent(event) {
    if (event.taskId !== this.id || !this.task) return;
    this.addLive(event);
    applyEvent(this.task, event);
    this.progress.update(this.task);
    if (event.type !== 'progress') {
      if (this.badge.dataset.state !== this.task.state) setBadge(this.badge, this.task.state);
      this.renderActions();
      this.renderAttempts();
      if (event.type === 'attempt.started' && !this.logPinned && event.data && event.data.attempt !== this.logAttempt) {
        this.logAttempt = event.data.attempt;
        this.task.attempt = Math.max(this.task.attempt, event.data.attempt);
        this.renderAttemptOptions();
        this.loadLogs();
      }
      if (event.type === 'killed' || event.type === 'kill.requested') this.loadReceipt();
      this.eventSeq += 1;
      this.scheduleRefetch();
    }
  }

  scheduleRefetch() {
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(async () => {
      const seen = this.eventSeq;
      try {
        const task = await api('GET', `/api/v1/tasks/${this.id}`);
        if (!this.alive || seen !== this.eventSeq || task.version < this.task.version) return;
        this.task = task;
        this.render();
      } catch { /* the next event tries again */ }
    }, 150);
  }

  // ---- events and attempts

  /**
   * Reads the history, oldest first, a page at a time; keeps reading (up to 10 pages) while a page holds
   * almost nothing but progress and log events, so the timeline shows what happened, not just noise.
   */
  async loadEvents() {
    this.moreEvents.disabled = true;
    try {
      let shown = 0;
      for (let page = 0; page < 10 && !this.eventsComplete && shown < 30; page += 1) {
        const last = this.history[this.history.length - 1];
        const data = await api('GET', `/api/v1/tasks/${this.id}/events${query({ after: last ? last.id : 0, limit: EVENT_PAGE })}`);
        if (!this.alive) return;
        if (data.items.length < EVENT_PAGE) this.eventsComplete = true;
        shown += this.addHistory(data.items).filter((e) => !NOISY.has(e.type)).length;
      }
      this.renderTimeline();
      this.renderAttempts();
    } catch (e) {
      showError(this.actionError, e, 'The events could not be loaded');
    } finally {
      this.moreEvents.disabled = false;
    }
  }

  /** Adds a page of history; returns the events new to the page. Meeting the live ones completes it. */
  addHistory(events) {
    const added = [];
    for (const e of events) {
      if (this.live.length && e.id >= this.live[0].id) {
        this.eventsComplete = true;
        break;
      }
      if (this.eventIds.has(e.id)) continue;
      this.eventIds.add(e.id);
      this.history.push(e);
      added.push(e);
    }
    if (this.eventsComplete && this.live.length) this.history.push(...this.live.splice(0));
    return added;
  }

  addLive(e) {
    if (this.eventIds.has(e.id)) return;
    this.eventIds.add(e.id);
    (this.eventsComplete ? this.history : this.live).push(e);
    if (this.showAll.checked || !NOISY.has(e.type)) this.timeline.append(timelineItem(e));
    else this.updateHiddenNote();
  }

  allEvents() {
    return this.live.length ? this.history.concat(this.live) : this.history;
  }

  renderTimeline() {
    const show = (e) => this.showAll.checked || !NOISY.has(e.type);
    fill(this.timeline,
      this.history.filter(show).map(timelineItem),
      this.eventsComplete ? null : this.gap,
      this.live.filter(show).map(timelineItem));
    this.updateHiddenNote();
  }

  updateHiddenNote() {
    const all = this.allEvents();
    const hidden = this.showAll.checked ? 0 : all.filter((e) => NOISY.has(e.type)).length;
    this.hiddenNote.textContent = hidden ? ` (${hidden.toLocaleString()} hidden)` : '';
  }

  renderAttempts() {
    const attempts = attemptsFrom(this.allEvents());
    fill(this.attemptsBody, ...(attempts.length ? attempts.map((a) => h('tr', { testid: 'attempt-row', 'data-attempt': a.attempt },
      h('td', { class: 'num' }, String(a.attempt)),
      h('td', null, timeEl(a.startedAt)),
      h('td', null, a.startedAt ? duration(a.startedAt, a.endedAt) : ''),
      h('td', null, h('span', { class: `badge state-${outcomeClass(a.outcome)}`, testid: 'attempt-outcome' }, a.outcome)),
      h('td', { class: 'attempt-detail' }, [a.node ? h('div', { class: 'muted small' }, a.node) : null,
        a.error ? h('div', null, errorText(a.error)) : null,
        a.note ? h('div', { class: 'muted small' }, a.note) : null])))
      : [h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'Not started yet.'))]));
  }

  // ---- logs

  renderAttemptOptions() {
    const n = this.task.attempt;
    const current = this.logAttempt;
    if (Number(this.logSelect.dataset.count) === n) return;
    this.logSelect.dataset.count = String(n);
    fill(this.logSelect, ...Array.from({ length: n }, (_, i) => h('option', { value: i + 1 }, `#${i + 1}`)));
    this.logSelect.disabled = n === 0;
    if (current) this.logSelect.value = String(current);
  }

  async loadLogs() {
    const attempt = this.logAttempt;
    this.lastLine = -1;
    fill(this.logPre);
    if (!attempt) {
      this.logNote.textContent = 'No attempt has started yet.';
      return;
    }
    this.logSelect.value = String(attempt);
    this.logNote.textContent = 'Loading…';
    await this.fetchLogLines(attempt);
  }

  /** Reads the stored lines after the last one shown, page by page (the log is oldest first). */
  async fetchLogLines(attempt) {
    try {
      for (let page = 0; page < LOG_PAGES_MAX; page += 1) {
        const after = this.lastLine;
        const data = await api('GET', `/api/v1/tasks/${this.id}/logs${query({ attempt, after, limit: LOG_PAGE })}`);
        if (!this.alive || attempt !== this.logAttempt) return;
        this.appendLines(data.items);
        if (data.items.length < LOG_PAGE) break;
      }
      this.updateLogNote();
    } catch (e) {
      this.logNote.textContent = `The log could not be loaded: ${e.message}`;
    }
  }

  onLogEvent(event) {
    if (event.taskId !== this.id) return;
    this.addLive(event);
    const d = event.data || {};
    if (d.attempt !== this.logAttempt || !Array.isArray(d.lines)) return;
    const first = d.lines.length ? d.lines[0].line : null;
    const gap = first !== null && first > this.lastLine + 1;
    if (gap || d.more > 0) {
      // the event carries a sample: read the rest from the store
      clearTimeout(this.logFetchTimer);
      this.logFetchTimer = setTimeout(() => this.fetchLogLines(this.logAttempt), 200);
      if (gap) return;
    }
    this.appendLines(d.lines.map((l) => ({ ...l, at: event.at })));
    this.updateLogNote();
  }

  appendLines(lines) {
    const pre = this.logPre;
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    const fragment = document.createDocumentFragment();
    for (const l of lines) {
      if (l.line <= this.lastLine) continue;
      this.lastLine = l.line;
      const level = (l.level || 'info').toLowerCase();
      fragment.append(h('div', { class: `log-line level-${level}`, 'data-line': l.line },
        h('span', { class: 'log-time' }, l.at ? fmtTime(l.at) : ''),
        h('span', { class: 'log-level' }, level),
        h('span', { class: 'log-msg' }, l.message)));
    }
    pre.append(fragment);
    while (pre.childElementCount > LOG_KEEP) pre.firstElementChild.remove();
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  updateLogNote() {
    const shown = this.logPre.childElementCount;
    const live = ACTIVE.has(this.task.state) && this.task.attempt === this.logAttempt;
    this.logNote.textContent = shown === 0
      ? (live ? 'No log lines yet; new ones appear here as the agent writes them.' : 'This attempt wrote no log lines.')
      : `${shown} line${shown === 1 ? '' : 's'} of attempt ${this.logAttempt}${shown >= LOG_KEEP ? ' (the newest)' : ''}${live ? '; following live' : ''}.`;
  }

  // ---- kill, receipt, retry

  async loadReceipt() {
    try {
      const receipt = await api('GET', `/api/v1/tasks/${this.id}/kill`);
      if (this.alive) this.showReceipt(receipt);
    } catch { /* never killed */ }
  }

  showReceipt(r) {
    const row = (label, value, testid) => [h('dt', null, label), h('dd', { testid }, value)];
    const pending = !r.outcome;
    const shown = this.receipt;
    // an answer that left before the kill ended must not replace the final receipt
    if (pending && shown && shown.outcome && shown.requestedAt === r.requestedAt) return;
    this.receipt = r;
    this.receiptCard.hidden = false;
    this.receiptCard.dataset.outcome = r.outcome || 'pending';
    fill(this.receiptCard,
      h('h2', { id: 'receipt-heading' }, pending ? 'Kill under way…' : 'Kill receipt'),
      h('dl', { class: 'details' },
        ...row('Outcome', h('span', { class: `badge state-${pending ? 'retrying' : r.outcome === 'killed' ? 'killed' : 'succeeded'}` }, r.outcome || 'pending'), 'receipt-outcome'),
        ...row('Forced (SIGKILL)', r.forced === null || r.forced === undefined ? '—' : r.forced ? 'yes' : 'no', 'receipt-forced'),
        ...row('Prior state', r.priorState || '—', 'receipt-prior-state'),
        ...row('Requested by', r.requestedBy, 'receipt-requested-by'),
        ...row('Reason', r.reason, 'receipt-reason'),
        ...row('Grace', r.grace || '—', 'receipt-grace'),
        ...row('Requested', timeEl(r.requestedAt), 'receipt-requested-at'),
        ...row('Signalled', r.signalledAt ? timeEl(r.signalledAt) : 'not needed (never started)', 'receipt-signalled-at'),
        ...row('Stopped', r.stoppedAt ? [timeEl(r.stoppedAt), r.signalledAt ? ` (${duration(r.signalledAt, r.stoppedAt)} after the signal)` : ''] : '—', 'receipt-stopped-at')));
  }

  openKill() {
    const profile = this.ctx.profiles.find((p) => p.name === this.task.profile);
    const reason = h('textarea', { id: 'kill-reason', testid: 'kill-reason', rows: 2, maxlength: 500, required: true });
    const grace = h('input', { id: 'kill-grace', testid: 'kill-grace', type: 'text', autocomplete: 'off', placeholder: profile ? profile.shutdown.grace : '' });
    formDialog({
      title: `Kill "${this.task.name}"?`,
      testid: 'kill-dialog',
      intro: h('p', null, this.task.state === 'running'
        ? 'The agent and every process it started get SIGTERM, then SIGKILL after the grace. A killed task is never retried on its own.'
        : 'The task never starts; it ends killed at once.'),
      fields: [
        field('Reason (required)', reason, 'Recorded with the kill in the audit trail.'),
        field('Grace (optional)', grace, `How long to wait between SIGTERM and SIGKILL, e.g. 5s. Default: the profile's ${profile ? profile.shutdown.grace : 'shutdown.grace'}.`),
      ],
      submitLabel: 'Kill task',
      busyLabel: 'Killing…',
      danger: true,
      canSubmit: () => reason.value.trim().length > 0,
      submit: async () => {
        const body = { reason: reason.value.trim() };
        if (grace.value.trim()) body.grace = grace.value.trim();
        const res = await request('POST', `/api/v1/tasks/${this.id}/kill`, body);
        if (!this.alive) return;
        this.showReceipt(res.body);
        if (res.status === 202 || !res.body.outcome) this.followReceipt();
        toast(res.body.outcome === 'already-finished' ? 'The task had already finished.' : res.body.outcome ? 'Task killed.' : 'Kill under way…');
        this.scheduleRefetch();
      },
    });
  }

  /** A kill still under way (202): poll the receipt until it has an outcome. */
  followReceipt(tries = 0) {
    this.receiptTimer = setTimeout(async () => {
      try {
        const receipt = await api('GET', `/api/v1/tasks/${this.id}/kill`);
        if (!this.alive) return;
        this.showReceipt(receipt);
        if (!receipt.outcome && tries < 120) this.followReceipt(tries + 1);
      } catch {
        if (tries < 120) this.followReceipt(tries + 1);
      }
    }, 1000);
  }

  async retry(button) {
    button.disabled = true;
    clearError(this.actionError);
    try {
      const task = await api('POST', `/api/v1/tasks/${this.id}/retry`, {});
      if (!this.alive) return;
      this.task = task;
      this.logPinned = false;
      this.render();
      toast('Queued again with a fresh budget of attempts.');
    } catch (e) {
      showError(this.actionError, e, 'Retry refused');
      button.disabled = false;
    }
  }
}

// ---- helpers

function errorText(error) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  return [error.reason, error.message].filter(Boolean).join(': ') || JSON.stringify(error);
}

function outcomeClass(outcome) {
  return { running: 'running', succeeded: 'succeeded', failed: 'failed', killed: 'killed', released: 'queued', 'lease expired': 'retrying' }[outcome] || 'queued';
}

/** The attempts, from the task's events. */
export function attemptsFrom(events) {
  const byNumber = new Map();
  let latest = null;
  const get = (n) => {
    const number = typeof n === 'number' ? n : latest;
    if (number === null || number === undefined) return null;
    if (!byNumber.has(number)) byNumber.set(number, { attempt: number, startedAt: null, endedAt: null, outcome: 'running', node: null, error: null, note: null });
    latest = Math.max(latest || 0, number);
    return byNumber.get(number);
  };
  for (const e of events) {
    const d = e.data || {};
    let a;
    switch (e.type) {
      case 'dispatched':
      case 'attempt.started':
        a = get(d.attempt);
        if (!a) break;
        a.startedAt = a.startedAt || e.at;
        a.node = d.node || a.node;
        break;
      case 'attempt.failed':
        a = get(d.attempt);
        if (!a) break;
        a.outcome = 'failed';
        a.endedAt = e.at;
        a.error = d.error || null;
        break;
      case 'succeeded':
      case 'failed':
      case 'killed':
        a = get(d.attempt);
        if (!a) break;
        if (a.outcome === 'running' || e.type === 'killed') a.outcome = e.type;
        a.endedAt = a.endedAt || e.at;
        break;
      case 'retrying':
        a = get(d.attempt);
        if (a && d.runAt) a.note = `retry at ${fmtTime(d.runAt)}`;
        break;
      case 'released':
        a = get(d.attempt);
        if (a) { a.outcome = 'released'; a.endedAt = e.at; a.note = 'handed back to the queue'; }
        break;
      case 'lease-expired':
        a = get(d.attempt);
        if (a) { a.outcome = 'lease expired'; a.endedAt = a.endedAt || e.at; }
        break;
      case 'agent.stalled':
      case 'agent.heartbeat-lost':
      case 'agent.timeout':
      case 'agent.lease-lost':
        a = get(d.attempt);
        if (a) a.note = e.type.replace('agent.', '');
        break;
      default:
        break;
    }
  }
  return [...byNumber.values()].sort((x, y) => x.attempt - y.attempt);
}

function timelineItem(e) {
  return h('li', { class: `event event-${e.type.replace(/[^a-z0-9-]/g, '-')}`, testid: 'timeline-event', 'data-type': e.type, 'data-id': e.id },
    h('div', { class: 'event-when' }, timeEl(e.at)),
    h('div', { class: 'event-body' },
      h('span', { class: 'event-type' }, e.type),
      h('span', { class: 'event-summary' }, summarize(e)),
      h('span', { class: 'event-actor muted small' }, e.actor)));
}

function summarize(e) {
  const d = e.data || {};
  switch (e.type) {
    case 'created': return `created in profile ${d.profile ?? ''}${d.priority ? `, priority ${d.priority}` : ''}`;
    case 'dispatched': return `attempt ${d.attempt} dispatched to ${d.node ?? 'a node'}`;
    case 'attempt.started': return `attempt ${d.attempt} started`;
    case 'progress': return `${d.percent ?? '?'}%${d.message ? ` · ${d.message}` : ''}`;
    case 'log': return `${(d.lines || []).length + (d.more || 0)} log line(s) of attempt ${d.attempt}`;
    case 'attempt.failed': return `attempt ${d.attempt} failed: ${errorText(d.error)}`;
    case 'retrying': return `retry at ${fmtTime(d.runAt)}`;
    case 'succeeded': return `attempt ${d.attempt} succeeded`;
    case 'failed': return `failed after attempt ${d.attempt}`;
    case 'task.escalated': return `escalated: ${d.reason}${d.attempts ? ` after ${d.attempts} attempt(s)` : ''}`;
    case 'kill.requested': return `kill requested: ${d.reason ?? ''}${d.graceMs !== undefined ? ` (grace ${d.graceMs / 1000}s)` : ''}`;
    case 'killed': return `killed${d.forced ? ' by force (SIGKILL)' : ''}${d.requestedBy ? `, as ${d.requestedBy} asked` : ''}`;
    case 'retried': return 'queued again with a fresh budget';
    case 'updated': return `changed: ${Object.keys(d).join(', ')}`;
    case 'released': return `attempt ${d.attempt ?? ''} handed back to the queue`;
    case 'lease-expired': return `the lease of attempt ${d.attempt ?? ''} expired${d.state ? `; now ${d.state}` : ''}`;
    case 'agent.stalled': case 'agent.heartbeat-lost': case 'agent.timeout': case 'agent.lease-lost':
      return `attempt ${d.attempt ?? ''}: ${e.type.slice(6).replace('-', ' ')}${d.message ? ` (${d.message})` : ''}`;
    default: return Object.keys(d).length ? JSON.stringify(d) : '';
  }
}
