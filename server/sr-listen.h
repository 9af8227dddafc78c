/* sr-listen.h: one dedicated PostgreSQL connection that LISTENs, on the main loop.
 *
 * It reconnects by itself with backoff after the database restarts, and says so
 * through `reconnected`, since notifications sent while it was away are lost. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SrListen SrListen;

typedef void (*SrListenFunc)      (const char *channel,
                                   const char *payload,
                                   gpointer    user_data);
typedef void (*SrListenReconnect) (gpointer    user_data);

SrListen *sr_listen_new   (const char         *conninfo,
                           const char *const  *channels,
                           SrListenFunc        func,
                           SrListenReconnect   reconnected,
                           gpointer            user_data);
void      sr_listen_free  (SrListen           *self);

G_END_DECLS
