/* sr-members.h: reading a record's members as the server sent them, forgivingly: a
 * member that is absent or of another type reads as empty, so a view shows a blank
 * rather than failing on a record it does not fully know. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The string, or "" (never NULL); @object may be NULL. */
const char *sr_member_string (JsonObject *object,
                              const char *name);
/* The integer, or 0. */
gint64      sr_member_int    (JsonObject *object,
                              const char *name);
/* An amount ("845000.50") in paise, or 0. */
gint64      sr_member_money  (JsonObject *object,
                              const char *name);
/* The object (borrowed), or NULL. */
JsonObject *sr_member_object (JsonObject *object,
                              const char *name);

G_END_DECLS
