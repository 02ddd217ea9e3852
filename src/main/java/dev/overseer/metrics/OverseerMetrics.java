package dev.overseer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Overseer's own metrics, beside the Vert.x ones, in one Prometheus registry per service. Names follow
 * Prometheus conventions: {@code overseer_tasks{state}}, {@code overseer_task_duration_seconds}, ...
 */
public final class OverseerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Long> taskCounts = new ConcurrentHashMap<>();

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** {@code overseer_tasks{state}}: from the counts the {@link TaskCountSampler} refreshes in the background. */
  public void taskCount(String state, long count) {
    if (taskCounts.put(state, count) == null) {
      Gauge.builder("overseer_tasks", taskCounts, counts -> counts.getOrDefault(state, 0L))
          .description("Tasks by state (refreshed every few seconds, not per scrape)")
          .tag("state", state)
          .register(registry);
    }
  }

  public Map<String, Long> taskCounts() {
    return Map.copyOf(taskCounts);
  }

  /** An attempt ended: {@code outcome} is succeeded, failed, retrying or killed. */
  public void attemptEnded(String profile, String outcome, Duration took) {
    Timer.builder("overseer_task_duration_seconds")
        .description("How long attempts ran, by profile and outcome")
        .tags("profile", profile, "outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  /** A task became due (queued or retrying with runAt passed) and was started this long after. */
  public void dispatchLatency(Duration waited) {
    Timer.builder("overseer_dispatch_latency_seconds")
        .description("From due (queued, runAt passed) to attempt started")
        .publishPercentileHistogram()
        .register(registry)
        .record(waited.isNegative() ? Duration.ZERO : waited);
  }

  public <T> void agentsRunning(String profile, T source, ToDoubleFunction<T> running) {
    Gauge.builder("overseer_agents_running", source, running).tag("profile", profile)
        .description("Agents running on this node").register(registry);
  }

  public void heartbeatLost() {
    Counter.builder("overseer_heartbeats_missed_total")
        .description("Agents declared dead after missing supervisor.missedHeartbeatsLimit heartbeats")
        .register(registry).increment();
  }

  public void restart(String profile, String reason) {
    Counter.builder("overseer_restarts_total").description("Failed attempts sent round again, by profile and reason")
        .tags("profile", profile, "reason", reason == null ? "unknown" : reason).register(registry).increment();
  }

  public void kill(boolean forced) {
    Counter.builder("overseer_kills_total").description("Kills carried out, by whether SIGKILL was needed")
        .tag("forced", Boolean.toString(forced)).register(registry).increment();
  }

  public void escalation() {
    Counter.builder("overseer_escalations_total").description("Escalations to a human: failed tasks and paused profiles")
        .register(registry).increment();
  }

  public void streamClients(Supplier<Number> connections) {
    Gauge.builder("overseer_stream_clients", connections).description("Open WebSocket and SSE streams on this node")
        .register(registry);
  }
}
