package dev.overseer.bench;

import java.util.List;

/** Every scenario, in the order they run: idle-system measurements first, the crash last. */
final class Scenarios {
  private Scenarios() {}

  static List<Scenario> all() {
    return List.of(
        new FirstCompletionScenario(),
        new SubmitScenario(),
        new LifecycleScenario(),
        new DrainScenario(),
        new DispatchLatencyScenario(),
        new KillScenario(),
        new HeartbeatScenario(),
        new CrashScenario());
  }

  /** The scenario named {@code name}, or the one printing the figure {@code name}; null when none. */
  static String scenarioOf(String name) {
    for (Scenario s : all()) {
      if (s.name().equals(name) || s.figures().contains(name)) return s.name();
    }
    return null;
  }
}
