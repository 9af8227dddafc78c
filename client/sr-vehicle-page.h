/* sr-vehicle-page.h: one vehicle, every field, in its own window: validated as it is
 * typed, saved by a manager or proposed by sales staff, with the vehicle's history.
 *
 * The page follows the store: a change made elsewhere shows at once in the fields the
 * user has not touched; what the user typed is kept, across reconnects too, and a save
 * over another's change shows both side by side.
 */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-vehicle-store.h"

G_BEGIN_DECLS

#define SR_TYPE_VEHICLE_PAGE (sr_vehicle_page_get_type ())

G_DECLARE_FINAL_TYPE (SrVehiclePage, sr_vehicle_page, SR, VEHICLE_PAGE, AdwWindow)

/* @vehicle_id: a vehicle of @store, or 0 for a new one (managers). */
SrVehiclePage *sr_vehicle_page_new            (GtkWindow      *parent,
                                               SrClient       *client,
                                               SrVehicleStore *store,
                                               gint64          vehicle_id);
/* The page already open for @vehicle_id (0: a new vehicle's), or NULL. */
SrVehiclePage *sr_vehicle_page_find           (gint64          vehicle_id);
gint64         sr_vehicle_page_get_vehicle_id (SrVehiclePage  *self);
/* The field's entry or combo row ("vin", "price", "fuel"...), or NULL. */
GtkWidget     *sr_vehicle_page_get_field      (SrVehiclePage  *self,
                                               const char     *name);
/* Why the form cannot be saved now, as shown to the user; NULL when it can. */
const char    *sr_vehicle_page_get_problem    (SrVehiclePage  *self);

G_END_DECLS
