/* sr-application.h: the app: one window, its settings and the link to the server. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SR_TYPE_APPLICATION (sr_application_get_type ())

G_DECLARE_FINAL_TYPE (SrApplication, sr_application, SR, APPLICATION, AdwApplication)

SrApplication *sr_application_new      (void);
/* Sets the locale from the environment and binds the app's translations: those under
 * LOCALEDIR, or under $SHOWROOM_LOCALEDIR when set (the build dir's po/). */
void           sr_application_init_i18n (void);
/* org.showroom.Showroom, installed or from the build tree; NULL when neither is there
 * (the app then remembers nothing between runs). */
GSettings     *sr_settings_new         (void);

G_END_DECLS
