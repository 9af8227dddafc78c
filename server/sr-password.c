/* sr-password.c: libsodium's argon2id and CSPRNG behind a small API. */
#define G_LOG_DOMAIN "sr-password"

#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <sodium.h>

#include "sr-error.h"
#include "sr-password.h"

#define TOKEN_BYTES 32

/* Interactive limits (64 MiB, 2 passes): about a tenth of a second here, run on the
 * database workers so the main loop never waits for it. */
#define HASH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define HASH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

static char *dummy_hash;

gboolean
sr_crypto_init (GError **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (sodium_init () < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium failed to start");
      return FALSE;
    }

  if (dummy_hash == NULL)
    {
      if (crypto_pwhash_str_alg (hash, "not a password of anyone", 24,
                                 HASH_OPSLIMIT, HASH_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "argon2id is not available");
          return FALSE;
        }
      dummy_hash = g_strdup (hash);
    }

  return TRUE;
}

gboolean
sr_password_check_new (const char  *password,
                       const char  *field,
                       GError     **error)
{
  if (strlen (password) > SR_PASSWORD_MAX_BYTES)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, field,
                    "a password may be at most %d bytes long", SR_PASSWORD_MAX_BYTES);
      return FALSE;
    }
  if (g_utf8_strlen (password, -1) < SR_PASSWORD_MIN_CHARS)
    {
      sr_set_error (error, SR_ERROR_WEAK_PASSWORD, field,
                    "a password needs at least %d characters", SR_PASSWORD_MIN_CHARS);
      return FALSE;
    }

  return TRUE;
}

char *
sr_password_hash (const char  *password,
                  GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str_alg (hash, password, strlen (password),
                             HASH_OPSLIMIT, HASH_MEMLIMIT,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "out of memory hashing a password");
      return NULL;
    }

  return g_strdup (hash);
}

gboolean
sr_password_verify (const char *hash,
                    const char *password)
{
  if (hash == NULL || !g_str_has_prefix (hash, crypto_pwhash_argon2id_STRPREFIX))
    return FALSE;

  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

void
sr_password_verify_dummy (const char *password)
{
  if (dummy_hash != NULL)
    {
      int ignored = crypto_pwhash_str_verify (dummy_hash, password, strlen (password));
      (void) ignored;
    }
}

char *
sr_token_new (guint8 hash_out[SR_TOKEN_HASH_SIZE])
{
  guint8 raw[TOKEN_BYTES];
  char text[sodium_base64_ENCODED_LEN (TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (raw, sizeof raw);
  sodium_bin2base64 (text, sizeof text, raw, sizeof raw,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (raw, sizeof raw);

  sr_token_hash (text, hash_out);
  return g_strdup (text);
}

gboolean
sr_token_hash (const char *token,
               guint8      hash_out[SR_TOKEN_HASH_SIZE])
{
  gsize len = strlen (token);

  /* 256 bits in unpadded base64url is exactly 43 characters. */
  if (len != 43)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return FALSE;

  crypto_hash_sha256 (hash_out, (const guint8 *) token, len);
  return TRUE;
}
