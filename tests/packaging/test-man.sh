#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The man pages in man/: mandoc -Tlint and groff -ww report nothing, man -l
# renders each with its NAME section, and every --option a built binary's
# --help prints is documented in its page.
#
#   test-man.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
. "$src/tests/packaging/lib.sh"
require mandoc groff man

pages=(faultline-agent.8 faultline-coordinator.8 faultline-worker.8 faultlinectl.1)
for p in "${pages[@]}"; do
	f=$src/man/$p
	[[ -f $f ]] || fail "man/$p is missing"
	out=$(mandoc -Tlint -Wall "$f" 2>&1) || true
	[[ -z $out ]] || fail "mandoc: $out"
	out=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
	[[ -z $out ]] || fail "groff: $out"
	name=${p%.*}
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^ *$name - " || fail "man -l $p: no NAME line"
	echo "ok: $p"
done

# --help against the page: "--name" in the help is "\-\-name" in troff.
documented() {
	local page=$1 opt=$2
	grep -qF -- "\\-\\-${opt//-/\\-}" "$page"
}
for p in "${pages[@]}"; do
	bin=$build/${p%.*}
	if [[ ! -x $bin ]]; then
		echo "note: ${p%.*} is not part of this build: options not compared"
		continue
	fi
	help=$("$bin" --help 2>&1) || fail "${p%.*} --help failed: $help"
	# faultlinectl: every command's own --help too (the commands are the
	# indented words of its "Commands:" list).
	if [[ ${p%.*} == faultlinectl ]]; then
		for cmd in $(sed -n '/^Commands:/,/^$/s/^  \([a-z0-9]*\).*/\1/p' <<<"$help"); do
			help+=$'\n'$("$bin" "$cmd" --help 2>&1) || fail "faultlinectl $cmd --help failed"
		done
	fi
	opts=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
	[[ -n $opts ]] || fail "${p%.*} --help lists no options: $help"
	for o in $opts; do
		documented "$src/man/$p" "${o#--}" || fail "man/$p does not document $o (from ${p%.*} --help)"
	done
	echo "ok: $p documents every option of ${p%.*} --help ($(xargs <<<"$opts"))"
done

# The comparison itself works: an option no page has is caught.
! documented "$src/man/faultline-agent.8" no-such-option || fail "documented() matched a missing option"
