#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
// OpenSSL 3 through libssl/libcrypto. Several of its calls are macros that Swift
// cannot import; they are re-exported here as inline functions.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/sha.h>

static inline long cb_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_min_proto_version(ctx, v); }
static inline long cb_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
static inline int cb_tls1_3_version(void) { return TLS1_3_VERSION; }
static inline int cb_tls1_2_version(void) { return TLS1_2_VERSION; }
static inline long cb_ssl_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long cb_bio_pending(BIO *b) { return BIO_ctrl_pending(b); }
#endif
