/* sr-server.h: showroomd's listening service and what its sessions share. */
#pragma once

#include <gio/gio.h>

#include "sr-config.h"
#include "sr-db-pool.h"
#include "sr-dispatch.h"

G_BEGIN_DECLS

typedef struct _SrSession SrSession;

#define SR_TYPE_SERVER (sr_server_get_type ())

G_DECLARE_FINAL_TYPE (SrServer, sr_server, SR, SERVER, GSocketService)

SrServer       *sr_server_new         (const SrConfig  *config);
/* Loads or makes the certificate and binds the listen addresses, refusing what the
 * configuration gets wrong (--no-tls off loopback, half a certificate pair): done
 * before showroomd changes the database for --create-admin or --seed-demo. */
gboolean        sr_server_prepare     (SrServer        *self,
                                       GError         **error);
/* Prepares if not yet done, then serves. */
gboolean        sr_server_start       (SrServer        *self,
                                       GError         **error);
/* Stops accepting, lets requests in flight finish and their answers go out, closes
 * every connection, then calls done. */
void            sr_server_shutdown    (SrServer        *self,
                                       GSourceFunc      done,
                                       gpointer         user_data);
const SrConfig *sr_server_get_config  (SrServer        *self);
SrDbPool       *sr_server_get_pool    (SrServer        *self);
struct _SrFeed *sr_server_get_feed    (SrServer        *self);

/* For SrSession */
void            _sr_server_session_closed (SrServer   *self,
                                           SrSession  *session);
void            _sr_server_apply_effects  (SrServer   *self,
                                           SrSession  *origin,
                                           GPtrArray  *effects);

G_END_DECLS
