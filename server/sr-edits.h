/* sr-edits.h: pending edits, shared with bulk updates (a sales user's bulk update
 * files one pending edit per row). */
#pragma once

#include "sr-dispatch.h"

G_BEGIN_DECLS

extern const char *const sr_edit_status_names[];

JsonNode *sr_edit_for             (const char     *json_text,
                                   SrRole          role,
                                   GError        **error);
JsonArray *sr_edit_array          (PGresult       *result,
                                   int             n_rows,
                                   int             column,
                                   SrRole          role,
                                   GError        **error);
gboolean  sr_edit_check_changes   (JsonObject     *changes,
                                   const char     *prefix,
                                   const SrActor  *actor,
                                   GError        **error);

G_END_DECLS
