package dev.overseer.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.task.NewTask;
import dev.overseer.task.Task;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The execution plane's multi-row writes against a real PostgreSQL. */
class ExecutionStoreIT {
  private static final Duration TTL = Duration.ofSeconds(30);
  private Vertx vertx;
  private Pool pool;
  private TaskStore tasks;
  private ExecutionStore execution;

  @BeforeEach
  void setUp() {
    DatabaseTarget target = DatabaseTarget.fromUrl(TestDatabases.freshDatabase());
    Migrations.apply(target);
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(target.connectOptions()).using(vertx).build();
    tasks = new TaskStore(pool);
    execution = new ExecutionStore(pool, "node-under-test");
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * A node renews the leases of everything it runs while a batch of successes over the same tasks is
   * being written. Both lock many task rows; in different orders they deadlock, PostgreSQL aborts one,
   * and a success that is not recorded runs again once its lease expires. Here the batch comes in the
   * reverse order of the renewal, the worst case, round after round.
   */
  @Test
  void renewing_leases_while_a_batch_of_successes_over_the_same_tasks_is_written_never_deadlocks() throws Exception {
    Random random = new Random(7);
    for (int round = 0; round < 15; round++) {
      List<UUID> running = claimNew(400);
      List<UUID> renewOrder = new ArrayList<>(running);
      Collections.shuffle(renewOrder, random);
      List<ExecutionStore.Success> batch = new ArrayList<>();
      running.stream().sorted(Comparator.reverseOrder())
          .forEach(id -> batch.add(new ExecutionStore.Success(id, 1, new JsonObject(), 100, "done")));

      Future<Set<UUID>> renewal = execution.renew(renewOrder, TTL);
      Future<Set<UUID>> successes = execution.succeeded(batch);
      Future<Set<UUID>> secondRenewal = execution.renew(running, TTL);
      Future.join(renewal, successes, secondRenewal).await(60, TimeUnit.SECONDS);

      assertThat(renewal.cause()).as("round %d: the renewal", round).isNull();
      assertThat(secondRenewal.cause()).as("round %d: the second renewal", round).isNull();
      assertThat(successes.cause()).as("round %d: the batch of successes", round).isNull();
      assertThat(successes.result()).as("round %d: every success recorded", round).containsExactlyInAnyOrderElementsOf(running);
    }
  }

  private List<UUID> claimNew(int n) throws Exception {
    List<NewTask> fresh = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fresh.add(new NewTask(UUID.randomUUID(), "t" + i, "noop", 0, new JsonObject(), 3, Duration.ofHours(1), null,
          Map.of(), "test", null, null));
    }
    tasks.insertAll(fresh).await(30, TimeUnit.SECONDS);
    List<Task> claimed = execution.claim(Map.of("noop", n), TTL).await(30, TimeUnit.SECONDS);
    assertThat(claimed).hasSize(n);
    return claimed.stream().map(Task::id).toList();
  }
}
