/* sr-config.h: showroomd's settings, from the command line and an optional key file.
 *
 * Read once at start and never changed afterwards, so worker threads may read it
 * without locks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* What to do */
  gboolean   migrate;
  char      *create_admin;     /* e-mail */
  char      *admin_name;
  gint       seed_demo;        /* vehicles; -1 when not asked */

  /* How to serve */
  char      *db;
  char      *listen;           /* HOST:PORT, NULL when not serving */
  gboolean   no_tls;
  char      *tls_cert;
  char      *tls_key;
  char      *state_dir;
  char     **allowed_domains;  /* NULL: any domain */
  gint64     max_frame;
  gint64     idle_timeout_s;
  gint64     stall_timeout_s;
  gint       pool_size;
  gint64     session_idle_s;
  gint64     session_max_s;
  gint64     max_queued_bytes; /* per connection, before a slow reader is cut off */
} SrConfig;

SrConfig *sr_config_new         (void);
void      sr_config_free        (SrConfig    *self);
/* Parses argv (removing what it understands) and the --config key file; command-line
 * values win over the file. */
gboolean  sr_config_parse       (SrConfig    *self,
                                 int         *argc,
                                 char      ***argv,
                                 GError     **error);
gboolean  sr_config_email_allowed (const SrConfig *self,
                                   const char     *email);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrConfig, sr_config_free)

G_END_DECLS
