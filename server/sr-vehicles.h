/* sr-vehicles.h: the vehicle rules, shared by the vehicle methods, proposals and bulk
 * updates. */
#pragma once

#include "sr-dispatch.h"

G_BEGIN_DECLS

extern const char *const sr_fuel_names[];
extern const char *const sr_vehicle_status_names[];

gboolean  sr_money_valid           (const char     *text);
/* An amount sr_money_valid() took, as the protocol writes money: "12" -> "12.00". */
char     *sr_money_canonical       (const char     *valid);
/* An optional member @name of @object that must be an amount ("845000.00"): *out stays
 * as it was when the member is absent. */
gboolean  sr_param_money           (JsonObject     *object,
                                    const char     *name,
                                    const char    **out,
                                    GError        **error);
gboolean  sr_vehicle_check_fields  (JsonObject     *fields,
                                    const char     *prefix,
                                    gboolean        creating,
                                    const SrActor  *actor,
                                    GError        **error);
JsonNode *sr_vehicle_for           (const char     *json_text,
                                    SrRole          role,
                                    GError        **error);
JsonNode *sr_record_for            (const char     *entity,
                                    const char     *json_text,
                                    SrRole          role,
                                    GError        **error);
void      sr_vehicle_conflict      (SrDb           *db,
                                    SrRole          role,
                                    gint64          id,
                                    GError        **error);
void      sr_vehicle_write_error   (SrDb           *db,
                                    GError        **local_error,
                                    GError        **error);
JsonNode *sr_vehicle_apply         (SrDb           *db,
                                    SrRole          role,
                                    gint64          id,
                                    gint64          version,
                                    JsonObject     *changes,
                                    GError        **error);

/* vehicles.list's filter, as SQL over `vehicles v` taking $1..$7. */
#define SR_VEHICLE_FILTER_N 7
#define SR_VEHICLE_FILTER_SQL \
  "($1::bigint IS NULL OR v.branch_id = $1)" \
  " AND ($2::vehicle_status[] IS NULL OR v.status = ANY ($2))" \
  " AND ($3::text IS NULL OR lower(v.make) = lower($3))" \
  " AND ($4::fuel_type IS NULL OR v.fuel = $4)" \
  " AND ($5::numeric IS NULL OR v.price >= $5)" \
  " AND ($6::numeric IS NULL OR v.price <= $6)" \
  " AND ($7::text IS NULL OR lower(v.stock_no || ' ' || v.vin || ' ' || v.make || ' ' ||" \
  "      v.model || ' ' || v.variant || ' ' || v.color) LIKE '%' || $7 || '%')"

typedef struct {
  const char *values[SR_VEHICLE_FILTER_N];
  /* Owned */
  char       *statuses;
  char       *pattern;
  JsonObject *empty;
  char        branch_text[32];
} SrVehicleFilter;

gboolean  sr_vehicle_filter_init   (SrVehicleFilter  *self,
                                    JsonObject       *filter,
                                    const SrActor    *actor,
                                    GError          **error);
void      sr_vehicle_filter_clear  (SrVehicleFilter  *self);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SrVehicleFilter, sr_vehicle_filter_clear)

G_END_DECLS
