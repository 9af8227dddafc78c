/* sr-ui-test.h: driving the app's real widgets under Xvfb: find them, type into them,
 * wait for what a user would wait for, and save what the screen shows. */
#pragma once

#include <adwaita.h>
#include <check.h>

#include "sr-test-server.h"
#include "sr-window.h"

G_BEGIN_DECLS

/* Runs @suite in this process (GTK cannot fork) and frees it: the exit status for
 * main(). Calls sr_test_init() and sr_ui_init() first. */
int         sr_ui_run             (Suite      *suite);
/* GTK, libadwaita and the app's resources; called by sr_ui_run(). */
void        sr_ui_init            (void);

/* Runs the main loop until check(data) holds; fails the test after 60 s (a hang
 * guard, not a performance check). */
void        sr_ui_wait_until      (gboolean  (*check) (gpointer),
                                   gpointer    data);
/* Lets pending redraws and idle work run. */
void        sr_ui_settle          (void);

/* A template child of @widget's class @type, by its id in the .ui file. */
GtkWidget  *sr_ui_child           (GtkWidget  *widget,
                                   GType       type,
                                   const char *name);
/* The window's page @name ("stock", "approvals"), failing the test if there is none. */
GtkWidget  *sr_ui_page            (GtkWidget  *window,
                                   const char *name);
/* The first descendant of @widget with widget name @name (depth first), or NULL. */
GtkWidget  *sr_ui_find_named      (GtkWidget  *widget,
                                   const char *name);
/* The text of the label named @name under @widget; fails the test if there is none. */
const char *sr_ui_label_text      (GtkWidget  *widget,
                                   const char *name);
/* The first descendant of @widget of @type (depth first), or NULL. */
GtkWidget  *sr_ui_find            (GtkWidget  *widget,
                                   GType       type);

void        sr_ui_type            (GtkWidget  *editable,
                                   const char *text);

/* Saves @window as SR_SCREENSHOT_DIR/<name>.png (the build dir's tests/ui/screenshots)
 * and returns the path. */
char       *sr_ui_screenshot      (GtkWidget  *window,
                                   const char *name);

/* A window on a fresh SrClient (no settings), shown, on the sign-in page. */
GtkWidget  *sr_ui_window_new      (void);
/* Fills the sign-in page as a user would and presses Sign In. */
void        sr_ui_fill_sign_in    (GtkWidget    *window,
                                   gboolean      use_tls,
                                   const char   *address,
                                   const char   *email,
                                   const char   *password);
/* Signs in and waits for the main page. */
void        sr_ui_sign_in         (GtkWidget    *window,
                                   SrTestServer *server,
                                   const char   *email);

/* The shown toplevel window of @type (and widget name @name, unless NULL), waiting
 * for it to appear. */
GtkWidget  *sr_ui_wait_for_window (GType         type,
                                   const char   *name);
/* Answers @dialog as a click on its @response button does: the response, then the
 * dialog closes. */
void        sr_ui_respond         (AdwMessageDialog *dialog,
                                   const char       *response);
/* showroomctl signed in as @email calls @method, as another user at another counter
 * would change things; fails the test if the call fails. */
void        sr_ui_ctl             (SrTestServer *server,
                                   const char   *email,
                                   const char   *method,
                                   const char   *params);

G_END_DECLS
