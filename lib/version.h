/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* "faultline X.Y.Z", as printed by every binary's --version. */
const char *fl_version_string(void);
