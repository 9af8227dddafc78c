/* test-password.c: argon2id password hashes, the rules for a new password (PROTOCOL.md
 * section 3: at least 10 characters) and session tokens (256 random bits, base64url,
 * kept server-side as their SHA-256). */
#define G_LOG_DOMAIN "test-password"

#include "config.h"

#include <string.h>
#include <check.h>
#include <sodium.h>

#include "sr-error.h"
#include "sr-password.h"

/* Runs in the parent once per TCase, so the forked tests inherit a started libsodium. */
static void
crypto_setup (void)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (sr_crypto_init (&error), "sr_crypto_init: %s", error ? error->message : "");
  ck_assert_ptr_null (error);
}

static void
crypto_teardown (void)
{
}

static char *
repeat (const char *unit,
        guint       times)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (s, unit);

  return g_string_free (s, FALSE);
}

/* Hashes */

START_TEST (test_hash_verify)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = sr_password_hash ("correct horse battery", &error);

  ck_assert_ptr_null (error);
  ck_assert_ptr_nonnull (hash);
  ck_assert_msg (g_str_has_prefix (hash, "$argon2id$"), "not argon2id: %s", hash);
  /* The plain password is not in the stored form. */
  ck_assert_ptr_null (strstr (hash, "correct horse"));

  ck_assert (sr_password_verify (hash, "correct horse battery"));
  ck_assert (!sr_password_verify (hash, "correct horse batterY"));
  ck_assert (!sr_password_verify (hash, "correct horse battery "));
  ck_assert (!sr_password_verify (hash, "correct horse"));
  ck_assert (!sr_password_verify (hash, ""));
}
END_TEST

START_TEST (test_hash_salted)
{
  g_autofree char *one = sr_password_hash ("same password!", NULL);
  g_autofree char *two = sr_password_hash ("same password!", NULL);

  ck_assert_ptr_nonnull (one);
  ck_assert_ptr_nonnull (two);
  ck_assert_str_ne (one, two);
  ck_assert (sr_password_verify (one, "same password!"));
  ck_assert (sr_password_verify (two, "same password!"));
}
END_TEST

START_TEST (test_hash_multibyte)
{
  const char *password = "пароль-密码-🔑🔑";
  g_autofree char *hash = sr_password_hash (password, NULL);

  ck_assert_ptr_nonnull (hash);
  ck_assert (sr_password_verify (hash, password));
  ck_assert (!sr_password_verify (hash, "пароль-密码-🔑"));
}
END_TEST

START_TEST (test_verify_other_algorithms)
{
  char argon2i[crypto_pwhash_STRBYTES];
  g_autofree char *good = sr_password_hash ("the password", NULL);
  g_autofree char *truncated = NULL;

  /* A bcrypt hash (of "password") is not ours, whatever the password. */
  ck_assert (!sr_password_verify ("$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                                  "password"));

  /* argon2i is a valid hash of the right password, but not the algorithm we store. */
  ck_assert_int_eq (crypto_pwhash_str_alg (argon2i, "the password", strlen ("the password"),
                                           crypto_pwhash_argon2i_OPSLIMIT_INTERACTIVE,
                                           crypto_pwhash_argon2i_MEMLIMIT_INTERACTIVE,
                                           crypto_pwhash_ALG_ARGON2I13), 0);
  ck_assert (g_str_has_prefix (argon2i, "$argon2i$"));
  ck_assert (!sr_password_verify (argon2i, "the password"));

  /* Garbage and damaged hashes. */
  ck_assert (!sr_password_verify (NULL, "the password"));
  ck_assert (!sr_password_verify ("", "the password"));
  ck_assert (!sr_password_verify ("the password", "the password"));
  ck_assert (!sr_password_verify ("$argon2id$", "the password"));
  truncated = g_strndup (good, strlen (good) - 5);
  ck_assert (!sr_password_verify (truncated, "the password"));
}
END_TEST

/* New passwords */

static void
assert_refused (const char *password,
                SrError     code)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (!sr_password_check_new (password, "password", &error),
                 "accepted a password of %zu bytes", strlen (password));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SR_ERROR, code), "got %s, expected %s",
                 error->domain == SR_ERROR ? sr_error_reason (error->code) : error->message,
                 sr_error_reason (code));
  ck_assert_ptr_nonnull (sr_error_get_field (error));
  ck_assert_str_eq (sr_error_get_field (error), "password");
}

static void
assert_accepted (const char *password)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (sr_password_check_new (password, "password", &error),
                 "refused a password of %zu bytes: %s", strlen (password),
                 error ? error->message : "");
  ck_assert_ptr_null (error);
}

START_TEST (test_new_length)
{
  assert_refused ("", SR_ERROR_WEAK_PASSWORD);
  assert_refused ("123456789", SR_ERROR_WEAK_PASSWORD);
  assert_accepted ("1234567890");
  assert_accepted ("a much longer pass phrase");
}
END_TEST

START_TEST (test_new_counts_characters)
{
  g_autofree char *nine = repeat ("ж", 9);    /* 18 bytes, 9 characters */
  g_autofree char *ten = repeat ("€", 10);    /* 30 bytes, 10 characters */
  g_autofree char *ten_faces = repeat ("😀", 10);
  g_autofree char *nine_faces = repeat ("😀", 9);

  assert_refused (nine, SR_ERROR_WEAK_PASSWORD);
  assert_refused (nine_faces, SR_ERROR_WEAK_PASSWORD);
  assert_accepted (ten);
  assert_accepted (ten_faces);
}
END_TEST

START_TEST (test_new_too_long)
{
  g_autofree char *max = g_strnfill (SR_PASSWORD_MAX_BYTES, 'p');
  g_autofree char *over = g_strnfill (SR_PASSWORD_MAX_BYTES + 1, 'p');
  g_autofree char *huge = g_strnfill (1024 * 1024, 'p');
  g_autofree char *faces = repeat ("😀", SR_PASSWORD_MAX_BYTES / 4 + 1);   /* 1028 bytes, 257 chars */

  ck_assert_int_eq (SR_PASSWORD_MAX_BYTES, 1024);
  assert_accepted (max);
  assert_refused (over, SR_ERROR_INVALID_PARAMS);
  assert_refused (huge, SR_ERROR_INVALID_PARAMS);
  assert_refused (faces, SR_ERROR_INVALID_PARAMS);
}
END_TEST

/* Tokens */

static gboolean
is_base64url (const char *text)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Independently of sr-password.c: the stored hash is SHA-256 over the token's text. */
static void
assert_sha256_of_text (const char   *token,
                       const guint8  hash[SR_TOKEN_HASH_SIZE])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 expected[SR_TOKEN_HASH_SIZE];
  gsize len = sizeof expected;

  g_checksum_update (checksum, (const guchar *) token, strlen (token));
  g_checksum_get_digest (checksum, expected, &len);
  ck_assert_uint_eq (len, SR_TOKEN_HASH_SIZE);
  ck_assert_msg (memcmp (hash, expected, SR_TOKEN_HASH_SIZE) == 0,
                 "hash of %s is not SHA-256 of its text", token);
}

START_TEST (test_token_shape)
{
  guint8 hash[SR_TOKEN_HASH_SIZE];
  guint8 again[SR_TOKEN_HASH_SIZE];
  g_autofree char *token = sr_token_new (hash);
  guint8 raw[64];
  gsize raw_len = 0;

  ck_assert_ptr_nonnull (token);
  ck_assert_uint_eq (strlen (token), 43);
  ck_assert_msg (is_base64url (token), "not base64url: %s", token);

  /* 43 unpadded base64url characters decode to exactly 32 bytes: 256 bits. */
  ck_assert_int_eq (sodium_base642bin (raw, sizeof raw, token, strlen (token), NULL, &raw_len,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
  ck_assert_uint_eq (raw_len, 32);

  ck_assert (sr_token_hash (token, again));
  ck_assert_int_eq (memcmp (hash, again, SR_TOKEN_HASH_SIZE), 0);
  assert_sha256_of_text (token, hash);
}
END_TEST

START_TEST (test_token_unique)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint8 first_hash[SR_TOKEN_HASH_SIZE];
  guint8 second_hash[SR_TOKEN_HASH_SIZE];
  g_autofree char *first = sr_token_new (first_hash);
  g_autofree char *second = sr_token_new (second_hash);

  ck_assert_str_ne (first, second);
  ck_assert_int_ne (memcmp (first_hash, second_hash, SR_TOKEN_HASH_SIZE), 0);

  for (int i = 0; i < 1000; i++)
    {
      guint8 hash[SR_TOKEN_HASH_SIZE];
      char *token = sr_token_new (hash);

      ck_assert_msg (g_hash_table_add (seen, token), "token repeated after %d", i);
    }
}
END_TEST

START_TEST (test_token_hash_refused)
{
  static const char *const bad[] = {
    "",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",     /* 42 */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 44 */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",    /* padded */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",    /* standard base64 */
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9", /* 43 bytes, one not ASCII */
    "' OR 1=1 --AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint8 hash[SR_TOKEN_HASH_SIZE];

      ck_assert_msg (!sr_token_hash (bad[i], hash), "accepted \"%s\" (%zu bytes)",
                     bad[i], strlen (bad[i]));
    }
}
END_TEST

START_TEST (test_token_hash_accepted)
{
  /* Any 43 characters of the alphabet hash, whether or not we issued them. */
  const char *text = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z";
  guint8 hash[SR_TOKEN_HASH_SIZE];

  ck_assert_uint_eq (strlen (text), 43);
  ck_assert (sr_token_hash (text, hash));
  assert_sha256_of_text (text, hash);
}
END_TEST

static Suite *
password_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("hash");
  tcase_add_unchecked_fixture (tc, crypto_setup, crypto_teardown);
  tcase_add_test (tc, test_hash_verify);
  tcase_add_test (tc, test_hash_salted);
  tcase_add_test (tc, test_hash_multibyte);
  tcase_add_test (tc, test_verify_other_algorithms);
  suite_add_tcase (s, tc);

  tc = tcase_create ("new-password");
  tcase_add_unchecked_fixture (tc, crypto_setup, crypto_teardown);
  tcase_add_test (tc, test_new_length);
  tcase_add_test (tc, test_new_counts_characters);
  tcase_add_test (tc, test_new_too_long);
  suite_add_tcase (s, tc);

  tc = tcase_create ("token");
  tcase_add_unchecked_fixture (tc, crypto_setup, crypto_teardown);
  tcase_add_test (tc, test_token_shape);
  tcase_add_test (tc, test_token_unique);
  tcase_add_test (tc, test_token_hash_refused);
  tcase_add_test (tc, test_token_hash_accepted);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (password_suite ());
  int failures;

  srunner_run_all (runner, CK_NORMAL);
  failures = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failures == 0 ? 0 : 1;
}
