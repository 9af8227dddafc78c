/* sr-vehicle-filter.h: the stock view's filter, with vehicles.list's criteria.
 */
#pragma once

#include <gtk/gtk.h>

#include "sr-vehicle.h"

G_BEGIN_DECLS

#define SR_TYPE_VEHICLE_FILTER (sr_vehicle_filter_get_type ())

G_DECLARE_FINAL_TYPE (SrVehicleFilter, sr_vehicle_filter, SR, VEHICLE_FILTER, GtkFilter)

/* A set of SrVehicleStatus, as bits; 0 means any status. */
#define SR_VEHICLE_STATUS_BIT(status) (1u << (status))
#define SR_VEHICLE_STATUS_ALL ((1u << SR_VEHICLE_N_STATUSES) - 1)

SrVehicleFilter *sr_vehicle_filter_new            (void);

void             sr_vehicle_filter_set_statuses   (SrVehicleFilter *self,
                                                   guint            statuses);
guint            sr_vehicle_filter_get_statuses   (SrVehicleFilter *self);
/* The whole make, ignoring case; NULL or "" for any. */
void             sr_vehicle_filter_set_make       (SrVehicleFilter *self,
                                                   const char      *make);
const char      *sr_vehicle_filter_get_make       (SrVehicleFilter *self);
/* An SrVehicleFuel, or -1 for any. */
void             sr_vehicle_filter_set_fuel       (SrVehicleFilter *self,
                                                   int              fuel);
int              sr_vehicle_filter_get_fuel       (SrVehicleFilter *self);
/* Inclusive bounds in paise; -1 for none. */
void             sr_vehicle_filter_set_price_min  (SrVehicleFilter *self,
                                                   gint64           paise);
gint64           sr_vehicle_filter_get_price_min  (SrVehicleFilter *self);
void             sr_vehicle_filter_set_price_max  (SrVehicleFilter *self,
                                                   gint64           paise);
gint64           sr_vehicle_filter_get_price_max  (SrVehicleFilter *self);
/* Part of stock_no, vin, make, model, variant or color, ignoring case (as typed in
 * the search box); NULL or "" for any. */
void             sr_vehicle_filter_set_text       (SrVehicleFilter *self,
                                                   const char      *text);
const char      *sr_vehicle_filter_get_text       (SrVehicleFilter *self);

/* The same criteria as vehicles.list's `filter` object (status list, make, fuel,
 * price_min and price_max as money strings, text), for asking the server about
 * exactly the vehicles the filter shows. An empty object for "any". */
JsonObject      *sr_vehicle_filter_to_params      (SrVehicleFilter *self);

G_END_DECLS
