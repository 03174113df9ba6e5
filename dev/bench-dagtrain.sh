#!/usr/bin/env bash
# dagtrain benchmark: builds spark-dagtrain, then runs org.sparkfusion.dagtrain.DagTrainBench, which trains
# gpt-tiny for every setting side by side and writes docs/benchmarks/dagtrain.md and
# docs/benchmarks/img/dagtrain-*.png. Extra arguments go to the benchmark (e.g. --steps 30 --profiles 8mbit,1gbit).
#
# dev/bench-dagtrain.sh --kernels-against COMMIT [--model gpt-wide] [--rounds 3] [--passes 40]: compute kernels of
# this working tree against COMMIT's, side by side: compiles COMMIT's spark-dagtrain main sources (git archive, no
# checkout) and times one-process forward+backward of one micro-batch (KernelTiming, a test-tree harness) with either
# set of classes, alternating old and new for --rounds rounds (this VM's speed moves within minutes). Prints every
# round and the ratio of the best thread-CPU medians; writes nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${1:-}" == --kernels-against ]]; then
  BASE="${2:?--kernels-against needs a commit}"; shift 2
  MODEL=gpt-wide; ROUNDS=3; PASSES=40
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --model) MODEL="$2"; shift 2 ;;
      --rounds) ROUNDS="$2"; shift 2 ;;
      --passes) PASSES="$2"; shift 2 ;;
      *) echo "--kernels-against: unknown option '$1' (expected --model, --rounds, --passes)" >&2; exit 2 ;;
    esac
  done
  SHA=$(git rev-parse --short "$BASE^{commit}")
  mvn -B -q -pl sparkfusion-bench -am install -DskipTests
  CP_FILE="$ROOT/sparkfusion-bench/target/bench-classpath.txt"
  mvn -B -q -pl sparkfusion-bench dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
  OLD="$ROOT/spark-dagtrain/target/kernels-$SHA"
  rm -rf "$OLD" && mkdir -p "$OLD/src" "$OLD/classes"
  git archive "$SHA" spark-dagtrain/src/main | tar -x -C "$OLD/src"
  javac -nowarn -d "$OLD/classes" -cp "$(cat "$CP_FILE")" $(find "$OLD/src" -name '*.java') 2>/dev/null
  cp -r "$OLD/src/spark-dagtrain/src/main/resources/." "$OLD/classes/" 2>/dev/null || true
  echo "kernels of the working tree (HEAD $(git rev-parse --short HEAD)) vs $SHA, $MODEL, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
  T="$ROOT/sparkfusion-bench/target/classes"  # KernelTiming; the dagtrain classes under test come next on the path
  best_old=""; best_new=""
  for r in $(seq "$ROUNDS"); do
    for v in old new; do
      if [[ $v == old ]]; then C="$OLD/classes"; L="$SHA"; else C="$ROOT/spark-dagtrain/target/classes"; L="new"; fi
      line=$(java -Xmx2g -cp "$T:$C:$(cat "$CP_FILE")" org.sparkfusion.dagtrain.KernelTiming "$MODEL" "$PASSES" "round $r $L" 2>/dev/null | tail -1)
      echo "$line"
      med=$(sed -n 's/.*cpu median \([0-9.]*\) ms.*/\1/p' <<<"$line")
      if [[ $v == old ]]; then best_old=$(awk -v a="$best_old" -v b="$med" 'BEGIN{print (a==""||b<a)?b:a}');
      else best_new=$(awk -v a="$best_new" -v b="$med" 'BEGIN{print (a==""||b<a)?b:a}'); fi
    done
  done
  awk -v o="$best_old" -v n="$best_new" -v s="$SHA" 'BEGIN{printf "best cpu median: %s %.1f ms, new %.1f ms: %.2fx faster\n", s, o, n, o/n}'
  exit 0
fi
if [[ "${1:-}" == protocol ]]; then
  # dev/bench-dagtrain.sh protocol run [--profiles 8mbit-100ms,...] [--rounds 5] [--first-round R] [--arms a,b]:
  #   trains every arm until the target loss or the budget on a 3-executor local-cluster and keeps each run as raw
  #   JSON under docs/benchmarks/data/dagtrain/, then rebuilds the report;
  # dev/bench-dagtrain.sh protocol report: rebuilds docs/benchmarks/dagtrain.md, its plots and summary.json from
  #   the raw runs alone (DagTrainProtocol; --help lists the options).
  shift
  if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
    mvn -B -q -pl sparkfusion-bench -am install -DskipTests
  fi
  CP_FILE="$ROOT/sparkfusion-bench/target/bench-classpath.txt"
  mvn -B -q -pl sparkfusion-bench dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
  CP="$ROOT/sparkfusion-bench/target/classes:$ROOT/spark-dagtrain/target/classes:$(cat "$CP_FILE")"
  # local-cluster starts its executor JVMs through Spark's launcher: a SPARK_HOME with jars/ and the classpath
  export SPARK_HOME="$ROOT/sparkfusion-bench/target/spark-home"
  mkdir -p "$SPARK_HOME/jars" && echo "Spark home for the dagtrain protocol benchmark" > "$SPARK_HOME/RELEASE"
  export SPARK_SCALA_VERSION=2.13 SPARK_DIST_CLASSPATH="$CP"
  FLAGS=$(sed -n 's:.*<spark.test.jvm.flags>\(.*\)</spark.test.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
  # the commit of the code that trains (the last one that changed spark-dagtrain or spark-common sources), so rounds
  # run in different sessions count as one commit as long as that code did not change; -dirty if it differs from it
  COMMIT=$(git log -1 --format=%h -- spark-dagtrain/src/main spark-common/src/main)$(git diff --quiet HEAD -- \
    spark-dagtrain/src/main spark-common/src/main sparkfusion-bench/src/main || echo "-dirty")
  # shellcheck disable=SC2086
  exec java $FLAGS -Xmx3g -cp "$CP" org.sparkfusion.dagtrain.DagTrainProtocol --commit "$COMMIT" \
    --command "dev/bench-dagtrain.sh protocol $*" "$@"
fi
if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl sparkfusion-bench -am install -DskipTests
fi
CP_FILE="$ROOT/sparkfusion-bench/target/bench-classpath.txt"
mvn -B -q -pl sparkfusion-bench dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
FLAGS=$(sed -n 's:.*<spark.test.jvm.flags>\(.*\)</spark.test.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
# shellcheck disable=SC2086
exec java $FLAGS -Xmx3g -cp "$ROOT/sparkfusion-bench/target/classes:$ROOT/spark-dagtrain/target/classes:$(cat "$CP_FILE")" \
  org.sparkfusion.dagtrain.DagTrainBench --out docs/benchmarks/dagtrain.md --img docs/benchmarks/img \
  --command "dev/bench-dagtrain.sh $*" "$@"
