/* sr-customers.c: customers and their follow-ups. customers.list, customers.get,
 * customers.create, customers.update, followups.list, followups.create and
 * followups.complete.
 *
 * Both are branch records: row-level security scopes every statement here, and the
 * server's own checks come first only to give clearer errors. Objects are built by the
 * database (customer_json, followup_json), as for vehicles.
 */
#define G_LOG_DOMAIN "sr-customers"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"
#include "sr-sales.h"

#define FOREIGN_KEY_VIOLATION "23503"
#define RLS_VIOLATION         "42501"

#define MAX_NAME  200
#define MAX_CITY  100
#define MAX_NOTES 4000
#define MAX_NOTE  1000

const char *const sr_customer_status_names[] = { "lead", "active", "inactive", NULL };
const char *const sr_followup_kind_names[] = { "call", "visit", "email", "sms", "test_drive", NULL };
const char *const sr_followup_status_names[] = { "pending", "done", "cancelled", NULL };

static const char *const customer_fields[] = {
  "name", "phone", "email", "city", "status", "notes", "branch_id", NULL
};

gboolean
sr_param_date (JsonObject  *params,
               const char  *name,
               gboolean     required,
               const char **out,
               GError     **error)
{
  const char *value = NULL;

  if (!sr_param_string (params, name, required, 10, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (!sr_text_is_date (value))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s must be a date, YYYY-MM-DD, from 1900-01-01 to 9999-12-31", name);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

char *
sr_param_timestamp (JsonObject  *params,
                    const char  *name,
                    gboolean     required,
                    gboolean    *present,
                    GError     **error)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) utc = NULL;
  const char *value = NULL;

  *present = FALSE;
  if (!sr_param_string (params, name, required, 64, &value, error) || value == NULL)
    return NULL;

  /* GLib's parser wants the offset (no default zone is given) and accepts forms
   * PostgreSQL would not, so the value goes on in GLib's own spelling. */
  time = g_date_time_new_from_iso8601 (value, NULL);
  if (time != NULL)
    utc = g_date_time_to_utc (time);
  /* In UTC too: 9999-12-31T23:59:59-12:00 is already in the year 10000 there. */
  if (utc == NULL || g_date_time_get_year (utc) < 1900 || g_date_time_get_year (utc) > 9999)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s must be a time with its offset, like 2025-06-07T09:30:00+05:30, "
                    "from 1900 to 9999", name);
      return NULL;
    }

  *present = TRUE;
  return g_date_time_format_iso8601 (time);
}

/* The protocol's rule: digits with an optional leading +, 8 to 15 digits. Nothing is
 * rewritten: "+91 98200 12345" is refused, not guessed at. */
static gboolean
phone_valid (const char *phone)
{
  const char *p = phone;
  guint digits = 0;

  if (*p == '+')
    p++;
  for (; *p; p++, digits++)
    if (!g_ascii_isdigit (*p))
      return FALSE;

  return digits >= 8 && digits <= 15;
}

char *
sr_like_pattern (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);
  GString *out = g_string_new ("%");

  for (const char *p = lower; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '%');

  return g_string_free (out, FALSE);
}

/* Checks a new customer's members (or the members of `changes`) and returns them as
 * they will be stored: the e-mail address trimmed and lower-cased, nothing else
 * touched. */
static JsonObject *
check_customer (JsonObject     *fields,
                const char     *prefix,
                gboolean        creating,
                const SrActor  *actor,
                GError        **error)
{
  g_autoptr(JsonObject) checked = json_object_new ();
  g_autoptr(GError) local_error = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  const char *text = NULL;
  gint64 branch_id = 0;

  if (!sr_param_only (fields, prefix, customer_fields, &local_error))
    goto fail;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (JSON_NODE_HOLDS_NULL (node))
        {
          sr_set_error (&local_error, SR_ERROR_INVALID_PARAMS, name, "%s cannot be null", name);
          goto fail;
        }
      json_object_set_member (checked, name, json_node_copy (node));
    }

  if (!sr_param_text (fields, "name", creating, MAX_NAME, &text, &local_error) ||
      !sr_param_string (fields, "city", FALSE, MAX_CITY, &text, &local_error) ||
      !sr_param_string (fields, "notes", FALSE, MAX_NOTES, &text, &local_error) ||
      !sr_param_enum (fields, "status", FALSE, sr_customer_status_names, &text, &local_error))
    goto fail;

  text = NULL;
  if (!sr_param_string (fields, "phone", FALSE, 16, &text, &local_error))
    goto fail;
  if (text != NULL && *text != '\0' && !phone_valid (text))
    {
      sr_set_error (&local_error, SR_ERROR_INVALID_PARAMS, "phone",
                    "a phone number is 8 to 15 digits with an optional leading +, nothing else");
      goto fail;
    }

  text = NULL;
  if (!sr_param_string (fields, "email", FALSE, 254, &text, &local_error))
    goto fail;
  if (text != NULL && *text != '\0')
    {
      g_autofree char *email = sr_param_email (fields, "email", &local_error);

      if (email == NULL)
        goto fail;
      json_object_set_string_member (checked, "email", email);
    }

  if (!sr_param_int (fields, "branch_id", FALSE, 1, G_MAXINT64, &branch_id, &local_error))
    goto fail;
  if (branch_id != 0 && branch_id != actor->branch_id && actor->role != SR_ROLE_ADMIN)
    {
      sr_set_error (&local_error, SR_ERROR_OTHER_BRANCH, "branch_id",
                    "only an administrator may place a customer in another branch");
      goto fail;
    }

  return g_steal_pointer (&checked);

fail:
  sr_error_prefix_field (local_error, prefix);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* A failed write, in the protocol's words where the schema refused it. */
static void
customer_write_error (SrDb        *db,
                      const char  *prefix,
                      GError     **local_error,
                      GError     **error)
{
  g_autofree char *field = prefix ? g_strdup_printf ("%s.branch_id", prefix) : g_strdup ("branch_id");

  if (sr_db_failed_with (db, FOREIGN_KEY_VIOLATION, NULL))
    sr_set_error (error, SR_ERROR_INVALID_PARAMS, field, "no such branch");
  else if (sr_db_failed_with (db, RLS_VIOLATION, NULL))
    sr_set_error (error, SR_ERROR_OTHER_BRANCH, field, "that branch is not yours");
  else
    {
      g_propagate_error (error, g_steal_pointer (local_error));
      return;
    }
  g_clear_error (local_error);
}

static const char sql_customer_get[] =
  "SELECT customer_json(c)::text FROM customers c WHERE c.id = $1";

static void
customer_missing (gint64       id,
                  const char  *field,
                  GError     **error)
{
  sr_set_error (error, SR_ERROR_NOT_FOUND, field, "customer %" G_GINT64_FORMAT " not found", id);
}

JsonNode *
sr_customers_get (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  g_autoptr(PGresult) result = NULL;
  gint64 id = 0;
  char id_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error))
    return NULL;

  sr_db_format_int (id_text, sizeof id_text, id);
  result = sr_db_exec (db, sql_customer_get, 1, (const char *[]) { id_text }, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      customer_missing (id, NULL, error);
      return NULL;
    }

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

static const char sql_customer_list[] =
  "SELECT customer_json(c)::text, c.id FROM customers c"
  " WHERE ($1::bigint IS NULL OR c.branch_id = $1)"
  "   AND ($2::customer_status[] IS NULL OR c.status = ANY ($2))"
  "   AND ($3::text IS NULL OR lower(c.name || ' ' || c.phone || ' ' || c.email) LIKE $3)"
  "   AND ($4::bigint IS NULL OR c.id > $4)"
  " ORDER BY c.id LIMIT $5";

static const char *const customer_filter_members[] = { "text", "status", "branch_id", NULL };

JsonNode *
sr_customers_list (SrDb    *db,
                   SrCall  *call,
                   GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(JsonObject) empty = json_object_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *pattern = NULL;
  JsonObject *filter = NULL;
  const char *text = NULL;
  const char *after = NULL;
  gint64 branch_id = 0;
  gint64 limit = 100;
  gint64 cursor = 0;
  char branch_text[32];
  char cursor_text[32];
  char limit_text[32];
  const char *values[5] = { NULL };

  if (!sr_param_object (call->params, "filter", FALSE, &filter, error) ||
      !sr_param_paging (call->params, 100, 1000, &limit, &after, error) ||
      (after != NULL && !sr_cursor_decode (after, &cursor, error)))
    return NULL;
  if (filter == NULL)
    filter = empty;
  if (!sr_param_only (filter, "filter", customer_filter_members, error))
    return NULL;
  if (!sr_param_string (filter, "text", FALSE, 100, &text, &local_error) ||
      !sr_param_enum_set (filter, "status", sr_customer_status_names, &statuses, &local_error) ||
      !sr_param_int (filter, "branch_id", FALSE, 1, G_MAXINT64, &branch_id, &local_error))
    {
      sr_error_prefix_field (local_error, "filter");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Another branch's filter matches nothing, as row-level security would say anyway. */
  if (call->actor.role != SR_ROLE_ADMIN)
    branch_id = branch_id != 0 && branch_id != call->actor.branch_id ? -1 : call->actor.branch_id;
  if (text != NULL && *text != '\0')
    pattern = sr_like_pattern (text);

  sr_db_format_int (branch_text, sizeof branch_text, branch_id);
  sr_db_format_int (cursor_text, sizeof cursor_text, cursor);
  sr_db_format_int (limit_text, sizeof limit_text, limit + 1);
  values[0] = branch_id != 0 ? branch_text : NULL;
  values[1] = statuses;
  values[2] = pattern;
  values[3] = after != NULL ? cursor_text : NULL;
  values[4] = limit_text;

  result = sr_db_exec (db, sql_customer_list, 5, values, error);
  if (result == NULL)
    return NULL;

  return sr_page_from_rows (result, limit, error);
}

static const char sql_customer_create[] =
  "INSERT INTO customers AS c (name, phone, email, city, status, notes, branch_id)"
  " SELECT r.name, coalesce(r.phone, ''), coalesce(r.email, ''), coalesce(r.city, ''),"
  "        coalesce(r.status, 'lead'), coalesce(r.notes, ''), coalesce(r.branch_id, $2)"
  "   FROM jsonb_populate_record(NULL::customers, $1::jsonb) r"
  " RETURNING customer_json(c)::text";

JsonNode *
sr_customers_create (SrDb    *db,
                     SrCall  *call,
                     GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  char branch_text[32];

  fields = check_customer (call->params, NULL, TRUE, &call->actor, error);
  if (fields == NULL)
    return NULL;

  node = json_node_init_object (json_node_alloc (), fields);
  text = sr_json_to_string (node, NULL);
  sr_db_format_int (branch_text, sizeof branch_text, call->actor.branch_id);

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_customer_create, 2, (const char *[]) { text, branch_text },
                       &local_error);
  if (result == NULL)
    {
      customer_write_error (db, NULL, &local_error, error);
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

static const char sql_customer_update[] =
  "UPDATE customers AS c SET (name, phone, email, city, status, notes, branch_id) ="
  "  (SELECT r.name, r.phone, r.email, r.city, r.status, r.notes, r.branch_id"
  "     FROM jsonb_populate_record(c, $3::jsonb) r)"
  " WHERE c.id = $1 AND c.version = $2"
  " RETURNING customer_json(c)::text";

JsonNode *
sr_customers_update (SrDb    *db,
                     SrCall  *call,
                     GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) current = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) checked = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObject *changes = NULL;
  GError *conflict;
  gint64 id = 0;
  gint64 version = 0;
  char id_text[32];
  char version_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_int (call->params, "version", TRUE, 1, G_MAXINT32, &version, error) ||
      !sr_param_object (call->params, "changes", TRUE, &changes, error))
    return NULL;
  if (json_object_get_size (changes) == 0)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "changes", "changes must name at least one field");
      return NULL;
    }
  checked = check_customer (changes, "changes", FALSE, &call->actor, error);
  if (checked == NULL)
    return NULL;

  node = json_node_init_object (json_node_alloc (), checked);
  text = sr_json_to_string (node, NULL);
  sr_db_format_int (id_text, sizeof id_text, id);
  sr_db_format_int (version_text, sizeof version_text, version);

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_customer_update, 3,
                       (const char *[]) { id_text, version_text, text }, &local_error);
  if (result == NULL)
    {
      customer_write_error (db, "changes", &local_error, error);
      return NULL;
    }
  if (PQntuples (result) == 1)
    {
      if (!sr_db_commit (db, error))
        return NULL;
      return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
    }

  /* Not at that version, or not there for this user. */
  current = sr_db_exec (db, sql_customer_get, 1, (const char *[]) { id_text }, error);
  if (current == NULL)
    return NULL;
  if (PQntuples (current) == 0)
    {
      customer_missing (id, NULL, error);
      return NULL;
    }
  conflict = sr_error_new (SR_ERROR_VERSION_CONFLICT, "version",
                           "customer %" G_GINT64_FORMAT " was changed by someone else", id);
  sr_error_set_extra_member (conflict, "current",
                             sr_json_from_string (PQgetvalue (current, 0, 0), -1, NULL));
  g_propagate_error (error, conflict);
  return NULL;
}

/* Follow-ups */

static const char sql_customer_branch[] =
  "SELECT c.branch_id FROM customers c WHERE c.id = $1";

static const char sql_vehicle_branch[] =
  "SELECT v.branch_id FROM vehicles v WHERE v.id = $1";

static const char sql_followup_create[] =
  "INSERT INTO followups AS f (customer_id, vehicle_id, branch_id, due_at, kind, note, assigned_to)"
  " VALUES ($1, $2, $3, $4::timestamptz, $5::followup_kind, $6, $7)"
  " RETURNING followup_json(f)::text";

JsonNode *
sr_followups_create (SrDb    *db,
                     SrCall  *call,
                     GError **error)
{
  g_autoptr(PGresult) customer = NULL;
  g_autoptr(PGresult) vehicle = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *due_at = NULL;
  gboolean has_due = FALSE;
  const char *kind = NULL;
  const char *note = "";
  gint64 customer_id = 0;
  gint64 vehicle_id = 0;
  char customer_text[32];
  char vehicle_text[32];
  char user_text[32];
  const char *values[7];

  if (!sr_param_int (call->params, "customer_id", TRUE, 1, G_MAXINT64, &customer_id, error) ||
      !sr_param_int (call->params, "vehicle_id", FALSE, 1, G_MAXINT64, &vehicle_id, error))
    return NULL;
  due_at = sr_param_timestamp (call->params, "due_at", TRUE, &has_due, error);
  if (!has_due ||
      !sr_param_enum (call->params, "kind", TRUE, sr_followup_kind_names, &kind, error) ||
      !sr_param_string (call->params, "note", FALSE, MAX_NOTE, &note, error))
    return NULL;

  sr_db_format_int (customer_text, sizeof customer_text, customer_id);
  sr_db_format_int (vehicle_text, sizeof vehicle_text, vehicle_id);
  sr_db_format_int (user_text, sizeof user_text, call->actor.id);

  if (!sr_db_begin (db, "direct", error))
    return NULL;

  /* The follow-up lives in its customer's branch; a vehicle it is about must be there
   * too. Row-level security hides the others. */
  customer = sr_db_exec (db, sql_customer_branch, 1, (const char *[]) { customer_text }, error);
  if (customer == NULL)
    return NULL;
  if (PQntuples (customer) == 0)
    {
      customer_missing (customer_id, "customer_id", error);
      return NULL;
    }
  if (vehicle_id != 0)
    {
      vehicle = sr_db_exec (db, sql_vehicle_branch, 1, (const char *[]) { vehicle_text }, error);
      if (vehicle == NULL)
        return NULL;
      if (PQntuples (vehicle) == 0)
        {
          sr_set_error (error, SR_ERROR_NOT_FOUND, "vehicle_id",
                        "vehicle %" G_GINT64_FORMAT " not found", vehicle_id);
          return NULL;
        }
      if (sr_db_get_int (vehicle, 0, 0) != sr_db_get_int (customer, 0, 0))
        {
          sr_set_error (error, SR_ERROR_OTHER_BRANCH, "vehicle_id",
                        "the vehicle is in another branch than the customer");
          return NULL;
        }
    }

  values[0] = customer_text;
  values[1] = vehicle_id != 0 ? vehicle_text : NULL;
  values[2] = PQgetvalue (customer, 0, 0);
  values[3] = due_at;
  values[4] = kind;
  values[5] = note;
  values[6] = user_text;
  result = sr_db_exec (db, sql_followup_create, 7, values, error);
  if (result == NULL || !sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

/* Ordered by due time, soonest first: the order of a to-do list. The cursor names the
 * last row seen; due_at never changes, so the page after it is stable. */
static const char sql_followup_list[] =
  "SELECT followup_json(f)::text, f.id FROM followups f"
  " WHERE ($1::bigint IS NULL OR f.branch_id = $1)"
  "   AND ($2::followup_status[] IS NULL OR f.status = ANY ($2))"
  "   AND ($3::timestamptz IS NULL OR f.due_at < $3)"
  "   AND ($4::bigint IS NULL OR f.customer_id = $4)"
  "   AND ($5::bigint IS NULL OR f.assigned_to = $5)"
  "   AND ($6::bigint IS NULL OR (f.due_at, f.id) >"
  "        (SELECT g.due_at, g.id FROM followups g WHERE g.id = $6))"
  " ORDER BY f.due_at, f.id LIMIT $7";

JsonNode *
sr_followups_list (SrDb    *db,
                   SrCall  *call,
                   GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *due_before = NULL;
  const char *due_text = NULL;
  const char *after = NULL;
  gboolean has_due = FALSE;
  gboolean mine = FALSE;
  gint64 customer_id = 0;
  gint64 limit = 100;
  gint64 cursor = 0;
  char branch_text[32];
  char customer_text[32];
  char user_text[32];
  char cursor_text[32];
  char limit_text[32];
  const char *values[7] = { NULL };

  if (!sr_param_enum_set (call->params, "status", sr_followup_status_names, &statuses, error) ||
      !sr_param_int (call->params, "customer_id", FALSE, 1, G_MAXINT64, &customer_id, error) ||
      !sr_param_bool (call->params, "mine", FALSE, &mine, error) ||
      !sr_param_paging (call->params, 100, 1000, &limit, &after, error) ||
      (after != NULL && !sr_cursor_decode (after, &cursor, error)) ||
      !sr_param_string (call->params, "due_before", FALSE, 64, &due_text, error))
    return NULL;

  /* due_before: a time with its offset, or a date (its first moment, UTC). */
  if (due_text != NULL && strlen (due_text) == 10)
    {
      if (!sr_param_date (call->params, "due_before", FALSE, &due_text, error))
        return NULL;
      due_before = g_strdup_printf ("%sT00:00:00Z", due_text);
    }
  else if (due_text != NULL)
    {
      due_before = sr_param_timestamp (call->params, "due_before", FALSE, &has_due, error);
      if (!has_due)
        return NULL;
    }

  sr_db_format_int (branch_text, sizeof branch_text, call->actor.branch_id);
  sr_db_format_int (customer_text, sizeof customer_text, customer_id);
  sr_db_format_int (user_text, sizeof user_text, call->actor.id);
  sr_db_format_int (cursor_text, sizeof cursor_text, cursor);
  sr_db_format_int (limit_text, sizeof limit_text, limit + 1);
  values[0] = call->actor.role != SR_ROLE_ADMIN ? branch_text : NULL;
  values[1] = statuses;
  values[2] = due_before;
  values[3] = customer_id != 0 ? customer_text : NULL;
  values[4] = mine ? user_text : NULL;
  values[5] = after != NULL ? cursor_text : NULL;
  values[6] = limit_text;

  result = sr_db_exec (db, sql_followup_list, 7, values, error);
  if (result == NULL)
    return NULL;

  return sr_page_from_rows (result, limit, error);
}

static const char sql_followup_get[] =
  "SELECT f.status::text, f.assigned_to, followup_json(f)::text FROM followups f WHERE f.id = $1";

static const char sql_followup_complete[] =
  "UPDATE followups AS f SET status = 'done', outcome = $2, completed_at = now()"
  " WHERE f.id = $1 AND f.status = 'pending'"
  " RETURNING followup_json(f)::text";

static void
followup_missing (gint64   id,
                  GError **error)
{
  sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "follow-up %" G_GINT64_FORMAT " not found", id);
}

static void
followup_decided (PGresult  *current,
                  gint64     id,
                  GError   **error)
{
  GError *decided = sr_error_new (SR_ERROR_ALREADY_DECIDED, NULL,
                                  "follow-up %" G_GINT64_FORMAT " is already %s", id,
                                  PQgetvalue (current, 0, 0));

  sr_error_set_extra_member (decided, "current",
                             sr_json_from_string (PQgetvalue (current, 0, 2), -1, NULL));
  g_propagate_error (error, decided);
}

/* followups.complete {id, outcome}: by the person it is assigned to, or a manager. */
JsonNode *
sr_followups_complete (SrDb    *db,
                       SrCall  *call,
                       GError **error)
{
  g_autoptr(PGresult) current = NULL;
  g_autoptr(PGresult) again = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *outcome = NULL;
  gint64 id = 0;
  char id_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_text (call->params, "outcome", TRUE, MAX_NOTE, &outcome, error))
    return NULL;

  sr_db_format_int (id_text, sizeof id_text, id);
  if (!sr_db_begin (db, "direct", error))
    return NULL;

  current = sr_db_exec (db, sql_followup_get, 1, (const char *[]) { id_text }, error);
  if (current == NULL)
    return NULL;
  if (PQntuples (current) == 0)
    {
      followup_missing (id, error);
      return NULL;
    }
  if (call->actor.role == SR_ROLE_SALES && sr_db_get_int (current, 0, 1) != call->actor.id)
    {
      sr_set_error (error, SR_ERROR_FORBIDDEN, NULL,
                    "only the person it is assigned to, or a manager, completes a follow-up");
      return NULL;
    }
  if (!g_str_equal (PQgetvalue (current, 0, 0), "pending"))
    {
      followup_decided (current, id, error);
      return NULL;
    }

  /* Of two completions at once, the second finds it no longer pending. */
  result = sr_db_exec (db, sql_followup_complete, 2, (const char *[]) { id_text, outcome }, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      again = sr_db_exec (db, sql_followup_get, 1, (const char *[]) { id_text }, error);
      if (again != NULL && PQntuples (again) == 1)
        followup_decided (again, id, error);
      else if (again != NULL)
        followup_missing (id, error);
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}
