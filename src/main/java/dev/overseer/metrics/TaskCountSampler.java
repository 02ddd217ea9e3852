package dev.overseer.metrics;

import dev.overseer.store.TaskStore;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts tasks by state in the background every {@link #EVERY_MILLIS}, with one index-only count per
 * state, so neither a Prometheus scrape nor the dashboard's counts ever scan the tasks table.
 */
public final class TaskCountSampler {
  private static final Logger log = LoggerFactory.getLogger(TaskCountSampler.class);
  static final long EVERY_MILLIS = 5000;

  private final Vertx vertx;
  private final TaskStore tasks;
  private final OverseerMetrics metrics;
  private long timer = -1;

  public TaskCountSampler(Vertx vertx, TaskStore tasks, OverseerMetrics metrics) {
    this.vertx = vertx;
    this.tasks = tasks;
    this.metrics = metrics;
  }

  public void start() {
    sample();
    timer = vertx.setPeriodic(EVERY_MILLIS, id -> sample());
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  public void sample() {
    tasks.countByState().onSuccess(counts -> counts.forEach(metrics::taskCount))
        .onFailure(e -> log.debug("cannot count tasks: {}", e.toString()));
  }
}
