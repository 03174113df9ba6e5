#!/usr/bin/env bash
# DLRM inference benchmark, one command: Spark Fusion's CPU path vs PyTorch (Debian python3-torch) on this
# machine, same inputs and thread count, side by side in one run. Writes docs/benchmarks/dlrm.md and
# docs/benchmarks/img/dlrm-*.png.
#
#   dev/bench-dlrm.sh                 # THREADS=2 by default; SPARKFUSION_SKIP_BUILD=1 skips the Maven build
#   dev/bench-dlrm.sh gather          # only section (i) on the Java side, printed (no report), after one full run
#   dev/bench-dlrm.sh e2e             # only section (ii) on the Java side, printed (no report), after one full run
#
# Needs: JDK 17, Maven, /usr/bin/python3 with python3-torch + python3-numpy, and libopenblas0-pthread so that
# PyTorch's BLAS is OpenBLAS (the reference BLAS is ~20x slower at matrix products).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${THREADS:-2}"
WORK="${BENCH_DIR:-$ROOT/spark-dlrm/target/bench}"
PY=/usr/bin/python3

"$PY" -c 'import torch, numpy' 2>/dev/null || { echo "needs Debian python3-torch and python3-numpy: apt-get install -y python3-torch python3-numpy libopenblas0-pthread" >&2; exit 1; }
case "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)" in
  *openblas*) ;;
  *) echo "warning: libblas.so.3 is not OpenBLAS; install libopenblas0-pthread for a fair PyTorch baseline" >&2 ;;
esac

cd "$ROOT"
if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl sparkfusion-bench -am install -DskipTests
fi
mvn -B -q -pl sparkfusion-bench dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$WORK.cp" >/dev/null
CP="$ROOT/sparkfusion-bench/target/classes:$ROOT/spark-dlrm/target/classes:$(cat "$WORK.cp")"
JAVA=(java -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
  -Dlog4j2.configurationFile="$ROOT/bin/log4j2-cli.properties" -Xmx6g -cp "$CP")
# Huge pages for the JVM heap when the kernel leaves THP to madvise (bin/sparkfusion does the same for jobs).
grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null && JAVA+=(-XX:+UseTransparentHugePages)

mkdir -p "$WORK"
if [[ "${1:-}" == gather ]]; then
  exec "${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench gather "$WORK" "$THREADS" "${2:-}"
fi
if [[ "${1:-}" == e2e ]]; then
  exec "${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench e2e "$WORK" "$THREADS"
fi
echo "== prepare inputs in $WORK"
"${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench prepare "$WORK"
echo "== PyTorch ($THREADS threads)"
OMP_NUM_THREADS="$THREADS" "$PY" "$ROOT/spark-dlrm/src/test/python/bench_torch.py" "$WORK" "$THREADS"
echo "== native C reference for the large uniform gather ($THREADS threads)"
if command -v gcc >/dev/null && gcc -O3 -march=native -pthread "$ROOT/dev/native/gather_limit.c" -o "$WORK/gather_limit"; then
  "$WORK/gather_limit" "$THREADS" | tee "$WORK/native_limit.txt"
else
  rm -f "$WORK/native_limit.txt"; echo "no gcc: the report will lack the native reference" >&2
fi
echo "== Spark Fusion ($THREADS threads) and report"
# DlrmBench reruns PyTorch's sections right after its own (best PyTorch figure kept).
SPARKFUSION_BENCH_TORCH="$PY $ROOT/spark-dlrm/src/test/python/bench_torch.py" OMP_NUM_THREADS="$THREADS" \
  "${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench report "$WORK" "$ROOT/docs/benchmarks/dlrm.md" "$ROOT/docs/benchmarks/img" "$THREADS"
