/* sr-application.c: application set-up: translations, settings, the window, About. */
#define G_LOG_DOMAIN "sr-application"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sr-application.h"
#include "sr-client.h"
#include "sr-window.h"

struct _SrApplication
{
  AdwApplication  parent_instance;

  /* Owned */
  GSettings      *settings;
  SrClient       *client;
  char           *server;    /* --server */
  gboolean        no_tls;    /* --no-tls */
};

G_DEFINE_FINAL_TYPE (SrApplication, sr_application, ADW_TYPE_APPLICATION)

void
sr_application_init_i18n (void)
{
  const char *localedir = g_getenv ("SHOWROOM_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* The default domain, so GtkBuilder templates translate with it too. */
  textdomain (GETTEXT_PACKAGE);
}

GSettings *
sr_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SR_APPLICATION_ID, TRUE);

  /* Run from the build tree: the schema compiled next to the build. */
  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (SR_BUILD_SCHEMA_DIR, source,
                                                                  FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, SR_APPLICATION_ID, FALSE);
    }

  if (schema == NULL)
    {
      g_warning ("settings schema %s not found: nothing will be remembered", SR_APPLICATION_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  const char *developers[] = { _("The Showroom developers"), NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", _("Showroom"),
                         "application-icon", SR_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Live stock, approvals and sales for vehicle dealerships"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
};

static void
sr_application_startup (GApplication *application)
{
  SrApplication *self = SR_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (sr_application_parent_class)->startup (application);

  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/showroom/Showroom/icons");
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  self->settings = sr_settings_new ();
  self->client = sr_client_new (self->settings);
}

static void
sr_application_activate (GApplication *application)
{
  SrApplication *self = SR_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (sr_window_new (GTK_APPLICATION (self), self->client, self->settings));
      if (self->server != NULL)
        sr_window_set_server (SR_WINDOW (window), self->server, !self->no_tls);
      sr_window_start (SR_WINDOW (window));
    }

  gtk_window_present (window);
}

static int
sr_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  SrApplication *self = SR_APPLICATION (application);

  g_variant_dict_lookup (options, "server", "s", &self->server);
  g_variant_dict_lookup (options, "no-tls", "b", &self->no_tls);

  return -1;
}

static void
sr_application_shutdown (GApplication *application)
{
  SrApplication *self = SR_APPLICATION (application);

  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->server, g_free);

  G_APPLICATION_CLASS (sr_application_parent_class)->shutdown (application);
}

SrApplication *
sr_application_new (void)
{
  return g_object_new (SR_TYPE_APPLICATION,
                       "application-id", SR_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/showroom/Showroom",
                       NULL);
}

static void
sr_application_class_init (SrApplicationClass *klass)
{
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  application_class->startup = sr_application_startup;
  application_class->activate = sr_application_activate;
  application_class->shutdown = sr_application_shutdown;
  application_class->handle_local_options = sr_application_handle_local_options;
}

static const GOptionEntry options[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Offer this server (host:port) on the sign-in page"), N_("ADDRESS") },
  { "no-tls", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Connect without encryption (only for a server on this computer)"), NULL },
  { NULL }
};

static void
sr_application_init (SrApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}
