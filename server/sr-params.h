/* sr-params.h: reading request params with the protocol's rules.
 *
 * Each getter either fills *out or fails with invalid_params naming the field. Absent
 * optional members leave *out untouched and return TRUE; JSON null counts as absent. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean  sr_param_int      (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             gint64        min,
                             gint64        max,
                             gint64       *out,
                             GError      **error);
gboolean  sr_param_string   (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             glong         max_chars,
                             const char  **out,
                             GError      **error);
/* A string that must hold more than white space. */
gboolean  sr_param_text     (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             glong         max_chars,
                             const char  **out,
                             GError      **error);
gboolean  sr_param_bool     (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             gboolean     *out,
                             GError      **error);
gboolean  sr_param_object   (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             JsonObject  **out,
                             GError      **error);
/* One of a fixed set of words. */
gboolean  sr_param_enum     (JsonObject   *params,
                             const char   *name,
                             gboolean      required,
                             const char  *const *values,
                             const char  **out,
                             GError      **error);
/* One word of the set or a list of them, as a PostgreSQL array literal ("{a,b}"). */
gboolean  sr_param_enum_set (JsonObject   *params,
                             const char   *name,
                             const char  *const *values,
                             char        **out,
                             GError      **error);
/* limit (1..max, default default_limit) and after (an opaque cursor string). */
/* YYYY-MM-DD naming a real day from 1900-01-01 to 9999-12-31. */
gboolean  sr_text_is_date   (const char   *text);
gboolean  sr_param_paging   (JsonObject   *params,
                             gint64        default_limit,
                             gint64        max_limit,
                             gint64       *limit,
                             const char  **after,
                             GError      **error);
/* Refuses members of an object (e.g. `changes`) outside the allowed list. */
gboolean  sr_param_only     (JsonObject   *object,
                             const char   *field,
                             const char  *const *allowed,
                             GError      **error);

/* A normalised e-mail address (trimmed, lower case) or NULL with invalid_params. */
char     *sr_param_email    (JsonObject   *params,
                             const char   *name,
                             GError      **error);

G_END_DECLS
