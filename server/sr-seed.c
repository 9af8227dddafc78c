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
  if (n_vehicles > 0)
    g_message ("vehicle stock is not part of this server version; %u vehicles not added",
               n_vehicles);
  ok = TRUE;

out:
  PQfinish (conn);
  return ok;
}
