/* sr-dispatch.c: which method needs what, and the per-call bookkeeping.
 *
 * `hello` and `ping` never reach this table: the session answers them itself, since
 * they need neither the database nor a session.
 */
#define G_LOG_DOMAIN "sr-dispatch"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"

#define ADMIN   SR_ROLE_ADMIN
#define MANAGER (SR_ROLE_MANAGER | SR_ROLE_ADMIN)
#define ANY     SR_ROLES_ANY

static const SrMethod methods[] = {
  { "auth.login",           0,     sr_auth_login },
  { "auth.resume",          0,     sr_auth_resume },
  { "auth.logout",          ANY,   sr_auth_logout },
  { "auth.change_password", ANY,   sr_auth_change_password },
  { "bulk.apply",           ANY,   sr_bulk_apply },
  { "bulk.preview",         ANY,   sr_bulk_preview },
  { "customers.create",     ANY,   sr_customers_create },
  { "customers.get",        ANY,   sr_customers_get },
  { "customers.list",       ANY,   sr_customers_list },
  { "customers.update",     ANY,   sr_customers_update },
  { "edits.approve",        MANAGER, sr_edits_approve },
  { "edits.list",           ANY,   sr_edits_list },
  { "edits.propose",        ANY,   sr_edits_propose },
  { "edits.reject",         MANAGER, sr_edits_reject },
  { "edits.withdraw",       ANY,   sr_edits_withdraw },
  { "branches.create",      ADMIN, sr_branches_create },
  { "branches.list",        ANY,   sr_branches_list },
  { "followups.complete",   ANY,   sr_followups_complete },
  { "followups.create",     ANY,   sr_followups_create },
  { "followups.list",       ANY,   sr_followups_list },
  { "reports.summary",      ANY,   sr_reports_summary },
  { "sales.cancel",         ANY,   sr_sales_cancel },
  { "sales.complete",       ANY,   sr_sales_complete },
  { "sales.get",            ANY,   sr_sales_get },
  { "sales.list",           ANY,   sr_sales_list },
  { "sales.reserve",        ANY,   sr_sales_reserve },
  { "users.create",         ADMIN, sr_users_create },
  { "users.list",           ADMIN, sr_users_list },
  { "users.update",         ADMIN, sr_users_update },
  { "vehicles.create",      MANAGER, sr_vehicles_create },
  { "vehicles.get",         ANY,   sr_vehicles_get, sr_vehicles_get_simple, sr_vehicles_get_finish },
  { "vehicles.history",     ANY,   sr_vehicles_history },
  { "vehicles.list",        ANY,   sr_vehicles_list },
  { "vehicles.update",      MANAGER, sr_vehicles_update },
};

const SrMethod *
sr_dispatch_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].name, name))
      return &methods[i];

  return NULL;
}

void
sr_actor_clear (SrActor *actor)
{
  g_clear_pointer (&actor->email, g_free);
  g_clear_pointer (&actor->name, g_free);
  memset (actor, 0, sizeof *actor);
}

void
sr_actor_copy (SrActor       *dest,
               const SrActor *src)
{
  sr_actor_clear (dest);
  *dest = *src;
  dest->email = g_strdup (src->email);
  dest->name = g_strdup (src->name);
}

void
sr_actor_from_row (SrActor  *actor,
                   PGresult *result,
                   int       row)
{
  sr_actor_clear (actor);
  actor->id = sr_db_get_int (result, row, 0);
  actor->email = g_strdup (sr_db_get_text (result, row, 1));
  actor->name = g_strdup (sr_db_get_text (result, row, 2));
  actor->role = sr_role_from_string (sr_db_get_text (result, row, 3));
  actor->branch_id = sr_db_get_int (result, row, 4);
}

static void
effect_free (gpointer data)
{
  SrEffect *effect = data;

  sr_actor_clear (&effect->actor);
  g_free (effect);
}

SrCall *
sr_call_new (const SrConfig *config,
             const char     *method,
             JsonObject     *params)
{
  SrCall *call = g_new0 (SrCall, 1);

  call->config = config;
  call->method = g_strdup (method);
  call->params = params ? json_object_ref (params) : json_object_new ();
  call->effects = g_ptr_array_new_with_free_func (effect_free);

  return call;
}

void
sr_call_free (SrCall *call)
{
  if (call == NULL)
    return;

  g_free (call->method);
  g_free (call->raw_result);
  json_object_unref (call->params);
  sr_actor_clear (&call->actor);
  g_ptr_array_unref (call->effects);
  g_free (call);
}

SrEffect *
sr_call_add_effect (SrCall       *call,
                    SrEffectKind  kind)
{
  SrEffect *effect = g_new0 (SrEffect, 1);

  effect->kind = kind;
  g_ptr_array_add (call->effects, effect);
  return effect;
}

JsonNode *
sr_dispatch_run (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  const SrMethod *method = sr_dispatch_lookup (call->method);

  if (method == NULL)
    {
      sr_set_error (error, SR_ERROR_METHOD_NOT_FOUND, NULL, "no method %s", call->method);
      return NULL;
    }

  /* The session row is checked now and then, and whenever the user changed elsewhere:
   * a logout or a deactivation on another server ends this session too. */
  if (method->roles != 0 && (call->touch_session || call->refresh_actor))
    {
      if (!sr_auth_check_session (db, call, error))
        return NULL;
      if ((method->roles & call->actor.role) == 0)
        {
          sr_set_error (error, SR_ERROR_FORBIDDEN, NULL, "your role may not call %s", call->method);
          return NULL;
        }
    }

  /* db is NULL only for the fuzz target, which runs the checks without a database. */
  if (db != NULL && !sr_db_act_as (db, call->actor.id, sr_role_to_string (call->actor.role),
                     call->actor.branch_id, error))
    return NULL;

  return method->func (db, call, error);
}
