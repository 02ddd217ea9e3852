package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code submit_per_s}: tasks created by 32 concurrent clients with single POST /api/v1/tasks requests
 * (keep-alive), dispatch paused; up to 10,000 (quick 1,000) within a time budget. {@code submit_batch_per_s}:
 * through POST /api/v1/tasks/batch, 1000 per request, 4 concurrent clients. A short warm-up of each kind runs
 * first and is not counted. Afterwards dispatch resumes and the (noop) tasks run off; kill-all takes what is left.
 */
final class SubmitScenario implements Scenario {
  static final int CLIENTS = 32;
  static final int BATCH_CLIENTS = 4;

  @Override
  public String name() {
    return "submit";
  }

  @Override
  public List<String> figures() {
    return List.of("submit_per_s", "submit_batch_per_s");
  }

  @Override
  public void run(Bench b) throws Exception {
    boolean quick = b.options.quick();
    int singles = quick ? 1_000 : 10_000;
    Duration budget = Duration.ofSeconds(quick ? 15 : 40);
    int batches = quick ? 3 : 20;
    boolean resumed = false;
    b.pauseDispatch("submit benchmark");
    try {
      // warm-up: not counted
      b.api.closedLoop(HttpMethod.POST, "/api/v1/tasks", bodies(b, "warm", quick ? 200 : 500), CLIENTS, 201, budget);
      b.submitBatches(b.batches(name(), "noop", 1_000, 1000, null), BATCH_CLIENTS);

      List<Buffer> bodies = bodies(b, "single", singles);
      Api.LoadResult r = b.api.closedLoop(HttpMethod.POST, "/api/v1/tasks", bodies, CLIENTS, 201, budget);
      if (r.failed() > 0) throw new IllegalStateException(r.failed() + " of " + r.sent() + " creations failed, first: " + r.firstFailure());
      Bench.log("%d single creations by %d clients in %.2fs", r.ok(), CLIENTS, r.seconds());
      b.figure("submit_per_s", r.perSecond(r.ok()));

      List<Buffer> batchBodies = b.batches(name(), "noop", batches * 1000, 1000, null);
      Api.LoadResult rb = b.submitBatches(batchBodies, BATCH_CLIENTS);
      Bench.log("%d tasks in %d batches of 1000 by %d clients in %.2fs", batches * 1000, rb.ok(), BATCH_CLIENTS, rb.seconds());
      b.figure("submit_batch_per_s", rb.perSecond(batches * 1000L));

      b.resumeDispatch();
      resumed = true;
      long total = b.counts(name()).total();
      Bench.Counts c = b.awaitFinished(name(), total, Duration.ofSeconds(Math.max(60, total / 200)), 500);
      Bench.log("cleanup: the %d submitted noop tasks ran off (%d succeeded)", total, c.succeeded());
    } finally {
      b.killAll(name());
      if (!resumed) b.resumeDispatch();
    }
  }

  private List<Buffer> bodies(Bench b, String prefix, int n) {
    List<Buffer> bodies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) bodies.add(b.task(name(), "noop", prefix + "-" + i, null).toBuffer());
    return bodies;
  }
}
