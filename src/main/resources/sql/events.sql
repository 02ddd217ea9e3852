-- Queries on the append-only event history.

-- name: EventsOfTask
SELECT * FROM task_events WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3

-- name: EventAppend
INSERT INTO task_events (task_id, type, actor, data) VALUES ($1, $2, $3, $4)

-- name: SequencerLock
SELECT pg_try_advisory_xact_lock(7212003) AS locked

-- name: SequencerAdvance
-- Numbers up to $1 events of finished transactions, in (xid, id) order, after the last numbered one.
WITH state AS (
  SELECT last_xid, last_id, last_position FROM event_sequencer FOR UPDATE
), fresh AS (
  SELECT e.id, e.xid, s.last_position + row_number() OVER (ORDER BY e.xid, e.id) AS position
  FROM task_events e, state s
  WHERE (e.xid, e.id) > (s.last_xid, s.last_id)
    AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY e.xid, e.id
  LIMIT $1
), placed AS (
  INSERT INTO event_positions (position, event_id) SELECT position, id FROM fresh
), newest AS (
  SELECT id, xid, position FROM fresh ORDER BY position DESC LIMIT 1
), moved AS (
  UPDATE event_sequencer SET last_xid = newest.xid, last_id = newest.id, last_position = newest.position
  FROM newest
  RETURNING event_sequencer.last_position
)
SELECT COALESCE((SELECT last_position FROM moved), (SELECT last_position FROM state)) AS head,
       (SELECT count(*) FROM fresh) AS placed

-- name: EventsAfter
-- Positioned events after $1, optionally of one task ($2), one profile ($3), some types ($4), with the
-- head position of the same snapshot on every row (one row with a null position when nothing matched):
-- a reader that got fewer than $5 events has seen everything up to that head.
WITH head AS (SELECT last_position FROM event_sequencer)
SELECT head.last_position AS head, ev.*
FROM head LEFT JOIN LATERAL (
  SELECT p.position, e.id, e.task_id, e.type, e.actor, e.at, e.data, t.profile
  FROM event_positions p
  JOIN task_events e ON e.id = p.event_id
  LEFT JOIN tasks t ON t.id = e.task_id
  WHERE p.position > $1 AND p.position <= head.last_position
    AND ($2::uuid IS NULL OR e.task_id = $2)
    AND ($3::text IS NULL OR t.profile = $3)
    AND ($4::text[] IS NULL OR e.type = ANY($4))
  ORDER BY p.position
  LIMIT $5
) ev ON true

-- name: EventsHead
SELECT last_position AS head FROM event_sequencer

-- name: AuditAfter
-- The human actions: events whose actor is a token, not a node of Overseer.
SELECT p.position, e.id, e.task_id, e.type, e.actor, e.at, e.data, t.profile, 0::bigint AS head
FROM event_positions p
JOIN task_events e ON e.id = p.event_id
LEFT JOIN tasks t ON t.id = e.task_id
WHERE p.position > $1
  AND e.actor NOT LIKE 'node:%' AND e.actor <> 'overseer'
  AND ($2::text IS NULL OR e.actor = $2)
  AND ($3::text IS NULL OR e.type = $3)
  AND ($4::uuid IS NULL OR e.task_id = $4)
ORDER BY p.position
LIMIT $5
