/* sr-stock-view.h: every vehicle the user may see, live: search, filters, sortable
 * columns, and the count shown of the total. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-vehicle-filter.h"
#include "sr-vehicle-store.h"

G_BEGIN_DECLS

#define SR_TYPE_STOCK_VIEW (sr_stock_view_get_type ())

G_DECLARE_FINAL_TYPE (SrStockView, sr_stock_view, SR, STOCK_VIEW, GtkWidget)

GtkWidget      *sr_stock_view_new        (SrClient    *client);
SrVehicleStore *sr_stock_view_get_store  (SrStockView *self);
/* What the view shows now, filtered and sorted. */
GListModel     *sr_stock_view_get_shown  (SrStockView *self);
/* The filter behind the search box and the filter bar. */
SrVehicleFilter *sr_stock_view_get_filter (SrStockView *self);

/* Opens the vehicle's page (the one already open, if any); 0 for a new vehicle. */
void            sr_stock_view_open_vehicle (SrStockView *self,
                                            gint64       vehicle_id);

G_END_DECLS
