/* sr-sales.c: reservations and sales. sales.reserve, sales.complete, sales.cancel,
 * sales.list, sales.get, and reports.summary.
 *
 * A sale moves its vehicle through the vehicles table itself, in the same transaction,
 * under the path "sale:<id>": in_stock -> reserved -> sold, or back to in_stock when a
 * reservation is cancelled. A reservation is one UPDATE ... WHERE status = 'in_stock'
 * on the vehicle row, so of concurrent reservations exactly one finds it in stock.
 * Receipt numbers come from one counter row per branch, bumped in the completing
 * transaction: a completion that rolls back gives its number back.
 */
#define G_LOG_DOMAIN "sr-sales"

#include "config.h"

#include <string.h>

#include "sr-dispatch.h"
#include "sr-error.h"
#include "sr-params.h"
#include "sr-rpc.h"
#include "sr-sales.h"
#include "sr-vehicles.h"

#define UNIQUE_VIOLATION "23505"
#define CHECK_VIOLATION  "23514"

#define MAX_REASON 1000

const char *const sr_sale_status_names[] = { "reserved", "completed", "cancelled", NULL };
const char *const sr_payment_method_names[] = {
  "cash", "card", "upi", "bank_transfer", "finance", NULL
};

static void
sale_missing (gint64   id,
              GError **error)
{
  sr_set_error (error, SR_ERROR_NOT_FOUND, NULL, "sale %" G_GINT64_FORMAT " not found", id);
}

/* The vehicle is not in stock (any more): not_available, with the vehicle as this
 * user may see it. */
static void
not_available (const char  *vehicle_json,
               SrRole       role,
               gint64       vehicle_id,
               GError     **error)
{
  GError *failure = sr_error_new (SR_ERROR_NOT_AVAILABLE, "vehicle_id",
                                  "vehicle %" G_GINT64_FORMAT " is not in stock", vehicle_id);

  if (vehicle_json != NULL)
    sr_error_set_extra_member (failure, "current", sr_vehicle_for (vehicle_json, role, NULL));
  g_propagate_error (error, failure);
}

static const char sql_sale_id[] =
  "SELECT n.id, set_config('showroom.via', 'sale:' || n.id, true)"
  "  FROM (SELECT nextval('sale_id_seq') AS id) n";

static const char sql_customer_branch[] =
  "SELECT c.branch_id FROM customers c WHERE c.id = $1";

static const char sql_vehicle_check[] =
  "SELECT v.branch_id, v.price >= coalesce($2::numeric, 0), vehicle_json(v)::text"
  "  FROM vehicles v WHERE v.id = $1";

static const char sql_reserve_vehicle[] =
  "UPDATE vehicles AS v SET status = 'reserved' WHERE v.id = $1 AND v.status = 'in_stock'"
  " RETURNING v.id";

static const char sql_reserve[] =
  "INSERT INTO sales AS s (id, vehicle_id, customer_id, branch_id, price, deposit, sold_by)"
  " SELECT $1, v.id, $3, v.branch_id, v.price, coalesce($4::numeric, 0), $5"
  "   FROM vehicles v WHERE v.id = $2"
  " RETURNING sale_json(s)::text";

/* sales.reserve {vehicle_id, customer_id, deposit?} -> Sale. */
JsonNode *
sr_sales_reserve (SrDb    *db,
                  SrCall  *call,
                  GError **error)
{
  g_autoptr(PGresult) sale_id = NULL;
  g_autoptr(PGresult) customer = NULL;
  g_autoptr(PGresult) vehicle = NULL;
  g_autoptr(PGresult) reserved = NULL;
  g_autoptr(PGresult) current = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *deposit = NULL;
  gint64 vehicle_id = 0;
  gint64 customer_id = 0;
  char vehicle_text[32];
  char customer_text[32];
  char user_text[32];
  const char *values[5];

  if (!sr_param_int (call->params, "vehicle_id", TRUE, 1, G_MAXINT64, &vehicle_id, error) ||
      !sr_param_int (call->params, "customer_id", TRUE, 1, G_MAXINT64, &customer_id, error) ||
      !sr_param_money (call->params, "deposit", &deposit, error))
    return NULL;

  sr_db_format_int (vehicle_text, sizeof vehicle_text, vehicle_id);
  sr_db_format_int (customer_text, sizeof customer_text, customer_id);
  sr_db_format_int (user_text, sizeof user_text, call->actor.id);

  if (!sr_db_begin (db, "direct", error))
    return NULL;

  /* The sale's id first, so the vehicle's change is logged as "sale:<id>". */
  sale_id = sr_db_exec (db, sql_sale_id, 0, NULL, error);
  if (sale_id == NULL)
    return NULL;

  /* Row-level security hides other branches' customers and vehicles: not_found. An
   * administrator sees both, and may still not sell one branch's car to another's
   * customer. */
  customer = sr_db_exec (db, sql_customer_branch, 1, (const char *[]) { customer_text }, error);
  if (customer == NULL)
    return NULL;
  if (PQntuples (customer) == 0)
    {
      sr_set_error (error, SR_ERROR_NOT_FOUND, "customer_id",
                    "customer %" G_GINT64_FORMAT " not found", customer_id);
      return NULL;
    }
  vehicle = sr_db_exec (db, sql_vehicle_check, 2, (const char *[]) { vehicle_text, deposit }, error);
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
      sr_set_error (error, SR_ERROR_OTHER_BRANCH, "customer_id",
                    "the customer belongs to another branch than the vehicle");
      return NULL;
    }
  if (!sr_db_get_bool (vehicle, 0, 1))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "deposit", "the deposit cannot exceed the price");
      return NULL;
    }

  /* Concurrent reservations queue on the vehicle's row; the first one's commit leaves
   * the others nothing in stock to update. */
  reserved = sr_db_exec (db, sql_reserve_vehicle, 1, (const char *[]) { vehicle_text }, error);
  if (reserved == NULL)
    return NULL;
  if (PQntuples (reserved) == 0)
    {
      current = sr_db_exec (db, sql_vehicle_check, 2, (const char *[]) { vehicle_text, NULL }, error);
      if (current != NULL)
        not_available (PQntuples (current) ? PQgetvalue (current, 0, 2) : NULL,
                       call->actor.role, vehicle_id, error);
      return NULL;
    }

  values[0] = PQgetvalue (sale_id, 0, 0);
  values[1] = vehicle_text;
  values[2] = customer_text;
  values[3] = deposit;
  values[4] = user_text;
  result = sr_db_exec (db, sql_reserve, 5, values, &local_error);
  if (result == NULL)
    {
      /* A vehicle put back in stock by hand while its sale is still live. */
      if (sr_db_failed_with (db, UNIQUE_VIOLATION, "sales_vehicle_live_key"))
        not_available (PQgetvalue (vehicle, 0, 2), call->actor.role, vehicle_id, error);
      else if (sr_db_failed_with (db, CHECK_VIOLATION, "sales_deposit_within_price"))
        sr_set_error (error, SR_ERROR_INVALID_PARAMS, "deposit", "the deposit cannot exceed the price");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

/* Deciding a reservation: complete or cancel. */

static const char sql_sale_state[] =
  "SELECT s.status::text, s.branch_id, s.vehicle_id, sale_json(s)::text,"
  "       s.deposit <= coalesce($2::numeric, s.price)"
  "  FROM sales s WHERE s.id = $1";

static void
sale_decided (PGresult  *state,
              gint64     id,
              GError   **error)
{
  GError *decided = sr_error_new (SR_ERROR_ALREADY_DECIDED, NULL,
                                  "sale %" G_GINT64_FORMAT " is already %s", id,
                                  PQgetvalue (state, 0, 0));

  sr_error_set_extra_member (decided, "current",
                             sr_json_from_string (PQgetvalue (state, 0, 3), -1, NULL));
  g_propagate_error (error, decided);
}

/* Begins the transaction under "sale:<id>" and reads the sale; it must be reserved. */
static PGresult *
sale_begin (SrDb        *db,
            gint64       id,
            const char  *id_text,
            const char  *price,
            GError     **error)
{
  g_autofree char *via = g_strdup_printf ("sale:%" G_GINT64_FORMAT, id);
  g_autoptr(PGresult) state = NULL;

  if (!sr_db_begin (db, via, error))
    return NULL;

  state = sr_db_exec (db, sql_sale_state, 2, (const char *[]) { id_text, price }, error);
  if (state == NULL)
    return NULL;
  if (PQntuples (state) == 0)
    {
      sale_missing (id, error);
      return NULL;
    }
  if (!g_str_equal (PQgetvalue (state, 0, 0), "reserved"))
    {
      sale_decided (state, id, error);
      return NULL;
    }

  return g_steal_pointer (&state);
}

/* The sale was decided by someone else between the read and the update. */
static void
sale_raced (SrDb     *db,
            gint64    id,
            const char *id_text,
            GError  **error)
{
  g_autoptr(PGresult) state = sr_db_exec (db, sql_sale_state, 2,
                                          (const char *[]) { id_text, NULL }, error);

  if (state == NULL)
    return;
  if (PQntuples (state) == 0)
    sale_missing (id, error);
  else
    sale_decided (state, id, error);
}

static const char sql_next_receipt[] =
  "INSERT INTO receipt_counters AS r (branch_id, last_no) VALUES ($1, 1)"
  " ON CONFLICT (branch_id) DO UPDATE SET last_no = r.last_no + 1"
  " RETURNING r.last_no";

static const char sql_complete[] =
  "UPDATE sales AS s SET status = 'completed', receipt_no = $2,"
  "       price = coalesce($3::numeric, s.price), payment_method = $4::payment_method,"
  "       completed_at = now()"
  " WHERE s.id = $1 AND s.status = 'reserved'"
  " RETURNING sale_json(s)::text";

static const char sql_sell_vehicle[] =
  "UPDATE vehicles AS v SET status = 'sold' WHERE v.id = $1 AND v.status = 'reserved'"
  " RETURNING v.id";

static const char sql_vehicle_get[] =
  "SELECT vehicle_json(v)::text FROM vehicles v WHERE v.id = $1";

/* sales.complete {id, price?, payment_method} -> Sale, with its receipt number. */
JsonNode *
sr_sales_complete (SrDb    *db,
                   SrCall  *call,
                   GError **error)
{
  g_autoptr(PGresult) state = NULL;
  g_autoptr(PGresult) receipt = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) sold = NULL;
  const char *price = NULL;
  const char *method = NULL;
  gint64 id = 0;
  char id_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_money (call->params, "price", &price, error) ||
      !sr_param_enum (call->params, "payment_method", TRUE, sr_payment_method_names, &method, error))
    return NULL;

  sr_db_format_int (id_text, sizeof id_text, id);
  state = sale_begin (db, id, id_text, price, error);
  if (state == NULL)
    return NULL;
  if (!sr_db_get_bool (state, 0, 4))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "price", "the price cannot be below the deposit");
      return NULL;
    }

  /* The branch's counter row is held from here to commit: completions in one branch
   * take their numbers one after the other, and a rollback returns the number. */
  receipt = sr_db_exec (db, sql_next_receipt, 1, (const char *[]) { PQgetvalue (state, 0, 1) }, error);
  if (receipt == NULL)
    return NULL;

  result = sr_db_exec (db, sql_complete, 4,
                       (const char *[]) { id_text, PQgetvalue (receipt, 0, 0), price, method }, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      sale_raced (db, id, id_text, error);
      return NULL;
    }

  /* A vehicle someone took out of `reserved` by hand is not sold behind their back. */
  sold = sr_db_exec (db, sql_sell_vehicle, 1, (const char *[]) { PQgetvalue (state, 0, 2) }, error);
  if (sold == NULL)
    return NULL;
  if (PQntuples (sold) == 0)
    {
      g_autoptr(PGresult) vehicle = sr_db_exec (db, sql_vehicle_get, 1,
                                                (const char *[]) { PQgetvalue (state, 0, 2) }, error);

      if (vehicle != NULL)
        not_available (PQntuples (vehicle) ? PQgetvalue (vehicle, 0, 0) : NULL, call->actor.role,
                       sr_db_get_int (state, 0, 2), error);
      return NULL;
    }
  if (!sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

static const char sql_cancel[] =
  "UPDATE sales AS s SET status = 'cancelled', cancel_reason = $2, cancelled_at = now()"
  " WHERE s.id = $1 AND s.status = 'reserved'"
  " RETURNING sale_json(s)::text";

static const char sql_unreserve_vehicle[] =
  "UPDATE vehicles AS v SET status = 'in_stock' WHERE v.id = $1 AND v.status = 'reserved'";

/* sales.cancel {id, reason} -> Sale. Only a reservation can be cancelled: a completed
 * sale has its receipt, and is refused (already_decided). */
JsonNode *
sr_sales_cancel (SrDb    *db,
                 SrCall  *call,
                 GError **error)
{
  g_autoptr(PGresult) state = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) back = NULL;
  const char *reason = NULL;
  gint64 id = 0;
  char id_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error) ||
      !sr_param_text (call->params, "reason", TRUE, MAX_REASON, &reason, error))
    return NULL;

  sr_db_format_int (id_text, sizeof id_text, id);
  state = sale_begin (db, id, id_text, NULL, error);
  if (state == NULL)
    return NULL;

  result = sr_db_exec (db, sql_cancel, 2, (const char *[]) { id_text, reason }, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      sale_raced (db, id, id_text, error);
      return NULL;
    }

  /* Back in stock, unless someone already moved it by hand. */
  back = sr_db_exec (db, sql_unreserve_vehicle, 1, (const char *[]) { PQgetvalue (state, 0, 2) }, error);
  if (back == NULL || !sr_db_commit (db, error))
    return NULL;

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

static const char sql_sale_get[] =
  "SELECT sale_json(s)::text FROM sales s WHERE s.id = $1";

JsonNode *
sr_sales_get (SrDb    *db,
              SrCall  *call,
              GError **error)
{
  g_autoptr(PGresult) result = NULL;
  gint64 id = 0;
  char id_text[32];

  if (!sr_param_int (call->params, "id", TRUE, 1, G_MAXINT64, &id, error))
    return NULL;

  sr_db_format_int (id_text, sizeof id_text, id);
  result = sr_db_exec (db, sql_sale_get, 1, (const char *[]) { id_text }, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      sale_missing (id, error);
      return NULL;
    }

  return sr_json_from_string (PQgetvalue (result, 0, 0), -1, error);
}

/* A sale's day is the day it was completed, or made for one that was not. */
static const char sql_sale_list[] =
  "SELECT sale_json(s)::text, s.id FROM sales s"
  " WHERE ($1::bigint IS NULL OR s.branch_id = $1)"
  "   AND ($2::sale_status[] IS NULL OR s.status = ANY ($2))"
  "   AND ($3::date IS NULL OR coalesce(s.completed_at, s.created_at) >= $3::date)"
  "   AND ($4::date IS NULL OR coalesce(s.completed_at, s.created_at) < $4::date + 1)"
  "   AND ($5::bigint IS NULL OR s.customer_id = $5)"
  "   AND ($6::bigint IS NULL OR s.vehicle_id = $6)"
  "   AND ($7::bigint IS NULL OR s.id < $7)"
  " ORDER BY s.id DESC LIMIT $8";

static gboolean
date_range (JsonObject  *params,
            const char **from,
            const char **to,
            GError     **error)
{
  if (!sr_param_date (params, "from", FALSE, from, error) ||
      !sr_param_date (params, "to", FALSE, to, error))
    return FALSE;

  /* Same-length dates compare as text. */
  if (*from != NULL && *to != NULL && strcmp (*from, *to) > 0)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "to", "to may not be before from");
      return FALSE;
    }

  return TRUE;
}

JsonNode *
sr_sales_list (SrDb    *db,
               SrCall  *call,
               GError **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *statuses = NULL;
  const char *from = NULL;
  const char *to = NULL;
  const char *after = NULL;
  gint64 customer_id = 0;
  gint64 vehicle_id = 0;
  gint64 limit = 100;
  gint64 cursor = 0;
  char branch_text[32];
  char customer_text[32];
  char vehicle_text[32];
  char cursor_text[32];
  char limit_text[32];
  const char *values[8] = { NULL };

  if (!sr_param_enum_set (call->params, "status", sr_sale_status_names, &statuses, error) ||
      !date_range (call->params, &from, &to, error) ||
      !sr_param_int (call->params, "customer_id", FALSE, 1, G_MAXINT64, &customer_id, error) ||
      !sr_param_int (call->params, "vehicle_id", FALSE, 1, G_MAXINT64, &vehicle_id, error) ||
      !sr_param_paging (call->params, 100, 1000, &limit, &after, error) ||
      (after != NULL && !sr_cursor_decode (after, &cursor, error)))
    return NULL;

  sr_db_format_int (branch_text, sizeof branch_text, call->actor.branch_id);
  sr_db_format_int (customer_text, sizeof customer_text, customer_id);
  sr_db_format_int (vehicle_text, sizeof vehicle_text, vehicle_id);
  sr_db_format_int (cursor_text, sizeof cursor_text, cursor);
  sr_db_format_int (limit_text, sizeof limit_text, limit + 1);
  values[0] = call->actor.role != SR_ROLE_ADMIN ? branch_text : NULL;
  values[1] = statuses;
  values[2] = from;
  values[3] = to;
  values[4] = customer_id != 0 ? customer_text : NULL;
  values[5] = vehicle_id != 0 ? vehicle_text : NULL;
  values[6] = after != NULL ? cursor_text : NULL;
  values[7] = limit_text;

  result = sr_db_exec (db, sql_sale_list, 8, values, error);
  if (result == NULL)
    return NULL;

  return sr_page_from_rows (result, limit, error);
}

/* Stock as it is now (unsold: every status but sold), the sales completed in the date
 * range, and the edits waiting for a decision. */
static const char sql_summary[] =
  "WITH stock AS ("
  "  SELECT count(*) FILTER (WHERE v.status = 'incoming') AS incoming,"
  "         count(*) FILTER (WHERE v.status = 'in_stock') AS in_stock,"
  "         count(*) FILTER (WHERE v.status = 'reserved') AS reserved,"
  "         count(*) FILTER (WHERE v.status = 'sold') AS sold,"
  "         coalesce(sum(v.price) FILTER (WHERE v.status <> 'sold'), 0)::numeric(20, 2)::text AS value,"
  /* A car due to arrive later has been in stock for no days yet, not for fewer. */
  "         round(avg(greatest(current_date - v.arrived_on, 0)) FILTER (WHERE v.status <> 'sold'), 1)::text AS age"
  "    FROM vehicles v WHERE ($1::bigint IS NULL OR v.branch_id = $1)),"
  " sold AS ("
  "  SELECT count(*) AS n, coalesce(sum(s.price), 0)::numeric(20, 2)::text AS revenue"
  "    FROM sales s"
  "   WHERE s.status = 'completed' AND ($1::bigint IS NULL OR s.branch_id = $1)"
  "     AND ($2::date IS NULL OR s.completed_at >= $2::date)"
  "     AND ($3::date IS NULL OR s.completed_at < $3::date + 1)),"
  " edits AS ("
  "  SELECT count(*) AS n FROM pending_edits e"
  "   WHERE e.status = 'pending' AND ($1::bigint IS NULL OR e.branch_id = $1))"
  " SELECT stock.incoming, stock.in_stock, stock.reserved, stock.sold, stock.value, stock.age,"
  "        sold.n, sold.revenue, edits.n"
  "   FROM stock, sold, edits";

/* reports.summary {branch_id?, from?, to?}. Sales users and managers get their own
 * branch; an administrator every branch, or the one asked for. */
JsonNode *
sr_reports_summary (SrDb    *db,
                    SrCall  *call,
                    GError **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *from = NULL;
  const char *to = NULL;
  gint64 branch_id = 0;
  char branch_text[32];
  const char *values[3];
  JsonObject *by_status;
  JsonObject *stock;
  JsonObject *sales;
  JsonObject *edits;
  JsonObject *summary;

  if (!sr_param_int (call->params, "branch_id", FALSE, 1, G_MAXINT64, &branch_id, error) ||
      !date_range (call->params, &from, &to, error))
    return NULL;

  if (call->actor.role != SR_ROLE_ADMIN)
    {
      if (branch_id != 0 && branch_id != call->actor.branch_id)
        {
          sr_set_error (error, SR_ERROR_OTHER_BRANCH, "branch_id",
                        "you may see your own branch's figures only");
          return NULL;
        }
      branch_id = call->actor.branch_id;
    }

  sr_db_format_int (branch_text, sizeof branch_text, branch_id);
  values[0] = branch_id != 0 ? branch_text : NULL;
  values[1] = from;
  values[2] = to;
  result = sr_db_exec (db, sql_summary, 3, values, error);
  if (result == NULL)
    return NULL;

  by_status = json_object_new ();
  json_object_set_int_member (by_status, "incoming", sr_db_get_int (result, 0, 0));
  json_object_set_int_member (by_status, "in_stock", sr_db_get_int (result, 0, 1));
  json_object_set_int_member (by_status, "reserved", sr_db_get_int (result, 0, 2));
  json_object_set_int_member (by_status, "sold", sr_db_get_int (result, 0, 3));

  stock = json_object_new ();
  json_object_set_object_member (stock, "by_status", by_status);
  json_object_set_string_member (stock, "value", PQgetvalue (result, 0, 4));
  if (PQgetisnull (result, 0, 5))
    json_object_set_null_member (stock, "avg_age_days");
  else
    json_object_set_double_member (stock, "avg_age_days",
                                   g_ascii_strtod (PQgetvalue (result, 0, 5), NULL));

  sales = json_object_new ();
  json_object_set_int_member (sales, "count", sr_db_get_int (result, 0, 6));
  json_object_set_string_member (sales, "revenue", PQgetvalue (result, 0, 7));

  edits = json_object_new ();
  json_object_set_int_member (edits, "pending", sr_db_get_int (result, 0, 8));

  summary = json_object_new ();
  json_object_set_object_member (summary, "stock", stock);
  json_object_set_object_member (summary, "sales", sales);
  json_object_set_object_member (summary, "edits", edits);
  if (branch_id != 0)
    json_object_set_int_member (summary, "branch_id", branch_id);
  else
    json_object_set_null_member (summary, "branch_id");

  return sr_json_node_take_object (summary);
}
