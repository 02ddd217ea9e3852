package dev.overseer.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.overseer.config.OverseerConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The Hazelcast and event-bus settings of a clustered node: TCP join on the configured members, bound
 * to {@code cluster.host} only, no multicast, no phoning home.
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  public static HazelcastClusterManager clusterManager(OverseerConfig.Cluster cluster) {
    Config config = ConfigUtil.loadConfig(); // keeps the maps Vert.x needs
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    cluster.members().forEach(member -> join.getTcpIpConfig().addMember(member));
    return new HazelcastClusterManager(config);
  }

  public static EventBusOptions eventBus(OverseerConfig.Cluster cluster) {
    return new EventBusOptions().setHost(cluster.host()).setPort(0).setClusterPublicHost(cluster.host());
  }
}
