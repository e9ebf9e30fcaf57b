/* SPDX-License-Identifier: Apache-2.0 */
#include "version.h"

const char *fl_version_string(void) {
        return "faultline " FL_VERSION;
}
