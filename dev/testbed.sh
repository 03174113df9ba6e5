#!/usr/bin/env bash
# Slow-link testbed for spark-dagtrain: Linux network namespaces ("sites") joined through a host bridge by
# veth pairs, every site-to-site direction shaped with tc (htb rate + netem delay), a Spark standalone Master
# on the host side of the bridge and one Worker (1 core) inside each site. Namespace addresses only.
#
#   dev/testbed.sh up [--sites N] [--links SPEC] [--delay 5ms] [--worker-memory 2g] [--cpus C0,C1,..] [--cpu-period-us 100000]
#                                                                                     prints the master URL
#   dev/testbed.sh shape --links SPEC [--delay 5ms]                                     re-shapes running sites
#   dev/testbed.sh status | down
#
# SPEC lists site pairs and rates, e.g. "0-1:1gbit,0-2:8mbit,1-2:8mbit" (default); unlisted pairs get 10gbit.
# The Spark runtime is $SPARKFUSION_RUNTIME (a directory with jars/ and optionally sparkfusion/), by default
# sparkfusion-dist/target/spark-runtime. Needs root, iproute2 (ip, tc) and Java 17.
# --cpus gives each site's Worker (and the executors it starts) its own CPU capacity in cores, e.g. 1,0.5,0.25:
# a cgroup (v2 cpu.max, or v1 cpu.cfs_quota_us) per site, so sites compute at different speeds like the
# heterogeneous devices of a real multi-site deployment. Without it every site may use all cores.
# --cpu-period-us is the CFS period of that cap (default 100000 us, the kernel's): within each period a capped site
# runs at full speed until its quota is spent, then stalls for the rest of it (up to (1 - share) x period); a shorter
# period makes the site slow more evenly, like a slower device (docs/benchmarks/dagtrain.md compares 10 ms).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SPARKFUSION_TESTBED_DIR:-/tmp/sparkfusion-testbed}"
RUNTIME="${SPARKFUSION_RUNTIME:-$ROOT/sparkfusion-dist/target/spark-runtime}"
BRIDGE=sfbr0
NET=10.77.0
MASTER_PORT=7177
SITES=3
LINKS="0-1:1gbit,0-2:8mbit,1-2:8mbit"
DELAY=5ms
WORKER_MEM=2g
CPUS=""
CPU_PERIOD_US=100000

die() { echo "testbed: $*" >&2; exit 1; }
need_root() { [[ $(id -u) == 0 ]] || die "needs root (network namespaces)"; command -v tc >/dev/null || die "needs iproute2 (apt-get install iproute2)"; }
site_ip() { echo "$NET.$((10 + $1))"; }

parse() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --sites) SITES="$2"; shift 2 ;;
      --links) LINKS="$2"; shift 2 ;;
      --delay) DELAY="$2"; shift 2 ;;
      --worker-memory) WORKER_MEM="$2"; shift 2 ;;
      --cpus) CPUS="$2"; shift 2 ;;
      --cpu-period-us) CPU_PERIOD_US="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ "$CPU_PERIOD_US" =~ ^[0-9]+$ && "$CPU_PERIOD_US" -ge 1000 && "$CPU_PERIOD_US" -le 1000000 ]] \
    || die "--cpu-period-us must be 1000..1000000 (microseconds)"
  [[ "$SITES" =~ ^[0-9]+$ && "$SITES" -ge 2 && "$SITES" -le 8 ]] || die "--sites must be 2..8"
  if [[ -n "$CPUS" ]]; then
    IFS=',' read -ra CPU_LIST <<< "$CPUS"
    [[ ${#CPU_LIST[@]} == "$SITES" ]] || die "--cpus needs one value per site ($SITES), got '$CPUS'"
    local c
    for c in "${CPU_LIST[@]}"; do
      [[ "$c" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v c="$c" 'BEGIN { exit !(c >= 0.01) }' || die "--cpus: '$c' is not a core count >= 0.01"
    done
  fi
}

cgroup_dir() { # cpu cgroup directory of site $1 (v2 if mounted as the unified root, else v1 cpu controller)
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then echo "/sys/fs/cgroup/sparkfusion-site$1"
  else echo "/sys/fs/cgroup/cpu/sparkfusion-site$1"; fi
}

limit_cpu() { # put pid $2 (site $1's Worker) into a cgroup capped at CPU_LIST[$1] cores
  local i=$1 pid=$2 dir quota period
  dir=$(cgroup_dir "$i")
  # the kernel's smallest quota is 1 ms, so a very small share gets a longer period
  read -r quota period < <(awk -v c="${CPU_LIST[$i]}" -v p="$CPU_PERIOD_US" \
    'BEGIN { if (c * p < 1000) p = int(1000 / c + 0.999); printf "%d %d\n", c * p, p }')
  mkdir -p "$dir" || die "cannot create cgroup $dir (is the cpu controller mounted and writable?)"
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu > /sys/fs/cgroup/cgroup.subtree_control
    echo "$quota $period" > "$dir/cpu.max"
  else
    echo "$period" > "$dir/cpu.cfs_period_us"
    echo "$quota" > "$dir/cpu.cfs_quota_us"
  fi
  echo "$pid" > "$dir/cgroup.procs"
}

rate_of() { # rate for the pair $1-$2 from LINKS
  local a=$1 b=$2 entry pair rate
  IFS=',' read -ra entries <<< "$LINKS"
  for entry in "${entries[@]}"; do
    pair="${entry%%:*}"; rate="${entry##*:}"
    if [[ "$pair" == "$a-$b" || "$pair" == "$b-$a" ]]; then echo "$rate"; return; fi
  done
  echo 10gbit
}

shape_site() { # (re)install egress shaping in site $1
  local i=$1 dev="sfn$1" j rate
  ip netns exec "sfsite$i" tc qdisc del dev "$dev" root 2>/dev/null || true
  ip netns exec "sfsite$i" tc qdisc add dev "$dev" root handle 1: htb default 99 r2q 100000
  ip netns exec "sfsite$i" tc class add dev "$dev" parent 1: classid 1:99 htb rate 10gbit
  for ((j = 0; j < SITES; j++)); do
    [[ $j == "$i" ]] && continue
    rate=$(rate_of "$i" "$j")
    ip netns exec "sfsite$i" tc class add dev "$dev" parent 1: classid "1:$((10 + j))" htb rate "$rate" ceil "$rate"
    if ! ip netns exec "sfsite$i" tc qdisc add dev "$dev" parent "1:$((10 + j))" handle "$((100 + j)):" \
        netem delay "$DELAY" limit 100000 2>/dev/null; then
      [[ -n "${NETEM_WARNED:-}" ]] || echo "testbed: netem unavailable in this kernel: rates are shaped, delay $DELAY is not applied" >&2
      NETEM_WARNED=1
    fi
    ip netns exec "sfsite$i" tc filter add dev "$dev" protocol ip parent 1: prio 1 u32 \
      match ip dst "$(site_ip "$j")/32" flowid "1:$((10 + j))"
  done
}

classpath() { echo "$RUNTIME/jars/*:$RUNTIME/sparkfusion/*"; }

flags=(-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true)

up() {
  need_root
  parse "$@"
  [[ -d "$RUNTIME/jars" ]] || die "no Spark runtime at $RUNTIME (set SPARKFUSION_RUNTIME or build it with bin/sparkfusion build)"
  [[ -e "$STATE/master.pid" ]] && die "already up (dev/testbed.sh down first)"
  mkdir -p "$STATE"
  echo "$SITES" > "$STATE/sites"
  cat > "$STATE/log4j2.properties" <<'PROPS'
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n
PROPS
  flags+=("-Dlog4j2.configurationFile=$STATE/log4j2.properties")
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for ((i = 0; i < SITES; i++)); do
    ip netns add "sfsite$i"
    ip link add "sfh$i" type veth peer name "sfn$i"
    ip link set "sfn$i" netns "sfsite$i"
    ip link set "sfh$i" master "$BRIDGE"
    ip link set "sfh$i" up
    ip netns exec "sfsite$i" ip addr add "$(site_ip "$i")/24" dev "sfn$i"
    ip netns exec "sfsite$i" ip link set "sfn$i" up
    ip netns exec "sfsite$i" ip link set lo up
    shape_site "$i"
  done
  # Master on the host side of the bridge.
  SPARK_HOME="$RUNTIME" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP="$NET.1" \
    nohup java "${flags[@]}" -Xmx512m -cp "$(classpath)" org.apache.spark.deploy.master.Master \
      --host "$NET.1" --port "$MASTER_PORT" --webui-port 0 > "$STATE/master.log" 2>&1 &
  echo $! > "$STATE/master.pid"
  for ((i = 0; i < SITES; i++)); do
    mkdir -p "$STATE/work$i"
    ip netns exec "sfsite$i" env SPARK_HOME="$RUNTIME" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP="$(site_ip "$i")" \
      SPARK_DIST_CLASSPATH="$RUNTIME/sparkfusion/*" \
      nohup java "${flags[@]}" -Xmx512m -cp "$(classpath)" org.apache.spark.deploy.worker.Worker \
        --host "$(site_ip "$i")" --port 0 --webui-port 0 -c 1 -m "$WORKER_MEM" --work-dir "$STATE/work$i" \
        "spark://$NET.1:$MASTER_PORT" > "$STATE/worker-$i.log" 2>&1 &
    echo $! > "$STATE/worker-$i.pid"
    [[ -z "$CPUS" ]] || limit_cpu "$i" "$!"
  done
  echo "${CPUS:-}" > "$STATE/cpus"
  local n=0 tries
  for ((tries = 0; tries < 90; tries++)); do
    n=$( (grep -l "Successfully registered with master" "$STATE"/worker-*.log 2>/dev/null || true) | wc -l)
    [[ $n -ge $SITES ]] && break
    sleep 2
  done
  [[ $n -ge $SITES ]] || { echo "testbed: only $n of $SITES workers registered; see $STATE/*.log" >&2; down; exit 1; }
  echo "testbed: $SITES sites up, links $LINKS, delay $DELAY, cpus ${CPUS:-unlimited}; driver host for jobs: $NET.1" >&2
  echo "spark://$NET.1:$MASTER_PORT" | tee "$STATE/master-url"
}

shape() {
  need_root
  [[ -f "$STATE/sites" ]] || die "not up"
  SITES=$(cat "$STATE/sites")
  local s=$SITES
  parse "$@"
  SITES=$s
  for ((i = 0; i < SITES; i++)); do shape_site "$i"; done
  echo "testbed: links $LINKS, delay $DELAY" >&2
}

status() {
  [[ -f "$STATE/master-url" ]] || { echo "testbed: down"; return; }
  echo "master $(cat "$STATE/master-url"), cpus per site: $(cat "$STATE/cpus" 2>/dev/null || true)"
  local s; s=$(cat "$STATE/sites")
  for ((i = 0; i < s; i++)); do
    echo "site $i $(site_ip "$i"):"; ip netns exec "sfsite$i" tc -s class show dev "sfn$i" | grep -E "class htb|Sent" | paste - - | awk '{print "  " $0}' | cut -c1-160
  done
}

down() {
  need_root
  local f pid
  for f in "$STATE"/worker-*.pid "$STATE"/master.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # Executors started by the workers live in the namespaces: end them with the namespaces' processes.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^sfsite' || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  for ((i = 0; i < 8; i++)); do
    f=$(cgroup_dir "$i")
    [[ -d "$f" ]] && rmdir "$f" 2>/dev/null || true
  done
  rm -f "$STATE/master-url" "$STATE/sites" "$STATE/cpus"
  echo "testbed: down" >&2
}

case "${1:-}" in
  up) shift; up "$@" ;;
  shape) shift; shape "$@" ;;
  status) status ;;
  down) down ;;
  *) echo "usage: dev/testbed.sh up [--sites N] [--links SPEC] [--delay D] [--cpus C0,C1,..] | shape --links SPEC | status | down" >&2; exit 2 ;;
esac
