-- Queries on the append-only event history.

-- name: EventsOfTask
SELECT * FROM task_events WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3

-- name: EventAppend
INSERT INTO task_events (task_id, type, actor, data) VALUES ($1, $2, $3, $4)
