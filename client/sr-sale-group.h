/* sr-sale-group.h: a vehicle's sale on its page: reserve it for a customer, then
 * complete the sale or cancel the reservation, and print the receipt.
 *
 * The group follows the vehicle's status and its sale live, whoever changes them.
 */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-vehicle-store.h"

G_BEGIN_DECLS

#define SR_TYPE_SALE_GROUP (sr_sale_group_get_type ())

G_DECLARE_FINAL_TYPE (SrSaleGroup, sr_sale_group, SR, SALE_GROUP, AdwPreferencesGroup)

GtkWidget  *sr_sale_group_new          (SrClient       *client,
                                        SrVehicleStore *store,
                                        gint64          vehicle_id);
/* The vehicle's live sale (reserved or completed) as the server sent it, or NULL. */
JsonObject *sr_sale_group_get_sale     (SrSaleGroup    *self);

/* A payment method's label: "bank_transfer" -> "Bank Transfer". */
const char *sr_payment_method_label    (const char     *method);

G_END_DECLS
