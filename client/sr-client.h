/* sr-client.h: the app's one link to the server: sign-in, the remembered session, the
 * pinned certificate, the live feed and reconnecting.
 *
 * Views call the server through it and listen to its `event` and `synced` signals; they
 * never see a connection come and go.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sr-connection.h"

G_BEGIN_DECLS

typedef enum {
  SR_CLIENT_SIGNED_OUT,
  SR_CLIENT_CONNECTING,     /* signing in or resuming a remembered session */
  SR_CLIENT_ONLINE,
  SR_CLIENT_RECONNECTING,   /* the server went away: trying again, data read-only */
} SrClientState;

#define SR_CLIENT_ERROR (sr_client_error_quark ())

typedef enum {
  /* First contact with a server: its fingerprint needs the user's yes. */
  SR_CLIENT_ERROR_UNTRUSTED_CERTIFICATE,
  /* The server shows another certificate than the one pinned for it. */
  SR_CLIENT_ERROR_CERTIFICATE_CHANGED,
  SR_CLIENT_ERROR_BAD_ADDRESS,
} SrClientError;

#define SR_TYPE_CLIENT (sr_client_get_type ())

G_DECLARE_FINAL_TYPE (SrClient, sr_client, SR, CLIENT, GObject)

GQuark         sr_client_error_quark          (void);

/* @settings: org.showroom.Showroom, or NULL to remember nothing between runs. */
SrClient      *sr_client_new                  (GSettings            *settings);

SrClientState  sr_client_get_state            (SrClient             *self);
const char    *sr_client_get_address          (SrClient             *self);
/* The connection of the moment (borrowed; replaced on reconnect), or NULL. */
SrConnection  *sr_client_get_connection       (SrClient             *self);
/* The signed-in user: id, email, name, role, branch_id; NULL when signed out. */
JsonObject    *sr_client_get_user             (SrClient             *self);
gboolean       sr_client_is_manager           (SrClient             *self);
gint64         sr_client_get_user_id          (SrClient             *self);
/* When the last event arrived (or the last sync), or NULL. */
GDateTime     *sr_client_get_last_update      (SrClient             *self);
/* The fingerprint the server showed on the last attempt ("AB:CD:..."), or NULL. */
const char    *sr_client_get_peer_fingerprint (SrClient             *self);
/* Why the last sign-in or resume failed, for the sign-in page; NULL if it did not. */
const GError  *sr_client_get_last_error       (SrClient             *self);

/* "host:port" or "host" (port 7460). Trust the fingerprint from now on for @address. */
void           sr_client_trust_certificate    (SrClient             *self,
                                               const char           *address,
                                               const char           *fingerprint);

void           sr_client_sign_in_async        (SrClient             *self,
                                               const char           *address,
                                               gboolean              use_tls,
                                               const char           *email,
                                               const char           *password,
                                               gboolean              remember,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean       sr_client_sign_in_finish       (SrClient             *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Signs in with the session remembered in the keyring for the last server, if any:
 * FALSE without an error when there is none to resume. */
void           sr_client_resume_async         (SrClient             *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean       sr_client_resume_finish        (SrClient             *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Ends the session on the server and forgets the remembered one. */
void           sr_client_sign_out             (SrClient             *self);

/* A request on the current connection; fails with SR_ERROR_CONNECTION while offline. */
void           sr_client_call_async           (SrClient             *self,
                                               const char           *method,
                                               JsonObject           *params,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode      *sr_client_call_finish          (SrClient             *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Every item of a `*.list` call: asks page after page, following `next`, and answers
 * with all the pages' items in order (a JsonArray), or the first page's error.
 * @params is copied; its `after` is set for each page. */
void           sr_client_list_all_async       (SrClient             *self,
                                               const char           *method,
                                               JsonObject           *params,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonArray     *sr_client_list_all_finish      (SrClient             *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
