/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MESSAGE_IDs of faultline-coordinator's structured journal entries
 * (SYSLOG_IDENTIFIER=faultline-coordinator): one fixed 128-bit id per kind
 * of entry, so operators select with `journalctl MESSAGE_ID=...` instead of
 * parsing text. They never change; docs/journald.md lists each with its
 * fields. A new kind of entry gets a new id
 * (python3 -c 'import uuid; print(uuid.uuid4().hex)').
 */
#pragma once

/* Decisions, one entry each (rejections may be folded, see below). */
#define FL_MESSAGE_DECISION_STARTED   "9ef80e49948d4b14852d7021bc5462e9"
#define FL_MESSAGE_DECISION_DUPLICATE "db9a15187e52449c8e3a89c83f0a50e0"
#define FL_MESSAGE_DECISION_REJECTED  "9c2afb132b314572a3b0f68e25444246"
#define FL_MESSAGE_DECISION_DEFERRED  "b4f211a3002f47058a2b7a9afc42a965"
#define FL_MESSAGE_DECISION_DRY_RUN   "df2eddfbdd0945ffb282a90cb10290f8"
/* A decision could not be made: Temporal unavailable or refusing. */
#define FL_MESSAGE_DECISION_FAILED    "e0c186ae321a40d585abd97ae2069813"
/* N identical rejections or refusals within the fold interval after the
 * first one (which has its own entry): FAULTLINE_FOLDED_COUNT=N. */
#define FL_MESSAGE_FOLDED             "c94508d82bc84ecfaf3f6c64499a7693"
/* A request refused before any decision: signature, replay, node binding,
 * unknown workflow, malformed body (FAULTLINE_ERROR says which). */
#define FL_MESSAGE_REQUEST_REFUSED    "0a1b1e1df5324537969a2e0df3f2b943"
/* One answered HTTP request (the access log). */
#define FL_MESSAGE_ACCESS             "12cfd651f16e4421a70ca8bfca6c9037"
/* The coordinator is serving (READY=1 sent) / stopped. */
#define FL_MESSAGE_STARTED            "71e59f5401744deabfce62adb81fca48"
#define FL_MESSAGE_STOPPED            "fa8e0f20f1c0466db5f71d2b0ea7b462"
/* workflows.d was (re)loaded. */
#define FL_MESSAGE_WORKFLOWS_LOADED   "75b93d32e3bb425dbf22e32f44b12127"
/* One problem in a workflow config (its last good version stays). */
#define FL_MESSAGE_WORKFLOW_INVALID   "de9d7c9eafc4466b808c7362c0c31f67"
/* Temporal at startup: the search attributes are not registered, or Temporal
 * cannot be reached (decisions will fail until it can). */
#define FL_MESSAGE_TEMPORAL_PROBLEM   "50757042fe6b47109d18cf50ea744bc9"
/* A pause was set or lifted. */
#define FL_MESSAGE_PAUSE_CHANGED      "5db91ccedb2145f6a0f63af91addbfa3"
