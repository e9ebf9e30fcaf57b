#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# disk-io-error.sh: example faultline runbook, for a block device that returned I/O errors.
#
# It only logs what a real runbook would do. faultline-worker runs it with
# the trigger as JSON on stdin and as FAULTLINE_* environment variables
# (docs/workflows.md); exit 0 means done, anything else fails the activity.
# Runbooks must be idempotent: a failed attempt is retried.
set -eu

fault=$(cat)
say() {
	echo "disk-io-error.sh: $*" >&2
	logger -t faultline-runbook -- "disk-io-error.sh: $*" 2>/dev/null || true
}

node=${FAULTLINE_NODE:-${FAULTLINE_WORKER_NODE:-unknown}}
disk=${FAULTLINE_PARAM_DISK:-${FAULTLINE_EVENT_DISK:-${FAULTLINE_EVENT_DEV:-unknown}}}
sector=${FAULTLINE_EVENT_SECTOR:-?}
say "would fail disk $disk on $node out of the storage layer (I/O error at sector $sector), rebalance its data and open a replacement ticket"
echo "disk-io-error.sh: ok (dry run=${FAULTLINE_DRY_RUN:-false}, worker ${FAULTLINE_WORKER_NODE:-?}, ${#fault} bytes of fault)"
