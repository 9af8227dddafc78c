/* sr-platform.h: the few things GLib does not abstract for the server: termination
 * signals and watching a raw socket descriptor (libpq's). Everything else is GIO. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Calls func on the main context when the process is asked to stop (SIGTERM or
 * SIGINT; Ctrl+C / Ctrl+Break / close on Windows). */
void   sr_platform_on_terminate (GSourceFunc  func,
                                 gpointer     user_data);

/* Watches a socket descriptor for readability; returns the source id. */
guint  sr_platform_watch_socket (int          fd,
                                 GSourceFunc  func,
                                 gpointer     user_data);

G_END_DECLS
