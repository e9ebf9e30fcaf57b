/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "sfv.h"
#include "strbuf.h"

static const struct {
        const char *name;
        const EVP_MD *(*md)(void);
        size_t size;
} algorithms[] = {
        {"sha-256", EVP_sha256, 32},
        {"sha-512", EVP_sha512, 64},
};

static int hash(
        const EVP_MD *md, const void *body, size_t size, unsigned char *out, size_t out_size) {
        unsigned int n = 0;

        if (!EVP_Digest(body, size, out, &n, md, NULL) || n != out_size)
                return -EIO;
        return 0;
}

int fl_digest_content_digest(const void *body, size_t size, char **ret) {
        struct fl_strbuf sb = {};
        unsigned char md[32];
        char *s;
        int r;

        r = hash(EVP_sha256(), body, size, md, sizeof(md));
        if (r < 0)
                return r;
        r = fl_strbuf_append_str(&sb, "sha-256=");
        if (r >= 0)
                r = fl_sfv_append_bare(
                        &sb, &(struct fl_sfv_bare){
                                     .type = FL_SFV_BYTES, .data = (char *) md, .len = sizeof(md)});
        if (r < 0) {
                fl_strbuf_done(&sb);
                return r;
        }
        s = fl_strbuf_steal(&sb);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int set_reason(const char **reason, int r, const char *text) {
        if (reason)
                *reason = text;
        return r;
}

int fl_digest_verify(
        const char *header, size_t header_len, const void *body, size_t size, const char **reason) {
        _cleanup_(fl_sfv_dict_freep) struct fl_sfv_dict *dict = NULL;
        unsigned checked = 0;
        int r;

        r = fl_sfv_parse_dict(header, header_len, &dict, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_reason(reason, -EBADMSG, "Content-Digest is not a valid Dictionary");

        for (size_t i = 0; i < dict->n; i++) {
                const struct fl_sfv_member *m = &dict->v[i].value;
                unsigned char md[64];
                size_t a;

                for (a = 0; a < ELEMENTSOF(algorithms); a++)
                        if (strcmp(dict->v[i].key, algorithms[a].name) == 0)
                                break;
                if (a == ELEMENTSOF(algorithms))
                        continue;
                if (m->inner || m->bare.type != FL_SFV_BYTES)
                        return set_reason(
                                reason, -EBADMSG, "Content-Digest member is not a Byte Sequence");
                if (m->bare.len != algorithms[a].size)
                        return set_reason(reason, -EBADMSG,
                                "Content-Digest member has the wrong length for its algorithm");
                r = hash(algorithms[a].md(), body, size, md, algorithms[a].size);
                if (r < 0)
                        return set_reason(reason, r, "hashing the body failed");
                if (CRYPTO_memcmp(md, m->bare.data, algorithms[a].size) != 0)
                        return set_reason(
                                reason, -EILSEQ, "Content-Digest does not match the body");
                checked++;
        }
        if (checked == 0)
                return set_reason(
                        reason, -EOPNOTSUPP, "Content-Digest has no sha-256 or sha-512 member");
        return 0;
}
