/* main.c: showroomd's entry point: parse the settings, then migrate, create the first
 * administrator, seed demo data and/or serve, in that order. */
#define G_LOG_DOMAIN "showroomd"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sr-migrate.h"
#include "sr-password.h"
#include "sr-platform.h"
#include "sr-seed.h"
#include "sr-server.h"

#define EXIT_USAGE 2

static GMainLoop *main_loop;

/* One line per message on stderr, with a level word journald and people can read. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;
  const char *word;
  g_autofree char *flat = NULL;

  if (g_log_writer_default_would_drop (level, NULL))
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if (level & G_LOG_LEVEL_ERROR)
    word = "error";
  else if (level & G_LOG_LEVEL_CRITICAL)
    word = "critical";
  else if (level & G_LOG_LEVEL_WARNING)
    word = "warning";
  else if (level & G_LOG_LEVEL_MESSAGE)
    word = "notice";
  else if (level & G_LOG_LEVEL_INFO)
    word = "info";
  else
    word = "debug";

  flat = g_strdup (message ? message : "");
  g_strdelimit (flat, "\r\n", ' ');
  fprintf (stderr, "%s %s: %s\n", word, domain ? domain : "showroomd", flat);
  fflush (stderr);

  return G_LOG_WRITER_HANDLED;
}

static gboolean
shutdown_done_cb (gpointer user_data)
{
  g_main_loop_quit (main_loop);
  return G_SOURCE_REMOVE;
}

static gboolean
terminate_cb (gpointer user_data)
{
  sr_server_shutdown (SR_SERVER (user_data), shutdown_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

static char *
read_password (void)
{
  GString *line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  return g_string_free (line, FALSE);
}

static int
serve (SrServer *server)
{
  g_autoptr(GError) error = NULL;

  /* Before the socket opens: a SIGTERM right after "listening" must still stop cleanly.
   * The handler runs once the main loop does. */
  main_loop = g_main_loop_new (NULL, FALSE);
  sr_platform_on_terminate (terminate_cb, server);

  if (!sr_server_start (server, &error))
    {
      g_printerr ("showroomd: %s\n", error->message);
      return 1;
    }

  g_message ("showroomd %s ready", PACKAGE_VERSION);
  g_main_loop_run (main_loop);
  g_clear_pointer (&main_loop, g_main_loop_unref);
  g_message ("stopped");

  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SrConfig) config = sr_config_new ();
  g_autoptr(SrServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_log_set_writer_func (log_writer, NULL, NULL);

  if (!sr_config_parse (config, &argc, &argv, &error))
    {
      g_printerr ("showroomd: %s\nTry showroomd --help.\n", error->message);
      return EXIT_USAGE;
    }

  if (config->db == NULL)
    {
      g_printerr ("showroomd: --db CONNINFO is required\nTry showroomd --help.\n");
      return EXIT_USAGE;
    }
  if (!config->migrate && config->create_admin == NULL && config->seed_demo < 0 &&
      config->listen == NULL)
    {
      g_printerr ("showroomd: nothing to do: give --migrate, --create-admin, --seed-demo or --listen\n");
      return EXIT_USAGE;
    }
  if (config->admin_name != NULL && config->create_admin == NULL)
    {
      g_printerr ("showroomd: --name goes with --create-admin\n");
      return EXIT_USAGE;
    }

  if (!sr_crypto_init (&error))
    {
      g_printerr ("showroomd: %s\n", error->message);
      return 1;
    }

  /* What --listen gets wrong is refused before anything is written to the database. */
  if (config->listen != NULL)
    {
      server = sr_server_new (config);
      if (!sr_server_prepare (server, &error))
        {
          g_printerr ("showroomd: %s\n", error->message);
          return 1;
        }
    }

  if (config->migrate)
    {
      guint applied = 0;

      if (!sr_migrate (config->db, &applied, &error))
        {
          g_printerr ("showroomd: migration failed: %s\n", error->message);
          return 1;
        }
      g_message ("database is up to date (%u migrations applied now)", applied);
    }

  if (config->create_admin != NULL)
    {
      g_autofree char *password = read_password ();

      if (!sr_seed_create_admin (config, password, &error))
        {
          g_printerr ("showroomd: %s\n", error->message);
          return 1;
        }
    }

  if (config->seed_demo >= 0)
    {
      if (!sr_seed_demo (config, config->seed_demo, &error))
        {
          g_printerr ("showroomd: %s\n", error->message);
          return 1;
        }
    }

  if (server != NULL)
    return serve (server);

  return 0;
}
