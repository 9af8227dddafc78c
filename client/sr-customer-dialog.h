/* sr-customer-dialog.h: one customer in their own window: name, phone, e-mail, city,
 * status and notes, checked as they are typed; and for a customer already on file their
 * history: follow-ups, reservations and purchases, with "Add Follow-up…".
 */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_CUSTOMER_DIALOG (sr_customer_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SrCustomerDialog, sr_customer_dialog, SR, CUSTOMER_DIALOG, AdwWindow)

/* Shows the customer's window (the one already open for them, if any): @customer_id 0
 * for a new customer. @customer, when the caller has it, fills the form at once; the
 * window reads the customer from the server either way. */
SrCustomerDialog *sr_customer_dialog_open         (GtkWindow        *parent,
                                                   SrClient         *client,
                                                   gint64            customer_id,
                                                   JsonObject       *customer);
/* The window already open for @customer_id (0: a new customer's), or NULL. */
SrCustomerDialog *sr_customer_dialog_find         (gint64            customer_id);
gint64            sr_customer_dialog_get_id       (SrCustomerDialog *self);
/* The field's row: "name", "phone", "email", "city", "status", "notes"; or NULL. */
GtkWidget        *sr_customer_dialog_get_field    (SrCustomerDialog *self,
                                                   const char       *name);
/* Why the form cannot be saved now, as shown to the user; NULL when it can. */
const char       *sr_customer_dialog_get_problem  (SrCustomerDialog *self);
/* Whether the history (follow-ups, reservations, purchases) has been read. */
gboolean          sr_customer_dialog_history_loaded (SrCustomerDialog *self);

/* A phone number as typed, spaces and dashes taken out: what the server is sent. */
char             *sr_customer_normalize_phone     (const char       *text);
/* What is wrong with a phone number or an e-mail address as typed, or NULL when it is
 * fine (an empty one is fine). */
char             *sr_customer_phone_problem       (const char       *text);
char             *sr_customer_email_problem       (const char       *text);

G_END_DECLS
