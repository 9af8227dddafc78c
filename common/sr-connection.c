/* sr-connection.c: one client connection to showroomd.
 *
 * Connect = TCP, TLS handshake (unless plain), `hello`. After that calls are written as
 * soon as they are made and matched to their responses by id, so callers may pipeline
 * freely. Server notifications are emitted as `event`. When the stream ends, every
 * pending call fails with SR_ERROR_CONNECTION and `closed` is emitted once.
 */
#define G_LOG_DOMAIN "sr-connection"

#include "config.h"

#ifdef G_OS_WIN32
# include <winsock2.h>
#else
# include <netinet/in.h>
# include <netinet/tcp.h>
#endif

#include "sr-connection.h"
#include "sr-error.h"
#include "sr-frame-io.h"
#include "sr-json-reader.h"
#include "sr-rpc.h"

/* Connecting and the TLS handshake have 15 s (the socket's timeout); hello as long. */
#define HELLO_TIMEOUT_S 15

struct _SrConnection
{
  GObject parent_instance;

  /* Owned */
  char               *address;
  char               *client_name;
  char               *server_name;
  char               *pinned_fingerprint;
  char               *peer_fingerprint;
  GIOStream          *stream;
  GSocket            *socket;        /* under stream; for its timeout */
  SrFrameReader      *reader;
  SrFrameWriter      *writer;
  GHashTable         *pending;      /* gint64 id -> GTask */
  GCancellable       *cancellable;
  gint64              next_id;
  gsize               max_frame;
  guint               n_raw;        /* raw calls among the pending */
  guint               hello_timeout_id;

  guint               use_tls : 1;
  guint               connected : 1;
  guint               closed : 1;
};

G_DEFINE_FINAL_TYPE (SrConnection, sr_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_USE_TLS,
  PROP_CONNECTED,
  N_PROPS
};

enum {
  EVENT,
  CLOSED,
  ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void fail_pending (SrConnection *self, const GError *error);

char *
sr_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  out = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);

  return g_string_free (out, FALSE);
}

static void
sr_connection_finalize (GObject *object)
{
  SrConnection *self = SR_CONNECTION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->reader, sr_frame_reader_free);
  g_clear_pointer (&self->writer, sr_frame_writer_free);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->client_name, g_free);
  g_clear_pointer (&self->server_name, g_free);
  g_clear_pointer (&self->pinned_fingerprint, g_free);
  g_clear_pointer (&self->peer_fingerprint, g_free);

  G_OBJECT_CLASS (sr_connection_parent_class)->finalize (object);
}

static void
sr_connection_dispose (GObject *object)
{
  SrConnection *self = SR_CONNECTION (object);

  g_clear_handle_id (&self->hello_timeout_id, g_source_remove);
  if (!self->closed && self->pending != NULL && g_hash_table_size (self->pending) > 0)
    {
      g_autoptr(GError) error = sr_error_new (SR_ERROR_CONNECTION, NULL, "connection closed");
      fail_pending (self, error);
    }

  G_OBJECT_CLASS (sr_connection_parent_class)->dispose (object);
}

static void
sr_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SrConnection *self = SR_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_USE_TLS:
      g_value_set_boolean (value, self->use_tls);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_connection_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SrConnection *self = SR_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      self->address = g_value_dup_string (value);
      break;
    case PROP_USE_TLS:
      self->use_tls = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_connection_class_init (SrConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sr_connection_finalize;
  object_class->dispose = sr_connection_dispose;
  object_class->get_property = sr_connection_get_property;
  object_class->set_property = sr_connection_set_property;

  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_TLS] =
    g_param_spec_boolean ("use-tls", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* params of the event notification: {seq, entity, op, id, data} */
  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* The GError says why (NULL when closed by the caller). Emitted once. */
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* A certificate that does not validate and is not pinned: return TRUE to trust it. */
  signals[ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);
}

static void
sr_connection_init (SrConnection *self)
{
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->client_name = g_strdup ("showroom/" PACKAGE_VERSION);
  self->max_frame = SR_FRAME_DEFAULT_MAX;
  self->next_id = 1;
}

SrConnection *
sr_connection_new (const char *address,
                   gboolean    use_tls)
{
  g_return_val_if_fail (address != NULL, NULL);

  return g_object_new (SR_TYPE_CONNECTION,
                       "address", address,
                       "use-tls", use_tls,
                       NULL);
}

const char *
sr_connection_get_address (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), NULL);

  return self->address;
}

gboolean
sr_connection_get_use_tls (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), FALSE);

  return self->use_tls;
}

gboolean
sr_connection_is_connected (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), FALSE);

  return self->connected;
}

gsize
sr_connection_get_max_frame (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), 0);

  return self->max_frame;
}

const char *
sr_connection_get_server_name (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), NULL);

  return self->server_name;
}

const char *
sr_connection_get_peer_fingerprint (SrConnection *self)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), NULL);

  return self->peer_fingerprint;
}

void
sr_connection_set_pinned_fingerprint (SrConnection *self,
                                      const char   *fingerprint)
{
  g_return_if_fail (SR_IS_CONNECTION (self));

  g_free (self->pinned_fingerprint);
  self->pinned_fingerprint = g_strdup (fingerprint);
}

static void
fail_pending (SrConnection *self,
              const GError *error)
{
  g_autoptr(GHashTable) pending = g_steal_pointer (&self->pending);
  GHashTableIter iter;
  GTask *task;

  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->n_raw = 0;

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &task))
    g_task_return_error (task, g_error_copy (error));
}

static void
shut_down (SrConnection *self,
           const GError *error)
{
  g_autoptr(GError) closed_error = NULL;

  if (self->closed)
    return;

  g_object_ref (self);

  self->closed = TRUE;
  g_clear_pointer (&self->reader, sr_frame_reader_free);
  g_clear_pointer (&self->writer, sr_frame_writer_free);
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);

  if (error != NULL)
    closed_error = sr_error_new (SR_ERROR_CONNECTION, NULL, "%s", error->message);
  else
    closed_error = sr_error_new (SR_ERROR_CONNECTION, NULL, "connection closed");
  fail_pending (self, closed_error);

  if (self->connected)
    {
      self->connected = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
    }
  g_signal_emit (self, signals[CLOSED], 0, error);

  g_object_unref (self);
}

void
sr_connection_close (SrConnection *self)
{
  g_return_if_fail (SR_IS_CONNECTION (self));

  g_cancellable_cancel (self->cancellable);
  shut_down (self, NULL);
}

static void
handle_message (SrConnection *self,
                SrMessage    *message)
{
  g_autofree gint64 *key = NULL;
  GTask *task;
  gint64 id;

  if (message->kind == SR_MESSAGE_NOTIFICATION)
    {
      if (g_strcmp0 (message->method, "event") == 0 && JSON_NODE_HOLDS_OBJECT (message->params))
        g_signal_emit (self, signals[EVENT], 0, json_node_get_object (message->params));
      return;
    }

  /* A response with id null is the server's reaction to a broken frame: the connection
   * is about to close, and nothing pending can be matched to it. */
  if (!JSON_NODE_HOLDS_VALUE (message->id) ||
      json_node_get_value_type (message->id) != G_TYPE_INT64)
    {
      if (message->error != NULL)
        g_debug ("server error without id: %s", message->error->message);
      return;
    }

  id = json_node_get_int (message->id);
  if (!g_hash_table_steal_extended (self->pending, &id, (gpointer *) &key, (gpointer *) &task))
    {
      g_debug ("response to unknown call %" G_GINT64_FORMAT, id);
      return;
    }

  if (g_task_get_source_tag (task) == sr_connection_call_raw_async)
    self->n_raw--;

  if (message->error != NULL)
    g_task_return_error (task, g_steal_pointer (&message->error));
  else if (g_task_get_source_tag (task) == sr_connection_call_raw_async)
    {
      /* A result take_raw_result() could not place (its envelope spelt a name with
       * an escape, say): given as text all the same. */
      gsize len;
      char *text = sr_json_to_string (message->result, &len);

      g_task_return_pointer (task, g_bytes_new_take (text, len), (GDestroyNotify) g_bytes_unref);
    }
  else
    g_task_return_pointer (task, g_steal_pointer (&message->result),
                           (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

/* A raw call's successful response: its result goes out as the frame's own text,
 * unparsed. FALSE for anything else, which then takes the ordinary path. */
static gboolean
take_raw_result (SrConnection *self,
                 GBytes       *frame)
{
  g_autofree gint64 *key = NULL;
  gsize offset, len;
  GTask *task;
  gint64 id;

  if (!sr_rpc_scan_response (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                             &id, &offset, &len))
    return FALSE;

  task = g_hash_table_lookup (self->pending, &id);
  if (task == NULL || g_task_get_source_tag (task) != sr_connection_call_raw_async)
    return FALSE;

  g_hash_table_steal_extended (self->pending, &id, (gpointer *) &key, NULL);
  self->n_raw--;
  g_task_return_pointer (task, g_bytes_new_from_bytes (frame, offset, len),
                         (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);

  return TRUE;
}

static void
frame_cb (GBytes       *frame,
          const GError *error,
          gpointer      user_data)
{
  SrConnection *self = SR_CONNECTION (user_data);
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(SrMessage) message = NULL;
  const char *data;
  gsize len;

  if (frame == NULL)
    {
      g_autoptr(GError) eof = NULL;

      if (error == NULL)
        eof = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                   "the server closed the connection");
      shut_down (self, error ? error : eof);
      return;
    }

  if (self->n_raw > 0 && take_raw_result (self, frame))
    return;

  data = g_bytes_get_data (frame, &len);
  message = sr_rpc_parse_message (data, len, &parse_error);
  if (message == NULL)
    {
      /* Its id cannot be trusted either: dropping it would leave a call waiting for
       * ever. A server that breaks the protocol is left, as one that went away is. */
      g_autoptr(GError) broken = sr_error_new (SR_ERROR_CONNECTION, NULL,
                                               "the server sent a message that could not be read (%s)",
                                               parse_error->message);

      g_message ("%s", broken->message);
      shut_down (self, broken);
      return;
    }

  handle_message (self, message);
}

static void
write_failed_cb (const GError *error,
                 gpointer      user_data)
{
  shut_down (SR_CONNECTION (user_data), error);
}

static void
send_call (SrConnection *self,
           const char   *method,
           JsonObject   *params,
           GTask        *task)
{
  g_autoptr(JsonNode) id_node = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GBytes) bytes = NULL;
  gint64 id = self->next_id++;
  char *text;
  gsize len;

  json_node_set_int (id_node, id);
  text = sr_rpc_build_request (id_node, method, params, &len);
  bytes = g_bytes_new_take (text, len);

  g_hash_table_insert (self->pending, g_memdup2 (&id, sizeof id), task);
  sr_frame_writer_push (self->writer, bytes);
}

/* A call's task, tagged with the entry point that made it, or NULL when the
 * connection is down (the task has then been answered). */
static GTask *
new_call_task (SrConnection        *self,
               gpointer             source_tag,
               const char          *method,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (method), g_free);

  if (self->writer == NULL || self->closed)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_CONNECTION, "not connected");
      return NULL;
    }
  return g_steal_pointer (&task);
}

void
sr_connection_call_async (SrConnection        *self,
                          const char          *method,
                          JsonObject          *params,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SR_IS_CONNECTION (self));
  g_return_if_fail (method != NULL);

  task = new_call_task (self, sr_connection_call_async, method, cancellable, callback, user_data);
  if (task != NULL)
    send_call (self, method, params, task);
}

JsonNode *
sr_connection_call_finish (SrConnection  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) != sr_connection_call_raw_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sr_connection_call_raw_async (SrConnection        *self,
                              const char          *method,
                              JsonObject          *params,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SR_IS_CONNECTION (self));
  g_return_if_fail (method != NULL);

  task = new_call_task (self, sr_connection_call_raw_async, method, cancellable, callback, user_data);
  if (task == NULL)
    return;
  self->n_raw++;
  send_call (self, method, params, task);
}

GBytes *
sr_connection_call_raw_finish (SrConnection  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sr_connection_call_raw_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Connecting */

static void
hello_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SrConnection *self = SR_CONNECTION (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *hello;
  gint64 max_frame;

  g_clear_handle_id (&self->hello_timeout_id, g_source_remove);
  reply = sr_connection_call_finish (self, result, &error);
  if (reply == NULL)
    {
      shut_down (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (reply))
    {
      error = sr_error_new (SR_ERROR_UNSUPPORTED_PROTOCOL, NULL, "the server's hello is not understood");
      shut_down (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  hello = json_node_get_object (reply);
  g_free (self->server_name);
  self->server_name = g_strdup (json_object_get_string_member_with_default (hello, "server", ""));
  max_frame = json_object_get_int_member_with_default (hello, "max_frame", SR_FRAME_DEFAULT_MAX);
  if (max_frame > 0 && max_frame <= G_MAXUINT32)
    self->max_frame = max_frame;

  self->connected = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_task_return_boolean (task, TRUE);
}

/* A peer that takes the connection but never answers hello (not a showroomd, or one
 * that hangs) would leave the caller waiting for ever. */
static gboolean
hello_timeout_cb (gpointer user_data)
{
  SrConnection *self = SR_CONNECTION (user_data);
  g_autoptr(GError) error = sr_error_new (SR_ERROR_CONNECTION, NULL,
                                          "%s did not answer hello within %d s",
                                          self->address, HELLO_TIMEOUT_S);

  self->hello_timeout_id = 0;
  shut_down (self, error);
  return G_SOURCE_REMOVE;
}

static void
start_session (SrConnection *self,
               GIOStream    *stream,
               GTask        *task)
{
  g_autoptr(JsonObject) params = json_object_new ();

  self->stream = g_object_ref (stream);
  /* Connecting and the TLS handshake had 15 s; a session waits on its events for as
   * long as it lasts. */
  if (self->socket != NULL)
    g_socket_set_timeout (self->socket, 0);
  self->reader = sr_frame_reader_new (g_io_stream_get_input_stream (stream),
                                      SR_FRAME_SERVER_MAX, frame_cb, self);
  self->writer = sr_frame_writer_new (g_io_stream_get_output_stream (stream),
                                      write_failed_cb, self);
  sr_frame_reader_start (self->reader);

  json_object_set_int_member (params, "protocol", SR_PROTOCOL_VERSION);
  json_object_set_string_member (params, "client", self->client_name);
  self->hello_timeout_id = g_timeout_add_seconds (HELLO_TIMEOUT_S, hello_timeout_cb, self);
  sr_connection_call_async (self, "hello", params, g_task_get_cancellable (task),
                            hello_cb, task);
}

static gboolean
accept_certificate_cb (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  SrConnection *self = SR_CONNECTION (user_data);
  gboolean accepted = FALSE;

  g_free (self->peer_fingerprint);
  self->peer_fingerprint = sr_certificate_fingerprint (certificate);

  if (self->pinned_fingerprint != NULL && self->peer_fingerprint != NULL &&
      g_ascii_strcasecmp (self->pinned_fingerprint, self->peer_fingerprint) == 0)
    return TRUE;

  g_signal_emit (self, signals[ACCEPT_CERTIFICATE], 0, certificate, errors, &accepted);
  return accepted;
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrConnection *self = g_task_get_source_object (task);
  GTlsConnection *tls = G_TLS_CONNECTION (object);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *peer;

  if (!g_tls_connection_handshake_finish (tls, result, &error))
    {
      g_autoptr(GError) wrapped = NULL;

      if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        wrapped = sr_error_new (SR_ERROR_CONNECTION, NULL,
                                "the server's certificate is not trusted (SHA-256 %s)",
                                self->peer_fingerprint ? self->peer_fingerprint : "unknown");
      else
        wrapped = sr_error_new (SR_ERROR_CONNECTION, NULL, "TLS handshake failed: %s",
                                error->message);
      g_task_return_error (task, g_steal_pointer (&wrapped));
      return;
    }

  peer = g_tls_connection_get_peer_certificate (tls);
  if (peer != NULL && self->peer_fingerprint == NULL)
    self->peer_fingerprint = sr_certificate_fingerprint (peer);

  start_session (self, G_IO_STREAM (tls), g_steal_pointer (&task));
}

static void
socket_connect_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrConnection *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_CONNECTION,
                               "cannot reach %s: %s", self->address, error->message);
      return;
    }

  g_set_object (&self->socket, g_socket_connection_get_socket (connection));
  g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  if (!self->use_tls)
    {
      start_session (self, G_IO_STREAM (connection), g_steal_pointer (&task));
      return;
    }

  identity = g_network_address_parse (self->address, SR_DEFAULT_PORT, NULL);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  if (tls == NULL)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_CONNECTION,
                               "TLS is not available: %s", error->message);
      return;
    }

  g_signal_connect_object (tls, "accept-certificate",
                           G_CALLBACK (accept_certificate_cb), self, 0);
  cancellable = g_task_get_cancellable (task);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    cancellable, handshake_cb, g_steal_pointer (&task));
}

void
sr_connection_connect_async (SrConnection        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SR_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_connection_connect_async);

  if (self->stream != NULL || self->closed)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_CONNECTION,
                               "a connection object connects once");
      return;
    }

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 15);
  /* The server is on the shop's LAN or VPN: a desktop proxy setting does not apply. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, self->address, SR_DEFAULT_PORT,
                                         cancellable, socket_connect_cb,
                                         g_steal_pointer (&task));
}

gboolean
sr_connection_connect_finish (SrConnection  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (SR_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
