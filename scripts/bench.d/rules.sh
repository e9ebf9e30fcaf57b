#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The rule engine against the default rule pack (rules/rules.d), called by
# scripts/bench.sh after the build (bench/bench-rules.c):
#   agent_rules_pack_load_ms              read, decode and compile the pack
#   agent_rules_journal_lines_per_s       kernel-form journal events through the
#   agent_rules_journal_ns_per_line       engine: a realistic kernel log, 1 line
#                                         in 10 a fault line that matches
#   agent_rules_bpf_decision_{p50,p99,max}_us
#                                         one BPF ring-buffer record to the
#                                         engine's decision (the agent's
#                                         formatter, then the engine), per event
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build/bench/bench-rules --rules-dir rules/rules.d --lines 1000000 --events 200000
