-- Queries on the append-only event history.

-- name: EventsOfTask
SELECT * FROM task_events WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3
