package dev.overseer.bench;

import java.util.List;

/** One benchmark scenario: the figures it prints, and how it measures them on a running Overseer. */
interface Scenario {
  String name();

  /** The figure names it prints (each exactly once; the driver prints "unsupported" for any it did not). */
  List<String> figures();

  void run(Bench bench) throws Exception;
}
