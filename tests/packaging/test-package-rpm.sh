#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The RPMs (scripts/package.sh --rpm, rpm/faultline.spec): one per component
# of the build; files under /etc are exactly the %config(noreplace) ones; the
# systemd scriptlets are there and parse; installed into a scratch root
# (rpm --root, its own database, --nodeps --noscripts) every file is there with
# its mode and rpm -V finds nothing; an edited config file survives a
# reinstall.
#
#   test-package-rpm.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
. "$src/tests/packaging/lib.sh"
require rpm rpmbuild cmake
# shellcheck source=/dev/null
. "$build/packaging/components.env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$src/scripts/package.sh" --rpm --build "$build" --out "$work/out" >/dev/null

root=$work/root
mkdir -p "$root"
rpm --root "$root" --initdb
# Debian's rpm warns on every install that dpkg owns the system: keep stderr
# for failures.
rpmi() {
	rpm --root "$root" --nodeps --noscripts "$@" 2>"$work/rpm.err" || { cat "$work/rpm.err" >&2; return 1; }
}

for c in $FL_COMPONENTS; do
	pkg=${FL_PACKAGE[$c]}
	shopt -s nullglob
	files=("$work/out/rpm/$pkg-$FL_VERSION"-*.rpm)
	shopt -u nullglob
	((${#files[@]} == 1)) || fail "$pkg: expected one RPM, found: $(ls "$work/out/rpm")"
	f=${files[0]}
	[[ $(rpm -qp --qf '%{NAME} %{VERSION}' "$f") == "$pkg $FL_VERSION" ]] || fail "$f: wrong name or version"

	# Every file under /etc/faultline is %config(noreplace), nothing else is.
	etc=$(rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms}\n]' "$f" | awk '$2 !~ /^d/ && $1 ~ "^/etc/" {print $1}' | sort)
	conf=$(rpm -qp --configfiles "$f" | sort)
	[[ $etc == "$conf" ]] || fail "$pkg: config files differ from the files under /etc:
$(diff <(echo "$etc") <(echo "$conf"))"
	want=$(sort "$build/packaging/deb/$c/conffiles" 2>/dev/null || true)
	[[ $conf == "$want" ]] || fail "$pkg: config files differ from cmake's list:
$(diff <(echo "$want") <(echo "$conf"))"
	flags=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$f" | awk '$1 ~ "^/etc/" && $2 != "cn" && $2 != "" {print}')
	[[ -z $conf || -z $flags ]] || fail "$pkg: config files not marked noreplace: $flags"

	# Scriptlets: the daemons' units are handled on install, erase, upgrade.
	if [[ $c != ctl ]]; then
		unit=$pkg.service
		for tag in POSTIN PREUN POSTUN; do
			s=$(rpm -qp --qf "%{$tag}" "$f")
			grep -q "$unit" <<<"$s" || fail "$pkg: %$tag does not handle $unit: $s"
			sh -n <<<"$s" || fail "$pkg: %$tag does not parse: $s"
		done
		grep -q "preset $unit" <<<"$(rpm -qp --qf '%{POSTIN}' "$f")" || fail "$pkg: %post without preset"
		grep -q "try-restart $unit" <<<"$(rpm -qp --qf '%{POSTUN}' "$f")" || fail "$pkg: %postun without try-restart"
		grep -q "disable --now $unit" <<<"$(rpm -qp --qf '%{PREUN}' "$f")" || fail "$pkg: %preun without disable"
	fi
	if [[ $c == coordinator ]]; then
		s=$(rpm -qp --qf '%{PREIN}' "$f")
		grep -q 'useradd -r -g faultline' <<<"$s" && sh -n <<<"$s" || fail "$pkg: %pre does not create the faultline user: $s"
	fi

	rpmi -i "$f" || fail "$pkg: rpm -i into the scratch root failed"
	check_tree "$root" "$c" "$src" "$build"
	out=$(rpm --root "$root" -V --nodeps "$pkg" 2>&1) || fail "$pkg: rpm -V: $out"
	echo "ok: $pkg ($(basename "$f")): $(grep -c . <<<"$conf") config files, scriptlets, rpm -V clean"
done

# %config(noreplace) in practice: an edited file survives reinstalling.
for c in $FL_COMPONENTS; do
	conf=$(head -n1 "$build/packaging/deb/$c/conffiles" 2>/dev/null) || continue
	[[ -n $conf ]] || continue
	echo "# edited by the operator" >>"$root$conf"
	rpmi -U --replacepkgs "$work/out/rpm/${FL_PACKAGE[$c]}-$FL_VERSION"-*.rpm
	tail -n1 "$root$conf" | grep -qx '# edited by the operator' || fail "${FL_PACKAGE[$c]}: reinstalling replaced the edited $conf"
	echo "ok: ${FL_PACKAGE[$c]}: the edited $conf survives a reinstall"
done
