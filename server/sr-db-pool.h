/* sr-db-pool.h: a bounded pool of PostgreSQL connections, each owned by one worker
 * thread.
 *
 * Method handlers are plain sequential functions that run on a worker with an SrDb (one
 * connection) and return a JsonNode or a GError; the result comes back on the main
 * context through a GTask. The main loop never calls libpq for a request.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define SR_APP_ROLE "showroom_app"

typedef struct _SrDbPool SrDbPool;
typedef struct _SrDb     SrDb;

typedef JsonNode *(*SrDbFunc) (SrDb      *db,
                               gpointer   data,
                               GError   **error);

SrDbPool   *sr_db_pool_new          (const char          *conninfo,
                                     guint                size);
void        sr_db_pool_run_async    (SrDbPool            *self,
                                     SrDbFunc             func,
                                     gpointer             data,
                                     GDestroyNotify       data_free,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
JsonNode   *sr_db_pool_run_finish   (SrDbPool            *self,
                                     GAsyncResult        *result,
                                     GError             **error);
/* One prepared statement with one text parameter, run as the given user; such jobs
 * queued together go to PostgreSQL in one pipeline, one round trip for them all.
 * @finish turns the result into the job's reply, on the worker. */
typedef JsonNode *(*SrDbFinishFunc) (PGresult  *result,
                                     gpointer   data,
                                     GError   **error);
void        sr_db_pool_run_simple_async (SrDbPool            *self,
                                         const char          *sql,
                                         const char          *value,
                                         gint64               user_id,
                                         const char          *role,
                                         gint64               branch_id,
                                         SrDbFinishFunc       finish,
                                         gpointer             data,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);

/* Lets the queued jobs finish, then closes every connection. */
void        sr_db_pool_free         (SrDbPool            *self);

/* Inside a job. Statements are prepared once per connection, keyed by the address of
 * the (static) SQL text; values are text or NULL for SQL NULL. */
PGresult   *sr_db_exec              (SrDb                *db,
                                     const char          *sql,
                                     int                  n_values,
                                     const char  *const  *values,
                                     GError             **error);
/* Who acts, for row-level security and the change log (0: nobody, sees no rows). */
gboolean    sr_db_act_as            (SrDb                *db,
                                     gint64               user_id,
                                     const char          *role,
                                     gint64               branch_id,
                                     GError             **error);
/* BEGIN, and record by which path ("direct", "edit:<id>", "bulk:<id>") for the log. */
gboolean    sr_db_begin             (SrDb                *db,
                                     const char          *via,
                                     GError             **error);
gboolean    sr_db_commit            (SrDb                *db,
                                     GError             **error);
/* SQLSTATE and constraint name of the last failed statement, or NULL. */
const char *sr_db_sqlstate          (SrDb                *db);
const char *sr_db_constraint        (SrDb                *db);
gboolean    sr_db_failed_with       (SrDb                *db,
                                     const char          *sqlstate,
                                     const char          *constraint);

/* Opens a connection that serves as the application role, for work outside the pool
 * (the seeders). */
PGconn     *sr_db_connect           (const char          *conninfo,
                                     gboolean             as_app_role,
                                     GError             **error);

/* A query parameter's text for an integer; @size of 32 holds any gint64. */
void        sr_db_format_int        (char                *buffer,
                                     gsize                size,
                                     gint64               value);

/* Helpers for reading results. */
gint64      sr_db_get_int           (PGresult            *result,
                                     int                  row,
                                     int                  column);
gboolean    sr_db_get_bool          (PGresult            *result,
                                     int                  row,
                                     int                  column);
const char *sr_db_get_text          (PGresult            *result,
                                     int                  row,
                                     int                  column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

G_END_DECLS
