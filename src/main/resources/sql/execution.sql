-- Queries of the execution plane: claims, fenced attempt results, leases, recovery and escalation.
-- Every write an attempt makes is guarded by its fencing token (the attempt number) and state.

-- name: TaskClaim
-- Claims ready tasks for node $3 with a lease of $4 ms: for each profile $1[i] up to $2[i] of them,
-- priority first, then age. One statement for every profile, so a claim round is one round trip.
WITH wanted AS (
  SELECT * FROM unnest($1::text[], $2::int[]) AS w(profile, n)
), ready AS (
  SELECT r.id FROM wanted w
  CROSS JOIN LATERAL (
    SELECT id FROM tasks
    WHERE profile = w.profile AND state IN ('queued', 'retrying') AND run_at <= now()
      -- a pause is authoritative from the moment it commits, on every node
      AND NOT EXISTS (SELECT 1 FROM profile_state p WHERE p.profile = w.profile AND p.paused)
    ORDER BY priority DESC, run_at, seq
    LIMIT w.n
    FOR UPDATE SKIP LOCKED
  ) r
  WHERE NOT EXISTS (SELECT 1 FROM dispatch_state d WHERE d.paused)
), claimed AS (
  UPDATE tasks t
  SET state = 'running', attempt = t.attempt + 1, lease_owner = $3,
      lease_expires_at = now() + $4 * interval '1 millisecond',
      started_at = COALESCE(t.started_at, now()), updated_at = now(), version = t.version + 1,
      progress_percent = NULL, progress_message = NULL
  -- by primary key: a join on ready made the planner, which cannot know how few rows LIMIT w.n leaves,
  -- hash the whole table on every claim
  WHERE t.id = ANY (ARRAY(SELECT id FROM ready))
  RETURNING t.*
), attempts AS (
  INSERT INTO task_attempts (task_id, attempt, node_id) SELECT id, attempt, $3 FROM claimed
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, e.type, 'node:' || $3, jsonb_build_object('attempt', attempt, 'node', $3) FROM claimed,
    LATERAL (VALUES ('dispatched'), ('attempt.started')) AS e(type)
)
SELECT * FROM claimed

-- name: AttemptProcessStarted
UPDATE task_attempts SET pid = $3, pid_started_at = $4 WHERE task_id = $1 AND attempt = $2

-- name: AttemptsSucceeded
-- Records many successful attempts in one statement (the supervisor batches them while one is in flight).
-- Each is fenced: only a task still running the attempt changes; the ids that did are returned.
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::smallint[], $5::text[])
    AS i(id, attempt, output, percent, message)
), done AS (
  UPDATE tasks t
  SET state = 'succeeded', output = NULLIF(i.output::jsonb, 'null'::jsonb), error = NULL, finished_at = now(), updated_at = now(),
      progress_percent = COALESCE(i.percent, t.progress_percent),
      progress_message = COALESCE(i.message, t.progress_message),
      lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1
  FROM input i
  WHERE t.id = i.id AND t.attempt = i.attempt AND t.state = 'running'
    -- rows are locked in id order, as LeasesRenew does: two batches over the same tasks cannot deadlock.
    -- ARRAY(...) is computed once, before the update touches a row (an IN became a per-row rescan).
    AND t.id = ANY (ARRAY(SELECT id FROM tasks WHERE id = ANY($1) ORDER BY id FOR UPDATE))
  RETURNING t.id, t.attempt
), attempts AS (
  UPDATE task_attempts a SET finished_at = now(), outcome = 'succeeded'
  FROM done WHERE a.task_id = done.id AND a.attempt = done.attempt
), kill_lost_the_race AS (
  -- the attempt finished before a kill under way reached it: the kill's receipt says so
  UPDATE kills k SET stopped_at = now(), forced = false, outcome = 'already-finished'
  FROM done WHERE k.task_id = done.id AND k.attempt = done.attempt AND k.outcome IS NULL
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'succeeded', 'node:' || $6, jsonb_build_object('attempt', attempt) FROM done
)
SELECT id FROM done

-- name: AttemptRetrying
-- A failed attempt with attempts left: back to the queue at run_at = now + $4 ms backoff.
WITH done AS (
  UPDATE tasks
  SET state = 'retrying', error = $3, run_at = now() + $4 * interval '1 millisecond', updated_at = now(),
      lease_owner = NULL, lease_expires_at = NULL, version = version + 1
  WHERE id = $1 AND attempt = $2 AND state = 'running'
    -- kill beats retry: an attempt being killed is never sent round again
    AND NOT EXISTS (SELECT 1 FROM kills k WHERE k.task_id = $1 AND k.attempt = $2 AND k.outcome IS NULL)
  RETURNING *
), attempt AS (
  UPDATE task_attempts SET finished_at = now(), outcome = 'failed', reason = $3 ->> 'reason'
  WHERE task_id = $1 AND attempt = $2 AND EXISTS (SELECT 1 FROM done)
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, e.type, 'node:' || $5, e.data FROM done,
    LATERAL (VALUES ('attempt.failed', jsonb_build_object('attempt', attempt, 'error', $3)),
                    ('retrying', jsonb_build_object('attempt', attempt, 'runAt', run_at))) AS e(type, data)
)
SELECT * FROM done

-- name: AttemptFailed
-- Attempts exhausted or a non-retryable error: failed, with the escalation recorded and queued for the webhook.
WITH done AS (
  UPDATE tasks
  SET state = 'failed', error = $3, escalation = $4, finished_at = now(), updated_at = now(),
      lease_owner = NULL, lease_expires_at = NULL, version = version + 1
  WHERE id = $1 AND attempt = $2 AND state = 'running'
    AND NOT EXISTS (SELECT 1 FROM kills k WHERE k.task_id = $1 AND k.attempt = $2 AND k.outcome IS NULL)
  RETURNING *
), attempt AS (
  UPDATE task_attempts SET finished_at = now(), outcome = 'failed', reason = $3 ->> 'reason'
  WHERE task_id = $1 AND attempt = $2 AND EXISTS (SELECT 1 FROM done)
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, e.type, 'node:' || $5, e.data FROM done,
    LATERAL (VALUES ('attempt.failed', jsonb_build_object('attempt', attempt, 'error', $3)),
                    ('failed', jsonb_build_object('attempt', attempt)),
                    ('task.escalated', $4)) AS e(type, data)
), webhook AS (
  INSERT INTO outbox (kind, payload)
  SELECT 'task.escalated', jsonb_build_object('type', 'task.escalated', 'taskId', id, 'name', name,
         'profile', profile, 'escalation', $4) FROM done WHERE $6
)
SELECT * FROM done

-- name: LeasesRenew
-- Rows are locked in id order, as AttemptsSucceeded does (otherwise the two deadlock under load).
UPDATE tasks SET lease_expires_at = now() + $2 * interval '1 millisecond'
WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE lease_owner = $1 AND state = 'running' AND id = ANY($3) ORDER BY id FOR UPDATE))
RETURNING id

-- name: ReaperLock
SELECT pg_try_advisory_xact_lock(7212002) AS locked

-- name: LeasesReapExpired
-- Tasks whose node stopped renewing: back to retrying (the attempt counts), or failed when none is left.
-- $1: lease owner to recover regardless of expiry (a node recovering its own previous life), or null.
WITH lost AS (
  SELECT id, lease_owner AS previous_owner,
         -- a kill under way of this attempt: the state it ends the task in, and its error
         (SELECT k.ends_as FROM kills k WHERE k.task_id = tasks.id AND k.attempt = tasks.attempt AND k.outcome IS NULL) AS kill_ends_as,
         (SELECT k.error FROM kills k WHERE k.task_id = tasks.id AND k.attempt = tasks.attempt AND k.outcome IS NULL) AS kill_error
  FROM tasks
  WHERE state = 'running' AND (lease_expires_at < now() OR lease_owner = $1)
  ORDER BY lease_expires_at
  LIMIT 1000
  FOR UPDATE SKIP LOCKED
), moved AS (
  -- a kill under way wins: the task ends as the kill says (killed, or failed for a system kill), never retried
  UPDATE tasks t
  SET state = CASE WHEN lost.kill_ends_as IS NOT NULL THEN lost.kill_ends_as
                   WHEN t.attempt < t.max_attempts THEN 'retrying'::task_state ELSE 'failed'::task_state END,
      error = COALESCE(CASE WHEN lost.kill_ends_as IS NOT NULL THEN lost.kill_error END,
        jsonb_build_object('reason', 'lease-expired', 'message', 'the node running this attempt stopped renewing its lease', 'node', t.lease_owner)),
      escalation = CASE
        WHEN lost.kill_ends_as = 'failed' THEN jsonb_build_object('reason', lost.kill_error ->> 'reason', 'attempts', t.attempt, 'lastError', lost.kill_error)
        WHEN lost.kill_ends_as IS NOT NULL OR t.attempt < t.max_attempts THEN NULL
        ELSE jsonb_build_object('reason', 'attempts-exhausted', 'attempts', t.attempt, 'lastError', 'lease expired on node ' || t.lease_owner) END,
      finished_at = CASE WHEN lost.kill_ends_as IS NOT NULL OR t.attempt >= t.max_attempts THEN now() ELSE NULL END,
      -- run_at stays: work a crash interrupted keeps its place in line, ahead of what arrived later
      updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1
  FROM lost WHERE t.id = lost.id
  RETURNING t.*, lost.previous_owner, lost.kill_ends_as IS NOT NULL AS was_killed
), attempts AS (
  UPDATE task_attempts a SET finished_at = now(), outcome = CASE WHEN moved.was_killed THEN 'killed' ELSE 'lost' END,
    reason = 'lease-expired'
  FROM moved WHERE a.task_id = moved.id AND a.attempt = moved.attempt
), kills_done AS (
  UPDATE kills k SET stopped_at = now(), outcome = 'killed'
  FROM moved WHERE moved.was_killed AND k.task_id = moved.id AND k.attempt = moved.attempt AND k.outcome IS NULL
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, e.type, 'overseer', e.data FROM moved,
    LATERAL (VALUES ('lease-expired', jsonb_build_object('attempt', attempt, 'node', previous_owner, 'state', state)),
                    ('failed', jsonb_build_object('attempt', attempt)),
                    ('task.escalated', escalation),
                    ('killed', jsonb_build_object('attempt', attempt, 'outcome', 'killed', 'forced', false))) AS e(type, data)
  WHERE e.type = 'lease-expired' OR (state = 'failed' AND e.type IN ('failed', 'task.escalated'))
     OR (state = 'killed' AND e.type = 'killed')
), webhook AS (
  INSERT INTO outbox (kind, payload)
  SELECT 'task.escalated', jsonb_build_object('type', 'task.escalated', 'taskId', id, 'name', name,
         'profile', profile, 'escalation', escalation) FROM moved WHERE state = 'failed' AND $2
)
SELECT * FROM moved

-- name: AttemptsLeftRunning
-- Processes that a previous life of this node started and did not see finish.
SELECT task_id, attempt, pid, pid_started_at FROM task_attempts
WHERE node_id = $1 AND finished_at IS NULL AND pid IS NOT NULL

-- name: ProfilePauses
SELECT * FROM profile_state WHERE paused

-- name: ProfileSetPaused
WITH changed AS (
  INSERT INTO profile_state (profile, paused, reason, changed_by, changed_at)
  VALUES ($1, $2, $3, $4, now())
  ON CONFLICT (profile) DO UPDATE SET paused = $2, reason = $3, changed_by = $4, changed_at = now()
  RETURNING *
), event AS (
  INSERT INTO task_events (type, actor, data)
  SELECT $5, $4, jsonb_build_object('profile', $1, 'reason', $3) || COALESCE($6::jsonb, '{}') FROM changed
), webhook AS (
  INSERT INTO outbox (kind, payload)
  SELECT $5, jsonb_build_object('type', $5, 'profile', $1, 'reason', $3) || COALESCE($6::jsonb, '{}')
  FROM changed WHERE $7
)
SELECT * FROM changed

-- name: TaskRetryByHuman
-- A failed or killed task back to the queue with a fresh attempt budget.
WITH retried AS (
  UPDATE tasks
  SET state = 'queued', max_attempts = attempt + $4, run_at = now(), error = NULL, escalation = NULL,
      finished_at = NULL, updated_at = now(), version = version + 1
  WHERE id = $1 AND state IN ('failed', 'killed') AND deleted_at IS NULL AND ($2 OR created_by = $3)
  RETURNING *
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'retried', $3, jsonb_build_object('attempt', attempt, 'maxAttempts', max_attempts) FROM retried
), wake AS (
  SELECT pg_notify('overseer_tasks', '') FROM retried
)
-- wake is a plain SELECT: it runs only because the result reads it
SELECT retried.*, (SELECT count(*) FROM wake) AS woken FROM retried

-- name: OutboxClaim
-- Takes up to $1 due entries for 60 s (a lease: another node retries them if this one dies while sending).
UPDATE outbox SET next_attempt_at = now() + interval '60 seconds', attempts = attempts + 1
WHERE id IN (
  SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= now()
  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING *

-- name: OutboxDelivered
UPDATE outbox SET delivered_at = now(), last_error = NULL WHERE id = $1

-- name: OutboxFailed
UPDATE outbox SET last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1

-- name: LeasesRelease
-- A clean shutdown hands this node's running tasks back at once. The interrupted attempt keeps its
-- number (the fencing token) but is not charged against the task's attempt budget.
WITH released AS (
  UPDATE tasks
  SET state = 'retrying', max_attempts = GREATEST(max_attempts, attempt + 1), -- run_at stays: first in line
      updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, version = version + 1
  WHERE lease_owner = $1 AND state = 'running'
    -- a task being killed keeps its lease: the next start of this node (or a reaper) ends it killed
    AND NOT EXISTS (SELECT 1 FROM kills k WHERE k.task_id = tasks.id AND k.attempt = tasks.attempt AND k.outcome IS NULL)
  RETURNING *
), attempts AS (
  UPDATE task_attempts a SET finished_at = now(), outcome = 'lost', reason = 'node-shutdown'
  FROM released WHERE a.task_id = released.id AND a.attempt = released.attempt
), events AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'released', 'node:' || $1, jsonb_build_object('attempt', attempt, 'reason', 'node-shutdown') FROM released
)
SELECT * FROM released

-- name: ProgressBatch
-- The latest progress of many running attempts in one statement, each with its progress event.
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::smallint[], $4::text[]) AS i(id, attempt, percent, message)
), updated AS (
  UPDATE tasks t SET progress_percent = i.percent, progress_message = i.message, updated_at = now()
  FROM input i WHERE t.id = i.id AND t.attempt = i.attempt AND t.state = 'running'
  RETURNING t.id, t.attempt, i.percent, i.message
)
INSERT INTO task_events (task_id, type, actor, data)
SELECT id, 'progress', 'node:' || $5, jsonb_build_object('attempt', attempt, 'percent', percent, 'message', message)
FROM updated

-- name: LogsAppend
INSERT INTO task_logs (task_id, attempt, line_no, stream, level, message)
SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[])
ON CONFLICT (task_id, attempt, line_no) DO UPDATE SET message = EXCLUDED.message, at = now()

-- name: LogsDropOldest
-- Keeps an attempt's log within its bounds: drops lines up to $3 and says so in line 0.
WITH dropped AS (
  DELETE FROM task_logs WHERE task_id = $1 AND attempt = $2 AND line_no BETWEEN 1 AND $3
)
INSERT INTO task_logs (task_id, attempt, line_no, stream, level, message)
VALUES ($1, $2, 0, 'overseer', 'warn', $4)
ON CONFLICT (task_id, attempt, line_no) DO UPDATE SET message = EXCLUDED.message, at = now()

-- name: LogsEvent
INSERT INTO task_events (task_id, type, actor, data)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
