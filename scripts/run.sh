#!/usr/bin/env bash
# Builds Overseer if needed and starts it. Arguments are passed on (e.g. --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=target/overseer.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "building Overseer (mvn package)..." >&2
  mvn -B -q -DskipTests package >&2
fi
exec java ${OVERSEER_JAVA_OPTS:-} -jar "$jar" "$@"
