#!/usr/bin/env bash
# Samples the resident memory of a process (the FuseFL job JVM, say) from /proc/<pid>/status until it exits:
# one line per sample "seconds VmRSS_MB VmHWM_MB", then a last line "peak VmHWM_MB".
#
#   dev/rss-sample.sh <pid> [interval-seconds, default 5] > rss.txt
#   bin/sparkfusion fusefl ... & dev/rss-sample.sh $! 10     # the launcher execs java, so $! is the JVM
set -euo pipefail
pid="${1:?usage: dev/rss-sample.sh <pid> [interval-seconds]}"
interval="${2:-5}"
start=$(date +%s)
hwm=0
while [[ -r "/proc/$pid/status" ]]; do
  status="$(cat "/proc/$pid/status" 2>/dev/null)" || break
  rss=$(awk '/^VmRSS:/ {print int($2 / 1024)}' <<<"$status")
  h=$(awk '/^VmHWM:/ {print int($2 / 1024)}' <<<"$status")
  [[ -n "$rss" ]] || break
  hwm="$h"
  echo "$(( $(date +%s) - start )) $rss $h"
  sleep "$interval"
done
echo "peak $hwm"
