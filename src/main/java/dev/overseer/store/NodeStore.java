package dev.overseer.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.ZoneOffset;

/** The nodes sharing the database, and their heartbeats. */
public final class NodeStore {
  private final Pool pool;

  public NodeStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> started(String nodeId, String host, String httpUrl, String clusterNodeId) {
    return pool.preparedQuery(SqlQueries.get("NodeStarted")).execute(Tuple.of(nodeId, host, httpUrl, clusterNodeId)).mapEmpty();
  }

  public Future<Void> heartbeat(String nodeId, String host, String httpUrl, String clusterNodeId) {
    return pool.preparedQuery(SqlQueries.get("NodeHeartbeat")).execute(Tuple.of(nodeId, host, httpUrl, clusterNodeId)).mapEmpty();
  }

  public Future<JsonArray> live(Duration within) {
    return pool.preparedQuery(SqlQueries.get("NodesLive")).execute(Tuple.of(within.toMillis())).map(rows -> {
      JsonArray nodes = new JsonArray();
      for (Row row : rows) {
        nodes.add(new JsonObject()
            .put("id", row.getString("id"))
            .put("host", row.getString("host"))
            .put("url", row.getString("http_url"))
            .put("clusterNodeId", row.getString("cluster_node_id"))
            .put("startedAt", row.getOffsetDateTime("started_at").withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString())
            .put("lastHeartbeatAt", row.getOffsetDateTime("heartbeat_at").withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString())
            .put("runningAgents", row.getLong("running")));
      }
      return nodes;
    });
  }

  /** Ends the leases of the node behind a departed cluster member, if its heartbeat here stopped too. */
  public Future<Integer> expireLeasesIfSilent(String clusterNodeId, Duration silentFor) {
    return pool.preparedQuery(SqlQueries.get("NodeExpireLeasesIfSilent"))
        .execute(Tuple.of(clusterNodeId, silentFor.toMillis())).map(rows -> rows.size());
  }
}
