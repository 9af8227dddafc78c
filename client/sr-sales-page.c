/* sr-sales-page.c: every sale of the branch, live.
 *
 * Sales are held by id as the server sent them, read with sales.list and kept current
 * from the feed's `sale` events; the vehicle of each comes from the stock view's store
 * and its customer from customers.get, remembered and kept current from `customer`
 * events. The filters work on what is held, so changing them asks the server nothing.
 */
#define G_LOG_DOMAIN "sr-sales-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"
#include "sr-receipt.h"
#include "sr-sale-group.h"
#include "sr-sales-page.h"
#include "sr-vehicle.h"

#define PAGE_SIZE 500

struct _SrSalesPage
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkDropDown    *status_filter;
  GtkDropDown    *period_filter;
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  GtkListBox     *list;

  /* Owned */
  SrClient       *client;
  SrStockView    *stock;
  GHashTable     *sales;        /* id -> JsonObject (Sale) */
  GHashTable     *customers;    /* id -> JsonObject (Customer) */
  GHashTable     *asking;       /* customer ids being read */
  GCancellable   *cancellable;
  guint           rebuild_id;
  guint           shown;
  gboolean        loaded;
};

G_DEFINE_FINAL_TYPE (SrSalesPage, sr_sales_page, GTK_TYPE_WIDGET)

static void schedule_rebuild (SrSalesPage *self);

/* --- reading ------------------------------------------------------------------------ */

static void
take_sale (SrSalesPage *self,
           JsonObject  *sale)
{
  gint64 *id = g_new (gint64, 1);

  *id = sr_member_int (sale, "id");
  g_hash_table_replace (self->sales, id, json_object_ref (sale));
}

/* The day that counts for a sale, in local time: completed, or else made. */
static GDateTime *
sale_day (JsonObject *sale)
{
  const char *when = g_str_equal (sr_member_string (sale, "status"), "completed") ? sr_member_string (sale, "completed_at")
                                                                         : sr_member_string (sale, "created_at");
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (when, NULL);

  return time ? g_date_time_to_local (time) : NULL;
}

/* --- customers ---------------------------------------------------------------------- */

typedef struct {
  SrSalesPage *self;
  gint64       id;
} Asking;

static void
customer_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree Asking *asking = user_data;
  g_autoptr(SrSalesPage) self = asking->self;
  g_autoptr(JsonNode) reply = sr_client_call_finish (SR_CLIENT (object), result, NULL);

  g_hash_table_remove (self->asking, &asking->id);
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      gint64 *id = g_new (gint64, 1);

      *id = asking->id;
      g_hash_table_replace (self->customers, id, json_object_ref (json_node_get_object (reply)));
      schedule_rebuild (self);
    }
}

/* The customer's name, or "" while it is being read. */
static const char *
customer_name (SrSalesPage *self,
               gint64       id)
{
  JsonObject *customer = g_hash_table_lookup (self->customers, &id);
  g_autoptr(JsonObject) params = NULL;
  Asking *asking;
  gint64 *key;

  if (customer != NULL)
    return sr_member_string (customer, "name");
  if (g_hash_table_contains (self->asking, &id) || sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return "";

  key = g_new (gint64, 1);
  *key = id;
  g_hash_table_add (self->asking, key);
  params = json_object_new ();
  json_object_set_int_member (params, "id", id);
  asking = g_new0 (Asking, 1);
  asking->self = g_object_ref (self);
  asking->id = id;
  sr_client_call_async (self->client, "customers.get", params, self->cancellable, customer_cb, asking);
  return "";
}

/* --- rows --------------------------------------------------------------------------- */

static void print_clicked_cb (GtkButton *button, SrSalesPage *self);
static void row_activated_cb (AdwActionRow *row, SrSalesPage *self);

static GtkWidget *
status_label (const char *status)
{
  GtkWidget *label;

  if (g_str_equal (status, "completed"))
    {
      label = gtk_label_new (_("Completed"));
      gtk_widget_add_css_class (label, "success");
    }
  else if (g_str_equal (status, "reserved"))
    {
      label = gtk_label_new (_("Reserved"));
      gtk_widget_add_css_class (label, "accent");
    }
  else
    {
      label = gtk_label_new (_("Cancelled"));
      gtk_widget_add_css_class (label, "dim-label");
    }
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_name (label, "status");
  return label;
}

static GtkWidget *
sale_row (SrSalesPage *self,
          JsonObject  *sale)
{
  const char *status = sr_member_string (sale, "status");
  SrVehicle *vehicle = sr_vehicle_store_lookup (sr_stock_view_get_store (self->stock),
                                                sr_member_int (sale, "vehicle_id"), NULL);
  const char *customer = customer_name (self, sr_member_int (sale, "customer_id"));
  g_autoptr(GDateTime) day = sale_day (sale);
  g_autofree char *date = day ? g_date_time_format (day, "%e %b %Y") : g_strdup ("");
  g_autofree char *about = NULL;
  g_autofree char *what = NULL;
  g_autofree char *number = NULL;
  g_autofree char *name = g_strdup_printf ("sale-%" G_GINT64_FORMAT, sr_member_int (sale, "id"));
  gint64 paise = 0;
  g_autofree char *price = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label;

  if (vehicle != NULL)
    what = g_strdup_printf ("%s · %s %s %s", sr_vehicle_get_stock_no (vehicle), sr_vehicle_get_make (vehicle),
                            sr_vehicle_get_model (vehicle), sr_vehicle_get_variant (vehicle));
  else
    /* Translators: a vehicle no longer in the user's stock, by its id */
    what = g_strdup_printf (_("Vehicle %lld"), (long long) sr_member_int (sale, "vehicle_id"));
  g_strstrip (what);
  about = g_strdup_printf ("%s · %s", what, g_strstrip (date));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), *customer ? customer : "…");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), about);
  gtk_widget_set_name (row, name);

  /* The receipt number leads, as on the paper copy. */
  number = sr_member_int (sale, "receipt_no") > 0
           ? g_strdup_printf (_("No. %lld"), (long long) sr_member_int (sale, "receipt_no"))
           : g_strdup ("—");
  label = gtk_label_new (number);
  gtk_label_set_width_chars (GTK_LABEL (label), 7);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_set_name (label, "receipt-no");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Receipt number"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), label);

  sr_money_parse (sr_member_string (sale, "price"), &paise);
  price = sr_money_display (paise);
  label = gtk_label_new (price);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_set_name (label, "price");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), status_label (status));

  g_object_set_data (G_OBJECT (row), "sale-id", GSIZE_TO_POINTER ((gsize) sr_member_int (sale, "id")));
  g_object_set_data (G_OBJECT (row), "vehicle-id", GSIZE_TO_POINTER ((gsize) sr_member_int (sale, "vehicle_id")));

  if (g_str_equal (status, "completed"))
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("printer-symbolic");
      g_autofree char *tip = g_strdup_printf (_("Print Receipt No. %lld…"),
                                              (long long) sr_member_int (sale, "receipt_no"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_name (button, "print-receipt");
      g_object_set_data (G_OBJECT (button), "sale-id", GSIZE_TO_POINTER ((gsize) sr_member_int (sale, "id")));
      g_signal_connect (button, "clicked", G_CALLBACK (print_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  else if (g_str_equal (status, "reserved") && vehicle != NULL)
    {
      /* A reservation is finished on its vehicle's page. */
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Open the vehicle"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), self);
    }
  else if (g_str_equal (status, "cancelled") && *sr_member_string (sale, "cancel_reason") != '\0')
    gtk_widget_set_tooltip_text (row, sr_member_string (sale, "cancel_reason"));

  return row;
}

static int
compare_ids_desc (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = sr_member_int (*(JsonObject **) a, "id");
  gint64 y = sr_member_int (*(JsonObject **) b, "id");

  return x < y ? 1 : x > y ? -1 : 0;
}

static gboolean
passes (SrSalesPage *self,
        JsonObject  *sale,
        GDateTime   *now)
{
  static const char *const statuses[] = { NULL, "reserved", "completed", "cancelled" };
  guint status = gtk_drop_down_get_selected (self->status_filter);
  guint period = gtk_drop_down_get_selected (self->period_filter);
  g_autoptr(GDateTime) day = NULL;

  if (status > 0 && status < G_N_ELEMENTS (statuses) && !g_str_equal (sr_member_string (sale, "status"), statuses[status]))
    return FALSE;
  if (period == 0)
    return TRUE;

  if ((day = sale_day (sale)) == NULL)
    return FALSE;
  switch (period)
    {
    case 1:
      return g_date_time_get_year (day) == g_date_time_get_year (now) &&
             g_date_time_get_day_of_year (day) == g_date_time_get_day_of_year (now);
    case 2:
      return g_date_time_difference (now, day) < 7 * G_TIME_SPAN_DAY;
    case 3:
    default:
      return g_date_time_get_year (day) == g_date_time_get_year (now) &&
             g_date_time_get_month (day) == g_date_time_get_month (now);
    }
}

static void
rebuild (SrSalesPage *self)
{
  g_autoptr(GPtrArray) sales = g_ptr_array_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GHashTableIter iter;
  JsonObject *sale;
  GtkWidget *child;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focused = root ? gtk_root_get_focus (root) : NULL;
  g_autofree char *focused_name = NULL;

  /* Keyboard focus stays on the same sale across a rebuild. */
  if (focused != NULL && gtk_widget_is_ancestor (focused, GTK_WIDGET (self->list)))
    {
      while (focused != NULL && !ADW_IS_ACTION_ROW (focused))
        focused = gtk_widget_get_parent (focused);
      if (focused != NULL)
        focused_name = g_strdup (gtk_widget_get_name (focused));
    }

  g_hash_table_iter_init (&iter, self->sales);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sale))
    if (passes (self, sale, now))
      g_ptr_array_add (sales, sale);
  g_ptr_array_sort (sales, compare_ids_desc);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < sales->len; i++)
    {
      GtkWidget *row = sale_row (self, g_ptr_array_index (sales, i));

      gtk_list_box_append (self->list, row);
      if (focused_name != NULL && g_str_equal (focused_name, gtk_widget_get_name (row)))
        gtk_widget_grab_focus (row);
    }
  self->shown = sales->len;

  if (!self->loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (sales->len == 0)
    {
      gboolean filtered = g_hash_table_size (self->sales) > 0;

      adw_status_page_set_title (self->empty_page, filtered ? _("No Matching Sales") : _("No Sales Yet"));
      adw_status_page_set_description (self->empty_page,
                                       filtered ? _("No sale matches these filters.")
                                                : _("Reserve a vehicle for a customer from its page; its sale shows here."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static gboolean
rebuild_cb (gpointer user_data)
{
  SrSalesPage *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_rebuild (SrSalesPage *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add (rebuild_cb, self);
}

/* --- actions ------------------------------------------------------------------------ */

static void
receipt_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SrSalesPage) self = user_data;
  g_autoptr(SrReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  receipt = sr_receipt_fetch_finish (result, &error);
  if (receipt == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("preparing a receipt failed: %s", error->message);
      return;
    }
  root = gtk_widget_get_root (GTK_WIDGET (self));
  sr_receipt_print (receipt, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);
}

static void
print_clicked_cb (GtkButton   *button,
                  SrSalesPage *self)
{
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "sale-id"));

  sr_receipt_fetch_async (self->client, id, self->cancellable, receipt_cb, g_object_ref (self));
}

static void
row_activated_cb (AdwActionRow *row,
                  SrSalesPage  *self)
{
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "vehicle-id"));

  sr_stock_view_open_vehicle (self->stock, id);
}

/* --- live --------------------------------------------------------------------------- */

static void
event_cb (SrSalesPage *self,
          JsonObject  *params)
{
  const char *entity = sr_member_string (params, "entity");
  const char *op = sr_member_string (params, "op");
  JsonNode *node = json_object_get_member (params, "data");
  JsonObject *data = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  gint64 id = sr_member_int (params, "id");

  if (g_str_equal (entity, "sale"))
    {
      if (g_str_equal (op, "delete") || data == NULL)
        g_hash_table_remove (self->sales, &id);
      else
        take_sale (self, data);
      schedule_rebuild (self);
    }
  else if (g_str_equal (entity, "customer") && g_hash_table_contains (self->customers, &id))
    {
      if (data != NULL)
        {
          gint64 *key = g_new (gint64, 1);

          *key = id;
          g_hash_table_replace (self->customers, key, json_object_ref (data));
        }
      else
        g_hash_table_remove (self->customers, &id);
      schedule_rebuild (self);
    }
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SrSalesPage) self = user_data;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) found = NULL;
  GHashTableIter iter;
  JsonObject *sale;

  items = sr_client_list_all_finish (SR_CLIENT (object), result, &error);
  if (items == NULL)
    {
      /* After a lost connection, the reconnect's `synced` loads again. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_warning ("loading the sales failed: %s", error->message);
      return;
    }

  found = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      gint64 *id = g_new (gint64, 1);

      sale = json_array_get_object_element (items, i);
      *id = sr_member_int (sale, "id");
      g_hash_table_replace (found, id, json_object_ref (sale));
    }

  /* Events that came while the pages were read are newer than the pages: keep them. */
  g_hash_table_iter_init (&iter, self->sales);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sale))
    {
      gint64 id = sr_member_int (sale, "id");

      if (!g_hash_table_contains (found, &id))
        {
          gint64 *key = g_new (gint64, 1);

          *key = id;
          g_hash_table_replace (found, key, json_object_ref (sale));
        }
    }
  g_hash_table_unref (self->sales);
  self->sales = g_steal_pointer (&found);
  self->loaded = TRUE;
  schedule_rebuild (self);
}

static void
load (SrSalesPage *self)
{
  g_autoptr(JsonObject) query = NULL;

  if (sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->asking);

  query = json_object_new ();
  json_object_set_int_member (query, "limit", PAGE_SIZE);
  sr_client_list_all_async (self->client, "sales.list", query, self->cancellable, listed_cb,
                            g_object_ref (self));
}

static void
synced_cb (SrSalesPage *self)
{
  load (self);
}

/* --- the widget --------------------------------------------------------------------- */

guint
sr_sales_page_get_shown (SrSalesPage *self)
{
  g_return_val_if_fail (SR_IS_SALES_PAGE (self), 0);
  return self->shown;
}

GtkWidget *
sr_sales_page_new (SrClient    *client,
                   SrStockView *stock)
{
  SrSalesPage *self;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SR_IS_STOCK_VIEW (stock), NULL);

  self = g_object_new (SR_TYPE_SALES_PAGE, NULL);
  self->client = g_object_ref (client);
  self->stock = g_object_ref (stock);

  g_signal_connect_object (sr_stock_view_get_store (stock), "items-changed", G_CALLBACK (schedule_rebuild), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->status_filter, "notify::selected", G_CALLBACK (schedule_rebuild), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->period_filter, "notify::selected", G_CALLBACK (schedule_rebuild), self,
                           G_CONNECT_SWAPPED);

  /* Made once signed in: the first sync may have passed already. */
  load (self);
  rebuild (self);
  return GTK_WIDGET (self);
}

static void
sr_sales_page_dispose (GObject *object)
{
  SrSalesPage *self = SR_SALES_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_SALES_PAGE);
  /* The template's outer box has no id, so the template does not drop it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sr_sales_page_parent_class)->dispose (object);
}

static void
sr_sales_page_finalize (GObject *object)
{
  SrSalesPage *self = SR_SALES_PAGE (object);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->stock);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sales, g_hash_table_unref);
  g_clear_pointer (&self->customers, g_hash_table_unref);
  g_clear_pointer (&self->asking, g_hash_table_unref);

  G_OBJECT_CLASS (sr_sales_page_parent_class)->finalize (object);
}

static void
sr_sales_page_class_init (SrSalesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_sales_page_dispose;
  object_class->finalize = sr_sales_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-sales-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrSalesPage, status_filter);
  gtk_widget_class_bind_template_child (widget_class, SrSalesPage, period_filter);
  gtk_widget_class_bind_template_child (widget_class, SrSalesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SrSalesPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SrSalesPage, list);
}

static void
sr_sales_page_init (SrSalesPage *self)
{
  self->sales = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) json_object_unref);
  self->customers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                           (GDestroyNotify) json_object_unref);
  self->asking = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}
