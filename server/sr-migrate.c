/* sr-migrate.c: apply data/sql/NNNN-name.sql in order, each once, recorded in
 * schema_migrations. The files travel inside the binary as a GResource, so an installed
 * showroomd cannot run against migrations of another version. */
#define G_LOG_DOMAIN "sr-migrate"

#include "config.h"

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sr-db-pool.h"
#include "sr-migrate.h"
#include "sr-server-resources.h"

#define RESOURCE_DIR "/org/showroom/server/sql"
/* Any constant shared by every showroomd: "SR" "MG" in ASCII. */
#define MIGRATE_LOCK_KEY 1397902663

static gboolean
exec_ok (PGconn      *conn,
         const char  *sql,
         const char  *what,
         GError     **error)
{
  g_autoptr(PGresult) result = PQexec (conn, sql);
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
                   PQresultErrorMessage (result));
      return FALSE;
    }

  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

static gboolean
apply_one (PGconn      *conn,
           const char  *name,
           GError     **error)
{
  g_autofree char *path = g_strconcat (RESOURCE_DIR "/", name, NULL);
  g_autofree char *version = g_strndup (name, 4);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autofree char *sql = NULL;
  const char *values[2] = { version, name };
  gsize len;

  bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  sql = g_strndup (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));

  if (!exec_ok (conn, "BEGIN", name, error))
    return FALSE;
  if (!exec_ok (conn, sql, name, error))
    {
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }

  result = PQexecParams (conn,
                         "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)",
                         2, NULL, values, NULL, NULL, 0);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", name,
                   PQresultErrorMessage (result));
      PQclear (PQexec (conn, "ROLLBACK"));
      return FALSE;
    }

  return exec_ok (conn, "COMMIT", name, error);
}

gboolean
sr_migrate (const char  *conninfo,
            guint       *n_applied,
            GError     **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(GHashTable) applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  PGconn *conn;
  gboolean ok = FALSE;
  guint count = 0;

  /* Referencing the bundle keeps it (and its registration) in a static link. */
  g_return_val_if_fail (sr_server_get_resource () != NULL, FALSE);

  conn = sr_db_connect (conninfo, FALSE, error);
  if (conn == NULL)
    return FALSE;

  if (!exec_ok (conn, "SELECT pg_advisory_lock(" G_STRINGIFY (MIGRATE_LOCK_KEY) ")",
                "taking the migration lock", error))
    goto out;

  if (!exec_ok (conn,
                "SET client_min_messages = warning;"
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "  version integer PRIMARY KEY,"
                "  name text NOT NULL,"
                "  applied_at timestamptz NOT NULL DEFAULT now())",
                "creating schema_migrations", error))
    goto out;

  result = PQexec (conn, "SELECT name FROM schema_migrations");
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "reading schema_migrations: %s",
                   PQresultErrorMessage (result));
      goto out;
    }
  for (int i = 0; i < PQntuples (result); i++)
    g_hash_table_add (applied, g_strdup (PQgetvalue (result, i, 0)));

  names = g_resources_enumerate_children (RESOURCE_DIR, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (names == NULL)
    goto out;
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".sql"))
      g_ptr_array_add (sorted, names[i]);
  g_ptr_array_sort (sorted, compare_names);

  for (guint i = 0; i < sorted->len; i++)
    {
      const char *name = g_ptr_array_index (sorted, i);

      if (g_hash_table_contains (applied, name))
        continue;
      if (!apply_one (conn, name, error))
        goto out;
      g_message ("applied migration %s", name);
      count++;
    }

  ok = TRUE;

out:
  PQclear (PQexec (conn, "SELECT pg_advisory_unlock_all()"));
  PQfinish (conn);
  if (n_applied != NULL)
    *n_applied = count;
  return ok;
}
