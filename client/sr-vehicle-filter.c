/* sr-vehicle-filter.c: a GtkFilter with vehicles.list's criteria, over C fields.
 *
 * It matches what the server's filter matches: status in a set, make whole and
 * ignoring case, fuel, price bounds, and text as part of the vehicle's precomputed
 * lower-cased search text. Each setter tells GTK whether the change can only drop
 * rows (more strict) or only add them (less strict), so a GtkFilterListModel
 * re-checks just the rows that can change: typing one more letter looks only at the
 * rows still shown.
 */
#define G_LOG_DOMAIN "sr-vehicle-filter"

#include "config.h"

#include <string.h>

#include "sr-vehicle-private.h"
#include "sr-vehicle-filter.h"

struct _SrVehicleFilter
{
  GtkFilter  parent_instance;

  /* Owned */
  char      *make;         /* lower-cased; NULL for any */
  char      *text;         /* lower-cased; NULL for any */

  gint64     price_min;    /* -1 for none */
  gint64     price_max;    /* -1 for none */
  guint      statuses;     /* SR_VEHICLE_STATUS_ALL for any */
  int        fuel;         /* -1 for any */
};

G_DEFINE_FINAL_TYPE (SrVehicleFilter, sr_vehicle_filter, GTK_TYPE_FILTER)

/* Called once per row: the items come from our own models, so no type check. */
static gboolean
sr_vehicle_filter_match (GtkFilter *filter,
                         gpointer   item)
{
  SrVehicleFilter *self = (SrVehicleFilter *) filter;
  const SrVehicleFields *f = &((SrVehicle *) item)->f;

  /* Cheapest first. */
  if ((self->statuses & SR_VEHICLE_STATUS_BIT (f->status)) == 0)
    return FALSE;
  if (self->fuel >= 0 && f->fuel != self->fuel)
    return FALSE;
  if (self->price_min >= 0 && f->price < self->price_min)
    return FALSE;
  if (self->price_max >= 0 && f->price > self->price_max)
    return FALSE;
  if (self->make != NULL && strcmp (f->make->lower, self->make) != 0)
    return FALSE;
  if (self->text != NULL && strstr (f->search, self->text) == NULL)
    return FALSE;

  return TRUE;
}

static GtkFilterMatch
sr_vehicle_filter_get_strictness (GtkFilter *filter)
{
  SrVehicleFilter *self = SR_VEHICLE_FILTER (filter);

  if (self->price_min >= 0 && self->price_max >= 0 && self->price_min > self->price_max)
    return GTK_FILTER_MATCH_NONE;

  if (self->statuses == SR_VEHICLE_STATUS_ALL && self->fuel < 0 && self->price_min < 0 &&
      self->price_max < 0 && self->make == NULL && self->text == NULL)
    return GTK_FILTER_MATCH_ALL;

  return GTK_FILTER_MATCH_SOME;
}

static void
sr_vehicle_filter_finalize (GObject *object)
{
  SrVehicleFilter *self = SR_VEHICLE_FILTER (object);

  g_clear_pointer (&self->make, g_free);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (sr_vehicle_filter_parent_class)->finalize (object);
}

static void
sr_vehicle_filter_class_init (SrVehicleFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  object_class->finalize = sr_vehicle_filter_finalize;

  filter_class->match = sr_vehicle_filter_match;
  filter_class->get_strictness = sr_vehicle_filter_get_strictness;
}

static void
sr_vehicle_filter_init (SrVehicleFilter *self)
{
  self->statuses = SR_VEHICLE_STATUS_ALL;
  self->fuel = -1;
  self->price_min = -1;
  self->price_max = -1;
}

SrVehicleFilter *
sr_vehicle_filter_new (void)
{
  return g_object_new (SR_TYPE_VEHICLE_FILTER, NULL);
}

/* Lower-cased as the server lowers both sides; NULL for an empty criterion. */
static char *
normalize (const char *text)
{
  if (text == NULL || text[0] == '\0')
    return NULL;

  return g_utf8_strdown (text, -1);
}

void
sr_vehicle_filter_set_statuses (SrVehicleFilter *self,
                                guint            statuses)
{
  guint old;
  GtkFilterChange change;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));

  statuses &= SR_VEHICLE_STATUS_ALL;
  if (statuses == 0)
    statuses = SR_VEHICLE_STATUS_ALL;
  if (statuses == self->statuses)
    return;

  old = self->statuses;
  self->statuses = statuses;

  if ((statuses & ~old) == 0)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if ((old & ~statuses) == 0)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;
  gtk_filter_changed (GTK_FILTER (self), change);
}

guint
sr_vehicle_filter_get_statuses (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), 0);

  return self->statuses;
}

void
sr_vehicle_filter_set_make (SrVehicleFilter *self,
                            const char      *make)
{
  g_autofree char *old = NULL;
  g_autofree char *lower = normalize (make);
  GtkFilterChange change;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));

  if (g_strcmp0 (lower, self->make) == 0)
    return;

  old = g_steal_pointer (&self->make);
  self->make = g_steal_pointer (&lower);

  if (old == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->make == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;
  gtk_filter_changed (GTK_FILTER (self), change);
}

const char *
sr_vehicle_filter_get_make (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), NULL);

  return self->make;
}

void
sr_vehicle_filter_set_fuel (SrVehicleFilter *self,
                            int              fuel)
{
  int old;
  GtkFilterChange change;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));
  g_return_if_fail (fuel >= -1 && fuel < SR_VEHICLE_N_FUELS);

  if (fuel == self->fuel)
    return;

  old = self->fuel;
  self->fuel = fuel;

  if (old < 0)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (fuel < 0)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;
  gtk_filter_changed (GTK_FILTER (self), change);
}

int
sr_vehicle_filter_get_fuel (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), -1);

  return self->fuel;
}

/* A lower bound that rises (or appears) can only drop rows. */
void
sr_vehicle_filter_set_price_min (SrVehicleFilter *self,
                                 gint64           paise)
{
  gint64 old;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));

  paise = MAX (paise, -1);
  if (paise == self->price_min)
    return;

  old = self->price_min;
  self->price_min = paise;
  gtk_filter_changed (GTK_FILTER (self),
                      paise > old ? GTK_FILTER_CHANGE_MORE_STRICT
                                  : GTK_FILTER_CHANGE_LESS_STRICT);
}

gint64
sr_vehicle_filter_get_price_min (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), -1);

  return self->price_min;
}

/* An upper bound that falls (or appears) can only drop rows. */
void
sr_vehicle_filter_set_price_max (SrVehicleFilter *self,
                                 gint64           paise)
{
  gint64 old;
  gboolean stricter;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));

  paise = MAX (paise, -1);
  if (paise == self->price_max)
    return;

  old = self->price_max;
  self->price_max = paise;
  stricter = paise >= 0 && (old < 0 || paise < old);
  gtk_filter_changed (GTK_FILTER (self),
                      stricter ? GTK_FILTER_CHANGE_MORE_STRICT
                               : GTK_FILTER_CHANGE_LESS_STRICT);
}

gint64
sr_vehicle_filter_get_price_max (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), -1);

  return self->price_max;
}

/* Text that contains the old text matches a subset of what the old one did: the
 * next keystroke in the search box. Text contained in the old one is a backspace. */
void
sr_vehicle_filter_set_text (SrVehicleFilter *self,
                            const char      *text)
{
  g_autofree char *old = NULL;
  g_autofree char *lower = normalize (text);
  GtkFilterChange change;

  g_return_if_fail (SR_IS_VEHICLE_FILTER (self));

  if (g_strcmp0 (lower, self->text) == 0)
    return;

  old = g_steal_pointer (&self->text);
  self->text = g_steal_pointer (&lower);

  if (old == NULL || (self->text != NULL && strstr (self->text, old) != NULL))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->text == NULL || strstr (old, self->text) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;
  gtk_filter_changed (GTK_FILTER (self), change);
}

const char *
sr_vehicle_filter_get_text (SrVehicleFilter *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), NULL);

  return self->text;
}

JsonObject *
sr_vehicle_filter_to_params (SrVehicleFilter *self)
{
  JsonObject *params;

  g_return_val_if_fail (SR_IS_VEHICLE_FILTER (self), NULL);

  params = json_object_new ();

  /* "Any status" is no criterion at all, not a list of every status. */
  if (self->statuses != SR_VEHICLE_STATUS_ALL)
    {
      JsonArray *statuses = json_array_new ();

      for (guint i = 0; i < SR_VEHICLE_N_STATUSES; i++)
        if (self->statuses & SR_VEHICLE_STATUS_BIT (i))
          json_array_add_string_element (statuses, sr_vehicle_status_to_string (i));
      json_object_set_array_member (params, "status", statuses);
    }
  /* Lower-cased here, which the server's case-insensitive match does not mind. */
  if (self->make != NULL)
    json_object_set_string_member (params, "make", self->make);
  if (self->fuel >= 0)
    json_object_set_string_member (params, "fuel", sr_vehicle_fuel_to_string (self->fuel));
  if (self->price_min >= 0)
    {
      g_autofree char *min = sr_money_format (self->price_min);

      json_object_set_string_member (params, "price_min", min);
    }
  if (self->price_max >= 0)
    {
      g_autofree char *max = sr_money_format (self->price_max);

      json_object_set_string_member (params, "price_max", max);
    }
  if (self->text != NULL)
    json_object_set_string_member (params, "text", self->text);

  return params;
}
