/* sr-vehicle-page.c: one vehicle's fields and history.
 *
 * The form starts from the vehicle as the store holds it (its "base"). Fields the user
 * has not touched follow the store as the vehicle changes elsewhere, and the base moves
 * with them; once the user has typed something the base stays, so that saving over a
 * change made meanwhile is a version conflict that shows both sides, never a silent
 * overwrite. Managers save with vehicles.update (or vehicles.create for a new vehicle);
 * sales staff propose with edits.propose and a reason.
 */
#define G_LOG_DOMAIN "sr-vehicle-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-dialogs.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-sale-group.h"
#include "sr-vehicle-page.h"
#include "sr-window.h"

typedef enum {
  KIND_TEXT,
  KIND_VIN,
  KIND_YEAR,
  KIND_KM,
  KIND_MONEY,
  KIND_DATE,
  KIND_FUEL,
  KIND_STATUS,
} FieldKind;

typedef struct {
  const char *name;
  FieldKind   kind;
  guint       group;         /* 0: the vehicle, 1: selling it */
  gboolean    required;
  guint       max_chars;     /* for text; 0: no limit */
  gboolean    managers_only;
} FieldSpec;

/* The editable fields, in the order shown; names as the protocol's Vehicle. */
static const FieldSpec fields[] = {
  { "vin", KIND_VIN, 0, TRUE, 17, FALSE },
  { "make", KIND_TEXT, 0, TRUE, 60, FALSE },
  { "model", KIND_TEXT, 0, TRUE, 60, FALSE },
  { "variant", KIND_TEXT, 0, FALSE, 100, FALSE },
  { "year", KIND_YEAR, 0, TRUE, 0, FALSE },
  { "color", KIND_TEXT, 0, FALSE, 40, FALSE },
  { "fuel", KIND_FUEL, 0, TRUE, 0, FALSE },
  { "odometer_km", KIND_KM, 0, TRUE, 0, FALSE },
  { "price", KIND_MONEY, 1, TRUE, 0, FALSE },
  { "cost", KIND_MONEY, 1, TRUE, 0, TRUE },
  { "status", KIND_STATUS, 1, TRUE, 0, FALSE },
  { "location", KIND_TEXT, 1, FALSE, 100, FALSE },
  { "arrived_on", KIND_DATE, 1, TRUE, 0, FALSE },
  { "notes", KIND_TEXT, 1, FALSE, 4000, FALSE },
};

#define N_FIELDS G_N_ELEMENTS (fields)

struct _SrVehiclePage
{
  AdwWindow             parent_instance;

  /* Template widgets */
  AdwViewSwitcherTitle *switcher_title;
  GtkButton            *save_button;
  GtkRevealer          *notice_revealer;
  GtkWidget            *notice_box;
  GtkImage             *notice_icon;
  GtkLabel             *notice_label;
  GtkButton            *notice_button;
  AdwViewStack         *view_stack;
  AdwPreferencesPage   *details_page;
  GtkStack             *history_stack;
  AdwStatusPage        *history_status;
  GtkListBox           *history_list;
  GtkWidget            *history_more_button;

  /* Owned */
  SrClient             *client;
  SrVehicleStore       *store;
  SrVehicle            *base;          /* NULL for a new vehicle, or once it is gone */
  GCancellable         *cancellable;
  GtkWidget            *rows[N_FIELDS];
  GtkWidget            *warnings[N_FIELDS];
  char                 *origins[N_FIELDS]; /* what a field showed when the user began
                                              * changing it; NULL while untouched */
  GtkLabel             *problem_label;
  AdwPreferencesGroup  *vehicle_group;
  char                 *problem;
  gint64                id;
  gint64                history_before;  /* seq for older history; 0: none */
  guint                 refresh_id;
  gboolean              manager;
  gboolean              filling;         /* setting rows from the base, not the user */
  gboolean              busy;            /* a save or proposal is on its way */
  gboolean              gone;            /* the vehicle left the user's stock */
  gboolean              history_loaded;
  gboolean              done;            /* saved: closing needs no question */
};

G_DEFINE_FINAL_TYPE (SrVehiclePage, sr_vehicle_page, ADW_TYPE_WINDOW)

static void refresh_state (SrVehiclePage *self);
static void load_history (SrVehiclePage *self, gboolean older);
static void note_touched (SrVehiclePage *self);

static int
field_index (const char *name)
{
  for (guint i = 0; i < N_FIELDS; i++)
    if (g_str_equal (fields[i].name, name))
      return (int) i;
  return -1;
}

static gboolean
field_shown (SrVehiclePage *self,
             guint          i)
{
  return self->rows[i] != NULL;
}

/* A field's value in @vehicle as the form shows it: the protocol's text, or for fuel
 * and status the enum's number. A new vehicle starts from the server's defaults. */
static char *
vehicle_text (SrVehicle *vehicle,
              guint      i)
{
  const char *name = fields[i].name;

  if (vehicle == NULL)
    {
      if (fields[i].kind == KIND_FUEL)
        return g_strdup_printf ("%d", SR_VEHICLE_FUEL_PETROL);
      if (fields[i].kind == KIND_STATUS)
        return g_strdup_printf ("%d", SR_VEHICLE_STATUS_IN_STOCK);
      if (fields[i].kind == KIND_KM)
        return g_strdup ("0");
      if (fields[i].kind == KIND_DATE)
        {
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();
          return g_date_time_format (now, "%Y-%m-%d");
        }
      if (g_str_equal (name, "cost"))
        return g_strdup ("0.00");
      return g_strdup ("");
    }

  switch (fields[i].kind)
    {
    case KIND_VIN:
      return g_strdup (sr_vehicle_get_vin (vehicle));
    case KIND_YEAR:
      return g_strdup_printf ("%d", sr_vehicle_get_year (vehicle));
    case KIND_KM:
      return g_strdup_printf ("%" G_GINT64_FORMAT, sr_vehicle_get_odometer_km (vehicle));
    case KIND_MONEY:
      return g_str_equal (name, "price") ? sr_vehicle_format_price (vehicle)
                                         : sr_vehicle_format_cost (vehicle);
    case KIND_DATE:
      return sr_vehicle_format_arrived_on (vehicle);
    case KIND_FUEL:
      return g_strdup_printf ("%d", sr_vehicle_get_fuel (vehicle));
    case KIND_STATUS:
      return g_strdup_printf ("%d", sr_vehicle_get_status (vehicle));
    case KIND_TEXT:
    default:
      if (g_str_equal (name, "make"))
        return g_strdup (sr_vehicle_get_make (vehicle));
      if (g_str_equal (name, "model"))
        return g_strdup (sr_vehicle_get_model (vehicle));
      if (g_str_equal (name, "variant"))
        return g_strdup (sr_vehicle_get_variant (vehicle));
      if (g_str_equal (name, "color"))
        return g_strdup (sr_vehicle_get_color (vehicle));
      if (g_str_equal (name, "location"))
        return g_strdup (sr_vehicle_get_location (vehicle));
      return g_strdup (sr_vehicle_get_notes (vehicle));
    }
}

static char *
input_text (SrVehiclePage *self,
            guint          i)
{
  if (fields[i].kind == KIND_FUEL || fields[i].kind == KIND_STATUS)
    return g_strdup_printf ("%u", adw_combo_row_get_selected (ADW_COMBO_ROW (self->rows[i])));
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[i])));
}

static void
set_input (SrVehiclePage *self,
           guint          i,
           const char    *text)
{
  if (fields[i].kind == KIND_FUEL || fields[i].kind == KIND_STATUS)
    adw_combo_row_set_selected (ADW_COMBO_ROW (self->rows[i]), (guint) g_ascii_strtoull (text, NULL, 10));
  else
    gtk_editable_set_text (GTK_EDITABLE (self->rows[i]), text);
}

static gboolean
parse_count (const char *text,
             gint64      max,
             gint64     *value)
{
  guint64 number;

  if (*text == '\0' || !g_ascii_string_to_unsigned (text, 10, 0, (guint64) max, &number, NULL))
    return FALSE;
  *value = (gint64) number;
  return TRUE;
}

/* What is wrong with @text for field @i, in words for the person typing it; NULL when
 * it is fine. The server checks the same rules again. */
static char *
field_problem (guint       i,
               const char *text)
{
  const FieldSpec *spec = &fields[i];
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  const char *label = sr_field_label (spec->name);
  gint64 number;
  int year, month, day;
  char end;

  switch (spec->kind)
    {
    case KIND_VIN:
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == 'I' || *p == 'O' || *p == 'Q')
            return g_strdup_printf (_("A VIN never contains I, O or Q (they look like 1 and 0); found “%c”."), *p);
          if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p))
            return g_strdup (_("A VIN has only letters and digits."));
        }
      if (strlen (text) != 17)
        return g_strdup_printf (_("A VIN has 17 characters; this one has %d."), (int) strlen (text));
      return NULL;

    case KIND_YEAR:
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_local ();
        int next = g_date_time_get_year (now) + 1;

        if (!parse_count (stripped, 9999, &number) || number < 1900 || number > next)
          return g_strdup_printf (_("Year: a year from 1900 to %d."), next);
        return NULL;
      }

    case KIND_KM:
      if (!parse_count (stripped, G_MAXINT32, &number))
        return g_strdup (_("Odometer: whole kilometres, 0 or more."));
      return NULL;

    case KIND_MONEY:
      if (!sr_money_parse (stripped, &number))
        return g_strdup_printf (_("%s: an amount such as 845000 or 845000.50, without commas."), label);
      return NULL;

    case KIND_DATE:
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_local ();
        int next = g_date_time_get_year (now) + 1;

        if (sscanf (stripped, "%4d-%2d-%2d%c", &year, &month, &day, &end) != 3 || strlen (stripped) != 10 ||
            !g_date_valid_dmy (day, month, year))
          return g_strdup (_("Arrived on: a date as YYYY-MM-DD, for example 2025-06-07."));
        /* As the server has it: a car may be due, not due in years. */
        if (year < 1900 || year > next)
          return g_strdup_printf (_("Arrived on: a date from 1900 to the end of %d."), next);
        return NULL;
      }

    case KIND_FUEL:
    case KIND_STATUS:
      return NULL;

    case KIND_TEXT:
    default:
      if (spec->required && *stripped == '\0')
        return g_strdup_printf (_("%s is needed."), label);
      if (spec->max_chars > 0 && g_utf8_strlen (text, -1) > spec->max_chars)
        return g_strdup_printf (_("%s: at most %u characters."), label, spec->max_chars);
      return NULL;
    }
}

/* The value to send for field @i, as the protocol types it. */
static JsonNode *
field_value (guint       i,
             const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  gint64 number = 0;

  switch (fields[i].kind)
    {
    case KIND_YEAR:
    case KIND_KM:
      parse_count (stripped, G_MAXINT32, &number);
      json_node_set_int (node, number);
      break;
    case KIND_MONEY:
      {
        g_autofree char *money = NULL;

        sr_money_parse (stripped, &number);
        money = sr_money_format (number);
        json_node_set_string (node, money);
        break;
      }
    case KIND_FUEL:
      json_node_set_string (node, sr_vehicle_fuel_to_string ((SrVehicleFuel) g_ascii_strtoull (text, NULL, 10)));
      break;
    case KIND_STATUS:
      json_node_set_string (node, sr_vehicle_status_to_string ((SrVehicleStatus) g_ascii_strtoull (text, NULL, 10)));
      break;
    case KIND_VIN:
    case KIND_DATE:
      json_node_set_string (node, stripped);
      break;
    case KIND_TEXT:
    default:
      /* Notes keep their shape; names lose stray spaces. */
      json_node_set_string (node, g_str_equal (fields[i].name, "notes") ? text : stripped);
      break;
    }
  return node;
}

static gboolean
field_changed (SrVehiclePage *self,
               guint          i)
{
  g_autofree char *before = vehicle_text (self->base, i);
  g_autofree char *now = input_text (self, i);

  return g_strcmp0 (before, now) != 0;
}

/* The changed fields (every field for a new vehicle), for the server. */
static JsonObject *
collect_changes (SrVehiclePage *self)
{
  JsonObject *changes = json_object_new ();

  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *text = NULL;

      if (!field_shown (self, i) || (self->id != 0 && !field_changed (self, i)))
        continue;
      text = input_text (self, i);
      json_object_set_member (changes, fields[i].name, field_value (i, text));
    }
  return changes;
}

static gboolean
is_dirty (SrVehiclePage *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    if (field_shown (self, i) && field_changed (self, i))
      return TRUE;
  return FALSE;
}

static void
show_notice (SrVehiclePage *self,
             const char    *icon,
             const char    *text,
             const char    *button_label,
             const char    *action)
{
  if (text == NULL)
    {
      gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
      return;
    }
  gtk_image_set_from_icon_name (self->notice_icon, icon);
  gtk_label_set_text (self->notice_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_button), button_label != NULL);
  if (button_label != NULL)
    {
      gtk_button_set_label (self->notice_button, button_label);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->notice_button), action);
    }
  gtk_revealer_set_reveal_child (self->notice_revealer, TRUE);
}

static void
update_title (SrVehiclePage *self)
{
  g_autofree char *title = NULL;

  if (self->base != NULL)
    title = g_strdup_printf ("%s · %s %s", sr_vehicle_get_stock_no (self->base),
                             sr_vehicle_get_make (self->base), sr_vehicle_get_model (self->base));
  else if (self->id == 0)
    title = g_strdup (_("New Vehicle"));
  else
    title = g_strdup (_("Vehicle"));

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_title (self->switcher_title, title);

  /* The form's heading: which vehicle, and which of its versions the form shows. */
  if (self->base != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s %s %s", sr_vehicle_get_make (self->base),
                                               sr_vehicle_get_model (self->base),
                                               sr_vehicle_get_variant (self->base));
      /* Translators: under a vehicle's name: "Stock No. SR000012 · version 3 · In stock" */
      g_autofree char *about = g_strdup_printf (_("Stock No. %s · version %d · %s"),
                                                sr_vehicle_get_stock_no (self->base),
                                                (int) sr_vehicle_get_version (self->base),
                                                sr_status_label (sr_vehicle_get_status (self->base)));

      adw_preferences_group_set_title (self->vehicle_group, g_strstrip (name));
      adw_preferences_group_set_description (self->vehicle_group, about);
      adw_view_switcher_title_set_subtitle (self->switcher_title, about);
    }
  else if (self->id == 0)
    {
      adw_preferences_group_set_title (self->vehicle_group, _("New Vehicle"));
      adw_preferences_group_set_description (self->vehicle_group,
                                             _("The stock number is given when the vehicle is saved."));
    }
}

/* Validates every field, marks the ones in error and decides whether Save works; the
 * first problem is spelled out under the form. */
static void
refresh_state (SrVehiclePage *self)
{
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;
  gboolean dirty = FALSE;

  g_clear_pointer (&self->problem, g_free);

  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *problem = NULL;

      if (!field_shown (self, i))
        continue;
      text = input_text (self, i);
      problem = field_problem (i, text);
      dirty |= field_changed (self, i);

      if (problem != NULL)
        gtk_widget_add_css_class (self->rows[i], "error");
      else
        gtk_widget_remove_css_class (self->rows[i], "error");
      if (self->warnings[i] != NULL)
        {
          gtk_widget_set_visible (self->warnings[i], problem != NULL);
          gtk_widget_set_tooltip_text (self->warnings[i], problem);
        }
      if (problem != NULL && self->problem == NULL)
        self->problem = g_steal_pointer (&problem);
    }

  gtk_label_set_text (self->problem_label, self->problem ? self->problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), self->problem != NULL);

  if (self->problem == NULL)
    {
      if (self->gone)
        self->problem = g_strdup (_("This vehicle is no longer in your stock."));
      else if (!online)
        self->problem = g_strdup (_("Offline: your changes are kept and can be saved once the connection is back."));
      else if (!dirty && self->id != 0)
        self->problem = g_strdup (_("Nothing has changed yet."));
      else if (self->busy)
        self->problem = g_strdup (_("Saving…"));
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "vehicle.save", self->problem == NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button), self->problem);

  if (self->gone)
    show_notice (self, "dialog-warning-symbolic",
                 _("This vehicle was removed or moved to another branch. What you typed is still here, but it can no longer be saved."),
                 NULL, NULL);
  else if (!online)
    show_notice (self, "network-offline-symbolic",
                 _("Offline: the last known values stay visible. Your changes are kept and can be saved once the connection is back."),
                 NULL, NULL);
  else
    show_notice (self, NULL, NULL, NULL, NULL);
}

static void
input_changed_cb (SrVehiclePage *self)
{
  if (self->filling)
    return;
  note_touched (self);
  refresh_state (self);
}

/* VINs are upper case: lower-case typing is taken as meant. */
static void
vin_changed_cb (GtkEditable   *editable,
                SrVehiclePage *self)
{
  const char *text = gtk_editable_get_text (editable);
  g_autofree char *upper = g_ascii_strup (text, -1);

  if (!g_str_equal (text, upper))
    {
      int position = gtk_editable_get_position (editable);

      gtk_editable_set_text (editable, upper);
      gtk_editable_set_position (editable, position);
      return;
    }
  input_changed_cb (self);
}

/* A field the user changed whose value someone else has changed since: saving it
 * needs the user's word. */
static gboolean
field_conflicts (SrVehiclePage *self,
                 guint          i)
{
  g_autofree char *now = NULL;

  if (self->origins[i] == NULL)
    return FALSE;
  now = vehicle_text (self->base, i);
  return g_strcmp0 (now, self->origins[i]) != 0 && field_changed (self, i);
}

static gboolean
has_conflicts (SrVehiclePage *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    if (field_shown (self, i) && field_conflicts (self, i))
      return TRUE;
  return FALSE;
}

/* Remembers where each field the user has just changed started from. */
static void
note_touched (SrVehiclePage *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    {
      if (!field_shown (self, i))
        continue;
      if (self->origins[i] == NULL && field_changed (self, i))
        self->origins[i] = vehicle_text (self->base, i);
      else if (self->origins[i] != NULL && !field_changed (self, i) && !field_conflicts (self, i))
        g_clear_pointer (&self->origins[i], g_free);
    }
}

/* Takes @vehicle as the new base: fields the user has not changed show its values;
 * the ones they changed keep what they typed. With @force every field shows it and
 * nothing the user typed stays. */
static void
fill_from (SrVehiclePage *self,
           SrVehicle     *vehicle,
           gboolean       force)
{
  self->filling = TRUE;
  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *now = NULL;

      if (!field_shown (self, i))
        continue;
      now = vehicle_text (vehicle, i);
      if (force || !field_changed (self, i))
        {
          set_input (self, i, now);
          g_clear_pointer (&self->origins[i], g_free);
        }
    }
  self->filling = FALSE;

  g_set_object (&self->base, vehicle);
  update_title (self);
  refresh_state (self);
}

static GtkWidget *
make_combo (const char *title,
            guint       n,
            const char *(*label) (guint))
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GtkWidget *row = adw_combo_row_new ();

  for (guint j = 0; j < n; j++)
    gtk_string_list_append (list, label (j));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  return row;
}

static const char *
fuel_label_at (guint j)
{
  return sr_fuel_label ((SrVehicleFuel) j);
}

static const char *
status_label_at (guint j)
{
  return sr_status_label ((SrVehicleStatus) j);
}

static void
build_form (SrVehiclePage *self)
{
  AdwPreferencesGroup *groups[2];
  AdwPreferencesGroup *problems;

  groups[0] = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (groups[0], _("Vehicle"));
  self->vehicle_group = groups[0];
  groups[1] = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (groups[1], _("In the Showroom"));

  for (guint i = 0; i < N_FIELDS; i++)
    {
      const char *title = sr_field_label (fields[i].name);
      GtkWidget *row;

      if (fields[i].managers_only && !self->manager)
        continue;

      if (fields[i].kind == KIND_FUEL)
        row = make_combo (title, SR_VEHICLE_N_FUELS, fuel_label_at);
      else if (fields[i].kind == KIND_STATUS)
        row = make_combo (title, SR_VEHICLE_N_STATUSES, status_label_at);
      else
        {
          GtkWidget *warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

          row = adw_entry_row_new ();
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          gtk_widget_add_css_class (warning, "error");
          gtk_widget_set_visible (warning, FALSE);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), warning);
          self->warnings[i] = warning;
          if (fields[i].kind == KIND_MONEY || fields[i].kind == KIND_YEAR || fields[i].kind == KIND_KM)
            gtk_editable_set_alignment (GTK_EDITABLE (row), 0.0);
          if (fields[i].kind == KIND_VIN)
            g_signal_connect (row, "changed", G_CALLBACK (vin_changed_cb), self);
          else
            g_signal_connect_swapped (row, "changed", G_CALLBACK (input_changed_cb), self);
        }
      if (fields[i].kind == KIND_FUEL || fields[i].kind == KIND_STATUS)
        g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (input_changed_cb), self);

      gtk_widget_set_name (row, fields[i].name);
      self->rows[i] = row;
      adw_preferences_group_add (groups[fields[i].group], row);
    }

  /* A vehicle in stock is sold from here: reserved, then completed or released. */
  if (self->id != 0)
    adw_preferences_page_add (self->details_page,
                              ADW_PREFERENCES_GROUP (sr_sale_group_new (self->client, self->store, self->id)));
  adw_preferences_page_add (self->details_page, groups[0]);
  adw_preferences_page_add (self->details_page, groups[1]);

  /* The first problem in words, where the eye goes after the last field. */
  problems = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->problem_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Problem with the form"), -1);
  adw_preferences_group_add (problems, GTK_WIDGET (self->problem_label));
  adw_preferences_page_add (self->details_page, problems);
}

/* Outcomes show in the main window: the page closes on success. */
static void
toast (SrVehiclePage *self,
       const char    *text)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (SR_IS_WINDOW (parent))
    sr_window_add_toast (SR_WINDOW (parent), text);
}

/* ------------------------------------------------------------------------------------
 * Version conflicts: the user's values next to the ones saved meanwhile.
 */

typedef struct {
  SrVehiclePage *page;
  char          *reason;
} Conflict;

static void
conflict_free (gpointer  data,
               GClosure *closure)
{
  Conflict *conflict = data;

  g_object_unref (conflict->page);
  g_free (conflict->reason);
  g_free (conflict);
}

static void submit (SrVehiclePage *self, const char *reason);

static void
conflict_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      Conflict         *conflict)
{
  SrVehiclePage *self = conflict->page;

  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *theirs = NULL;

      if (!field_shown (self, i) || !field_conflicts (self, i))
        continue;
      if (g_str_equal (response, "discard"))
        {
          /* Theirs stands; the field follows the vehicle again. */
          theirs = vehicle_text (self->base, i);
          self->filling = TRUE;
          set_input (self, i, theirs);
          self->filling = FALSE;
          g_clear_pointer (&self->origins[i], g_free);
        }
      else if (g_str_equal (response, "reapply"))
        {
          /* The user's value goes over theirs. */
          g_free (self->origins[i]);
          self->origins[i] = vehicle_text (self->base, i);
        }
    }
  refresh_state (self);

  if (g_str_equal (response, "reapply"))
    submit (self, conflict->reason);
}

static GtkWidget *
grid_label (const char *text,
            gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_label_set_selectable (GTK_LABEL (label), !heading);
  if (heading)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

/* The fields both sides changed, side by side: theirs as saved, and the user's. */
static void
show_conflict (SrVehiclePage *self,
               const char    *reason)
{
  Conflict *conflict;
  GtkWidget *dialog;
  GtkWidget *grid;
  int row = 1;

  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_attach (GTK_GRID (grid), grid_label (_("Field"), TRUE), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), grid_label (_("Saved Meanwhile"), TRUE), 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), grid_label (_("Yours"), TRUE), 2, 0, 1, 1);

  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *theirs = NULL;
      g_autofree char *typed = NULL;
      g_autoptr(JsonNode) theirs_node = NULL;
      g_autoptr(JsonNode) typed_node = NULL;
      g_autofree char *theirs_shown = NULL;
      g_autofree char *typed_shown = NULL;

      if (!field_shown (self, i) || !field_conflicts (self, i))
        continue;

      theirs = vehicle_text (self->base, i);
      typed = input_text (self, i);
      theirs_node = field_value (i, theirs);
      typed_node = field_value (i, typed);
      theirs_shown = sr_field_value_display (fields[i].name, theirs_node);
      typed_shown = sr_field_value_display (fields[i].name, typed_node);
      gtk_grid_attach (GTK_GRID (grid), grid_label (sr_field_label (fields[i].name), FALSE), 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), grid_label (theirs_shown, FALSE), 1, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), grid_label (typed_shown, FALSE), 2, row, 1, 1);
      row++;
    }

  conflict = g_new0 (Conflict, 1);
  conflict->page = g_object_ref (self);
  conflict->reason = g_strdup (reason);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Changed by Someone Else"),
                                   _("While you were editing, someone else saved a different value "
                                     "for what you changed. Keep theirs, or apply yours over it."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), grid);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "discard", _("_Keep Theirs"),
                                    "reapply", reason ? _("_Propose Mine") : _("_Apply Mine"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reapply",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "reapply");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (conflict_response_cb), conflict,
                         conflict_free, 0);
  gtk_widget_set_name (dialog, "conflict-dialog");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------------------------
 * Saving and proposing.
 */

typedef struct {
  SrVehiclePage *page;
  JsonObject    *changes;
  char          *reason;     /* a proposal's; NULL for a save */
} Submission;

static void
submission_free (Submission *submission)
{
  g_object_unref (submission->page);
  json_object_unref (submission->changes);
  g_free (submission->reason);
  g_free (submission);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Submission, submission_free)

/* A refusal in words; the server's field, when it names one, is marked. */
static char *
refusal_text (SrVehiclePage *self,
              const GError  *error)
{
  if (g_error_matches (error, SR_ERROR, SR_ERROR_DUPLICATE_VIN))
    return g_strdup (_("Another vehicle already has this VIN."));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_VIN))
    return g_strdup (_("The server refused the VIN: 17 letters and digits, without I, O or Q."));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_FORBIDDEN))
    return g_strdup (_("Your role may not make this change."));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_FOUND))
    return g_strdup (_("This vehicle is no longer in your stock."));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
    return g_strdup (_("The server cannot be reached; your changes are kept. Try again once it is back."));
  return g_strdup_printf (_("Not saved: %s"), error->message);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Submission) submission = user_data;
  SrVehiclePage *self = submission->page;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  self->busy = FALSE;

  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      refresh_state (self);
      if (g_error_matches (error, SR_ERROR, SR_ERROR_VERSION_CONFLICT))
        {
          JsonObject *extra = sr_error_get_extra (error);
          g_autoptr(SrVehicle) current = NULL;

          /* A change the feed has not brought yet: take it as the store would. */
          if (extra != NULL && json_object_has_member (extra, "current"))
            current = sr_vehicle_new_from_json (json_object_get_object_member (extra, "current"), NULL);
          if (current == NULL)
            {
              show_notice (self, "dialog-error-symbolic",
                           _("Someone else changed this vehicle; close it and open it again."), NULL, NULL);
              return;
            }
          fill_from (self, current, FALSE);
          if (has_conflicts (self))
            show_conflict (self, submission->reason);
          else
            submit (self, submission->reason);
          return;
        }
      message = refusal_text (self, error);
      show_notice (self, "dialog-error-symbolic", message, NULL, NULL);
      return;
    }

  if (submission->reason != NULL)
    message = g_strdup_printf (_("Change to %s proposed; a manager will review it."),
                               gtk_window_get_title (GTK_WINDOW (self)));
  else if (self->id == 0)
    message = g_strdup_printf (_("%s added to the stock."),
                               json_object_get_string_member_with_default (json_node_get_object (reply),
                                                                          "stock_no", _("The vehicle")));
  else
    message = g_strdup_printf (_("%s saved."), gtk_window_get_title (GTK_WINDOW (self)));

  toast (self, message);
  self->done = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static void
submit (SrVehiclePage *self,
        const char    *reason)
{
  Submission *submission = g_new0 (Submission, 1);
  g_autoptr(JsonObject) params = json_object_new ();
  const char *method;

  submission->page = g_object_ref (self);
  submission->changes = collect_changes (self);
  submission->reason = g_strdup (reason);

  if (self->id == 0)
    {
      method = "vehicles.create";
      json_object_unref (params);
      params = json_object_ref (submission->changes);
    }
  else if (reason != NULL)
    {
      method = "edits.propose";
      json_object_set_int_member (params, "vehicle_id", self->id);
      json_object_set_int_member (params, "base_version", sr_vehicle_get_version (self->base));
      json_object_set_object_member (params, "changes", json_object_ref (submission->changes));
      json_object_set_string_member (params, "reason", reason);
    }
  else
    {
      method = "vehicles.update";
      json_object_set_int_member (params, "id", self->id);
      json_object_set_int_member (params, "version", sr_vehicle_get_version (self->base));
      json_object_set_object_member (params, "changes", json_object_ref (submission->changes));
    }

  self->busy = TRUE;
  refresh_state (self);
  sr_client_call_async (self->client, method, params, self->cancellable, submitted_cb, submission);
}

typedef struct {
  SrVehiclePage *page;
  GtkWidget     *entry;
} ReasonForm;

static void
reason_form_free (gpointer  data,
                  GClosure *closure)
{
  ReasonForm *form = data;

  g_object_unref (form->page);
  g_free (form);
}

static void
reason_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ReasonForm       *form)
{
  g_autofree char *reason = NULL;

  if (!g_str_equal (response, "propose"))
    return;
  reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->entry))));
  if (has_conflicts (form->page))
    show_conflict (form->page, reason);
  else
    submit (form->page, reason);
}

static void
reason_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "propose", *reason != '\0');
}

/* Sales staff say why: the manager who decides reads it next to the values. */
static void
ask_reason (SrVehiclePage *self)
{
  ReasonForm *form = g_new0 (ReasonForm, 1);
  GtkWidget *dialog;

  form->page = g_object_ref (self);
  form->entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (form->entry), TRUE);
  g_object_set (form->entry, "placeholder-text", _("For example: price matched with the dealer across town"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (form->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason for the change"), -1);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Propose Change"),
                                   _("A manager will review your change. Say why it is needed."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), form->entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "propose", _("_Propose"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "propose",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "propose", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "propose");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (form->entry, "changed", G_CALLBACK (reason_changed_cb), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (reason_response_cb), form,
                         reason_form_free, 0);
  gtk_widget_set_name (dialog, "reason-dialog");
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (form->entry);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SrVehiclePage *self = SR_VEHICLE_PAGE (widget);

  if (self->problem != NULL)
    return;
  if (self->manager || self->id == 0)
    {
      if (has_conflicts (self))
        show_conflict (self, NULL);
      else
        submit (self, NULL);
    }
  else
    ask_reason (self);
}

/* ------------------------------------------------------------------------------------
 * History.
 */

/* The path of a history entry; a sale's status changes come as "direct" with sale_id. */
static char *
via_text (JsonObject *entry)
{
  const char *via = json_object_get_string_member_with_default (entry, "via", NULL);
  gint64 sale_id = json_object_get_int_member_with_default (entry, "sale_id", 0);

  if (sale_id > 0)
    return g_strdup_printf (_("Sale #%lld"), (long long) sale_id);
  if (via == NULL || g_str_equal (via, "direct"))
    return g_strdup (_("Edited directly"));
  if (g_str_has_prefix (via, "edit:"))
    return g_strdup_printf (_("Approved proposal #%s"), via + 5);
  if (g_str_has_prefix (via, "bulk:"))
    return g_strdup_printf (_("Bulk update #%s"), via + 5);
  return g_strdup (via);
}

static GtkWidget *
history_row (JsonObject *entry)
{
  JsonObject *changes = json_object_get_object_member (entry, "changes");
  JsonNode *user = json_object_get_member (entry, "user");
  const char *op = json_object_get_string_member_with_default (entry, "op", "update");
  g_autoptr(GDateTime) at = g_date_time_new_from_iso8601 (json_object_get_string_member (entry, "at"), NULL);
  g_autoptr(GDateTime) local = at ? g_date_time_to_local (at) : NULL;
  g_autofree char *when = local ? g_date_time_format (local, "%e %b %Y, %H:%M") : g_strdup ("");
  g_autofree char *via = via_text (entry);
  g_autofree char *subtitle = NULL;
  g_autoptr(GString) title = g_string_new (NULL);
  const char *who;
  GtkWidget *row = adw_action_row_new ();

  who = user != NULL && JSON_NODE_HOLDS_OBJECT (user)
        ? json_object_get_string_member (json_node_get_object (user), "name")
        : _("Outside Showroom (database)");

  if (g_str_equal (op, "insert"))
    g_string_append (title, _("Added to the stock"));
  else if (g_str_equal (op, "delete"))
    g_string_append (title, _("Removed from the stock"));
  else if (changes != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (changes);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonArray *pair = json_object_get_array_member (changes, l->data);
          g_autofree char *before = NULL;
          g_autofree char *after = NULL;

          if (pair == NULL || json_array_get_length (pair) != 2)
            continue;
          before = sr_field_value_display (l->data, json_array_get_element (pair, 0));
          after = sr_field_value_display (l->data, json_array_get_element (pair, 1));
          if (title->len > 0)
            g_string_append_c (title, '\n');
          /* Translators: a field's change in the history: "Price: 650,000.00 → 700,000.00" */
          g_string_append_printf (title, _("%s: %s → %s"), sr_field_label (l->data), before, after);
        }
    }

  /* A sales user's view of a change of cost alone: the entry, without the figures. */
  if (title->len == 0)
    g_string_append (title, _("Changed details that only managers see"));

  subtitle = g_strdup_printf ("%s · %s · %s", who, g_strstrip (when), via);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title->str);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

typedef struct {
  SrVehiclePage *page;
  gboolean       older;
} HistoryLoad;

static void
history_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree HistoryLoad *load = user_data;
  g_autoptr(SrVehiclePage) self = load->page;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object_reply;
  JsonArray *items;
  JsonNode *next;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !load->older)
        {
          adw_status_page_set_title (self->history_status, _("History Unavailable"));
          adw_status_page_set_description (self->history_status, error->message);
          gtk_stack_set_visible_child_name (self->history_stack, "empty");
        }
      return;
    }

  object_reply = json_node_get_object (reply);
  items = json_object_get_array_member (object_reply, "items");
  if (!load->older)
    {
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
        gtk_list_box_remove (self->history_list, child);
    }
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    gtk_list_box_append (self->history_list, history_row (json_array_get_object_element (items, i)));

  next = json_object_get_member (object_reply, "next");
  self->history_before = next != NULL && !JSON_NODE_HOLDS_NULL (next) ? json_node_get_int (next) : 0;
  gtk_widget_set_visible (self->history_more_button, self->history_before != 0);
  self->history_loaded = TRUE;

  if (gtk_widget_get_first_child (GTK_WIDGET (self->history_list)) != NULL)
    gtk_stack_set_visible_child_name (self->history_stack, "list");
  else
    {
      adw_status_page_set_title (self->history_status, _("No History Yet"));
      gtk_stack_set_visible_child_name (self->history_stack, "empty");
    }
}

static void
load_history (SrVehiclePage *self,
              gboolean       older)
{
  g_autoptr(JsonObject) params = json_object_new ();
  HistoryLoad *load;

  if (self->id == 0 || sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;

  json_object_set_int_member (params, "id", self->id);
  json_object_set_int_member (params, "limit", 50);
  if (older && self->history_before != 0)
    json_object_set_int_member (params, "before", self->history_before);

  load = g_new0 (HistoryLoad, 1);
  load->page = g_object_ref (self);
  load->older = older;
  sr_client_call_async (self->client, "vehicles.history", params, self->cancellable, history_cb, load);
}

static void
older_history_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  load_history (SR_VEHICLE_PAGE (widget), TRUE);
}

static void
visible_page_cb (SrVehiclePage *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (name, "history") == 0 && !self->history_loaded)
    load_history (self, FALSE);
}

/* ------------------------------------------------------------------------------------
 * Following the store.
 */

static gboolean
refresh_cb (gpointer user_data)
{
  SrVehiclePage *self = user_data;
  SrVehicle *vehicle;

  self->refresh_id = 0;
  if (self->id == 0)
    return G_SOURCE_REMOVE;

  vehicle = sr_vehicle_store_lookup (self->store, self->id, NULL);
  if (vehicle == NULL)
    {
      /* Gone, unless the store is only reloading. */
      if (!sr_vehicle_store_is_loading (self->store) &&
          sr_client_get_state (self->client) == SR_CLIENT_ONLINE && !self->gone)
        {
          self->gone = TRUE;
          refresh_state (self);
        }
      return G_SOURCE_REMOVE;
    }

  self->gone = FALSE;
  if (self->base == NULL || sr_vehicle_get_version (vehicle) != sr_vehicle_get_version (self->base))
    {
      g_autoptr(SrVehicle) snapshot = sr_vehicle_copy (vehicle);

      /* What the user typed stays; the rest follows. */
      fill_from (self, snapshot, FALSE);
      if (self->history_loaded)
        load_history (self, FALSE);
    }
  refresh_state (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (SrVehiclePage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_cb, self, NULL);
}

static void
signed_out_cb (SrVehiclePage *self)
{
  /* Nothing of one user's work stays on the counter for the next. */
  self->done = TRUE;
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
sr_vehicle_page_close_request (GtkWindow *window)
{
  SrVehiclePage *self = SR_VEHICLE_PAGE (window);

  if (self->done || self->gone || !is_dirty (self))
    return GTK_WINDOW_CLASS (sr_vehicle_page_parent_class)->close_request (window);

  sr_ask_discard (window, _("What you changed on this vehicle has not been saved."), &self->done);
  return TRUE;
}

SrVehiclePage *
sr_vehicle_page_new (GtkWindow      *parent,
                     SrClient       *client,
                     SrVehicleStore *store,
                     gint64          vehicle_id)
{
  SrVehiclePage *self;
  SrVehicle *vehicle = NULL;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (store), NULL);

  self = g_object_new (SR_TYPE_VEHICLE_PAGE,
                       "transient-for", parent,
                       "application", parent ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->id = vehicle_id;
  self->manager = sr_client_is_manager (client);

  build_form (self);
  gtk_button_set_label (self->save_button, self->manager || vehicle_id == 0 ? _("_Save") : _("_Propose Change…"));

  if (vehicle_id != 0)
    {
      vehicle = sr_vehicle_store_lookup (store, vehicle_id, NULL);
      self->gone = vehicle == NULL;
      /* The form's base is a snapshot: the store's vehicle changes under it. */
      if (vehicle != NULL)
        vehicle = sr_vehicle_copy (vehicle);
    }
  else
    {
      /* A new vehicle has no history yet. */
      adw_view_stack_page_set_visible (adw_view_stack_get_page (self->view_stack,
                                                                adw_view_stack_get_child_by_name (self->view_stack, "history")),
                                       FALSE);
    }
  fill_from (self, vehicle, TRUE);
  g_clear_object (&vehicle);

  g_signal_connect_object (store, "items-changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (refresh_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "signed-out", G_CALLBACK (signed_out_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view_stack, "notify::visible-child", G_CALLBACK (visible_page_cb), self,
                           G_CONNECT_SWAPPED);

  if (self->rows[0] != NULL)
    gtk_widget_grab_focus (self->rows[0]);

  return self;
}

SrVehiclePage *
sr_vehicle_page_find (gint64 vehicle_id)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SR_IS_VEHICLE_PAGE (window) && SR_VEHICLE_PAGE (window)->id == vehicle_id)
        return SR_VEHICLE_PAGE (window);
    }
  return NULL;
}

gint64
sr_vehicle_page_get_vehicle_id (SrVehiclePage *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_PAGE (self), 0);
  return self->id;
}

GtkWidget *
sr_vehicle_page_get_field (SrVehiclePage *self,
                           const char    *name)
{
  int i;

  g_return_val_if_fail (SR_IS_VEHICLE_PAGE (self), NULL);
  i = field_index (name);
  return i < 0 ? NULL : self->rows[i];
}

const char *
sr_vehicle_page_get_problem (SrVehiclePage *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_PAGE (self), NULL);
  return self->problem;
}

static void
sr_vehicle_page_dispose (GObject *object)
{
  SrVehiclePage *self = SR_VEHICLE_PAGE (object);

  /* A closed page may live on for a moment (a dialog's callback holds it): it stops
   * following the store and the client now. */
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_VEHICLE_PAGE);

  G_OBJECT_CLASS (sr_vehicle_page_parent_class)->dispose (object);
}

static void
sr_vehicle_page_finalize (GObject *object)
{
  SrVehiclePage *self = SR_VEHICLE_PAGE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->base);
  g_clear_object (&self->cancellable);
  g_free (self->problem);
  for (guint i = 0; i < N_FIELDS; i++)
    g_free (self->origins[i]);

  G_OBJECT_CLASS (sr_vehicle_page_parent_class)->finalize (object);
}

static void
sr_vehicle_page_class_init (SrVehiclePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sr_vehicle_page_dispose;
  object_class->finalize = sr_vehicle_page_finalize;
  window_class->close_request = sr_vehicle_page_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-vehicle-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, save_button);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, notice_box);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, notice_icon);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, notice_button);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, details_page);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, history_stack);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, history_status);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, history_list);
  gtk_widget_class_bind_template_child (widget_class, SrVehiclePage, history_more_button);

  gtk_widget_class_install_action (widget_class, "vehicle.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "vehicle.older-history", NULL, older_history_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "vehicle.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
sr_vehicle_page_init (SrVehiclePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
