-- Nodes and their heartbeats.

-- name: NodeHeartbeat
INSERT INTO nodes (id, host, http_url, cluster_node_id, started_at, heartbeat_at)
VALUES ($1, $2, $3, $4, now(), now())
ON CONFLICT (id) DO UPDATE SET host = $2, http_url = $3, cluster_node_id = $4, heartbeat_at = now()

-- name: NodeStarted
INSERT INTO nodes (id, host, http_url, cluster_node_id, started_at, heartbeat_at)
VALUES ($1, $2, $3, $4, now(), now())
ON CONFLICT (id) DO UPDATE SET host = $2, http_url = $3, cluster_node_id = $4, started_at = now(), heartbeat_at = now()

-- name: NodesLive
-- Nodes with a heartbeat in the last $1 ms, with how many tasks each holds the lease of.
SELECT n.*, (SELECT count(*) FROM tasks t WHERE t.state = 'running' AND t.lease_owner = n.id) AS running
FROM nodes n
WHERE n.heartbeat_at > now() - $1 * interval '1 millisecond'
ORDER BY n.started_at

-- name: NodeExpireLeasesIfSilent
-- A node the cluster reports gone: if it has also stopped writing its heartbeat for $2 ms, its leases
-- end now, so the reaper hands its tasks to the living without waiting for the lease TTL.
UPDATE tasks SET lease_expires_at = now()
WHERE state = 'running' AND lease_owner = (
  SELECT id FROM nodes WHERE cluster_node_id = $1 AND heartbeat_at < now() - $2 * interval '1 millisecond')
RETURNING id
