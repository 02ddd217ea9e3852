-- Queries on API tokens. Only SHA-256 hashes of token values are stored.

-- name: TokenInsert
WITH inserted AS (
  INSERT INTO api_tokens (name, role, token_hash, created_by)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (name) DO NOTHING
  RETURNING *
), event AS (
  INSERT INTO task_events (type, actor, data)
  SELECT 'token.created', created_by, jsonb_build_object('name', name, 'role', role) FROM inserted
)
SELECT * FROM inserted

-- name: TokenBootstrapAdmin
-- Creates the first admin token, only while no token exists at all.
WITH inserted AS (
  INSERT INTO api_tokens (name, role, token_hash, created_by)
  SELECT 'admin', 'admin', $1, 'overseer'
  WHERE NOT EXISTS (SELECT 1 FROM api_tokens)
  RETURNING *
), event AS (
  INSERT INTO task_events (type, actor, data)
  SELECT 'token.created', created_by, jsonb_build_object('name', name, 'role', role) FROM inserted
)
SELECT * FROM inserted

-- name: TokenBootstrapLock
SELECT pg_advisory_xact_lock(7212001)

-- name: TokenByHash
SELECT * FROM api_tokens WHERE token_hash = $1

-- name: TokenTouch
UPDATE api_tokens SET last_used_at = now() WHERE name = $1

-- name: TokenList
SELECT * FROM api_tokens ORDER BY created_at, name

-- name: TokenRevoke
WITH revoked AS (
  UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING *
), event AS (
  INSERT INTO task_events (type, actor, data)
  SELECT 'token.revoked', $2, jsonb_build_object('name', name, 'role', role) FROM revoked
)
SELECT * FROM revoked

-- name: TokenGet
SELECT * FROM api_tokens WHERE name = $1
