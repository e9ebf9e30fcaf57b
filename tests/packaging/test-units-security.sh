#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# systemd-analyze security --offline=yes on every unit in systemd/: the
# overall exposure must meet the unit's goal (lib.sh: agent <= 4.0,
# coordinator <= 2.5, worker <= 2.5), the unit keeps exactly the capabilities
# lib.sh lists, grants no ambient ones, and names each kept capability in a
# comment (its justification). Prints each score.
#
#   test-units-security.sh SOURCE_DIR
set -euo pipefail
src=$1
. "$src/tests/packaging/lib.sh"
require systemd-analyze

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0
for tmpl in "$src"/systemd/*.service.in; do
	name=$(basename "$tmpl" .service.in)
	goal=${FL_UNIT_GOAL[$name]:-}
	[[ -n $goal ]] || fail "$name: no exposure goal in tests/packaging/lib.sh"
	unit=$work/$name.service
	unit_from_template "$tmpl" /usr/bin "$unit"

	out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) ||
		fail "$name: systemd-analyze security failed: $out"
	score=$(sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
	[[ -n $score ]] || fail "$name: no overall exposure in: $out"
	echo "$name.service exposure $score (goal <= $goal)"
	awk -v s="$score" -v g="$goal" 'BEGIN { exit !(s <= g) }' ||
		fail "$name: exposure $score is above the goal $goal:
$(grep '✗' <<<"$out")"

	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	[[ $(wc -l < <(grep '^CapabilityBoundingSet=' "$unit")) == 1 ]] ||
		fail "$name: expected exactly one CapabilityBoundingSet= line"
	want=${FL_UNIT_CAPS[$name]}
	[[ $(tr ' ' '\n' <<<"$caps" | sort | xargs) == $(tr ' ' '\n' <<<"$want" | sort | xargs) ]] ||
		fail "$name: CapabilityBoundingSet=$caps, expected \"$want\""
	grep -qx 'AmbientCapabilities=' "$unit" || fail "$name: AmbientCapabilities= must be empty"
	grep -qx 'NoNewPrivileges=yes' "$unit" || fail "$name: NoNewPrivileges=yes missing"
	for cap in $caps; do
		grep -Eq "^#[[:space:]]+$cap[[:space:]]" "$unit" || fail "$name: $cap kept without a comment saying why"
	done
	if [[ -z $caps ]] && grep -q '✗ CapabilityBoundingSet=' <<<"$out"; then
		fail "$name: systemd-analyze reports capabilities: $(grep '✗ CapabilityBoundingSet=' <<<"$out")"
	fi
	n=$((n + 1))
done
((n == 3)) || fail "expected 3 units, analysed $n"

# The check itself works: the agent's unit stripped of its sandbox scores
# above its goal.
grep -Ev '^(Protect|Private|Restrict|SystemCall|Capability|NoNewPriv|MemoryDeny|Lock|UMask|Keyring|Device)' \
	"$work/faultline-agent.service" >"$work/bare.service"
out=$(systemd-analyze security --offline=yes --no-pager "$work/bare.service" 2>&1) || true
score=$(sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
awk -v s="$score" 'BEGIN { exit !(s > 4.0) }' || fail "an unsandboxed unit scored $score"
echo "ok: an unsandboxed unit scores $score"
