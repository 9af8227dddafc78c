/* sr-client.c: sign-in, trust on first use, the remembered session and reconnecting.
 *
 * One SrConnection at a time. When it drops while signed in, the client tries again
 * with a growing pause, resumes the session with the token it kept in memory and asks
 * the feed for everything after the last event it saw; views hear `synced` and only
 * reload when the server could not replay the gap.
 */
#define G_LOG_DOMAIN "sr-client"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "sr-client.h"
#include "sr-error.h"

#define RETRY_FIRST_S 1
#define RETRY_MAX_S   30

struct _SrClient
{
  GObject        parent_instance;

  /* Owned */
  GSettings     *settings;
  GHashTable    *pins;            /* address -> fingerprint trusted in this run */
  SrConnection  *connection;
  GCancellable  *cancellable;     /* the current attempt and its reconnects */
  char          *address;
  gboolean       use_tls;
  char          *email;
  char          *token;           /* kept in memory for reconnects, remembered or not */
  gboolean       remember;
  JsonObject    *user;
  SrClientState  state;
  gint64         last_seq;
  GDateTime     *last_update;
  char          *peer_fingerprint;
  GError        *last_error;
  guint          retry_id;
  guint          retry_delay_s;
  /* Set by the certificate check of the attempt under way */
  gboolean       cert_untrusted;
  gboolean       cert_changed;
};

G_DEFINE_FINAL_TYPE (SrClient, sr_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (sr-client-error-quark, sr_client_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_USER,
  PROP_LAST_UPDATE,
  N_PROPS
};

enum {
  EVENT,
  SYNCED,
  SIGNED_OUT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "org.showroom.Showroom.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "NULL", 0 },
    }
  };

  return &schema;
}

static void
set_state (SrClient      *self,
           SrClientState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
touch_last_update (SrClient *self)
{
  g_clear_pointer (&self->last_update, g_date_time_unref);
  self->last_update = g_date_time_new_now_local ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_UPDATE]);
}

static void
set_last_error (SrClient     *self,
                const GError *error)
{
  g_clear_error (&self->last_error);
  if (error != NULL)
    self->last_error = g_error_copy (error);
}

/* "host" or "host:port", checked and completed with the default port. */
static char *
normalize_address (const char  *address,
                   GError     **error)
{
  g_autoptr(GSocketConnectable) parsed = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (address ? address : ""));
  g_autofree char *shown = g_strdup (trimmed);

  /* Host names, IPv4 and [IPv6] addresses, and a port: nothing else belongs here. */
  for (const char *p = trimmed; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:[]_", *p) == NULL)
      {
        *trimmed = '\0';
        break;
      }
  if (*trimmed != '\0')
    parsed = g_network_address_parse (trimmed, SR_DEFAULT_PORT, NULL);
  if (parsed == NULL)
    {
      g_set_error (error, SR_CLIENT_ERROR, SR_CLIENT_ERROR_BAD_ADDRESS,
                   _("“%s” is not a server address. Use a name or IP address, optionally with a port, like showroom.local:7460."),
                   shown);
      return NULL;
    }

  return g_strdup_printf ("%s:%u", g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)),
                          g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
}

static char *
pinned_fingerprint (SrClient   *self,
                    const char *address)
{
  g_autoptr(GVariant) pins = NULL;
  const char *trusted = g_hash_table_lookup (self->pins, address);
  char *fingerprint = NULL;

  if (trusted != NULL)
    return g_strdup (trusted);
  if (self->settings == NULL)
    return NULL;

  pins = g_settings_get_value (self->settings, "pinned-certificates");
  if (!g_variant_lookup (pins, address, "s", &fingerprint))
    return NULL;

  return fingerprint;
}

void
sr_client_trust_certificate (SrClient   *self,
                             const char *address,
                             const char *fingerprint)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GVariant) pins = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  const char *value;

  g_return_if_fail (SR_IS_CLIENT (self));
  g_return_if_fail (fingerprint != NULL);

  normalized = normalize_address (address, NULL);
  if (normalized == NULL)
    return;

  /* Kept for this run in any case: without settings (no schema installed) the user
   * could otherwise never get past the question. */
  g_hash_table_replace (self->pins, g_strdup (normalized), g_strdup (fingerprint));
  if (self->settings == NULL)
    return;

  pins = g_settings_get_value (self->settings, "pinned-certificates");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, pins);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    if (!g_str_equal (key, normalized))
      g_variant_builder_add (&builder, "{ss}", key, value);
  g_variant_builder_add (&builder, "{ss}", normalized, fingerprint);
  g_settings_set_value (self->settings, "pinned-certificates", g_variant_builder_end (&builder));
}

/* Runs during the TLS handshake when the certificate neither validates nor matches
 * the pin: refuse, and note why, for the sign-in page to ask or warn. */
static gboolean
accept_certificate_cb (SrConnection         *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       SrClient             *self)
{
  g_autofree char *pinned = pinned_fingerprint (self, sr_connection_get_address (connection));

  g_free (self->peer_fingerprint);
  self->peer_fingerprint = sr_certificate_fingerprint (certificate);
  if (pinned != NULL)
    self->cert_changed = TRUE;
  else
    self->cert_untrusted = TRUE;

  return FALSE;
}

static void connection_event_cb  (SrConnection *connection,
                                  JsonObject   *params,
                                  SrClient     *self);
static void connection_closed_cb (SrConnection *connection,
                                  GError       *error,
                                  SrClient     *self);

static void
drop_connection (SrClient *self)
{
  if (self->connection == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->connection, self);
  sr_connection_close (self->connection);
  g_clear_object (&self->connection);
}

/* --- one attempt: connect, sign in (login or resume), subscribe ------------------------ */

typedef struct {
  char     *email;
  char     *password;   /* NULL: resume with self->token */
  gboolean  reconnect;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_free (attempt->email);
  if (attempt->password != NULL)
    memset (attempt->password, 0, strlen (attempt->password));
  g_free (attempt->password);
  g_free (attempt);
}

static void
fail_attempt (GTask  *task,
              GError *error)
{
  SrClient *self = g_task_get_source_object (task);

  set_last_error (self, error);
  g_task_return_error (task, error);
}

static void
subscribed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrClient *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object_reply;
  gboolean reload;

  reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      fail_attempt (task, g_steal_pointer (&error));
      return;
    }

  object_reply = json_node_get_object (reply);
  /* Nothing seen yet, or a gap the server no longer holds: views load afresh. */
  reload = self->last_seq == 0 || json_object_get_boolean_member_with_default (object_reply, "resync", FALSE);
  if (reload)
    self->last_seq = json_object_get_int_member_with_default (object_reply, "seq", 0);

  self->retry_delay_s = RETRY_FIRST_S;
  set_last_error (self, NULL);
  set_state (self, SR_CLIENT_ONLINE);
  touch_last_update (self);
  g_signal_emit (self, signals[SYNCED], 0, reload);
  g_task_return_boolean (task, TRUE);
}

static void
remembered_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Without a keyring the app still works; it just cannot remember. */
  if (!secret_password_store_finish (result, &error))
    g_message ("the session could not be remembered: %s", error->message);
}

static void
signed_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrClient *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  GCancellable *cancellable;
  JsonObject *object_reply;
  JsonObject *user;

  reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      fail_attempt (task, g_steal_pointer (&error));
      return;
    }

  object_reply = json_node_get_object (reply);
  user = json_object_get_object_member (object_reply, "user");
  g_free (self->token);
  self->token = g_strdup (json_object_get_string_member (object_reply, "token"));
  g_clear_pointer (&self->user, json_object_unref);
  self->user = json_object_ref (user);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);

  if (self->remember && attempt->password != NULL)
    {
      g_autofree char *label = g_strdup_printf (_("Showroom session on %s"), self->address);

      secret_password_store (session_schema (), SECRET_COLLECTION_DEFAULT, label, self->token,
                             NULL, remembered_cb, NULL,
                             "server", self->address, "email", self->email, NULL);
    }

  if (self->last_seq > 0)
    json_object_set_int_member (params, "since_seq", self->last_seq);
  cancellable = g_task_get_cancellable (task);
  sr_connection_call_async (self->connection, "subscribe", params, cancellable,
                            subscribed_cb, g_steal_pointer (&task));
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrClient *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (!sr_connection_connect_finish (SR_CONNECTION (object), result, &error))
    {
      if (self->cert_changed)
        fail_attempt (task, g_error_new (SR_CLIENT_ERROR, SR_CLIENT_ERROR_CERTIFICATE_CHANGED,
          _("The server at %s shows a different certificate than before (SHA-256 %s). "
            "Someone may be impersonating it. Ask your IT contact before going on."),
          self->address, self->peer_fingerprint));
      else if (self->cert_untrusted)
        fail_attempt (task, g_error_new (SR_CLIENT_ERROR, SR_CLIENT_ERROR_UNTRUSTED_CERTIFICATE,
          _("This is the first connection to %s. Check that its certificate fingerprint is %s."),
          self->address, self->peer_fingerprint));
      else if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        fail_attempt (task, g_error_new (SR_ERROR, SR_ERROR_CONNECTION,
          _("Cannot reach the server at %s. Check the address and that the server is running."),
          self->address));
      else
        fail_attempt (task, g_steal_pointer (&error));
      return;
    }

  g_free (self->peer_fingerprint);
  self->peer_fingerprint = g_strdup (sr_connection_get_peer_fingerprint (self->connection));
  g_signal_connect (self->connection, "event", G_CALLBACK (connection_event_cb), self);
  g_signal_connect (self->connection, "closed", G_CALLBACK (connection_closed_cb), self);

  if (attempt->password != NULL)
    {
      json_object_set_string_member (params, "email", attempt->email);
      json_object_set_string_member (params, "password", attempt->password);
      sr_connection_call_async (self->connection, "auth.login", params,
                                cancellable, signed_in_cb, g_steal_pointer (&task));
    }
  else
    {
      json_object_set_string_member (params, "token", self->token);
      sr_connection_call_async (self->connection, "auth.resume", params,
                                cancellable, signed_in_cb, g_steal_pointer (&task));
    }
}

static void
start_attempt (SrClient *self,
               GTask    *task)
{
  g_autofree char *pinned = pinned_fingerprint (self, self->address);

  drop_connection (self);
  self->cert_untrusted = FALSE;
  self->cert_changed = FALSE;

  self->connection = sr_connection_new (self->address, self->use_tls);
  if (pinned != NULL)
    sr_connection_set_pinned_fingerprint (self->connection, pinned);
  g_signal_connect (self->connection, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
  sr_connection_connect_async (self->connection, g_task_get_cancellable (task), connected_cb, task);
}

void
sr_client_sign_in_async (SrClient            *self,
                         const char          *address,
                         gboolean             use_tls,
                         const char          *email,
                         const char          *password,
                         gboolean             remember,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  Attempt *attempt;

  g_return_if_fail (SR_IS_CLIENT (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_client_sign_in_async);

  normalized = normalize_address (address, &error);
  if (normalized == NULL)
    {
      fail_attempt (task, g_steal_pointer (&error));
      return;
    }

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_free (self->address);
  self->address = g_steal_pointer (&normalized);
  self->use_tls = use_tls;
  g_free (self->email);
  self->email = g_utf8_strdown (email, -1);
  self->remember = remember;
  self->last_seq = 0;

  if (self->settings != NULL)
    {
      g_settings_set_string (self->settings, "server-address", self->address);
      g_settings_set_boolean (self->settings, "use-tls", use_tls);
      g_settings_set_string (self->settings, "last-email", self->email);
      g_settings_set_boolean (self->settings, "remember", remember);
    }

  attempt = g_new0 (Attempt, 1);
  attempt->email = g_strdup (self->email);
  attempt->password = g_strdup (password);
  g_task_set_task_data (task, attempt, (GDestroyNotify) attempt_free);

  set_state (self, SR_CLIENT_CONNECTING);
  start_attempt (self, g_steal_pointer (&task));
}

gboolean
sr_client_sign_in_finish (SrClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      if (self->state == SR_CLIENT_CONNECTING)
        {
          drop_connection (self);
          set_state (self, SR_CLIENT_SIGNED_OUT);
        }
      return FALSE;
    }

  return TRUE;
}

static void
looked_up_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (token == NULL)
    {
      /* No keyring, or nothing in it: sign in by hand. */
      if (error != NULL)
        g_message ("no remembered session: %s", error->message);
      set_state (self, SR_CLIENT_SIGNED_OUT);
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_free (self->token);
  self->token = g_strdup (token);
  secret_password_free (token);
  g_task_set_task_data (task, g_new0 (Attempt, 1), (GDestroyNotify) attempt_free);
  start_attempt (self, g_steal_pointer (&task));
}

void
sr_client_resume_async (SrClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *address = NULL;
  g_autofree char *email = NULL;

  g_return_if_fail (SR_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_client_resume_async);

  if (self->settings != NULL && g_settings_get_boolean (self->settings, "remember"))
    {
      address = g_settings_get_string (self->settings, "server-address");
      email = g_settings_get_string (self->settings, "last-email");
    }
  if (address == NULL || *address == '\0' || email == NULL || *email == '\0')
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_free (self->address);
  self->address = g_steal_pointer (&address);
  self->use_tls = g_settings_get_boolean (self->settings, "use-tls");
  g_free (self->email);
  self->email = g_steal_pointer (&email);
  self->remember = TRUE;
  self->last_seq = 0;

  set_state (self, SR_CLIENT_CONNECTING);
  cancellable = g_task_get_cancellable (task);
  secret_password_lookup (session_schema (), cancellable, looked_up_cb,
                          g_steal_pointer (&task),
                          "server", self->address, "email", self->email, NULL);
}

gboolean
sr_client_resume_finish (SrClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (g_task_propagate_boolean (G_TASK (result), &local_error))
    return TRUE;

  if (self->state == SR_CLIENT_CONNECTING)
    {
      drop_connection (self);
      set_state (self, SR_CLIENT_SIGNED_OUT);
    }
  /* A remembered session the server no longer knows is simply forgotten. */
  if (g_error_matches (local_error, SR_ERROR, SR_ERROR_SESSION_EXPIRED))
    {
      secret_password_clear (session_schema (), NULL, NULL, NULL,
                             "server", self->address, "email", self->email, NULL);
      return FALSE;
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return FALSE;
}

/* --- staying online ------------------------------------------------------------------------ */

static void
connection_event_cb (SrConnection *connection,
                     JsonObject   *params,
                     SrClient     *self)
{
  gint64 seq = json_object_get_int_member_with_default (params, "seq", 0);

  if (seq > self->last_seq)
    self->last_seq = seq;
  touch_last_update (self);
  g_signal_emit (self, signals[EVENT], 0, params);
}

static void retry (SrClient *self);

static void
reconnected_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SrClient *self = SR_CLIENT (object);
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_message ("back online with %s", self->address);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The session is over (signed out elsewhere, expired, account disabled): back to
   * the sign-in page, saying so. */
  if (g_error_matches (error, SR_ERROR, SR_ERROR_SESSION_EXPIRED) ||
      g_error_matches (error, SR_ERROR, SR_ERROR_UNAUTHENTICATED))
    {
      drop_connection (self);
      g_clear_pointer (&self->token, g_free);
      set_state (self, SR_CLIENT_SIGNED_OUT);
      g_signal_emit (self, signals[SIGNED_OUT], 0, error);
      return;
    }

  g_message ("still offline: %s", error->message);
  retry (self);
}

static gboolean
retry_cb (gpointer user_data)
{
  SrClient *self = user_data;
  GTask *task;

  self->retry_id = 0;
  task = g_task_new (self, self->cancellable, reconnected_cb, NULL);
  g_task_set_source_tag (task, retry_cb);
  g_task_set_task_data (task, g_new0 (Attempt, 1), (GDestroyNotify) attempt_free);
  start_attempt (self, task);

  return G_SOURCE_REMOVE;
}

/* Tries again after 1, 2, 4... up to 30 s, with a little jitter so that a shop full of
 * counters does not knock on the restarted server all at once. */
static void
retry (SrClient *self)
{
  guint delay_ms = self->retry_delay_s * 1000 + g_random_int_range (0, 500);

  set_state (self, SR_CLIENT_RECONNECTING);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add (delay_ms, retry_cb, self);
  self->retry_delay_s = MIN (self->retry_delay_s * 2, RETRY_MAX_S);
}

static void
connection_closed_cb (SrConnection *connection,
                      GError       *error,
                      SrClient     *self)
{
  if (self->state != SR_CLIENT_ONLINE)
    return;

  g_message ("lost the server: %s", error ? error->message : "closed");
  retry (self);
}

static void
logged_out_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SrConnection) connection = user_data;
  g_autoptr(JsonNode) reply G_GNUC_UNUSED = sr_connection_call_finish (connection, result, NULL);

  sr_connection_close (connection);
}

void
sr_client_sign_out (SrClient *self)
{
  g_return_if_fail (SR_IS_CLIENT (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      /* The connection lives until the server has ended the token everywhere. */
      if (self->state == SR_CLIENT_ONLINE)
        sr_connection_call_async (self->connection, "auth.logout", NULL, NULL, logged_out_cb,
                                  g_object_ref (self->connection));
      else
        sr_connection_close (self->connection);
      g_clear_object (&self->connection);
    }
  if (self->address != NULL && self->email != NULL)
    secret_password_clear (session_schema (), NULL, NULL, NULL,
                           "server", self->address, "email", self->email, NULL);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "remember", FALSE);

  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->user, json_object_unref);
  self->last_seq = 0;
  set_state (self, SR_CLIENT_SIGNED_OUT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  g_signal_emit (self, signals[SIGNED_OUT], 0, NULL);
}

/* Answered by the connection it was sent on, which may since have been replaced; the
 * caller hears from the client either way. */
static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) json_node_unref);
}

void
sr_client_call_async (SrClient            *self,
                      const char          *method,
                      JsonObject          *params,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SR_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_client_call_async);

  if (self->connection == NULL || self->state != SR_CLIENT_ONLINE)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_CONNECTION,
                               _("Not connected to the server. Try again when the connection is back."));
      return;
    }

  sr_connection_call_async (self->connection, method, params, cancellable, call_done_cb,
                            g_steal_pointer (&task));
}

JsonNode *
sr_client_call_finish (SrClient      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char       *method;
  JsonObject *params;
  JsonArray  *items;
} ListAll;

static void
list_all_free (gpointer data)
{
  ListAll *list = data;

  g_free (list->method);
  json_object_unref (list->params);
  json_array_unref (list->items);
  g_free (list);
}

static void
list_page_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SrClient *self = SR_CLIENT (object);
  ListAll *list = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *page;
  JsonArray *items;
  JsonNode *next;

  reply = sr_client_call_finish (self, result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (reply))
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_PARSE_ERROR,
                               "the server's %s answer is not a page", list->method);
      return;
    }

  page = json_node_get_object (reply);
  items = json_object_has_member (page, "items") ? json_object_get_array_member (page, "items") : NULL;
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    json_array_add_element (list->items, json_node_copy (json_array_get_element (items, i)));

  next = json_object_get_member (page, "next");
  if (next != NULL && JSON_NODE_HOLDS_VALUE (next))
    {
      json_object_set_member (list->params, "after", json_node_copy (next));
      sr_client_call_async (self, list->method, list->params, g_task_get_cancellable (task),
                            list_page_cb, g_object_ref (task));
      return;
    }

  g_task_return_pointer (task, json_array_ref (list->items), (GDestroyNotify) json_array_unref);
}

void
sr_client_list_all_async (SrClient            *self,
                          const char          *method,
                          JsonObject          *params,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ListAll *list;

  g_return_if_fail (SR_IS_CLIENT (self));
  g_return_if_fail (method != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_client_list_all_async);
  list = g_new0 (ListAll, 1);
  list->method = g_strdup (method);
  list->params = json_object_new ();
  list->items = json_array_new ();
  if (params != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, params);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (list->params, name, json_node_copy (value));
    }
  g_task_set_task_data (task, list, list_all_free);

  sr_client_call_async (self, method, list->params, cancellable, list_page_cb, g_steal_pointer (&task));
}

JsonArray *
sr_client_list_all_finish (SrClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- accessors ------------------------------------------------------------------------------ */

SrClientState
sr_client_get_state (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), SR_CLIENT_SIGNED_OUT);
  return self->state;
}

const char *
sr_client_get_address (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->address;
}

SrConnection *
sr_client_get_connection (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->connection;
}

JsonObject *
sr_client_get_user (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->user;
}

gint64
sr_client_get_user_id (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), 0);
  return self->user ? json_object_get_int_member (self->user, "id") : 0;
}

gboolean
sr_client_is_manager (SrClient *self)
{
  const char *role;

  g_return_val_if_fail (SR_IS_CLIENT (self), FALSE);

  role = self->user ? json_object_get_string_member (self->user, "role") : NULL;
  return g_strcmp0 (role, "manager") == 0 || g_strcmp0 (role, "admin") == 0;
}

GDateTime *
sr_client_get_last_update (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->last_update;
}

const char *
sr_client_get_peer_fingerprint (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->peer_fingerprint;
}

const GError *
sr_client_get_last_error (SrClient *self)
{
  g_return_val_if_fail (SR_IS_CLIENT (self), NULL);
  return self->last_error;
}

/* --- GObject ----------------------------------------------------------------------------- */

SrClient *
sr_client_new (GSettings *settings)
{
  SrClient *self = g_object_new (SR_TYPE_CLIENT, NULL);

  g_set_object (&self->settings, settings);
  return self;
}

static void
sr_client_dispose (GObject *object)
{
  SrClient *self = SR_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);

  G_OBJECT_CLASS (sr_client_parent_class)->dispose (object);
}

static void
sr_client_finalize (GObject *object)
{
  SrClient *self = SR_CLIENT (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->pins, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_free (self->address);
  g_free (self->email);
  g_free (self->token);
  g_free (self->peer_fingerprint);
  g_clear_pointer (&self->user, json_object_unref);
  g_clear_pointer (&self->last_update, g_date_time_unref);
  g_clear_error (&self->last_error);

  G_OBJECT_CLASS (sr_client_parent_class)->finalize (object);
}

static void
sr_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SrClient *self = SR_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_USER:
      g_value_set_boxed (value, self->user);
      break;
    case PROP_LAST_UPDATE:
      g_value_set_boxed (value, self->last_update);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_client_class_init (SrClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sr_client_dispose;
  object_class->finalize = sr_client_finalize;
  object_class->get_property = sr_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, SR_CLIENT_SIGNED_OUT, SR_CLIENT_RECONNECTING,
                      SR_CLIENT_SIGNED_OUT,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] =
    g_param_spec_boxed ("user", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_UPDATE] =
    g_param_spec_boxed ("last-update", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Every live event, params as sent: {seq, entity, op, id, at, data}. */
  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* Online with the feed running. TRUE: what views hold may have gaps; reload it. */
  signals[SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /* The session ended; the GError says why when the user did not ask for it. */
  signals[SIGNED_OUT] =
    g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sr_client_init (SrClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->retry_delay_s = RETRY_FIRST_S;
}
