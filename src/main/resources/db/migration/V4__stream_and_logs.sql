-- Global event positions that readers can resume from without gaps.
--
-- Transactions commit out of order: an event with id 41 may become visible after one with id 42, so a
-- reader that saw 42 and asks for "id > 42" would skip 41 forever. Instead one sequencer (one node at a
-- time, by advisory lock) numbers events after the fact, in (xid, id) order, and only events of
-- transactions older than every transaction still running (xid < pg_snapshot_xmin of the current
-- snapshot): those have all finished, so no event can appear below a position once it is handed out.
-- Readers ask for "position > N" and see every later event exactly once, in order.
CREATE TABLE event_positions (
  position bigint PRIMARY KEY,
  event_id bigint NOT NULL UNIQUE REFERENCES task_events (id)
);

-- The sequencer's progress: every event at or before (last_xid, last_id) in (xid, id) order has a
-- position, the last one being last_position.
CREATE TABLE event_sequencer (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_xid      xid8    NOT NULL,
  last_id       bigint  NOT NULL,
  last_position bigint  NOT NULL
);
INSERT INTO event_sequencer (last_xid, last_id, last_position) VALUES ('0'::xid8, 0, 0);

-- Positions are history too: never rewritten.
CREATE TRIGGER event_positions_append_only BEFORE UPDATE OR DELETE ON event_positions
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER event_positions_no_truncate BEFORE TRUNCATE ON event_positions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Agent log lines per attempt, bounded (logs.maxLinesPerAttempt, logs.maxBytesPerAttempt): when an
-- attempt writes more, its oldest lines are dropped and line 0 says how many.
CREATE TABLE task_logs (
  task_id uuid        NOT NULL REFERENCES tasks (id),
  attempt integer     NOT NULL,
  line_no bigint      NOT NULL,
  at      timestamptz NOT NULL DEFAULT now(),
  stream  text        NOT NULL CHECK (stream IN ('stdout', 'stderr', 'agent', 'overseer')),
  level   text,
  message text        NOT NULL,
  PRIMARY KEY (task_id, attempt, line_no)
);
