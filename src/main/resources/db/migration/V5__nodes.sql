-- The nodes sharing this database. Each writes a heartbeat every second; GET /api/v1/nodes lists the
-- live ones. When the cluster reports a member gone, another node expires that node's leases at once,
-- but only once its heartbeat here has stopped too: a node cut off from the cluster but still writing
-- here is alive, and its tasks are not taken from it.
CREATE TABLE nodes (
  id              text        PRIMARY KEY,
  host            text        NOT NULL,
  http_url        text,
  cluster_node_id text,
  started_at      timestamptz NOT NULL DEFAULT now(),
  heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
