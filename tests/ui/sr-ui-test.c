/* sr-ui-test.c: helpers for the UI suite. */
#define G_LOG_DOMAIN "sr-ui-test"

#include "config.h"

#include <check.h>

#include "sr-sign-in-page.h"
#include "sr-ui-test.h"

#define HANG_GUARD_S 60

void
sr_ui_init (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_init ();
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
    g_source_remove (id);
  ck_assert_msg (!timed_out, "condition not met within %d s", HANG_GUARD_S);
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
