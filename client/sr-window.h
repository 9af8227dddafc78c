/* sr-window.h: the main window: the sign-in page until there is a session, then the
 * stock with the connection's state and the user's menu in the header bar. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_WINDOW (sr_window_get_type ())

G_DECLARE_FINAL_TYPE (SrWindow, sr_window, SR, WINDOW, AdwApplicationWindow)

SrWindow  *sr_window_new          (GtkApplication *application,
                                   SrClient       *client,
                                   GSettings      *settings);
/* Tries the remembered session first; the sign-in page shows if there is none. */
void       sr_window_start        (SrWindow       *self);
SrClient  *sr_window_get_client   (SrWindow       *self);
/* The server to offer on the sign-in page, over what was remembered. */
void       sr_window_set_server   (SrWindow       *self,
                                   const char     *address,
                                   gboolean        use_tls);
/* A short message at the bottom of the window. */
void       sr_window_add_toast    (SrWindow       *self,
                                   const char     *text);
/* What is on screen: "connecting", "sign-in" or "main". */
const char *sr_window_get_page    (SrWindow       *self);

G_END_DECLS
