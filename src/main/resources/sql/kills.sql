-- Kill authority: intents, receipts and the dispatch switch. $2 is always the actor.

-- name: KillNotRunning
-- A queued or retrying task never starts: killed at once, in one transaction with its receipt.
WITH target AS (
  SELECT id, attempt, state FROM tasks
  WHERE id = $1 AND state IN ('queued', 'retrying') AND deleted_at IS NULL
  FOR UPDATE
), killed AS (
  UPDATE tasks t
  SET state = 'killed', finished_at = now(), updated_at = now(), version = t.version + 1,
      error = jsonb_build_object('reason', 'killed', 'message', $3, 'by', $2)
  FROM target WHERE t.id = target.id
  RETURNING t.id, t.attempt, target.state AS prior_state
), receipt AS (
  INSERT INTO kills (task_id, attempt, requested_by, reason, grace_ms, prior_state, stopped_at, forced, outcome)
  SELECT id, attempt, $2, $3, $4, prior_state, now(), false, 'killed' FROM killed
  RETURNING *
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT task_id, e.type, $2, e.data FROM receipt,
    LATERAL (VALUES ('kill.requested', jsonb_build_object('attempt', attempt, 'reason', reason, 'graceMs', grace_ms, 'priorState', prior_state)),
                    ('killed', jsonb_build_object('attempt', attempt, 'outcome', outcome, 'forced', false))) AS e(type, data)
)
SELECT * FROM receipt

-- name: KillRequestRunning
-- Writes the intent of killing a running attempt before any signal, and tells every node (NOTIFY).
-- $5/$6: the state the task ends in and the error stored on it (a system kill; 'killed' and null for a
-- person's); $7: the attempt to kill, or null for whichever runs now.
-- No row back: the task is not running (that attempt), or a kill of this attempt is already under way.
WITH target AS (
  SELECT id, attempt FROM tasks WHERE id = $1 AND state = 'running' AND ($7::int IS NULL OR attempt = $7) FOR UPDATE
), receipt AS (
  INSERT INTO kills (task_id, attempt, requested_by, reason, grace_ms, prior_state, ends_as, error)
  SELECT id, attempt, $2, $3, $4, 'running', $5::task_state, $6 FROM target
  ON CONFLICT (task_id, attempt) WHERE outcome IS NULL DO NOTHING
  RETURNING *
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT task_id, 'kill.requested', $2,
         jsonb_build_object('attempt', attempt, 'reason', reason, 'graceMs', grace_ms, 'priorState', prior_state)
         || CASE WHEN ends_as = 'killed' THEN '{}'::jsonb ELSE jsonb_build_object('endsAs', ends_as) END
  FROM receipt
), wake AS (
  SELECT pg_notify('overseer_kills', task_id::text) FROM receipt
)
-- wake is a plain SELECT: it runs only because the result reads it
SELECT receipt.*, (SELECT count(*) FROM wake) AS woken FROM receipt

-- name: KillAlreadyFinished
-- A kill of a finished task changes nothing; the request is still part of the audit trail.
INSERT INTO task_events (task_id, type, actor, data)
VALUES ($1, 'kill.requested', $2, jsonb_build_object('reason', $3, 'priorState', $4, 'outcome', 'already-finished'))

-- name: KillFinish
-- Ends a kill of a running attempt. Guarded: the task is still running this attempt on this node ($5),
-- so a kill racing the task's own completion ends in exactly one terminal state, and the receipt says which.
-- $6: when the agent's last process was seen gone (null: now). The task ends as the intent says
-- (killed, or failed with an escalation for a system kill); $7: whether the escalation webhook is set.
WITH intent AS (
  SELECT * FROM kills WHERE task_id = $1 AND attempt = $2 AND outcome IS NULL
), killed AS (
  UPDATE tasks t
  SET state = i.ends_as, finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
      version = t.version + 1,
      error = COALESCE(i.error, jsonb_build_object('reason', 'killed', 'message', i.reason, 'by', i.requested_by)),
      escalation = CASE WHEN i.ends_as = 'failed'
        THEN jsonb_build_object('reason', i.reason, 'attempts', t.attempt, 'lastError', i.error) END
  FROM intent i
  WHERE t.id = $1 AND t.attempt = $2 AND t.state = 'running' AND t.lease_owner = $5
  RETURNING t.id, t.attempt, t.state, t.name, t.profile, t.escalation
), finished AS (
  SELECT state FROM tasks WHERE id = $1 AND attempt = $2 AND state <> 'running'
), receipt AS (
  UPDATE kills
  SET signalled_at = $3, forced = $4, stopped_at = COALESCE($6::timestamptz, now()),
      outcome = CASE WHEN EXISTS (SELECT 1 FROM killed) THEN 'killed' ELSE 'already-finished' END
  WHERE task_id = $1 AND attempt = $2 AND outcome IS NULL
    AND (EXISTS (SELECT 1 FROM killed) OR EXISTS (SELECT 1 FROM finished))
  RETURNING *
), attempts AS (
  UPDATE task_attempts SET finished_at = now(), outcome = 'killed', reason = (SELECT reason FROM intent)
  WHERE task_id = $1 AND attempt = $2 AND EXISTS (SELECT 1 FROM killed)
), events AS (
  -- only a kill that ended the task is terminal ("killed", or "failed" and "task.escalated" for a system
  -- kill that ends it failed); one the task's own end beat is "kill.already-finished"
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT r.task_id, e.type, 'node:' || $5, e.data FROM receipt r
  LEFT JOIN killed k ON k.id = r.task_id,
    LATERAL (VALUES
      (CASE WHEN r.outcome = 'already-finished' THEN 'kill.already-finished' WHEN r.ends_as = 'failed' THEN 'failed' ELSE 'killed' END,
       jsonb_build_object('attempt', r.attempt, 'outcome', r.outcome, 'forced', r.forced, 'requestedBy', r.requested_by)
       || CASE WHEN r.ends_as = 'failed' THEN jsonb_build_object('reason', r.reason) ELSE '{}'::jsonb END),
      ('task.escalated', k.escalation)) AS e(type, data)
  WHERE e.type <> 'task.escalated' OR k.escalation IS NOT NULL
), webhook AS (
  INSERT INTO outbox (kind, payload)
  SELECT 'task.escalated', jsonb_build_object('type', 'task.escalated', 'taskId', id, 'name', name,
         'profile', profile, 'escalation', escalation) FROM killed WHERE escalation IS NOT NULL AND $7
)
SELECT * FROM receipt

-- name: KillsPendingOfNode
-- Kills under way of attempts this node runs (its lease): the NOTIFY fast path and the periodic sweep.
SELECT k.* FROM kills k
JOIN tasks t ON t.id = k.task_id AND t.attempt = k.attempt
WHERE k.outcome IS NULL AND t.state = 'running' AND t.lease_owner = $1

-- name: KillLatest
SELECT * FROM kills WHERE task_id = $1 ORDER BY id DESC LIMIT 1

-- name: KillById
SELECT * FROM kills WHERE id = $1

-- name: KillAllTargets
-- The tasks a kill-all stops: every queued, retrying and running task, optionally of one profile
-- and carrying all the given labels.
SELECT id FROM tasks
WHERE state IN ('queued', 'retrying', 'running') AND deleted_at IS NULL
  AND ($1::text IS NULL OR profile = $1)
  AND ($2::jsonb IS NULL OR labels @> $2::jsonb)
ORDER BY seq
LIMIT $3

-- name: KillAllRecord
INSERT INTO task_events (type, actor, data) VALUES ('kill-all', $1, $2)

-- name: DispatchState
SELECT * FROM dispatch_state

-- name: DispatchSetPaused
WITH changed AS (
  INSERT INTO dispatch_state (singleton, paused, reason, changed_by, changed_at)
  VALUES (true, $1, $2, $3, now())
  ON CONFLICT (singleton) DO UPDATE SET paused = $1, reason = $2, changed_by = $3, changed_at = now()
  RETURNING *
), event AS (
  INSERT INTO task_events (type, actor, data)
  SELECT CASE WHEN $1 THEN 'dispatch.paused' ELSE 'dispatch.resumed' END, $3, jsonb_build_object('reason', $2)
  FROM changed
), wake AS (
  SELECT pg_notify('overseer_tasks', '') FROM changed WHERE NOT $1
)
SELECT changed.*, (SELECT count(*) FROM wake) AS woken FROM changed

-- name: KillsCloseFinished
-- A kill whose task finished by itself in the same instant (the finishing statement could not yet see
-- the kill's row) is closed as already-finished, so no receipt waits forever.
UPDATE kills k SET stopped_at = now(), forced = false, outcome = 'already-finished'
FROM tasks t
WHERE t.id = k.task_id AND k.outcome IS NULL AND t.state IN ('succeeded', 'failed', 'killed')
RETURNING k.task_id
