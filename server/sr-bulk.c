/* sr-bulk.c: bulk updates. bulk.preview and bulk.apply.
 *
 * A preview computes, in one statement, every matching vehicle's values before and
 * after the operation, the way the update itself would store them, and keeps them with
 * each vehicle's version. Applying it updates exactly those rows, only where the
 * version still matches; if one moved on, nothing is applied. A sales user's apply
 * files the same rows as one batch of pending edits instead.
 */
#define G_LOG_DOMAIN "sr-bulk"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sr-dispatch.h"
#include "sr-edits.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"
#include "sr-vehicles.h"

#define MAX_ROWS 10000
#define MAX_ROWS_TEXT "10000"

#define NUMERIC_OUT_OF_RANGE "22003"

static const char *const op_names[] = { "set", "price_pct", "price_add", NULL };

typedef struct {
  JsonObject *set;                         /* borrowed from the params */
  char        pct[G_ASCII_DTOSTR_BUF_SIZE];
  const char *add;
  const char *name;
} BulkOp;

/* An amount that may be negative: "-5000.00". */
static gboolean
signed_money_valid (const char *text)
{
  return sr_money_valid (text[0] == '-' ? text + 1 : text);
}

static gboolean
op_params (BulkOp         *op,
           JsonObject     *params,
           const SrActor  *actor,
           GError        **error)
{
  JsonObject *object = NULL;
  JsonObjectIter iter;
  JsonNode *node;

  memset (op, 0, sizeof *op);
  if (!sr_param_object (params, "op", TRUE, &object, error) ||
      !sr_param_only (object, "op", op_names, error))
    return FALSE;

  if (json_object_get_size (object) != 1)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op",
                    "op is one of {\"set\":{...}}, {\"price_pct\":5.0} or {\"price_add\":\"-5000.00\"}");
      return FALSE;
    }

  json_object_iter_init (&iter, object);
  json_object_iter_next (&iter, &op->name, &node);

  if (g_str_equal (op->name, "set"))
    {
      if (!sr_param_object (object, "set", TRUE, &op->set, error))
        goto prefixed;
      /* A VIN is one vehicle's own: setting many to one value can only fail. */
      if (json_object_has_member (op->set, "vin"))
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op.set.vin",
                        "a VIN belongs to one vehicle; change it on that vehicle");
          return FALSE;
        }
      return sr_edit_check_changes (op->set, "op.set", actor, error);
    }

  if (g_str_equal (op->name, "price_pct"))
    {
      double pct;

      if (!JSON_NODE_HOLDS_VALUE (node) ||
          (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
           json_node_get_value_type (node) != G_TYPE_INT64))
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op.price_pct",
                        "price_pct is a number of percent, like 5.0 or -2.5");
          return FALSE;
        }
      pct = json_node_get_double (node);
      if (!isfinite (pct) || pct < -100.0 || pct > 1000.0)
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op.price_pct",
                        "price_pct must be between -100 and 1000");
          return FALSE;
        }
      /* As the user wrote it: 0.3 is "0.3", not the double's 0.29999999999999999,
       * which would round 15.045 down. */
      g_ascii_formatd (op->pct, sizeof op->pct, "%.15g", pct);
      return TRUE;
    }

  if (!sr_param_string (object, "price_add", TRUE, 20, &op->add, error))
    goto prefixed;
  if (!signed_money_valid (op->add))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op.price_add",
                    "price_add is an amount like \"-5000.00\" or \"2500.00\"");
      return FALSE;
    }
  return TRUE;

prefixed:
  sr_error_prefix_field (*error, "op");
  return FALSE;
}

/* One statement: the rows, their before and after, and the stored preview. $1..$7 are
 * the filter, $8 the user, $9 their branch, $10 the op; the rows differ by operation. */
#define PREVIEW_HEAD \
  "WITH p AS (" \
  "  INSERT INTO bulk_previews (user_id, branch_id, op, expires_at)" \
  "  VALUES ($8, $9, $10::jsonb, now() + interval '15 minutes')" \
  "  RETURNING id, expires_at)," \
  " rows AS ("

#define PREVIEW_TAIL \
  "   ORDER BY v.stock_no LIMIT " MAX_ROWS_TEXT " + 1)," \
  " ins AS (" \
  "  INSERT INTO bulk_preview_rows (preview_id, user_id, vehicle_id, stock_no, version, before," \
  "                                 after)" \
  "  SELECT p.id, $8, r.id, r.stock_no, r.version, r.before, r.after FROM p, rows r)" \
  " SELECT p.id, to_json(p.expires_at) #>> '{}', (SELECT count(*) FROM rows)," \
  "        (SELECT coalesce(json_agg(json_build_object('id', r.id, 'stock_no', r.stock_no," \
  "                                   'before', r.before, 'after', r.after)" \
  "                  ORDER BY r.stock_no), '[]')::text FROM rows r)," \
  "        (SELECT min(r.stock_no) FROM rows r WHERE (r.after ->> 'price') LIKE '-%')" \
  "   FROM p"

/* A price operation: $11 a percentage or $12 an amount. The new price is computed in
 * numeric, rounded half away from zero, and typed as the column is (an amount past
 * its 10 digits fails here, as the update would). */
static const char sql_preview_price[] =
  PREVIEW_HEAD
  "  SELECT v.id, v.stock_no, v.version,"
  "         jsonb_build_object('price', to_char(v.price, 'FM9999999990.00')) AS before,"
  "         jsonb_build_object('price', to_char(x.price, 'FM9999999990.00')) AS after"
  "    FROM vehicles v"
  "   CROSS JOIN LATERAL (SELECT (CASE WHEN $11::numeric IS NOT NULL"
  "                                    THEN round(v.price + v.price * $11::numeric / 100, 2)"
  "                                    ELSE v.price + $12::numeric END)::numeric(12, 2) AS price) x"
  "   WHERE " SR_VEHICLE_FILTER_SQL
  "     AND x.price <> v.price"
  PREVIEW_TAIL;

/* A `set`: $11. The values after are what the vehicle would hold (jsonb_populate_record
 * applies the column types), shown by vehicle_json like every other vehicle value;
 * OFFSET 0 keeps each record built once rather than once per field read. */
static const char sql_preview_set[] =
  PREVIEW_HEAD
  "  SELECT v.id, v.stock_no, v.version, d.before, d.after"
  "    FROM vehicles v"
  "   CROSS JOIN LATERAL (SELECT jsonb_populate_record(v, $11::jsonb) AS n OFFSET 0) r"
  "   CROSS JOIN LATERAL (SELECT vehicle_json(v) AS b, vehicle_json(r.n) AS a OFFSET 0) j"
  "   CROSS JOIN LATERAL (SELECT jsonb_object_agg(k, j.b -> k) AS before,"
  "                              jsonb_object_agg(k, j.a -> k) AS after"
  "                         FROM jsonb_object_keys($11::jsonb) k) d"
  "   WHERE " SR_VEHICLE_FILTER_SQL
  "     AND d.before <> d.after"
  PREVIEW_TAIL;

JsonNode *
sr_bulk_preview (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  g_auto(SrVehicleFilter) filter = { 0 };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) op_node = NULL;
  g_autoptr(JsonNode) set_node = NULL;
  g_autofree char *op_text = NULL;
  g_autofree char *set_text = NULL;
  JsonObject *filter_params = NULL;
  BulkOp op;
  char user_text[32];
  char branch_text[32];
  const char *values[12] = { NULL };
  const char *sql;
  int n_values;
  gint64 count;
  GString *text;

  if (!sr_param_object (call->params, "filter", FALSE, &filter_params, error) ||
      !sr_vehicle_filter_init (&filter, filter_params, &call->actor, error) ||
      !op_params (&op, call->params, &call->actor, error))
    return NULL;

  op_node = json_node_init_object (json_node_alloc (), json_object_get_object_member (call->params, "op"));
  op_text = sr_json_to_string (op_node, NULL);
  if (op.set != NULL)
    {
      set_node = json_node_init_object (json_node_alloc (), op.set);
      set_text = sr_json_to_string (set_node, NULL);
    }

  g_snprintf (user_text, sizeof user_text, "%" G_GINT64_FORMAT, call->actor.id);
  g_snprintf (branch_text, sizeof branch_text, "%" G_GINT64_FORMAT, call->actor.branch_id);
  memcpy (values, filter.values, sizeof filter.values);
  values[7] = user_text;
  values[8] = branch_text;
  values[9] = op_text;
  if (set_text != NULL)
    {
      sql = sql_preview_set;
      values[10] = set_text;
      n_values = 11;
    }
  else
    {
      sql = sql_preview_price;
      values[10] = op.pct[0] ? op.pct : NULL;
      values[11] = op.add;
      n_values = 12;
    }

  if (!sr_db_begin (db, "direct", error))
    return NULL;
  result = sr_db_exec (db, sql, n_values, values, &local_error);
  if (result == NULL)
    {
      if (sr_db_failed_with (db, NUMERIC_OUT_OF_RANGE, NULL))
        sr_set_error (error, SR_ERROR_INVALID_PARAMS, "op",
                      "the new price of some vehicle would be over 9999999999.99");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  count = sr_db_get_int (result, 0, 2);
  if (count > MAX_ROWS)
    {
      sr_set_error (error, SR_ERROR_TOO_MANY_ROWS, "filter",
                    "more than %d vehicles match; narrow the filter", MAX_ROWS);
      return NULL;
    }
  if (!PQgetisnull (result, 0, 4))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, op.pct[0] ? "op.price_pct" : "op.price_add",
                    "this would make the price of %s negative", PQgetvalue (result, 0, 4));
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  /* Up to 10,000 rows: sent as the database wrote them, without a parse and rebuild. */
  text = g_string_sized_new (strlen (PQgetvalue (result, 0, 3)) + 128);
  g_string_append_printf (text, "{\"preview_id\":%s,\"count\":%" G_GINT64_FORMAT ",\"rows\":%s,"
                          "\"expires_at\":\"%s\"}",
                          PQgetvalue (result, 0, 0), count, PQgetvalue (result, 0, 3),
                          PQgetvalue (result, 0, 1));
  call->raw_result = g_string_free (text, FALSE);
  return json_node_init_null (json_node_alloc ());
}

static const char sql_lock_preview[] =
  "SELECT p.applied_at IS NOT NULL, p.expires_at < now(),"
  "       (SELECT count(*) FROM bulk_preview_rows r WHERE r.preview_id = p.id)"
  "  FROM bulk_previews p WHERE p.id = $1 FOR UPDATE";

/* Applies every row where the vehicle is still at the previewed version, and names up
 * to 100 rows where it was not. */
static const char sql_apply[] =
  "WITH done AS ("
  "  UPDATE vehicles AS v"
  "     SET (vin, make, model, variant, year, color, fuel, odometer_km, price, cost, status,"
  "          branch_id, location, arrived_on, notes) ="
  "         (SELECT n.vin, n.make, n.model, n.variant, n.year, n.color, n.fuel, n.odometer_km,"
  "                 n.price, n.cost, n.status, n.branch_id, n.location, n.arrived_on, n.notes"
  "            FROM jsonb_populate_record(v, r.after) n)"
  "    FROM bulk_preview_rows r"
  "   WHERE r.preview_id = $1 AND v.id = r.vehicle_id AND v.version = r.version"
  "  RETURNING v.id)"
  " SELECT (SELECT count(*) FROM done),"
  "        (SELECT array_agg(m.stock_no)::text FROM"
  "           (SELECT r.stock_no FROM bulk_preview_rows r"
  "             WHERE r.preview_id = $1 AND r.vehicle_id NOT IN (SELECT id FROM done)"
  "             ORDER BY r.stock_no LIMIT 100) m)";

static const char sql_moved[] =
  "SELECT array_agg(m.stock_no)::text, count(*) FROM"
  "  (SELECT r.stock_no FROM bulk_preview_rows r LEFT JOIN vehicles v ON v.id = r.vehicle_id"
  "    WHERE r.preview_id = $1 AND (v.id IS NULL OR v.version <> r.version)"
  "    ORDER BY r.stock_no LIMIT 100) m";

static const char sql_file_edits[] =
  "INSERT INTO pending_edits AS e (vehicle_id, branch_id, batch_id, proposed_by, base_version,"
  "                                changes, reason)"
  " SELECT r.vehicle_id, v.branch_id, $2, $3, r.version, r.after, $4"
  "   FROM bulk_preview_rows r JOIN vehicles v ON v.id = r.vehicle_id"
  "  WHERE r.preview_id = $1"
  "  ORDER BY r.stock_no"
  " RETURNING pending_edit_json(e)::text";

static const char sql_next_batch[] = "SELECT nextval('edit_batch_seq')";

static const char sql_spend[] =
  "UPDATE bulk_previews SET applied_at = now(), batch_id = $2 WHERE id = $1";

static void
preview_stale (const char  *stock_nos,
               const char  *message,
               GError     **error)
{
  GError *stale = sr_error_new (SR_ERROR_PREVIEW_STALE, NULL, "%s", message);

  /* "{SR000001,SR000002}": stock numbers are [A-Z0-9-], so the array text needs no
   * unquoting. */
  if (stock_nos != NULL && stock_nos[0] == '{')
    {
      g_autofree char *inner = g_strndup (stock_nos + 1, strlen (stock_nos) - 2);
      g_auto(GStrv) names = g_strsplit (inner, ",", -1);
      JsonArray *changed = json_array_new ();

      for (guint i = 0; names[i] != NULL; i++)
        json_array_add_string_element (changed, names[i]);
      sr_error_set_extra_member (stale, "changed", json_node_init_array (json_node_alloc (), changed));
      json_array_unref (changed);
    }

  g_propagate_error (error, stale);
}

/* A sales user's apply: the rows become one batch of pending edits. */
static JsonNode *
file_batch (SrDb        *db,
            SrCall      *call,
            const char  *preview_text,
            GError     **error)
{
  g_autoptr(PGresult) moved = NULL;
  g_autoptr(PGresult) batch = NULL;
  g_autoptr(PGresult) filed = NULL;
  g_autoptr(PGresult) spent = NULL;
  g_autoptr(JsonArray) edits = NULL;
  const char *reason = "";
  char user_text[32];
  const char *batch_text;
  JsonObject *result;

  if (!sr_param_string (call->params, "reason", FALSE, 1000, &reason, error))
    return NULL;

  moved = sr_db_exec (db, sql_moved, 1, &preview_text, error);
  if (moved == NULL)
    return NULL;
  if (sr_db_get_int (moved, 0, 1) > 0)
    {
      preview_stale (PQgetvalue (moved, 0, 0),
                     "vehicles changed since the preview; nothing was filed, preview again", error);
      return NULL;
    }

  batch = sr_db_exec (db, sql_next_batch, 0, NULL, error);
  if (batch == NULL)
    return NULL;
  batch_text = PQgetvalue (batch, 0, 0);
  g_snprintf (user_text, sizeof user_text, "%" G_GINT64_FORMAT, call->actor.id);

  filed = sr_db_exec (db, sql_file_edits, 4,
                      (const char *[]) { preview_text, batch_text, user_text, reason }, error);
  if (filed == NULL)
    return NULL;
  spent = sr_db_exec (db, sql_spend, 2, (const char *[]) { preview_text, batch_text }, error);
  if (spent == NULL || !sr_db_commit (db, error))
    return NULL;

  edits = sr_edit_array (filed, PQntuples (filed), 0, call->actor.role, error);
  if (edits == NULL)
    return NULL;

  result = json_object_new ();
  json_object_set_int_member (result, "batch_id", sr_db_get_int (batch, 0, 0));
  json_object_set_array_member (result, "edits", g_steal_pointer (&edits));
  return sr_json_node_take_object (result);
}

JsonNode *
sr_bulk_apply (SrDb    *db,
               SrCall  *call,
               GError **error)
{
  g_autoptr(PGresult) preview = NULL;
  g_autoptr(PGresult) applied = NULL;
  g_autoptr(PGresult) spent = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *via = NULL;
  gint64 id = 0;
  gint64 expected;
  char id_text[32];
  const char *values[2] = { id_text, NULL };
  JsonObject *result;

  if (!sr_param_int (call->params, "preview_id", TRUE, 1, G_MAXINT64, &id, error))
    return NULL;
  g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, id);
  via = g_strdup_printf ("bulk:%" G_GINT64_FORMAT, id);

  if (!sr_db_begin (db, via, error))
    return NULL;

  /* Row-level security: another user's preview is not there. */
  preview = sr_db_exec (db, sql_lock_preview, 1, values, error);
  if (preview == NULL)
    return NULL;
  if (PQntuples (preview) == 0)
    {
      sr_set_error (error, SR_ERROR_NOT_FOUND, "preview_id", "preview %" G_GINT64_FORMAT " not found", id);
      return NULL;
    }
  if (sr_db_get_bool (preview, 0, 0))
    {
      preview_stale (NULL, "this preview was already applied", error);
      return NULL;
    }
  if (sr_db_get_bool (preview, 0, 1))
    {
      preview_stale (NULL, "this preview is more than 15 minutes old; preview again", error);
      return NULL;
    }
  expected = sr_db_get_int (preview, 0, 2);

  if (call->actor.role == SR_ROLE_SALES)
    return file_batch (db, call, id_text, error);

  applied = sr_db_exec (db, sql_apply, 1, values, &local_error);
  if (applied == NULL)
    {
      sr_vehicle_write_error (db, &local_error, error);
      return NULL;
    }
  if (sr_db_get_int (applied, 0, 0) != expected)
    {
      preview_stale (sr_db_get_text (applied, 0, 1),
                     "vehicles changed since the preview; nothing was applied, preview again", error);
      return NULL;
    }

  spent = sr_db_exec (db, sql_spend, 2, values, error);
  if (spent == NULL || !sr_db_commit (db, error))
    return NULL;

  result = json_object_new ();
  json_object_set_int_member (result, "applied", expected);
  json_object_set_int_member (result, "bulk_id", id);
  return sr_json_node_take_object (result);
}
