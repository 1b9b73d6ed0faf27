#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
// OpenSSL 3 through libssl/libcrypto. Several of its calls are macros (or
// variadic functions) that Swift cannot import; they are re-exported here as
// inline functions. Nothing here holds state.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
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

// --- TLS handler (memory BIOs) ---
static inline long cb_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long cb_ssl_mode_release_buffers(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline uint64_t cb_ssl_op_no_renegotiation(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline long cb_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
/// A memory BIO that reports "retry" instead of EOF when empty, so SSL_read
/// says WANT_READ while more ciphertext may still arrive from the socket.
static inline BIO *cb_bio_new_mem(void) {
    BIO *b = BIO_new(BIO_s_mem());
    if (b) BIO_set_mem_eof_return(b, -1);
    return b;
}

// --- self-signed identity ---
static inline EVP_PKEY *cb_ec_p256_keygen(void) { return EVP_EC_gen("P-256"); }
static inline void cb_x509v3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }

// --- AES-256-GCM for recordings (the GCM controls are macros) ---
static inline int cb_evp_ctrl_gcm_get_tag(void) { return EVP_CTRL_GCM_GET_TAG; }
static inline int cb_evp_ctrl_gcm_set_tag(void) { return EVP_CTRL_GCM_SET_TAG; }
static inline int cb_evp_ctrl_gcm_set_ivlen(void) { return EVP_CTRL_GCM_SET_IVLEN; }
#endif
