#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The .debs (scripts/package.sh --deb, CPack): one per component of the
# build; the files under /etc are exactly the conffiles; the daemons'
# maintainer scripts are there, parse and handle their unit. Extracted
# (dpkg -x), every file is there with its mode; unpacked into a scratch root
# (dpkg --root, its own database), the conffiles are registered and
# dpkg --verify finds nothing but those the configure step has yet to move
# in place.
#
#   test-package-deb.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
. "$src/tests/packaging/lib.sh"
require dpkg dpkg-deb cpack cmake readelf
# shellcheck source=/dev/null
. "$build/packaging/components.env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$src/scripts/package.sh" --deb --build "$build" --out "$work/out" >/dev/null

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"

for c in $FL_COMPONENTS; do
	pkg=${FL_PACKAGE[$c]}
	shopt -s nullglob
	files=("$work/out/deb/${pkg}_$FL_VERSION"_*.deb)
	shopt -u nullglob
	((${#files[@]} == 1)) || fail "$pkg: expected one .deb, found: $(ls "$work/out/deb")"
	f=${files[0]}
	[[ $(dpkg-deb -f "$f" Package Version | xargs) == "Package: $pkg Version: $FL_VERSION" ]] ||
		fail "$f: wrong name or version: $(dpkg-deb -f "$f" Package Version)"
	desc=$(dpkg-deb -f "$f" Description)
	[[ $(head -n1 <<<"$desc") == "${pkg/-/ }: "* ]] || fail "$pkg: description: $desc"

	ctrl=$work/control-$c
	dpkg-deb -e "$f" "$ctrl"
	etc=$(dpkg-deb -c "$f" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | grep '^/etc/' | sort || true)
	conf=$(sort "$ctrl/conffiles" 2>/dev/null || true)
	[[ $etc == "$conf" ]] || fail "$pkg: conffiles differ from the files under /etc:
$(diff <(echo "$etc") <(echo "$conf"))"

	if [[ $c != ctl ]]; then
		unit=$pkg.service
		for s in postinst prerm postrm; do
			[[ -x $ctrl/$s ]] || fail "$pkg: no executable $s"
			sh -n "$ctrl/$s" || fail "$pkg: $s does not parse"
			grep -q "^unit=$unit\$" "$ctrl/$s" || fail "$pkg: $s does not handle $unit"
		done
		grep -q 'try-restart "$unit"' "$ctrl/postinst" || fail "$pkg: postinst does not restart on upgrade"
		grep -q 'stop "$unit"' "$ctrl/prerm" || fail "$pkg: prerm does not stop the service"
	fi
	if [[ $c == coordinator ]]; then
		grep -q '^sysusers=faultline.conf$' "$ctrl/postinst" || fail "$pkg: postinst does not create the faultline user"
	fi

	# The files: extracted as they would be installed.
	mkdir -p "$work/tree-$c"
	dpkg -x "$f" "$work/tree-$c"
	check_tree "$work/tree-$c" "$c" "$src" "$build"

	# The database: unpacked (configuring would run the maintainer scripts
	# inside the scratch root, which has no shell), conffiles registered and
	# waiting as .dpkg-new for the configure step to put them in place.
	dpkg --root="$root" --force-depends --unpack "$f" >"$work/dpkg.log" 2>&1 ||
		fail "$pkg: dpkg --unpack into the scratch root failed: $(cat "$work/dpkg.log")"
	[[ $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status}' "$pkg") == unpacked ]] ||
		fail "$pkg: not unpacked in the scratch root"
	registered=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Conffiles}\n' "$pkg" | awk 'NF {print $1}' | sort)
	[[ $registered == "$conf" ]] || fail "$pkg: dpkg registered other conffiles: $registered"
	for cf in $conf; do
		[[ -f $root$cf.dpkg-new ]] || fail "$pkg: $cf.dpkg-new not unpacked"
	done
	out=$(dpkg --root="$root" --verify "$pkg" 2>&1 | grep -v ' c /etc/faultline/' || true)
	[[ -z $out ]] || fail "$pkg: dpkg --verify: $out"
	echo "ok: $pkg ($(basename "$f")): $(grep -c . <<<"$conf") conffiles, maintainer scripts, dpkg --verify clean"
done
