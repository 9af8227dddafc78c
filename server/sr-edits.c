/* sr-edits.c: pending edits. edits.propose, edits.list, edits.approve, edits.reject and
 * edits.withdraw.
 *
 * A proposal is checked like a vehicles.update at the time it is made, and records the
 * vehicle's version. A decision locks the edits it decides (FOR UPDATE), so of many
 * concurrent approvals of one edit exactly one finds it pending; an approval also
 * locks the vehicles and applies only if every one is still at its edit's version.
 * A batch is decided as one: all of its pending edits, or none.
 */
#define G_LOG_DOMAIN "sr-edits"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-edits.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"
#include "sr-vehicles.h"

const char *const sr_edit_status_names[] = {
  "pending", "approved", "rejected", "stale", "withdrawn", NULL
};

#define MAX_NOTE 1000

JsonNode *
sr_edit_for (const char *json_text,
             SrRole      role,
             GError    **error)
{
  return sr_record_for ("pending_edit", json_text, role, error);
}

/* The first @n_rows edits of a result (their JSON text in @column), as this user may
 * see them. */
JsonArray *
sr_edit_array (PGresult  *result,
               int        n_rows,
               int        column,
               SrRole     role,
               GError   **error)
{
  g_autoptr(JsonArray) edits = json_array_sized_new (n_rows);

  for (int i = 0; i < n_rows; i++)
    {
      JsonNode *edit = sr_edit_for (PQgetvalue (result, i, column), role, error);

      if (edit == NULL)
        return NULL;
      json_array_add_element (edits, edit);
    }

  return g_steal_pointer (&edits);
}

/* Checks proposed changes as vehicles.update would check them; a sales user, who may
 * not see cost, may not propose one either. */
static const char *const money_fields[] = { "price", "cost" };

gboolean
sr_edit_check_changes (JsonObject     *changes,
                       const char     *prefix,
                       const SrActor  *actor,
                       GError        **error)
{
  if (json_object_get_size (changes) == 0)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, prefix, "%s must name at least one field", prefix);
      return FALSE;
    }
  if (actor->role == SR_ROLE_SALES && json_object_has_member (changes, "cost"))
    {
      g_autofree char *field = g_strdup_printf ("%s.cost", prefix);

      sr_set_error (error, SR_ERROR_FORBIDDEN, field, "cost is for managers to change");
      return FALSE;
    }

  if (!sr_vehicle_check_fields (changes, prefix, FALSE, actor, error))
    return FALSE;

  /* Stored as proposed and shown in lists and events: amounts in the protocol's form,
   * as the vehicle itself will have them. */
  for (guint i = 0; i < G_N_ELEMENTS (money_fields); i++)
    if (json_object_has_member (changes, money_fields[i]))
      {
        g_autofree char *canonical =
          sr_money_canonical (json_object_get_string_member (changes, money_fields[i]));

        json_object_set_string_member (changes, money_fields[i], canonical);
      }
  return TRUE;
}

static const char sql_propose[] =
  "INSERT INTO pending_edits AS e (vehicle_id, branch_id, proposed_by, base_version, changes, reason)"
  " SELECT v.id, v.branch_id, $3, v.version, $4::jsonb, $5"
  "   FROM vehicles v WHERE v.id = $1 AND v.version = $2"
  " RETURNING pending_edit_json(e)::text";

/* A new VIN that another vehicle (of any branch) already has would only be refused at
 * approval: say so to the proposer now. TRUE with @error set when it is taken or the
 * question failed. */
static gboolean
vin_in_use (SrDb        *db,
            JsonObject  *changes,
            const char  *vehicle_text,
            GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *values[2] = { json_object_get_string_member (changes, "vin"), vehicle_text };

  result = sr_db_exec (db, "SELECT showroom_vin_in_use($1, $2)", 2, values, error);
  if (result == NULL)
    return TRUE;
  if (g_str_equal (PQgetvalue (result, 0, 0), "t"))
    {
      sr_set_error (error, SR_ERROR_DUPLICATE_VIN, "changes.vin", "another vehicle has this VIN");
      return TRUE;
    }
  return FALSE;
}

JsonNode *
sr_edits_propose (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(JsonNode) changes_node = NULL;
  g_autofree char *changes_text = NULL;
  JsonObject *changes = NULL;
  const char *reason = "";
  gint64 vehicle_id = 0;
  gint64 version = 0;
  char vehicle_text[32];
  char version_text[32];
  char user_text[32];
  const char *values[5] = { vehicle_text, version_text, user_text, NULL, NULL };

  if (!sr_param_int (call->params, "vehicle_id", TRUE, 1, G_MAXINT64, &vehicle_id, error) ||
      !sr_param_int (call->params, "base_version", TRUE, 1, G_MAXINT32, &version, error) ||
      !sr_param_object (call->params, "changes", TRUE, &changes, error) ||
      !sr_param_string (call->params, "reason", FALSE, MAX_NOTE, &reason, error) ||
      !sr_edit_check_changes (changes, "changes", &call->actor, error))
    return NULL;

  changes_node = json_node_init_object (json_node_alloc (), changes);
  changes_text = sr_json_to_string (changes_node, NULL);
  sr_db_format_int (vehicle_text, sizeof vehicle_text, vehicle_id);
  sr_db_format_int (version_text, sizeof version_text, version);
  sr_db_format_int (user_text, sizeof user_text, call->actor.id);
  values[3] = changes_text;
  values[4] = reason;

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  if (json_object_has_member (changes, "vin") && vin_in_use (db, changes, vehicle_text, error))
    return NULL;
  result = sr_db_exec (db, sql_propose, 5, values, error);
  if (result == NULL)
    return NULL;
  /* A proposal against a version that is already gone would only ever go stale: the
   * proposer sees the vehicle as it is now instead. */
  if (PQntuples (result) == 0)
    {
      sr_vehicle_conflict (db, call->actor.role, vehicle_id, error);
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_edit_for (PQgetvalue (result, 0, 0), call->actor.role, error);
}

static const char sql_list[] =
  "SELECT pending_edit_json(e)::text, e.id FROM pending_edits e"
  " WHERE ($1::bigint IS NULL OR e.branch_id = $1)"
  "   AND ($2::edit_status[] IS NULL OR e.status = ANY ($2))"
  "   AND ($3::bigint IS NULL OR e.vehicle_id = $3)"
  "   AND ($4::bigint IS NULL OR e.proposed_by = $4)"
  "   AND ($5::bigint IS NULL OR e.batch_id = $5)"
  "   AND ($6::bigint IS NULL OR e.id < $6)"
  " ORDER BY e.id DESC LIMIT $7";

JsonNode *
sr_edits_list (SrDb    *db,
               SrCall  *call,
               GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *statuses = NULL;
  const char *after = NULL;
  gboolean mine = FALSE;
  gint64 vehicle_id = 0;
  gint64 batch_id = 0;
  gint64 limit = 100;
  gint64 cursor = 0;
  char branch_text[32];
  char vehicle_text[32];
  char user_text[32];
  char batch_text[32];
  char cursor_text[32];
  char limit_text[32];
  const char *values[7] = { NULL };
  JsonArray *items;
  int n;

  if (!sr_param_enum_set (call->params, "status", sr_edit_status_names, &statuses, error) ||
      !sr_param_int (call->params, "vehicle_id", FALSE, 1, G_MAXINT64, &vehicle_id, error) ||
      !sr_param_int (call->params, "batch_id", FALSE, 1, G_MAXINT64, &batch_id, error) ||
      !sr_param_bool (call->params, "mine", FALSE, &mine, error) ||
      !sr_param_paging (call->params, 100, 1000, &limit, &after, error) ||
      (after != NULL && !sr_cursor_decode (after, &cursor, error)))
    return NULL;

  /* Row-level security scopes the rows; saying so here lets the index do it. */
  sr_db_format_int (branch_text, sizeof branch_text, call->actor.branch_id);
  sr_db_format_int (vehicle_text, sizeof vehicle_text, vehicle_id);
  sr_db_format_int (user_text, sizeof user_text, call->actor.id);
  sr_db_format_int (batch_text, sizeof batch_text, batch_id);
  sr_db_format_int (cursor_text, sizeof cursor_text, cursor);
  sr_db_format_int (limit_text, sizeof limit_text, limit + 1);
  values[0] = call->actor.role != SR_ROLE_ADMIN ? branch_text : NULL;
  values[1] = statuses;
  values[2] = vehicle_id != 0 ? vehicle_text : NULL;
  values[3] = mine ? user_text : NULL;
  values[4] = batch_id != 0 ? batch_text : NULL;
  values[5] = after != NULL ? cursor_text : NULL;
  values[6] = limit_text;

  result = sr_db_exec (db, sql_list, 7, values, error);
  if (result == NULL)
    return NULL;

  n = MIN (PQntuples (result), limit);
  items = sr_edit_array (result, n, 0, call->actor.role, error);
  if (items == NULL)
    return NULL;

  return sr_page_new (items, n > 0 ? sr_db_get_int (result, n - 1, 1) : 0,
                      PQntuples (result) > limit);
}

/* Deciding: the edits named by {id} or {batch_id}, locked. */

typedef struct {
  gint64      id;         /* the edit, or 0 for a batch */
  gint64      batch_id;
  const char *note;
  GString    *pending;    /* "{1,2,3}": the pending edits among them */
  guint       n_pending;
  char       *first;      /* the first edit, as JSON text, for already_decided */
} Decision;

static void
decision_clear (Decision *self)
{
  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  g_free (self->first);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Decision, decision_clear)

static const char sql_lock[] =
  "SELECT e.id, e.proposed_by, e.status = 'pending', pending_edit_json(e)::text"
  "  FROM pending_edits e WHERE e.id = $1 OR e.batch_id = $2"
  " ORDER BY e.id FOR UPDATE";

static gboolean
decision_params (Decision  *self,
                 SrCall    *call,
                 gboolean   batch_allowed,
                 gboolean   note_required,
                 GError   **error)
{
  if (!sr_param_int (call->params, "id", FALSE, 1, G_MAXINT64, &self->id, error) ||
      (batch_allowed &&
       !sr_param_int (call->params, "batch_id", FALSE, 1, G_MAXINT64, &self->batch_id, error)))
    return FALSE;

  if ((self->id == 0) == (self->batch_id == 0))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, self->id ? "batch_id" : "id",
                    batch_allowed ? "give either id or batch_id" : "id is required");
      return FALSE;
    }

  if (note_required)
    return sr_param_text (call->params, "note", TRUE, MAX_NOTE, &self->note, error);

  self->note = "";
  return sr_param_string (call->params, "note", FALSE, MAX_NOTE, &self->note, error);
}

static void
already_decided (Decision  *self,
                 SrRole     role,
                 GError   **error)
{
  GError *decided;

  if (self->id != 0)
    decided = sr_error_new (SR_ERROR_ALREADY_DECIDED, NULL,
                            "edit %" G_GINT64_FORMAT " was already decided", self->id);
  else
    decided = sr_error_new (SR_ERROR_ALREADY_DECIDED, NULL,
                            "batch %" G_GINT64_FORMAT " has nothing left to decide", self->batch_id);
  if (self->id != 0)
    sr_error_set_extra_member (decided, "current", sr_edit_for (self->first, role, NULL));
  g_propagate_error (error, decided);
}

/* Locks the edits and checks who may decide them. @own: whether the caller must be the
 * proposer (withdraw) or must not be (approve, reject). */
static gboolean
decision_lock (Decision       *self,
               SrDb           *db,
               const SrActor  *actor,
               gboolean        own,
               GError        **error)
{
  g_autoptr(PGresult) result = NULL;
  char id_text[32];
  char batch_text[32];
  const char *values[2] = { NULL, NULL };
  int n;

  sr_db_format_int (id_text, sizeof id_text, self->id);
  sr_db_format_int (batch_text, sizeof batch_text, self->batch_id);
  values[0] = self->id ? id_text : NULL;
  values[1] = self->batch_id ? batch_text : NULL;

  result = sr_db_exec (db, sql_lock, 2, values, error);
  if (result == NULL)
    return FALSE;

  n = PQntuples (result);
  if (n == 0)
    {
      if (self->id != 0)
        sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "edit %" G_GINT64_FORMAT " not found", self->id);
      else
        sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "batch %" G_GINT64_FORMAT " not found",
                      self->batch_id);
      return FALSE;
    }

  self->pending = g_string_new ("{");
  self->first = g_strdup (PQgetvalue (result, 0, 3));
  for (int i = 0; i < n; i++)
    {
      gboolean proposer = sr_db_get_int (result, i, 1) == actor->id;

      if (own && !proposer)
        {
          sr_set_error (error, SR_ERROR_FORBIDDEN, NULL, "only the proposer may withdraw an edit");
          return FALSE;
        }
      if (!own && proposer)
        {
          sr_set_error (error, SR_ERROR_OWN_EDIT, NULL,
                        "somebody else must decide your own proposal");
          return FALSE;
        }
      if (sr_db_get_bool (result, i, 2))
        {
          g_string_append_printf (self->pending, "%s%s", self->n_pending ? "," : "",
                                  PQgetvalue (result, i, 0));
          self->n_pending++;
        }
    }
  g_string_append_c (self->pending, '}');

  if (self->n_pending == 0)
    {
      already_decided (self, actor->role, error);
      return FALSE;
    }

  return TRUE;
}

static const char sql_decide[] =
  "UPDATE pending_edits AS e SET status = $2::edit_status, decided_by = $3,"
  "       decided_at = now(), note = $4"
  " WHERE e.id = ANY ($1::bigint[])"
  " RETURNING pending_edit_json(e)::text, e.id";

/* Sets the status of the locked pending edits; returns their new forms. */
static JsonArray *
decision_set (Decision       *self,
              SrDb           *db,
              const SrActor  *actor,
              const char     *status,
              GError        **error)
{
  g_autoptr(PGresult) result = NULL;
  char actor_text[32];
  const char *values[4] = { self->pending->str, status, actor_text, self->note };

  sr_db_format_int (actor_text, sizeof actor_text, actor->id);
  result = sr_db_exec (db, sql_decide, 4, values, error);
  if (result == NULL)
    return NULL;

  return sr_edit_array (result, PQntuples (result), 0, actor->role, error);
}

/* Every vehicle of the edits, locked, so nobody changes one between the check and
 * the update. */
static const char sql_lock_vehicles[] =
  "SELECT count(*) FROM (SELECT 1 FROM vehicles v"
  "  WHERE v.id IN (SELECT e.vehicle_id FROM pending_edits e WHERE e.id = ANY ($1::bigint[]))"
  "  ORDER BY v.id FOR UPDATE) locked";

/* Edits whose vehicle moved on (or is no longer there for this user), with the
 * vehicle as it is now. */
static const char sql_stale[] =
  "SELECT e.id, e.vehicle_id, CASE WHEN v.id IS NOT NULL THEN vehicle_json(v)::text END"
  "  FROM pending_edits e LEFT JOIN vehicles v ON v.id = e.vehicle_id"
  " WHERE e.id = ANY ($1::bigint[]) AND (v.id IS NULL OR v.version <> e.base_version)"
  " ORDER BY e.id";

static const char sql_apply[] =
  "SELECT a.edit_id, a.vehicle::text FROM showroom_apply_edits ($1::bigint[]) a";

/* The stale edits become `stale` (committed: that much is decided), and the call
 * fails with stale_edit, the first vehicle as it is now in data.current. */
static gboolean
check_stale (Decision       *self,
             SrDb           *db,
             const SrActor  *actor,
             GError        **error)
{
  g_autoptr(PGresult) stale = NULL;
  g_autoptr(PGresult) marked = NULL;
  g_autoptr(GString) ids = NULL;
  g_autoptr(JsonArray) stale_ids = NULL;
  char actor_text[32];
  const char *values[4] = { NULL, "stale", actor_text, "" };
  GError *failure;
  int n;

  stale = sr_db_exec (db, sql_stale, 1, (const char *[]) { self->pending->str }, error);
  if (stale == NULL)
    return FALSE;
  n = PQntuples (stale);
  if (n == 0)
    return TRUE;

  ids = g_string_new ("{");
  stale_ids = json_array_new ();
  for (int i = 0; i < n; i++)
    {
      g_string_append_printf (ids, "%s%s", i ? "," : "", PQgetvalue (stale, i, 0));
      json_array_add_int_element (stale_ids, sr_db_get_int (stale, i, 0));
    }
  g_string_append_c (ids, '}');

  sr_db_format_int (actor_text, sizeof actor_text, actor->id);
  values[0] = ids->str;
  marked = sr_db_exec (db, sql_decide, 4, values, error);
  if (marked == NULL || !sr_db_commit (db, error))
    return FALSE;

  if (self->id != 0)
    failure = sr_error_new (SR_ERROR_STALE_EDIT, NULL,
                            "the vehicle changed after this edit was proposed; nothing was applied");
  else
    failure = sr_error_new (SR_ERROR_STALE_EDIT, NULL,
                            "%d of the batch's vehicles changed after it was proposed; nothing was applied",
                            n);
  if (!PQgetisnull (stale, 0, 2))
    sr_error_set_extra_member (failure, "current",
                               sr_vehicle_for (PQgetvalue (stale, 0, 2), actor->role, NULL));
  sr_error_set_extra_member (failure, "stale", json_node_init_array (json_node_alloc (), stale_ids));
  g_propagate_error (error, failure);
  return FALSE;
}

JsonNode *
sr_edits_approve (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  g_auto(Decision) decision = { 0 };
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) applied = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonArray) edits = NULL;
  g_autoptr(JsonArray) vehicles = NULL;
  JsonObject *result;

  if (!decision_params (&decision, call, TRUE, FALSE, error))
    return NULL;

  if (!sr_db_begin (db, "direct", error) ||
      !decision_lock (&decision, db, &call->actor, FALSE, error))
    return NULL;

  locked = sr_db_exec (db, sql_lock_vehicles, 1, (const char *[]) { decision.pending->str }, error);
  if (locked == NULL || !check_stale (&decision, db, &call->actor, error))
    return NULL;

  applied = sr_db_exec (db, sql_apply, 1, (const char *[]) { decision.pending->str }, &local_error);
  if (applied == NULL)
    {
      sr_vehicle_write_error (db, &local_error, error);
      return NULL;
    }
  /* Every vehicle was locked at its base version: all apply, or this is a bug. */
  if ((guint) PQntuples (applied) != decision.n_pending)
    {
      sr_set_error (error, SR_ERROR_INTERNAL_ERROR, NULL, "the edits could not all be applied");
      return NULL;
    }

  vehicles = json_array_sized_new (decision.n_pending);
  for (int i = 0; i < PQntuples (applied); i++)
    {
      JsonNode *vehicle = sr_vehicle_for (PQgetvalue (applied, i, 1), call->actor.role, error);

      if (vehicle == NULL)
        return NULL;
      json_array_add_element (vehicles, vehicle);
    }

  edits = decision_set (&decision, db, &call->actor, "approved", error);
  if (edits == NULL || !sr_db_commit (db, error))
    return NULL;

  result = json_object_new ();
  json_object_set_array_member (result, "edits", g_steal_pointer (&edits));
  json_object_set_array_member (result, "vehicles", g_steal_pointer (&vehicles));
  return sr_json_node_take_object (result);
}

static JsonNode *
decide (SrDb        *db,
        SrCall      *call,
        const char  *status,
        GError     **error)
{
  g_auto(Decision) decision = { 0 };
  g_autoptr(JsonArray) edits = NULL;
  gboolean withdrawing = g_str_equal (status, "withdrawn");
  JsonObject *result;

  if (!decision_params (&decision, call, !withdrawing, !withdrawing, error))
    return NULL;

  if (!sr_db_begin (db, "direct", error) ||
      !decision_lock (&decision, db, &call->actor, withdrawing, error))
    return NULL;

  edits = decision_set (&decision, db, &call->actor, status, error);
  if (edits == NULL || !sr_db_commit (db, error))
    return NULL;

  if (withdrawing)
    return json_node_copy (json_array_get_element (edits, 0));

  result = json_object_new ();
  json_object_set_array_member (result, "edits", g_steal_pointer (&edits));
  return sr_json_node_take_object (result);
}

JsonNode *
sr_edits_reject (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  return decide (db, call, "rejected", error);
}

/* edits.withdraw {id} -> the PendingEdit, now withdrawn. */
JsonNode *
sr_edits_withdraw (SrDb    *db,
                   SrCall  *call,
                   GError **error)
{
  return decide (db, call, "withdrawn", error);
}
