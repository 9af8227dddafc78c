/* sr-db-pool.c: worker threads, each with its own libpq connection.
 *
 * Why threads and blocking libpq rather than libpq's non-blocking API on the main loop:
 * handlers stay straight-line code inside one transaction, argon2id hashing (100 ms of
 * CPU) runs off the main loop with no extra machinery, and a slow query holds one worker,
 * not the event loop. See docs/architecture.md.
 *
 * A connection that breaks (PostgreSQL restarted, network cut) is reopened by the next
 * job. A job that failed before it sent COMMIT is run again on the new connection, so a
 * restart costs the client a little latency rather than an error.
 */
#define G_LOG_DOMAIN "sr-db"

#include "config.h"

#include <string.h>

#include "sr-db-pool.h"
#include "sr-frame-io.h"
#include "sr-error.h"

#define MAX_ATTEMPTS 4

struct _SrDb
{
  SrDbPool   *pool;
  PGconn     *conn;
  GHashTable *prepared;     /* SQL text address -> statement name */
  guint       n_prepared;
  char       *sqlstate;
  char       *constraint;
  gboolean    lost;
  gboolean    commit_sent;
  gboolean    acting_set;
  gint64      acting_user;
  gint64      acting_branch;
  char       *acting_role;
};

typedef struct {
  SrDbFunc        func;
  gpointer        data;
  GDestroyNotify  data_free;
  GTask          *task;
  JsonNode       *result;
  GError         *error;
  /* simple jobs */
  const char     *sql;
  char           *value;
  gint64          user_id;
  const char     *role;
  gint64          branch_id;
  SrDbFinishFunc  finish;
} Job;

/* Finished jobs go back through one queue, drained in a batch by one idle source on the
 * pool's main context, rather than a source per job. */
struct _SrDbPool
{
  char         *conninfo;
  GAsyncQueue  *queue;
  GPtrArray    *threads;
  GAsyncQueue  *done;
  GMainContext *context;
  gint          signaled;   /* atomic: a drain is scheduled */
};

static Job quit_job;

static void
job_free (Job *job)
{
  g_free (job->value);
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_clear_object (&job->task);
  g_free (job);
}

/* libpq prints notices and the messages of a server going down ("FATAL: terminating
 * connection due to administrator command") on stderr as they come. Through the log
 * instead, one line each in the server's own form. */
static void
notice_cb (void       *data,
           const char *message)
{
  g_autofree char *line = g_strdelimit (g_strstrip (g_strdup (message)), "\r\n", ' ');

  if (g_str_has_prefix (line, "NOTICE:") || g_str_has_prefix (line, "DEBUG:"))
    g_debug ("PostgreSQL: %s", line);
  else
    g_message ("PostgreSQL: %s", line);
}

PGconn *
sr_db_connect (const char  *conninfo,
               gboolean     as_app_role,
               GError     **error)
{
  PGconn *conn = PQconnectdb (conninfo);
  PGresult *result;
  const char *user;

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *message = g_strdup (PQerrorMessage (conn));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                   "cannot connect to PostgreSQL: %s", g_strstrip (message));
      PQfinish (conn);
      return NULL;
    }
  PQsetNoticeProcessor (conn, notice_cb, NULL);

  /* Timestamps go out as RFC 3339 in UTC; a runaway statement cannot hold a worker.
   * No JIT: every statement here is short, and compiling one cost more than running
   * it whenever the planner's guess of its size ran high. */
  result = PQexec (conn, "SET TIME ZONE 'UTC'; SET statement_timeout = '60s'; "
                         "SET application_name = 'showroomd'; SET jit = off");
  PQclear (result);

  user = PQuser (conn);
  if (as_app_role && g_strcmp0 (user, SR_APP_ROLE) != 0)
    {
      /* A superuser or the schema owner bypasses row-level security: serve through the
       * application role instead. */
      result = PQexec (conn, "SET ROLE " SR_APP_ROLE);
      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       "database user %s may not act as %s: %s", user, SR_APP_ROLE,
                       PQresultErrorMessage (result));
          PQclear (result);
          PQfinish (conn);
          return NULL;
        }
      PQclear (result);
    }

  return conn;
}

static void
db_reset (SrDb *db)
{
  g_clear_pointer (&db->conn, PQfinish);
  g_hash_table_remove_all (db->prepared);
  db->lost = FALSE;
  db->acting_set = FALSE;
}

static gboolean
db_ensure (SrDb    *db,
           GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (db->conn != NULL && !db->lost && PQstatus (db->conn) == CONNECTION_OK)
    return TRUE;

  db_reset (db);
  db->conn = sr_db_connect (db->pool->conninfo, TRUE, &local_error);
  if (db->conn == NULL)
    {
      g_warning ("%s", local_error->message);
      sr_set_error (error, SR_ERROR_UNAVAILABLE, NULL,
                    "the database is not reachable; try again shortly");
      return FALSE;
    }

  return TRUE;
}

static void
db_clear_failure (SrDb *db)
{
  g_clear_pointer (&db->sqlstate, g_free);
  g_clear_pointer (&db->constraint, g_free);
}

static void
db_note_failure (SrDb     *db,
                 PGresult *result)
{
  const char *state = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *constraint = result ? PQresultErrorField (result, PG_DIAG_CONSTRAINT_NAME) : NULL;

  db_clear_failure (db);
  db->sqlstate = g_strdup (state);
  db->constraint = g_strdup (constraint);

  /* Class 08 is a connection exception; 57P01-57P03 an administrator shutdown or a
   * server that is still starting. */
  if (PQstatus (db->conn) != CONNECTION_OK ||
      (state != NULL && (g_str_has_prefix (state, "08") || g_str_has_prefix (state, "57P"))))
    db->lost = TRUE;
}

static const char *
db_prepare (SrDb        *db,
            const char  *sql,
            int          n_values,
            GError     **error)
{
  const char *name = g_hash_table_lookup (db->prepared, sql);
  PGresult *result;

  if (name == NULL)
    {
      g_autofree char *new_name = g_strdup_printf ("s%u", ++db->n_prepared);

      result = PQprepare (db->conn, new_name, sql, n_values, NULL);
      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          db_note_failure (db, result);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "prepare failed: %s",
                       PQresultErrorMessage (result));
          PQclear (result);
          return NULL;
        }
      PQclear (result);
      name = g_steal_pointer (&new_name);
      g_hash_table_insert (db->prepared, (gpointer) sql, (gpointer) name);
    }

  return name;
}

PGresult *
sr_db_exec (SrDb               *db,
            const char         *sql,
            int                 n_values,
            const char *const  *values,
            GError            **error)
{
  const char *name;
  PGresult *result;
  ExecStatusType status;

  if (db == NULL || db->conn == NULL)
    {
      sr_set_error (error, SR_ERROR_UNAVAILABLE, NULL, "no database connection");
      return NULL;
    }

  name = db_prepare (db, sql, n_values, error);
  if (name == NULL)
    return NULL;

  result = PQexecPrepared (db->conn, name, n_values, values, NULL, NULL, 0);
  status = PQresultStatus (result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    {
      db_note_failure (db, result);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", PQresultErrorMessage (result));
      PQclear (result);
      return NULL;
    }

  db_clear_failure (db);
  return result;
}

static const char sql_act_as[] =
  "SELECT set_config('showroom.user_id', $1, false), set_config('showroom.role', $2, false),"
  "       set_config('showroom.branch_id', $3, false)";

static const char sql_via[] =
  "SELECT set_config('showroom.via', $1, true)";

gboolean
sr_db_act_as (SrDb        *db,
              gint64       user_id,
              const char  *role,
              gint64       branch_id,
              GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  char id_text[32];
  char branch_text[32];
  const char *values[3] = { "", role ? role : "", "" };

  if (db == NULL || db->conn == NULL)
    {
      sr_set_error (error, SR_ERROR_UNAVAILABLE, NULL, "no database connection");
      return FALSE;
    }

  /* Session-level and cached: a read then costs one round trip, not three. */
  if (db->acting_set && db->acting_user == user_id && db->acting_branch == branch_id &&
      g_strcmp0 (db->acting_role, values[1]) == 0)
    return TRUE;

  if (user_id > 0)
    {
      g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, user_id);
      g_snprintf (branch_text, sizeof branch_text, "%" G_GINT64_FORMAT, branch_id);
      values[0] = id_text;
      values[2] = branch_text;
    }

  result = sr_db_exec (db, sql_act_as, 3, values, error);
  if (result == NULL)
    return FALSE;

  db->acting_set = TRUE;
  db->acting_user = user_id;
  db->acting_branch = branch_id;
  g_free (db->acting_role);
  db->acting_role = g_strdup (values[1]);
  return TRUE;
}

gboolean
sr_db_begin (SrDb        *db,
             const char  *via,
             GError     **error)
{
  g_autoptr(PGresult) begin = NULL;
  g_autoptr(PGresult) result = NULL;
  const char *values[1] = { via ? via : "direct" };

  if (db == NULL || db->conn == NULL)
    {
      sr_set_error (error, SR_ERROR_UNAVAILABLE, NULL, "no database connection");
      return FALSE;
    }

  begin = PQexec (db->conn, "BEGIN");
  if (PQresultStatus (begin) != PGRES_COMMAND_OK)
    {
      db_note_failure (db, begin);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", PQresultErrorMessage (begin));
      return FALSE;
    }

  result = sr_db_exec (db, sql_via, 1, values, error);
  return result != NULL;
}

gboolean
sr_db_commit (SrDb    *db,
              GError **error)
{
  g_autoptr(PGresult) result = NULL;

  /* From here a lost connection leaves the outcome unknown: never run the job again. */
  db->commit_sent = TRUE;
  result = PQexec (db->conn, "COMMIT");
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      db_note_failure (db, result);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", PQresultErrorMessage (result));
      return FALSE;
    }

  return TRUE;
}

const char *
sr_db_sqlstate (SrDb *db)
{
  return db ? db->sqlstate : NULL;
}

const char *
sr_db_constraint (SrDb *db)
{
  return db ? db->constraint : NULL;
}

gboolean
sr_db_failed_with (SrDb       *db,
                   const char *sqlstate,
                   const char *constraint)
{
  if (db == NULL || g_strcmp0 (db->sqlstate, sqlstate) != 0)
    return FALSE;

  return constraint == NULL || g_strcmp0 (db->constraint, constraint) == 0;
}

void
sr_db_format_int (char   *buffer,
                  gsize   size,
                  gint64  value)
{
  g_snprintf (buffer, size, "%" G_GINT64_FORMAT, value);
}

gint64
sr_db_get_int (PGresult *result,
               int       row,
               int       column)
{
  if (PQgetisnull (result, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

gboolean
sr_db_get_bool (PGresult *result,
                int       row,
                int       column)
{
  return !PQgetisnull (result, row, column) && PQgetvalue (result, row, column)[0] == 't';
}

const char *
sr_db_get_text (PGresult *result,
                int       row,
                int       column)
{
  if (PQgetisnull (result, row, column))
    return NULL;
  return PQgetvalue (result, row, column);
}

static gboolean
retryable (SrDb *db)
{
  if (db->commit_sent)
    return FALSE;
  if (db->lost)
    return TRUE;
  /* serialization_failure, deadlock_detected */
  return g_strcmp0 (db->sqlstate, "40001") == 0 || g_strcmp0 (db->sqlstate, "40P01") == 0;
}

static void
run_job (SrDb *db,
         Job  *job)
{
  g_autoptr(GError) error = NULL;
  JsonNode *result = NULL;

  for (guint attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)
    {
      g_clear_error (&error);
      db->commit_sent = FALSE;
      db_clear_failure (db);

      if (!db_ensure (db, &error))
        {
          /* PostgreSQL may be restarting: give it a moment before the last word. */
          if (attempt < MAX_ATTEMPTS)
            {
              g_usleep (G_USEC_PER_SEC / 4 * attempt);
              continue;
            }
          break;
        }

      result = job->func (db, job->data, &error);

      if (db->conn != NULL && PQtransactionStatus (db->conn) != PQTRANS_IDLE &&
          PQstatus (db->conn) == CONNECTION_OK)
        PQclear (PQexec (db->conn, "ROLLBACK"));

      if (result != NULL || !retryable (db))
        break;

      g_debug ("job failed (%s), running it again", db->sqlstate ? db->sqlstate : "connection lost");
      if (db->lost)
        g_usleep (G_USEC_PER_SEC / 10 * attempt);
    }

  if (result == NULL && error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "job returned nothing");

  if (result == NULL && db->lost && !g_error_matches (error, SR_ERROR, SR_ERROR_UNAVAILABLE) &&
      error->domain != SR_ERROR)
    {
      g_warning ("database connection lost: %s", error->message);
      g_clear_error (&error);
      error = sr_error_new (SR_ERROR_UNAVAILABLE, NULL,
                            "the database is not reachable; try again shortly");
    }

  job->result = result;
  job->error = g_steal_pointer (&error);
}

/* Single-statement reads queued together go to PostgreSQL in one pipeline. */
#define MAX_PIPELINE 64

static gboolean done_cb (gpointer user_data);

/* On a worker: hand a finished job back to the main context. The job's data is
 * dropped here, on the worker, as callers expect. */
static void
finish_job (SrDbPool *self,
            Job      *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  job->data_free = NULL;
  g_async_queue_push (self->done, job);
  if (!g_atomic_int_exchange (&self->signaled, 1))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, done_cb, self, NULL);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

/* Every job in @batch is simple: one pipeline, one sync, results in order. */
static void
run_pipeline (SrDb      *db,
              GPtrArray *batch)
{
  g_autoptr(GError) error = NULL;
  const char *act_name;
  GArray *kinds = g_array_new (FALSE, FALSE, sizeof (int));   /* 0: act_as, 1: job */

  if (!db_ensure (db, &error) ||
      (act_name = db_prepare (db, sql_act_as, 3, &error)) == NULL)
    goto fail_all;
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);
      if (db_prepare (db, job->sql, 1, &error) == NULL)
        goto fail_all;
    }

  if (!PQenterPipelineMode (db->conn))
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "no pipeline mode");
      goto fail_all;
    }

  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);
      const char *values[1] = { job->value };
      int kind;

      if (!db->acting_set || db->acting_user != job->user_id ||
          db->acting_branch != job->branch_id || g_strcmp0 (db->acting_role, job->role) != 0)
        {
          char id_text[32], branch_text[32];
          const char *act_values[3] = { id_text, job->role, branch_text };

          g_snprintf (id_text, sizeof id_text, "%" G_GINT64_FORMAT, job->user_id);
          g_snprintf (branch_text, sizeof branch_text, "%" G_GINT64_FORMAT, job->branch_id);
          PQsendQueryPrepared (db->conn, act_name, 3, act_values, NULL, NULL, 0);
          kind = 0;
          g_array_append_val (kinds, kind);
          db->acting_set = TRUE;
          db->acting_user = job->user_id;
          db->acting_branch = job->branch_id;
          g_free (db->acting_role);
          db->acting_role = g_strdup (job->role);
        }
      PQsendQueryPrepared (db->conn, g_hash_table_lookup (db->prepared, job->sql), 1, values,
                           NULL, NULL, 0);
      kind = 1;
      g_array_append_val (kinds, kind);
    }
  PQpipelineSync (db->conn);

  {
    guint next = 0;

    for (guint k = 0; k < kinds->len; k++)
      {
        PGresult *result = PQgetResult (db->conn);
        PGresult *extra;

        while ((extra = PQgetResult (db->conn)) != NULL)   /* the NULL after each query */
          PQclear (extra);

        if (g_array_index (kinds, int, k) == 0)
          {
            if (PQresultStatus (result) != PGRES_TUPLES_OK)
              db->acting_set = FALSE;
            PQclear (result);
            continue;
          }

        {
          Job *job = g_ptr_array_index (batch, next++);

          if (result != NULL && PQresultStatus (result) == PGRES_TUPLES_OK)
            job->result = job->finish (result, job->data, &job->error);
          else
            {
              job->error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                                        result ? PQresultErrorMessage (result) : "no result");
              db->acting_set = FALSE;
            }
          if (job->result == NULL && job->error == NULL)
            job->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no result");
          PQclear (result);
        }
      }

    /* PGRES_PIPELINE_SYNC */
    {
      PGresult *sync = PQgetResult (db->conn);
      PQclear (sync);
    }
    PQexitPipelineMode (db->conn);
  }
  g_array_unref (kinds);
  return;

fail_all:
  g_array_unref (kinds);
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);
      job->error = g_error_copy (error);
    }
}

static gpointer
worker (gpointer user_data)
{
  SrDbPool *self = user_data;
  SrDb db = { 0 };

  db.pool = self;
  db.prepared = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);

      if (job == &quit_job)
        break;

      if (job->finish != NULL)
        {
          g_autoptr(GPtrArray) batch = g_ptr_array_new ();
          Job *more;

          g_ptr_array_add (batch, job);
          while (batch->len < MAX_PIPELINE && (more = g_async_queue_try_pop (self->queue)) != NULL)
            {
              if (more == &quit_job || more->finish == NULL)
                {
                  g_async_queue_push_front (self->queue, more);
                  break;
                }
              g_ptr_array_add (batch, more);
            }
          run_pipeline (&db, batch);
          for (guint i = 0; i < batch->len; i++)
            finish_job (self, g_ptr_array_index (batch, i));
          continue;
        }

      run_job (&db, job);
      finish_job (self, job);
    }

  db_clear_failure (&db);
  g_clear_pointer (&db.acting_role, g_free);
  g_clear_pointer (&db.conn, PQfinish);
  g_hash_table_unref (db.prepared);

  return NULL;
}

static gboolean
deliver_left_cb (gpointer user_data)
{
  GPtrArray *left = user_data;

  for (guint i = 0; i < left->len; i++)
    {
      Job *job = g_ptr_array_index (left, i);

      if (job->result != NULL)
        g_task_return_pointer (job->task, g_steal_pointer (&job->result),
                               (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (job->task, g_steal_pointer (&job->error));
      job_free (job);
    }
  g_ptr_array_unref (left);
  return G_SOURCE_REMOVE;
}

static gboolean
done_cb (gpointer user_data)
{
  SrDbPool *self = user_data;
  Job *job;

  g_atomic_int_set (&self->signaled, 0);

  /* The replies of a batch go to each connection in one write. */
  sr_frame_writer_hold_all ();
  while ((job = g_async_queue_try_pop (self->done)) != NULL)
    {
      if (job->result != NULL)
        g_task_return_pointer (job->task, g_steal_pointer (&job->result),
                               (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (job->task, g_steal_pointer (&job->error));
      job_free (job);
    }
  sr_frame_writer_release_all ();

  return G_SOURCE_REMOVE;
}

SrDbPool *
sr_db_pool_new (const char *conninfo,
                guint       size)
{
  SrDbPool *self;

  g_return_val_if_fail (conninfo != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  self = g_new0 (SrDbPool, 1);
  self->conninfo = g_strdup (conninfo);
  self->queue = g_async_queue_new ();
  self->threads = g_ptr_array_new ();
  self->done = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();

  for (guint i = 0; i < size; i++)
    {
      g_autofree char *name = g_strdup_printf ("sr-db-%u", i);

      g_ptr_array_add (self->threads, g_thread_new (name, worker, self));
    }

  return self;
}

void
sr_db_pool_run_async (SrDbPool            *self,
                      SrDbFunc             func,
                      gpointer             data,
                      GDestroyNotify       data_free,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, sr_db_pool_run_async);

  g_async_queue_push (self->queue, job);
}

void
sr_db_pool_run_simple_async (SrDbPool            *self,
                             const char          *sql,
                             const char          *value,
                             gint64               user_id,
                             const char          *role,
                             gint64               branch_id,
                             SrDbFinishFunc       finish,
                             gpointer             data,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->sql = sql;
  job->value = g_strdup (value);
  job->user_id = user_id;
  job->role = role;
  job->branch_id = branch_id;
  job->finish = finish;
  job->data = data;
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, sr_db_pool_run_async);

  g_async_queue_push (self->queue, job);
}

JsonNode *
sr_db_pool_run_finish (SrDbPool      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sr_db_pool_free (SrDbPool *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->threads->len; i++)
    g_async_queue_push (self->queue, &quit_job);
  for (guint i = 0; i < self->threads->len; i++)
    g_thread_join (g_ptr_array_index (self->threads, i));
  /* What finished meanwhile is delivered from the main loop, never from inside free. */
  {
    GPtrArray *left = g_ptr_array_new ();
    Job *job;

    while ((job = g_async_queue_try_pop (self->done)) != NULL)
      g_ptr_array_add (left, job);
    g_idle_add (deliver_left_cb, left);
  }
  /* A drain already scheduled must not run on a freed pool. */
  g_source_remove_by_user_data (self);
  g_async_queue_unref (self->done);
  g_main_context_unref (self->context);

  g_ptr_array_unref (self->threads);
  g_async_queue_unref (self->queue);
  g_free (self->conninfo);
  g_free (self);
}
