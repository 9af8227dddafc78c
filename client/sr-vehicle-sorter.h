/* sr-vehicle-sorter.h: orders SrVehicles by one column of the stock view.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Every column the stock view can sort by. */
typedef enum {
  SR_VEHICLE_COLUMN_ID,
  SR_VEHICLE_COLUMN_STOCK_NO,
  SR_VEHICLE_COLUMN_VIN,
  SR_VEHICLE_COLUMN_MAKE,
  SR_VEHICLE_COLUMN_MODEL,
  SR_VEHICLE_COLUMN_VARIANT,
  SR_VEHICLE_COLUMN_YEAR,
  SR_VEHICLE_COLUMN_COLOR,
  SR_VEHICLE_COLUMN_FUEL,
  SR_VEHICLE_COLUMN_ODOMETER_KM,
  SR_VEHICLE_COLUMN_PRICE,
  SR_VEHICLE_COLUMN_COST,
  SR_VEHICLE_COLUMN_MARGIN,
  SR_VEHICLE_COLUMN_STATUS,
  SR_VEHICLE_COLUMN_BRANCH_ID,
  SR_VEHICLE_COLUMN_LOCATION,
  SR_VEHICLE_COLUMN_ARRIVED_ON,
  /* Today minus arrived_on: arrived_on's order reversed. */
  SR_VEHICLE_COLUMN_DAYS_IN_STOCK,
  SR_VEHICLE_COLUMN_UPDATED_AT,
  SR_VEHICLE_N_COLUMNS
} SrVehicleColumn;

#define SR_TYPE_VEHICLE_SORTER (sr_vehicle_sorter_get_type ())

G_DECLARE_FINAL_TYPE (SrVehicleSorter, sr_vehicle_sorter, SR, VEHICLE_SORTER, GtkSorter)

SrVehicleSorter *sr_vehicle_sorter_new            (SrVehicleColumn  column,
                                                   gboolean         descending);
SrVehicleColumn  sr_vehicle_sorter_get_column     (SrVehicleSorter *self);
void             sr_vehicle_sorter_set_column     (SrVehicleSorter *self,
                                                   SrVehicleColumn  column);
gboolean         sr_vehicle_sorter_get_descending (SrVehicleSorter *self);
void             sr_vehicle_sorter_set_descending (SrVehicleSorter *self,
                                                   gboolean         descending);

G_END_DECLS
