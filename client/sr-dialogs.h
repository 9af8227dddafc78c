/* sr-dialogs.h: questions the app's windows ask the same way. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* "Discard Changes?" over @window, with @body saying what is unsaved. On Discard,
 * *@done becomes TRUE (so the window's close-request lets it go) and @window closes;
 * Keep Editing leaves everything as it is. @done must live as long as @window. */
void sr_ask_discard (GtkWindow  *window,
                     const char *body,
                     gboolean   *done);

G_END_DECLS
