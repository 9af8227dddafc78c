/* sr-dashboard-page.h: today's figures for managers: stock, sales and pending changes
 * from reports.summary, with charts of stock by status and of the last 30 days' sales,
 * kept current from the live feed. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_DASHBOARD_PAGE (sr_dashboard_page_get_type ())

G_DECLARE_FINAL_TYPE (SrDashboardPage, sr_dashboard_page, SR, DASHBOARD_PAGE, GtkWidget)

GtkWidget *sr_dashboard_page_new (SrClient *client);

G_END_DECLS
