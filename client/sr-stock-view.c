/* sr-stock-view.c: the stock list.
 *
 * The store holds every vehicle the user may see and follows the live feed; the view
 * only filters and sorts it, through a filter and sorters that read the vehicles' own
 * fields (GTK's generic expression path is too slow for 100,000 rows). A row that
 * changes while on screen is briefly highlighted, so the user sees what moved.
 */
#define G_LOG_DOMAIN "sr-stock-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-bulk-dialog.h"
#include "sr-labels.h"
#include "sr-stock-view.h"
#include "sr-vehicle-page.h"
#include "sr-vehicle-filter.h"
#include "sr-vehicle-sorter.h"

#define HIGHLIGHT_MS 2500

struct _SrStockView
{
  GtkWidget           parent_instance;

  /* Template widgets */
  GtkWidget          *box;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *status_dropdown;
  GtkDropDown        *fuel_dropdown;
  GtkDropDown        *make_dropdown;
  GtkEntry           *price_min_entry;
  GtkEntry           *price_max_entry;
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkColumnView      *column_view;
  GtkLabel           *count_label;
  GtkWidget          *bulk_button;

  /* Owned */
  SrClient           *client;
  SrVehicleStore     *store;
  SrVehicleFilter    *filter;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkStringList      *makes;
  GHashTable         *highlights;    /* vehicle id -> monotonic time the highlight ends */
  GCancellable       *cancellable;
  guint32             today;
  gboolean            loaded;
};

G_DEFINE_FINAL_TYPE (SrStockView, sr_stock_view, GTK_TYPE_WIDGET)

typedef struct {
  const char     *title;
  SrVehicleColumn column;
  gboolean        numeric;
  gboolean        managers_only;
  gboolean        expand;
} ColumnSpec;

static const ColumnSpec columns[] = {
  { N_("Stock No."), SR_VEHICLE_COLUMN_STOCK_NO, FALSE, FALSE, FALSE },
  { N_("Make"), SR_VEHICLE_COLUMN_MAKE, FALSE, FALSE, FALSE },
  { N_("Model"), SR_VEHICLE_COLUMN_MODEL, FALSE, FALSE, FALSE },
  { N_("Variant"), SR_VEHICLE_COLUMN_VARIANT, FALSE, FALSE, TRUE },
  { N_("Year"), SR_VEHICLE_COLUMN_YEAR, TRUE, FALSE, FALSE },
  { N_("Colour"), SR_VEHICLE_COLUMN_COLOR, FALSE, FALSE, FALSE },
  { N_("Fuel"), SR_VEHICLE_COLUMN_FUEL, FALSE, FALSE, FALSE },
  { N_("Km"), SR_VEHICLE_COLUMN_ODOMETER_KM, TRUE, FALSE, FALSE },
  { N_("Price"), SR_VEHICLE_COLUMN_PRICE, TRUE, FALSE, FALSE },
  { N_("Cost"), SR_VEHICLE_COLUMN_COST, TRUE, TRUE, FALSE },
  { N_("Margin"), SR_VEHICLE_COLUMN_MARGIN, TRUE, TRUE, FALSE },
  { N_("Status"), SR_VEHICLE_COLUMN_STATUS, FALSE, FALSE, FALSE },
  { N_("Location"), SR_VEHICLE_COLUMN_LOCATION, FALSE, FALSE, FALSE },
  { N_("Days in Stock"), SR_VEHICLE_COLUMN_DAYS_IN_STOCK, TRUE, FALSE, FALSE },
};

static char *
cell_text (SrStockView     *self,
           SrVehicle       *vehicle,
           SrVehicleColumn  column)
{
  switch (column)
    {
    case SR_VEHICLE_COLUMN_STOCK_NO:
      return g_strdup (sr_vehicle_get_stock_no (vehicle));
    case SR_VEHICLE_COLUMN_MAKE:
      return g_strdup (sr_vehicle_get_make (vehicle));
    case SR_VEHICLE_COLUMN_MODEL:
      return g_strdup (sr_vehicle_get_model (vehicle));
    case SR_VEHICLE_COLUMN_VARIANT:
      return g_strdup (sr_vehicle_get_variant (vehicle));
    case SR_VEHICLE_COLUMN_YEAR:
      return g_strdup_printf ("%d", sr_vehicle_get_year (vehicle));
    case SR_VEHICLE_COLUMN_COLOR:
      return g_strdup (sr_vehicle_get_color (vehicle));
    case SR_VEHICLE_COLUMN_FUEL:
      return g_strdup (sr_fuel_label (sr_vehicle_get_fuel (vehicle)));
    case SR_VEHICLE_COLUMN_ODOMETER_KM:
      return g_strdup_printf ("%'" G_GINT64_FORMAT, sr_vehicle_get_odometer_km (vehicle));
    case SR_VEHICLE_COLUMN_PRICE:
      return sr_money_display (sr_vehicle_get_price (vehicle));
    case SR_VEHICLE_COLUMN_COST:
      return sr_vehicle_get_has_cost (vehicle) ? sr_money_display (sr_vehicle_get_cost (vehicle)) : g_strdup ("");
    case SR_VEHICLE_COLUMN_MARGIN:
      return sr_vehicle_get_has_cost (vehicle) ? sr_money_display (sr_vehicle_get_margin (vehicle)) : g_strdup ("");
    case SR_VEHICLE_COLUMN_STATUS:
      return g_strdup (sr_status_label (sr_vehicle_get_status (vehicle)));
    case SR_VEHICLE_COLUMN_LOCATION:
      return g_strdup (sr_vehicle_get_location (vehicle));
    case SR_VEHICLE_COLUMN_DAYS_IN_STOCK:
      return g_strdup_printf ("%d", sr_vehicle_days_in_stock (vehicle, self->today));
    default:
      return g_strdup ("");
    }
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  const ColumnSpec *spec = user_data;
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), spec->numeric ? 1.0 : 0.0);
  /* Figures are never cut short; text may be. */
  if (spec->numeric)
    gtk_widget_add_css_class (label, "numeric");
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static gboolean
unhighlight_cb (gpointer data)
{
  GtkWidget *label = data;

  gtk_widget_remove_css_class (label, "changed");
  /* This source ends by returning; the label only forgets it. */
  g_object_steal_data (G_OBJECT (label), "sr-highlight");
  return G_SOURCE_REMOVE;
}

static void
clear_highlight (GtkWidget *label)
{
  guint id = GPOINTER_TO_UINT (g_object_steal_data (G_OBJECT (label), "sr-highlight"));

  if (id != 0)
    g_source_remove (id);
  gtk_widget_remove_css_class (label, "changed");
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  const ColumnSpec *spec = user_data;
  GtkWidget *label = gtk_list_item_get_child (item);
  SrVehicle *vehicle = gtk_list_item_get_item (item);
  SrStockView *self = g_object_get_data (G_OBJECT (factory), "sr-view");
  g_autofree char *text = cell_text (self, vehicle, spec->column);
  gint64 id = sr_vehicle_get_id (vehicle);
  gint64 *until;

  gtk_label_set_text (GTK_LABEL (label), text);
  clear_highlight (label);

  /* A row rebound because it just changed lights up for a moment. */
  until = g_hash_table_lookup (self->highlights, &id);
  if (until != NULL && *until > g_get_monotonic_time ())
    {
      guint source;

      gtk_widget_add_css_class (label, "changed");
      source = g_timeout_add_full (G_PRIORITY_DEFAULT, (*until - g_get_monotonic_time ()) / 1000,
                                   unhighlight_cb, g_object_ref (label), g_object_unref);
      g_object_set_data (G_OBJECT (label), "sr-highlight", GUINT_TO_POINTER (source));
    }
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  clear_highlight (gtk_list_item_get_child (item));
}

static void
add_columns (SrStockView *self)
{
  gboolean manager = sr_client_is_manager (self->client);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      const ColumnSpec *spec = &columns[i];
      GtkListItemFactory *factory;
      GtkColumnViewColumn *column;
      g_autoptr(GtkSorter) sorter = NULL;

      /* Cost and margin are for managers only; sales users never receive cost. */
      if (spec->managers_only && !manager)
        continue;

      factory = gtk_signal_list_item_factory_new ();
      g_object_set_data (G_OBJECT (factory), "sr-view", self);
      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), (gpointer) spec);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), (gpointer) spec);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), (gpointer) spec);

      column = gtk_column_view_column_new (_(spec->title), factory);
      sorter = GTK_SORTER (sr_vehicle_sorter_new (spec->column, FALSE));
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, spec->expand);
      gtk_column_view_append_column (self->column_view, column);
      g_object_unref (column);
    }

  /* Stock number order until the user picks a column. */
  gtk_column_view_sort_by_column (self->column_view,
                                  g_list_model_get_item (gtk_column_view_get_columns (self->column_view), 0),
                                  GTK_SORT_ASCENDING);
}

/* A bulk update takes the vehicles shown, and needs the server to preview them. */
static void
update_bulk_action (SrStockView *self)
{
  gboolean enabled = self->loaded && self->filter_model != NULL &&
                     g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) > 0 &&
                     sr_client_get_state (self->client) == SR_CLIENT_ONLINE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stock.bulk-update", enabled);
}

static void
update_count (SrStockView *self)
{
  guint shown, total;
  g_autofree char *text = NULL;

  /* The models may still speak while the view is being taken apart. */
  if (self->count_label == NULL || self->filter_model == NULL)
    return;

  update_bulk_action (self);

  shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  total = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  if (!self->loaded)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_label_set_text (self->count_label, "");
      return;
    }

  if (shown == total)
    text = g_strdup_printf (ngettext ("%'u vehicle", "%'u vehicles", total), total);
  else
    text = g_strdup_printf (ngettext ("Showing %'u of %'u vehicle", "Showing %'u of %'u vehicles", total),
                            shown, total);
  gtk_label_set_text (self->count_label, text);
  if (shown == 0)
    {
      /* Nothing at all is not the same as nothing matching. */
      adw_status_page_set_title (self->empty_page,
                                 total == 0 ? _("No Vehicles Yet") : _("No Vehicles Match"));
      adw_status_page_set_description (self->empty_page,
                                       total == 0 ? _("Vehicles added to this branch appear here at once.")
                                                  : _("Change the search or the filters above."));
      adw_status_page_set_icon_name (self->empty_page,
                                     total == 0 ? SR_APPLICATION_ID : "edit-find-symbolic");
    }
  gtk_stack_set_visible_child_name (self->stack, shown > 0 ? "list" : "empty");
}

/* --- filters -------------------------------------------------------------------------- */

static void
search_changed_cb (SrStockView *self)
{
  sr_vehicle_filter_set_text (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static gboolean
parse_price (GtkEntry *entry,
             gint64   *paise)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *plain = NULL;
  GString *digits = g_string_new (NULL);

  /* Grouping marks typed by habit are fine: "8,45,000". */
  for (const char *p = text; *p; p++)
    if (*p != ',' && *p != ' ' && *p != '_')
      g_string_append_c (digits, *p);
  plain = g_string_free (digits, FALSE);

  *paise = -1;
  if (*plain == '\0')
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      return TRUE;
    }
  if (!sr_money_parse (plain, paise))
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      *paise = -1;
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  return TRUE;
}

static void
filters_changed_cb (SrStockView *self)
{
  static const guint status_masks[] = {
    0,
    1 << SR_VEHICLE_STATUS_INCOMING,
    1 << SR_VEHICLE_STATUS_IN_STOCK,
    1 << SR_VEHICLE_STATUS_RESERVED,
    1 << SR_VEHICLE_STATUS_SOLD,
    (1 << SR_VEHICLE_STATUS_INCOMING) | (1 << SR_VEHICLE_STATUS_IN_STOCK) | (1 << SR_VEHICLE_STATUS_RESERVED),
  };
  guint status = gtk_drop_down_get_selected (self->status_dropdown);
  guint fuel = gtk_drop_down_get_selected (self->fuel_dropdown);
  guint make = gtk_drop_down_get_selected (self->make_dropdown);
  gint64 price_min, price_max;

  sr_vehicle_filter_set_statuses (self->filter, status < G_N_ELEMENTS (status_masks) ? status_masks[status] : 0);
  sr_vehicle_filter_set_fuel (self->filter, fuel == 0 || fuel == GTK_INVALID_LIST_POSITION ? -1 : (int) fuel - 1);
  if (make == 0 || make == GTK_INVALID_LIST_POSITION || self->makes == NULL)
    sr_vehicle_filter_set_make (self->filter, NULL);
  else
    sr_vehicle_filter_set_make (self->filter, gtk_string_list_get_string (self->makes, make));
  parse_price (self->price_min_entry, &price_min);
  parse_price (self->price_max_entry, &price_max);
  sr_vehicle_filter_set_price_min (self->filter, price_min);
  sr_vehicle_filter_set_price_max (self->filter, price_max);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

/* The make list offers the makes there are. */
static void
refresh_makes (SrStockView *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  const char *selected = NULL;
  guint position = 0;

  if (self->makes != NULL && gtk_drop_down_get_selected (self->make_dropdown) > 0)
    selected = gtk_string_list_get_string (self->makes, gtk_drop_down_get_selected (self->make_dropdown));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      const char *make = sr_vehicle_get_make (vehicle);

      /* Pooled strings: one pointer per make. */
      if (g_hash_table_add (seen, (gpointer) make))
        g_ptr_array_add (names, (gpointer) make);
    }
  g_ptr_array_sort (names, compare_names);

  g_clear_object (&self->makes);
  self->makes = gtk_string_list_new (NULL);
  gtk_string_list_append (self->makes, _("All makes"));
  for (guint i = 0; i < names->len; i++)
    {
      gtk_string_list_append (self->makes, g_ptr_array_index (names, i));
      if (g_strcmp0 (selected, g_ptr_array_index (names, i)) == 0)
        position = i + 1;
    }
  gtk_drop_down_set_model (self->make_dropdown, G_LIST_MODEL (self->makes));
  gtk_drop_down_set_selected (self->make_dropdown, position);
}

/* --- data ------------------------------------------------------------------------------ */

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SrStockView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sr_vehicle_store_load_finish (SR_VEHICLE_STORE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("loading the stock failed: %s", error->message);
      return;
    }

  self->loaded = TRUE;
  refresh_makes (self);
  update_count (self);
}

static void
synced_cb (SrStockView *self,
           gboolean     reload)
{
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_time_t (&today, time (NULL));
  self->today = g_date_get_julian (&today);

  if (!reload && self->loaded)
    return;

  /* A gap the server could not replay, or the first sync: everything afresh. */
  self->loaded = FALSE;
  update_count (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  sr_vehicle_store_reset (self->store);
  sr_vehicle_store_load_async (self->store, sr_client_get_connection (self->client),
                               self->cancellable, loaded_cb, g_object_ref (self));
}

static void
event_cb (SrStockView *self,
          JsonObject  *params)
{
  g_autoptr(GError) error = NULL;
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");
  const char *op = json_object_get_string_member_with_default (params, "op", "");

  if (!g_str_equal (entity, "vehicle"))
    return;

  /* Mark it first: the store's items-changed rebinds the row, which reads this. */
  if (g_str_equal (op, "update") || g_str_equal (op, "insert"))
    {
      gint64 *id = g_new (gint64, 1);
      gint64 *until = g_new (gint64, 1);

      *id = json_object_get_int_member_with_default (params, "id", 0);
      *until = g_get_monotonic_time () + HIGHLIGHT_MS * 1000;
      g_hash_table_replace (self->highlights, id, until);
    }

  if (!sr_vehicle_store_apply_event (self->store, params, &error))
    g_warning ("a vehicle event could not be read: %s", error->message);
}

static void
items_changed_cb (SrStockView *self)
{
  update_count (self);
}

SrVehicleStore *
sr_stock_view_get_store (SrStockView *self)
{
  g_return_val_if_fail (SR_IS_STOCK_VIEW (self), NULL);
  return self->store;
}

GListModel *
sr_stock_view_get_shown (SrStockView *self)
{
  g_return_val_if_fail (SR_IS_STOCK_VIEW (self), NULL);
  return G_LIST_MODEL (self->filter_model);
}

SrVehicleFilter *
sr_stock_view_get_filter (SrStockView *self)
{
  g_return_val_if_fail (SR_IS_STOCK_VIEW (self), NULL);
  return self->filter;
}

static void
bulk_update_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SrStockView *self = SR_STOCK_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  SrBulkDialog *dialog = sr_bulk_dialog_new (self->client, self);

  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
sr_stock_view_open_vehicle (SrStockView *self,
                            gint64       vehicle_id)
{
  GtkRoot *root;
  SrVehiclePage *page;

  g_return_if_fail (SR_IS_STOCK_VIEW (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  page = sr_vehicle_page_find (vehicle_id);
  if (page == NULL)
    page = sr_vehicle_page_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                self->client, self->store, vehicle_id);
  gtk_window_present (GTK_WINDOW (page));
}

/* Enter or a double click on a row opens the vehicle. */
static void
activate_cb (GtkColumnView *view,
             guint          position,
             SrStockView   *self)
{
  g_autoptr(SrVehicle) vehicle = g_list_model_get_item (G_LIST_MODEL (self->filter_model), position);

  if (vehicle != NULL)
    sr_stock_view_open_vehicle (self, sr_vehicle_get_id (vehicle));
}

GtkWidget *
sr_stock_view_new (SrClient *client)
{
  SrStockView *self = g_object_new (SR_TYPE_STOCK_VIEW, NULL);
  GtkSorter *sorter;
  GtkNoSelection *selection;

  self->client = g_object_ref (client);
  add_columns (self);

  /* store -> sort -> filter -> view: a keystroke in the search then only filters the
   * sorted rows again, it never re-sorts them. */
  sorter = gtk_column_view_get_sorter (self->column_view);
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              g_object_ref (sorter));
  self->filter_model = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->sort_model)),
                                                  GTK_FILTER (g_object_ref (self->filter)));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->filter_model)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  g_signal_connect_object (self->filter_model, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->column_view, "activate", G_CALLBACK (activate_cb), self, 0);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (update_bulk_action), self,
                           G_CONNECT_SWAPPED);

  /* Already online (the window makes the view once signed in): load now. */
  if (sr_client_get_state (client) == SR_CLIENT_ONLINE)
    synced_cb (self, TRUE);
  update_count (self);

  return GTK_WIDGET (self);
}

static void
sr_stock_view_dispose (GObject *object)
{
  SrStockView *self = SR_STOCK_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_STOCK_VIEW);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->sort_model);

  G_OBJECT_CLASS (sr_stock_view_parent_class)->dispose (object);
}

static void
sr_stock_view_finalize (GObject *object)
{
  SrStockView *self = SR_STOCK_VIEW (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->filter);
  g_clear_object (&self->makes);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->highlights, g_hash_table_unref);

  G_OBJECT_CLASS (sr_stock_view_parent_class)->finalize (object);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SrStockView *self = SR_STOCK_VIEW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
sr_stock_view_class_init (SrStockViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_stock_view_dispose;
  object_class->finalize = sr_stock_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-stock-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, box);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, fuel_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, make_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, price_min_entry);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, price_max_entry);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, stack);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, column_view);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SrStockView, bulk_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);

  gtk_widget_class_install_action (widget_class, "stock.bulk-update", NULL, bulk_update_action);
  gtk_widget_class_install_action (widget_class, "stock.find", NULL, find_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "stock.find", NULL);
}

static void
sr_stock_view_init (SrStockView *self)
{
  self->store = sr_vehicle_store_new ();
  self->filter = sr_vehicle_filter_new ();
  self->highlights = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}
