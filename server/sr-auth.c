/* sr-auth.c: auth.login, auth.resume, auth.logout, auth.change_password, and the
 * periodic check that a session still stands.
 *
 * Revocations go two ways: as effects for this server's own sessions (applied before
 * the response is sent, so a logout is immediate here), and as a NOTIFY on
 * showroom_auth for every other showroomd on the database.
 */
#define G_LOG_DOMAIN "sr-auth"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"

#define RATE_LIMIT_FAILURES 5
#define RATE_LIMIT_WINDOW   "15 minutes"
/* pg_advisory_xact_lock(class, key) keys: the change log's lock is (7460, 1). */
#define LOGIN_LOCK_CLASS    7461

static const char sql_rate_limit[] =
  "SELECT count(*),"
  "       ceil(extract(epoch FROM"
  "         (SELECT at FROM login_failures"
  "           WHERE email = $1 AND at > now() - interval '" RATE_LIMIT_WINDOW "'"
  "           ORDER BY at DESC OFFSET " G_STRINGIFY (RATE_LIMIT_FAILURES) " - 1 LIMIT 1)"
  "         + interval '" RATE_LIMIT_WINDOW "' - now()))::bigint"
  "  FROM login_failures"
  " WHERE email = $1 AND at > now() - interval '" RATE_LIMIT_WINDOW "'";

static const char sql_user_by_email[] =
  "SELECT " SR_USER_COLUMNS ", u.password_hash FROM users u WHERE u.email = $1";

static const char sql_record_failure[] =
  "INSERT INTO login_failures (email) VALUES ($1)";

static const char sql_clear_failures[] =
  "DELETE FROM login_failures WHERE email = $1";

static const char sql_create_session[] =
  "INSERT INTO auth_sessions (token_hash, user_id, expires_at)"
  " VALUES ($1::bytea, $2, now() + make_interval(secs => $3::bigint))"
  " RETURNING to_json(expires_at) #>> '{}', extract(epoch FROM expires_at)::bigint";

static const char sql_resume[] =
  "UPDATE auth_sessions s SET last_seen_at = now()"
  "  FROM users u"
  " WHERE s.token_hash = $1::bytea AND u.id = s.user_id AND u.active"
  "   AND s.expires_at > now()"
  "   AND s.last_seen_at > now() - make_interval(secs => $2::bigint)"
  " RETURNING " SR_USER_COLUMNS ", to_json(s.expires_at) #>> '{}',"
  "           extract(epoch FROM s.expires_at)::bigint";

static const char sql_logout[] =
  "WITH gone AS (DELETE FROM auth_sessions WHERE token_hash = $1::bytea RETURNING 1)"
  "SELECT pg_notify('showroom_auth', $2)";

static const char sql_password_hash[] =
  "SELECT password_hash FROM users WHERE id = $1";

static const char sql_set_password[] =
  "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1";

static const char sql_revoke_others[] =
  "WITH gone AS (DELETE FROM auth_sessions WHERE user_id = $1 AND token_hash <> $2::bytea"
  "              RETURNING 1)"
  "SELECT pg_notify('showroom_auth', $3)";

/* bytea in text form, as PostgreSQL reads it: \x followed by hex. */
static char *
bytea_hex (const guint8 *data,
           gsize         len)
{
  GString *out = g_string_sized_new (2 + 2 * len);

  g_string_append (out, "\\x");
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);

  return g_string_free (out, FALSE);
}

static char *
plain_hex (const guint8 *data,
           gsize         len)
{
  g_autofree char *with_prefix = bytea_hex (data, len);

  return g_strdup (with_prefix + 2);
}

static JsonNode *
session_result (const char *token,
                const char *expires_at,
                JsonNode   *user)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "token", token);
  json_object_set_string_member (object, "expires_at", expires_at);
  json_object_set_member (object, "user", user);
  json_node_take_object (node, object);

  return node;
}

static gboolean
check_rate_limit (SrDb        *db,
                  const char  *email,
                  GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *values[1] = { email };
  gint64 retry_after;
  GError *limited;

  result = sr_db_exec (db, sql_rate_limit, 1, values, error);
  if (result == NULL)
    return FALSE;

  if (sr_db_get_int (result, 0, 0) < RATE_LIMIT_FAILURES)
    return TRUE;

  retry_after = MAX (1, sr_db_get_int (result, 0, 1));
  limited = sr_error_new (SR_ERROR_RATE_LIMITED, NULL,
                          "too many failed sign-ins; try again in %" G_GINT64_FORMAT " s",
                          retry_after);
  sr_error_set_extra_member (limited, "retry_after_s",
                             json_node_init_int (json_node_alloc (), retry_after));
  g_propagate_error (error, limited);
  return FALSE;
}

/* Counts this attempt as a failure before the password is looked at, unless the limit is
 * reached; a sign-in that succeeds clears the count again. One e-mail's attempts take
 * turns on an advisory lock (on every server of the database) for as long as it takes
 * to count and record, so attempts made at the same moment cannot all see four
 * failures and all be tried: at most RATE_LIMIT_FAILURES passwords are ever checked. */
static gboolean
reserve_attempt (SrDb        *db,
                 const char  *email,
                 GError     **error)
{
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) recorded = NULL;
  const char *values[1] = { email };

  if (!sr_db_begin (db, "direct", error))
    return FALSE;
  locked = sr_db_exec (db, "SELECT pg_advisory_xact_lock(" G_STRINGIFY (LOGIN_LOCK_CLASS) ", hashtext($1))",
                       1, values, error);
  if (locked == NULL || !check_rate_limit (db, email, error))
    return FALSE;
  recorded = sr_db_exec (db, sql_record_failure, 1, values, error);
  return recorded != NULL && sr_db_commit (db, error);
}

JsonNode *
sr_auth_login (SrDb    *db,
               SrCall  *call,
               GError **error)
{
  g_autoptr(PGresult) user = NULL;
  g_autoptr(PGresult) session = NULL;
  g_autoptr(PGresult) done = NULL;
  g_autofree char *email = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash_text = NULL;
  const char *email_param = NULL;
  const char *password = NULL;
  guint8 token_hash[SR_TOKEN_HASH_SIZE];
  char user_id[32];
  char lifetime[32];
  const char *values[3];
  gboolean ok;
  SrEffect *effect;

  if (!sr_param_string (call->params, "email", TRUE, 254, &email_param, error) ||
      !sr_param_string (call->params, "password", TRUE, 1024, &password, error))
    return NULL;

  email = g_utf8_strdown (email_param, -1);
  g_strstrip (email);
  values[0] = email;

  /* Before the password is looked at: a correct one does not lift the limit. */
  if (!reserve_attempt (db, email, error))
    return NULL;

  user = sr_db_exec (db, sql_user_by_email, 1, values, error);
  if (user == NULL)
    return NULL;

  if (PQntuples (user) == 0)
    {
      sr_password_verify_dummy (password);
      ok = FALSE;
    }
  else
    ok = sr_password_verify (sr_db_get_text (user, 0, SR_USER_N_COLUMNS), password) &&
         sr_db_get_bool (user, 0, 5);

  /* The attempt is already counted as a failure. */
  if (!ok)
    {
      sr_set_error (error, SR_ERROR_BAD_CREDENTIALS, NULL, "wrong e-mail or password");
      return NULL;
    }

  done = sr_db_exec (db, sql_clear_failures, 1, values, error);
  if (done == NULL)
    return NULL;

  token = sr_token_new (token_hash);
  hash_text = bytea_hex (token_hash, sizeof token_hash);
  g_snprintf (user_id, sizeof user_id, "%" G_GINT64_FORMAT, sr_db_get_int (user, 0, 0));
  g_snprintf (lifetime, sizeof lifetime, "%" G_GINT64_FORMAT, call->config->session_max_s);
  values[0] = hash_text;
  values[1] = user_id;
  values[2] = lifetime;
  session = sr_db_exec (db, sql_create_session, 3, values, error);
  if (session == NULL)
    return NULL;

  effect = sr_call_add_effect (call, SR_EFFECT_LOGIN);
  sr_actor_from_row (&effect->actor, user, 0);
  effect->user_id = effect->actor.id;
  effect->has_token = TRUE;
  memcpy (effect->token_hash, token_hash, sizeof token_hash);
  effect->expires_at = sr_db_get_int (session, 0, 1);

  return session_result (token, sr_db_get_text (session, 0, 0), sr_user_to_json (user, 0));
}

JsonNode *
sr_auth_resume (SrDb    *db,
                SrCall  *call,
                GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *hash_text = NULL;
  const char *token = NULL;
  guint8 token_hash[SR_TOKEN_HASH_SIZE];
  char idle[32];
  const char *values[2];
  SrEffect *effect;

  if (!sr_param_string (call->params, "token", TRUE, 256, &token, error))
    return NULL;

  if (!sr_token_hash (token, token_hash))
    {
      sr_set_error (error, SR_ERROR_SESSION_EXPIRED, NULL, "the session has ended; sign in again");
      return NULL;
    }

  hash_text = bytea_hex (token_hash, sizeof token_hash);
  g_snprintf (idle, sizeof idle, "%" G_GINT64_FORMAT, call->config->session_idle_s);
  values[0] = hash_text;
  values[1] = idle;
  result = sr_db_exec (db, sql_resume, 2, values, error);
  if (result == NULL)
    return NULL;

  if (PQntuples (result) == 0)
    {
      sr_set_error (error, SR_ERROR_SESSION_EXPIRED, NULL, "the session has ended; sign in again");
      return NULL;
    }

  effect = sr_call_add_effect (call, SR_EFFECT_LOGIN);
  sr_actor_from_row (&effect->actor, result, 0);
  effect->user_id = effect->actor.id;
  effect->has_token = TRUE;
  memcpy (effect->token_hash, token_hash, sizeof token_hash);
  effect->expires_at = sr_db_get_int (result, 0, SR_USER_N_COLUMNS + 1);

  return session_result (token, sr_db_get_text (result, 0, SR_USER_N_COLUMNS),
                         sr_user_to_json (result, 0));
}

JsonNode *
sr_auth_logout (SrDb    *db,
                SrCall  *call,
                GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *hash_text = bytea_hex (call->token_hash, sizeof call->token_hash);
  g_autofree char *hex = plain_hex (call->token_hash, sizeof call->token_hash);
  g_autofree char *payload = g_strconcat ("token:", hex, NULL);
  const char *values[2] = { hash_text, payload };
  SrEffect *effect;

  result = sr_db_exec (db, sql_logout, 2, values, error);
  if (result == NULL)
    return NULL;

  effect = sr_call_add_effect (call, SR_EFFECT_REVOKE_TOKEN);
  effect->has_token = TRUE;
  memcpy (effect->token_hash, call->token_hash, sizeof call->token_hash);

  return sr_json_node_empty ();
}

JsonNode *
sr_auth_change_password (SrDb    *db,
                         SrCall  *call,
                         GError **error)
{
  g_autoptr(PGresult) current = NULL;
  g_autoptr(PGresult) updated = NULL;
  g_autoptr(PGresult) revoked = NULL;
  g_autofree char *new_hash = NULL;
  g_autofree char *keep = bytea_hex (call->token_hash, sizeof call->token_hash);
  g_autofree char *keep_hex = plain_hex (call->token_hash, sizeof call->token_hash);
  g_autofree char *payload = NULL;
  const char *old_password = NULL;
  const char *new_password = NULL;
  char user_id[32];
  const char *values[3];
  SrEffect *effect;

  if (!sr_param_string (call->params, "old", TRUE, 1024, &old_password, error) ||
      !sr_param_string (call->params, "new", TRUE, 1024, &new_password, error) ||
      !sr_password_check_new (new_password, "new", error))
    return NULL;

  g_snprintf (user_id, sizeof user_id, "%" G_GINT64_FORMAT, call->actor.id);
  values[0] = user_id;
  current = sr_db_exec (db, sql_password_hash, 1, values, error);
  if (current == NULL)
    return NULL;
  if (PQntuples (current) == 0 ||
      !sr_password_verify (sr_db_get_text (current, 0, 0), old_password))
    {
      sr_set_error (error, SR_ERROR_WRONG_PASSWORD, "old", "the current password is wrong");
      return NULL;
    }

  new_hash = sr_password_hash (new_password, error);
  if (new_hash == NULL)
    return NULL;

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  values[1] = new_hash;
  updated = sr_db_exec (db, sql_set_password, 2, values, error);
  if (updated == NULL)
    return NULL;

  /* Every other session of this user ends: a changed password is often a suspicion. */
  payload = g_strdup_printf ("revoke-user:%s:%s", user_id, keep_hex);
  values[1] = keep;
  values[2] = payload;
  revoked = sr_db_exec (db, sql_revoke_others, 3, values, error);
  if (revoked == NULL || !sr_db_commit (db, error))
    return NULL;

  effect = sr_call_add_effect (call, SR_EFFECT_REVOKE_USER);
  effect->user_id = call->actor.id;
  effect->has_token = TRUE;
  memcpy (effect->token_hash, call->token_hash, sizeof call->token_hash);

  return sr_json_node_empty ();
}

gboolean
sr_auth_check_session (SrDb    *db,
                       SrCall  *call,
                       GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *hash_text = bytea_hex (call->token_hash, sizeof call->token_hash);
  char idle[32];
  const char *values[2] = { hash_text, idle };
  SrEffect *effect;

  g_snprintf (idle, sizeof idle, "%" G_GINT64_FORMAT, call->config->session_idle_s);
  result = sr_db_exec (db, sql_resume, 2, values, error);
  if (result == NULL)
    return FALSE;

  if (PQntuples (result) == 0)
    {
      effect = sr_call_add_effect (call, SR_EFFECT_REVOKE_TOKEN);
      effect->has_token = TRUE;
      memcpy (effect->token_hash, call->token_hash, sizeof call->token_hash);
      sr_set_error (error, SR_ERROR_SESSION_EXPIRED, NULL, "the session has ended; sign in again");
      return FALSE;
    }

  sr_actor_from_row (&call->actor, result, 0);
  effect = sr_call_add_effect (call, SR_EFFECT_REFRESH_USER);
  effect->user_id = call->actor.id;
  sr_actor_copy (&effect->actor, &call->actor);

  return TRUE;
}
