/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule loader: the *.hcl files of rules_dir (the language is in docs/rules.md) into
 * compiled rule sets for the engine, plus what the sources need to know from
 * the rules (the BPF filter, the journald matches).
 *
 * Every problem is reported as FILE:LINE:COL: message through a struct
 * fl_diags: HCL syntax, unknown sources, kinds, fields, operators and
 * placeholders, regex errors (at the column inside the regex when the string
 * has no heredoc), bad thresholds and durations, duplicate rule names (also
 * across files). Nothing here logs.
 *
 * A rules directory remembers, per file, the last version that loaded: a file
 * edited into an invalid state keeps its previous rules in force until it is
 * fixed; a deleted file's rules go. Unchanged files are not read again (same
 * inode, size, mtime and ctime; a file modified within two seconds of its
 * last read is read again and compared by content, since timestamps are
 * coarser than edits).
 */
#pragma once

#include "diag.h"
#include "rule.h"

#include <stddef.h>
#include <stdint.h>

/* Caps on what a rules directory may hold; each has its own message. */
#define FL_RULES_FILE_MAX_BYTES (1024u * 1024u)
#define FL_RULES_FILES_MAX      1024
#define FL_RULES_PER_FILE_MAX   256
#define FL_RULES_TOTAL_MAX      4096

struct source_bpf_filter;
struct fl_journal_match_group;

/* Decodes and compiles the rules in `size` bytes of `data` (one file's
 * contents; `filename` names it in diagnostics and in each rule's `file`).
 * Disabled rules (enabled = false) are checked but left out. Returns 0 and a
 * new rule set in *ret, -EINVAL after appending every problem to `diags`
 * (which may be NULL), or -ENOMEM. */
int fl_rules_parse(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_ruleset **ret);

struct fl_rules_dir;

/* Remembers `dir`; reads nothing yet. Returns 0, -EINVAL for an empty path,
 * or -ENOMEM. */
int fl_rules_dir_new(const char *dir, struct fl_rules_dir **ret);
struct fl_rules_dir *fl_rules_dir_free(struct fl_rules_dir *d);
FL_DEFINE_CLEANUP(struct fl_rules_dir *, fl_rules_dir_free);

/* Re-reads every *.hcl in the directory (ignores other names, dotfiles,
 * editor temp files like *~ and .#*): a file that fails to load keeps its
 * last good rules (if it ever had any), with every problem appended to
 * `diags` (which may be NULL); a deleted file's rules go. A rule name
 * belongs to the file that already had it in force; between two new claims
 * the first file in name order wins, and the other file counts as invalid.
 * Returns a new ruleset reference in *ret (rules in file name order, then
 * file order): 0 when every file was valid, -EINVAL when some were not (the
 * ruleset is still returned), -errno when nothing could be read (the
 * directory cannot be opened; *ret untouched and the previous state kept).
 * -ENOMEM leaves *ret untouched too. */
int fl_rules_dir_reload(struct fl_rules_dir *d, struct fl_diags *diags, struct fl_ruleset **ret);

struct fl_rules_dir_stats {
        uint64_t reloads;
        uint64_t files_read;      /* files whose contents were read */
        uint64_t files_parsed;    /* of those, files decoded (content changed) */
        uint64_t files_unchanged; /* files skipped (stat or content unchanged) */
        unsigned files;           /* *.hcl files at the last reload */
        unsigned files_invalid;   /* of those, files not loaded as they are now */
        unsigned rules;           /* rules in the last ruleset */
};

/* Copies the counters into `ret`. */
void fl_rules_dir_get_stats(const struct fl_rules_dir *d, struct fl_rules_dir_stats *ret);

/* --check: validates every file, reports all problems, keeps nothing.
 * Returns 0 when all are valid, -EINVAL when some are not, -errno when the
 * directory cannot be read. */
int fl_rules_check_dir(const char *dir, struct fl_diags *diags);

/* What the sources need from the rules: the BPF filter (the kinds some rule
 * uses, the lowest thermal_temperature threshold a rule asks for, the
 * mc_event error types and thermal trip types rules can match) so that
 * occurrences no rule can use never leave the kernel. */
void fl_ruleset_bpf_filter(const struct fl_ruleset *rs, struct source_bpf_filter *ret);

/* The journald match groups journal rules ask for (journal_match), one group
 * per distinct "FIELD=value", in rule order. Returns 0 and in *ret one
 * allocation the caller frees with free() (NULL when *ret_n is 0); the
 * strings belong to `rs`, which must outlive the array. -E2BIG beyond
 * FL_JOURNAL_GROUPS_MAX groups (the loader never builds such a set),
 * -ENOMEM. */
int fl_ruleset_journal_matches(
        const struct fl_ruleset *rs, struct fl_journal_match_group **ret, size_t *ret_n);
