#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# faultline-agent benchmarks: the daemon as it runs (build/faultline-agent with
# the default rule pack), next to a private journald and a real faulty disk.
# Prints `BENCH <name> <value> <unit>` lines on stdout, notes on stderr.
#
#   agent_idle_rss_kib, agent_idle_rss_anon_kib, agent_idle_pss_kib,
#   agent_idle_peak_rss_kib (VmHWM, start included),
#   agent_idle_cpu_pct, agent_idle_wakeups_per_s     (over FL_BENCH_IDLE_SECONDS, 60)
#   agent_idle_coordinator_rss_kib, ..._anon_kib,    the same with signed delivery to
#   ..._pss_kib, ..._cpu_pct, ..._wakeups_per_s,      a stand-in coordinator answering
#   ..._peak_rss_kib                                 "started": what the boot's kernel
#                                                    log fired is delivered, libcurl is
#                                                    unloaded after idle_release (3s),
#                                                    then the idle window; the peak
#                                                    (VmHWM) is while it was loaded
#   agent_event_to_decision_p50_us, _p99_us          (real block_rq_errors: dd on
#                                                     a faultyfs loop device)
#   agent_storm_events_per_s, agent_storm_cpu_*,     (BPF_PROG_TEST_RUN on the
#   agent_storm_ringbuf_drops, agent_storm_uncounted  agent's mc_event program)
#   agent_journal_lines_per_s, agent_journal_cpu_us_per_line
#                                                    (kernel-form journal file)
#
# Latency figures come from the agent's own histogram (its metrics file), by
# Prometheus' histogram_quantile() interpolation over the bucket deltas.
# Needs root, BPF, FUSE, loop devices; run through scripts/bench.sh (which
# builds first) or alone after a build. FL_BENCH_* variables shrink the runs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${FL_BUILD_DIR:-$repo/build}
agent=$build/faultline-agent
idle_seconds=${FL_BENCH_IDLE_SECONDS:-60}
disk_reads=${FL_BENCH_DISK_READS:-2000}
storm_events=${FL_BENCH_STORM_EVENTS:-200000}
journal_lines=${FL_BENCH_JOURNAL_LINES:-100000}

note() { echo "bench agent: $*" >&2; }

if [[ ${1:-} != --inside ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        note "needs root (BPF, FUSE, loop devices, a private journald): skipped"
        exit 0
    fi
    cmake --build "$build" --target faultline-agent bench-agent-storm faultyfs -j2 >&2
    # A faulty disk (every sector fails reads), then a private journald.
    exec env FL_FAULTYFS="$build/tests/faultyfs" "$repo/tests/tools/diskfault.sh" run \
        --bad 0-2047 -- "$repo/tests/harness/journal-ns.sh" "$0" --inside
fi

work=$(mktemp -d /tmp/fl-bench-agent.XXXXXX)
pid=
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# ---- helpers ----

# Writes $work/NAME/agent.hcl with the default pack (and extra rule files).
make_agent() {
    local name=$1 extra=$2
    local dir=$work/$name
    mkdir -p "$dir/rules.d" "$dir/state"
    cp "$repo"/rules/rules.d/*.hcl "$dir/rules.d/"
    cat >"$dir/agent.hcl" <<CONF
node { name = "bench-$name" }
rules_dir = "$dir/rules.d"
state_dir = "$dir/state"
metrics_file = "$dir/agent.prom"
$extra
CONF
}

start_agent() {
    local name=$1
    "$agent" --config "$work/$name/agent.hcl" 2>"$work/$name/stderr" &
    pid=$!
    # Started once its first metrics file exists (written right after READY).
    for _ in $(seq 300); do
        [[ -s $work/$name/agent.prom ]] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$work/$name/stderr" >&2; return 1; }
        sleep 0.1
    done
    note "$name: the agent did not start"
    return 1
}

stop_agent() {
    kill -TERM "$pid"
    wait "$pid" || note "agent exit status $?"
    pid=
}

# metric FILE 'name{labels}' -> value (0 when absent)
metric() {
    awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"
}

# CPU time of process $1 in nanoseconds (schedstat: exact, unlike clock ticks).
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
ctx_switches() {
    awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"
}

# Waits until metric $2 of file $1 reaches at least $3 (timeout $4 s).
wait_metric() {
    local deadline=$((SECONDS + $4))
    while (($(metric "$1" "$2") < $3)); do
        ((SECONDS < deadline)) || { note "timeout waiting for $2 >= $3"; return 1; }
        sleep 0.2
    done
}

# Quantile $3 of the histogram deltas between metrics files $1 and $2
# (source label $4), interpolated as Prometheus' histogram_quantile() does.
quantile() {
    awk -v q="$3" -v src="$4" '
        function le(s) { sub(/.*le="/, "", s); sub(/".*/, "", s); return s }
        FNR == 1 { f++ }
        index($1, "faultline_agent_decision_latency_microseconds_bucket{source=\"" src "\"") == 1 {
            b = le($1); if (f == 1) before[b] = $2; else { after[b] = $2; order[++n] = b }
        }
        END {
            total = after["+Inf"] - before["+Inf"]
            if (total == 0) { print "nan"; exit }
            rank = q * total; prev_cum = 0; prev_bound = 0
            for (i = 1; i <= n; i++) {
                b = order[i]; cum = after[b] - before[b]
                if (cum >= rank) {
                    if (b == "+Inf") { print prev_bound; exit }
                    printf "%.1f\n", prev_bound + (b - prev_bound) * (rank - prev_cum) / (cum - prev_cum); exit
                }
                prev_cum = cum; prev_bound = b
            }
        }' "$1" "$2"
}

# ---- idle: default intervals, every source, the default pack ----

bench_idle() {
    idle_run idle agent_idle ""
}

# With signed delivery configured. A stand-in coordinator (plain HTTP,
# answers every POST with 202 "started") takes what the default pack fires
# on the boot's kernel log; once nothing is pending the agent unloads
# libcurl (agent/curl_api.h), and the idle window starts after that.
bench_idle_coordinator() {
    local port server
    mkdir -p "$work/keys"
    openssl genpkey -algorithm ed25519 -out "$work/keys/node.ed25519" 2>/dev/null
    python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"{\"decision\":\"started\",\"workflow_id\":\"bench\"}"
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()' >"$work/coordinator.port" &
    server=$!
    for _ in $(seq 50); do [[ -s $work/coordinator.port ]] && break; sleep 0.1; done
    port=$(cat "$work/coordinator.port")
    idle_run idle-coordinator agent_idle_coordinator "coordinator {
  url = \"http://127.0.0.1:$port\"
  signing_key_file = \"$work/keys/node.ed25519\"
  idle_release = \"${FL_BENCH_IDLE_RELEASE:-3s}\"
}"
    note "idle-coordinator: the stand-in coordinator got what the boot's kernel log fired"
    kill "$server"
    wait "$server" 2>/dev/null || true
}

idle_run() {
    local name=$1 prefix=$2 extra=$3
    local t0 t1 c0 c1 w0 w1 rss anon pss
    make_agent "$name" "$extra"
    start_agent "$name"
    sleep 10 # startup (BTF, the boot's journal) settles
    t0=$(cpu_ns "$pid") w0=$(ctx_switches "$pid") c0=$(date +%s%N)
    sleep "$idle_seconds"
    t1=$(cpu_ns "$pid") w1=$(ctx_switches "$pid") c1=$(date +%s%N)
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
    anon=$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    echo "BENCH ${prefix}_rss_kib $rss KiB"
    echo "BENCH ${prefix}_peak_rss_kib $(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status") KiB"
    if [[ $prefix == agent_idle_coordinator ]]; then
        note "$name: $(metric "$work/$name/agent.prom" \
            'faultline_agent_delivery_decisions_total{decision="started"}') triggers delivered"
    fi
    echo "BENCH ${prefix}_rss_anon_kib $anon KiB"
    echo "BENCH ${prefix}_pss_kib $pss KiB"
    awk -v t=$((t1 - t0)) -v ns=$((c1 - c0)) -v p="$prefix" \
        'BEGIN { printf "BENCH %s_cpu_pct %.4f %%\n", p, 100 * t / ns }'
    awk -v w=$((w1 - w0)) -v ns=$((c1 - c0)) -v p="$prefix" \
        'BEGIN { printf "BENCH %s_wakeups_per_s %.2f /s\n", p, w / (ns / 1e9) }'
    if grep -q libcurl "/proc/$pid/maps"; then
        note "$name: libcurl is mapped"
    fi
    note "$name: $(metric "$work/$name/agent.prom" faultline_agent_journal_lines_total) journal lines read, $(metric "$work/$name/agent.prom" faultline_agent_journal_reopens_total) reopens"
    note "$name: RSS by mapping (KiB, top 12):"
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 == "" ? "[anon]" : $6 } /^Rss:/ { r[name] += $2 }
         END { for (n in r) print r[n], n }' "/proc/$pid/smaps" | sort -rn | head -12 >&2
    stop_agent
}

# ---- kernel event to decision: real disk errors, then a BPF storm ----

bench_events() {
    local prom=$work/events/agent.prom before=$work/before.prom after=$work/after.prom
    local n0 hits0 filt0 deliv0 rec0 lost0 cpu0 t0 cpu1 t1 last wall cpu fired lost uncounted
    make_agent events "metrics_interval = \"1s\""
    start_agent events
    sleep 2
    cp "$prom" "$before"
    n0=$(metric "$before" 'faultline_agent_decision_latency_microseconds_count{source="bpf"}')
    note "events: $disk_reads failing reads of $FL_DISKFAULT_DEV"
    for ((i = 0; i < disk_reads; i++)); do
        dd if="$FL_DISKFAULT_DEV" of=/dev/null bs=512 skip=$((i % 2048)) count=1 iflag=direct \
            status=none 2>/dev/null && { note "read of sector $((i % 2048)) did not fail"; exit 1; }
    done
    wait_metric "$prom" 'faultline_agent_decision_latency_microseconds_count{source="bpf"}' \
        $((n0 + disk_reads)) 30
    cp "$prom" "$after"
    echo "BENCH agent_event_to_decision_events $(($(metric "$after" \
        'faultline_agent_decision_latency_microseconds_count{source="bpf"}') - n0)) events"
    echo "BENCH agent_event_to_decision_p50_us $(quantile "$before" "$after" 0.5 bpf) us"
    echo "BENCH agent_event_to_decision_p99_us $(quantile "$before" "$after" 0.99 bpf) us"

    # Storm: every occurrence must be counted, through the ring buffer or
    # reconciled from the kernel's per-key counters.
    cp "$prom" "$before"
    k='{tracepoint="mc_event"}'
    hits0=$(metric "$before" "faultline_agent_bpf_hits_total$k")
    filt0=$(metric "$before" "faultline_agent_bpf_filtered_total$k")
    deliv0=$(metric "$before" "faultline_agent_bpf_delivered_total$k")
    rec0=$(metric "$before" "faultline_agent_bpf_reconciled_total$k")
    lost0=$(metric "$before" "faultline_agent_bpf_ringbuf_drops_total$k")
    n0=$(metric "$before" 'faultline_agent_occurrences_total{source="bpf"}')
    cpu0=$(cpu_ns "$pid") t0=$(date +%s%N)
    "$build/bench/bench-agent-storm" --pid "$pid" --events "$storm_events" >"$work/storm.out"
    # Done when the agent stops working: the end of the last 20 ms slice in
    # which it used more than 1 ms of CPU (idle ticks and the drop recheck a
    # second after the burst use far less).
    last=$cpu0 t1=$t0
    local prev=$cpu0 now
    for _ in $(seq 500); do
        sleep 0.02
        cpu1=$(cpu_ns "$pid") now=$(date +%s%N)
        if ((cpu1 - prev > 1000000)); then
            last=$cpu1 t1=$now
        elif ((now - t1 > 1500000000)); then
            break
        fi
        prev=$cpu1
    done
    wait_metric "$prom" 'faultline_agent_occurrences_total{source="bpf"}' $((n0 + storm_events)) 30 || true
    sleep 1.2
    cp "$prom" "$after"
    fired=$(awk '$1 == "fired" { print $2 }' "$work/storm.out")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
    cpu=$(awk -v t=$((last - cpu0)) 'BEGIN { print t / 1e9 }')
    local hits=$(($(metric "$after" "faultline_agent_bpf_hits_total$k") - hits0))
    local passed=$((hits - ($(metric "$after" "faultline_agent_bpf_filtered_total$k") - filt0)))
    local seen=$(($(metric "$after" "faultline_agent_bpf_delivered_total$k") - deliv0 +
        $(metric "$after" "faultline_agent_bpf_reconciled_total$k") - rec0))
    local engine=$(($(metric "$after" 'faultline_agent_occurrences_total{source="bpf"}') - n0))
    lost=$(($(metric "$after" "faultline_agent_bpf_ringbuf_drops_total$k") - lost0))
    uncounted=$((fired - seen))
    note "storm: fired $fired, kernel hits $hits (passed the filter $passed), agent saw $seen" \
        "(engine $engine), ring-buffer drops $lost, fire time $(awk '$1 == "fire_seconds" { print $2 }' "$work/storm.out") s"
    echo "BENCH agent_storm_events $fired events"
    awk -v n="$fired" -v w="$wall" 'BEGIN { printf "BENCH agent_storm_events_per_s %.0f events/s\n", n / w }'
    awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "BENCH agent_storm_cpu_pct %.1f %%\n", 100 * c / w }'
    awk -v c="$cpu" -v n="$fired" 'BEGIN { printf "BENCH agent_storm_cpu_us_per_event %.2f us\n", 1e6 * c / n }'
    echo "BENCH agent_storm_ringbuf_drops $lost events"
    echo "BENCH agent_storm_records_delivered $(($(metric "$after" "faultline_agent_bpf_delivered_total$k") - deliv0)) events"
    if ((hits != fired || engine != seen)); then
        uncounted=$((fired - engine))
    fi
    echo "BENCH agent_storm_uncounted $uncounted events"
    stop_agent
}

# ---- journald lines through the default pack ----

bench_journal() {
    local dir=$work/journal jdir=$work/jdir src=$work/lines.journal prom cpu0 cpu1 t0 t1 token
    token=bench$RANDOM$RANDOM
    mkdir -p "$jdir"
    make_agent journal "journal_directory = \"$jdir\"
sources {
  bpf   = false
  sysfs = false
}
metrics_interval = \"1s\""
    cat >"$dir/rules.d/zz-bench-marker.hcl" <<RULE
rule "zz-bench-marker" {
  source   = "journal"
  match { message = "^$token end\$" }
  workflow = "none"
}
RULE
    # A realistic mix: mostly benign kernel chatter, 5% lines the pack acts on.
    python3 - "$journal_lines" "$token" >"$work/lines.txt" <<'PY'
import sys
n, token = int(sys.argv[1]), sys.argv[2]
benign = [
    "usb 1-1: new high-speed USB device number 2 using xhci_hcd",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
    "e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None",
    "EDAC MC: Ver: 3.0.0",
    "audit: type=1400 audit(1700000000.000:42): apparmor=\"STATUS\" operation=\"profile_load\"",
    "Thermal monitoring enabled (TM1)",
    "nvme nvme0: 8/0/0 default/read/poll queues",
    "IPv6: ADDRCONF(NETDEV_CHANGE): eno1: link becomes ready",
]
faults = [
    "I/O error, dev sdb, sector {s} op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
    "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0x{s:x} offset:0x0 grain:32 syndrome:0x0)",
    "nvme nvme0: I/O 12 QID 3 timeout, aborting",
    "EXT4-fs error (device sda1): ext4_lookup:1855: inode #{s}: comm ls: deleted inode referenced: 42",
]
out = sys.stdout
for i in range(n - 1):
    if i % 20 == 19:
        out.write(faults[(i // 20) % len(faults)].format(s=i) + "\n")
    else:
        out.write(benign[i % len(benign)] + "\n")
out.write(token + " end\n")
PY
    "$repo/tests/harness/kernel-journal.sh" "$src" <"$work/lines.txt"
    prom=$dir/agent.prom
    start_agent journal
    sleep 1
    cpu0=$(cpu_ns "$pid")
    t0=$(date +%s%N)
    mv "$src" "$jdir/lines.journal"
    for _ in $(seq 1200); do
        journalctl --sync 2>/dev/null || true
        t1=$(journalctl -o export FAULTLINE_NODE=bench-journal FAULTLINE_RULE=zz-bench-marker 2>/dev/null |
            awk -F= '$1 == "__REALTIME_TIMESTAMP" { print $2; exit }')
        [[ -n $t1 ]] && break
        sleep 0.05
    done
    [[ -n $t1 ]] || { note "journal: the marker never fired"; return 1; }
    cpu1=$(cpu_ns "$pid")
    wait_metric "$prom" 'faultline_agent_journal_lines_total' "$journal_lines" 10 || true
    note "journal: $(metric "$prom" faultline_agent_journal_lines_total) lines read," \
        "$(metric "$prom" faultline_agent_firings_total) firings"
    awk -v n="$journal_lines" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "BENCH agent_journal_lines_per_s %.0f lines/s\n", n / ((b * 1000 - a) / 1e9) }'
    awk -v n="$journal_lines" -v t=$((cpu1 - cpu0)) \
        'BEGIN { printf "BENCH agent_journal_cpu_us_per_line %.2f us\n", t / 1e3 / n }'
    stop_agent
}

# FL_BENCH_ONLY="idle journal" runs a subset.
for b in ${FL_BENCH_ONLY:-idle idle_coordinator events journal}; do
    "bench_$b"
done
