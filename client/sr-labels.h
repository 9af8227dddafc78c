/* sr-labels.h: how the app names vehicles' fields and shows their values, the same
 * on every page: the stock list, a vehicle, its history, approvals and bulk updates;
 * and the words for customers, follow-ups and sales. */
#pragma once

#include <json-glib/json-glib.h>

#include "sr-vehicle.h"

G_BEGIN_DECLS

const char *sr_status_label       (SrVehicleStatus  status);
const char *sr_fuel_label         (SrVehicleFuel    fuel);
/* Amounts as the locale groups them: 845,000.00 (or 8,45,000.00 where that is the
 * custom). */
char       *sr_money_display      (gint64           paise);
/* "price" -> "Price", "odometer_km" -> "Odometer (km)"; the name itself if unknown. */
const char *sr_field_label        (const char      *field);
/* A field's value as the protocol sends it, shown to a person: money grouped, fuel and
 * status by their labels, an empty text or null as "—". */
char       *sr_field_value_display (const char     *field,
                                    JsonNode       *value);
/* "just now", "5 minutes ago", "3 hours ago", "2 days ago", from an RFC 3339 time;
 * NULL if it cannot be read. */
char       *sr_age_display        (const char      *timestamp,
                                   GDateTime       *now);


/* A protocol word shown to a person: "lead" -> "Lead", "test_drive" -> "Test drive",
 * "completed" -> "Purchased". An unknown word is returned as it is. */
const char *sr_customer_status_label (const char   *status);
const char *sr_followup_kind_label    (const char   *kind);
const char *sr_sale_status_label      (const char   *status);
/* When a follow-up is due, from @now: "in 5 minutes", "in 2 hours", "in 3 days",
 * "due now", "10 minutes overdue", "3 days overdue". */
char       *sr_due_display            (GDateTime    *due,
                                       GDateTime    *now);

G_END_DECLS
