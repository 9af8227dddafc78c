/* sr-test-pg.h: a private, throwaway PostgreSQL cluster for integration tests.
 *
 * The cluster lives in its own temp dir and listens on a Unix socket in that dir only.
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct _SrTestPg SrTestPg;

/**
 * sr_test_pg_start:
 * @error: return location for a #GError
 *
 * Creates a temp dir, runs initdb in it and starts the server. When the process runs
 * as root, the cluster is owned by and run as the `postgres` system user.
 *
 * The port is 5432 plus a random offset, or `$SR_TEST_PG_PORT` when set.
 * `$SR_TEST_PG_BINDIR` overrides the binary dir found with `pg_config --bindir`.
 *
 * Returns: (transfer full) (nullable): the running cluster, or %NULL with @error set
 *   (the log tail is part of the message when the server fails to start).
 */
SrTestPg   *sr_test_pg_start        (GError     **error);

/**
 * sr_test_pg_free:
 * @self: (nullable): a cluster
 *
 * Stops the server (`pg_ctl stop -m immediate`) if it runs and removes the temp dir.
 * Safe on a half-started cluster and from an atexit() handler. When called from a
 * process other than the one that started the cluster (e.g. a forked `check` test
 * child running atexit handlers), it only frees memory and leaves the cluster alone.
 */
void        sr_test_pg_free         (SrTestPg    *self);

/* The temp dir; the server's socket lives here. */
const char *sr_test_pg_get_dir      (SrTestPg    *self);

guint       sr_test_pg_get_port     (SrTestPg    *self);

/* "host=DIR port=PORT dbname=NAME user=postgres"; @dbname NULL means "postgres". */
char       *sr_test_pg_conninfo     (SrTestPg    *self,
                                     const char  *dbname);

/* Runs @sql (may hold several statements) as postgres in @dbname (NULL: "postgres"). */
gboolean    sr_test_pg_exec         (SrTestPg    *self,
                                     const char  *dbname,
                                     const char  *sql,
                                     GError     **error);

/* First column of the first row. No row, or an SQL NULL, is an error. */
char       *sr_test_pg_query_value  (SrTestPg    *self,
                                     const char  *dbname,
                                     const char  *sql,
                                     GError     **error);

/* CREATE DATABASE @name [TEMPLATE @template_db]; names must match [a-z0-9_]+. */
gboolean    sr_test_pg_create_db    (SrTestPg    *self,
                                     const char  *name,
                                     const char  *template_db,
                                     GError     **error);

/* pg_ctl stop -m fast; the cluster is kept. A stopped server is not an error. */
gboolean    sr_test_pg_stop_server  (SrTestPg    *self,
                                     GError     **error);

/* Starts the server again on the same dir and port. A running server is not an error. */
gboolean    sr_test_pg_start_server (SrTestPg    *self,
                                     GError     **error);

/* stop -m fast + start. */
gboolean    sr_test_pg_restart      (SrTestPg    *self,
                                     GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTestPg, sr_test_pg_free)

G_END_DECLS
