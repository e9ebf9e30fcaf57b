#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Packages an already-built build directory: RPMs from rpm/faultline.spec and
# .debs with CPack, one package per component the build has (agent,
# coordinator, worker, faultlinectl; cmake/install.cmake).
#
#   scripts/package.sh [--rpm] [--deb] [--build DIR] [--out DIR]
#
# Default: both kinds, build/ -> build/packages/{rpm,deb}. Prints the path of
# every package made. Build first: cmake -S . -B build && cmake --build build.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

build=$src/build out="" rpm=0 deb=0
while (($#)); do
	case $1 in
	--rpm) rpm=1 ;;
	--deb) deb=1 ;;
	--build) build=$2; shift ;;
	--out) out=$2; shift ;;
	-h | --help) sed -n '3,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "package.sh: unknown argument \"$1\"" >&2; exit 2 ;;
	esac
	shift
done
((rpm || deb)) || rpm=1 deb=1
build=$(cd "$build" && pwd)
out=${out:-$build/packages}
env_file=$build/packaging/components.env
if [[ ! -f $env_file ]]; then
	echo "package.sh: $build is not a configured faultline build (no packaging/components.env)" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$env_file"
if [[ -z $FL_COMPONENTS ]]; then
	echo "package.sh: the build has nothing to package" >&2
	exit 1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ((rpm)); then
	command -v rpmbuild >/dev/null || { echo "package.sh: rpmbuild not found (scripts/setup.sh)" >&2; exit 1; }
	stage=$work/stage
	DESTDIR=$stage cmake --install "$build" --prefix /usr >/dev/null
	defines=(--define "_topdir $work/rpmbuild" --define "fl_stage $stage"
		--define "fl_version $FL_VERSION")
	for c in $FL_COMPONENTS; do
		defines+=(--define "fl_$c 1")
	done
	# zstd level 3: the worker is a large static binary and xz is slow.
	rpmbuild -bb --quiet "${defines[@]}" --define "_binary_payload w3.zstdio" \
		"$src/rpm/faultline.spec" >"$work/rpmbuild.log" 2>&1 ||
		{ cat "$work/rpmbuild.log" >&2; exit 1; }
	mkdir -p "$out/rpm"
	find "$work/rpmbuild/RPMS" -name '*.rpm' -exec cp {} "$out/rpm/" \; -printf "$out/rpm/%f\n"
fi

if ((deb)); then
	command -v cpack >/dev/null || { echo "package.sh: cpack not found" >&2; exit 1; }
	mkdir -p "$out/deb"
	cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/cpack" >"$work/cpack.log" 2>&1 ||
		{ cat "$work/cpack.log" >&2; exit 1; }
	find "$work/cpack" -maxdepth 1 -name '*.deb' -exec cp {} "$out/deb/" \; -printf "$out/deb/%f\n"
fi
