// Agents and profiles: the dispatch switch with the admin's emergency stop and its undo, the profiles
// with Pause / Resume, the agents running on this node, and the live nodes sharing the database.

import { api, request } from './api.js';
import { h, fill, keyed, progressBar, ago, duration, toast, showError, clearError, formDialog, field } from './dom.js';

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
    this.nodeRows = h('tbody', { testid: 'node-rows' });
    this.nodesCard = h('section', { class: 'card', hidden: true, 'aria-labelledby': 'nodes-heading' },
      h('h2', { id: 'nodes-heading' }, 'Nodes'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'nodes', 'aria-labelledby': 'nodes-heading' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Node'), h('th', { scope: 'col' }, 'Host'), h('th', { scope: 'col' }, 'Address'),
          h('th', { scope: 'col' }, 'Up for'), h('th', { scope: 'col' }, 'Last heartbeat'), h('th', { scope: 'col' }, 'Running agents'))),
        this.nodeRows)));
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
          this.agentRows))),
      this.nodesCard);
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
    this.refreshNodes();
    this.timer = setInterval(() => {
      ctx.refreshProfiles();
      this.renderAgents();
      this.refreshNodes();
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
    if (this.shownPaused === paused) return; // re-rendered only on a change: a click is never lost
    this.shownPaused = paused;
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
    keyed(this.profileRows, this.ctx.profiles, (p) => p.name, (p) => {
      const tr = h('tr', { testid: 'profile-row', 'data-profile': p.name });
      tr.load = progressBar();
      tr.load.classList.add('no-pct');
      tr.parts = { agent: h('td'), timeout: h('td'), attempts: h('td', { class: 'num' }), status: h('td') };
      tr.actions = operator ? h('td', { class: 'row-actions' }) : null;
      tr.append(h('th', { scope: 'row' }, h('a', { href: `#/tasks?profile=${encodeURIComponent(p.name)}` }, p.name)),
        tr.parts.agent, h('td', { class: 'col-progress' }, tr.load), tr.parts.timeout, tr.parts.attempts, tr.parts.status);
      if (tr.actions) tr.append(tr.actions);
      return tr;
    }, (tr, p) => {
      const { agent: agentCell, timeout: timeoutCell, attempts: attemptsCell, status: statusCell } = tr.parts;
      const command = (p.command || []).join(' ');
      if (agentCell.dataset.value !== (p.kind === 'process' ? command : p.agent)) {
        agentCell.dataset.value = p.kind === 'process' ? command : p.agent;
        fill(agentCell, p.kind === 'process' ? h('code', { class: 'command', title: command }, command) : `builtin ${p.agent}`);
      }
      tr.load.update({ state: 'running', progress: { percent: p.concurrency ? (100 * p.running) / p.concurrency : 0, message: `${p.running} of ${p.concurrency}` } });
      timeoutCell.textContent = p.timeout;
      attemptsCell.textContent = String(p.maxAttempts);
      if (statusCell.dataset.paused !== String(p.paused)) {
        statusCell.dataset.paused = String(p.paused);
        fill(statusCell, h('span', { class: `badge ${p.paused ? 'state-failed' : 'state-succeeded'}`, testid: 'profile-status' }, p.paused ? 'paused' : 'active'));
        // the button changes only with the state, so a click on it is never lost to a refresh
        if (tr.actions) {
          fill(tr.actions, p.paused
            ? h('button', { type: 'button', class: 'btn small', testid: `resume-profile-${p.name}`, onclick: (e) => this.resumeProfile(p, e.currentTarget) }, 'Resume')
            : h('button', { type: 'button', class: 'btn small', testid: `pause-profile-${p.name}`, onclick: () => this.pauseProfile(p) }, 'Pause…'));
        }
      }
    });
  }

  renderAgents() {
    const data = this.ctx.agents;
    if (!data) return;
    this.agentsHeading.textContent = `Running agents on ${data.node} (${data.items.length})`;
    const items = [...data.items].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
    if (!items.length) {
      fill(this.agentRows, h('tr', null, h('td', { colspan: 7, class: 'muted', testid: 'agents-empty' }, 'No agent runs on this node.')));
      return;
    }
    keyed(this.agentRows, items, (a) => a.taskId, (a) => {
      const tr = h('tr', { testid: 'agent-row', 'data-task-id': a.taskId });
      tr.link = h('a', { href: `#/task/${a.taskId}` });
      tr.bar = progressBar();
      tr.parts = Array.from({ length: 5 }, () => h('td'));
      tr.parts[1].className = 'num';
      tr.parts[2].className = 'num';
      tr.parts[2].dataset.testid = 'agent-pid';
      tr.append(h('td', null, tr.link), ...tr.parts, h('td', { class: 'col-progress' }, tr.bar));
      return tr;
    }, (tr, a) => {
      tr.link.textContent = a.name;
      const [profile, attempt, pid, ran, beat] = tr.parts;
      profile.textContent = a.profile;
      attempt.textContent = String(a.attempt);
      pid.textContent = a.pid === null || a.pid === undefined ? 'in-process' : String(a.pid);
      ran.textContent = duration(a.startedAt);
      beat.textContent = ago(a.lastHeartbeatAt);
      beat.title = a.lastHeartbeatAt;
      tr.bar.update({ state: 'running', progress: { percent: a.percent, message: a.terminating ? `stopping (${a.terminating})` : a.message } });
    });
  }

  /** GET /api/v1/nodes: the live nodes (a server without the endpoint leaves the card hidden). */
  async refreshNodes() {
    if (this.noNodes) return;
    let body;
    try {
      body = await api('GET', '/api/v1/nodes');
    } catch (e) {
      if (e.status === 404) this.noNodes = true;
      return;
    }
    const here = this.ctx.agents ? this.ctx.agents.node : null;
    this.nodesCard.hidden = false;
    keyed(this.nodeRows, body.items || [], (n) => n.id, (n) => {
      const tr = h('tr', { testid: 'node-row', 'data-node': n.id });
      tr.parts = { id: h('td'), host: h('td'), url: h('td'), up: h('td'), beat: h('td'), running: h('td', { class: 'num' }) };
      tr.append(...Object.values(tr.parts));
      return tr;
    }, (tr, n) => {
      const p = tr.parts;
      fill(p.id, h('code', null, n.id), n.id === here ? h('span', { class: 'chip here' }, 'this node') : null);
      p.host.textContent = n.host || '—';
      if (p.url.dataset.url !== String(n.url)) {
        p.url.dataset.url = String(n.url);
        fill(p.url, n.url ? h('a', { href: n.url }, n.url) : '—');
      }
      p.up.textContent = duration(n.startedAt);
      p.beat.textContent = ago(n.lastHeartbeatAt);
      p.beat.title = n.lastHeartbeatAt || '';
      p.running.textContent = String(n.runningAgents ?? '—');
    });
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
