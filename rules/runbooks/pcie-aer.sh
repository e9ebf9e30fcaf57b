#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# pcie-aer.sh: example faultline runbook, for PCIe Advanced Error Reporting errors.
#
# It only logs what a real runbook would do. faultline-worker runs it with
# the trigger as JSON on stdin and as FAULTLINE_* environment variables
# (docs/workflows.md); exit 0 means done, anything else fails the activity.
# Runbooks must be idempotent: a failed attempt is retried.
set -eu

fault=$(cat)
say() {
	echo "pcie-aer.sh: $*" >&2
	logger -t faultline-runbook -- "pcie-aer.sh: $*" 2>/dev/null || true
}

node=${FAULTLINE_NODE:-${FAULTLINE_WORKER_NODE:-unknown}}
dev=${FAULTLINE_EVENT_DEV_NAME:-${FAULTLINE_EVENT_DEVICE:-unknown}}
severity=${FAULTLINE_EVENT_SEVERITY:-?}
say "would record the $severity AER error of $dev on $node, and for a fatal one drain the node and schedule a reseat"
echo "pcie-aer.sh: ok (dry run=${FAULTLINE_DRY_RUN:-false}, worker ${FAULTLINE_WORKER_NODE:-?}, ${#fault} bytes of fault)"
