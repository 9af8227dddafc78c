/* sr-vehicle-private.h: SrVehicle's fields, for the store, the sorter and the filter.
 *
 * A re-sort of 100,000 rows makes about 1.7 million comparisons; going through a
 * getter (and its type check) for each field read would be most of the time, so
 * these three read the struct directly. Nothing outside client/sr-vehicle*.c may.
 */
#pragma once

#include "sr-json-reader.h"
#include "sr-vehicle.h"

G_BEGIN_DECLS

/* A short text that many vehicles share (make, model, variant, color, location),
 * kept once per process with its collation key, like an interned string. */
typedef struct {
  const char *text;
  const char *lower;  /* as the server's lower(): for make and search matches */
  const char *key;    /* case-folded collation key with natural number order */
} SrPooledText;

typedef struct {
  /* Pooled: shared, never freed */
  const SrPooledText *make;
  const SrPooledText *model;
  const SrPooledText *variant;
  const SrPooledText *color;
  const SrPooledText *location;

  /* Owned: one block holding stock_no, vin, updated_at and the search text, each
   * NUL-terminated; the four pointers below point into it. */
  char               *strings;
  char               *notes;       /* NULL when empty */

  /* Borrowed from strings */
  const char         *stock_no;
  const char         *vin;
  const char         *updated_at;
  const char         *search;

  gint64              id;
  gint64              branch_id;
  gint64              price;       /* paise */
  gint64              cost;        /* paise; 0 without has_cost */
  gint64              updated_at_us;
  gint64              version;
  gint64              odometer_km;
  guint32             arrived_on;  /* GDate Julian day */
  gint32              year;
  guint8              fuel;        /* SrVehicleFuel */
  guint8              status;      /* SrVehicleStatus */
  guint8              has_cost;
} SrVehicleFields;

struct _SrVehicle
{
  GObject         parent_instance;

  SrVehicleFields f;
};

/* The Vehicle object at @reader (which must decode in place), read past; the store
 * reads its pages with this in worker threads. */
SrVehicle *_sr_vehicle_new_from_reader (SrJsonReader  *reader,
                                        GError       **error);

G_END_DECLS
