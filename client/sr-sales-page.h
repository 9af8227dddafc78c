/* sr-sales-page.h: the branch's sales, newest first and live: reservations, completed
 * sales with their receipts, and cancellations. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-stock-view.h"

G_BEGIN_DECLS

#define SR_TYPE_SALES_PAGE (sr_sales_page_get_type ())

G_DECLARE_FINAL_TYPE (SrSalesPage, sr_sales_page, SR, SALES_PAGE, GtkWidget)

/* @stock: the window's stock view, whose vehicles the sales name and open. */
GtkWidget *sr_sales_page_new        (SrClient    *client,
                                     SrStockView *stock);
/* How many sales the page shows now, after its filters. */
guint      sr_sales_page_get_shown  (SrSalesPage *self);

G_END_DECLS
