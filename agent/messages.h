/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MESSAGE_IDs of the agent's structured journal entries: one fixed
 * 128-bit id per kind of entry, so operators and tools select entries with
 * `journalctl MESSAGE_ID=...` instead of parsing text. They never change;
 * docs/journald.md lists each with its fields. A new kind of entry gets a new
 * id (python3 -c 'import uuid; print(uuid.uuid4().hex)').
 */
#pragma once

/* A rule fired (dry run or not). */
#define FL_MESSAGE_FIRING            "6632a8aceeb644e694deb16df5e2a554"
/* The journald-only delivery kept a trigger in the journal (no coordinator delivery). */
#define FL_MESSAGE_TRIGGER_RECORDED  "60fd1be3f8d94ebf8f00578736d19793"
/* The delivery refused a trigger (e.g. outbox full). */
#define FL_MESSAGE_DELIVERY_REFUSED  "ff8d8e4ea1cf434f82f956add09828f0"
/* rules.d was (re)loaded. */
#define FL_MESSAGE_RULES_RELOADED    "c82bb65a83a24e9f97309955af027999"
/* One problem in a rule file (FILE:LINE:COL); its last good version stays. */
#define FL_MESSAGE_RULE_FILE_INVALID "43e6a278207844d29422714d34cc6cd1"
/* A source failed to start, or part of it stopped working. */
#define FL_MESSAGE_SOURCE_DEGRADED   "1522f6f33e62442799293ce7ddd451a4"
/* A degraded source (or sensor) works again. */
#define FL_MESSAGE_SOURCE_RECOVERED  "ade6ddf3ff2d4fe3ac336ca86016a4ed"
/* Which tracepoints the BPF source attached, which it skipped. */
#define FL_MESSAGE_BPF_ATTACH        "16c820e0864043c0870dae193d0fa9e9"
/* The agent is up (sources started, READY=1 sent). */
#define FL_MESSAGE_STARTED           "d617b25912594c17bb917e7a790e95da"
/* The agent stopped. */
#define FL_MESSAGE_STOPPED           "cc6cd1338a8440b5803b70b11d7306f3"
