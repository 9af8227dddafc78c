/* sr-labels.c: names and shown values of vehicles' fields. */
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
