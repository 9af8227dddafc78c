/* sr-customers-page.h: the branch's customers, found as the name or phone number is
 * typed, kept current from the live feed; a customer opens in their own window. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_CUSTOMERS_PAGE (sr_customers_page_get_type ())

G_DECLARE_FINAL_TYPE (SrCustomersPage, sr_customers_page, SR, CUSTOMERS_PAGE, GtkWidget)

GtkWidget *sr_customers_page_new          (SrClient        *client);
/* The customers listed now, in order: JsonObjects as the server sent them. */
GPtrArray *sr_customers_page_get_shown    (SrCustomersPage *self);
/* Whether the list shows the answer to the search as it stands (no query on its way). */
gboolean   sr_customers_page_is_settled   (SrCustomersPage *self);
/* Opens the customer's window; 0 for a new customer. */
void       sr_customers_page_open_customer (SrCustomersPage *self,
                                            gint64           customer_id);

G_END_DECLS
