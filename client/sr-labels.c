/* sr-labels.c: names and shown values of vehicles' fields, and the words for customers,
 * follow-ups and sales. */
#include "config.h"

#include <glib/gi18n.h>

#include "sr-labels.h"

const char *
sr_status_label (SrVehicleStatus status)
{
  switch (status)
    {
    case SR_VEHICLE_STATUS_INCOMING:
      return _("Incoming");
    case SR_VEHICLE_STATUS_IN_STOCK:
      return _("In stock");
    case SR_VEHICLE_STATUS_RESERVED:
      return _("Reserved");
    case SR_VEHICLE_STATUS_SOLD:
      return _("Sold");
    case SR_VEHICLE_N_STATUSES:
    default:
      return "";
    }
}

const char *
sr_fuel_label (SrVehicleFuel fuel)
{
  switch (fuel)
    {
    case SR_VEHICLE_FUEL_PETROL:
      return _("Petrol");
    case SR_VEHICLE_FUEL_DIESEL:
      return _("Diesel");
    case SR_VEHICLE_FUEL_ELECTRIC:
      return _("Electric");
    case SR_VEHICLE_FUEL_HYBRID:
      return _("Hybrid");
    case SR_VEHICLE_FUEL_CNG:
      return _("CNG");
    case SR_VEHICLE_N_FUELS:
    default:
      return "";
    }
}

char *
sr_money_display (gint64 paise)
{
  return g_strdup_printf ("%'.2f", (double) paise / 100.0);
}

static const struct {
  const char *field;
  const char *label;
} field_labels[] = {
  { "stock_no", N_("Stock No.") },
  { "vin", N_("VIN") },
  { "make", N_("Make") },
  { "model", N_("Model") },
  { "variant", N_("Variant") },
  { "year", N_("Year") },
  { "color", N_("Colour") },
  { "fuel", N_("Fuel") },
  { "odometer_km", N_("Odometer (km)") },
  { "price", N_("Price") },
  { "cost", N_("Cost") },
  { "status", N_("Status") },
  { "branch_id", N_("Branch") },
  { "location", N_("Location") },
  { "arrived_on", N_("Arrived On") },
  { "notes", N_("Notes") },
};

const char *
sr_field_label (const char *field)
{
  for (gsize i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if (g_str_equal (field, field_labels[i].field))
      return _(field_labels[i].label);
  return field;
}

char *
sr_field_value_display (const char *field,
                        JsonNode   *value)
{
  const char *text;
  gint64 paise;
  SrVehicleFuel fuel;
  SrVehicleStatus status;

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("—");
  if (!JSON_NODE_HOLDS_VALUE (value))
    return json_to_string (value, FALSE);
  if (json_node_get_value_type (value) != G_TYPE_STRING)
    {
      if (json_node_get_value_type (value) == G_TYPE_INT64 && g_str_equal (field, "odometer_km"))
        return g_strdup_printf ("%'" G_GINT64_FORMAT, json_node_get_int (value));
      return json_to_string (value, FALSE);
    }

  text = json_node_get_string (value);
  if (*text == '\0')
    return g_strdup ("—");
  if ((g_str_equal (field, "price") || g_str_equal (field, "cost")) && sr_money_parse (text, &paise))
    return sr_money_display (paise);
  if (g_str_equal (field, "fuel") && sr_vehicle_fuel_from_string (text, &fuel))
    return g_strdup (sr_fuel_label (fuel));
  if (g_str_equal (field, "status") && sr_vehicle_status_from_string (text, &status))
    return g_strdup (sr_status_label (status));
  return g_strdup (text);
}

char *
sr_age_display (const char *timestamp,
                GDateTime  *now)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_iso8601 (timestamp, NULL);
  GTimeSpan age;
  int n;

  if (then == NULL)
    return NULL;

  age = MAX (g_date_time_difference (now, then), 0);
  if (age < G_TIME_SPAN_MINUTE)
    return g_strdup (_("just now"));
  if (age < G_TIME_SPAN_HOUR)
    {
      n = (int) (age / G_TIME_SPAN_MINUTE);
      return g_strdup_printf (g_dngettext (NULL, "%d minute ago",
                                           "%d minutes ago", n), n);
    }
  if (age < G_TIME_SPAN_DAY)
    {
      n = (int) (age / G_TIME_SPAN_HOUR);
      return g_strdup_printf (g_dngettext (NULL, "%d hour ago",
                                           "%d hours ago", n), n);
    }
  n = (int) (age / G_TIME_SPAN_DAY);
  return g_strdup_printf (g_dngettext (NULL, "%d day ago",
                                       "%d days ago", n), n);
}

const char *
sr_customer_status_label (const char *status)
{
  if (g_strcmp0 (status, "lead") == 0)
    /* Translators: a customer's status: someone interested who has not bought yet */
    return _("Lead");
  if (g_strcmp0 (status, "active") == 0)
    /* Translators: a customer's status */
    return _("Active");
  if (g_strcmp0 (status, "inactive") == 0)
    /* Translators: a customer's status */
    return _("Inactive");
  return status ? status : "";
}

const char *
sr_followup_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "call") == 0)
    /* Translators: a kind of follow-up: a phone call */
    return _("Call");
  if (g_strcmp0 (kind, "visit") == 0)
    /* Translators: a kind of follow-up: the customer comes to the showroom, or is visited */
    return _("Visit");
  if (g_strcmp0 (kind, "email") == 0)
    /* Translators: a kind of follow-up */
    return _("E-mail");
  if (g_strcmp0 (kind, "sms") == 0)
    /* Translators: a kind of follow-up: a text message */
    return _("SMS");
  if (g_strcmp0 (kind, "test_drive") == 0)
    /* Translators: a kind of follow-up */
    return _("Test drive");
  return kind ? kind : "";
}

const char *
sr_sale_status_label (const char *status)
{
  if (g_strcmp0 (status, "reserved") == 0)
    return _("Reserved");
  if (g_strcmp0 (status, "completed") == 0)
    /* Translators: a sale's status, from the customer's side: the vehicle is theirs */
    return _("Purchased");
  if (g_strcmp0 (status, "cancelled") == 0)
    /* Translators: a sale's status: a reservation that was called off */
    return _("Cancelled");
  return status ? status : "";
}

char *
sr_due_display (GDateTime *due,
                GDateTime *now)
{
  GTimeSpan span = g_date_time_difference (due, now);
  gboolean late = span <= 0;
  GTimeSpan size = late ? -span : span;
  int n;

  /* Within a minute either way it is simply due. */
  if (size < G_TIME_SPAN_MINUTE)
    return g_strdup (_("due now"));
  if (size < G_TIME_SPAN_HOUR)
    {
      n = (int) (size / G_TIME_SPAN_MINUTE);
      return late ? g_strdup_printf (g_dngettext (NULL, "%d minute overdue", "%d minutes overdue", n), n)
                  : g_strdup_printf (g_dngettext (NULL, "in %d minute", "in %d minutes", n), n);
    }
  /* Hours and days to the nearest: 1 h 59 min is "in 2 hours". */
  if (size < G_TIME_SPAN_DAY - G_TIME_SPAN_HOUR / 2)
    {
      n = (int) ((size + G_TIME_SPAN_HOUR / 2) / G_TIME_SPAN_HOUR);
      return late ? g_strdup_printf (g_dngettext (NULL, "%d hour overdue", "%d hours overdue", n), n)
                  : g_strdup_printf (g_dngettext (NULL, "in %d hour", "in %d hours", n), n);
    }
  n = (int) ((size + G_TIME_SPAN_DAY / 2) / G_TIME_SPAN_DAY);
  return late ? g_strdup_printf (g_dngettext (NULL, "%d day overdue", "%d days overdue", n), n)
              : g_strdup_printf (g_dngettext (NULL, "in %d day", "in %d days", n), n);
}
