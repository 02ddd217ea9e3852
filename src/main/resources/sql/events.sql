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
  -- the bound is a row of scalars so that it is an index condition on (xid, id): as a join filter it
  -- made every call scan the whole history
  SELECT e.id, e.xid, (SELECT last_position FROM state) + row_number() OVER (ORDER BY e.xid, e.id) AS position
  FROM task_events e
  WHERE (e.xid, e.id) > ((SELECT last_xid FROM state), (SELECT last_id FROM state))
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
-- Positioned events after $1 and at most $6 positions further, optionally of one task ($2), one profile
-- ($3), some types ($4), at most $5 of them, with how far the page looked on every row (one row with a
-- null position when nothing matched): the head, or $1 + $6 when the head (newest) is further. A
-- reader that got fewer than $5 events has seen everything up to there. The window keeps a page's cost bounded by its
-- size however far behind the reader is (positions are dense, so an unfiltered page of $5 needs $6 = $5).
WITH bound AS (SELECT LEAST(last_position, $1::bigint + $6::bigint) AS head, last_position AS newest FROM event_sequencer)
SELECT bound.head, bound.newest, ev.*
FROM bound LEFT JOIN LATERAL (
  SELECT p.position, e.id, e.task_id, e.type, e.actor, e.at, e.data, t.profile
  FROM event_positions p
  JOIN task_events e ON e.id = p.event_id
  LEFT JOIN tasks t ON t.id = e.task_id
  WHERE p.position > $1 AND p.position <= bound.head
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
SELECT p.position, e.id, e.task_id, e.type, e.actor, e.at, e.data, t.profile, 0::bigint AS head, 0::bigint AS newest
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
