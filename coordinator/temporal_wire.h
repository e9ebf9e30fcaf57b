/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire format of Temporal's HTTP API, without any I/O: request bodies and
 * paths in, decoded answers out. Shared by temporal.c and the unit tests.
 *
 * The HTTP API is the protobuf JSON mapping of the WorkflowService with two
 * Temporal twists. int64 fields are JSON strings and zero or false fields are
 * omitted ({} is a count of 0). Payloads have a "shorthand": a plain JSON value
 * where a Payload is expected is sent as one json/plain payload, and json/plain
 * payloads without other metadata come back the same way; others come back in
 * full, base64 inside:
 *
 *   sent:      "searchAttributes": {"indexedFields": {"FaultlineNode": "node-17"}}
 *   returned:  "FaultlineNode": {"metadata": {"encoding": "anNvbi9wbGFpbg==",
 *                                              "type": "S2V5d29yZA=="},
 *                                "data": "Im5vZGUtMTci"}
 *
 * (base64 of "json/plain", "Keyword" and "\"node-17\""). The shorthand is
 * ambiguous for a value that is itself an object of "metadata" and "data":
 * list and describe ask for full payloads (?noPayloadShorthand=true). Errors are a
 * google.rpc.Status: {"code": 6, "message": "...", "details": [{"@type": ...}]}.
 */
#pragma once

#include "temporal.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest workflow id accepted (Temporal's default limit.maxIDLength). */
#define FL_TEMPORAL_ID_MAX 1000

/* gRPC status codes that matter here. */
enum {
        FL_GRPC_CANCELLED = 1,
        FL_GRPC_UNKNOWN = 2,
        FL_GRPC_INVALID_ARGUMENT = 3,
        FL_GRPC_DEADLINE_EXCEEDED = 4,
        FL_GRPC_NOT_FOUND = 5,
        FL_GRPC_ALREADY_EXISTS = 6,
        FL_GRPC_PERMISSION_DENIED = 7,
        FL_GRPC_RESOURCE_EXHAUSTED = 8,
        FL_GRPC_FAILED_PRECONDITION = 9,
        FL_GRPC_ABORTED = 10,
        FL_GRPC_OUT_OF_RANGE = 11,
        FL_GRPC_UNIMPLEMENTED = 12,
        FL_GRPC_INTERNAL = 13,
        FL_GRPC_UNAVAILABLE = 14,
        FL_GRPC_UNAUTHENTICATED = 16,
};

/* Checks a start request (required fields, id rules, memo an object). Returns
 * 0 or -EINVAL with a static reason in *ret_reason. */
int fl_temporal_wire_check_start(const struct fl_temporal_start *req, const char **ret_reason);

/* The StartWorkflowExecution body. request_id and identity are required
 * here (the client generates the id). Returns 0 and a string to free. */
int fl_temporal_wire_start_body(const struct fl_temporal_start *req, const char *request_id,
        const char *identity, char **ret);

/* The TerminateWorkflowExecution body. */
int fl_temporal_wire_terminate_body(const char *reason, const char *identity, char **ret);

/* "<base>/api/v1/namespaces/<ns>" with the namespace percent-encoded and a
 * trailing '/' of base dropped. Returns 0, -EINVAL (not http(s)://), -ENOMEM. */
int fl_temporal_wire_namespace_url(const char *base, const char *ns, char **ret);

/* "<ns_url>/workflows/<id><suffix>" (suffix may be NULL), the id
 * percent-encoded. Returns 0, -EINVAL (empty id, or one with '/'), -ENOMEM. */
int fl_temporal_wire_workflow_url(
        const char *ns_url, const char *workflow_id, const char *suffix, char **ret);

/* "<ns_url><path>?name=value&..." with each value percent-encoded; a NULL
 * value skips its pair. names and values are NULL-terminated parallel lists. */
int fl_temporal_wire_query_url(const char *ns_url, const char *path, const char *const *names,
        const char *const *values, char **ret);

/* A uuid-v4 string from 16 random bytes. */
#define FL_TEMPORAL_UUID_MAX 37
void fl_temporal_wire_uuid(const uint8_t bytes[16], char buf[static FL_TEMPORAL_UUID_MAX]);

/* Maps a google.rpc.Status code (when nonzero) or else the HTTP status to the
 * -errno of struct fl_temporal_reply. 2xx maps to 0. */
int fl_temporal_wire_errno(long http_status, int grpc_code);

/* True for answers worth retrying: 429, 502, 503, 504, and the codes
 * UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED. */
bool fl_temporal_wire_retryable(long http_status, int grpc_code);

/* Decodes an error body. On success sets *ret_code (0 if absent) and
 * *ret_message (allocated; the body itself, cut to 200 bytes, when it is
 * not a google.rpc.Status). root (may be NULL) is the parsed body. */
int fl_temporal_wire_parse_status(
        json_t *root, const char *body, size_t size, int *ret_code, char **ret_message);

/* For a 409 answer to a start: the run id in its
 * WorkflowExecutionAlreadyStartedFailure detail, borrowed from root, or NULL
 * when it is another conflict. */
const char *fl_temporal_wire_already_started_run(json_t *root);

/* Decodes a StartWorkflowExecution answer; strings borrowed from root. */
int fl_temporal_wire_parse_start(
        json_t *root, const char *workflow_id, struct fl_temporal_started *ret);

/* Decodes a CountWorkflowExecutions answer ({} is 0). */
int fl_temporal_wire_parse_count(json_t *root, int64_t *ret);

/* Decodes a WorkflowExecutionInfo. Strings are borrowed from info or owned by
 * ret->owned: release with fl_temporal_wire_execution_done(). */
int fl_temporal_wire_parse_execution(json_t *info, struct fl_temporal_execution *ret);
void fl_temporal_wire_execution_done(struct fl_temporal_execution *e);

/* Decodes a ListWorkflowExecutions answer into an array (free each element
 * with fl_temporal_wire_execution_done, then the array). */
int fl_temporal_wire_parse_list(json_t *root, struct fl_temporal_execution **ret_executions,
        size_t *ret_n, const char **ret_next_page_token);

/* Decodes a DescribeWorkflowExecution answer's workflowExecutionInfo. */
int fl_temporal_wire_parse_describe(json_t *root, struct fl_temporal_execution *ret);

/* The value of one payload: shorthand JSON as is, or a full payload decoded
 * (json/plain parsed, binary/null as JSON null). Returns 0 and a new
 * reference, -EBADMSG for a malformed payload, -EOPNOTSUPP for another
 * encoding. */
int fl_temporal_wire_decode_payload(json_t *payload, json_t **ret);
