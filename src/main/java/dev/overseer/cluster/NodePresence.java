package dev.overseer.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.overseer.bus.Addresses;
import dev.overseer.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's presence: a heartbeat row in PostgreSQL every second, and, in a cluster, a watch on the
 * members. When the cluster reports a member gone, its leases end as soon as its heartbeat has stopped
 * too ({@link #SILENT_FOR}), so its tasks go to the living without waiting for the lease TTL; a member cut
 * off from the cluster but still writing its heartbeat keeps its tasks.
 */
public final class NodePresence extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(NodePresence.class);
  static final long HEARTBEAT_MILLIS = 1000;
  static final Duration SILENT_FOR = Duration.ofSeconds(3);
  private static final int CONFIRM_TRIES = 30;
  static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final NodeStore nodes;
  private final String nodeId;
  private final String host;
  private final String httpUrl;
  private final HazelcastClusterManager cluster;
  private long timer = -1;

  public NodePresence(NodeStore nodes, String nodeId, String host, String httpUrl, HazelcastClusterManager cluster) {
    this.nodes = nodes;
    this.nodeId = nodeId;
    this.host = host;
    this.httpUrl = httpUrl;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> nodes.heartbeat(nodeId, host, httpUrl, clusterNodeId())
        .onFailure(e -> log.warn("cannot write this node's heartbeat: {}", e.toString())));
    if (cluster != null) {
      cluster.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
          log.info("cluster member joined: {}; members now {}", event.getMember().getUuid(), event.getMembers().size());
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          // Vert.x names its nodes by a member attribute of its own, not by Hazelcast's member id
          String gone = event.getMember().getAttribute(VERTX_NODE_ID);
          if (gone == null) gone = event.getMember().getUuid().toString();
          String departed = gone;
          log.warn("cluster member left: {}; members now {}", departed, event.getMembers().size());
          vertx.runOnContext(v -> confirmAndExpire(departed, CONFIRM_TRIES));
        }
      });
    }
    return nodes.started(nodeId, host, httpUrl, clusterNodeId());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Every second, up to {@code tries} times: once the node's heartbeat is silent too, end its leases. */
  private void confirmAndExpire(String clusterNodeId, int tries) {
    nodes.expireLeasesIfSilent(clusterNodeId, SILENT_FOR).onComplete(done -> {
      if (done.succeeded() && done.result() > 0) {
        log.warn("ended {} leases of departed member {}; reaping them now", done.result(), clusterNodeId);
        vertx.eventBus().send(Addresses.LEASES_REAP, null, Addresses.NODE_LOCAL);
      } else if (tries > 1) {
        vertx.setTimer(HEARTBEAT_MILLIS, id -> confirmAndExpire(clusterNodeId, tries - 1));
      }
    });
  }

  private String clusterNodeId() {
    return cluster == null ? null : cluster.getNodeId();
  }
}
