/* sr-vehicle.c: one vehicle as plain C fields, read from the protocol's Vehicle.
 *
 * Built in worker threads while the stock loads, so construction touches no
 * property machinery: g_object_new() without properties, then the struct is filled.
 * The read-only properties exist for cells, expressions and accessibility, and are
 * notified when an event really changes them.
 */
#define G_LOG_DOMAIN "sr-vehicle"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-vehicle-private.h"

G_DEFINE_FINAL_TYPE (SrVehicle, sr_vehicle, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STOCK_NO,
  PROP_VIN,
  PROP_MAKE,
  PROP_MODEL,
  PROP_VARIANT,
  PROP_YEAR,
  PROP_COLOR,
  PROP_FUEL,
  PROP_ODOMETER_KM,
  PROP_PRICE,
  PROP_COST,
  PROP_STATUS,
  PROP_BRANCH_ID,
  PROP_LOCATION,
  PROP_ARRIVED_ON,
  PROP_NOTES,
  PROP_VERSION,
  PROP_UPDATED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const fuel_names[SR_VEHICLE_N_FUELS] = {
  "petrol", "diesel", "electric", "hybrid", "cng",
};

static const char *const status_names[SR_VEHICLE_N_STATUSES] = {
  "incoming", "in_stock", "reserved", "sold",
};

/* GDate's Julian day of 1970-01-01: days_from_civil() counts from there. */
#define JULIAN_UNIX_EPOCH 719163

/* The pool of shared texts */

static GMutex pool_lock;
static GHashTable *pool;   /* text -> SrPooledText */

/* Makes, models, colours and bays repeat across the whole stock: a hundred thousand
 * vehicles hold a few hundred distinct values. Keeping each once saves memory and
 * lets the collation key be computed once per value instead of once per vehicle.
 * Entries live as long as the process, as interned strings do; the set is bounded by
 * the distinct values a dealership ever types. Called from loader threads. */
static const SrPooledText *
pool_get (const char *text)
{
  SrPooledText *entry;

  g_mutex_lock (&pool_lock);
  if (pool == NULL)
    pool = g_hash_table_new (g_str_hash, g_str_equal);
  entry = g_hash_table_lookup (pool, text);
  if (entry == NULL)
    {
      g_autofree char *folded = g_utf8_casefold (text, -1);

      entry = g_new (SrPooledText, 1);
      entry->text = g_strdup (text);
      entry->lower = g_utf8_strdown (text, -1);
      /* Case-insensitive, in the user's locale, and "Bay 9" before "Bay 10". */
      entry->key = g_utf8_collate_key_for_filename (folded, -1);
      g_hash_table_insert (pool, (gpointer) entry->text, entry);
    }
  g_mutex_unlock (&pool_lock);

  return entry;
}

/* Values */

gboolean
sr_money_parse (const char *text,
                gint64     *paise)
{
  gint64 units = 0;
  gint64 cents = 0;
  const char *p = text;
  int digits = 0;

  g_return_val_if_fail (paise != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  /* At most ten digits before the point, as the server allows: no overflow. */
  for (; g_ascii_isdigit (*p); p++, digits++)
    {
      if (digits == 10)
        return FALSE;
      units = units * 10 + (*p - '0');
    }
  if (digits == 0)
    return FALSE;

  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (p[0]))
        return FALSE;
      cents = (p[0] - '0') * 10;
      p++;
      if (g_ascii_isdigit (p[0]))
        {
          cents += p[0] - '0';
          p++;
        }
    }
  if (*p != '\0')
    return FALSE;

  *paise = units * 100 + cents;
  return TRUE;
}

char *
sr_money_format (gint64 paise)
{
  const char *sign = paise < 0 ? "-" : "";
  guint64 magnitude = paise < 0 ? -(guint64) paise : (guint64) paise;

  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%02u", sign, magnitude / 100,
                          (guint) (magnitude % 100));
}

const char *
sr_vehicle_fuel_to_string (SrVehicleFuel fuel)
{
  g_return_val_if_fail (fuel < SR_VEHICLE_N_FUELS, NULL);

  return fuel_names[fuel];
}

gboolean
sr_vehicle_fuel_from_string (const char    *text,
                             SrVehicleFuel *fuel)
{
  for (guint i = 0; text != NULL && i < SR_VEHICLE_N_FUELS; i++)
    if (strcmp (text, fuel_names[i]) == 0)
      {
        *fuel = i;
        return TRUE;
      }

  return FALSE;
}

const char *
sr_vehicle_status_to_string (SrVehicleStatus status)
{
  g_return_val_if_fail (status < SR_VEHICLE_N_STATUSES, NULL);

  return status_names[status];
}

gboolean
sr_vehicle_status_from_string (const char      *text,
                               SrVehicleStatus *status)
{
  for (guint i = 0; text != NULL && i < SR_VEHICLE_N_STATUSES; i++)
    if (strcmp (text, status_names[i]) == 0)
      {
        *status = i;
        return TRUE;
      }

  return FALSE;
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm):
 * no GDate or GDateTime per vehicle on the load path. */
static gint64
days_from_civil (int y,
                 int m,
                 int d)
{
  gint64 era;
  gint64 yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

static gboolean
read_digits (const char **p,
             int          n,
             int         *value)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + ((*p)[i] - '0');
    }

  *p += n;
  *value = v;
  return TRUE;
}

static gboolean
read_date (const char **p,
           int         *y,
           int         *m,
           int         *d)
{
  return read_digits (p, 4, y) && *(*p)++ == '-' &&
         read_digits (p, 2, m) && *(*p)++ == '-' &&
         read_digits (p, 2, d) &&
         g_date_valid_dmy (*d, *m, *y);
}

static gboolean
parse_day (const char *text,
           guint32    *julian)
{
  const char *p = text;
  int y, m, d;

  if (!read_date (&p, &y, &m, &d) || *p != '\0')
    return FALSE;

  *julian = days_from_civil (y, m, d) + JULIAN_UNIX_EPOCH;
  return TRUE;
}

/* RFC 3339 as PostgreSQL writes it ("2025-06-07T09:30:00.123456+05:30") -> µs since
 * the epoch. Anything else goes to GDateTime, which is slower but knows every form. */
static gboolean
parse_timestamp (const char *text,
                 gint64     *us)
{
  const char *p = text;
  int y, mo, d, h, mi, s;
  int offset_h = 0, offset_m = 0;
  gint64 fraction = 0;
  gint64 seconds;
  int sign = 0;

  if (read_date (&p, &y, &mo, &d) && (*p == 'T' || *p == ' ') && (p++, TRUE) &&
      read_digits (&p, 2, &h) && *p++ == ':' &&
      read_digits (&p, 2, &mi) && *p++ == ':' &&
      read_digits (&p, 2, &s) && h < 24 && mi < 60 && s < 60)
    {
      if (*p == '.')
        {
          gint64 scale = 100000;

          for (p++; g_ascii_isdigit (*p); p++, scale /= 10)
            fraction += (*p - '0') * scale;
        }
      if (*p == 'Z' && p[1] == '\0')
        sign = 1;
      else if ((*p == '+' || *p == '-'))
        {
          sign = *p++ == '+' ? 1 : -1;
          if (!read_digits (&p, 2, &offset_h) ||
              (*p == ':' && (p++, !read_digits (&p, 2, &offset_m))) || *p != '\0')
            sign = 0;
        }
    }

  if (sign != 0)
    {
      seconds = days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                sign * (offset_h * 3600 + offset_m * 60);
      *us = seconds * G_USEC_PER_SEC + fraction;
      return TRUE;
    }

  {
    g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (text, NULL);

    if (parsed == NULL)
      return FALSE;
    *us = g_date_time_to_unix (parsed) * G_USEC_PER_SEC + g_date_time_get_microsecond (parsed);
    return TRUE;
  }
}

/* Reading a Vehicle */

static void
fields_clear (SrVehicleFields *f)
{
  g_clear_pointer (&f->strings, g_free);
  g_clear_pointer (&f->notes, g_free);
}

static gboolean
bad_member (const char  *name,
            GError     **error)
{
  sr_set_error (error, SR_ERROR_PARSE_ERROR, name,
                "the server's vehicle has no valid %s", name);
  return FALSE;
}

/* A Vehicle's members as read from JSON, before they are checked: the same checks
 * then serve json-glib's objects (events) and the pull reader (pages). */
typedef enum {
  M_ID, M_STOCK_NO, M_VIN, M_MAKE, M_MODEL, M_VARIANT, M_YEAR, M_COLOR, M_FUEL,
  M_ODOMETER_KM, M_PRICE, M_COST, M_STATUS, M_BRANCH_ID, M_LOCATION, M_ARRIVED_ON,
  M_NOTES, M_VERSION, M_UPDATED_AT, N_MEMBERS
} Member;

static const char *const member_names[N_MEMBERS] = {
  "id", "stock_no", "vin", "make", "model", "variant", "year", "color", "fuel",
  "odometer_km", "price", "cost", "status", "branch_id", "location", "arrived_on",
  "notes", "version", "updated_at",
};

typedef enum {
  SLOT_ABSENT,
  SLOT_STRING,
  SLOT_INT,
  SLOT_OTHER,   /* null, a boolean, a fraction, an object...: never valid */
} SlotKind;

typedef struct {
  SlotKind    kind;
  const char *string;
  gint64      integer;
} Slot;

static gboolean
get_string (const Slot  *slots,
            Member       member,
            const char **out,
            GError     **error)
{
  if (slots[member].kind != SLOT_STRING)
    return bad_member (member_names[member], error);

  *out = slots[member].string;
  return TRUE;
}

static gboolean
get_int (const Slot  *slots,
         Member       member,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  if (slots[member].kind != SLOT_INT ||
      slots[member].integer < min || slots[member].integer > max)
    return bad_member (member_names[member], error);

  *out = slots[member].integer;
  return TRUE;
}

/* Lower case as PostgreSQL's lower() gives it, with a fast path for ASCII: that is
 * what the server's `text` filter compares against. */
static char *
search_piece (const char *text,
              gsize      *len)
{
  const char *p;

  for (p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      {
        char *lower = g_utf8_strdown (text, -1);

        *len = strlen (lower);
        return lower;
      }

  *len = p - text;
  return NULL;
}

/* One allocation for stock_no, vin, updated_at and the search text: four fewer
 * mallocs per vehicle, and a smaller heap at 100,000 of them. */
static void
fields_build_strings (SrVehicleFields *f,
                      const char      *stock_no,
                      const char      *vin,
                      const char      *updated_at)
{
  /* The pooled texts come lower-cased already; stock_no and vin are ASCII. */
  const char *parts[6] = { stock_no, vin, f->make->lower, f->model->lower,
                           f->variant->lower, f->color->lower };
  char *lowered[6] = { NULL };
  gsize lengths[6];
  gsize stock_len = strlen (stock_no);
  gsize vin_len = strlen (vin);
  gsize updated_len = strlen (updated_at);
  gsize search_len = 0;
  char *out;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      lowered[i] = search_piece (parts[i], &lengths[i]);
      search_len += lengths[i] + (i > 0);
    }

  f->strings = out = g_malloc (stock_len + vin_len + updated_len + search_len + 4);

  f->stock_no = out;
  memcpy (out, stock_no, stock_len + 1);
  out += stock_len + 1;

  f->vin = out;
  memcpy (out, vin, vin_len + 1);
  out += vin_len + 1;

  f->updated_at = out;
  memcpy (out, updated_at, updated_len + 1);
  out += updated_len + 1;

  f->search = out;
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (i > 0)
        *out++ = ' ';
      if (lowered[i] != NULL)
        memcpy (out, lowered[i], lengths[i]);
      else
        for (gsize j = 0; j < lengths[i]; j++)
          out[j] = g_ascii_tolower (parts[i][j]);
      out += lengths[i];
      g_free (lowered[i]);
    }
  *out = '\0';
}

static gboolean
fields_from_slots (SrVehicleFields  *f,
                   const Slot       *slots,
                   GError          **error)
{
  const char *stock_no, *vin, *make, *model, *variant, *color, *fuel, *price, *status;
  const char *location, *arrived_on, *notes, *updated_at;
  gint64 year;
  SrVehicleFuel fuel_value;
  SrVehicleStatus status_value;

  memset (f, 0, sizeof *f);

  if (!get_int (slots, M_ID, 1, G_MAXINT64, &f->id, error) ||
      !get_string (slots, M_STOCK_NO, &stock_no, error) ||
      !get_string (slots, M_VIN, &vin, error) ||
      !get_string (slots, M_MAKE, &make, error) ||
      !get_string (slots, M_MODEL, &model, error) ||
      !get_string (slots, M_VARIANT, &variant, error) ||
      !get_int (slots, M_YEAR, 0, 9999, &year, error) ||
      !get_string (slots, M_COLOR, &color, error) ||
      !get_string (slots, M_FUEL, &fuel, error) ||
      !get_int (slots, M_ODOMETER_KM, 0, G_MAXINT64, &f->odometer_km, error) ||
      !get_string (slots, M_PRICE, &price, error) ||
      !get_string (slots, M_STATUS, &status, error) ||
      !get_int (slots, M_BRANCH_ID, 1, G_MAXINT64, &f->branch_id, error) ||
      !get_string (slots, M_LOCATION, &location, error) ||
      !get_string (slots, M_ARRIVED_ON, &arrived_on, error) ||
      !get_string (slots, M_NOTES, &notes, error) ||
      !get_int (slots, M_VERSION, 1, G_MAXINT64, &f->version, error) ||
      !get_string (slots, M_UPDATED_AT, &updated_at, error))
    return FALSE;

  if (!sr_vehicle_fuel_from_string (fuel, &fuel_value))
    return bad_member ("fuel", error);
  if (!sr_vehicle_status_from_string (status, &status_value))
    return bad_member ("status", error);
  if (!sr_money_parse (price, &f->price))
    return bad_member ("price", error);
  if (!parse_day (arrived_on, &f->arrived_on))
    return bad_member ("arrived_on", error);
  if (!parse_timestamp (updated_at, &f->updated_at_us))
    return bad_member ("updated_at", error);

  /* Absent, not null, for sales users; a present cost must be valid. */
  if (slots[M_COST].kind != SLOT_ABSENT)
    {
      const char *cost;

      if (!get_string (slots, M_COST, &cost, error))
        return FALSE;
      if (!sr_money_parse (cost, &f->cost))
        return bad_member ("cost", error);
      f->has_cost = TRUE;
    }

  f->year = year;
  f->fuel = fuel_value;
  f->status = status_value;
  f->make = pool_get (make);
  f->model = pool_get (model);
  f->variant = pool_get (variant);
  f->color = pool_get (color);
  f->location = pool_get (location);
  f->notes = notes[0] != '\0' ? g_strdup (notes) : NULL;
  fields_build_strings (f, stock_no, vin, updated_at);

  return TRUE;
}

static gboolean
fields_from_json (SrVehicleFields  *f,
                  JsonObject       *object,
                  GError          **error)
{
  Slot slots[N_MEMBERS];

  for (guint m = 0; m < N_MEMBERS; m++)
    {
      JsonNode *node = json_object_get_member (object, member_names[m]);

      slots[m].kind = SLOT_OTHER;
      if (node == NULL)
        slots[m].kind = SLOT_ABSENT;
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          slots[m].kind = SLOT_STRING;
          slots[m].string = json_node_get_string (node);
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        {
          slots[m].kind = SLOT_INT;
          slots[m].integer = json_node_get_int (node);
        }
    }

  return fields_from_slots (f, slots, error);
}

static int
find_member (const char *name,
             gsize       len)
{
  for (guint m = 0; m < N_MEMBERS; m++)
    if (strncmp (member_names[m], name, len) == 0 && member_names[m][len] == '\0')
      return m;

  return -1;
}

/* The object at the reader, which decodes in place: no tree, no copies of the
 * strings but the ones the vehicle keeps. */
static gboolean
fields_from_reader (SrVehicleFields  *f,
                    SrJsonReader     *reader,
                    GError          **error)
{
  Slot slots[N_MEMBERS] = { { 0 } };
  const char *name;
  gsize len;

  if (sr_json_reader_peek (reader) != SR_JSON_OBJECT)
    {
      memset (f, 0, sizeof *f);
      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "a vehicle that is not an object");
      return FALSE;
    }

  sr_json_reader_enter_object (reader);
  while (sr_json_reader_next_member (reader, &name, &len))
    {
      int m = find_member (name, len);
      Slot *slot;

      if (m < 0)
        {
          sr_json_reader_skip (reader);
          continue;
        }

      /* As json-glib has it, the last of a name given twice counts. */
      slot = &slots[m];
      slot->kind = SLOT_OTHER;
      if (sr_json_reader_read_string (reader, &slot->string, NULL))
        slot->kind = SLOT_STRING;
      else if (sr_json_reader_read_int (reader, &slot->integer))
        slot->kind = SLOT_INT;
      else
        sr_json_reader_skip (reader);
    }

  if (sr_json_reader_failed (reader))
    {
      memset (f, 0, sizeof *f);
      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "a vehicle that is not valid JSON");
      return FALSE;
    }

  return fields_from_slots (f, slots, error);
}

/* GObject */

static void
sr_vehicle_finalize (GObject *object)
{
  SrVehicle *self = SR_VEHICLE (object);

  fields_clear (&self->f);

  G_OBJECT_CLASS (sr_vehicle_parent_class)->finalize (object);
}

static void
sr_vehicle_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SrVehicle *self = SR_VEHICLE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->f.id);
      break;
    case PROP_STOCK_NO:
      g_value_set_string (value, self->f.stock_no);
      break;
    case PROP_VIN:
      g_value_set_string (value, self->f.vin);
      break;
    case PROP_MAKE:
      g_value_set_string (value, self->f.make->text);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->f.model->text);
      break;
    case PROP_VARIANT:
      g_value_set_string (value, self->f.variant->text);
      break;
    case PROP_YEAR:
      g_value_set_int (value, self->f.year);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->f.color->text);
      break;
    case PROP_FUEL:
      g_value_set_static_string (value, fuel_names[self->f.fuel]);
      break;
    case PROP_ODOMETER_KM:
      g_value_set_int64 (value, self->f.odometer_km);
      break;
    case PROP_PRICE:
      g_value_take_string (value, sr_vehicle_format_price (self));
      break;
    case PROP_COST:
      g_value_take_string (value, sr_vehicle_format_cost (self));
      break;
    case PROP_STATUS:
      g_value_set_static_string (value, status_names[self->f.status]);
      break;
    case PROP_BRANCH_ID:
      g_value_set_int64 (value, self->f.branch_id);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->f.location->text);
      break;
    case PROP_ARRIVED_ON:
      g_value_take_string (value, sr_vehicle_format_arrived_on (self));
      break;
    case PROP_NOTES:
      g_value_set_string (value, sr_vehicle_get_notes (self));
      break;
    case PROP_VERSION:
      g_value_set_int64 (value, self->f.version);
      break;
    case PROP_UPDATED_AT:
      g_value_set_string (value, self->f.updated_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
int64_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
sr_vehicle_class_init (SrVehicleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sr_vehicle_finalize;
  object_class->get_property = sr_vehicle_get_property;

  /* Money as the protocol writes it ("845000.00"); cost is NULL when not visible. */
  properties[PROP_ID] = int64_property ("id");
  properties[PROP_STOCK_NO] = string_property ("stock-no");
  properties[PROP_VIN] = string_property ("vin");
  properties[PROP_MAKE] = string_property ("make");
  properties[PROP_MODEL] = string_property ("model");
  properties[PROP_VARIANT] = string_property ("variant");
  properties[PROP_YEAR] =
    g_param_spec_int ("year", NULL, NULL, 0, 9999, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] = string_property ("color");
  properties[PROP_FUEL] = string_property ("fuel");
  properties[PROP_ODOMETER_KM] = int64_property ("odometer-km");
  properties[PROP_PRICE] = string_property ("price");
  properties[PROP_COST] = string_property ("cost");
  properties[PROP_STATUS] = string_property ("status");
  properties[PROP_BRANCH_ID] = int64_property ("branch-id");
  properties[PROP_LOCATION] = string_property ("location");
  properties[PROP_ARRIVED_ON] = string_property ("arrived-on");
  properties[PROP_NOTES] = string_property ("notes");
  properties[PROP_VERSION] = int64_property ("version");
  properties[PROP_UPDATED_AT] = string_property ("updated-at");
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sr_vehicle_init (SrVehicle *self)
{
}

SrVehicle *
sr_vehicle_new_from_json (JsonObject  *object,
                          GError     **error)
{
  SrVehicleFields fields;
  SrVehicle *self;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!fields_from_json (&fields, object, error))
    {
      fields_clear (&fields);
      return NULL;
    }

  self = g_object_new (SR_TYPE_VEHICLE, NULL);
  self->f = fields;

  return self;
}

SrVehicle *
sr_vehicle_copy (SrVehicle *self)
{
  SrVehicle *copy;
  gsize length;
  char *strings;

  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  copy = g_object_new (SR_TYPE_VEHICLE, NULL);
  copy->f = self->f;

  /* The one block of strings ends with the search text; the pointers into it move
   * with the copy. */
  length = (gsize) (self->f.search - self->f.strings) + strlen (self->f.search) + 1;
  strings = g_memdup2 (self->f.strings, length);
  copy->f.strings = strings;
  copy->f.stock_no = strings + (self->f.stock_no - self->f.strings);
  copy->f.vin = strings + (self->f.vin - self->f.strings);
  copy->f.updated_at = strings + (self->f.updated_at - self->f.strings);
  copy->f.search = strings + (self->f.search - self->f.strings);
  copy->f.notes = g_strdup (self->f.notes);

  return copy;
}

SrVehicle *
_sr_vehicle_new_from_reader (SrJsonReader  *reader,
                             GError       **error)
{
  SrVehicleFields fields;
  SrVehicle *self;

  g_return_val_if_fail (reader != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!fields_from_reader (&fields, reader, error))
    {
      fields_clear (&fields);
      return NULL;
    }

  self = g_object_new (SR_TYPE_VEHICLE, NULL);
  self->f = fields;

  return self;
}

static gboolean
differ (const char *a,
        const char *b)
{
  return g_strcmp0 (a, b) != 0;
}

gboolean
sr_vehicle_update_from_json (SrVehicle   *self,
                             JsonObject  *object,
                             GError     **error)
{
  SrVehicleFields next;
  SrVehicleFields *f = &self->f;
  GParamSpec *changed[N_PROPS];
  guint n_changed = 0;

  g_return_val_if_fail (SR_IS_VEHICLE (self), FALSE);
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!fields_from_json (&next, object, error))
    {
      fields_clear (&next);
      return FALSE;
    }
  if (next.id != f->id)
    {
      fields_clear (&next);
      return bad_member ("id", error);
    }

#define CHECK(cond, prop) G_STMT_START { if (cond) changed[n_changed++] = properties[prop]; } G_STMT_END
  CHECK (differ (next.stock_no, f->stock_no), PROP_STOCK_NO);
  CHECK (differ (next.vin, f->vin), PROP_VIN);
  /* Pooled texts are equal exactly when their pointers are. */
  CHECK (next.make != f->make, PROP_MAKE);
  CHECK (next.model != f->model, PROP_MODEL);
  CHECK (next.variant != f->variant, PROP_VARIANT);
  CHECK (next.year != f->year, PROP_YEAR);
  CHECK (next.color != f->color, PROP_COLOR);
  CHECK (next.fuel != f->fuel, PROP_FUEL);
  CHECK (next.odometer_km != f->odometer_km, PROP_ODOMETER_KM);
  CHECK (next.price != f->price, PROP_PRICE);
  CHECK (next.has_cost != f->has_cost || next.cost != f->cost, PROP_COST);
  CHECK (next.status != f->status, PROP_STATUS);
  CHECK (next.branch_id != f->branch_id, PROP_BRANCH_ID);
  CHECK (next.location != f->location, PROP_LOCATION);
  CHECK (next.arrived_on != f->arrived_on, PROP_ARRIVED_ON);
  CHECK (differ (next.notes, f->notes), PROP_NOTES);
  CHECK (next.version != f->version, PROP_VERSION);
  CHECK (differ (next.updated_at, f->updated_at), PROP_UPDATED_AT);
#undef CHECK

  if (n_changed == 0)
    {
      fields_clear (&next);
      return FALSE;
    }

  fields_clear (f);
  *f = next;

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < n_changed; i++)
    g_object_notify_by_pspec (G_OBJECT (self), changed[i]);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/* Getters */

gint64
sr_vehicle_get_id (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.id;
}

const char *
sr_vehicle_get_stock_no (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.stock_no;
}

const char *
sr_vehicle_get_vin (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.vin;
}

const char *
sr_vehicle_get_make (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.make->text;
}

const char *
sr_vehicle_get_model (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.model->text;
}

const char *
sr_vehicle_get_variant (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.variant->text;
}

int
sr_vehicle_get_year (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.year;
}

const char *
sr_vehicle_get_color (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.color->text;
}

SrVehicleFuel
sr_vehicle_get_fuel (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), SR_VEHICLE_FUEL_PETROL);

  return self->f.fuel;
}

gint64
sr_vehicle_get_odometer_km (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.odometer_km;
}

gint64
sr_vehicle_get_price (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.price;
}

gboolean
sr_vehicle_get_has_cost (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), FALSE);

  return self->f.has_cost;
}

gint64
sr_vehicle_get_cost (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.cost;
}

gint64
sr_vehicle_get_margin (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.has_cost ? self->f.price - self->f.cost : 0;
}

SrVehicleStatus
sr_vehicle_get_status (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), SR_VEHICLE_STATUS_INCOMING);

  return self->f.status;
}

gint64
sr_vehicle_get_branch_id (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.branch_id;
}

const char *
sr_vehicle_get_location (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.location->text;
}

guint32
sr_vehicle_get_arrived_on (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.arrived_on;
}

int
sr_vehicle_days_in_stock (SrVehicle *self,
                          guint32    today_julian)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  /* Negative for a vehicle due to arrive: an incoming one may be dated ahead. */
  return (int) ((gint64) today_julian - (gint64) self->f.arrived_on);
}

const char *
sr_vehicle_get_notes (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.notes != NULL ? self->f.notes : "";
}

gint64
sr_vehicle_get_version (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.version;
}

const char *
sr_vehicle_get_updated_at (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.updated_at;
}

gint64
sr_vehicle_get_updated_at_us (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), 0);

  return self->f.updated_at_us;
}

const char *
sr_vehicle_get_search_text (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.search;
}

char *
sr_vehicle_format_price (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return sr_money_format (self->f.price);
}

char *
sr_vehicle_format_cost (SrVehicle *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  return self->f.has_cost ? sr_money_format (self->f.cost) : NULL;
}

char *
sr_vehicle_format_arrived_on (SrVehicle *self)
{
  GDate date;

  g_return_val_if_fail (SR_IS_VEHICLE (self), NULL);

  g_date_clear (&date, 1);
  g_date_set_julian (&date, self->f.arrived_on);

  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date),
                          (guint) g_date_get_month (&date), g_date_get_day (&date));
}
