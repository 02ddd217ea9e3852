package dev.overseer.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.kill.KillReceipt;
import dev.overseer.task.NewTask;
import dev.overseer.task.Task;
import dev.overseer.task.TaskEvent;
import dev.overseer.task.TaskState;
import dev.overseer.testing.TestDatabases;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kills that Overseer decides itself, against a real PostgreSQL: the intent is fenced to one attempt, the
 * task ends as the intent says (failed with its error and an escalation, or killed), and a crash of the
 * node carrying it out still ends the task that way when its lease is reaped.
 */
class SystemKillIT {
  private static final String NODE = "node-under-test";
  private Vertx vertx;
  private Pool pool;
  private TaskStore tasks;
  private ExecutionStore execution;
  private KillStore kills;

  @BeforeEach
  void setUp() {
    DatabaseTarget target = DatabaseTarget.fromUrl(TestDatabases.freshDatabase());
    Migrations.apply(target);
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(target.connectOptions()).using(vertx).build();
    tasks = new TaskStore(pool);
    execution = new ExecutionStore(pool, NODE);
    kills = new KillStore(pool);
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_system_kill_that_ends_the_task_failed_stores_its_error_escalates_and_is_not_retried() throws Exception {
    Task task = claimOne(Duration.ofSeconds(30));
    JsonObject error = new JsonObject().put("reason", "budget-exceeded").put("message", "tokens 1200 of 1000");
    KillReceipt requested = await(kills.requestRunning(task.id(), 1, KillReceipt.SYSTEM_ACTOR, "budget-exceeded",
        Duration.ofSeconds(5), "failed", error)).orElseThrow();
    assertThat(requested.requestedBy()).isEqualTo("overseer");
    assertThat(requested.endsAs()).isEqualTo("failed");
    assertThat(requested.done()).isFalse();

    Instant signalled = Instant.now();
    KillReceipt receipt = await(kills.finish(task.id(), 1, signalled, false, Instant.now(), NODE, true)).orElseThrow();

    assertThat(receipt.outcome()).isEqualTo(KillReceipt.KILLED);
    Task ended = await(tasks.get(task.id())).orElseThrow();
    assertThat(ended.state()).isEqualTo(TaskState.FAILED);
    assertThat((JsonObject) ended.error()).isEqualTo(error);
    assertThat(((JsonObject) ended.escalation()).getString("reason")).isEqualTo("budget-exceeded");
    assertThat(eventTypes(task.id())).containsExactly("created", "dispatched", "attempt.started", "kill.requested",
        "failed", "task.escalated");
    assertThat(outboxKinds()).containsExactly("task.escalated");
  }

  @Test
  void a_system_kill_names_the_attempt_it_stops_and_does_nothing_to_a_later_one() throws Exception {
    Task task = claimOne(Duration.ofSeconds(30));
    Optional<KillReceipt> stale = await(kills.requestRunning(task.id(), 2, KillReceipt.SYSTEM_ACTOR, "disk-quota",
        Duration.ofSeconds(5), "killed", null));
    assertThat(stale).as("attempt 2 is not the one running").isEmpty();
    assertThat(eventTypes(task.id())).doesNotContain("kill.requested");
  }

  @Test
  void a_system_kill_whose_node_died_ends_the_task_as_the_intent_says_when_the_lease_is_reaped() throws Exception {
    Task task = claimOne(Duration.ofMillis(1));
    JsonObject error = new JsonObject().put("reason", "budget-exceeded").put("message", "cost 2.5 of 2.0 USD");
    await(kills.requestRunning(task.id(), 1, KillReceipt.SYSTEM_ACTOR, "budget-exceeded", Duration.ofSeconds(5),
        "failed", error)).orElseThrow();

    List<Task> reaped = reapUntilSome();

    assertThat(reaped).extracting(Task::id).containsExactly(task.id());
    Task ended = await(tasks.get(task.id())).orElseThrow();
    assertThat(ended.state()).as("a kill under way wins over the retry a lost lease would give").isEqualTo(TaskState.FAILED);
    assertThat((JsonObject) ended.error()).isEqualTo(error);
    assertThat(((JsonObject) ended.escalation()).getString("reason")).isEqualTo("budget-exceeded");
    KillReceipt receipt = await(kills.latest(task.id())).orElseThrow();
    assertThat(receipt.outcome()).isEqualTo(KillReceipt.KILLED);
  }

  @Test
  void a_persons_kill_still_ends_the_task_killed_with_the_persons_reason() throws Exception {
    Task task = claimOne(Duration.ofSeconds(30));
    await(kills.requestRunning(task.id(), "alice", "wrong branch", Duration.ofSeconds(5))).orElseThrow();

    KillReceipt receipt = await(kills.finish(task.id(), 1, Instant.now(), false, null, NODE, true)).orElseThrow();

    assertThat(receipt.endsAs()).isEqualTo("killed");
    Task ended = await(tasks.get(task.id())).orElseThrow();
    assertThat(ended.state()).isEqualTo(TaskState.KILLED);
    assertThat((JsonObject) ended.error()).isEqualTo(new JsonObject().put("reason", "killed")
        .put("message", "wrong branch").put("by", "alice"));
    assertThat(ended.escalation()).isNull();
    assertThat(eventTypes(task.id())).endsWith("kill.requested", "killed");
    assertThat(outboxKinds()).isEmpty();
  }

  private Task claimOne(Duration leaseTtl) throws Exception {
    NewTask fresh = new NewTask(UUID.randomUUID(), "limited", "noop", 0, new JsonObject(), 3, Duration.ofHours(1), null,
        Map.of(), "test", null, null);
    await(tasks.insertAll(List.of(fresh)));
    List<Task> claimed = await(execution.claim(Map.of("noop", 1), leaseTtl));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }

  /** The lease of a 1 ms claim expires at once; the reaper may still need a moment to see it. */
  private List<Task> reapUntilSome() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<Task> reaped = await(execution.reap(false, false));
      if (!reaped.isEmpty()) return reaped;
      Thread.sleep(20); // polling the reaper with a deadline
    }
    throw new AssertionError("the expired lease was never reaped");
  }

  private List<String> eventTypes(UUID taskId) throws Exception {
    return await(tasks.events(taskId, 0, 100)).stream().map(TaskEvent::type).toList();
  }

  private List<String> outboxKinds() throws Exception {
    return await(pool.query("SELECT kind FROM outbox ORDER BY id").execute()).stream().map(r -> r.getString("kind")).toList();
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.await(30, TimeUnit.SECONDS);
  }
}
