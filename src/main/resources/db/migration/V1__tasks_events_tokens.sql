-- The closed set of task states, and who moves a task into and out of each one.
--
--   queued     in:  the API (POST /api/v1/tasks, /tasks/batch); a human's retry of a failed or killed task.
--              out: the dispatcher claims it (-> running); a kill (-> killed).
--   running    in:  the dispatcher's claim, which also takes the lease and the next attempt number.
--              out: the agent succeeds (-> succeeded); an attempt fails with attempts left (-> retrying)
--                   or without (-> failed); a kill (-> killed); the lease reaper after a node died (-> retrying).
--   retrying   in:  a failed attempt with attempts left; the lease reaper; crash recovery of a node.
--              out: the dispatcher claims it once run_at has passed (-> running); a kill (-> killed).
--   succeeded  terminal. in: the attempt holding the current fencing token reports success.
--   failed     in:  attempts exhausted or a non-retryable error (with an escalation record).
--              out: a human's retry (-> queued).
--   killed     in:  a kill (one task, kill-all, or a kill intent found after a crash).
--              out: a human's retry (-> queued).
--
-- Every change of state is guarded SQL (UPDATE ... WHERE state = <expected>), so two writers can never
-- both win a transition.
CREATE TYPE task_state AS ENUM ('queued', 'running', 'retrying', 'succeeded', 'failed', 'killed');

CREATE TABLE tasks (
  id               uuid        PRIMARY KEY,
  -- Insertion order; the key of keyset pagination (newest first) and of "age" among equal priorities.
  seq              bigserial   NOT NULL UNIQUE,
  name             text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  profile          text        NOT NULL CHECK (char_length(profile) BETWEEN 1 AND 63),
  state            task_state  NOT NULL DEFAULT 'queued',
  priority         smallint    NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
  input            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input) = 'object'),
  output           jsonb,
  error            jsonb,
  attempt          integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts     integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  timeout_ms       bigint      NOT NULL CHECK (timeout_ms > 0),
  run_at           timestamptz NOT NULL DEFAULT now(),
  labels           jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
  progress_percent smallint    CHECK (progress_percent BETWEEN 0 AND 100),
  progress_message text        CHECK (char_length(progress_message) <= 1000),
  created_by       text        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  -- Set by DELETE /api/v1/tasks/{id}: the task leaves the listings; its events stay.
  deleted_at       timestamptz,
  -- Optimistic concurrency: every change increments it; PATCH with If-Match compares it.
  version          integer     NOT NULL DEFAULT 1,
  -- Idempotent creation: one task per (creator, key); the hash tells a replay from another body.
  idempotency_key  text        CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
  request_hash     text,
  CHECK ((idempotency_key IS NULL) = (request_hash IS NULL)),
  CHECK (deleted_at IS NULL OR state IN ('succeeded', 'failed', 'killed'))
);

CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Listings filter by state or profile and page by seq; finished-and-deleted tasks drop out.
CREATE INDEX tasks_by_state   ON tasks (state, seq DESC)   WHERE deleted_at IS NULL;
CREATE INDEX tasks_by_profile ON tasks (profile, seq DESC) WHERE deleted_at IS NULL;
CREATE INDEX tasks_by_labels  ON tasks USING gin (labels jsonb_path_ops);
-- The dispatcher's claim path. Partial, so finished rows never bloat it.
CREATE INDEX tasks_ready ON tasks (profile, priority DESC, run_at, seq) WHERE state IN ('queued', 'retrying');

-- Append-only history of every change, the audit trail included. An event's position is (xid, id):
-- readers resuming "after N" only see transactions older than every running one (see EventStore),
-- so an event committed late is never skipped.
CREATE TABLE task_events (
  id      bigserial   PRIMARY KEY,
  xid     xid8        NOT NULL DEFAULT pg_current_xact_id(),
  task_id uuid        REFERENCES tasks (id),
  type    text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9.-]{0,62}$'),
  actor   text        NOT NULL,
  at      timestamptz NOT NULL DEFAULT now(),
  data    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX task_events_by_task  ON task_events (task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX task_events_by_xid   ON task_events (xid, id);
CREATE INDEX task_events_by_actor ON task_events (actor, id);

CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'task_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER task_events_append_only BEFORE UPDATE OR DELETE ON task_events
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER task_events_no_truncate BEFORE TRUNCATE ON task_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- API tokens: only the SHA-256 of a token is stored. A revoked token keeps its row (and its name) for the audit.
CREATE TABLE api_tokens (
  name         text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
  role         text        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  token_hash   text        NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text        NOT NULL,
  revoked_at   timestamptz,
  last_used_at timestamptz
);
