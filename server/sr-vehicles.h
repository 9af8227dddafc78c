/* sr-vehicles.h: the vehicle rules, shared by the vehicle methods and (later) by
 * proposals and bulk updates. */
#pragma once

#include "sr-dispatch.h"

G_BEGIN_DECLS

extern const char *const sr_fuel_names[];
extern const char *const sr_vehicle_status_names[];

gboolean  sr_money_valid           (const char     *text);
gboolean  sr_vehicle_check_fields  (JsonObject     *fields,
                                    const char     *prefix,
                                    gboolean        creating,
                                    const SrActor  *actor,
                                    GError        **error);
JsonNode *sr_vehicle_for           (const char     *json_text,
                                    SrRole          role,
                                    GError        **error);
JsonNode *sr_vehicle_apply         (SrDb           *db,
                                    SrRole          role,
                                    gint64          id,
                                    gint64          version,
                                    JsonObject     *changes,
                                    GError        **error);

G_END_DECLS
