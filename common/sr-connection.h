/* sr-connection.h: the client side of the protocol, shared by showroomctl, the app, the
 * benchmark and the tests.
 *
 * One object per server connection: TCP (with TLS unless told otherwise), `hello`,
 * pipelined calls matched by id, and server events as the `event` signal.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SR_TYPE_CONNECTION (sr_connection_get_type ())

G_DECLARE_FINAL_TYPE (SrConnection, sr_connection, SR, CONNECTION, GObject)

SrConnection *sr_connection_new                  (const char           *address,
                                                  gboolean              use_tls);
const char   *sr_connection_get_address          (SrConnection         *self);
gboolean      sr_connection_get_use_tls          (SrConnection         *self);
gboolean      sr_connection_is_connected         (SrConnection         *self);
gsize         sr_connection_get_max_frame        (SrConnection         *self);
const char   *sr_connection_get_server_name      (SrConnection         *self);
/* SHA-256 of the server certificate, "AB:CD:..." form; NULL before TLS or without it. */
const char   *sr_connection_get_peer_fingerprint (SrConnection         *self);
/* A certificate whose fingerprint matches is accepted even when it does not validate. */
void          sr_connection_set_pinned_fingerprint (SrConnection       *self,
                                                    const char         *fingerprint);

void          sr_connection_connect_async        (SrConnection         *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean      sr_connection_connect_finish       (SrConnection         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void          sr_connection_call_async           (SrConnection         *self,
                                                  const char           *method,
                                                  JsonObject           *params,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
JsonNode     *sr_connection_call_finish          (SrConnection         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* The same call, its result handed over as JSON text, unparsed (a slice of the
 * response as it came): for large results that the caller reads in a worker thread
 * rather than on the main loop. Only the response's envelope is read here; the
 * text is not checked beyond its nesting, nor for UTF-8. Errors come as with
 * sr_connection_call_async(). */
void          sr_connection_call_raw_async       (SrConnection         *self,
                                                  const char           *method,
                                                  JsonObject           *params,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GBytes       *sr_connection_call_raw_finish      (SrConnection         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void          sr_connection_close                (SrConnection         *self);

char         *sr_certificate_fingerprint         (GTlsCertificate      *certificate);

G_END_DECLS
