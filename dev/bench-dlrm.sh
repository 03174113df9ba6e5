#!/usr/bin/env bash
# DLRM inference benchmark, one command: Spark Fusion's CPU path against the strongest PyTorch a user would pick,
# side by side, in alternating rounds, every round kept as raw JSON; then the report from the JSON alone.
#
#   dev/bench-dlrm.sh              # set up the baselines' venvs, prepare inputs, ROUNDS (5) rounds, report
#   dev/bench-dlrm.sh report       # only regenerate docs/benchmarks/dlrm.md, plots and summary.json from the JSON
#
# Each round runs, one after the other on the same inputs and THREADS (2) threads: ours (a fresh JVM), PyTorch
# (newest torch from PyPI: nn.EmbeddingBag per table and all tables in one, eager, jit.freeze, torch.compile), and
# PyTorch + FBGEMM (fbgemm-gpu-cpu and the torch it is built against: table-batched embedding bags); the order of the
# three rotates from round to round so that no side always runs first after a quiet spell. Then the memory ceiling
# (dev/native/mem_limit.c on the same index files). Raw JSON: docs/benchmarks/data/dlrm/<run id>/.
# Huge pages: both sides on (JVM -XX:+UseTransparentHugePages, PyTorch's glibc malloc with glibc.malloc.hugetlb=1, the
# probe with madvise); each JSON records the AnonHugePages its process held. HUGE_PAGES=0 turns all of them off.
#
# Needs: JDK 17, Maven, gcc, python3 with venv, network to PyPI (the first run downloads ~5 GB: the Linux torch
# wheels pull their CUDA packages, unused here). SPARKFUSION_SKIP_BUILD=1 skips the Maven build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-5}"
HUGE_PAGES="${HUGE_PAGES:-1}"
WORK="${BENCH_DIR:-$ROOT/spark-dlrm/target/bench}"
DATA="${BENCH_DATA:-$ROOT/docs/benchmarks/data/dlrm}"
VENVS="${BENCH_VENVS:-$ROOT/target}"
# Pinned so that a rerun measures the same baselines; fbgemm-gpu-cpu 1.9.0 is built against torch 2.14 (its
# loader refuses torch 2.15: undefined symbol), hence the second venv.
TORCH_NEWEST=2.15.0
FBGEMM=1.9.0
TORCH_FOR_FBGEMM=2.14.1

venv() {  # venv DIR PACKAGES...
  local dir="$1"; shift
  if [[ ! -f "$dir/.ready-$(echo "$*" | tr ' =' '_-')" ]]; then
    echo "== setting up $dir: $*"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$@" numpy matplotlib
    touch "$dir/.ready-$(echo "$*" | tr ' =' '_-')"
  fi
}

report() {
  local py="$VENVS/bench-venv-torch/bin/python"
  [[ -x "$py" ]] || py=python3
  "$py" "$ROOT/dev/bench/dlrm_report.py" "$DATA" "${BENCH_REPORT:-$ROOT/docs/benchmarks/dlrm.md}" \
    "${BENCH_IMG:-$ROOT/docs/benchmarks/img}"
}
if [[ "${1:-}" == report ]]; then
  report
  exit 0
fi

venv "$VENVS/bench-venv-torch" "torch==$TORCH_NEWEST"
venv "$VENVS/bench-venv-fbgemm" "torch==$TORCH_FOR_FBGEMM" "fbgemm-gpu-cpu==$FBGEMM"

cd "$ROOT"
if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl sparkfusion-bench -am install -DskipTests
fi
mkdir -p "$WORK"
mvn -B -q -o -pl sparkfusion-bench dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="$ROOT/sparkfusion-bench/target/classes:$ROOT/spark-dlrm/target/classes:$(cat "$WORK/cp.txt")"
JAVA=(java -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
  -Dlog4j2.configurationFile="$ROOT/bin/log4j2-cli.properties" -Xmx6g -cp "$CP")
# PyTorch also measures batches 256 and 8192 (its best batch size is reported beside the fixed-batch cells).
TORCH_ENV=(env OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" BENCH_TORCH_SWEEP="${BENCH_TORCH_SWEEP-256,8192}")
if [[ "$HUGE_PAGES" == 1 ]]; then
  JAVA+=(-XX:+UseTransparentHugePages)
  TORCH_ENV+=(GLIBC_TUNABLES=glibc.malloc.hugetlb=1)
fi
gcc -O3 -march=native -pthread "$ROOT/dev/native/mem_limit.c" -o "$WORK/mem_limit"

echo "== prepare inputs in $WORK"
"${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench prepare "$WORK"

RUN="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$DATA/$RUN"
mkdir -p "$OUT"
python3 - "$OUT/machine.json" "$THREADS" "$ROUNDS" "$HUGE_PAGES" "$(git -C "$ROOT" rev-parse HEAD)" \
  "$(git -C "$ROOT" status --porcelain --untracked-files=no | wc -l)" <<'EOF'
import json, os, platform, sys
out, threads, rounds, huge, commit, dirty = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo") if l.startswith("flags")), [])
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()
json.dump({"cpu": cpu, "logical_cores": os.cpu_count(), "mem_gib": round(mem / 2**20, 1), "kernel": platform.release(),
           "avx512f": "avx512f" in flags, "avx2": "avx2" in flags, "thp": thp, "threads": int(threads),
           "rounds": int(rounds), "huge_pages": huge == "1", "commit": commit, "dirty_tracked_files": int(dirty),
           "loadavg_at_start": open("/proc/loadavg").read().split()[:3]}, open(out, "w"), indent=1)
EOF

SIDES=(ours torch fbgemm)
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < 3; k++)); do
    side="${SIDES[$(( (k + r - 1) % 3 ))]}"
    echo "== round $r/$ROUNDS: $side ($(cut -d' ' -f1-3 /proc/loadavg))"
    case "$side" in
      ours) "${JAVA[@]}" org.sparkfusion.dlrm.DlrmBench round "$WORK" "$OUT/round-$r-ours.json" "$THREADS" "$r" ;;
      torch) "${TORCH_ENV[@]}" "$VENVS/bench-venv-torch/bin/python" "$ROOT/dev/bench/dlrm_torch.py" "$WORK" \
               "$OUT/round-$r-torch.json" "$THREADS" "$r" ;;
      fbgemm) "${TORCH_ENV[@]}" "$VENVS/bench-venv-fbgemm/bin/python" -W ignore "$ROOT/dev/bench/dlrm_torch.py" "$WORK" \
               "$OUT/round-$r-fbgemm.json" "$THREADS" "$r" 2> >(grep -v -e '^ *$' -e 'FBGEMM_GPU version' -e 'compatible with PyTorch' -e 'library loading' -e 'Please refer' -e 'docs.pytorch.org' -e 'compatibility table' -e '\[0m' -e '\[31m' -e 'WARNING:root' >&2) ;;
    esac
  done
  echo "== round $r/$ROUNDS: memory ceiling"
  python3 - "$WORK" "$THREADS" "$WORK/mem_limit" "$OUT/round-$r-limit.json" "$HUGE_PAGES" <<'EOF'
import json, os, subprocess, sys
work, threads, exe, out, huge = sys.argv[1:]
env = dict(os.environ, **({} if huge == "1" else {"MEM_LIMIT_NO_HUGE_PAGES": "1"}))
meta = json.load(open(work + "/meta.json"))
res = {"side": "limit", "huge_pages": huge == "1", "cases": {}}
for c in meta["gather"]:
    argv = [exe, work + "/" + c["file"]] + [str(c[k]) for k in ("tables", "rows", "dim", "bags", "pooling", "batches")] + [threads]
    res["cases"][c["name"]] = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout)
    print("limit %-34s %s" % (c["name"], res["cases"][c["name"]]), flush=True)
json.dump(res, open(out, "w"), indent=1)
EOF
done
echo "== raw rounds in $OUT"
report
