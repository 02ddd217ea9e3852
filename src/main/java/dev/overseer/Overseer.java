package dev.overseer;

import dev.overseer.api.ApiVerticle;
import dev.overseer.auth.TokenService;
import dev.overseer.config.OverseerConfig;
import dev.overseer.health.HealthRoutes;
import dev.overseer.store.DatabaseTarget;
import dev.overseer.bus.TaskBusApi;
import dev.overseer.cluster.ClusterSetup;
import dev.overseer.cluster.NodeIdentity;
import dev.overseer.cluster.NodePresence;
import dev.overseer.store.NodeStore;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import dev.overseer.store.EmbeddedDatabase;
import dev.overseer.escalation.WebhookVerticle;
import dev.overseer.kill.KillService;
import dev.overseer.store.EventStore;
import dev.overseer.store.ExecutionStore;
import dev.overseer.store.KillStore;
import dev.overseer.store.OutboxStore;
import dev.overseer.supervisor.ProfileControl;
import dev.overseer.supervisor.SupervisorVerticle;
import dev.overseer.store.Migrations;
import dev.overseer.store.TaskStore;
import dev.overseer.store.TokenStore;
import dev.overseer.task.TaskService;
import dev.overseer.health.EventLoopWatch;
import dev.overseer.metrics.OverseerMetrics;
import dev.overseer.metrics.TaskCountSampler;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import dev.overseer.agent.Heartbeat;
import dev.overseer.bus.LocalCodec;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.atomic.AtomicLong;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Overseer: its database (embedded or given), the migrated schema, the Vert.x instance and
 * its verticles. {@link #start} blocks until it serves; {@link #stop} shuts everything down in order.
 */
public final class Overseer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Overseer.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final OverseerConfig config;
  private final EmbeddedDatabase embedded;
  private final DatabaseTarget database;
  private final Vertx vertx;
  private final Pool pool;
  private final int port;
  private final Optional<String> generatedAdminToken;
  /** Undeployed in this order on stop: first no new requests, then no running agents. */
  private final List<String> deployments;
  private final String nodeId;
  private final HazelcastClusterManager clusterManager;

  private Overseer(OverseerConfig config, EmbeddedDatabase embedded, DatabaseTarget database, Vertx vertx, Pool pool,
      int port, Optional<String> generatedAdminToken, List<String> deployments, String nodeId,
      HazelcastClusterManager clusterManager) {
    this.nodeId = nodeId;
    this.clusterManager = clusterManager;
    this.config = config;
    this.embedded = embedded;
    this.database = database;
    this.vertx = vertx;
    this.pool = pool;
    this.port = port;
    this.generatedAdminToken = generatedAdminToken;
    this.deployments = deployments;
  }

  /** Starts Overseer; blocking, so call it from a plain thread (main, a test), never an event loop. */
  public static Overseer start(OverseerConfig config, Map<String, String> env) throws Exception {
    Files.createDirectories(config.dataDir());
    EmbeddedDatabase embedded = config.db().embedded()
        ? EmbeddedDatabase.start(config.dataDir(), config.db().embeddedPort())
        : null;
    Vertx vertx = null;
    try {
      DatabaseTarget database = embedded != null ? embedded.target() : DatabaseTarget.fromUrl(config.db().url());
      String schemaVersion = Migrations.apply(database);
      OverseerMetrics metrics = new OverseerMetrics();
      HazelcastClusterManager clusterManager = config.cluster().enabled()
          ? ClusterSetup.clusterManager(config.cluster()) : null;
      VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
          // per-message meters cost more than the heartbeats they would count; overseer_* metrics say what matters
          .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS));
      if (clusterManager != null) options.setEventBusOptions(ClusterSetup.eventBus(config.cluster()));
      var builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(metrics.registry()));
      vertx = clusterManager == null ? builder.build()
          : builder.withClusterManager(clusterManager).buildClustered().await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      vertx.eventBus().registerDefaultCodec(Heartbeat.class, new LocalCodec<>(Heartbeat.class));
      Pool pool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(config.db().poolSize()))
          .connectingTo(database.connectOptions())
          .using(vertx)
          .build();
      String nodeId = NodeIdentity.load(config.dataDir());
      ExecutionStore execution = new ExecutionStore(pool, nodeId);
      TokenService tokens = new TokenService(new TokenStore(pool));
      TaskService tasks = new TaskService(new TaskStore(pool), execution);
      KillStore killStore = new KillStore(pool);
      KillService kills = new KillService(vertx, new TaskStore(pool), killStore, config.profiles(), config.killMaxGrace());
      SupervisorVerticle supervisor = new SupervisorVerticle(config, nodeId, execution, killStore, kills,
          database.connectOptions(), metrics);
      AtomicLong loopLag = new AtomicLong();
      await(vertx.deployVerticle(() -> new EventLoopWatch(loopLag),
          new DeploymentOptions().setInstances(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE)));
      HealthRoutes health = new HealthRoutes(vertx, pool, metrics.registry(), new HealthRoutes.Probes(schemaVersion,
          supervisor::lastCheckMillis, supervisor::lastClaimRoundMillis, config.dispatch().pollInterval().toMillis(),
          loopLag));
      TaskCountSampler counts = new TaskCountSampler(vertx, new TaskStore(pool), metrics);
      ProfileControl profiles = new ProfileControl(vertx, execution, config.profiles());
      NodeStore nodes = new NodeStore(pool);
      ApiVerticle api = new ApiVerticle(config, tasks, tokens, health, profiles, kills,
          new EventStore(pool), supervisor::runningCounts, metrics, () -> publishesEvents(clusterManager), nodes);
      String apiDeployment = await(vertx.deployVerticle(api));
      String url = "http://" + config.http().host() + ":" + api.port();
      await(vertx.deployVerticle(new NodePresence(nodes, nodeId, config.http().host(), url, clusterManager)));
      await(vertx.deployVerticle(new TaskBusApi(api.port())));
      String supervisorDeployment = await(vertx.deployVerticle(supervisor));
      counts.start();
      if (config.escalationWebhook() != null) {
        await(vertx.deployVerticle(new WebhookVerticle(config.escalationWebhook(), new OutboxStore(pool))));
      }
      log.info("node {} is supervising profiles {}", nodeId, config.profiles().keySet());
      if (clusterManager != null) {
        log.info("cluster '{}': node {} (member {}) sees members {}", config.cluster().name(), nodeId,
            clusterManager.getNodeId(), clusterManager.getNodes());
      }
      // Last, so that a start that fails earlier cannot swallow a generated token nobody saw.
      Optional<String> adminToken = await(tokens.bootstrapAdmin(env.get("OVERSEER_ADMIN_TOKEN")));
      return new Overseer(config, embedded, database, vertx, pool, api.port(), adminToken,
          List.of(apiDeployment, supervisorDeployment), nodeId, clusterManager);
    } catch (Exception | Error e) {
      if (vertx != null) vertx.close().await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (embedded != null) embedded.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://" + config.http().host() + ":" + port;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The members of the cluster this node sees, or empty when it runs alone. */
  public List<String> clusterMembers() {
    return clusterManager == null ? List.of() : clusterManager.getNodes();
  }

  /**
   * Whether this node publishes the event feed on the event bus: alone, it does; in a cluster, only the
   * member with the lowest id does, so event-bus clients get each event once (positions tell repeats
   * during a change of members).
   */
  static boolean publishesEvents(HazelcastClusterManager cluster) {
    if (cluster == null) return true;
    return cluster.getNodes().stream().sorted().findFirst().map(cluster.getNodeId()::equals).orElse(true);
  }

  public DatabaseTarget database() {
    return database;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The admin token value when this start generated it (first start, no OVERSEER_ADMIN_TOKEN). */
  public Optional<String> generatedAdminToken() {
    return generatedAdminToken;
  }

  /**
   * Stops accepting requests, lets those in flight finish, closes the pool and Vert.x, then stops the
   * embedded PostgreSQL. Safe to call twice.
   */
  public synchronized void stop() {
    try {
      for (String deployment : deployments) {
        if (vertx.deploymentIDs().contains(deployment)) {
          vertx.undeploy(deployment).await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (Exception e) {
      log.warn("a verticle did not stop cleanly: {}", e.toString());
    }
    try {
      vertx.close().await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    try {
      if (embedded != null) embedded.close();
    } catch (Exception e) {
      log.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
