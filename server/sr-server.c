/* sr-server.c: accepts connections, owns the database pool, and keeps the sessions.
 *
 * Every connection is wrapped in TLS unless the server was started with --no-tls on a
 * loopback address. Sign-in changes made by any showroomd (logout, deactivation, new
 * password) reach every session through the showroom_auth notification channel.
 */
#define G_LOG_DOMAIN "sr-server"

#include "config.h"

#include <string.h>

#include "sr-connection.h"
#include "sr-feed.h"
#include "sr-listen.h"
#include "sr-server.h"
#include "sr-session.h"
#include "sr-tls.h"

#define SWEEP_INTERVAL_S      1
#define PRUNE_INTERVAL_S      3600
#define SHUTDOWN_GRACE_US     (10 * G_USEC_PER_SEC)
#define LISTEN_BACKLOG        1024

struct _SrServer
{
  GSocketService parent_instance;

  /* Borrowed */
  const SrConfig  *config;

  gboolean         prepared;      /* certificate loaded, addresses bound */

  /* Owned */
  SrDbPool        *pool;
  GTlsCertificate *certificate;
  GHashTable      *sessions;      /* SrSession -> itself, owns a ref */
  SrListen        *listen;
  SrFeed          *feed;
  guint            sweep_id;
  guint            prune_id;
  guint            shutdown_id;
  gint64           shutdown_deadline;
  GSourceFunc      shutdown_done;
  gpointer         shutdown_data;
  gboolean         closing_sessions;
};

G_DEFINE_FINAL_TYPE (SrServer, sr_server, G_TYPE_SOCKET_SERVICE)

static void
sr_server_finalize (GObject *object)
{
  SrServer *self = SR_SERVER (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_handle_id (&self->prune_id, g_source_remove);
  g_clear_handle_id (&self->shutdown_id, g_source_remove);
  g_clear_pointer (&self->listen, sr_listen_free);
  g_clear_pointer (&self->feed, sr_feed_free);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->pool, sr_db_pool_free);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (sr_server_parent_class)->finalize (object);
}

static char *
describe_peer (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) address = g_socket_connection_get_remote_address (connection, NULL);
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");

  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static gboolean
sr_server_incoming (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source_object)
{
  SrServer *self = SR_SERVER (service);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = describe_peer (connection);
  SrSession *session;

  if (self->shutdown_done != NULL)
    return TRUE;

  g_socket_set_option (g_socket_connection_get_socket (connection),
                       6 /* IPPROTO_TCP */, 1 /* TCP_NODELAY */, TRUE, NULL);

  if (self->certificate != NULL)
    {
      stream = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
      if (stream == NULL)
        {
          g_warning ("%s: cannot start TLS: %s", peer, error->message);
          return TRUE;
        }
    }
  else
    stream = g_object_ref (G_IO_STREAM (connection));

  session = sr_session_new (self, stream, peer);
  g_hash_table_add (self->sessions, session);
  sr_session_start (session);

  return TRUE;
}

static void
sr_server_class_init (SrServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GSocketServiceClass *service_class = G_SOCKET_SERVICE_CLASS (klass);

  object_class->finalize = sr_server_finalize;
  service_class->incoming = sr_server_incoming;
}

static void
sr_server_init (SrServer *self)
{
  self->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

SrServer *
sr_server_new (const SrConfig *config)
{
  SrServer *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (SR_TYPE_SERVER, "active", FALSE, NULL);
  self->config = config;

  return self;
}

const SrConfig *
sr_server_get_config (SrServer *self)
{
  return self->config;
}

SrDbPool *
sr_server_get_pool (SrServer *self)
{
  return self->pool;
}

SrFeed *
sr_server_get_feed (SrServer *self)
{
  return self->feed;
}

static gboolean
release_session_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

void
_sr_server_session_closed (SrServer  *self,
                           SrSession *session)
{
  if (self->feed != NULL)
    sr_feed_unsubscribe (self->feed, session);

  /* Deferred: the session may be deep in its own callback. The idle's destroy notify
   * drops the reference; the callback only has to run once. (g_object_unref itself as
   * the callback returned whatever was left in a register, so the idle sometimes ran
   * again and freed a session that timers still used.) */
  g_hash_table_steal (self->sessions, session);
  g_idle_add_full (G_PRIORITY_DEFAULT, release_session_cb, session, g_object_unref);
}

static gboolean
hex_to_hash (const char *hex,
             guint8      out[SR_TOKEN_HASH_SIZE])
{
  if (hex == NULL || strlen (hex) != 2 * SR_TOKEN_HASH_SIZE)
    return FALSE;

  for (guint i = 0; i < SR_TOKEN_HASH_SIZE; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }

  return TRUE;
}

static void
revoke_token (SrServer     *self,
              const guint8 *token_hash)
{
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    if (sr_session_has_token (session, token_hash))
      sr_session_sign_out (session);
}

static void
revoke_user (SrServer     *self,
             gint64        user_id,
             const guint8 *keep)
{
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    if (sr_session_get_user_id (session) == user_id &&
        (keep == NULL || !sr_session_has_token (session, keep)))
      sr_session_sign_out (session);
}

static void
refresh_user (SrServer      *self,
              gint64         user_id,
              const SrActor *actor)
{
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      if (sr_session_get_user_id (session) != user_id)
        continue;
      if (actor != NULL)
        sr_session_set_actor (session, actor);
      else
        sr_session_mark_stale (session);
    }
}

void
_sr_server_apply_effects (SrServer  *self,
                          SrSession *origin,
                          GPtrArray *effects)
{
  for (guint i = 0; i < effects->len; i++)
    {
      SrEffect *effect = g_ptr_array_index (effects, i);

      switch (effect->kind)
        {
        case SR_EFFECT_LOGIN:
          sr_session_sign_in (origin, &effect->actor, effect->token_hash, effect->expires_at);
          break;
        case SR_EFFECT_REVOKE_TOKEN:
          revoke_token (self, effect->token_hash);
          break;
        case SR_EFFECT_REVOKE_USER:
          revoke_user (self, effect->user_id, effect->has_token ? effect->token_hash : NULL);
          break;
        case SR_EFFECT_REFRESH_USER:
          refresh_user (self, effect->user_id, &effect->actor);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* showroom_changes carries a seq: the feed reads the log from where it stands.
 * showroom_auth: "token:<hex>", "user:<id>", "revoke-user:<id>[:<hex>]". */
static void
notification (const char *channel,
              const char *payload,
              gpointer    user_data)
{
  SrServer *self = user_data;
  g_auto(GStrv) parts = NULL;
  guint8 hash[SR_TOKEN_HASH_SIZE];
  gint64 user_id;

  if (g_str_equal (channel, "showroom_changes"))
    {
      if (g_ascii_strtoll (payload, NULL, 10) > sr_feed_get_seq (self->feed))
        sr_feed_poke (self->feed);
      return;
    }

  parts = g_strsplit (payload, ":", 3);
  if (parts[0] == NULL || parts[1] == NULL)
    return;

  if (g_str_equal (parts[0], "token") && hex_to_hash (parts[1], hash))
    revoke_token (self, hash);
  else if (g_str_equal (parts[0], "user") &&
           (user_id = g_ascii_strtoll (parts[1], NULL, 10)) > 0)
    refresh_user (self, user_id, NULL);
  else if (g_str_equal (parts[0], "revoke-user") &&
           (user_id = g_ascii_strtoll (parts[1], NULL, 10)) > 0)
    revoke_user (self, user_id, parts[2] && hex_to_hash (parts[2], hash) ? hash : NULL);
}

/* Notifications were lost while the listener was away: every session re-checks its
 * row on its next call. */
static void
listen_reconnected (gpointer user_data)
{
  SrServer *self = user_data;
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    sr_session_mark_stale (session);

  /* And the feed catches up on what was committed meanwhile. */
  sr_feed_poke (self->feed);
}

/* A referenced copy of the session set, for loops that may close sessions. */
static GPtrArray *
sessions_snapshot (SrServer *self)
{
  GPtrArray *sessions = g_ptr_array_new_full (g_hash_table_size (self->sessions), g_object_unref);
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    g_ptr_array_add (sessions, g_object_ref (session));

  return sessions;
}

static gboolean
sweep_cb (gpointer user_data)
{
  SrServer *self = user_data;
  g_autoptr(GPtrArray) sessions = sessions_snapshot (self);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < sessions->len; i++)
    sr_session_sweep (g_ptr_array_index (sessions, i), now);

  return G_SOURCE_CONTINUE;
}

/* The feed's snapshots are kept a week (the protocol promises at least a day); the
 * audit log itself is never pruned. Bulk previews go an hour after they expire. */
static const char sql_prune[] =
  "WITH a AS (DELETE FROM login_failures WHERE at < now() - interval '1 day' RETURNING 1),"
  "     b AS (DELETE FROM auth_sessions WHERE expires_at < now() RETURNING 1)"
  "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b),"
  "       showroom_prune_feed(interval '7 days'), showroom_prune_previews()";

static JsonNode *
prune_job (SrDb     *db,
           gpointer  data,
           GError  **error)
{
  g_autoptr(PGresult) result = sr_db_exec (db, sql_prune, 0, NULL, error);

  return result ? json_node_init_null (json_node_alloc ()) : NULL;
}

static void
prune_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sr_db_pool_run_finish (NULL, result, &error);

  if (node == NULL)
    g_debug ("pruning old sign-in records failed: %s", error->message);
}

static gboolean
prune_cb (gpointer user_data)
{
  SrServer *self = user_data;

  sr_db_pool_run_async (self->pool, prune_job, NULL, NULL, prune_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
add_listen_address (SrServer  *self,
                    GError   **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  GSocketAddress *address;
  guint n = 0;

  connectable = g_network_address_parse (self->config->listen, SR_DEFAULT_PORT, error);
  if (connectable == NULL)
    return FALSE;

  /* GIO's default backlog is 10: the counter PCs of a shop reconnecting at once after
   * a server restart would wait out SYN retries. The kernel caps it (somaxconn). */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self), LISTEN_BACKLOG);

  enumerator = g_socket_connectable_enumerate (connectable);
  while ((address = g_socket_address_enumerator_next (enumerator, NULL, error)) != NULL)
    {
      g_autoptr(GSocketAddress) owned G_GNUC_UNUSED = address;  /* frees it */
      g_autoptr(GSocketAddress) effective = NULL;
      g_autofree char *text = NULL;
      GInetAddress *inet;

      if (!G_IS_INET_SOCKET_ADDRESS (address))
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));

      if (self->config->no_tls && !g_inet_address_get_is_loopback (inet))
        {
          text = g_inet_address_to_string (inet);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "--no-tls is allowed on loopback addresses only, not on %s", text);
          return FALSE;
        }

      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self), address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                          NULL, &effective, error))
        return FALSE;

      text = g_inet_address_to_string (inet);
      /* Tests and scripts read the port from this line when they asked for port 0. */
      g_message ("listening on %s%s%s:%u (%s)",
                 g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "[" : "",
                 text,
                 g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "]" : "",
                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)),
                 self->certificate ? "TLS" : "no TLS");
      n++;

      /* With port 0 every address would get its own random port: keep the first. */
      if (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) == 0)
        break;
    }

  if (error != NULL && *error != NULL)
    return FALSE;
  if (n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s names no address to listen on", self->config->listen);
      return FALSE;
    }

  return TRUE;
}

gboolean
sr_server_prepare (SrServer  *self,
                   GError   **error)
{
  g_return_val_if_fail (SR_IS_SERVER (self), FALSE);

  if (self->prepared)
    return TRUE;

  if (!self->config->no_tls)
    {
      g_autofree char *fingerprint = NULL;
      gboolean created = FALSE;

      self->certificate = sr_tls_load_or_create (self->config->tls_cert, self->config->tls_key,
                                                 self->config->state_dir, &created, error);
      if (self->certificate == NULL)
        return FALSE;

      fingerprint = sr_certificate_fingerprint (self->certificate);
      if (created)
        g_message ("created a self-signed TLS certificate in %s", self->config->state_dir);
      g_message ("TLS certificate SHA-256 fingerprint: %s", fingerprint);
    }
  else if (self->config->tls_cert != NULL || self->config->tls_key != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--no-tls and --tls-cert/--tls-key exclude each other");
      return FALSE;
    }

  if (!add_listen_address (self, error))
    return FALSE;

  self->prepared = TRUE;
  return TRUE;
}

gboolean
sr_server_start (SrServer  *self,
                 GError   **error)
{
  static const char *const channels[] = { "showroom_auth", "showroom_changes", NULL };

  g_return_val_if_fail (SR_IS_SERVER (self), FALSE);

  if (!sr_server_prepare (self, error))
    return FALSE;

  self->pool = sr_db_pool_new (self->config->db, self->config->pool_size);
  self->feed = sr_feed_new (self->config, self->pool);
  self->listen = sr_listen_new (self->config->db, channels, notification,
                                listen_reconnected, self);
  self->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_S, sweep_cb, self);
  self->prune_id = g_timeout_add_seconds (PRUNE_INTERVAL_S, prune_cb, self);

  g_socket_service_start (G_SOCKET_SERVICE (self));
  return TRUE;
}

static guint
in_flight (SrServer *self)
{
  GHashTableIter iter;
  SrSession *session;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    n += sr_session_get_in_flight (session);

  return n;
}

/* Shutdown goes in two steps: wait for the requests in flight, then close every
 * connection once its answers are written, then report done. */
static gboolean
shutdown_poll_cb (gpointer user_data)
{
  SrServer *self = user_data;
  gboolean late = g_get_monotonic_time () >= self->shutdown_deadline;

  if (!self->closing_sessions)
    {
      g_autoptr(GPtrArray) sessions = NULL;
      guint pending = in_flight (self);

      if (pending > 0 && !late)
        return G_SOURCE_CONTINUE;
      if (pending > 0)
        g_warning ("stopping with %u requests still unanswered", pending);

      self->closing_sessions = TRUE;
      sessions = sessions_snapshot (self);
      for (guint i = 0; i < sessions->len; i++)
        sr_session_close (g_ptr_array_index (sessions, i));
    }

  if (g_hash_table_size (self->sessions) > 0 && !late)
    return G_SOURCE_CONTINUE;

  self->shutdown_id = 0;
  self->shutdown_done (self->shutdown_data);
  return G_SOURCE_REMOVE;
}

void
sr_server_shutdown (SrServer    *self,
                    GSourceFunc  done,
                    gpointer     user_data)
{
  g_return_if_fail (SR_IS_SERVER (self));
  g_return_if_fail (done != NULL);

  if (self->shutdown_done != NULL)
    return;

  g_message ("stopping: finishing %u requests in flight", in_flight (self));
  self->shutdown_done = done;
  self->shutdown_data = user_data;
  self->shutdown_deadline = g_get_monotonic_time () + SHUTDOWN_GRACE_US;

  g_socket_service_stop (G_SOCKET_SERVICE (self));
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_handle_id (&self->prune_id, g_source_remove);

  self->shutdown_id = g_timeout_add (20, shutdown_poll_cb, self);
}
