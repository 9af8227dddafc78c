/* sr-listen.c: LISTEN without blocking the main loop.
 *
 * Connecting (and issuing LISTEN) happens on a short-lived thread; once connected the
 * socket is watched on the main context and drained with PQconsumeInput/PQnotifies,
 * which never block on a non-blocking connection.
 */
#define G_LOG_DOMAIN "sr-listen"

#include "config.h"

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sr-db-pool.h"
#include "sr-listen.h"
#include "sr-platform.h"

#define MAX_BACKOFF_MS 5000

struct _SrListen
{
  char               *conninfo;
  char              **channels;
  SrListenFunc        func;
  SrListenReconnect   reconnected;
  gpointer            user_data;
  GCancellable       *cancellable;
  PGconn             *conn;
  guint               watch_id;
  guint               retry_id;
  guint               backoff_ms;
  gboolean            was_connected;
};

static void start_connect (SrListen *self);

static void
connect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  char **channels = task_data;
  g_autoptr(GError) error = NULL;
  PGconn *conn;

  conn = sr_db_connect (g_object_get_data (G_OBJECT (task), "conninfo"), TRUE, &error);
  if (conn == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; channels[i] != NULL; i++)
    {
      g_autofree char *sql = g_strdup_printf ("LISTEN %s", channels[i]);
      g_autoptr(PGresult) result = PQexec (conn, sql);

      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "LISTEN failed: %s",
                                   PQresultErrorMessage (result));
          PQfinish (conn);
          return;
        }
    }

  PQsetnonblocking (conn, 1);
  g_task_return_pointer (task, conn, (GDestroyNotify) PQfinish);
}

static void
drop_connection (SrListen *self)
{
  g_clear_handle_id (&self->watch_id, g_source_remove);
  g_clear_pointer (&self->conn, PQfinish);
}

static gboolean
retry_cb (gpointer user_data)
{
  SrListen *self = user_data;

  self->retry_id = 0;
  start_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (SrListen *self)
{
  self->backoff_ms = self->backoff_ms ? MIN (self->backoff_ms * 2, MAX_BACKOFF_MS) : 100;
  self->retry_id = g_timeout_add (self->backoff_ms, retry_cb, self);
}

static gboolean
readable_cb (gpointer user_data)
{
  SrListen *self = user_data;
  PGnotify *notify;

  if (!PQconsumeInput (self->conn))
    {
      g_warning ("lost the notification connection: %s; reconnecting", PQerrorMessage (self->conn));
      self->watch_id = 0;
      g_clear_pointer (&self->conn, PQfinish);
      schedule_retry (self);
      return G_SOURCE_REMOVE;
    }

  while ((notify = PQnotifies (self->conn)) != NULL)
    {
      self->func (notify->relname, notify->extra, self->user_data);
      PQfreemem (notify);
    }

  return G_SOURCE_CONTINUE;
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  SrListen *self;
  PGconn *conn;

  conn = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&conn, PQfinish);
      return;
    }

  self = user_data;
  if (conn == NULL)
    {
      g_debug ("notification connection: %s", error->message);
      schedule_retry (self);
      return;
    }

  self->conn = conn;
  self->backoff_ms = 0;
  self->watch_id = sr_platform_watch_socket (PQsocket (conn), readable_cb, self);

  if (self->was_connected)
    g_message ("notification connection restored");
  if (self->was_connected && self->reconnected != NULL)
    self->reconnected (self->user_data);
  self->was_connected = TRUE;
}

static void
start_connect (SrListen *self)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, connected_cb, self);

  g_task_set_source_tag (task, start_connect);
  g_task_set_task_data (task, g_strdupv (self->channels), (GDestroyNotify) g_strfreev);
  g_task_set_check_cancellable (task, TRUE);
  g_object_set_data_full (G_OBJECT (task), "conninfo", g_strdup (self->conninfo), g_free);
  g_task_run_in_thread (task, connect_thread);
}

SrListen *
sr_listen_new (const char        *conninfo,
               const char *const *channels,
               SrListenFunc       func,
               SrListenReconnect  reconnected,
               gpointer           user_data)
{
  SrListen *self = g_new0 (SrListen, 1);

  self->conninfo = g_strdup (conninfo);
  self->channels = g_strdupv ((char **) channels);
  self->func = func;
  self->reconnected = reconnected;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();

  start_connect (self);
  return self;
}

void
sr_listen_free (SrListen *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);
  g_clear_object (&self->cancellable);
  g_strfreev (self->channels);
  g_free (self->conninfo);
  g_free (self);
}

