#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# with-temporal.sh: run a command next to its own Temporal dev server.
#
#   usage: tests/harness/with-temporal.sh COMMAND [ARG...]
#
# The WRAPPER of fl_integration_test for tests that need Temporal: it is
# `python3 -m flharness temporal run -- COMMAND...` (tests/harness/README.md),
# which starts `temporal server start-dev` on free loopback ports with a
# private SQLite database and the Faultline search attributes, runs COMMAND
# with FL_TEMPORAL_HTTP, FL_TEMPORAL_GRPC, FL_TEMPORAL_NAMESPACE,
# FL_TEMPORAL_DIR and FL_HARNESS_PYTHON set, stops the server by PID and
# exits with COMMAND's status. Without the temporal binary COMMAND runs with
# FL_TEMPORAL_MISSING set instead, and decides itself (fl_test_require: skip
# locally, fail under CI=true).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
exec "${FL_PYTHON:-python3}" -m flharness temporal run -- "$@"
