-- Kills that Overseer decides itself (a budget spent, a pause that lasted too long, a disk quota): the
-- same intent written before any signal, the same receipt and crash guarantees as a person's kill, with
-- the actor 'overseer' and the cause as the reason. ends_as is the state the task ends in ('killed' for
-- a person's kill; 'failed' for a limit that makes the work a failure, never retried), error what is
-- stored on the task (null: the person's-kill error, {reason: 'killed', message, by}).
ALTER TABLE kills
  ADD COLUMN ends_as task_state NOT NULL DEFAULT 'killed' CHECK (ends_as IN ('killed', 'failed')),
  ADD COLUMN error   jsonb CHECK (error IS NULL OR jsonb_typeof(error) = 'object');
