#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The agent's unit keeps CAP_BPF and CAP_PERFMON only: with exactly the
# unit's CapabilityBoundingSet= (uid 0, no ambient capabilities,
# NoNewPrivileges, as systemd starts it) the real faultline-agent loads and
# attaches its BPF programs; without either capability it cannot. setpriv(1)
# applies the same credentials systemd would; the unit's namespaces and
# system call filter are not emulated (no systemd as PID 1 here).
# Needs root and BPF (skips locally without them, fails under CI=true);
# attaches tracepoints, so it runs serially.
#
#   test-agent-caps.sh SOURCE_DIR AGENT_BINARY
set -euo pipefail
src=$1 agent=$2
. "$src/tests/packaging/lib.sh"
require setpriv openssl
if [[ $(id -u) != 0 || ! -e /sys/kernel/btf/vmlinux ]]; then
	[[ ${CI:-} == true ]] && fail "needs root and BTF"
	echo "SKIP: needs root and BTF" >&2
	exit 77
fi

work=$(mktemp -d)
pid=""
cleanup() {
	if [[ -n $pid ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/state" "$work/rules"
cp "$src"/rules/rules.d/*.hcl "$work/rules/"
openssl genpkey -algorithm ed25519 -out "$work/sign.key" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=t \
	-keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
cat >"$work/agent.hcl" <<EOT
node { name = "caps-test"  type = "generic"  datacenter = "dc1" }
coordinator {
  url = "https://127.0.0.1:9"
  ca_file = "$work/tls.pem"
  cert_file = "$work/tls.pem"
  key_file = "$work/tls.key"
  signing_key_file = "$work/sign.key"
}
rules_dir  = "$work/rules"
state_dir  = "$work/state"
sources {
  bpf      = true
  sysfs    = false
  journal  = false
  required = true
}
metrics_file = "$work/agent.prom"
EOT

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$src/systemd/faultline-agent.service.in")
[[ -n $caps ]] || fail "no CapabilityBoundingSet= in the agent's unit"

# bpf_fds PID: how many BPF programs and links the process holds.
bpf_fds() {
	grep -ls -e '^prog_type:' -e '^link_type:' /proc/"$1"/fdinfo/* 2>/dev/null | wc -l
}

# run_with CAPS...: starts the agent with that bounding set; prints the
# number of BPF programs and links it held once started (0 if it exited).
run_with() {
	local set=-all c n=0 i
	for c in "$@"; do set+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done
	setpriv --bounding-set "$set" --inh-caps=-all --no-new-privs -- \
		"$agent" --config "$work/agent.hcl" --dry-run >"$work/out" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		n=$(bpf_fds "$pid")
		((n > 0)) && break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$n"
}

# shellcheck disable=SC2086
n=$(run_with $caps)
((n > 0)) || fail "with the unit's capabilities ($caps) the agent loaded no BPF program: $(cat "$work/out")"
echo "ok: with $caps the agent holds $n BPF programs and links"
for drop in $caps; do
	rest=$(tr ' ' '\n' <<<"$caps" | grep -vx "$drop" | xargs)
	# shellcheck disable=SC2086
	n=$(run_with $rest)
	((n == 0)) || fail "without $drop the agent still loaded $n BPF programs and links: $drop is not needed"
	echo "ok: without $drop the agent loads no BPF program"
done
