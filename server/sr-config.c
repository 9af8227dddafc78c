/* sr-config.c: command line and key file.
 *
 * The key file (--config) has one [server] group; every key is optional:
 *   db, listen, tls-cert, tls-key, state-dir, allowed-email-domains (list), max-frame,
 *   idle-timeout-s, stall-timeout-s, pool-size, session-idle-hours, session-max-days,
 *   max-queued-kib
 */
#define G_LOG_DOMAIN "sr-config"

#include "config.h"

#include <string.h>

#include "sr-config.h"
#include "sr-frame.h"

SrConfig *
sr_config_new (void)
{
  SrConfig *self = g_new0 (SrConfig, 1);

  self->seed_demo = -1;
  self->max_frame = SR_FRAME_DEFAULT_MAX;
  self->idle_timeout_s = 10 * 60;
  self->stall_timeout_s = 30;
  /* Twice the cores, within 4..32: on a 2-core server, 4 connections that pipeline
   * their reads outrun 8 that compete for the same cores (docs/performance.md). */
  self->pool_size = CLAMP (2 * (gint) g_get_num_processors (), 4, 32);
  self->session_idle_s = 12 * 3600;
  self->session_max_s = 7 * 24 * 3600;
  self->max_queued_bytes = 8 * 1024 * 1024;

  return self;
}

void
sr_config_free (SrConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->create_admin);
  g_free (self->admin_name);
  g_free (self->db);
  g_free (self->listen);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_free (self->state_dir);
  g_strfreev (self->allowed_domains);
  g_free (self);
}

static char **
split_domains (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *domain = g_utf8_strdown (g_strstrip (parts[i]), -1);

      if (*domain == '@')
        memmove (domain, domain + 1, strlen (domain));
      if (*domain != '\0')
        g_ptr_array_add (out, domain);
      else
        g_free (domain);
    }
  g_ptr_array_add (out, NULL);

  return (char **) g_ptr_array_free (out, FALSE);
}

static void
take_string (char       **slot,
             GKeyFile    *file,
             const char  *key)
{
  char *value;

  if (*slot != NULL)
    return;
  value = g_key_file_get_string (file, "server", key, NULL);
  if (value != NULL)
    *slot = value;
}

static gboolean
take_int (gint64      *slot,
          gboolean     given,
          GKeyFile    *file,
          const char  *key,
          gint64       scale,
          gint64       min,
          gint64       max,
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 value;

  if (given || !g_key_file_has_key (file, "server", key, NULL))
    return TRUE;

  value = g_key_file_get_int64 (file, "server", key, &local_error);
  if (local_error != NULL || value < min || value > max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s must be a number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   key, min, max);
      return FALSE;
    }

  *slot = value * scale;
  return TRUE;
}

/* A key the server does not know is refused, not skipped: "no-tls=true" or a typo
 * would otherwise change nothing without a word. */
static gboolean
known_keys_only (GKeyFile  *file,
                 GError   **error)
{
  static const char *const keys[] = {
    "db", "listen", "tls-cert", "tls-key", "state-dir", "allowed-email-domains",
    "max-frame", "idle-timeout-s", "stall-timeout-s", "pool-size", "session-idle-hours",
    "session-max-days", "max-queued-kib", NULL
  };
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) names = NULL;

      if (!g_str_equal (groups[i], "server"))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                       "unknown group [%s]; the settings go under [server]", groups[i]);
          return FALSE;
        }
      names = g_key_file_get_keys (file, groups[i], NULL, NULL);
      for (guint j = 0; names != NULL && names[j] != NULL; j++)
        if (!g_strv_contains (keys, names[j]))
          {
            g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                         "unknown key “%s” in [server]", names[j]);
            return FALSE;
          }
    }

  return TRUE;
}

gboolean
sr_config_parse (SrConfig   *self,
                 int        *argc,
                 char     ***argv,
                 GError    **error)
{
  g_autofree char *config_file = NULL;
  g_autofree char *domains = NULL;
  gint64 max_frame = 0;
  gint pool_size = 0;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &self->db,
      "PostgreSQL connection string", "CONNINFO" },
    { "migrate", 0, 0, G_OPTION_ARG_NONE, &self->migrate,
      "Apply pending migrations and exit", NULL },
    { "create-admin", 0, 0, G_OPTION_ARG_STRING, &self->create_admin,
      "Create an administrator (password read from standard input) and exit", "EMAIL" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &self->admin_name,
      "Full name for --create-admin", "NAME" },
    { "seed-demo", 0, 0, G_OPTION_ARG_INT, &self->seed_demo,
      "Add demo branches, users and N vehicles, then exit", "N" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &self->listen,
      "Serve on this address (e.g. 0.0.0.0:7460)", "HOST:PORT" },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &self->no_tls,
      "Serve without TLS (loopback addresses only)", NULL },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &self->tls_cert,
      "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &self->tls_key,
      "TLS private key (PEM)", "FILE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &self->state_dir,
      "Where the generated certificate is kept", "DIR" },
    { "allowed-email-domains", 0, 0, G_OPTION_ARG_STRING, &domains,
      "Only these e-mail domains may be given to new users", "a.com,b.com" },
    { "max-frame", 0, 0, G_OPTION_ARG_INT64, &max_frame,
      "Largest request frame in bytes (default 1048576)", "BYTES" },
    { "pool-size", 0, 0, G_OPTION_ARG_INT, &pool_size,
      "PostgreSQL connections (default: twice the CPU cores, 4 to 32)", "N" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file,
      "Read settings from this key file", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the Showroom server");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unexpected argument “%s”", (*argv)[1]);
      return FALSE;
    }

  if (version)
    {
      g_print ("showroomd %s (protocol %d)\n", PACKAGE_VERSION, SR_PROTOCOL_VERSION);
      exit (0);
    }

  if (domains != NULL)
    self->allowed_domains = split_domains (domains);
  if (max_frame != 0)
    {
      if (max_frame < 1024 || max_frame > 16 * 1024 * 1024)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--max-frame must be from 1024 to 16777216");
          return FALSE;
        }
      self->max_frame = max_frame;
    }
  if (pool_size != 0)
    {
      if (pool_size < 1 || pool_size > 256)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--pool-size must be from 1 to 256");
          return FALSE;
        }
      self->pool_size = pool_size;
    }

  if (config_file != NULL)
    {
      g_autoptr(GKeyFile) file = g_key_file_new ();
      g_autoptr(GError) local_error = NULL;
      gint64 pool = self->pool_size;
      gsize n = 0;

      if (!g_key_file_load_from_file (file, config_file, G_KEY_FILE_NONE, &local_error))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                       "cannot read %s: %s", config_file, local_error->message);
          return FALSE;
        }

      if (!known_keys_only (file, error))
        {
          g_prefix_error (error, "%s: ", config_file);
          return FALSE;
        }

      take_string (&self->db, file, "db");
      take_string (&self->listen, file, "listen");
      take_string (&self->tls_cert, file, "tls-cert");
      take_string (&self->tls_key, file, "tls-key");
      take_string (&self->state_dir, file, "state-dir");
      if (self->allowed_domains == NULL &&
          g_key_file_has_key (file, "server", "allowed-email-domains", NULL))
        {
          g_auto(GStrv) list = g_key_file_get_string_list (file, "server",
                                                           "allowed-email-domains", &n, NULL);
          g_autofree char *joined = list ? g_strjoinv (",", list) : g_strdup ("");

          self->allowed_domains = split_domains (joined);
        }

      if (!take_int (&self->max_frame, max_frame != 0, file, "max-frame", 1,
                     1024, 16 * 1024 * 1024, error) ||
          !take_int (&self->idle_timeout_s, FALSE, file, "idle-timeout-s", 1,
                     10, 7 * 24 * 3600, error) ||
          !take_int (&self->stall_timeout_s, FALSE, file, "stall-timeout-s", 1,
                     1, 3600, error) ||
          !take_int (&pool, pool_size != 0, file, "pool-size", 1, 1, 256, error) ||
          !take_int (&self->session_idle_s, FALSE, file, "session-idle-hours", 3600,
                     1, 24 * 365, error) ||
          !take_int (&self->session_max_s, FALSE, file, "session-max-days", 24 * 3600,
                     1, 365, error) ||
          !take_int (&self->max_queued_bytes, FALSE, file, "max-queued-kib", 1024,
                     64, 1024 * 1024, error))
        {
          g_prefix_error (error, "%s: ", config_file);
          return FALSE;
        }
      self->pool_size = pool;
    }

  if (self->allowed_domains != NULL && self->allowed_domains[0] == NULL)
    g_clear_pointer (&self->allowed_domains, g_strfreev);

  if (self->state_dir == NULL)
    {
      const char *systemd_state = g_getenv ("STATE_DIRECTORY");

      if (systemd_state != NULL && *systemd_state != '\0')
        self->state_dir = g_strdup (systemd_state);
      else
        self->state_dir = g_build_filename (g_get_user_data_dir (), "showroomd", NULL);
    }

  return TRUE;
}

gboolean
sr_config_email_allowed (const SrConfig *self,
                         const char     *email)
{
  const char *at;

  if (self->allowed_domains == NULL)
    return TRUE;

  at = strrchr (email, '@');
  return at != NULL && g_strv_contains ((const char * const *) self->allowed_domains, at + 1);
}
