package dev.overseer.examples;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;

/**
 * An event-bus client of Overseer: it joins the cluster, creates a task, follows the task's events and
 * kills it. Run it next to a clustered Overseer:
 * {@code java -cp <test classpath> dev.overseer.examples.EventBusClient <token> [profile]}.
 */
public final class EventBusClient {
  private EventBusClient() {}

  public static void main(String[] args) throws Exception {
    String token = args.length > 0 ? args[0] : System.getenv("OVERSEER_TOKEN");
    String profile = args.length > 1 ? args[1] : "sleep";
    Vertx vertx = join("overseer", "127.0.0.1");
    try {
      run(vertx, token, profile);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** Joins the Overseer cluster on loopback (TCP join, no multicast). */
  public static Vertx join(String clusterName, String host) throws Exception {
    var config = ConfigUtil.loadConfig();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    var network = config.getNetworkConfig();
    network.setPort(5701).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(host);
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getAutoDetectionConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).addMember(host);
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(config)).buildClustered()
        .await(60, TimeUnit.SECONDS);
  }

  /** Creates a long task, prints its events as they come, kills it, and returns the kill receipt. */
  public static JsonObject run(Vertx vertx, String token, String profile) throws Exception {
    DeliveryOptions auth = new DeliveryOptions().addHeader("authorization", "Bearer " + token).setSendTimeout(30_000);
    JsonObject task = vertx.eventBus().<JsonObject>request("overseer.tasks.create",
        new JsonObject().put("name", "from the event bus").put("profile", profile)
            .put("input", new JsonObject().put("ms", 600_000)), auth).await(30, TimeUnit.SECONDS).body();
    String id = task.getString("id");
    System.out.println("created " + id);
    MessageConsumer<JsonObject> events = vertx.eventBus().consumer("overseer.events.task." + id,
        m -> System.out.println("event " + m.body().getLong("position") + " " + m.body().getString("type")));
    waitUntilRunning(vertx, auth, id);
    JsonObject receipt = vertx.eventBus().<JsonObject>request("overseer.tasks.kill",
        new JsonObject().put("id", id).put("reason", "demo over"), auth).await(60, TimeUnit.SECONDS).body();
    System.out.println("killed: " + receipt.encode());
    try {
      vertx.eventBus().request("overseer.tasks.get", new JsonObject().put("id", "not-a-task"), auth)
          .await(30, TimeUnit.SECONDS);
    } catch (ReplyException refused) {
      System.out.println("a bad request fails with " + refused.failureCode() + ": " + refused.getMessage());
    }
    events.unregister().await(10, TimeUnit.SECONDS);
    return receipt;
  }

  private static void waitUntilRunning(Vertx vertx, DeliveryOptions auth, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      JsonObject task = vertx.eventBus().<JsonObject>request("overseer.tasks.get", new JsonObject().put("id", id), auth)
          .await(30, TimeUnit.SECONDS).body();
      if (task.getString("state").equals("running")) return;
      Thread.sleep(100);
    }
    throw new IllegalStateException("task " + id + " did not start");
  }
}
