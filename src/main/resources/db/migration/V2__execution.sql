-- The execution plane: leases and fencing on tasks, attempts with their OS processes, nodes, paused
-- profiles and the escalation outbox.

-- A claim sets lease_owner (a node id) and lease_expires_at, and increments attempt, which is the
-- fencing token: every write an attempt makes names its attempt number, so a stale attempt whose lease
-- was taken over changes nothing.
ALTER TABLE tasks
  ADD COLUMN lease_owner      text,
  ADD COLUMN lease_expires_at timestamptz,
  ADD COLUMN escalation       jsonb,
  ADD CONSTRAINT tasks_lease_only_while_running
    CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL));

-- The reaper's path: running tasks by lease expiry; each node's own running tasks.
CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE state = 'running';
CREATE INDEX tasks_by_lease_owner ON tasks (lease_owner) WHERE state = 'running';

-- One row per attempt. pid and pid_started_at identify the agent's OS process without ever confusing
-- it with a later process that reused the pid.
CREATE TABLE task_attempts (
  task_id        uuid        NOT NULL REFERENCES tasks (id),
  attempt        integer     NOT NULL CHECK (attempt >= 1),
  node_id        text        NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  pid            bigint,
  pid_started_at timestamptz,
  finished_at    timestamptz,
  outcome        text CHECK (outcome IN ('succeeded', 'failed', 'killed', 'lost')),
  reason         text,
  PRIMARY KEY (task_id, attempt)
);
CREATE INDEX task_attempts_unfinished ON task_attempts (node_id) WHERE finished_at IS NULL;

-- Profiles paused by escalation (restart intensity exceeded) or by a person. Absent row = running.
CREATE TABLE profile_state (
  profile    text        PRIMARY KEY,
  paused     boolean     NOT NULL DEFAULT false,
  reason     text,
  changed_by text        NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Escalations to deliver to escalation.webhook: written in the same transaction as the escalation,
-- delivered at least once with retries, never lost on restart.
CREATE TABLE outbox (
  id              bigserial   PRIMARY KEY,
  kind            text        NOT NULL,
  payload         jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- New ready work wakes the dispatchers of every node at once (LISTEN overseer_tasks).
CREATE FUNCTION notify_tasks_ready() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('overseer_tasks', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER tasks_inserted_notify AFTER INSERT ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION notify_tasks_ready();
