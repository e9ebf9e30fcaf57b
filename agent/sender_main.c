/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-agent-sender [--fd N] [--version]
 *
 * The short-lived helper that signs triggers and POSTs them to the
 * coordinator for faultline-agent, so that the long-running agent never
 * maps libcrypto, libssl or libcurl (docs/delivery.md, "The sender
 * process"). The agent starts it with one end of a SOCK_SEQPACKET
 * socketpair as fd 3 (or --fd N) and speaks agent/sender_protocol.h over
 * it: hello -> ready/error, then post -> result. One sd-event loop; the
 * sender exits when the agent closes its end (idle), and dies with it
 * (PR_SET_PDEATHSIG, set by the agent before exec).
 *
 * Exit status: 0 end of file from the agent; 1 the hello named unusable
 * files (the "error" message says which); 2 a protocol error; 3 bad usage or
 * no event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "macro.h"
#include "sender_channel.h"
#include "sender_protocol.h"
#include "trigger_sign.h"
#include "version.h"

#define USEC_PER_SEC    UINT64_C(1000000)
#define LAST_WORDS_USEC (1 * USEC_PER_SEC)
#define EXIT_EOF        0
#define EXIT_HELLO      1
#define EXIT_PROTOCOL   2
#define EXIT_USAGE      3
#define MESSAGE_MAX     512

struct sender {
        sd_event *event;
        struct fl_channel *ch;
        struct fl_trigger_signer *signer;
        struct fl_http_client *http;
        bool hello_done;
        bool exiting; /* after fail(): later messages are ignored */
};

/* A post waiting for its transfer. */
struct post {
        struct sender *s;
        uint64_t id;
};

/* Sends an "error" (best effort: the agent may be gone) and ends the loop. */
static void fail(struct sender *s, int error, const char *message, int status) {
        json_auto_t *m = fl_sender_error_to_json(error, message);

        if (s->exiting)
                return;
        s->exiting = true;
        if (m && fl_channel_send(s->ch, m) >= 0)
                (void) fl_channel_wait(s->ch, LAST_WORDS_USEC, false);
        (void) sd_event_exit(s->event, status);
}

static void protocol_error(struct sender *s, int error, const char *what) {
        char message[MESSAGE_MAX];

        snprintf(message, sizeof(message), "sender: protocol error: %s", what);
        fail(s, error, message, EXIT_PROTOCOL);
}

/* OpenSSL's first queued error in words. */
static const char *ssl_error(char *buf, size_t size) {
        unsigned long e = ERR_peek_last_error();

        if (!e)
                return "unusable";
        ERR_error_string_n(e, buf, size);
        ERR_clear_error();
        return buf;
}

/* The TLS files as libcurl (OpenSSL) will load them: the CA bundle, the
 * certificate chain and its key, matching. A problem now is a problem at
 * every request: better said once, at start. */
static int check_tls_files(const struct fl_sender_hello *h, char *message, size_t size) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        char err[256];
        int r = 0;

        if (!ctx) {
                snprintf(message, size, "cannot check the TLS files: %s",
                        ssl_error(err, sizeof(err)));
                return -ENOMEM;
        }
        if (h->ca_file && SSL_CTX_load_verify_locations(ctx, h->ca_file, NULL) != 1) {
                snprintf(message, size, "the CA file %s is unusable: %s", h->ca_file,
                        ssl_error(err, sizeof(err)));
                r = -EBADMSG;
        } else if (h->cert_file && SSL_CTX_use_certificate_chain_file(ctx, h->cert_file) != 1) {
                snprintf(message, size, "the certificate file %s is unusable: %s", h->cert_file,
                        ssl_error(err, sizeof(err)));
                r = -EBADMSG;
        } else if (h->key_file &&
                   SSL_CTX_use_PrivateKey_file(ctx, h->key_file, SSL_FILETYPE_PEM) != 1) {
                snprintf(message, size, "the key file %s is unusable: %s", h->key_file,
                        ssl_error(err, sizeof(err)));
                r = -EBADMSG;
        } else if (h->cert_file && h->key_file && SSL_CTX_check_private_key(ctx) != 1) {
                snprintf(message, size, "the key file %s does not match the certificate %s",
                        h->key_file, h->cert_file);
                r = -EKEYREJECTED;
        }
        SSL_CTX_free(ctx);
        return r;
}

static void on_hello(struct sender *s, json_t *m) {
        struct fl_sender_hello h;
        struct fl_http_client_options o;
        char message[MESSAGE_MAX];
        json_auto_t *ready = NULL;
        int r;

        if (s->hello_done)
                return protocol_error(s, EPROTO, "a second hello");
        if (fl_sender_hello_from_json(m, &h) < 0)
                return protocol_error(s, EBADMSG, "a malformed hello");
        s->hello_done = true;

        r = fl_trigger_signer_new(h.url, h.signing_key_file, h.key_id, &s->signer);
        if (r < 0) {
                snprintf(message, sizeof(message), "cannot read the signing key %s: %s",
                        h.signing_key_file, strerror(-r));
                return fail(s, r, message, EXIT_HELLO);
        }
        r = check_tls_files(&h, message, sizeof(message));
        if (r < 0)
                return fail(s, r, message, EXIT_HELLO);
        /* No idle release here: this process is what gets released. */
        o = (struct fl_http_client_options){
                .ca_file = h.ca_file,
                .cert_file = h.cert_file,
                .key_file = h.key_file,
                .timeout_usec = h.timeout_usec,
                .max_connections = h.max_connections,
        };
        r = fl_http_client_new(s->event, &o, &s->http);
        ready = r >= 0 ? fl_sender_ready_to_json(fl_trigger_signer_url(s->signer)) : NULL;
        if (!ready)
                return fail(s, -ENOMEM, "sender: out of memory", EXIT_HELLO);
        (void) fl_channel_send(s->ch, ready);
}

static void send_result(struct sender *s, uint64_t id, const struct fl_http_result *res) {
        json_auto_t *m = fl_sender_result_to_json(id, res);

        /* Nothing to do when the agent is gone: its end of file ends us. */
        if (m)
                (void) fl_channel_send(s->ch, m);
}

static void on_done(const struct fl_http_result *res, void *userdata) {
        _cleanup_free_ struct post *p = userdata;

        send_result(p->s, p->id, res);
}

/* A post that never reached the network. */
static void refuse(struct sender *s, uint64_t id, enum fl_http_failure failure, const char *error) {
        struct fl_http_result res = {.failure = failure, .body = "", .error = error};

        send_result(s, id, &res);
}

static void on_post(struct sender *s, json_t *m) {
        struct fl_signed_headers h = {};
        _cleanup_free_ struct post *p = NULL;
        const char *body, *error = NULL;
        char message[MESSAGE_MAX];
        struct timespec now;
        uint64_t id;
        size_t size;
        int r;

        if (!s->signer)
                return protocol_error(s, EPROTO, "a post before hello");
        if (fl_sender_post_from_json(m, &id, &body, &size) < 0)
                return protocol_error(s, EBADMSG, "a malformed post");
        p = calloc(1, sizeof(*p));
        if (!p)
                return refuse(s, id, FL_HTTP_TRANSFER, "sender: out of memory");
        p->s = s;
        p->id = id;

        /* Signed now, as it leaves: a fresh created and nonce. */
        (void) clock_gettime(CLOCK_REALTIME, &now);
        r = fl_trigger_sign(s->signer, body, size, (int64_t) now.tv_sec, &h);
        if (r < 0) {
                snprintf(message, sizeof(message), "cannot sign: %s", strerror(-r));
                return refuse(s, id, FL_HTTP_TLS_CONFIG, message);
        }
        r = fl_http_client_post(s->http, fl_trigger_signer_url(s->signer),
                (const char *const *) h.lines, body, size, on_done, p, &error);
        fl_signed_headers_done(&h);
        if (r < 0) {
                snprintf(message, sizeof(message), "cannot send: %s%s%s", strerror(-r),
                        error ? ": " : "", error ? error : "");
                /* libcurl missing or unusable: our installation's problem. */
                return refuse(s, id,
                        r == -ELIBACC || r == -ELIBBAD ? FL_HTTP_TLS_CONFIG : FL_HTTP_TRANSFER,
                        message);
        }
        TAKE_PTR(p);
}

static void on_message(void *userdata, const char *type, json_t *m) {
        struct sender *s = userdata;
        char what[128];

        if (s->exiting)
                return;
        if (strcmp(type, "hello") == 0)
                on_hello(s, m);
        else if (strcmp(type, "post") == 0)
                on_post(s, m);
        else {
                snprintf(what, sizeof(what), "an unknown message type \"%.64s\"", type);
                protocol_error(s, EPROTO, what);
        }
}

static void on_closed(void *userdata, int error, const char *what) {
        struct sender *s = userdata;

        if (error == 0) {
                (void) sd_event_exit(s->event, EXIT_EOF);
                return;
        }
        protocol_error(s, error, what);
}

static const struct fl_channel_ops channel_ops = {
        .message = on_message,
        .closed = on_closed,
};

/* Run as root by the agent's unit, exec gives us its bounding set again
 * (CAP_BPF, CAP_PERFMON): the process that talks to the network holds no
 * capability at all. Dropping needs no privilege. */
static int drop_capabilities(void) {
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};

        return syscall(SYS_capset, &h, none) < 0 ? negative_errno() : 0;
}

static int run(int fd) {
        struct sender s = {};
        int r, status = EXIT_USAGE;

        r = sd_event_new(&s.event);
        if (r < 0) {
                fprintf(stderr, "faultline-agent-sender: no event loop: %s\n", strerror(-r));
                close(fd);
                return EXIT_USAGE;
        }
        r = fl_channel_new(s.event, fd, &channel_ops, &s, &s.ch);
        if (r >= 0)
                r = sd_event_loop(s.event);
        if (r < 0)
                fprintf(stderr, "faultline-agent-sender: %s\n", strerror(-r));
        else
                status = r;
        /* Transfers still running are dropped: the agent retries them. */
        fl_http_client_free(s.http);
        fl_trigger_signer_free(s.signer);
        fl_channel_free(s.ch);
        sd_event_unref(s.event);
        return status;
}

int main(int argc, char **argv) {
        enum { OPT_VERSION = 0x100 };
        static const struct option options[] = {
                {"fd", required_argument, NULL, 'f'},
                {"version", no_argument, NULL, OPT_VERSION},
                {},
        };
        char *end = NULL;
        long fd = 3;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        errno = 0;
                        fd = strtol(optarg, &end, 10);
                        if (errno || !end || *end || fd < 0 || fd > 65535) {
                                fprintf(stderr, "faultline-agent-sender: bad --fd \"%s\"\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case OPT_VERSION:
                        printf("faultline-agent-sender %s\n", fl_version_string());
                        return 0;
                default:
                        fprintf(stderr, "Usage: faultline-agent-sender [--fd N] [--version]\n"
                                        "(started by faultline-agent, not by hand)\n");
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "faultline-agent-sender: unexpected argument \"%s\"\n",
                        argv[optind]);
                return EXIT_USAGE;
        }
        /* Our writes to the socket use MSG_NOSIGNAL; TLS writes under curl
         * may not. A closed connection is an error to report, not a kill. */
        (void) signal(SIGPIPE, SIG_IGN);
        r = drop_capabilities();
        if (r < 0) {
                fprintf(stderr, "faultline-agent-sender: cannot drop capabilities: %s\n",
                        strerror(-r));
                return EXIT_USAGE;
        }
        return run((int) fd);
}
