/* sr-vehicle.h: one vehicle of the stock, as plain C fields.
 *
 * Built from the protocol's Vehicle object and kept current from events by
 * SrVehicleStore. Sorting and filtering read precomputed keys, so a view over
 * 100,000 of these never parses or case-folds anything per comparison.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* In the order of the database's enums: sorting by fuel or status follows it, as the
 * server's vehicles.list does. */
typedef enum {
  SR_VEHICLE_FUEL_PETROL,
  SR_VEHICLE_FUEL_DIESEL,
  SR_VEHICLE_FUEL_ELECTRIC,
  SR_VEHICLE_FUEL_HYBRID,
  SR_VEHICLE_FUEL_CNG,
  SR_VEHICLE_N_FUELS
} SrVehicleFuel;

typedef enum {
  SR_VEHICLE_STATUS_INCOMING,
  SR_VEHICLE_STATUS_IN_STOCK,
  SR_VEHICLE_STATUS_RESERVED,
  SR_VEHICLE_STATUS_SOLD,
  SR_VEHICLE_N_STATUSES
} SrVehicleStatus;

#define SR_TYPE_VEHICLE (sr_vehicle_get_type ())

G_DECLARE_FINAL_TYPE (SrVehicle, sr_vehicle, SR, VEHICLE, GObject)

SrVehicle     *sr_vehicle_new_from_json     (JsonObject    *object,
                                             GError       **error);
/* Takes every member of @object, a Vehicle of the same id. Returns TRUE when a value
 * changed; FALSE when none did, or with @error set when @object cannot be read (then
 * nothing changes). */
gboolean       sr_vehicle_update_from_json  (SrVehicle     *self,
                                             JsonObject    *object,
                                             GError       **error);

/* A snapshot: the store changes its vehicles in place as events arrive. */
SrVehicle     *sr_vehicle_copy              (SrVehicle     *self);

gint64         sr_vehicle_get_id            (SrVehicle     *self);
const char    *sr_vehicle_get_stock_no      (SrVehicle     *self);
const char    *sr_vehicle_get_vin           (SrVehicle     *self);
const char    *sr_vehicle_get_make          (SrVehicle     *self);
const char    *sr_vehicle_get_model         (SrVehicle     *self);
const char    *sr_vehicle_get_variant       (SrVehicle     *self);
int            sr_vehicle_get_year          (SrVehicle     *self);
const char    *sr_vehicle_get_color         (SrVehicle     *self);
SrVehicleFuel  sr_vehicle_get_fuel          (SrVehicle     *self);
gint64         sr_vehicle_get_odometer_km   (SrVehicle     *self);
/* Money in paise (hundredths): "845000.50" is 84500050. */
gint64         sr_vehicle_get_price         (SrVehicle     *self);
/* Cost is absent for sales users: then has_cost is FALSE and cost and margin are 0. */
gboolean       sr_vehicle_get_has_cost      (SrVehicle     *self);
gint64         sr_vehicle_get_cost          (SrVehicle     *self);
gint64         sr_vehicle_get_margin        (SrVehicle     *self);
SrVehicleStatus sr_vehicle_get_status       (SrVehicle     *self);
gint64         sr_vehicle_get_branch_id     (SrVehicle     *self);
const char    *sr_vehicle_get_location      (SrVehicle     *self);
/* GDate's Julian day number (day 1 is 0001-01-01). */
guint32        sr_vehicle_get_arrived_on    (SrVehicle     *self);
int            sr_vehicle_days_in_stock     (SrVehicle     *self,
                                             guint32        today_julian);
const char    *sr_vehicle_get_notes         (SrVehicle     *self);
gint64         sr_vehicle_get_version       (SrVehicle     *self);
/* As the server sent it (RFC 3339), and as microseconds since the Unix epoch. */
const char    *sr_vehicle_get_updated_at    (SrVehicle     *self);
gint64         sr_vehicle_get_updated_at_us (SrVehicle     *self);
/* stock_no, vin, make, model, variant and color, lower-cased and joined by spaces:
 * what vehicles.list's `text` filter searches. */
const char    *sr_vehicle_get_search_text   (SrVehicle     *self);

/* The protocol's forms: "845000.00" (NULL for an absent cost), "2025-06-07". */
char          *sr_vehicle_format_price      (SrVehicle     *self);
char          *sr_vehicle_format_cost       (SrVehicle     *self);
char          *sr_vehicle_format_arrived_on (SrVehicle     *self);

const char    *sr_vehicle_fuel_to_string    (SrVehicleFuel  fuel);
gboolean       sr_vehicle_fuel_from_string  (const char    *text,
                                             SrVehicleFuel *fuel);
const char    *sr_vehicle_status_to_string  (SrVehicleStatus status);
gboolean       sr_vehicle_status_from_string (const char     *text,
                                              SrVehicleStatus *status);

/* "845000", "845000.5", "845000.50" -> paise; FALSE for anything else. */
gboolean       sr_money_parse               (const char    *text,
                                             gint64        *paise);
char          *sr_money_format              (gint64         paise);

G_END_DECLS
