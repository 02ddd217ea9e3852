// Agents and profiles: the dispatch switch with the admin's emergency stop and its undo, the profiles
// with Pause / Resume, and the agents running on this node.

import { request } from './api.js';
import { h, fill, progressBar, ago, duration, toast, showError, clearError, formDialog, field } from './dom.js';

export class AgentsView {
  constructor(ctx) {
    this.ctx = ctx;
  }

  mount(main) {
    document.title = 'Agents & profiles · Overseer';
    const ctx = this.ctx;
    this.dispatchBody = h('div', { testid: 'dispatch-panel' });
    this.killAllResult = h('div', { class: 'result', testid: 'kill-all-result', hidden: true, role: 'status' });
    this.actionError = h('div', { class: 'alert', role: 'alert', testid: 'agents-error', hidden: true });
    this.profileRows = h('tbody', { testid: 'profile-rows' });
    this.agentRows = h('tbody', { testid: 'agent-rows' });
    this.agentsHeading = h('h2', { id: 'agents-heading' }, 'Running agents');
    main.append(
      h('section', { class: 'card', 'aria-labelledby': 'dispatch-heading' },
        h('div', { class: 'card-head' },
          h('h2', { id: 'dispatch-heading' }, 'Dispatch'),
          ctx.can('admin') ? h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn danger', testid: 'emergency-stop', onclick: () => this.emergencyStop() }, 'Emergency stop…'))
            : null),
        this.dispatchBody,
        this.killAllResult,
        this.actionError),
      h('section', { class: 'card', 'aria-labelledby': 'profiles-heading' },
        h('h2', { id: 'profiles-heading' }, 'Profiles'),
        h('div', { class: 'table-wrap' }, h('table', { class: 'profiles', 'aria-labelledby': 'profiles-heading' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Profile'), h('th', { scope: 'col' }, 'Agent'),
            h('th', { scope: 'col', class: 'col-progress' }, 'Running here'), h('th', { scope: 'col' }, 'Timeout'),
            h('th', { scope: 'col' }, 'Attempts'), h('th', { scope: 'col' }, 'Status'),
            ctx.can('operator') ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')) : null)),
          this.profileRows))),
      h('section', { class: 'card', 'aria-labelledby': 'agents-heading' },
        this.agentsHeading,
        h('div', { class: 'table-wrap' }, h('table', { class: 'agents', 'aria-labelledby': 'agents-heading' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'Profile'), h('th', { scope: 'col' }, 'Attempt'),
            h('th', { scope: 'col' }, 'PID'), h('th', { scope: 'col' }, 'Running for'), h('th', { scope: 'col' }, 'Last heartbeat'),
            h('th', { scope: 'col', class: 'col-progress' }, 'Progress'))),
          this.agentRows))));
    this.unsubscribe = ctx.subscribe((what) => {
      if (what === 'dispatch') this.renderDispatch();
      if (what === 'profiles') this.renderProfiles();
      if (what === 'agents') this.renderAgents();
    });
    this.renderDispatch();
    this.renderProfiles();
    this.renderAgents();
    ctx.refreshProfiles();
    ctx.refreshDispatch();
    this.timer = setInterval(() => {
      ctx.refreshProfiles();
      this.renderAgents();
    }, 3000);
  }

  unmount() {
    if (this.unsubscribe) this.unsubscribe();
    clearInterval(this.timer);
  }

  onEvent() {
    // app.js refreshes profiles, dispatch and agents on the events that change them
  }

  renderDispatch() {
    const paused = this.ctx.dispatchPaused;
    fill(this.dispatchBody,
      h('p', { class: 'dispatch-state' },
        paused === null ? '…' : h('span', { class: `badge ${paused ? 'state-failed' : 'state-succeeded'}`, testid: 'dispatch-state', 'data-paused': String(paused) },
          paused ? 'paused' : 'running'),
        paused === null ? '' : paused
          ? ' Nothing new starts on any node until dispatch is resumed (this survives restarts).'
          : ' Queued tasks start as soon as their profile has a free slot.',
        paused && this.ctx.can('admin')
          ? h('button', { type: 'button', class: 'btn primary small', testid: 'resume-dispatch', onclick: () => this.ctx.resumeDispatch() }, 'Resume dispatch')
          : null));
  }

  renderProfiles() {
    const operator = this.ctx.can('operator');
    fill(this.profileRows, ...this.ctx.profiles.map((p) => {
      const load = progressBar();
      load.classList.add('no-pct');
      load.update({ state: 'running', progress: { percent: p.concurrency ? (100 * p.running) / p.concurrency : 0, message: `${p.running} of ${p.concurrency}` } });
      return h('tr', { testid: 'profile-row', 'data-profile': p.name },
        h('th', { scope: 'row' }, h('a', { href: `#/tasks?profile=${encodeURIComponent(p.name)}` }, p.name)),
        h('td', null, p.kind === 'process' ? h('code', { class: 'command', title: (p.command || []).join(' ') }, (p.command || []).join(' ')) : `builtin ${p.agent}`),
        h('td', { class: 'col-progress' }, load),
        h('td', null, p.timeout),
        h('td', { class: 'num' }, String(p.maxAttempts)),
        h('td', null, h('span', { class: `badge ${p.paused ? 'state-failed' : 'state-succeeded'}`, testid: 'profile-status' }, p.paused ? 'paused' : 'active')),
        operator ? h('td', { class: 'row-actions' }, p.paused
          ? h('button', { type: 'button', class: 'btn small', testid: `resume-profile-${p.name}`, onclick: (e) => this.resumeProfile(p, e.currentTarget) }, 'Resume')
          : h('button', { type: 'button', class: 'btn small', testid: `pause-profile-${p.name}`, onclick: () => this.pauseProfile(p) }, 'Pause…')) : null);
    }));
  }

  renderAgents() {
    const data = this.ctx.agents;
    if (!data) return;
    this.agentsHeading.textContent = `Running agents on ${data.node} (${data.items.length})`;
    const items = [...data.items].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
    fill(this.agentRows, ...(items.length ? items.map((a) => {
      const bar = progressBar();
      bar.update({ state: 'running', progress: { percent: a.percent, message: a.terminating ? `stopping (${a.terminating})` : a.message } });
      return h('tr', { testid: 'agent-row', 'data-task-id': a.taskId },
        h('td', null, h('a', { href: `#/task/${a.taskId}` }, a.name)),
        h('td', null, a.profile),
        h('td', { class: 'num' }, String(a.attempt)),
        h('td', { class: 'num', testid: 'agent-pid' }, a.pid === null || a.pid === undefined ? '—' : String(a.pid)),
        h('td', null, duration(a.startedAt)),
        h('td', null, h('span', { title: a.lastHeartbeatAt }, ago(a.lastHeartbeatAt))),
        h('td', { class: 'col-progress' }, bar));
    }) : [h('tr', null, h('td', { colspan: 7, class: 'muted', testid: 'agents-empty' }, 'No agent runs on this node.'))]));
  }

  pauseProfile(p) {
    const reason = h('input', { id: 'pause-reason', testid: 'pause-reason', type: 'text', maxlength: 500, autocomplete: 'off', required: true });
    formDialog({
      title: `Pause profile ${p.name}?`,
      testid: 'pause-dialog',
      intro: h('p', null, 'Nothing new of this profile starts, on any node, until it is resumed. Running attempts go on.'),
      fields: [field('Reason (required)', reason)],
      submitLabel: 'Pause profile',
      busyLabel: 'Pausing…',
      canSubmit: () => reason.value.trim().length > 0,
      submit: async () => {
        await request('POST', `/api/v1/profiles/${encodeURIComponent(p.name)}/pause`, { reason: reason.value.trim() });
        toast(`Profile ${p.name} paused.`);
        await this.ctx.refreshProfiles();
      },
    });
  }

  async resumeProfile(p, button) {
    button.disabled = true;
    clearError(this.actionError);
    try {
      await request('POST', `/api/v1/profiles/${encodeURIComponent(p.name)}/resume`, {});
      toast(`Profile ${p.name} resumed.`);
      await this.ctx.refreshProfiles();
    } catch (e) {
      showError(this.actionError, e, `Profile ${p.name} was not resumed`);
      button.disabled = false;
    }
  }

  /** Kill everything queued, retrying or running, and pause dispatch: a reason, and STOP typed to confirm. */
  emergencyStop() {
    const reason = h('textarea', { id: 'estop-reason', testid: 'estop-reason', rows: 2, maxlength: 500, required: true });
    const confirm = h('input', { id: 'estop-confirm', testid: 'estop-confirm', type: 'text', autocomplete: 'off', spellcheck: 'false' });
    formDialog({
      title: 'Emergency stop',
      testid: 'estop-dialog',
      intro: h('div', null,
        h('p', null, h('strong', null, 'Every queued, retrying and running task is killed'), ', on every node, and dispatch is paused so nothing new starts until someone resumes it.'),
        h('p', null, 'Running agents get SIGTERM, then SIGKILL after their grace.')),
      fields: [
        field('Reason (required)', reason, 'Recorded with every kill in the audit trail.'),
        field('Type STOP to confirm', confirm),
      ],
      submitLabel: 'Kill everything and pause dispatch',
      busyLabel: 'Stopping everything…',
      danger: true,
      canSubmit: () => reason.value.trim().length > 0 && confirm.value.trim() === 'STOP',
      submit: async () => {
        const res = await request('POST', '/api/v1/kill-all', { reason: reason.value.trim(), pauseDispatch: true });
        this.showKillAll(res.body);
        await this.ctx.refreshDispatch();
        this.ctx.refreshAgents();
        this.ctx.refreshCounts();
      },
    });
  }

  showKillAll(r) {
    const stat = (label, value, testid, cls) => h('div', { class: `stat ${cls || ''}` },
      h('span', { class: 'stat-value', testid }, String(value)), h('span', { class: 'stat-label' }, label));
    this.killAllResult.hidden = false;
    fill(this.killAllResult,
      h('h3', null, 'Emergency stop done'),
      h('div', { class: 'stats' },
        stat('matched', r.total, 'kill-all-total'),
        stat('killed', r.killed, 'kill-all-killed', 'good'),
        stat('already finished', r.alreadyFinished, 'kill-all-already-finished'),
        stat('failed', r.failed, 'kill-all-failed', r.failed ? 'bad' : '')),
      h('p', { class: 'muted small' }, 'Dispatch is paused. ', this.ctx.can('admin') ? 'Undo with "Resume dispatch".' : ''));
  }
}
