# SPDX-License-Identifier: Apache-2.0
# Shared by the packaging tests (sourced). The shell twin of tests/lib/fl_test.h:
# a missing tool skips (exit 77) locally and fails under CI=true.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# require TOOL...: every TOOL must be on PATH.
require() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		if [[ ${CI:-} == true ]]; then
			fail "$t is required (scripts/setup.sh installs it)"
		fi
		echo "SKIP: $t not found (scripts/setup.sh installs it)" >&2
		exit 77
	done
}

# The units in the source tree, and the goals their exposure must meet
# (systemd-analyze security, 0 = fully sandboxed, 10 = not at all).
declare -A FL_UNIT_GOAL=(
	[faultline-agent]=4.0
	[faultline-coordinator]=2.5
	[faultline-worker]=2.5
)
# The capabilities each unit keeps; a change here is a security decision and
# goes with its justification in the unit file and docs/security.md.
declare -A FL_UNIT_CAPS=(
	[faultline-agent]="CAP_BPF CAP_PERFMON"
	[faultline-coordinator]=""
	[faultline-worker]="CAP_SYS_ADMIN"
)
# The binary each unit starts.
declare -A FL_UNIT_BINARY=(
	[faultline-agent]=faultline-agent
	[faultline-coordinator]=faultline-coordinator
	[faultline-worker]=faultline-worker
)

# unit_from_template SRC BINDIR OUT: the unit as cmake/install.cmake configures it.
unit_from_template() {
	sed "s|@FL_BINDIR@|$2|g" "$1" >"$3"
}

# The package each component becomes.
declare -A FL_PACKAGE=(
	[agent]=faultline-agent
	[coordinator]=faultline-coordinator
	[worker]=faultline-worker
	[ctl]=faultlinectl
)

# expected_files COMPONENT SOURCE_DIR: "MODE PATH" for every file the
# component's package installs (man pages may be compressed: PATH is a glob).
expected_files() {
	local c=$1 src=$2 f
	case $c in
	agent)
		echo "755 /usr/bin/faultline-agent"
		echo "755 /usr/libexec/faultline/faultline-agent-sender"
		echo "644 /usr/lib/systemd/system/faultline-agent.service"
		echo "644 /usr/share/man/man8/faultline-agent.8*"
		echo "644 /etc/faultline/agent.hcl"
		for f in "$src"/rules/rules.d/*; do echo "644 /etc/faultline/rules.d/${f##*/}"; done
		;;
	coordinator)
		echo "755 /usr/bin/faultline-coordinator"
		echo "644 /usr/lib/systemd/system/faultline-coordinator.service"
		echo "644 /usr/lib/sysusers.d/faultline.conf"
		echo "644 /usr/share/man/man8/faultline-coordinator.8*"
		echo "644 /etc/faultline/coordinator.hcl"
		for f in "$src"/rules/workflows.d/*; do echo "644 /etc/faultline/workflows.d/${f##*/}"; done
		;;
	worker)
		echo "755 /usr/bin/faultline-worker"
		echo "644 /usr/lib/systemd/system/faultline-worker.service"
		echo "644 /usr/share/man/man8/faultline-worker.8*"
		echo "644 /etc/faultline/worker.hcl"
		for f in "$src"/rules/runbooks/*; do echo "755 /etc/faultline/runbooks/${f##*/}"; done
		;;
	ctl)
		echo "755 /usr/bin/faultlinectl"
		echo "644 /usr/share/man/man1/faultlinectl.1*"
		;;
	esac
}

build_id() {
	readelf -n "$1" | sed -n 's/^ *Build ID: //p'
}

# check_tree ROOT COMPONENT SOURCE_DIR BUILD_DIR: the component's files are
# in ROOT, root-owned with the right modes; binaries are the build's; units
# start the installed binary.
check_tree() {
	local root=$1 c=$2 src=$3 build=$4 mode path p got n=0
	while read -r mode path; do
		# shellcheck disable=SC2206
		p=($root$path)
		[[ -f ${p[0]} ]] || fail "${FL_PACKAGE[$c]}: $path not installed"
		got=$(stat -c '%a %U:%G' "${p[0]}")
		[[ $got == "$mode root:root" ]] || fail "${FL_PACKAGE[$c]}: $path is $got, expected $mode root:root"
		case $path in
		/usr/bin/* | /usr/libexec/faultline/*)
			# Packages strip binaries: the same build, the same build id.
			[[ $(build_id "${p[0]}") == "$(build_id "$build/${path##*/}")" ]] ||
				fail "$path is not $build/${path##*/} (build id)" ;;
		*.service)
			grep -qx "ExecStart=/usr/bin/$(basename "$path" .service)" "${p[0]}" ||
				fail "$path does not start /usr/bin/$(basename "$path" .service)" ;;
		esac
		n=$((n + 1))
	done < <(expected_files "$c" "$src")
	echo "ok: ${FL_PACKAGE[$c]}: $n files with their modes"
}
