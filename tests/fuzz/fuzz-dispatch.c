/* fuzz-dispatch.c: libFuzzer target for the method handlers, without a database.
 *
 * The input is one request body. It runs as a signed-in admin's call with db NULL:
 * sr_db_exec then fails with `unavailable`, so each handler's parameter checks up to
 * its first statement are what gets exercised.
 */
#define G_LOG_DOMAIN "fuzz-dispatch"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-rpc.h"

/* Says which invariant broke before the trap, so a crash report reads on its own. */
#define check(cond) G_STMT_START {                                             \
    if (G_UNLIKELY (!(cond)))                                                  \
      {                                                                        \
        g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        __builtin_trap ();                                                     \
      }                                                                        \
  } G_STMT_END

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Read-only once set, like the server's own. */
static SrConfig *config;

static void
init_once (void)
{
  static gboolean done;
  g_autoptr(GError) error = NULL;

  if (done)
    return;
  done = TRUE;

  if (!sr_crypto_init (&error))
    g_error ("sr_crypto_init: %s", error->message);

  /* A domain list, so users.create can fail on email_domain as well as pass it. */
  config = sr_config_new ();
  config->allowed_domains = g_strsplit ("example.com,showroom.test", ",", -1);
}

static gboolean
is_strong_password (JsonObject *object,
                    const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  text = json_node_get_string (node);
  return strlen (text) <= SR_PASSWORD_MAX_BYTES &&
         g_utf8_strlen (text, -1) >= SR_PASSWORD_MIN_CHARS;
}

/* users.create and users.update hash a new password (argon2id: 64 MiB, about 0.1 s)
 * before their first statement, which would leave the fuzzer doing little but hash.
 * Calls carrying a password that would pass sr_password_check_new stop after parsing;
 * the rest of those handlers' checks still run. auth.change_password reads the old hash
 * from the database before it hashes anything, so here it never gets that far and
 * needs no exception. */
static gboolean
would_hash_password (SrRequest *request)
{
  if (g_str_equal (request->method, "users.create"))
    return is_strong_password (request->params, "password");

  if (g_str_equal (request->method, "users.update"))
    {
      JsonNode *changes = json_object_get_member (request->params, "changes");

      return changes != NULL && JSON_NODE_HOLDS_OBJECT (changes) &&
             is_strong_password (json_node_get_object (changes), "password");
    }

  return FALSE;
}

/* An error response as the session sends it must come back out of the client's
 * parser with the same code, field and id. */
static void
check_error_roundtrip (JsonNode     *id,
                       const GError *error)
{
  g_autoptr(SrMessage) message = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  check (error->domain == SR_ERROR);
  check (error->code != SR_ERROR_CONNECTION);

  text = sr_rpc_build_error (id, error, &len);
  check (text != NULL);
  message = sr_rpc_parse_message (text, len, &parse_error);
  if (message == NULL)
    g_printerr ("built message does not parse back (%s): %.*s\n",
                parse_error->message, (int) len, text);
  check (message != NULL);
  check (message->kind == SR_MESSAGE_RESPONSE);
  check (message->error != NULL && message->result == NULL);
  check (message->error->code == error->code);
  check (g_strcmp0 (sr_error_get_field (message->error), sr_error_get_field (error)) == 0);
  if (id != NULL)
    check (json_node_equal (message->id, id));
  else
    check (JSON_NODE_HOLDS_NULL (message->id));
}

static void
check_result_roundtrip (JsonNode *id,
                        JsonNode *result)
{
  g_autoptr(SrMessage) message = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  text = sr_rpc_build_result (id, result, &len);
  check (text != NULL);
  message = sr_rpc_parse_message (text, len, &parse_error);
  if (message == NULL)
    g_printerr ("built message does not parse back (%s): %.*s\n",
                parse_error->message, (int) len, text);
  check (message != NULL);
  check (message->kind == SR_MESSAGE_RESPONSE);
  check (message->error == NULL && message->result != NULL);
  check (json_node_equal (message->id, id));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SrCall) call = NULL;
  g_autoptr(JsonNode) result = NULL;

  init_once ();

  if (!sr_rpc_parse_request ((const char *) data, size, &request, &id, &error))
    {
      check (request == NULL && error != NULL);
      check_error_roundtrip (id, error);
      return 0;
    }
  check (request != NULL && error == NULL);

  /* hello and ping are answered by the session and are not in the table; the
   * dispatcher still has to refuse them (and any unknown name) cleanly. */
  if (would_hash_password (request))
    return 0;

  call = sr_call_new (config, request->method, request->params);
  call->actor.id = 1;
  call->actor.email = g_strdup ("admin@example.com");
  call->actor.name = g_strdup ("Fuzz Admin");
  call->actor.role = SR_ROLE_ADMIN;
  call->actor.branch_id = 1;
  call->has_token = TRUE;
  memset (call->token_hash, 0xa5, sizeof call->token_hash);
  /* As for a session checked moments ago: straight to the handler. */
  call->touch_session = FALSE;
  call->refresh_actor = FALSE;

  result = sr_dispatch_run (NULL, call, &error);
  check ((result == NULL) != (error == NULL));
  if (sr_dispatch_lookup (request->method) == NULL)
    check (g_error_matches (error, SR_ERROR, SR_ERROR_METHOD_NOT_FOUND));

  if (result != NULL)
    check_result_roundtrip (request->id, result);
  else
    check_error_roundtrip (request->id, error);

  return 0;
}
