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
#define FL_MESSAGE_FIRING                  "6632a8aceeb644e694deb16df5e2a554"
/* The journald-only delivery kept a trigger in the journal (no coordinator delivery). */
#define FL_MESSAGE_TRIGGER_RECORDED        "60fd1be3f8d94ebf8f00578736d19793"
/* The delivery refused a trigger (e.g. outbox full). */
#define FL_MESSAGE_DELIVERY_REFUSED        "ff8d8e4ea1cf434f82f956add09828f0"
/* The coordinator answered a trigger (every answer: decisions and errors). */
#define FL_MESSAGE_COORDINATOR_ANSWER      "d5476ba1cdc448aa812606f6ec3257f9"
/* Delivery needs an operator (400/401/403/404..., or our TLS files): alert. */
#define FL_MESSAGE_DELIVERY_OPERATOR       "46532cfc51c24a81a8e27a036873a601"
/* The coordinator stopped answering usefully (no answer, 429, 5xx). */
#define FL_MESSAGE_COORDINATOR_UNREACHABLE "b189a73b06de40959248ce05fc441371"
/* The coordinator answers again. */
#define FL_MESSAGE_COORDINATOR_REACHABLE   "5e0f316912294ada9f2f699e5cc0984a"
/* Opening the outbox skipped a torn tail or damaged records. */
#define FL_MESSAGE_OUTBOX_RECOVERED        "cd77475396a647638bb2a662e3116a52"
/* The outbox cannot be opened or written: triggers are kept in memory. */
#define FL_MESSAGE_OUTBOX_ERROR            "5e6eb1cc78c3423793f6179c358f7c9b"
/* The outbox is written again (the triggers kept in memory are on disk). */
#define FL_MESSAGE_OUTBOX_WRITABLE         "b41f0d263db340b9b0f565ceea409e96"
/* The outbox went over its soft limit (coalescing) or back under it. */
#define FL_MESSAGE_OUTBOX_LIMIT            "3471539628944430b6c9b4a981265e4f"
/* Triggers only kept in memory were lost at stop (the outbox stayed unwritable). */
#define FL_MESSAGE_TRIGGERS_LOST           "d41a29747b0b4834bf9121ee61ad0ec6"
/* rules.d was (re)loaded. */
#define FL_MESSAGE_RULES_RELOADED          "c82bb65a83a24e9f97309955af027999"
/* One problem in a rule file (FILE:LINE:COL); its last good version stays. */
#define FL_MESSAGE_RULE_FILE_INVALID       "43e6a278207844d29422714d34cc6cd1"
/* A source failed to start, or part of it stopped working. */
#define FL_MESSAGE_SOURCE_DEGRADED         "1522f6f33e62442799293ce7ddd451a4"
/* A degraded source (or sensor) works again. */
#define FL_MESSAGE_SOURCE_RECOVERED        "ade6ddf3ff2d4fe3ac336ca86016a4ed"
/* Which tracepoints the BPF source attached, which it skipped. */
#define FL_MESSAGE_BPF_ATTACH              "16c820e0864043c0870dae193d0fa9e9"
/* The agent is up (sources started, READY=1 sent). */
#define FL_MESSAGE_STARTED                 "d617b25912594c17bb917e7a790e95da"
/* The agent stopped. */
#define FL_MESSAGE_STOPPED                 "cc6cd1338a8440b5803b70b11d7306f3"
