#!/usr/bin/env bash
# Spark resource discovery script for the custom resource "upmem" (one address per DPU rank):
#   spark.{worker,executor}.resource.upmem.discoveryScript=/path/to/native-upmem/bin/discover-upmem.sh
# Prints {"name":"upmem","addresses":["0","1",...]}.
#
#  - On an UPMEM server: one address per /dev/dpu_rank<N> device (the address is N).
#  - Elsewhere: SPARKFUSION_UPMEM_EMULATED_RANKS=K reports K emulated ranks "0".."K-1" (for the upmem-emu backend).
#  - SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR=M makes each invocation claim M ranks that no live process holds, so
#    several workers or executors on one host get disjoint ranks. Claims live in SPARKFUSION_UPMEM_CLAIM_DIR
#    (default /tmp/sparkfusion-upmem-claims-$UID), one file per rank holding the claiming process id (the JVM that
#    ran this script); claims of processes that have exited are taken over.
set -euo pipefail

ranks=()
for dev in /dev/dpu_rank*; do
  [ -e "$dev" ] && ranks+=("${dev#/dev/dpu_rank}")
done
if [ ${#ranks[@]} -eq 0 ]; then
  n="${SPARKFUSION_UPMEM_EMULATED_RANKS:-0}"
  if ! [[ "$n" =~ ^[0-9]+$ ]]; then
    echo "discover-upmem.sh: SPARKFUSION_UPMEM_EMULATED_RANKS='$n' is not a whole number" >&2
    exit 1
  fi
  for ((i = 0; i < n; i++)); do ranks+=("$i"); done
fi

per="${SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR:-}"
if [ -n "$per" ]; then
  if ! [[ "$per" =~ ^[1-9][0-9]*$ ]]; then
    echo "discover-upmem.sh: SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR='$per' is not a positive number" >&2
    exit 1
  fi
  dir="${SPARKFUSION_UPMEM_CLAIM_DIR:-/tmp/sparkfusion-upmem-claims-$(id -u)}"
  mkdir -p "$dir"
  owner="$PPID"
  exec 9>"$dir/.lock"
  flock 9
  claimed=()
  for r in "${ranks[@]}"; do
    [ ${#claimed[@]} -ge "$per" ] && break
    f="$dir/rank$r"
    if [ -f "$f" ]; then
      holder="$(cat "$f" 2>/dev/null || true)"
      if [[ "$holder" =~ ^[0-9]+$ ]] && kill -0 "$holder" 2>/dev/null; then
        continue
      fi
    fi
    echo "$owner" > "$f"
    claimed+=("$r")
  done
  ranks=("${claimed[@]+"${claimed[@]}"}")
fi

out='{"name":"upmem","addresses":['
sep=''
for r in "${ranks[@]+"${ranks[@]}"}"; do
  out+="$sep\"$r\""
  sep=','
done
echo "$out]}"
