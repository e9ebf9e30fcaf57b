/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-coordinator --check: validates coordinator.hcl, the files it
 * names (TLS certificates and keys, agent public keys, the Temporal API key
 * file, the pause state) and every workflow config, and prints every problem
 * as FILE:LINE:COL: message.
 */
#pragma once

#include <stdio.h>

/* `workflows_dir` overrides the config's (NULL: use it). Returns 0 when
 * everything is valid, -EINVAL when problems were printed to `out`, -ENOMEM. */
int fl_coordinator_check(const char *config_path, const char *workflows_dir, FILE *out);
