/* sr-bulk-dialog.c: a bulk update, in two steps.
 *
 * The first page says which vehicles the change is for (the stock view's filter,
 * frozen when the dialog opens) and takes the change itself; Preview asks the server
 * what would happen and the second page shows every row before and after. Applying
 * spends that preview: the server refuses it when a vehicle moved on meanwhile, and the
 * dialog then explains and offers a fresh preview of the same change.
 */
#define G_LOG_DOMAIN "sr-bulk-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "sr-bulk-dialog.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-vehicle-filter.h"

/* The rows of op_row, in order. */
typedef enum {
  OP_PRICE_PCT,
  OP_PRICE_ADD,
  OP_SET_STATUS,
  OP_SET_LOCATION,
} Op;

/* bulk.preview's bounds for price_pct, and vehicles.update's for a location. */
#define PCT_MIN -100.0
#define PCT_MAX 1000.0
#define LOCATION_MAX 100

/* --- one row of a preview ---------------------------------------------------------------- */

/* Formatted once when the preview arrives: a preview may hold 10,000 rows, and a row
 * scrolled into view should cost a label update, nothing more. */
#define SR_TYPE_BULK_ROW (sr_bulk_row_get_type ())

G_DECLARE_FINAL_TYPE (SrBulkRow, sr_bulk_row, SR, BULK_ROW, GObject)

struct _SrBulkRow
{
  GObject   parent_instance;

  char     *cells[5];
  gboolean  numeric;
};

enum {
  CELL_STOCK_NO,
  CELL_VEHICLE,
  CELL_BEFORE,
  CELL_AFTER,
  CELL_DIFFERENCE,
};

G_DEFINE_FINAL_TYPE (SrBulkRow, sr_bulk_row, G_TYPE_OBJECT)

static void
sr_bulk_row_finalize (GObject *object)
{
  SrBulkRow *self = SR_BULK_ROW (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->cells); i++)
    g_free (self->cells[i]);

  G_OBJECT_CLASS (sr_bulk_row_parent_class)->finalize (object);
}

static void
sr_bulk_row_class_init (SrBulkRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sr_bulk_row_finalize;
}

static void
sr_bulk_row_init (SrBulkRow *self)
{
}

/* --- the dialog ------------------------------------------------------------------------- */

struct _SrBulkDialog
{
  AdwWindow            parent_instance;

  /* Template widgets */
  AdwWindowTitle      *window_title;
  GtkWidget           *cancel_button;
  GtkWidget           *back_button;
  GtkWidget           *preview_button;
  GtkWidget           *apply_button;
  GtkSpinner          *spinner;
  GtkInfoBar          *offline_bar;
  GtkStack            *stack;
  AdwActionRow        *scope_row;
  AdwComboRow         *op_row;
  AdwEntryRow         *percent_row;
  AdwEntryRow         *amount_row;
  AdwComboRow         *status_row;
  AdwEntryRow         *location_row;
  GtkLabel            *input_message;
  GtkInfoBar          *problem_bar;
  GtkLabel            *problem_label;
  GtkWidget           *again_button;
  GtkLabel            *summary_label;
  GtkLabel            *detail_label;
  GtkWidget           *reason_box;
  AdwEntryRow         *reason_row;
  GtkColumnView       *rows_view;

  /* Borrowed */
  GtkWidget           *view;            /* weak: where the result is told */

  /* Owned */
  SrClient            *client;
  SrVehicleStore      *store;
  JsonObject          *filter;          /* vehicles.list's, as the view had it */
  JsonObject          *op;              /* what the input says now; NULL if invalid */
  JsonObject          *previewed_op;    /* what the preview shown was made for */
  GListStore          *rows;
  GtkColumnViewColumn *difference_column;
  GCancellable        *cancellable;
  gint64               preview_id;      /* 0 when there is none to apply */
  guint                count;
  guint                matching;        /* vehicles the view showed */
  gboolean             busy;
  gboolean             stale;           /* the preview shown can no longer be applied */
  gboolean             manager;
};

G_DEFINE_FINAL_TYPE (SrBulkDialog, sr_bulk_dialog, ADW_TYPE_WINDOW)

static const char *
op_kind (JsonObject *op)
{
  if (json_object_has_member (op, "price_pct"))
    return "price_pct";
  if (json_object_has_member (op, "price_add"))
    return "price_add";
  return "set";
}

/* The one field the operation writes: "price", "status", "location". */
static const char *
op_field (JsonObject *op)
{
  JsonObject *set;
  g_autoptr(GList) names = NULL;

  if (!g_str_equal (op_kind (op), "set"))
    return "price";
  set = json_object_get_object_member (op, "set");
  names = json_object_get_members (set);
  return names != NULL ? names->data : "";
}

/* A signed amount, with a real minus sign: "+65,000.00", "−5,000.00". */
static char *
signed_money_display (gint64 paise)
{
  g_autofree char *magnitude = sr_money_display (paise < 0 ? -paise : paise);

  if (paise == 0)
    return g_steal_pointer (&magnitude);
  return g_strdup_printf ("%s%s", paise < 0 ? "−" : "+", magnitude);
}

/* "Price +10%", "Price −5,000.00", "Status: Reserved", "Location: Yard 2". */
static char *
describe_op (JsonObject *op)
{
  const char *kind = op_kind (op);

  if (g_str_equal (kind, "price_pct"))
    {
      double pct = json_object_get_double_member (op, "price_pct");
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (number, sizeof number, "%g", fabs (pct));
      return g_strdup_printf (_("Price %s%s%%"), pct < 0 ? "−" : "+", number);
    }
  if (g_str_equal (kind, "price_add"))
    {
      gint64 paise = 0;
      const char *text = json_object_get_string_member (op, "price_add");
      gboolean negative = text[0] == '-';

      sr_money_parse (negative ? text + 1 : text, &paise);
      {
        g_autofree char *amount = signed_money_display (negative ? -paise : paise);

        return g_strdup_printf (_("Price %s"), amount);
      }
    }

  {
    const char *field = op_field (op);
    JsonNode *value = json_object_get_member (json_object_get_object_member (op, "set"), field);
    g_autofree char *shown = sr_field_value_display (field, value);

    /* TRANSLATORS: a field and its new value, "Status: Reserved" */
    return g_strdup_printf (_("%s: %s"), sr_field_label (field), shown);
  }
}

/* "42 vehicles: In stock, Maruti, search “swift”" */
static char *
describe_scope (SrStockView *view)
{
  SrVehicleFilter *filter = sr_stock_view_get_filter (view);
  GListModel *shown = sr_stock_view_get_shown (view);
  guint n = g_list_model_get_n_items (shown);
  guint statuses = sr_vehicle_filter_get_statuses (filter);
  const guint unsold = SR_VEHICLE_STATUS_ALL & ~SR_VEHICLE_STATUS_BIT (SR_VEHICLE_STATUS_SOLD);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  gint64 min = sr_vehicle_filter_get_price_min (filter);
  gint64 max = sr_vehicle_filter_get_price_max (filter);

  if (statuses == unsold)
    g_ptr_array_add (parts, g_strdup (_("Unsold")));
  else if (statuses != SR_VEHICLE_STATUS_ALL)
    {
      char *names = NULL;

      for (guint i = 0; i < SR_VEHICLE_N_STATUSES; i++)
        {
          char *more;

          if ((statuses & SR_VEHICLE_STATUS_BIT (i)) == 0)
            continue;
          /* TRANSLATORS: statuses a filter allows, "Incoming or Sold" */
          more = names == NULL ? g_strdup (sr_status_label (i))
                               : g_strdup_printf (_("%s or %s"), names, sr_status_label (i));
          g_free (names);
          names = more;
        }
      g_ptr_array_add (parts, names);
    }

  /* The filter keeps the make lower-cased; a vehicle shown has it as it is written. */
  if (sr_vehicle_filter_get_make (filter) != NULL)
    {
      g_autoptr(SrVehicle) first = n > 0 ? g_list_model_get_item (shown, 0) : NULL;

      g_ptr_array_add (parts, g_strdup (first != NULL ? sr_vehicle_get_make (first)
                                                      : sr_vehicle_filter_get_make (filter)));
    }
  if (sr_vehicle_filter_get_fuel (filter) >= 0)
    g_ptr_array_add (parts, g_strdup (sr_fuel_label (sr_vehicle_filter_get_fuel (filter))));

  if (min >= 0 || max >= 0)
    {
      g_autofree char *from = min >= 0 ? sr_money_display (min) : NULL;
      g_autofree char *to = max >= 0 ? sr_money_display (max) : NULL;

      if (from != NULL && to != NULL)
        g_ptr_array_add (parts, g_strdup_printf (_("priced %s to %s"), from, to));
      else if (from != NULL)
        g_ptr_array_add (parts, g_strdup_printf (_("priced from %s"), from));
      else
        g_ptr_array_add (parts, g_strdup_printf (_("priced up to %s"), to));
    }
  if (sr_vehicle_filter_get_text (filter) != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("search “%s”"), sr_vehicle_filter_get_text (filter)));

  if (parts->len == 0)
    return g_strdup_printf (ngettext ("All %'u vehicle", "All %'u vehicles", n), n);

  g_ptr_array_add (parts, NULL);
  joined = g_strjoinv (", ", (char **) parts->pdata);
  /* TRANSLATORS: the vehicles a bulk update is for, "42 vehicles: In stock, Maruti" */
  return g_strdup_printf (ngettext ("%'u vehicle: %s", "%'u vehicles: %s", n), n, joined);
}

/* --- input ------------------------------------------------------------------------------ */

/* "10", "-2.5", "+7.25", with an optional trailing "%". */
static gboolean
parse_percent (const char *text,
               double     *pct)
{
  g_autofree char *plain = g_strstrip (g_strdup (text));
  gsize len = strlen (plain);
  const char *p = plain;
  gboolean digits = FALSE;
  char *end = NULL;

  if (len > 0 && plain[len - 1] == '%')
    {
      plain[len - 1] = '\0';
      g_strchomp (plain);
    }

  /* Only a plain decimal: strtod would take "inf", "0x10" and "1e3" as well. */
  if (*p == '+' || *p == '-')
    p++;
  for (; g_ascii_isdigit (*p); p++)
    digits = TRUE;
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      digits = TRUE;
  if (!digits || *p != '\0')
    return FALSE;

  *pct = g_ascii_strtod (plain, &end);
  return end != NULL && *end == '\0' && isfinite (*pct);
}

/* "5000", "-2,500.50", "+1 00 000": a signed amount in paise. */
static gboolean
parse_amount (const char *text,
              gint64     *paise)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p = text;
  gboolean negative = FALSE;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '+' || *p == '-')
    negative = *p++ == '-';
  /* Grouping marks typed by habit are fine, as in the stock view's price filter. */
  for (; *p; p++)
    if (*p != ',' && *p != ' ' && *p != '_')
      g_string_append_c (digits, *p);

  if (!sr_money_parse (digits->str, paise))
    return FALSE;
  if (negative)
    *paise = -*paise;
  return TRUE;
}

static Op
current_op (SrBulkDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->op_row);

  return selected <= OP_SET_LOCATION ? (Op) selected : OP_PRICE_PCT;
}

static AdwEntryRow *
current_entry (SrBulkDialog *self)
{
  switch (current_op (self))
    {
    case OP_PRICE_ADD:
      return self->amount_row;
    case OP_SET_LOCATION:
      return self->location_row;
    case OP_SET_STATUS:
      return NULL;
    case OP_PRICE_PCT:
    default:
      return self->percent_row;
    }
}

/* The op the input describes, or NULL with *message saying what is missing (and
 * *invalid whether what was typed is wrong rather than not there yet). */
static JsonObject *
read_input (SrBulkDialog  *self,
            char         **message,
            gboolean      *invalid)
{
  g_autoptr(JsonObject) op = json_object_new ();
  AdwEntryRow *entry = current_entry (self);
  g_autofree char *text = entry ? g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)))) : NULL;

  *message = NULL;
  *invalid = FALSE;

  switch (current_op (self))
    {
    case OP_PRICE_PCT:
      {
        double pct = 0;

        if (*text == '\0')
          *message = g_strdup (_("Enter the percentage to change prices by: 10 raises them by a tenth, -5 lowers them."));
        else if (!parse_percent (text, &pct))
          *message = g_strdup_printf (_("“%s” is not a number. Enter a percentage such as 10 or -2.5."), text);
        else if (pct < PCT_MIN || pct > PCT_MAX)
          *message = g_strdup (_("The percentage must be between -100 and 1000."));
        else if (pct == 0)
          /* xgettext:no-c-format */
          *message = g_strdup (_("A change of 0% leaves every price as it is."));
        else
          {
            json_object_set_double_member (op, "price_pct", pct);
            return g_steal_pointer (&op);
          }
        *invalid = *text != '\0';
        return NULL;
      }

    case OP_PRICE_ADD:
      {
        gint64 paise = 0;

        if (*text == '\0')
          *message = g_strdup (_("Enter the amount to add to every price; a negative amount lowers them."));
        else if (!parse_amount (text, &paise))
          *message = g_strdup_printf (_("“%s” is not an amount. Enter one such as 5000 or -2500.50."), text);
        else if (paise == 0)
          *message = g_strdup (_("An amount of 0 leaves every price as it is."));
        else
          {
            g_autofree char *amount = sr_money_format (paise);

            json_object_set_string_member (op, "price_add", amount);
            return g_steal_pointer (&op);
          }
        *invalid = *text != '\0';
        return NULL;
      }

    case OP_SET_LOCATION:
      if (*text == '\0')
        {
          *message = g_strdup (_("Enter the location to give every vehicle."));
          return NULL;
        }
      if (g_utf8_strlen (text, -1) > LOCATION_MAX)
        {
          *message = g_strdup_printf (_("A location may have at most %d characters."), LOCATION_MAX);
          *invalid = TRUE;
          return NULL;
        }
      {
        JsonObject *set = json_object_new ();

        json_object_set_string_member (set, "location", text);
        json_object_set_object_member (op, "set", set);
        return g_steal_pointer (&op);
      }

    case OP_SET_STATUS:
    default:
      {
        JsonObject *set = json_object_new ();
        guint status = MIN (adw_combo_row_get_selected (self->status_row), SR_VEHICLE_N_STATUSES - 1);

        json_object_set_string_member (set, "status", sr_vehicle_status_to_string (status));
        json_object_set_object_member (op, "set", set);
        return g_steal_pointer (&op);
      }
    }
}

static gboolean
on_page (SrBulkDialog *self,
         const char   *name)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), name) == 0;
}

/* Everything that may be pressed now, from the connection, the input and the
 * preview: nothing is sent while offline or while a request is out. */
static void
update_actions (SrBulkDialog *self)
{
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;
  gboolean ready = online && !self->busy;
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_row))));
  gboolean applicable = self->preview_id > 0 && !self->stale && self->count > 0;

  gtk_widget_set_sensitive (self->preview_button, ready && self->op != NULL);
  gtk_widget_set_sensitive (self->again_button, ready && self->previewed_op != NULL);
  gtk_widget_set_sensitive (self->apply_button, ready && applicable && (self->manager || *reason != '\0'));
  gtk_widget_set_sensitive (self->back_button, !self->busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->busy);
  gtk_spinner_set_spinning (self->spinner, self->busy);
  gtk_info_bar_set_revealed (self->offline_bar, !online);
}

static void
show_input_message (SrBulkDialog *self,
                    const char   *message,
                    gboolean      invalid)
{
  gtk_label_set_text (self->input_message, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->input_message), message != NULL);
  if (invalid)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->input_message), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->input_message), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->input_message), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->input_message), "dim-label");
    }
}

static void
input_changed_cb (SrBulkDialog *self)
{
  g_autofree char *message = NULL;
  gboolean invalid = FALSE;
  Op op = current_op (self);
  AdwEntryRow *entry;

  /* Still being built: sr_bulk_dialog_new() calls this once it is done. */
  if (self->client == NULL)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->percent_row), op == OP_PRICE_PCT);
  gtk_widget_set_visible (GTK_WIDGET (self->amount_row), op == OP_PRICE_ADD);
  gtk_widget_set_visible (GTK_WIDGET (self->status_row), op == OP_SET_STATUS);
  gtk_widget_set_visible (GTK_WIDGET (self->location_row), op == OP_SET_LOCATION);

  g_clear_pointer (&self->op, json_object_unref);
  self->op = read_input (self, &message, &invalid);

  entry = current_entry (self);
  for (AdwEntryRow **row = (AdwEntryRow *[]) { self->percent_row, self->amount_row, self->location_row, NULL };
       *row != NULL; row++)
    {
      if (*row == entry && invalid)
        gtk_widget_add_css_class (GTK_WIDGET (*row), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (*row), "error");
    }
  show_input_message (self, message, invalid);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->preview_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->preview_button),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  update_actions (self);
}

/* --- pages ------------------------------------------------------------------------------ */

static void
focus_input (SrBulkDialog *self)
{
  AdwEntryRow *entry = current_entry (self);

  gtk_widget_grab_focus (entry ? GTK_WIDGET (entry) : GTK_WIDGET (self->status_row));
}

static void
show_setup (SrBulkDialog *self)
{
  self->preview_id = 0;
  self->stale = FALSE;
  g_list_store_remove_all (self->rows);
  gtk_info_bar_set_revealed (self->problem_bar, FALSE);

  gtk_stack_set_visible_child_name (self->stack, "setup");
  adw_window_title_set_title (self->window_title, _("Bulk Update"));
  adw_window_title_set_subtitle (self->window_title, "");
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_visible (self->back_button, FALSE);
  gtk_widget_set_visible (self->preview_button, TRUE);
  gtk_widget_set_visible (self->apply_button, FALSE);
  update_actions (self);
  focus_input (self);
}

static void
show_problem (SrBulkDialog *self,
              const char   *message)
{
  gtk_label_set_text (self->problem_label, message);
  gtk_info_bar_set_revealed (self->problem_bar, TRUE);
}

/* Where a failure is told: beside the input before a preview, above the rows after. */
static void
show_failure (SrBulkDialog *self,
              const char   *message)
{
  if (on_page (self, "preview"))
    show_problem (self, message);
  else
    show_input_message (self, message, TRUE);
}

static void
back_clicked_cb (SrBulkDialog *self)
{
  show_setup (self);
}

static SrBulkRow *
row_from_json (SrBulkDialog *self,
               JsonObject   *object,
               const char   *field,
               gint64       *before_total,
               gint64       *after_total)
{
  SrBulkRow *row = g_object_new (SR_TYPE_BULK_ROW, NULL);
  JsonObject *before = json_object_get_object_member (object, "before");
  JsonObject *after = json_object_get_object_member (object, "after");
  JsonNode *old_value = before ? json_object_get_member (before, field) : NULL;
  JsonNode *new_value = after ? json_object_get_member (after, field) : NULL;
  SrVehicle *vehicle = sr_vehicle_store_lookup (self->store, json_object_get_int_member_with_default (object, "id", 0),
                                                NULL);

  row->cells[CELL_STOCK_NO] = g_strdup (json_object_get_string_member_with_default (object, "stock_no", ""));
  if (vehicle != NULL)
    {
      const char *variant = sr_vehicle_get_variant (vehicle);

      /* "Maruti Swift ZXi (2023)"; a vehicle without a variant has no gap for it. */
      row->cells[CELL_VEHICLE] = g_strdup_printf ("%s %s%s%s (%d)", sr_vehicle_get_make (vehicle),
                                                  sr_vehicle_get_model (vehicle), *variant ? " " : "", variant,
                                                  sr_vehicle_get_year (vehicle));
    }
  else
    row->cells[CELL_VEHICLE] = g_strdup ("—");
  row->cells[CELL_BEFORE] = sr_field_value_display (field, old_value);
  row->cells[CELL_AFTER] = sr_field_value_display (field, new_value);

  if (g_str_equal (field, "price"))
    {
      gint64 old_paise = 0, new_paise = 0;

      row->numeric = TRUE;
      if (old_value != NULL && new_value != NULL && JSON_NODE_HOLDS_VALUE (old_value) &&
          JSON_NODE_HOLDS_VALUE (new_value) && sr_money_parse (json_node_get_string (old_value), &old_paise) &&
          sr_money_parse (json_node_get_string (new_value), &new_paise))
        {
          row->cells[CELL_DIFFERENCE] = signed_money_display (new_paise - old_paise);
          *before_total += old_paise;
          *after_total += new_paise;
        }
    }
  if (row->cells[CELL_DIFFERENCE] == NULL)
    row->cells[CELL_DIFFERENCE] = g_strdup ("");

  return row;
}

static void
show_preview (SrBulkDialog *self,
              JsonObject   *result)
{
  JsonArray *items = json_object_get_array_member (result, "rows");
  const char *field = op_field (self->previewed_op);
  gboolean price = g_str_equal (field, "price");
  guint n = items ? json_array_get_length (items) : 0;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_full (n, g_object_unref);
  g_autofree char *what = describe_op (self->previewed_op);
  g_autofree char *summary = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *apply = NULL;
  gint64 before_total = 0, after_total = 0;

  self->preview_id = json_object_get_int_member_with_default (result, "preview_id", 0);
  self->count = json_object_get_int_member_with_default (result, "count", n);
  self->stale = FALSE;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (rows, row_from_json (self, json_array_get_object_element (items, i), field,
                                          &before_total, &after_total));
  /* One items-changed for the lot. */
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       rows->pdata, rows->len);
  /* Taken out rather than hidden: GTK 4.8 keeps a hidden column's width in the
   * layout, and the other columns then do not fill the view. */
  if (price && gtk_column_view_column_get_column_view (self->difference_column) == NULL)
    gtk_column_view_append_column (self->rows_view, self->difference_column);
  else if (!price && gtk_column_view_column_get_column_view (self->difference_column) != NULL)
    gtk_column_view_remove_column (self->rows_view, self->difference_column);

  if (self->count == 0)
    {
      summary = g_strdup (_("No Vehicle Would Change"));
      detail = g_strdup (_("Every vehicle shown already has this value. Go back to choose another change."));
    }
  else
    {
      g_autofree char *left_out = NULL;
      g_autofree char *totals = NULL;

      summary = g_strdup_printf (ngettext ("%'u Vehicle Will Change", "%'u Vehicles Will Change", self->count),
                                 self->count);
      if (price)
        {
          g_autofree char *from = sr_money_display (before_total);
          g_autofree char *to = sr_money_display (after_total);
          g_autofree char *difference = signed_money_display (after_total - before_total);

          /* TRANSLATORS: "Price +10%. Their prices add up to 45,00,000.00 now, 49,50,000.00 after (+4,50,000.00)." */
          totals = g_strdup_printf (_("%s. Their prices add up to %s now, %s after (%s)."), what, from, to, difference);
        }
      else
        totals = g_strdup_printf ("%s.", what);
      if (self->count < self->matching)
        left_out = g_strdup_printf (ngettext ("The other %'u vehicle already has this value and is left out.",
                                              "The other %'u vehicles already have this value and are left out.",
                                              self->matching - self->count),
                                    self->matching - self->count);
      detail = left_out ? g_strdup_printf ("%s %s", totals, left_out) : g_steal_pointer (&totals);
    }
  gtk_label_set_text (self->summary_label, summary);
  gtk_label_set_text (self->detail_label, detail);

  if (self->manager)
    apply = g_strdup_printf (ngettext ("_Apply to %'u Vehicle", "_Apply to %'u Vehicles", self->count), self->count);
  else
    apply = g_strdup (_("_Submit for Approval"));
  gtk_button_set_label (GTK_BUTTON (self->apply_button), apply);

  gtk_info_bar_set_revealed (self->problem_bar, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "preview");
  adw_window_title_set_title (self->window_title, _("Review Changes"));
  adw_window_title_set_subtitle (self->window_title, what);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->back_button, TRUE);
  gtk_widget_set_visible (self->preview_button, FALSE);
  gtk_widget_set_visible (self->apply_button, TRUE);
  gtk_widget_set_visible (self->reason_box, !self->manager && self->count > 0);
  update_actions (self);

  if (!self->manager && self->count > 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->reason_row));
  else if (self->count > 0)
    gtk_widget_grab_focus (self->apply_button);
  else
    gtk_widget_grab_focus (self->back_button);
}

/* --- preview ---------------------------------------------------------------------------- */

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SrBulkDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (self->client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      show_preview (self, json_node_get_object (reply));
      return;
    }

  if (error == NULL)
    message = g_strdup (_("The server sent an answer that could not be read."));
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_TOO_MANY_ROWS))
    message = g_strdup (_("More than 10,000 vehicles would change, more than one bulk update may touch. "
                          "Close this window, narrow the stock list with a search or a filter, and try again."));
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
    message = g_strdup (_("The connection to the server was lost. Your choices are kept: preview again once it is back."));
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_PARAMS) ||
           g_error_matches (error, SR_ERROR, SR_ERROR_FORBIDDEN))
    message = g_strdup_printf (_("The server refused this change: %s."), error->message);
  else
    message = g_strdup_printf (_("The preview failed: %s."), error->message);

  show_failure (self, message);
  update_actions (self);
}

static void
run_preview (SrBulkDialog *self,
             JsonObject   *op)
{
  g_autoptr(JsonObject) params = json_object_new ();

  if (self->busy || op == NULL)
    return;

  /* Kept: Preview Again asks for the same change even if the input moved since. */
  if (op != self->previewed_op)
    {
      g_clear_pointer (&self->previewed_op, json_object_unref);
      self->previewed_op = json_object_ref (op);
    }

  json_object_set_object_member (params, "filter", json_object_ref (self->filter));
  json_object_set_object_member (params, "op", json_object_ref (op));
  self->busy = TRUE;
  update_actions (self);
  sr_client_call_async (self->client, "bulk.preview", params, self->cancellable, preview_cb,
                        g_object_ref (self));
}

static void
preview_clicked_cb (SrBulkDialog *self)
{
  if (gtk_widget_get_sensitive (self->preview_button))
    run_preview (self, self->op);
}

static void
entry_activated_cb (SrBulkDialog *self)
{
  /* Enter in a field is Preview, when Preview may be pressed. */
  preview_clicked_cb (self);
}

static void
again_clicked_cb (SrBulkDialog *self)
{
  run_preview (self, self->previewed_op);
}

/* --- apply ------------------------------------------------------------------------------ */

static void
tell (SrBulkDialog *self,
      const char   *message)
{
  GtkWidget *overlay = self->view ? gtk_widget_get_ancestor (self->view, ADW_TYPE_TOAST_OVERLAY) : NULL;

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static char *
stale_message (const GError *error)
{
  JsonObject *extra = sr_error_get_extra (error);
  JsonArray *changed = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  guint n;

  if (extra != NULL && json_object_has_member (extra, "changed") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (extra, "changed")))
    changed = json_object_get_array_member (extra, "changed");
  if (changed == NULL || json_array_get_length (changed) == 0)
    return g_strdup (_("This preview has expired or was already used, so nothing was changed. "
                       "Preview again to see the vehicles as they are now."));

  n = json_array_get_length (changed);
  for (guint i = 0; i < n && i < 3; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", json_array_get_string_element (changed, i));
  if (n > 3)
    g_string_append (names, ", …");

  /* The server names at most 100. */
  if (n >= 100)
    return g_strdup_printf (_("At least %u vehicles changed since the preview (%s), so nothing was changed. "
                              "Preview again to see their current values."), n, names->str);
  return g_strdup_printf (ngettext ("%u vehicle changed since the preview (%s), so nothing was changed. "
                                    "Preview again to see its current value.",
                                    "%u vehicles changed since the preview (%s), so nothing was changed. "
                                    "Preview again to see their current values.", n),
                          n, names->str);
}

static void
apply_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SrBulkDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (self->client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonObject *answer = json_node_get_object (reply);

      if (json_object_has_member (answer, "applied"))
        {
          guint applied = json_object_get_int_member (answer, "applied");

          message = g_strdup_printf (ngettext ("Updated %'u vehicle", "Updated %'u vehicles", applied), applied);
        }
      else
        {
          JsonArray *edits = json_object_get_array_member (answer, "edits");
          guint filed = edits ? json_array_get_length (edits) : 0;

          message = g_strdup_printf (ngettext ("Sent %'u change for approval", "Sent %'u changes for approval", filed),
                                     filed);
        }
      tell (self, message);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  if (g_error_matches (error, SR_ERROR, SR_ERROR_PREVIEW_STALE))
    {
      self->stale = TRUE;
      message = stale_message (error);
    }
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_FOUND))
    {
      self->stale = TRUE;
      message = g_strdup (_("The server no longer has this preview, so nothing was changed. Preview again to go on."));
    }
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
    /* Applying again is safe: a preview is spent once, so a second try after one that
     * went through is refused, never done twice. */
    message = g_strdup (_("The connection was lost before the server answered. Once it is back, "
                          "apply again, or preview again to see where things stand."));
  else
    {
      self->stale = TRUE;
      message = g_strdup_printf (_("The change was not made: %s."), error ? error->message : "");
    }

  show_problem (self, message);
  update_actions (self);
  gtk_widget_grab_focus (gtk_widget_get_sensitive (self->again_button) ? self->again_button : self->back_button);
}

static void
run_apply (SrBulkDialog *self)
{
  g_autoptr(JsonObject) params = json_object_new ();

  if (self->busy || self->preview_id <= 0)
    return;

  json_object_set_int_member (params, "preview_id", self->preview_id);
  if (!self->manager)
    {
      g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_row))));

      json_object_set_string_member (params, "reason", reason);
    }
  gtk_info_bar_set_revealed (self->problem_bar, FALSE);
  self->busy = TRUE;
  update_actions (self);
  sr_client_call_async (self->client, "bulk.apply", params, self->cancellable, apply_cb, g_object_ref (self));
}

static void
confirm_response_cb (SrBulkDialog *self,
                     const char   *response)
{
  if (g_str_equal (response, "apply"))
    run_apply (self);
}

static void
apply_clicked_cb (SrBulkDialog *self)
{
  g_autofree char *heading = NULL;
  g_autofree char *what = NULL;
  g_autofree char *body = NULL;
  GtkWidget *confirm;

  if (!gtk_widget_get_sensitive (self->apply_button))
    return;

  /* A sales user only files a proposal; a manager changes the stock at once. */
  if (!self->manager)
    {
      run_apply (self);
      return;
    }

  what = describe_op (self->previewed_op);
  heading = g_strdup_printf (ngettext ("Apply to %'u Vehicle?", "Apply to %'u Vehicles?", self->count), self->count);
  /* TRANSLATORS: the first %s is the change, "Price +10%" */
  body = g_strdup_printf (_("%s. The change takes effect at once for everyone, and each vehicle's history records it."),
                          what);
  confirm = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (confirm),
                                    "cancel", _("_Cancel"),
                                    "apply", _("_Apply"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (confirm), "apply", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (confirm), "apply");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (confirm), "cancel");
  g_signal_connect_object (confirm, "response", G_CALLBACK (confirm_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (confirm));
}

static void
reason_changed_cb (SrBulkDialog *self)
{
  update_actions (self);
}

static void
reason_activated_cb (SrBulkDialog *self)
{
  apply_clicked_cb (self);
}

/* --- connection ------------------------------------------------------------------------- */

static void
state_changed_cb (SrBulkDialog *self)
{
  /* Signed out: nothing of this session may stay on screen. */
  if (sr_client_get_state (self->client) == SR_CLIENT_SIGNED_OUT)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  update_actions (self);
}

/* --- columns ---------------------------------------------------------------------------- */

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  guint cell = GPOINTER_TO_UINT (user_data);
  SrBulkRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  gboolean numeric = row->numeric && cell >= CELL_BEFORE;

  gtk_label_set_text (GTK_LABEL (label), row->cells[cell]);
  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0 : 0.0);
  /* Figures are never cut short; text may be. */
  gtk_label_set_ellipsize (GTK_LABEL (label), numeric ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  else
    gtk_widget_remove_css_class (label, "numeric");
}

static void
add_columns (SrBulkDialog *self)
{
  static const struct {
    const char *title;
    gboolean    expand;
    int         width;
  } specs[] = {
    [CELL_STOCK_NO] = { N_("Stock No."), FALSE, 110 },
    [CELL_VEHICLE] = { N_("Vehicle"), TRUE, 220 },
    [CELL_BEFORE] = { N_("Before"), FALSE, 130 },
    [CELL_AFTER] = { N_("After"), FALSE, 130 },
    [CELL_DIFFERENCE] = { N_("Difference"), FALSE, 130 },
  };
  GtkNoSelection *selection;

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(specs[i].title), factory);
      gtk_column_view_column_set_expand (column, specs[i].expand);
      gtk_column_view_column_set_fixed_width (column, specs[i].width);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->rows_view, column);
      if (i == CELL_DIFFERENCE)
        self->difference_column = g_object_ref (column);
      g_object_unref (column);
    }

  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->rows)));
  gtk_column_view_set_model (self->rows_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
}

/* --- life ------------------------------------------------------------------------------- */

SrBulkDialog *
sr_bulk_dialog_new (SrClient    *client,
                    SrStockView *view)
{
  SrBulkDialog *self;
  g_autofree char *scope = NULL;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SR_IS_STOCK_VIEW (view), NULL);

  self = g_object_new (SR_TYPE_BULK_DIALOG, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (sr_stock_view_get_store (view));
  self->filter = sr_vehicle_filter_to_params (sr_stock_view_get_filter (view));
  self->matching = g_list_model_get_n_items (sr_stock_view_get_shown (view));
  self->manager = sr_client_is_manager (client);
  self->view = GTK_WIDGET (view);
  g_object_add_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);

  scope = describe_scope (view);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scope_row), scope);

  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_changed_cb), self, G_CONNECT_SWAPPED);
  input_changed_cb (self);
  show_setup (self);

  return self;
}

static void
sr_bulk_dialog_dispose (GObject *object)
{
  SrBulkDialog *self = SR_BULK_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->view != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);
      self->view = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_BULK_DIALOG);

  G_OBJECT_CLASS (sr_bulk_dialog_parent_class)->dispose (object);
}

static void
sr_bulk_dialog_finalize (GObject *object)
{
  SrBulkDialog *self = SR_BULK_DIALOG (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rows);
  g_clear_object (&self->difference_column);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->filter, json_object_unref);
  g_clear_pointer (&self->op, json_object_unref);
  g_clear_pointer (&self->previewed_op, json_object_unref);

  G_OBJECT_CLASS (sr_bulk_dialog_parent_class)->finalize (object);
}

static void
sr_bulk_dialog_class_init (SrBulkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_bulk_dialog_dispose;
  object_class->finalize = sr_bulk_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-bulk-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, preview_button);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, offline_bar);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, scope_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, op_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, percent_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, status_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, location_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, input_message);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, problem_bar);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, again_button);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, detail_label);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, reason_box);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, reason_row);
  gtk_widget_class_bind_template_child (widget_class, SrBulkDialog, rows_view);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, preview_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, again_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, input_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, reason_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reason_activated_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sr_bulk_dialog_init (SrBulkDialog *self)
{
  self->rows = g_list_store_new (SR_TYPE_BULK_ROW);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  add_columns (self);
}
