/* sr-approvals-page.h: proposed vehicle changes. Managers decide the pending ones of
 * their branch; sales staff follow their own proposals and what became of them. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-vehicle-store.h"

G_BEGIN_DECLS

#define SR_TYPE_APPROVALS_PAGE (sr_approvals_page_get_type ())

G_DECLARE_FINAL_TYPE (SrApprovalsPage, sr_approvals_page, SR, APPROVALS_PAGE, GtkWidget)

/* @store: the stock view's, for each edit's vehicle as it is now. */
GtkWidget *sr_approvals_page_new               (SrClient        *client,
                                                SrVehicleStore  *store);
/* Managers: proposals of others waiting for a decision. Sales: their own pending
 * proposals. A batch counts as one. */
guint      sr_approvals_page_get_pending_count (SrApprovalsPage *self);

G_END_DECLS
