/* sr-migrate.h: the numbered SQL migrations of data/sql/, compiled into the server. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Applies every migration not applied yet, in order, each in its own transaction, as
 * the user conninfo names. Safe to run concurrently: an advisory lock serialises it. */
gboolean sr_migrate (const char  *conninfo,
                     guint       *n_applied,
                     GError     **error);

G_END_DECLS
