/* sr-seed.c: the first administrator, and the demo dealership.
 *
 * Both run once from the command line before (or instead of) serving. The demo data is
 * idempotent: running it again adds nothing that is already there.
 */
#define G_LOG_DOMAIN "sr-seed"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sr-db-pool.h"
#include "sr-error.h"
#include "sr-password.h"
#include "sr-seed.h"

static const char sql_main_branch[] =
  "WITH made AS ("
  "  INSERT INTO branches (name, city)"
  "  SELECT 'Main', '' WHERE NOT EXISTS (SELECT 1 FROM branches)"
  "  RETURNING id)"
  "SELECT id FROM made UNION ALL (SELECT id FROM branches ORDER BY id LIMIT 1) LIMIT 1";

static const char sql_insert_admin[] =
  "INSERT INTO users (email, name, role, branch_id, password_hash)"
  " VALUES ($1, $2, 'admin', $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id";

static gboolean
check_result (PGresult    *result,
              const char  *what,
              GError     **error)
{
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               PQresultErrorMessage (result));
  return FALSE;
}

gboolean
sr_seed_create_admin (const SrConfig  *config,
                      const char      *password,
                      GError         **error)
{
  g_autoptr(PGresult) branch = NULL;
  g_autoptr(PGresult) user = NULL;
  g_autofree char *email = NULL;
  g_autofree char *hash = NULL;
  const char *name = config->admin_name;
  const char *values[4];
  PGconn *conn;
  gboolean ok = FALSE;

  email = g_utf8_strdown (config->create_admin, -1);
  g_strstrip (email);
  if (strchr (email, '@') == NULL || email[0] == '@')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s is not an e-mail address", config->create_admin);
      return FALSE;
    }
  if (!sr_config_email_allowed (config, email))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s is not in the allowed e-mail domains", email);
      return FALSE;
    }
  if (name == NULL || *name == '\0')
    name = "Administrator";
  if (!sr_password_check_new (password, NULL, error))
    return FALSE;

  hash = sr_password_hash (password, error);
  if (hash == NULL)
    return FALSE;

  conn = sr_db_connect (config->db, FALSE, error);
  if (conn == NULL)
    return FALSE;

  PQclear (PQexec (conn, "BEGIN"));
  branch = PQexec (conn, sql_main_branch);
  if (!check_result (branch, "creating the Main branch", error))
    goto out;

  values[0] = email;
  values[1] = name;
  values[2] = PQgetvalue (branch, 0, 0);
  values[3] = hash;
  user = PQexecParams (conn, sql_insert_admin, 4, NULL, values, NULL, NULL, 0);
  if (!check_result (user, "creating the administrator", error))
    goto out;
  if (PQntuples (user) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "a user with e-mail %s already exists", email);
      goto out;
    }

  PQclear (PQexec (conn, "COMMIT"));
  g_message ("created administrator %s", email);
  ok = TRUE;

out:
  PQfinish (conn);
  return ok;
}

static const struct {
  const char *name;
  const char *city;
} demo_branches[] = {
  { "Mumbai Central", "Mumbai" },
  { "Pune East", "Pune" },
  { "Bengaluru North", "Bengaluru" },
};

static const struct {
  const char *email;
  const char *name;
  const char *role;
  guint       branch;
} demo_users[] = {
  { "admin@showroom.test",        "Asha Kulkarni",  "admin",   0 },
  { "manager@showroom.test",      "Rohan Mehta",    "manager", 0 },
  { "sales@showroom.test",        "Priya Nair",     "sales",   0 },
  { "pune.manager@showroom.test", "Vikram Joshi",   "manager", 1 },
  { "pune.sales@showroom.test",   "Sneha Patil",    "sales",   1 },
  { "blr.sales@showroom.test",    "Arjun Rao",      "sales",   2 },
};

static const char sql_demo_branch[] =
  "WITH made AS ("
  "  INSERT INTO branches (name, city) VALUES ($1, $2)"
  "  ON CONFLICT ((lower(name))) DO NOTHING RETURNING id)"
  "SELECT id FROM made UNION ALL SELECT id FROM branches WHERE lower(name) = lower($1) LIMIT 1";

static const char sql_demo_user[] =
  "INSERT INTO users (email, name, role, branch_id, password_hash)"
  " VALUES ($1, $2, $3::user_role, $4, $5) ON CONFLICT (email) DO NOTHING";

/* Stock that looks like a dealership group's: makes and models sold in India and
 * elsewhere, their usual fuels, colours, prices around the real ones, a yard location,
 * arrival dates over the last six months. The catalogue row is picked by a
 * multiplicative hash of the row number, so the spread is even and repeatable. VINs are
 * 11 hex characters of a hash (0-9 and A-F, valid VIN characters) plus the row number,
 * so they are unique. Only the rows missing up to N are added: running it again with
 * the same N adds nothing. */
static const char sql_seed_vehicles[] =
  "WITH catalogue (n, make, model, variant, fuel, base) AS (VALUES"
  "  (0, 'Maruti Suzuki', 'Swift', 'ZXi', 'petrol', 720000),"
  "  (1, 'Maruti Suzuki', 'Baleno', 'Alpha', 'petrol', 860000),"
  "  (2, 'Maruti Suzuki', 'Brezza', 'VXi CNG', 'cng', 1050000),"
  "  (3, 'Maruti Suzuki', 'Ertiga', 'ZXi+', 'petrol', 1180000),"
  "  (4, 'Maruti Suzuki', 'Grand Vitara', 'Alpha+ Hybrid', 'hybrid', 1990000),"
  "  (5, 'Hyundai', 'Creta', 'SX(O) Diesel', 'diesel', 1950000),"
  "  (6, 'Hyundai', 'Venue', 'S(O)', 'petrol', 1050000),"
  "  (7, 'Hyundai', 'i20', 'Asta', 'petrol', 980000),"
  "  (8, 'Hyundai', 'Verna', 'SX Turbo', 'petrol', 1620000),"
  "  (9, 'Tata', 'Nexon', 'Creative+', 'petrol', 1180000),"
  "  (10, 'Tata', 'Nexon EV', 'Empowered+ LR', 'electric', 1890000),"
  "  (11, 'Tata', 'Punch', 'Accomplished', 'petrol', 820000),"
  "  (12, 'Tata', 'Harrier', 'Fearless+', 'diesel', 2580000),"
  "  (13, 'Tata', 'Tiago', 'XZ+ CNG', 'cng', 780000),"
  "  (14, 'Mahindra', 'XUV700', 'AX7 L', 'diesel', 2550000),"
  "  (15, 'Mahindra', 'Scorpio-N', 'Z8 L', 'diesel', 2390000),"
  "  (16, 'Mahindra', 'Thar', 'LX 4WD', 'diesel', 1720000),"
  "  (17, 'Mahindra', 'XUV 3XO', 'AX5', 'petrol', 1190000),"
  "  (18, 'Kia', 'Seltos', 'HTX+', 'petrol', 1780000),"
  "  (19, 'Kia', 'Sonet', 'GTX+', 'diesel', 1480000),"
  "  (20, 'Kia', 'Carens', 'Luxury Plus', 'petrol', 1820000),"
  "  (21, 'Toyota', 'Innova Hycross', 'ZX Hybrid', 'hybrid', 3080000),"
  "  (22, 'Toyota', 'Fortuner', 'Legender 4x4', 'diesel', 4720000),"
  "  (23, 'Toyota', 'Glanza', 'V', 'petrol', 940000),"
  "  (24, 'Honda', 'City', 'ZX e:HEV', 'hybrid', 2050000),"
  "  (25, 'Honda', 'Elevate', 'ZX CVT', 'petrol', 1640000),"
  "  (26, 'Honda', 'Amaze', 'VX', 'petrol', 960000),"
  "  (27, 'MG', 'Hector', 'Sharp Pro', 'petrol', 2150000),"
  "  (28, 'MG', 'ZS EV', 'Exclusive Pro', 'electric', 2480000),"
  "  (29, 'MG', 'Comet EV', 'Plush', 'electric', 920000),"
  "  (30, 'Skoda', 'Kushaq', 'Style 1.5', 'petrol', 1890000),"
  "  (31, 'Skoda', 'Slavia', 'Prestige', 'petrol', 1790000),"
  "  (32, 'Volkswagen', 'Taigun', 'GT Plus', 'petrol', 1920000),"
  "  (33, 'Volkswagen', 'Virtus', 'Topline', 'petrol', 1750000),"
  "  (34, 'Renault', 'Kiger', 'RXZ Turbo', 'petrol', 1100000),"
  "  (35, 'BYD', 'Atto 3', 'Superior', 'electric', 3390000),"
  "  (36, 'Toyota', 'Corolla', 'Hybrid Luxury', 'hybrid', 2890000),"
  "  (37, 'Volkswagen', 'Golf', 'Life 1.5 TSI', 'petrol', 3100000)),"
  " colours (n, colour) AS (VALUES"
  "  (0, 'Pearl White'), (1, 'Midnight Black'), (2, 'Silky Silver'), (3, 'Fiery Red'),"
  "  (4, 'Ocean Blue'), (5, 'Titan Grey'), (6, 'Daytona Grey'), (7, 'Forest Green'),"
  "  (8, 'Sunset Orange'), (9, 'Polar White')),"
  " places (n, place) AS (VALUES"
  "  (0, 'Showroom floor'), (1, 'Showroom floor'), (2, 'Yard A'), (3, 'Yard B'),"
  "  (4, 'Service bay'), (5, 'Delivery bay')),"
  " branches_list AS (SELECT array_agg(b::bigint ORDER BY ord) AS ids"
  "                     FROM unnest($1::bigint[]) WITH ORDINALITY AS t (b, ord)),"
  " rows AS ("
  "  SELECT i, (i * 2654435761) % 38 AS pick, (i * 40503) % 100 AS roll"
  "    FROM generate_series((SELECT count(*) FROM vehicles) + 1, $2::bigint) AS i)"
  " INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, odometer_km,"
  "                       price, cost, status, branch_id, location, arrived_on, notes)"
  " SELECT upper(substr(md5('showroom-demo-' || r.i), 1, 11)) || lpad(r.i::text, 6, '0'),"
  "        c.make, c.model, c.variant,"
  "        extract(year FROM now())::int - CASE WHEN r.roll < 85 THEN 0 ELSE 1 + r.roll % 4 END,"
  "        k.colour, c.fuel::fuel_type,"
  "        CASE WHEN r.roll < 85 THEN r.roll % 40 ELSE 8000 + (r.i * 7919) % 60000 END,"
  "        round(c.base * (0.95 + ((r.i * 31) % 20) / 100.0), -3),"
  "        round(c.base * (0.95 + ((r.i * 31) % 20) / 100.0) * 0.89, -3),"
  "        (CASE WHEN r.roll < 8 THEN 'incoming' WHEN r.roll < 90 THEN 'in_stock'"
  "              WHEN r.roll < 96 THEN 'reserved' ELSE 'sold' END)::vehicle_status,"
  "        b.ids[1 + r.i % array_length(b.ids, 1)],"
  "        CASE WHEN r.roll < 8 THEN 'In transit' ELSE p.place END,"
  "        current_date - ((r.i * 104729) % 180)::int,"
  "        CASE WHEN r.roll % 17 = 0 THEN 'Customer asked for a test drive' ELSE '' END"
  "   FROM rows r"
  "   JOIN catalogue c ON c.n = r.pick"
  "   JOIN colours k ON k.n = (r.i * 7) % 10"
  "   JOIN places p ON p.n = (r.i * 13) % 6"
  "   CROSS JOIN branches_list b"
  "  ORDER BY r.i";

static gboolean
seed_vehicles (PGconn      *conn,
               char         branch_ids[][32],
               guint        n_vehicles,
               GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GString) ids = g_string_new ("{");
  g_autofree char *count = g_strdup_printf ("%u", n_vehicles);
  const char *values[2];

  for (guint i = 0; i < G_N_ELEMENTS (demo_branches); i++)
    g_string_append_printf (ids, "%s%s", i ? "," : "", branch_ids[i]);
  g_string_append_c (ids, '}');
  values[0] = ids->str;
  values[1] = count;

  PQclear (PQexec (conn, "BEGIN"));
  result = PQexecParams (conn, sql_seed_vehicles, 2, NULL, values, NULL, NULL, 0);
  if (!check_result (result, "adding demo vehicles", error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }
  PQclear (PQexec (conn, "COMMIT"));

  g_message ("demo stock: %s vehicles added (up to %u in all)", PQcmdTuples (result), n_vehicles);
  return TRUE;
}

/* Customers of each branch: Indian names and mobile numbers, a few from abroad (Dubai,
 * London, Singapore) with their own country codes; most have an e-mail address, some
 * only a phone. Added once, with the first run that finds none. */
static const char sql_seed_customers[] =
  "WITH firsts (n, name) AS (VALUES"
  "  (0, 'Aarav'), (1, 'Priya'), (2, 'Rohit'), (3, 'Ananya'), (4, 'Vikram'), (5, 'Kavya'),"
  "  (6, 'Arjun'), (7, 'Meera'), (8, 'Siddharth'), (9, 'Neha'), (10, 'Farhan'), (11, 'Lakshmi'),"
  "  (12, 'Gurpreet'), (13, 'Sneha'), (14, 'Rahul'), (15, 'Divya'), (16, 'Imran'), (17, 'Pooja')),"
  " lasts (n, name) AS (VALUES"
  "  (0, 'Sharma'), (1, 'Iyer'), (2, 'Patil'), (3, 'Reddy'), (4, 'Khan'), (5, 'Nair'),"
  "  (6, 'Deshpande'), (7, 'Singh'), (8, 'Banerjee'), (9, 'Kulkarni'), (10, 'Menon'),"
  "  (11, 'Joshi'), (12, 'Gupta')),"
  " abroad (n, city, prefix) AS (VALUES"
  "  (0, 'Dubai', '+9715'), (1, 'London', '+447'), (2, 'Singapore', '+659')),"
  " branch_list AS (SELECT array_agg(b::bigint ORDER BY ord) AS ids"
  "                   FROM unnest($1::bigint[]) WITH ORDINALITY AS t (b, ord)),"
  " rows AS (SELECT i FROM generate_series(1, $2::int) AS i"
  "           WHERE NOT EXISTS (SELECT 1 FROM customers))"
  " INSERT INTO customers (name, phone, email, city, branch_id, status, notes, created_at)"
  " SELECT f.name || ' ' || l.name,"
  "        CASE WHEN r.i % 19 = 0 THEN a.prefix || lpad(((r.i * 7919) % 10000000)::text, 8, '0')"
  "             ELSE '+91' || (9 - r.i % 3)::text || (100000000 + (r.i * 104729) % 900000000)::text END,"
  "        CASE WHEN r.i % 4 = 0 THEN ''"
  "             ELSE lower(f.name || '.' || l.name || r.i) || '@example.com' END,"
  "        CASE WHEN r.i % 19 = 0 THEN a.city ELSE br.city END,"
  "        br.id,"
  "        (CASE WHEN r.i % 10 < 5 THEN 'lead' WHEN r.i % 10 < 9 THEN 'active'"
  "              ELSE 'inactive' END)::customer_status,"
  "        CASE WHEN r.i % 7 = 0 THEN 'Prefers weekend visits'"
  "             WHEN r.i % 11 = 0 THEN 'Exchange of the old car wanted' ELSE '' END,"
  "        now() - ((r.i * 37) % 200) * interval '1 day'"
  "   FROM rows r"
  "   CROSS JOIN branch_list b"
  "   JOIN branches br ON br.id = b.ids[1 + r.i % array_length(b.ids, 1)]"
  "   JOIN firsts f ON f.n = (r.i * 7) % 18"
  "   JOIN lasts l ON l.n = (r.i * 5) % 13"
  "   JOIN abroad a ON a.n = r.i % 3"
  "  ORDER BY r.i";

/* A follow-up for two customers in three, assigned to a salesperson of the branch:
 * some overdue, some later this fortnight, some done with an outcome. */
static const char sql_seed_followups[] =
  "WITH sellers AS (SELECT DISTINCT ON (u.branch_id) u.branch_id, u.id FROM users u"
  "                  WHERE u.role IN ('sales', 'manager') ORDER BY u.branch_id, u.role DESC, u.id),"
  " picked AS (SELECT c.id, c.branch_id, row_number() OVER (ORDER BY c.id) AS n FROM customers c"
  "             WHERE NOT EXISTS (SELECT 1 FROM followups f WHERE f.customer_id = c.id))"
  " INSERT INTO followups (customer_id, branch_id, due_at, kind, note, assigned_to, status,"
  "                        outcome, completed_at)"
  " SELECT p.id, p.branch_id,"
  "        date_trunc('hour', now()) + ((p.n % 15) - 5) * interval '1 day' + (p.n % 8) * interval '1 hour',"
  "        (ARRAY['call', 'visit', 'email', 'sms', 'test_drive'])[1 + p.n % 5]::followup_kind,"
  "        (ARRAY['Share the on-road price', 'Confirm the test drive slot', 'Send finance options',"
  "               'Remind about the exchange valuation'])[1 + p.n % 4],"
  "        s.id,"
  "        (CASE WHEN p.n % 5 = 0 THEN 'done' ELSE 'pending' END)::followup_status,"
  "        CASE WHEN p.n % 5 = 0 THEN 'Spoke to the customer; will visit next week' END,"
  "        CASE WHEN p.n % 5 = 0 THEN now() - (p.n % 4) * interval '1 day' END"
  "   FROM picked p JOIN sellers s ON s.branch_id = p.branch_id"
  "  WHERE p.n % 3 <> 0";

/* Every reserved or sold vehicle without its sale gets one: reservations with a
 * deposit, and completed sales over the past months, numbered per branch after the
 * receipts already given; the counters then move on to the last number used. */
static const char sql_seed_sales[] =
  "WITH sellers AS (SELECT DISTINCT ON (u.branch_id) u.branch_id, u.id FROM users u"
  "                  WHERE u.role IN ('sales', 'manager') ORDER BY u.branch_id, u.role DESC, u.id),"
  " buyers AS (SELECT c.id, c.branch_id, row_number() OVER (PARTITION BY c.branch_id ORDER BY c.id) AS n,"
  "                   count(*) OVER (PARTITION BY c.branch_id) AS total FROM customers c),"
  " cars AS (SELECT v.id, v.branch_id, v.price, v.status,"
  "                 row_number() OVER (PARTITION BY v.branch_id ORDER BY v.id) AS n,"
  "                 row_number() OVER (PARTITION BY v.branch_id, v.status ORDER BY v.id) AS k,"
  "                 count(*) OVER (PARTITION BY v.branch_id, v.status) AS total"
  "            FROM vehicles v"
  "           WHERE v.status IN ('reserved', 'sold')"
  "             AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.vehicle_id = v.id"
  "                              AND s.status IN ('reserved', 'completed'))),"
  " made AS ("
  "  INSERT INTO sales (vehicle_id, customer_id, branch_id, status, price, deposit, payment_method,"
  "                     sold_by, created_at, completed_at, receipt_no)"
  "  SELECT v.id, b.id, v.branch_id,"
  "         (CASE WHEN v.status = 'sold' THEN 'completed' ELSE 'reserved' END)::sale_status,"
  "         CASE WHEN v.status = 'sold' THEN round(v.price * 0.98, -3) ELSE v.price END,"
  "         least(round(v.price * 0.1, -3), round(v.price * 0.98, -3)),"
  "         CASE WHEN v.status = 'sold' THEN (ARRAY['cash', 'card', 'upi', 'bank_transfer',"
  "              'finance'])[1 + v.id % 5]::payment_method END,"
  "         s.id,"
  "         CASE WHEN v.status = 'sold'"
  "              THEN now() - (v.total - v.k + 1) * interval '90 minutes' - interval '3 days'"
  "              ELSE now() - (v.id % 10) * interval '1 day' END,"
  "         CASE WHEN v.status = 'sold' THEN now() - (v.total - v.k + 1) * interval '90 minutes' END,"
  "         CASE WHEN v.status = 'sold'"
  "              THEN coalesce((SELECT r.last_no FROM receipt_counters r WHERE r.branch_id = v.branch_id), 0)"
  "                   + v.k END"
  "    FROM cars v"
  "    JOIN buyers b ON b.branch_id = v.branch_id AND b.n = 1 + (v.n - 1) % b.total"
  "    JOIN sellers s ON s.branch_id = v.branch_id"
  "   ORDER BY v.id"
  "  RETURNING branch_id, receipt_no)"
  " INSERT INTO receipt_counters AS r (branch_id, last_no)"
  " SELECT m.branch_id, max(m.receipt_no) FROM made m WHERE m.receipt_no IS NOT NULL"
  "  GROUP BY m.branch_id"
  " ON CONFLICT (branch_id) DO UPDATE SET last_no = greatest(r.last_no, excluded.last_no)";

static gboolean
seed_sales (PGconn      *conn,
            char         branch_ids[][32],
            guint        n_vehicles,
            GError     **error)
{
  g_autoptr(GString) ids = g_string_new ("{");
  g_autofree char *count = g_strdup_printf ("%u", CLAMP (n_vehicles / 10, 30, 5000));
  const char *values[2];
  struct {
    const char *sql;
    int         n_values;
    const char *what;
  } steps[] = {
    { sql_seed_customers, 2, "adding demo customers" },
    { sql_seed_followups, 0, "adding demo follow-ups" },
    { sql_seed_sales, 0, "adding demo sales" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (demo_branches); i++)
    g_string_append_printf (ids, "%s%s", i ? "," : "", branch_ids[i]);
  g_string_append_c (ids, '}');
  values[0] = ids->str;
  values[1] = count;

  PQclear (PQexec (conn, "BEGIN"));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(PGresult) result = PQexecParams (conn, steps[i].sql, steps[i].n_values, NULL,
                                                 steps[i].n_values ? values : NULL, NULL, NULL, 0);

      if (!check_result (result, steps[i].what, error))
        {
          PQclear (PQexec (conn, "ROLLBACK"));
          return FALSE;
        }
    }
  PQclear (PQexec (conn, "COMMIT"));

  g_message ("demo customers, follow-ups and sales ready");
  return TRUE;
}

gboolean
sr_seed_demo (const SrConfig  *config,
              guint            n_vehicles,
              GError         **error)
{
  g_autofree char *hash = NULL;
  char branch_ids[G_N_ELEMENTS (demo_branches)][32];
  PGconn *conn;
  gboolean ok = FALSE;

  hash = sr_password_hash (SR_DEMO_PASSWORD, error);
  if (hash == NULL)
    return FALSE;

  conn = sr_db_connect (config->db, FALSE, error);
  if (conn == NULL)
    return FALSE;

  PQclear (PQexec (conn, "BEGIN"));

  for (guint i = 0; i < G_N_ELEMENTS (demo_branches); i++)
    {
      const char *values[2] = { demo_branches[i].name, demo_branches[i].city };
      g_autoptr(PGresult) result = PQexecParams (conn, sql_demo_branch, 2, NULL, values,
                                                 NULL, NULL, 0);

      if (!check_result (result, "adding demo branches", error))
        goto out;
      g_strlcpy (branch_ids[i], PQgetvalue (result, 0, 0), sizeof branch_ids[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    {
      const char *values[5] = {
        demo_users[i].email, demo_users[i].name, demo_users[i].role,
        branch_ids[demo_users[i].branch], hash
      };
      g_autoptr(PGresult) result = PQexecParams (conn, sql_demo_user, 5, NULL, values,
                                                 NULL, NULL, 0);

      if (!check_result (result, "adding demo users", error))
        goto out;
    }

  PQclear (PQexec (conn, "COMMIT"));
  g_message ("demo data ready: %u branches, %u users (password %s)",
             (guint) G_N_ELEMENTS (demo_branches), (guint) G_N_ELEMENTS (demo_users),
             SR_DEMO_PASSWORD);
  if (!seed_vehicles (conn, branch_ids, n_vehicles, error) ||
      !seed_sales (conn, branch_ids, n_vehicles, error))
    goto out;
  ok = TRUE;

out:
  PQfinish (conn);
  return ok;
}
