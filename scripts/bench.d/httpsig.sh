#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# RFC 9421 signatures on a typical trigger, one core (called by
# scripts/bench.sh after the build):
#   httpsig_sign_per_s     Content-Digest + Ed25519 signature, as the agent does
#   httpsig_verify_per_s   signature verification + Content-Digest check, as the
#                          coordinator does per trigger
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec build/tests/httpsig-tool bench --seconds "${FL_BENCH_SECONDS:-3}"
