#!/usr/bin/env bash
# The Overseer benchmark: starts Overseer as a real process (embedded PostgreSQL in a fresh temporary
# directory, or OVERSEER_DB_URL), runs the scenarios, prints one name=value line per figure on stdout;
# progress on stderr. Builds what is missing first. See --help.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/bench.sh [--quick] [--only SCENARIO,...] [--tasks N] [--keep]
  --quick          every scenario small (about 2 minutes in all); the full run takes about 10-15 minutes
  --only LIST      run only these scenarios (or the scenarios of these figures), comma-separated
  --tasks N        tasks of the lifecycle and drain runs (default 20000; --quick 2000)
  --keep           keep the temporary work directory (generated config, Overseer's logs, data)
  -h, --help       this text

scenarios, in the order they run, and their figures:
  first_completion   first_completion_ms (client: POST -> succeeded on the WebSocket stream, median of 20)
  submit             submit_per_s (32 clients, single POST), submit_batch_per_s (4 clients, 1000 per request)
  lifecycle          lifecycle_tasks_per_s (noop, first submit -> last succeeded), sql_txns_per_task
  drain              drain_tasks_per_s (noop, submitted paused; resume -> last succeeded)
  dispatch_latency   dispatch_latency_p50_ms, dispatch_latency_p99_ms (100 tasks/s, created_at -> started_at)
  kill               kill_latency_p50_ms, kill_latency_p99_ms (requested -> SIGTERM), forced_kill_ms
  heartbeat          agents_heartbeating, supervisor_cpu_pct, heartbeat_detection_ms_p99
  crash              crash_recovery_s, crash_lost, crash_duplicated (kill -9 mid-run, restart)
First come the environment lines: cores, java, postgres_version, postgres_fsync,
postgres_synchronous_commit, postgres_shared_buffers, db (embedded or external), host_loadavg (other
work on the machine skews every figure), mode, heartbeat_interval_ms, missed_heartbeats_limit,
lease_ttl_s. Extra figures: first_completion_server_ms (created_at -> finished_at),
heartbeat_detection_ms_p50, kill_receipts_without_signal, crash_resumed_s (restart -> every attempt the
crash cut off running again), crash_restart_ready_s, crash_interrupted.
A figure that cannot be measured prints "unsupported" (the reason goes to stderr).

environment:
  OVERSEER_DB_URL     postgresql://user:pass@host:port/db: run on this server instead of the embedded one
                      (the database is created if missing, used as it is otherwise)
  OVERSEER_JAVA_OPTS  JVM options for Overseer
  BENCH_JAVA_OPTS     JVM options for the bench driver
Exit status: 0 when every scenario ran, 1 when one failed, 2 for bad arguments.
USAGE
}

# check the arguments before building anything (the driver checks them again, with the scenario names)
expect_value=
for arg in "$@"; do
  if [ -n "$expect_value" ]; then expect_value=; continue; fi
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --quick|--keep) ;;
    --only|--tasks|--jar) expect_value=1 ;;
    *) echo "bench: unknown argument $arg" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$expect_value" ]; then echo "bench: the last option needs a value" >&2; exit 2; fi

jar=target/overseer.jar
if [ ! -f "$jar" ] || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "bench: building Overseer (mvn package)..." >&2
  mvn -B -q -DskipTests package >&2
fi
driver=target/test-classes/dev/overseer/bench/Bench.class
if [ ! -f "$driver" ] || [ -n "$(find src/test/java/dev/overseer/bench pom.xml -newer "$driver" -print -quit 2>/dev/null)" ]; then
  echo "bench: compiling the bench driver (mvn test-compile)..." >&2
  mvn -B -q test-compile >&2
fi
classpath=target/bench-classpath.txt
if [ ! -s "$classpath" ] || [ pom.xml -nt "$classpath" ]; then
  echo "bench: resolving the driver's classpath (mvn dependency:build-classpath)..." >&2
  mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath" >&2
fi

# The driver runs as "java @ARGFILE": the same command, but a command line that does not name overseer,
# so that a broad "pkill -f overseer" by someone else on a shared machine does not stop the bench.
argfile=$(mktemp "${TMPDIR:-/tmp}/bench-args.XXXXXX")
quote() { local a=${1//\\/\\\\}; printf '"%s"\n' "${a//\"/\\\"}"; }
{
  # shellcheck disable=SC2086
  for opt in ${BENCH_JAVA_OPTS:-}; do quote "$opt"; done
  quote "-Dbench.argfile=$argfile"
  quote -cp
  quote "$PWD/target/test-classes:$(cat "$classpath")"
  quote dev.overseer.bench.Bench
  for arg in "$@"; do quote "$arg"; done
} > "$argfile"
exec java "@$argfile"
