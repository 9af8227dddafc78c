/* sr-admin.c: users.* and branches.*.
 *
 * A user change that affects live sessions (role, branch, deactivation, new password)
 * is announced on showroom_auth so every showroomd applies it at once.
 */
#define G_LOG_DOMAIN "sr-admin"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-params.h"

static const char sql_users_page[] =
  "SELECT " SR_USER_COLUMNS " FROM users u WHERE u.id > $1 ORDER BY u.id LIMIT $2";

static const char sql_user_insert[] =
  "INSERT INTO users AS u (email, name, role, branch_id, password_hash)"
  " VALUES ($1, $2, $3::user_role, $4, $5)"
  " RETURNING " SR_USER_COLUMNS;

static const char sql_user_update[] =
  "UPDATE users AS u SET"
  "  name = COALESCE($2, u.name),"
  "  role = COALESCE($3::user_role, u.role),"
  "  branch_id = COALESCE($4::bigint, u.branch_id),"
  "  active = COALESCE($5::boolean, u.active),"
  "  password_hash = COALESCE($6, u.password_hash),"
  "  updated_at = now()"
  " WHERE u.id = $1"
  " RETURNING " SR_USER_COLUMNS;

static const char sql_user_revoke[] =
  "WITH gone AS (DELETE FROM auth_sessions WHERE user_id = $1 RETURNING 1)"
  "SELECT pg_notify('showroom_auth', $2)";

static const char sql_notify[] =
  "SELECT pg_notify('showroom_auth', $1)";

static const char sql_branches_page[] =
  "SELECT " SR_BRANCH_COLUMNS " FROM branches b WHERE b.id > $1 ORDER BY b.id LIMIT $2";

static const char sql_branch_insert[] =
  "INSERT INTO branches AS b (name, city) VALUES ($1, $2) RETURNING " SR_BRANCH_COLUMNS;

#define UNIQUE_VIOLATION      "23505"
#define FOREIGN_KEY_VIOLATION "23503"

typedef JsonNode *(*RowToJson) (PGresult *result, int row);

/* Keyset paging on id: stable while rows are added, and cheap at any depth. */
static JsonNode *
list_page (SrDb        *db,
           SrCall      *call,
           const char  *sql,
           RowToJson    to_json,
           GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *after = NULL;
  gint64 limit = 0;
  gint64 after_id = 0;
  char after_text[32];
  char limit_text[32];
  const char *values[2] = { after_text, limit_text };
  JsonArray *items;
  int n;

  if (!sr_param_paging (call->params, 100, 1000, &limit, &after, error))
    return NULL;
  if (after != NULL && !sr_cursor_decode (after, &after_id, error))
    return NULL;

  g_snprintf (after_text, sizeof after_text, "%" G_GINT64_FORMAT, after_id);
  g_snprintf (limit_text, sizeof limit_text, "%" G_GINT64_FORMAT, limit + 1);
  result = sr_db_exec (db, sql, 2, values, error);
  if (result == NULL)
    return NULL;

  n = MIN (PQntuples (result), limit);
  items = json_array_sized_new (n);
  for (int i = 0; i < n; i++)
    json_array_add_element (items, to_json (result, i));

  return sr_page_new (items, n > 0 ? sr_db_get_int (result, n - 1, 0) : after_id,
                      PQntuples (result) > limit);
}

JsonNode *
sr_users_list (SrDb    *db,
               SrCall  *call,
               GError **error)
{
  return list_page (db, call, sql_users_page, sr_user_to_json, error);
}

JsonNode *
sr_branches_list (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  return list_page (db, call, sql_branches_page, sr_branch_to_json, error);
}

static gboolean
check_email_domain (SrCall      *call,
                    const char  *email,
                    GError     **error)
{
  g_autofree char *list = NULL;

  if (sr_config_email_allowed (call->config, email))
    return TRUE;

  list = g_strjoinv (", ", call->config->allowed_domains);
  sr_set_error (error, SR_ERROR_EMAIL_DOMAIN, "email",
                "e-mail addresses must be at one of: %s", list);
  return FALSE;
}

static void
branch_missing (gint64   branch_id,
                GError **error)
{
  sr_set_error (error, SR_ERROR_INVALID_PARAMS, "branch_id",
                "branch %" G_GINT64_FORMAT " does not exist", branch_id);
}

JsonNode *
sr_users_create (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *email = NULL;
  g_autofree char *hash = NULL;
  const char *name = NULL;
  const char *role = NULL;
  const char *password = NULL;
  gint64 branch_id = 0;
  char branch_text[32];
  const char *values[5];

  email = sr_param_email (call->params, "email", error);
  if (email == NULL ||
      !check_email_domain (call, email, error) ||
      !sr_param_text (call->params, "name", TRUE, 200, &name, error) ||
      !sr_param_enum (call->params, "role", TRUE, sr_role_names, &role, error) ||
      !sr_param_int (call->params, "branch_id", TRUE, 1, G_MAXINT64, &branch_id, error) ||
      !sr_param_string (call->params, "password", TRUE, 1024, &password, error) ||
      !sr_password_check_new (password, "password", error))
    return NULL;

  hash = sr_password_hash (password, error);
  if (hash == NULL)
    return NULL;

  g_snprintf (branch_text, sizeof branch_text, "%" G_GINT64_FORMAT, branch_id);
  values[0] = email;
  values[1] = name;
  values[2] = role;
  values[3] = branch_text;
  values[4] = hash;

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_user_insert, 5, values, &local_error);
  if (result == NULL)
    {
      if (sr_db_failed_with (db, UNIQUE_VIOLATION, "users_email_key"))
        sr_set_error (error, SR_ERROR_DUPLICATE_EMAIL, "email",
                      "a user with e-mail %s already exists", email);
      else if (sr_db_failed_with (db, FOREIGN_KEY_VIOLATION, NULL))
        branch_missing (branch_id, error);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_user_to_json (result, 0);
}

static const char *const user_changes[] = {
  "name", "role", "branch_id", "active", "password", NULL
};

JsonNode *
sr_users_update (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) notified = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *payload = NULL;
  JsonObject *changes = NULL;
  const char *name = NULL;
  const char *role = NULL;
  const char *password = NULL;
  gint64 id = 0;
  gint64 branch_id = 0;
  gboolean active = TRUE;
  gboolean has_active = FALSE;
  char id_text[32];
  char branch_text[32];
  const char *values[6] = { id_text, NULL, NULL, NULL, NULL, NULL };
  SrEffect *effect;

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_object (call->params, "changes", TRUE, &changes, error))
    return NULL;
  if (!sr_param_only (changes, "changes", user_changes, error) ||
      !sr_param_text (changes, "name", FALSE, 200, &name, error) ||
      !sr_param_enum (changes, "role", FALSE, sr_role_names, &role, error) ||
      !sr_param_int (changes, "branch_id", FALSE, 1, G_MAXINT64, &branch_id, error) ||
      !sr_param_bool (changes, "active", FALSE, &active, error) ||
      !sr_param_string (changes, "password", FALSE, 1024, &password, error))
    {
      sr_error_prefix_field (*error, "changes");
      return NULL;
    }

  if (json_object_get_size (changes) == 0)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "changes", "changes is empty");
      return NULL;
    }
  has_active = json_object_has_member (changes, "active") &&
               !json_node_is_null (json_object_get_member (changes, "active"));

  /* An administrator who locks themselves out needs another one to get back in. */
  if (id == call->actor.id && ((has_active && !active) ||
                               (role != NULL && !g_str_equal (role, "admin"))))
    {
      sr_set_error (error, SR_ERROR_FORBIDDEN, "changes",
                    "you cannot deactivate yourself or give up your own admin role");
      return NULL;
    }

  if (password != NULL)
    {
      if (!sr_password_check_new (password, "changes.password", error))
        return NULL;
      hash = sr_password_hash (password, error);
      if (hash == NULL)
        return NULL;
    }

  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  g_snprintf (branch_text, sizeof branch_text, "%" G_GINT64_FORMAT, branch_id);
  values[1] = name;
  values[2] = role;
  values[3] = branch_id ? branch_text : NULL;
  values[4] = has_active ? (active ? "true" : "false") : NULL;
  values[5] = hash;

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_user_update, 6, values, &local_error);
  if (result == NULL)
    {
      if (sr_db_failed_with (db, FOREIGN_KEY_VIOLATION, NULL))
        branch_missing (branch_id, error);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (PQntuples (result) == 0)
    {
      sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "user %" G_GINT64_FORMAT " not found", id);
      return NULL;
    }

  if (hash != NULL || (has_active && !active))
    {
      const char *revoke_values[2];

      payload = g_strdup_printf ("revoke-user:%s", id_text);
      revoke_values[0] = id_text;
      revoke_values[1] = payload;
      notified = sr_db_exec (db, sql_user_revoke, 2, revoke_values, error);
      effect = sr_call_add_effect (call, SR_EFFECT_REVOKE_USER);
      effect->user_id = id;
    }
  else
    {
      const char *notify_values[1];

      payload = g_strdup_printf ("user:%s", id_text);
      notify_values[0] = payload;
      notified = sr_db_exec (db, sql_notify, 1, notify_values, error);
      effect = sr_call_add_effect (call, SR_EFFECT_REFRESH_USER);
      effect->user_id = id;
      sr_actor_from_row (&effect->actor, result, 0);
    }
  if (notified == NULL || !sr_db_commit (db, error))
    return NULL;

  return sr_user_to_json (result, 0);
}

JsonNode *
sr_branches_create (SrDb    *db,
                    SrCall  *call,
                    GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name = NULL;
  const char *city = "";
  const char *values[2];

  if (!sr_param_text (call->params, "name", TRUE, 100, &name, error) ||
      !sr_param_string (call->params, "city", FALSE, 100, &city, error))
    return NULL;

  values[0] = name;
  values[1] = city;
  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_branch_insert, 2, values, &local_error);
  if (result == NULL)
    {
      if (sr_db_failed_with (db, UNIQUE_VIOLATION, "branches_name_key"))
        sr_set_error (error, SR_ERROR_DUPLICATE_NAME, "name",
                      "a branch named %s already exists", name);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_branch_to_json (result, 0);
}
