#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# thermal.sh: example faultline runbook, for a thermal zone that tripped or a CPU that throttles.
#
# It only logs what a real runbook would do. faultline-worker runs it with
# the trigger as JSON on stdin and as FAULTLINE_* environment variables
# (docs/workflows.md); exit 0 means done, anything else fails the activity.
# Runbooks must be idempotent: a failed attempt is retried.
set -eu

fault=$(cat)
say() {
	echo "thermal.sh: $*" >&2
	logger -t faultline-runbook -- "thermal.sh: $*" 2>/dev/null || true
}

node=${FAULTLINE_NODE:-${FAULTLINE_WORKER_NODE:-unknown}}
zone=${FAULTLINE_EVENT_ZONE:-${FAULTLINE_EVENT_THERMAL_ZONE:-${FAULTLINE_EVENT_TYPE:-unknown}}}
temp=${FAULTLINE_EVENT_TEMP:-${FAULTLINE_EVENT_TEMPERATURE:-?}}
say "would lower the power cap of $node (zone $zone at $temp), move batch work away and alert facilities if the whole rack is hot"
echo "thermal.sh: ok (dry run=${FAULTLINE_DRY_RUN:-false}, worker ${FAULTLINE_WORKER_NODE:-?}, ${#fault} bytes of fault)"
