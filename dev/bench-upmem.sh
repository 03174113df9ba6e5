#!/usr/bin/env bash
# UPMEM embedding backend benchmark (docs/benchmarks/upmem.md, docs/benchmarks/img/upmem-*.png,
# docs/benchmarks/data/upmem/summary.json).
#
#   dev/bench-upmem.sh run [ROW_CAP] [ROUNDS]   measure: raw JSON of every round under docs/benchmarks/data/upmem/RUN_ID/,
#                                               then the report (tables capped at ROW_CAP rows, default 2000000;
#                                               ROUNDS >= 5, default 5; about 10 minutes on 2 cores)
#   dev/bench-upmem.sh report [RUN_ID]          regenerate the report, plots and summary.json from the JSON alone
#                                               (default: the latest run)
#
# Run it under the shared build lock so that nothing else runs beside the measurement:
#   flock /tmp/sparkfusion-build.lock dev/bench-upmem.sh run
# It builds native-upmem's test classes offline against the spark-dlrm artifacts in ~/.m2 (mvn -o test-compile);
# BENCH_BUILD_DEPS=1 installs spark-dlrm and its dependencies from this checkout first (not on shared machines).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE="${1:-run}"
case "$MODE" in
  run|report) shift || true ;;
  *) echo "usage: dev/bench-upmem.sh run [ROW_CAP] [ROUNDS] | report [RUN_ID]" >&2; exit 2 ;;
esac
if [ "${BENCH_BUILD_DEPS:-0}" = "1" ]; then
  mvn -B -q -pl spark-dlrm -am install -DskipTests
fi
mvn -B -q -o -pl native-upmem test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
  -Dmdep.includeScope=test
CP="native-upmem/target/test-classes:native-upmem/target/classes:$(cat native-upmem/target/bench.classpath)"
if [ "$MODE" = "run" ]; then
  exec java -Xmx${BENCH_HEAP:-6g} -Djava.awt.headless=true -cp "$CP" org.sparkfusion.upmem.UpmemBenchmark run "$ROOT" \
    "${1:-2000000}" "${2:-5}"
else
  exec java -Xmx1g -Djava.awt.headless=true -cp "$CP" org.sparkfusion.upmem.UpmemBenchmark report "$ROOT" ${1:+"$1"}
fi
