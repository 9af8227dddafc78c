/* sr-vehicles.c: vehicles.list, vehicles.get, vehicles.create, vehicles.update and
 * vehicles.history.
 *
 * Vehicle objects are built by the database (vehicle_json), so a read, a change-log
 * entry and a live event always agree; this file only removes `cost` for sales. Field
 * rules are checked here first, for clear errors, and again by the schema.
 */
#define G_LOG_DOMAIN "sr-vehicles"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"
#include "sr-vehicles.h"

#define UNIQUE_VIOLATION      "23505"
#define FOREIGN_KEY_VIOLATION "23503"
#define CHECK_VIOLATION       "23514"
#define RLS_VIOLATION         "42501"

const char *const sr_fuel_names[] = { "petrol", "diesel", "electric", "hybrid", "cng", NULL };
const char *const sr_vehicle_status_names[] = { "incoming", "in_stock", "reserved", "sold", NULL };

static const char *const changeable[] = {
  "vin", "make", "model", "variant", "year", "color", "fuel", "odometer_km", "price",
  "cost", "status", "branch_id", "location", "arrived_on", "notes", NULL
};

static const char *const creatable[] = {
  "stock_no", "vin", "make", "model", "variant", "year", "color", "fuel", "odometer_km",
  "price", "cost", "status", "branch_id", "location", "arrived_on", "notes", NULL
};

gboolean
sr_money_valid (const char *text)
{
  const char *p = text;
  guint digits = 0;
  guint decimals = 0;

  while (g_ascii_isdigit (*p))
    {
      p++;
      digits++;
    }
  if (digits == 0 || digits > 10)
    return FALSE;
  if (*p == '.')
    {
      p++;
      while (g_ascii_isdigit (*p))
        {
          p++;
          decimals++;
        }
      if (decimals == 0 || decimals > 2)
        return FALSE;
    }

  return *p == '\0';
}

char *
sr_money_canonical (const char *valid)
{
  const char *point = strchr (valid, '.');
  gsize whole = point != NULL ? (gsize) (point - valid) : strlen (valid);
  const char *fraction = point != NULL ? point + 1 : "";

  while (whole > 1 && *valid == '0')
    {
      valid++;
      whole--;
    }

  return g_strdup_printf ("%.*s.%c%c", (int) whole, valid,
                          fraction[0] != '\0' ? fraction[0] : '0',
                          fraction[0] != '\0' && fraction[1] != '\0' ? fraction[1] : '0');
}

gboolean
sr_param_money (JsonObject  *object,
                const char  *name,
                const char **out,
                GError     **error)
{
  const char *value = NULL;

  if (!sr_param_string (object, name, FALSE, 20, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (!sr_money_valid (value))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s must be an amount like \"845000.00\" (zero or more)", name);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
vin_valid (const char *vin)
{
  if (strlen (vin) != 17)
    return FALSE;

  for (const char *p = vin; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        continue;
      if (*p < 'A' || *p > 'Z' || *p == 'I' || *p == 'O' || *p == 'Q')
        return FALSE;
    }

  return TRUE;
}


static gboolean
check_fields (JsonObject     *fields,
              const char     *prefix,
              gboolean        creating,
              const SrActor  *actor,
              GError        **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  const char *text = NULL;
  const char *money = NULL;
  gint64 number = 0;

  if (!sr_param_only (fields, prefix, creating ? creatable : changeable, error))
    return FALSE;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    if (JSON_NODE_HOLDS_NULL (node))
      {
        sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s cannot be empty", name);
        return FALSE;
      }

  if (json_object_has_member (fields, "vin"))
    {
      if (!sr_param_string (fields, "vin", FALSE, 64, &text, error))
        return FALSE;
      if (!vin_valid (text))
        {
          sr_set_error (error, SR_ERROR_INVALID_VIN, "vin",
                        "a VIN is 17 characters from A-Z and 0-9, upper case, without I, O or Q");
          return FALSE;
        }
    }

  if (!sr_param_text (fields, "make", FALSE, 60, &text, error) ||
      !sr_param_text (fields, "model", FALSE, 60, &text, error) ||
      !sr_param_string (fields, "variant", FALSE, 100, &text, error) ||
      !sr_param_string (fields, "color", FALSE, 40, &text, error) ||
      !sr_param_string (fields, "location", FALSE, 100, &text, error) ||
      !sr_param_string (fields, "notes", FALSE, 4000, &text, error) ||
      !sr_param_int (fields, "year", FALSE, 1900, g_date_time_get_year (now) + 1, &number, error) ||
      !sr_param_enum (fields, "fuel", FALSE, sr_fuel_names, &text, error) ||
      !sr_param_enum (fields, "status", FALSE, sr_vehicle_status_names, &text, error) ||
      !sr_param_int (fields, "odometer_km", FALSE, 0, G_MAXINT32, &number, error) ||
      !sr_param_money (fields, "price", &money, error) ||
      !sr_param_money (fields, "cost", &money, error))
    return FALSE;

  if (creating)
    {
      if (!sr_param_string (fields, "vin", TRUE, 64, &text, error) ||
          !sr_param_text (fields, "make", TRUE, 60, &text, error) ||
          !sr_param_text (fields, "model", TRUE, 60, &text, error) ||
          !sr_param_int (fields, "year", TRUE, 1900, G_MAXINT32, &number, error) ||
          !sr_param_string (fields, "price", TRUE, 20, &text, error))
        return FALSE;

      text = NULL;
      if (!sr_param_string (fields, "stock_no", FALSE, 20, &text, error))
        return FALSE;
      if (text != NULL && !g_regex_match_simple ("^[A-Z0-9-]{1,20}$", text, 0, 0))
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, "stock_no",
                        "a stock number is up to 20 upper-case letters, digits and dashes");
          return FALSE;
        }
    }

  text = NULL;
  if (!sr_param_string (fields, "arrived_on", FALSE, 10, &text, error))
    return FALSE;
  /* A car may be due in the coming months (incoming), not in years: as for year. */
  if (text != NULL &&
      (!sr_text_is_date (text) || g_ascii_strtoll (text, NULL, 10) > g_date_time_get_year (now) + 1))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "arrived_on",
                    "arrived_on must be a date, YYYY-MM-DD, from 1900 to the end of next year");
      return FALSE;
    }

  if (!sr_param_int (fields, "branch_id", FALSE, 1, G_MAXINT64, &number, error))
    return FALSE;
  if (json_object_has_member (fields, "branch_id") && actor->role != SR_ROLE_ADMIN &&
      number != actor->branch_id)
    {
      sr_set_error (error, SR_ERROR_OTHER_BRANCH, "branch_id",
                    "only an administrator may place a vehicle in another branch");
      return FALSE;
    }

  return TRUE;
}

/* Checks every member of a vehicle's changes (or of a new vehicle, prefix NULL) against
 * the rules of PROTOCOL.md section 5; an error names the member as "changes.price".
 * Shared by create, update and (later) proposals. */
gboolean
sr_vehicle_check_fields (JsonObject     *fields,
                         const char     *prefix,
                         gboolean        creating,
                         const SrActor  *actor,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (check_fields (fields, prefix, creating, actor, &local_error))
    return TRUE;

  sr_error_prefix_field (local_error, prefix);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The vehicle as this user may see it. */
JsonNode *
sr_vehicle_for (const char *json_text,
                SrRole      role,
                GError    **error)
{
  return sr_record_for ("vehicle", json_text, role, error);
}

/* A record of @entity as this user may see it. */
JsonNode *
sr_record_for (const char *entity,
               const char *json_text,
               SrRole      role,
               GError    **error)
{
  JsonNode *node = sr_json_from_string (json_text, -1, error);

  if (node != NULL && role == SR_ROLE_SALES && JSON_NODE_HOLDS_OBJECT (node))
    sr_record_hide_cost (entity, json_node_get_object (node));

  return node;
}

static void
vehicle_missing (gint64   id,
                 GError **error)
{
  sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "vehicle %" G_GINT64_FORMAT " not found", id);
}

/* Turns a failed write into the protocol's error where the schema refused it (a
 * duplicate VIN, a bad branch, a range), else passes the failure on. */
void
sr_vehicle_write_error (SrDb     *db,
                        GError  **local_error,
                        GError  **error)
{
  const char *constraint = sr_db_constraint (db);

  if (sr_db_failed_with (db, UNIQUE_VIOLATION, "vehicles_vin_key"))
    sr_set_error (error, SR_ERROR_DUPLICATE_VIN, "vin", "another vehicle has this VIN");
  else if (sr_db_failed_with (db, UNIQUE_VIOLATION, "vehicles_stock_no_key"))
    sr_set_error (error, SR_ERROR_INVALID_PARAMS, "stock_no", "another vehicle has this stock number");
  else if (sr_db_failed_with (db, FOREIGN_KEY_VIOLATION, NULL))
    sr_set_error (error, SR_ERROR_INVALID_PARAMS, "branch_id", "no such branch");
  else if (sr_db_failed_with (db, RLS_VIOLATION, NULL))
    sr_set_error (error, SR_ERROR_OTHER_BRANCH, "branch_id", "that branch is not yours");
  else if (sr_db_failed_with (db, CHECK_VIOLATION, NULL) && constraint != NULL &&
           g_str_has_prefix (constraint, "vehicles_") && g_str_has_suffix (constraint, "_check"))
    {
      g_autofree char *field = g_strndup (constraint + strlen ("vehicles_"),
                                          strlen (constraint) - strlen ("vehicles_") - strlen ("_check"));
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, field, "%s is out of range", field);
    }
  else
    {
      g_propagate_error (error, g_steal_pointer (local_error));
      return;
    }

  g_clear_error (local_error);
}

static const char sql_get[] =
  "SELECT vehicle_json(v)::text FROM vehicles v WHERE v.id = $1";

/* For sales users: the same object without cost, so the text can go out unparsed. */
static const char sql_get_no_cost[] =
  "SELECT (vehicle_json(v) - 'cost')::text FROM vehicles v WHERE v.id = $1";

/* vehicles.get sends the database's text as it is (see SrCall.raw_result): the hottest
 * read of all skips a JSON parse and rebuild. */
JsonNode *
sr_vehicles_get (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *value = NULL;
  const char *sql = NULL;
  const char *values[1];

  if (!sr_vehicles_get_simple (call, &sql, &value, error))
    return NULL;

  values[0] = value;
  result = sr_db_exec (db, sql, 1, values, error);
  if (result == NULL)
    return NULL;

  return sr_vehicles_get_finish (result, call, error);
}

/* The statement and parameter of a vehicles.get, for the pool's pipelined reads. */
gboolean
sr_vehicles_get_simple (SrCall      *call,
                        const char **sql,
                        char       **value,
                        GError     **error)
{
  gint64 id = 0;

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error))
    return FALSE;

  *sql = call->actor.role == SR_ROLE_SALES ? sql_get_no_cost : sql_get;
  *value = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  return TRUE;
}

JsonNode *
sr_vehicles_get_finish (PGresult  *result,
                        gpointer   data,
                        GError   **error)
{
  SrCall *call = data;

  if (PQntuples (result) == 0)
    {
      gint64 id = 0;

      sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, NULL);
      vehicle_missing (id, error);
      return NULL;
    }

  call->raw_result = g_strdup (PQgetvalue (result, 0, 0));
  return json_node_init_null (json_node_alloc ());
}

static const char sql_create[] =
  "INSERT INTO vehicles AS v (stock_no, vin, make, model, variant, year, color, fuel,"
  "                           odometer_km, price, cost, status, branch_id, location,"
  "                           arrived_on, notes)"
  " SELECT coalesce(r.stock_no, 'SR' || lpad(nextval('vehicle_stock_no_seq')::text, 6, '0')),"
  "        r.vin, r.make, r.model, coalesce(r.variant, ''), r.year, coalesce(r.color, ''),"
  "        coalesce(r.fuel, 'petrol'), coalesce(r.odometer_km, 0), r.price,"
  "        coalesce(r.cost, 0), coalesce(r.status, 'in_stock'), coalesce(r.branch_id, $2),"
  "        coalesce(r.location, ''), coalesce(r.arrived_on, current_date), coalesce(r.notes, '')"
  "   FROM jsonb_populate_record(NULL::vehicles, $1::jsonb) r"
  " RETURNING vehicle_json(v)::text";

JsonNode *
sr_vehicles_create (SrDb    *db,
                    SrCall  *call,
                    GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  char branch[32];
  const char *values[2] = { NULL, branch };

  if (!sr_vehicle_check_fields (call->params, NULL, TRUE, &call->actor, error))
    return NULL;

  /* The params go to SQL as they came (all checked); the branch defaults there to the
   * creator's own. */
  node = json_node_init_object (json_node_alloc (), call->params);
  text = sr_json_to_string (node, NULL);
  values[0] = text;
  g_snprintf (branch, sizeof branch, "%" G_GINT64_FORMAT, call->actor.branch_id);

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql_create, 2, values, &local_error);
  if (result == NULL)
    {
      sr_vehicle_write_error (db, &local_error, error);
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_vehicle_for (PQgetvalue (result, 0, 0), call->actor.role, error);
}

static const char sql_update[] =
  "UPDATE vehicles AS v SET (vin, make, model, variant, year, color, fuel, odometer_km,"
  "                          price, cost, status, branch_id, location, arrived_on, notes) ="
  "  (SELECT r.vin, r.make, r.model, r.variant, r.year, r.color, r.fuel, r.odometer_km,"
  "          r.price, r.cost, r.status, r.branch_id, r.location, r.arrived_on, r.notes"
  "     FROM jsonb_populate_record(v, $3::jsonb) r)"
  " WHERE v.id = $1 AND v.version = $2"
  " RETURNING vehicle_json(v)::text";

/* Applies validated changes to a vehicle at an expected version, inside the caller's
 * transaction. Fails with version_conflict (data.current) or not_found. */
JsonNode *
sr_vehicle_apply (SrDb        *db,
                  SrRole       role,
                  gint64       id,
                  gint64       version,
                  JsonObject  *changes,
                  GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) changes_node = json_node_init_object (json_node_alloc (), changes);
  g_autofree char *changes_text = sr_json_to_string (changes_node, NULL);
  char id_text[32];
  char version_text[32];
  const char *values[3] = { id_text, version_text, changes_text };

  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  g_snprintf (version_text, sizeof version_text, "%" G_GINT64_FORMAT, version);

  result = sr_db_exec (db, sql_update, 3, values, &local_error);
  if (result == NULL)
    {
      sr_vehicle_write_error (db, &local_error, error);
      return NULL;
    }
  if (PQntuples (result) == 1)
    return sr_vehicle_for (PQgetvalue (result, 0, 0), role, error);

  sr_vehicle_conflict (db, role, id, error);
  return NULL;
}

/* Sets the error for a vehicle that was not at the version the caller expected:
 * version_conflict with data.current, or not_found when it is gone (or not theirs). */
void
sr_vehicle_conflict (SrDb     *db,
                     SrRole    role,
                     gint64    id,
                     GError  **error)
{
  g_autoptr(PGresult) current = NULL;
  char id_text[32];
  const char *values[1] = { id_text };
  GError *conflict;

  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  current = sr_db_exec (db, sql_get, 1, values, error);
  if (current == NULL)
    return;
  if (PQntuples (current) == 0)
    {
      vehicle_missing (id, error);
      return;
    }

  conflict = sr_error_new (SR_ERROR_VERSION_CONFLICT, "version",
                           "vehicle %" G_GINT64_FORMAT " was changed by someone else", id);
  sr_error_set_extra_member (conflict, "current",
                             sr_vehicle_for (PQgetvalue (current, 0, 0), role, NULL));
  g_propagate_error (error, conflict);
}

JsonNode *
sr_vehicles_update (SrDb    *db,
                    SrCall  *call,
                    GError **error)
{
  g_autoptr(JsonNode) vehicle = NULL;
  JsonObject *changes = NULL;
  gint64 id = 0;
  gint64 version = 0;

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_int (call->params, "version", TRUE, 1, G_MAXINT32, &version, error) ||
      !sr_param_object (call->params, "changes", TRUE, &changes, error) ||
      !sr_vehicle_check_fields (changes, "changes", FALSE, &call->actor, error))
    return NULL;

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  vehicle = sr_vehicle_apply (db, call->actor.role, id, version, changes, error);
  if (vehicle == NULL || !sr_db_commit (db, error))
    return NULL;

  return g_steal_pointer (&vehicle);
}

static const char sql_history_visible[] =
  "SELECT 1 FROM vehicles v WHERE v.id = $1";

/* PROTOCOL.md allows three paths: "direct", "edit:<id>" and "bulk:<id>". The log also
 * records "sale:<id>" for the status changes a sale makes; those are the seller's own
 * direct acts, so they go out as "direct" with the sale's id beside them. */
static void
set_via (JsonObject *item,
         const char *via)
{
  if (g_str_has_prefix (via, "sale:"))
    {
      json_object_set_string_member (item, "via", "direct");
      json_object_set_int_member (item, "sale_id", g_ascii_strtoll (via + 5, NULL, 10));
      return;
    }
  json_object_set_string_member (item, "via", via);
}

static const char sql_history[] =
  "SELECT l.seq, to_json(l.at) #>> '{}', l.user_id, u.name, l.op, l.changes::text, l.via"
  "  FROM change_log l LEFT JOIN users u ON u.id = l.user_id"
  " WHERE l.entity = 'vehicle' AND l.entity_id = $1 AND ($2::bigint IS NULL OR l.seq < $2)"
  " ORDER BY l.seq DESC LIMIT $3";

JsonNode *
sr_vehicles_history (SrDb    *db,
                     SrCall  *call,
                     GError **error)
{
  g_autoptr(PGresult) visible = NULL;
  g_autoptr(PGresult) result = NULL;
  gint64 id = 0;
  gint64 limit = 100;
  gint64 before = 0;
  char id_text[32];
  char before_text[32];
  char limit_text[32];
  const char *values[3] = { id_text, NULL, limit_text };
  JsonObject *object;
  JsonArray *items;
  int n;

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_int (call->params, "limit", FALSE, 1, 1000, &limit, error) ||
      !sr_param_int (call->params, "before", FALSE, 1, G_MAXINT64, &before, error))
    return NULL;

  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  g_snprintf (before_text, sizeof before_text, "%" G_GINT64_FORMAT, before);
  g_snprintf (limit_text, sizeof limit_text, "%" G_GINT64_FORMAT, limit + 1);
  if (before > 0)
    values[1] = before_text;

  /* Row-level security decides: another branch's vehicle has no history for you. */
  visible = sr_db_exec (db, sql_history_visible, 1, values, error);
  if (visible == NULL)
    return NULL;
  if (PQntuples (visible) == 0)
    {
      vehicle_missing (id, error);
      return NULL;
    }

  result = sr_db_exec (db, sql_history, 3, values, error);
  if (result == NULL)
    return NULL;

  n = MIN (PQntuples (result), limit);
  items = json_array_sized_new (n);
  for (int i = 0; i < n; i++)
    {
      JsonObject *item = json_object_new ();
      JsonNode *changes = sr_json_from_string (PQgetvalue (result, i, 5), -1, NULL);

      json_object_set_int_member (item, "seq", sr_db_get_int (result, i, 0));
      json_object_set_string_member (item, "at", PQgetvalue (result, i, 1));
      if (PQgetisnull (result, i, 2))
        json_object_set_null_member (item, "user");
      else
        {
          JsonObject *user = json_object_new ();

          json_object_set_int_member (user, "id", sr_db_get_int (result, i, 2));
          json_object_set_string_member (user, "name", sr_db_get_text (result, i, 3));
          json_object_set_object_member (item, "user", user);
        }
      json_object_set_string_member (item, "op", PQgetvalue (result, i, 4));
      /* Every change is listed (PROTOCOL.md: "every change to a vehicle appears here"),
       * so a history still lines up with the versions; a change of cost alone shows a
       * sales user that the vehicle changed, with nothing in changes. */
      if (call->actor.role == SR_ROLE_SALES && changes != NULL && JSON_NODE_HOLDS_OBJECT (changes))
        json_object_remove_member (json_node_get_object (changes), "cost");
      json_object_set_member (item, "changes", changes ? changes : sr_json_node_empty ());
      set_via (item, PQgetvalue (result, i, 6));
      json_array_add_object_element (items, item);
    }

  object = json_object_new ();
  json_object_set_array_member (object, "items", items);
  if (PQntuples (result) > limit)
    json_object_set_int_member (object, "next", sr_db_get_int (result, n - 1, 0));
  else
    json_object_set_null_member (object, "next");

  return sr_json_node_take_object (object);
}

/* Listing. One statement per sort column and direction, built once from a fixed table
 * (identifiers only: every value travels as a parameter) and interned, so each pooled
 * connection prepares it once. */

typedef struct {
  const char *field;
  const char *type;      /* for the cursor value's cast */
  gboolean    managers;  /* cost: not for sales */
} SortKey;

static const SortKey sort_keys[] = {
  { "stock_no", "text", FALSE },
  { "id", "bigint", FALSE },
  { "vin", "text", FALSE },
  { "make", "text", FALSE },
  { "model", "text", FALSE },
  { "variant", "text", FALSE },
  { "year", "integer", FALSE },
  { "color", "text", FALSE },
  { "fuel", "fuel_type", FALSE },
  { "odometer_km", "integer", FALSE },
  { "price", "numeric", FALSE },
  { "cost", "numeric", TRUE },
  { "status", "vehicle_status", FALSE },
  { "branch_id", "bigint", FALSE },
  { "location", "text", FALSE },
  { "arrived_on", "date", FALSE },
  { "updated_at", "timestamptz", FALSE },
};

static const char *
list_sql (const SortKey *key,
          gboolean       descending,
          gboolean       hide_cost)
{
  g_autofree char *sql = NULL;
  const char *cmp = descending ? "<" : ">";
  const char *dir = descending ? "DESC" : "ASC";

  /* A '%' in the filter's text is literal here: it goes through as an argument. */
  /* The page is chosen first and only its rows are turned into JSON: a sort without
   * an index (price, say) must not build a document for every vehicle it passes.
   * vehicle_list_json() writes vehicle_json()'s object as text, at a third of the
   * cost (data/sql/0005-list-json.sql). */
  sql = g_strdup_printf (
    "SELECT vehicle_list_json(v, %6$s), v.%1$s::text, v.id"
    "  FROM (SELECT * FROM vehicles v"
    "         WHERE %5$s"
    "           AND ($8::text IS NULL OR (v.%1$s, v.id) %2$s ($8::%4$s, $9::bigint))"
    "         ORDER BY v.%1$s %3$s, v.id %3$s"
    "         LIMIT $10) v"
    " ORDER BY v.%1$s %3$s, v.id %3$s",
    key->field, cmp, dir, key->type, SR_VEHICLE_FILTER_SQL, hide_cost ? "false" : "true");

  return g_intern_string (sql);
}

static char *
encode_cursor (const char *field,
               gboolean    descending,
               const char *value,
               gint64      id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "v1");
  json_builder_add_string_value (builder, field);
  json_builder_add_boolean_value (builder, descending);
  json_builder_add_string_value (builder, value);
  json_builder_add_int_value (builder, id);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  text = sr_json_to_string (root, NULL);

  return g_base64_encode ((const guchar *) text, strlen (text));
}

static gboolean
element_holds (JsonArray *array,
               guint      index,
               GType      type)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* A cursor is the server's own, but a client can still send one it made up. Its shape
 * is checked here; a value the column's type cannot take fails its cast in the query,
 * which sr_vehicles_list() answers the same way. */
static gboolean
decode_cursor (const char  *cursor,
               const char  *field,
               gboolean     descending,
               char       **value,
               gint64      *id,
               GError     **error)
{
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;
  gsize len = 0;

  for (const char *p = cursor; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      goto bad;

  raw = g_base64_decode (cursor, &len);
  if (raw == NULL || len == 0 || len > 600)
    goto bad;
  text = g_strndup ((const char *) raw, len);
  if (strlen (text) != len || !sr_json_check_text (text, len, NULL))
    goto bad;
  node = sr_json_from_string (text, -1, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    goto bad;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != 5 ||
      !element_holds (array, 0, G_TYPE_STRING) || !element_holds (array, 1, G_TYPE_STRING) ||
      !element_holds (array, 2, G_TYPE_BOOLEAN) || !element_holds (array, 3, G_TYPE_STRING) ||
      !element_holds (array, 4, G_TYPE_INT64) ||
      g_strcmp0 (json_array_get_string_element (array, 0), "v1") != 0)
    goto bad;

  if (g_strcmp0 (json_array_get_string_element (array, 1), field) != 0 ||
      json_array_get_boolean_element (array, 2) != descending)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "after",
                    "this cursor belongs to another sort order; start again without after");
      return FALSE;
    }

  *value = g_strdup (json_array_get_string_element (array, 3));
  *id = json_array_get_int_element (array, 4);
  if (*value == NULL)
    goto bad;
  return TRUE;

bad:
  sr_set_error (error, SR_ERROR_INVALID_PARAMS, "after", "after is not a cursor from this server");
  return FALSE;
}

static char *
like_pattern (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = lower; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static const char *const filter_members[] = {
  "status", "branch_id", "make", "fuel", "price_min", "price_max", "text", NULL
};

/* Reads vehicles.list's filter (NULL: none) into the values of SR_VEHICLE_FILTER_SQL.
 * Sales and managers see their own branch only: another branch's filter matches
 * nothing, as row-level security would say anyway. */
gboolean
sr_vehicle_filter_init (SrVehicleFilter  *self,
                        JsonObject       *filter,
                        const SrActor    *actor,
                        GError          **error)
{
  gint64 branch_id = 0;

  memset (self, 0, sizeof *self);
  if (filter == NULL)
    filter = self->empty = json_object_new ();

  if (!sr_param_only (filter, "filter", filter_members, error) ||
      !sr_param_enum_set (filter, "status", sr_vehicle_status_names, &self->statuses, error) ||
      !sr_param_int (filter, "branch_id", FALSE, 1, G_MAXINT64, &branch_id, error) ||
      !sr_param_string (filter, "make", FALSE, 60, &self->values[2], error) ||
      !sr_param_enum (filter, "fuel", FALSE, sr_fuel_names, &self->values[3], error) ||
      !sr_param_money (filter, "price_min", &self->values[4], error) ||
      !sr_param_money (filter, "price_max", &self->values[5], error) ||
      !sr_param_string (filter, "text", FALSE, 100, &self->values[6], error))
    {
      sr_error_prefix_field (*error, "filter");
      return FALSE;
    }

  if (actor->role != SR_ROLE_ADMIN)
    {
      if (branch_id != 0 && branch_id != actor->branch_id)
        branch_id = -1;
      else
        branch_id = actor->branch_id;
    }

  g_snprintf (self->branch_text, sizeof self->branch_text, "%" G_GINT64_FORMAT, branch_id);
  self->values[0] = branch_id != 0 ? self->branch_text : NULL;
  self->values[1] = self->statuses;
  if (self->values[6] != NULL && *self->values[6] != '\0')
    self->pattern = like_pattern (self->values[6]);
  self->values[6] = self->pattern;

  return TRUE;
}

void
sr_vehicle_filter_clear (SrVehicleFilter *self)
{
  g_clear_pointer (&self->statuses, g_free);
  g_clear_pointer (&self->pattern, g_free);
  g_clear_pointer (&self->empty, json_object_unref);
}

JsonNode *
sr_vehicles_list (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_auto(SrVehicleFilter) filter = { 0 };
  g_autofree char *cursor_value = NULL;
  JsonObject *filter_params = NULL;
  const SortKey *key = NULL;
  const char *sort = "stock_no";
  const char *after = NULL;
  gboolean descending = FALSE;
  gint64 limit = 100;
  gint64 cursor_id = 0;
  char cursor_id_text[32];
  char limit_text[32];
  const char *values[10] = { NULL };
  GString *page;
  int n;

  if (!sr_param_object (call->params, "filter", FALSE, &filter_params, error) ||
      !sr_param_string (call->params, "sort", FALSE, 40, &sort, error) ||
      !sr_param_paging (call->params, 100, 1000, &limit, &after, error) ||
      !sr_vehicle_filter_init (&filter, filter_params, &call->actor, error))
    return NULL;

  if (sort[0] == '-')
    {
      descending = TRUE;
      sort++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
    if (g_str_equal (sort_keys[i].field, sort) &&
        (!sort_keys[i].managers || call->actor.role != SR_ROLE_SALES))
      key = &sort_keys[i];
  if (key == NULL)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "sort", "cannot sort by %s", sort);
      return NULL;
    }

  if (after != NULL && !decode_cursor (after, key->field, descending, &cursor_value, &cursor_id, error))
    return NULL;

  g_snprintf (cursor_id_text, sizeof cursor_id_text, "%" G_GINT64_FORMAT, cursor_id);
  g_snprintf (limit_text, sizeof limit_text, "%" G_GINT64_FORMAT, limit + 1);

  memcpy (values, filter.values, sizeof filter.values);
  values[7] = cursor_value;
  values[8] = cursor_value ? cursor_id_text : NULL;
  values[9] = limit_text;

  result = sr_db_exec (db, list_sql (key, descending, call->actor.role == SR_ROLE_SALES),
                       10, values, error);
  if (result == NULL && cursor_value != NULL && sr_db_sqlstate (db) != NULL &&
      g_str_has_prefix (sr_db_sqlstate (db), "22"))
    {
      /* Class 22, data exception: every other argument was checked above, so it is
       * the cursor's value that its column's type refused. */
      g_clear_error (error);
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "after", "after is not a cursor from this server");
      return NULL;
    }
  if (result == NULL)
    return NULL;

  /* The page is made of the database's text as it is: loading a whole stock of
   * 100,000 vehicles is 100 of these, and a parse and rebuild of each row would be
   * most of the work. */
  n = MIN (PQntuples (result), limit);
  page = g_string_sized_new (n * 512 + 64);
  g_string_append (page, "{\"items\":[");
  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (page, ',');
      g_string_append_len (page, PQgetvalue (result, i, 0), PQgetlength (result, i, 0));
    }
  g_string_append (page, "],\"next\":");
  if (PQntuples (result) > limit)
    {
      g_autofree char *next = encode_cursor (key->field, descending,
                                             PQgetvalue (result, n - 1, 1),
                                             sr_db_get_int (result, n - 1, 2));
      /* Base64: nothing to escape. */
      g_string_append_printf (page, "\"%s\"}", next);
    }
  else
    g_string_append (page, "null}");

  call->raw_result = g_string_free (page, FALSE);
  return json_node_init_null (json_node_alloc ());
}
