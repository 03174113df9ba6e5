#!/usr/bin/env bash
# dagtrain benchmark: builds spark-dagtrain, then runs org.sparkfusion.dagtrain.DagTrainBench, which trains
# gpt-tiny for every setting side by side and writes docs/benchmarks/dagtrain.md and
# docs/benchmarks/img/dagtrain-*.png. Extra arguments go to the benchmark (e.g. --steps 30 --profiles 8mbit,1gbit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl spark-dagtrain install -DskipTests
fi
CP_FILE="$ROOT/spark-dagtrain/target/bench-classpath.txt"
mvn -B -q -pl spark-dagtrain dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
FLAGS=$(sed -n 's:.*<spark.test.jvm.flags>\(.*\)</spark.test.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
# shellcheck disable=SC2086
exec java $FLAGS -Xmx3g -cp "$ROOT/spark-dagtrain/target/classes:$(cat "$CP_FILE")" \
  org.sparkfusion.dagtrain.DagTrainBench --out docs/benchmarks/dagtrain.md --img docs/benchmarks/img \
  --command "dev/bench-dagtrain.sh $*" "$@"
