/* sr-password.h: argon2id password hashes and session tokens.
 *
 * Tokens are 256 random bits, handed to the client once (base64url) and kept
 * server-side only as their SHA-256, so a copy of the database holds no usable token. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SR_PASSWORD_MIN_CHARS 10
#define SR_PASSWORD_MAX_BYTES 1024
#define SR_TOKEN_HASH_SIZE    32

gboolean  sr_crypto_init           (GError      **error);

gboolean  sr_password_check_new    (const char   *password,
                                    const char   *field,
                                    GError      **error);
char     *sr_password_hash         (const char   *password,
                                    GError      **error);
gboolean  sr_password_verify       (const char   *hash,
                                    const char   *password);
/* Burns the time of one verification, so an unknown email answers as slowly as a
 * known one. */
void      sr_password_verify_dummy (const char   *password);

/* A fresh token; its hash is written to hash_out. */
char     *sr_token_new             (guint8        hash_out[SR_TOKEN_HASH_SIZE]);
/* FALSE when the text cannot be a token of ours. */
gboolean  sr_token_hash            (const char   *token,
                                    guint8        hash_out[SR_TOKEN_HASH_SIZE]);

G_END_DECLS
