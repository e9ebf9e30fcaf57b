#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# systemd-analyze verify on every unit in systemd/, as installed: the build is
# installed (cmake --install, DESTDIR) into a scratch root and each unit is
# verified with --root there, so ExecStart= must name the installed binary and
# Documentation= the installed man page (MANPATH points into the root). A unit
# whose daemon this build lacks is configured from its template and verified
# against a placeholder binary: verify checks the unit, not the program.
# This machine has no systemd as PID 1; verify needs none, only the units the
# service depends on by default (sysinit.target, ...), copied from the host.
#
#   test-units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
. "$src/tests/packaging/lib.sh"
require systemd-analyze cmake

# shellcheck source=/dev/null
. "$build/packaging/components.env"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=/usr
unitdir=$root$prefix/lib/systemd/system
bindir=$prefix/bin
mandir=$root$prefix/share/man

DESTDIR=$root cmake --install "$build" --prefix "$prefix" >/dev/null
mkdir -p "$unitdir" "$root$bindir" "$root/bin" "$mandir/man8"
for t in /lib/systemd/system/*.target; do
	[[ -e $unitdir/${t##*/} ]] || cp "$t" "$unitdir/"
done
cp "$(type -P kill)" "$root/bin/kill" # ExecReload=/bin/kill

units=()
for tmpl in "$src"/systemd/*.service.in; do
	name=$(basename "$tmpl" .service.in)
	units+=("$name")
	if [[ ! -e $unitdir/$name.service ]]; then
		echo "note: $name is not part of this build: verified with a placeholder binary"
		unit_from_template "$tmpl" "$bindir" "$unitdir/$name.service"
		printf '#!/bin/sh\nexit 0\n' >"$root$bindir/${FL_UNIT_BINARY[$name]}"
		chmod 755 "$root$bindir/${FL_UNIT_BINARY[$name]}"
		cp "$src/man/$name.8" "$mandir/man8/"
	fi
done
((${#units[@]} == 3)) || fail "expected 3 units in systemd/, found ${#units[@]}"

verify() {
	MANPATH=$mandir systemd-analyze verify --root="$root" "$1" 2>&1
}

for name in "${units[@]}"; do
	[[ -x $root$bindir/${FL_UNIT_BINARY[$name]} ]] || fail "$name: no $bindir/${FL_UNIT_BINARY[$name]} in the root"
	if ! out=$(verify "$name.service"); then
		fail "$name.service: systemd-analyze verify failed: $out"
	fi
	[[ -z $out ]] || fail "$name.service: systemd-analyze verify warned: $out"
	echo "ok: $name.service verifies"
done

# The check itself works here: a unit naming a missing binary, or a missing
# man page, must fail it.
sed 's|^ExecStart=.*|ExecStart=/nonexistent/faultline|' "$unitdir/faultline-agent.service" \
	>"$unitdir/broken-exec.service"
if out=$(verify broken-exec.service); then
	fail "verify accepted a unit whose ExecStart= does not exist: $out"
fi
sed 's|^Documentation=.*|Documentation=man:faultline-missing(8)|' "$unitdir/faultline-agent.service" \
	>"$unitdir/broken-man.service"
if out=$(verify broken-man.service); then
	fail "verify accepted a unit whose man page does not exist: $out"
fi
echo "ok: verify rejects a missing binary and a missing man page"
