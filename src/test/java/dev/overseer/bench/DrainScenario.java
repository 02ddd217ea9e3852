package dev.overseer.bench;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;

/**
 * {@code drain_tasks_per_s}: N noop tasks submitted with dispatch paused, then dispatch resumed; from the
 * resume request to the last {@code succeeded} (max(finished_at)).
 */
final class DrainScenario implements Scenario {
  @Override
  public String name() {
    return "drain";
  }

  @Override
  public List<String> figures() {
    return List.of("drain_tasks_per_s");
  }

  @Override
  public void run(Bench b) throws Exception {
    int n = b.options.tasks();
    List<Buffer> bodies = b.batches(name(), "noop", n, 1000, null);
    boolean resumed = false;
    b.pauseDispatch("drain benchmark");
    try {
      Api.LoadResult submitted = b.submitBatches(bodies, SubmitScenario.BATCH_CLIENTS);
      Bench.log("submitted %d noop tasks with dispatch paused in %.2fs", n, submitted.seconds());
      Bench.sleep(1000);
      double t0 = Bench.nowMillis();
      b.resumeDispatch();
      resumed = true;
      Bench.Counts c = b.awaitFinished(name(), n, Duration.ofSeconds(Math.max(120, n / 50)), 250);
      double end = b.lastFinishedMillis(name());
      Bench.log("drained %d/%d (%d succeeded) in %.2fs", c.finished(), n, c.succeeded(), (end - t0) / 1000);
      if (c.succeeded() < n) {
        b.unsupported("drain_tasks_per_s", "only " + c.succeeded() + " of " + n + " tasks succeeded before the deadline");
      } else {
        b.figure("drain_tasks_per_s", n / ((end - t0) / 1000));
      }
    } finally {
      b.killAll(name());
      if (!resumed) b.resumeDispatch();
    }
  }
}
