/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HCL trees as JSON.
 *
 * fl_hcl_to_json_text() prints a file exactly as the reference tool
 * hcl2json (github.com/tmccombs/hcl2json v0.6.4) prints a literal-only file,
 * byte for byte:
 *
 *     rule "disk" { threshold = 3 }          {
 *     rule "disk" { threshold = 5 }              "node": [
 *     node { name = "n1" }             ->            {
 *                                                        "name": "n1"
 *                                                    }
 *                                                ],
 *                                                "rule": {
 *                                                    "disk": [
 *                                                        { "threshold": 3 }, ...
 *
 * that is: keys sorted bytewise, four-space indentation, no final newline; a
 * block becomes "type": [ {body}, ... ] and each label one more level of
 * object ("type": {"label": [ {body} ]}); an attribute replaces a block of
 * the same name; numbers in plain decimal notation with every digit (1e3 is
 * 1000, 1.50 is 1.5, -0 stays -0); strings with "${" and "%{" written back as
 * "$${" and "%%{" (what hcl2json does to template literals) and Go's escaping
 * (<, > and & as \u003c, \u003e, \u0026).
 *
 * jansson cannot do this: its numbers are int64 or double, so 1e400 or a
 * 30-digit integer would come out rounded. The printer is therefore written
 * here, on a plain buffer; fl_hcl_value_to_json() gives callers that want a
 * json_t (e.g. a free-form `params = {...}` object sent on as JSON) one built
 * with jansson.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "diag.h"
#include "hcl.h"

/* Numbers beyond these print with hundreds of digits or would need more than
 * the reference tool's 512-bit precision to print exactly: refused. */
#define FL_HCL_JSON_MAX_DIGITS   150  /* significant digits of one number */
#define FL_HCL_JSON_MAX_EXPONENT 4000 /* decimal places either side of the point */

/* Prints `f` as hcl2json does (see above) into a NUL-terminated buffer.
 * Returns 0 with the text in *ret_text (caller frees) and its length in
 * *ret_len (may be NULL), or -EINVAL after appending to `diags` (may be NULL)
 * the problems that make the file inexpressible in that JSON shape: blocks of
 * one type used with different numbers of labels, numbers out of the range
 * above. -ENOMEM when out of memory. Outputs untouched on failure. */
int fl_hcl_to_json_text(
        const struct fl_hcl_file *f, struct fl_diags *diags, char **ret_text, size_t *ret_len);

/* Converts one value to a jansson tree: null, true/false, integers that fit
 * in int64 as json_integer, other numbers as json_real, strings as they are
 * (no "$${" re-escaping), tuples as arrays, objects as objects. Returns 0 and
 * a new reference in *ret, -ERANGE for a number beyond double range, -ENOMEM. */
int fl_hcl_value_to_json(const struct fl_hcl_value *v, json_t **ret);
