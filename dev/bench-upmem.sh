#!/usr/bin/env bash
# UPMEM embedding backend benchmark: writes docs/benchmarks/upmem.md and docs/benchmarks/img/upmem-*.png.
# Usage: dev/bench-upmem.sh [ROW_CAP]   (tables capped at ROW_CAP rows, default 2000000; about 15 minutes)
# BENCH_BUILD_DEPS=0 skips installing spark-dlrm (and its dependencies) first and uses what ~/.m2 holds, offline.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${BENCH_BUILD_DEPS:-1}" = "1" ]; then
  mvn -B -q -pl spark-dlrm,native-upmem -am install -DskipTests
  OFFLINE=""
else
  OFFLINE="-o"
fi
mvn -B -q $OFFLINE -pl native-upmem test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -Dmdep.includeScope=test
CP="native-upmem/target/test-classes:native-upmem/target/classes:$(cat native-upmem/target/bench.classpath)"
java -Xmx${BENCH_HEAP:-4g} -Djava.awt.headless=true -cp "$CP" org.sparkfusion.upmem.UpmemBenchmark "$ROOT" "${1:-2000000}"
