/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ed25519 keys from PEM: what `openssl genpkey -algorithm ed25519` writes
 * (PKCS#8 "PRIVATE KEY") and `openssl pkey -pubout` derives from it (SPKI
 * "PUBLIC KEY").
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "fileio.h"
#include "httpsig.h"
#include "macro.h"

#define KEY_FILE_MAX (64 * 1024)

/* Never prompt for a passphrase: an encrypted key simply fails to load. */
static int no_passphrase(char *buf, int size, int rwflag, void *userdata) {
        return -1;
}

static int parse_key(const char *pem, size_t size, bool private, EVP_PKEY **ret) {
        EVP_PKEY *key;
        BIO *bio;

        if (size > KEY_FILE_MAX)
                return -EFBIG;
        bio = BIO_new_mem_buf(pem, (int) size);
        if (!bio)
                return -ENOMEM;
        key = private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
                      : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
        BIO_free(bio);
        ERR_clear_error();
        if (!key)
                return -EBADMSG;
        if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
                EVP_PKEY_free(key);
                return -EKEYREJECTED;
        }
        *ret = key;
        return 0;
}

int fl_httpsig_parse_private_key(const char *pem, size_t size, EVP_PKEY **ret) {
        return parse_key(pem, size, true, ret);
}

int fl_httpsig_parse_public_key(const char *pem, size_t size, EVP_PKEY **ret) {
        return parse_key(pem, size, false, ret);
}

static int load_key(const char *path, bool private, EVP_PKEY **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = fl_read_file_at(AT_FDCWD, path, KEY_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        return parse_key(buf, size, private, ret);
}

int fl_httpsig_load_private_key(const char *path, EVP_PKEY **ret) {
        return load_key(path, true, ret);
}

int fl_httpsig_load_public_key(const char *path, EVP_PKEY **ret) {
        return load_key(path, false, ret);
}
