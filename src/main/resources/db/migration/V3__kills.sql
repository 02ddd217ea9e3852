-- Kill authority. A kill's intent (who, why, when, grace) is written here before any signal is sent, so
-- a kill survives a crash of the node that was carrying it out: the task still ends killed, never retried.
CREATE TABLE kills (
  id           bigserial   PRIMARY KEY,
  task_id      uuid        NOT NULL REFERENCES tasks (id),
  -- the attempt the kill stops; for a task that was not running, its attempt count at the time
  attempt      integer     NOT NULL,
  requested_by text        NOT NULL,
  reason       text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  grace_ms     bigint      NOT NULL CHECK (grace_ms >= 0),
  prior_state  task_state  NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  signalled_at timestamptz,
  forced       boolean,
  stopped_at   timestamptz,
  -- null while the kill is under way
  outcome      text        CHECK (outcome IN ('killed', 'already-finished'))
);
-- One kill under way per attempt: a second request joins it (and gets the same receipt).
CREATE UNIQUE INDEX kills_one_pending_per_attempt ON kills (task_id, attempt) WHERE outcome IS NULL;
CREATE INDEX kills_by_task ON kills (task_id, id);

-- The global dispatch switch (kill-all with pauseDispatch, POST /api/v1/dispatch/pause). One row.
CREATE TABLE dispatch_state (
  singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  paused     boolean     NOT NULL,
  reason     text,
  changed_by text        NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- A person's retry grants a fresh budget on top of the attempts already made, so the total may pass
-- the 100 a single request may ask for.
ALTER TABLE tasks DROP CONSTRAINT tasks_max_attempts_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_max_attempts_check CHECK (max_attempts BETWEEN 1 AND 100000);
