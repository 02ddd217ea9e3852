-- Queries on tasks. Each is named; TaskStore runs them by name. Events written with a change go in the
-- same statement (a data-modifying CTE), so a change and its history commit or fail together.

-- name: TaskInsert
WITH inserted AS (
  INSERT INTO tasks (id, name, profile, priority, input, max_attempts, timeout_ms, run_at, labels,
                     created_by, idempotency_key, request_hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, now()), $9, $10, $11, $12)
  ON CONFLICT (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING *
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'created', created_by,
         jsonb_build_object('name', name, 'profile', profile, 'priority', priority, 'runAt', run_at)
  FROM inserted
)
SELECT * FROM inserted

-- name: TaskInsertMany
-- A batch (no idempotency keys) in one statement: one round trip and one trigger run for the lot.
-- $11 is each row's place in the batch, returned so the caller can answer in request order.
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::int[],
                       $7::bigint[], $8::timestamptz[], $9::text[], $10::text[], $11::int[])
    AS i(id, name, profile, priority, input, max_attempts, timeout_ms, run_at, labels, created_by, place)
), inserted AS (
  INSERT INTO tasks (id, name, profile, priority, input, max_attempts, timeout_ms, run_at, labels, created_by)
  SELECT id, name, profile, priority, input::jsonb, max_attempts, timeout_ms, COALESCE(run_at, now()),
         labels::jsonb, created_by
  FROM input ORDER BY place
  RETURNING *
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'created', created_by,
         jsonb_build_object('name', name, 'profile', profile, 'priority', priority, 'runAt', run_at)
  FROM inserted ORDER BY seq
)
SELECT inserted.*, input.place FROM inserted JOIN input USING (id) ORDER BY input.place

-- name: TaskByIdempotencyKey
SELECT * FROM tasks WHERE created_by = $1 AND idempotency_key = $2

-- name: TaskGet
SELECT * FROM tasks WHERE id = $1 AND deleted_at IS NULL

-- name: TaskList
-- Keyset pagination, newest first: the cursor is the seq of the last task of the previous page.
SELECT * FROM tasks
WHERE deleted_at IS NULL
  AND ($1::task_state IS NULL OR state = $1::task_state)
  AND ($2::text IS NULL OR profile = $2)
  AND ($3::jsonb IS NULL OR labels @> $3::jsonb)
  AND ($4::bigint IS NULL OR seq < $4)
ORDER BY seq DESC
LIMIT $5

-- name: TaskPatch
-- Only a queued task changes; $2 (If-Match) guards against lost updates; $7/$8 let operators touch only
-- their own tasks. No row back means one of these guards refused, and the caller reads why.
WITH patched AS (
  UPDATE tasks
  SET name = COALESCE($3, name),
      priority = COALESCE($4, priority),
      labels = COALESCE($5, labels),
      run_at = CASE WHEN $9 THEN COALESCE($6, now()) ELSE run_at END,
      version = version + 1,
      updated_at = now()
  WHERE id = $1 AND state = 'queued' AND deleted_at IS NULL
    AND ($2::integer IS NULL OR version = $2)
    AND ($7 OR created_by = $8)
  RETURNING *
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'updated', $8, $10 FROM patched
)
SELECT * FROM patched

-- name: TaskDelete
WITH deleted AS (
  UPDATE tasks SET deleted_at = now(), updated_at = now(), version = version + 1
  WHERE id = $1 AND deleted_at IS NULL AND state IN ('succeeded', 'failed', 'killed')
    AND ($2 OR created_by = $3)
  RETURNING *
), event AS (
  INSERT INTO task_events (task_id, type, actor, data)
  SELECT id, 'deleted', $3, jsonb_build_object('state', state) FROM deleted
)
SELECT * FROM deleted

-- name: TaskAnyById
-- Includes deleted tasks: used to explain why a guarded change found no row.
SELECT * FROM tasks WHERE id = $1

-- name: LogsOfAttempt
SELECT line_no, at, stream, level, message FROM task_logs
WHERE task_id = $1 AND attempt = $2 AND line_no > $3
ORDER BY line_no LIMIT $4

-- name: TaskCountByState
-- One index-only count per state (tasks_by_state), never a scan of the whole table.
SELECT s.state::text AS state,
       (SELECT count(*) FROM tasks t WHERE t.state = s.state AND t.deleted_at IS NULL) AS n
FROM unnest(enum_range(NULL::task_state)) AS s(state)
