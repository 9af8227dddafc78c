/* sr-application.h: the app: one window, its settings and the link to the server. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SR_TYPE_APPLICATION (sr_application_get_type ())

G_DECLARE_FINAL_TYPE (SrApplication, sr_application, SR, APPLICATION, AdwApplication)

SrApplication *sr_application_new      (void);
/* org.showroom.Showroom, installed or from the build tree; NULL when neither is there
 * (the app then remembers nothing between runs). */
GSettings     *sr_settings_new         (void);

G_END_DECLS
