/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The messages between faultline-agent and faultline-agent-sender, one JSON
 * object per SOCK_SEQPACKET packet (agent/sender_channel.h), each with a
 * "type". Numbers are JSON integers, strings UTF-8, absent optional strings
 * null or missing.
 *
 *   agent -> sender, first and once:
 *     {"type":"hello","url":"https://coordinator:7443",
 *      "signing_key_file":"/etc/faultline/keys/node-17.ed25519","key_id":"node-17",
 *      "ca_file":"/etc/faultline/tls/ca.pem","cert_file":"...","key_file":"...",
 *      "timeout_usec":10000000,"max_connections":8}
 *   sender -> agent, the answer to hello:
 *     {"type":"ready","url":"https://coordinator:7443/v1/triggers"}
 *     {"type":"error","errno":2,"message":"cannot read the signing key ...: No such file or
 * directory"} (after an error the sender exits; an "error" can also announce an exit for a broken
 * protocol: a packet over the cap, not JSON, an unknown type) agent -> sender, any number (at most
 * max_connections unanswered):
 *     {"type":"post","id":7,"body":"{\"node\":\"node-17\",...}"}
 *   sender -> agent, exactly one per post, in any order:
 *     {"type":"result","id":7,"failure":"ok","status":202,"body":"{\"decision\":\"started\",...}",
 *      "retry_after":null,"error":null,"new_connection":true,"elapsed_usec":4210}
 *
 * "failure" is fl_http_failure_to_string(): a post the sender could not sign
 * or start (key unusable, libcurl missing) is "tls_config" with the reason
 * in "error" (our own files are unusable: an operator's job). A body is at
 * most FL_SENDER_BODY_MAX bytes; an answer's at most FL_HTTP_BODY_MAX. An
 * answer body that is not UTF-8 (never a valid coordinator answer) has its
 * non-ASCII bytes replaced by '?' so that it fits a JSON string.
 *
 * The agent closes its end when it has nothing in flight for idle_release;
 * the sender exits on end of file, dropping whatever it still had.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "http_result.h"

struct fl_sender_hello {
        const char *url; /* coordinator.url */
        const char *signing_key_file;
        const char *key_id;
        const char *ca_file; /* NULL: the system's trust anchors */
        const char *cert_file;
        const char *key_file;
        uint64_t timeout_usec;
        unsigned max_connections; /* 1-256 */
};

/* Builders: a new reference or NULL (out of memory, or a string that is not
 * UTF-8 where one is required). */
json_t *fl_sender_hello_to_json(const struct fl_sender_hello *h);
json_t *fl_sender_ready_to_json(const char *url);
json_t *fl_sender_error_to_json(int error, const char *message);
json_t *fl_sender_post_to_json(uint64_t id, const char *body, size_t size);
json_t *fl_sender_result_to_json(uint64_t id, const struct fl_http_result *r);

/* Parsers: the strings point into `m` (valid while it is). Return 0 or
 * -EBADMSG (a field missing or of the wrong type, out of range). */
int fl_sender_hello_from_json(json_t *m, struct fl_sender_hello *ret);
int fl_sender_post_from_json(json_t *m, uint64_t *ret_id, const char **ret_body, size_t *ret_size);
int fl_sender_result_from_json(json_t *m, uint64_t *ret_id, struct fl_http_result *ret);
/* An "error": its message and errno (positive; EIO when absent). */
int fl_sender_error_from_json(json_t *m, int *ret_errno, const char **ret_message);
