/* sr-ui-test.c: helpers for the UI suite. */
#define G_LOG_DOMAIN "sr-ui-test"

#include "config.h"

#include <check.h>

#include "sr-application.h"
#include "sr-sign-in-page.h"
#include "sr-ui-test.h"

#define HANG_GUARD_S 60

void
sr_ui_init (void)
{
  g_autoptr(GtkCssProvider) css = NULL;

  /* As main() does: the suite runs in English (LANGUAGE=C) unless a test asks otherwise. */
  sr_application_init_i18n ();
  gtk_init ();
  css = gtk_css_provider_new ();
  adw_init ();
  /* What AdwApplication would load from the app's resources. */
  gtk_css_provider_load_from_resource (css, "/org/showroom/Showroom/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/showroom/Showroom/icons");
}

static gboolean
hang_guard_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
sr_ui_wait_until (gboolean (*check) (gpointer),
                  gpointer   data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb, &timed_out);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    {
      g_source_remove (id);
      return;
    }

  /* What the screens showed when the wait gave up, to see why. */
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    static guint failures;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);
        g_autofree char *name = g_strdup_printf ("timeout-%u-%u", ++failures, i);
        g_autofree char *path = NULL;

        if (gtk_widget_get_visible (toplevel))
          {
            path = sr_ui_screenshot (toplevel, name);
            g_printerr ("wait timed out: %s shows %s\n", G_OBJECT_TYPE_NAME (toplevel), path);
          }
      }
  }
  ck_abort_msg ("condition not met within %d s", HANG_GUARD_S);
}

static gboolean
frames_done (gpointer data)
{
  return --*(int *) data <= 0;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
sr_ui_settle (void)
{
  /* Half a second of the loop with a timer running, so that layout, redraws, idle
   * handlers and transitions (200 ms) started by the last action all finish. */
  int passes = 50;
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  sr_ui_wait_until (frames_done, &passes);
  g_source_remove (tick);
}

GtkWidget *
sr_ui_child (GtkWidget  *widget,
             GType       type,
             const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, type, name);

  ck_assert_msg (child != NULL, "no template child %s in %s", name, G_OBJECT_TYPE_NAME (widget));
  return GTK_WIDGET (child);
}

GtkWidget *
sr_ui_page (GtkWidget  *window,
            const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack"));
  GtkWidget *page = adw_view_stack_get_child_by_name (stack, name);

  ck_assert_msg (page != NULL, "no page %s in the window", name);
  return page;
}

GtkWidget *
sr_ui_find_named (GtkWidget  *widget,
                  const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
        return child;
      if ((found = sr_ui_find_named (child, name)) != NULL)
        return found;
    }

  return NULL;
}

const char *
sr_ui_label_text (GtkWidget  *widget,
                  const char *name)
{
  GtkWidget *label = sr_ui_find_named (widget, name);

  ck_assert_msg (label != NULL && GTK_IS_LABEL (label), "no label %s", name);
  return gtk_label_get_text (GTK_LABEL (label));
}

GtkWidget *
sr_ui_find (GtkWidget *widget,
            GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = sr_ui_find (child, type)) != NULL)
        return found;
    }

  return NULL;
}

void
sr_ui_type (GtkWidget  *editable,
            const char *text)
{
  gtk_widget_grab_focus (editable);
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
  sr_ui_settle ();
}

char *
sr_ui_screenshot (GtkWidget  *window,
                  const char *name)
{
  const char *dir = g_getenv ("SR_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  char *path;
  GskRenderer *renderer;
  int width, height;

  sr_ui_settle ();
  ck_assert_msg (dir != NULL, "SR_SCREENSHOT_DIR is not set");
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, file, NULL);

  /* What the window's own renderer would draw, at its size. */
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  ck_assert_msg (node != NULL, "nothing to draw for %s", name);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  ck_assert_msg (gdk_texture_save_to_png (texture, path), "could not save %s", path);

  return path;
}

GtkWidget *
sr_ui_window_new (void)
{
  g_autoptr(SrClient) client = sr_client_new (NULL);
  SrWindow *window = sr_window_new (NULL, client, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1180, 720);
  sr_window_start (window);
  gtk_window_present (GTK_WINDOW (window));
  sr_ui_settle ();

  return GTK_WIDGET (window);
}

static GtkWidget *
sign_in_field (GtkWidget  *window,
               const char *name)
{
  GtkStack *stack = GTK_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "stack"));
  GtkWidget *page = gtk_stack_get_child_by_name (stack, "sign-in");

  return sr_ui_child (page, SR_TYPE_SIGN_IN_PAGE, name);
}

void
sr_ui_fill_sign_in (GtkWidget  *window,
                    gboolean    use_tls,
                    const char *address,
                    const char *email,
                    const char *password)
{
  GtkStack *stack = GTK_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "stack"));

  gtk_switch_set_active (GTK_SWITCH (sign_in_field (window, "tls_switch")), use_tls);
  sr_ui_type (sign_in_field (window, "server_row"), address);
  sr_ui_type (sign_in_field (window, "email_row"), email);
  sr_ui_type (sign_in_field (window, "password_row"), password);
  ck_assert (gtk_widget_activate_action (gtk_stack_get_child_by_name (stack, "sign-in"),
                                         "sign-in.sign-in", NULL));
}

static gboolean
on_main_page (gpointer data)
{
  return g_strcmp0 (sr_window_get_page (SR_WINDOW (data)), "main") == 0;
}

void
sr_ui_sign_in (GtkWidget    *window,
               SrTestServer *server,
               const char   *email)
{
  sr_ui_fill_sign_in (window, FALSE, sr_test_server_get_address (server), email, SR_TEST_PASSWORD);
  sr_ui_wait_until (on_main_page, window);
}

/* showroomctl, as another user at another counter would change things. */
void
sr_ui_ctl (SrTestServer *server,
           const char   *email,
           const char   *method,
           const char   *params)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              sr_test_program ("showroomctl"), "--server",
                              sr_test_server_get_address (server), "--no-tls", "--email", email,
                              "--password-stdin", "call", method, params, NULL);
  ck_assert_msg (process != NULL, "showroomctl: %s", error ? error->message : "");
  ck_assert (g_subprocess_communicate_utf8 (process, SR_TEST_PASSWORD "\n", NULL, &out, &err, &error));
  ck_assert_msg (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0,
                 "showroomctl %s failed: %s", method, err);
}

typedef struct {
  GType       type;
  const char *name;
  GtkWidget  *found;
} WindowQuery;

static gboolean
window_shown (gpointer data)
{
  WindowQuery *query = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) widget = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (widget, query->type) && gtk_widget_get_visible (widget) &&
          (query->name == NULL || g_strcmp0 (gtk_widget_get_name (widget), query->name) == 0))
        {
          query->found = widget;
          return TRUE;
        }
    }
  return FALSE;
}

GtkWidget *
sr_ui_wait_for_window (GType       type,
                       const char *name)
{
  WindowQuery query = { type, name, NULL };

  sr_ui_wait_until (window_shown, &query);
  return query.found;
}

void
sr_ui_respond (AdwMessageDialog *dialog,
               const char       *response)
{
  ck_assert_msg (adw_message_dialog_has_response (dialog, response), "no response %s", response);
  ck_assert_msg (adw_message_dialog_get_response_enabled (dialog, response), "%s is disabled", response);
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  sr_ui_settle ();
}

int
sr_ui_run (Suite *suite)
{
  SRunner *runner;
  int failed;

  sr_test_init ();
  sr_ui_init ();

  runner = srunner_create (suite);
  srunner_set_fork_status (runner, CK_NOFORK);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
