/* sr-sale-group.c: reserving, selling and releasing one vehicle.
 *
 * What the group offers follows the vehicle's status in the store (in stock: reserve;
 * reserved: complete or cancel; sold: the receipt), and whom it is reserved or sold to
 * comes from the vehicle's live sale, read with sales.list and kept current from the
 * feed's `sale` events. Every step is the server's to allow: a reservation someone else
 * made first is explained, and nothing changes.
 */
#define G_LOG_DOMAIN "sr-sale-group"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"
#include "sr-receipt.h"
#include "sr-sale-group.h"
#include "sr-vehicle.h"
#include "sr-window.h"

#define CUSTOMERS_SHOWN 25

struct _SrSaleGroup
{
  AdwPreferencesGroup parent_instance;

  /* Owned */
  SrClient           *client;
  SrVehicleStore     *store;
  GCancellable       *cancellable;
  JsonObject         *sale;        /* the live sale, NULL when none */
  JsonObject         *customer;    /* the live sale's customer, once read */
  GtkWidget          *status_row;
  GtkWidget          *reserve_button;
  GtkWidget          *complete_button;
  GtkWidget          *cancel_button;
  GtkWidget          *receipt_button;
  gint64              vehicle_id;
  SrVehicleStatus     status;
  guint               refresh_id;
  gboolean            busy;        /* a step is on its way to the server */
};

G_DEFINE_FINAL_TYPE (SrSaleGroup, sr_sale_group, ADW_TYPE_PREFERENCES_GROUP)

static void load_sale (SrSaleGroup *self);

static const char *const payment_methods[] = { "cash", "card", "upi", "bank_transfer", "finance" };

const char *
sr_payment_method_label (const char *method)
{
  if (g_strcmp0 (method, "cash") == 0)
    return _("Cash");
  if (g_strcmp0 (method, "card") == 0)
    return _("Card");
  if (g_strcmp0 (method, "upi") == 0)
    return _("UPI");
  if (g_strcmp0 (method, "bank_transfer") == 0)
    return _("Bank Transfer");
  if (g_strcmp0 (method, "finance") == 0)
    return _("Finance");
  return method ? method : "";
}

/* --- reading ------------------------------------------------------------------------ */

static char *
money_text (JsonObject *object,
            const char *name)
{
  gint64 paise = 0;

  sr_money_parse (sr_member_string (object, name), &paise);
  return sr_money_display (paise);
}

static SrVehicle *
vehicle (SrSaleGroup *self)
{
  return sr_vehicle_store_lookup (self->store, self->vehicle_id, NULL);
}

/* "SR000012 · Maruti Swift" */
static char *
vehicle_name (SrSaleGroup *self)
{
  SrVehicle *v = vehicle (self);

  if (v == NULL)
    return g_strdup (_("This vehicle"));
  return g_strdup_printf ("%s · %s %s", sr_vehicle_get_stock_no (v), sr_vehicle_get_make (v),
                          sr_vehicle_get_model (v));
}

static const char *
customer_name (SrSaleGroup *self)
{
  const char *name = sr_member_string (self->customer, "name");

  return *name ? name : _("a customer");
}

static void
toast (SrSaleGroup *self,
       const char  *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? gtk_window_get_transient_for (GTK_WINDOW (root)) : NULL;

  if (SR_IS_WINDOW (parent))
    sr_window_add_toast (SR_WINDOW (parent), text);
  else if (SR_IS_WINDOW (root))
    sr_window_add_toast (SR_WINDOW (root), text);
}

static GtkWindow *
own_window (SrSaleGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* A short dialog that only informs. */
static void
tell (SrSaleGroup *self,
      const char  *name,
      const char  *heading,
      const char  *body)
{
  GtkWidget *dialog = adw_message_dialog_new (own_window (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_OK"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_widget_set_name (dialog, name);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- showing the state -------------------------------------------------------------- */

static void
refresh (SrSaleGroup *self)
{
  SrVehicle *v = vehicle (self);
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;
  const char *sale_status = sr_member_string (self->sale, "status");
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  SrVehicleStatus status = v ? sr_vehicle_get_status (v) : SR_VEHICLE_STATUS_INCOMING;

  switch (v ? status : SR_VEHICLE_N_STATUSES)
    {
    case SR_VEHICLE_STATUS_IN_STOCK:
      title = g_strdup (_("Available"));
      subtitle = g_strdup (_("Not reserved for anyone. Reserve it for a customer to hold it for them."));
      break;
    case SR_VEHICLE_STATUS_INCOMING:
      title = g_strdup (_("Not in Stock Yet"));
      subtitle = g_strdup (_("It can be reserved once it has arrived."));
      break;
    case SR_VEHICLE_STATUS_RESERVED:
      if (g_str_equal (sale_status, "reserved"))
        {
          g_autofree char *deposit = money_text (self->sale, "deposit");
          JsonObject *seller = json_object_has_member (self->sale, "sold_by") &&
                               JSON_NODE_HOLDS_OBJECT (json_object_get_member (self->sale, "sold_by"))
                               ? json_object_get_object_member (self->sale, "sold_by") : NULL;
          const char *phone = sr_member_string (self->customer, "phone");

          /* Translators: "Reserved for Asha Mehta" */
          title = g_strdup_printf (_("Reserved for %s"), customer_name (self));
          /* Translators: "+919820012345 · deposit 50,000.00 · by Mumbai Sales" */
          subtitle = g_strdup_printf (_("%s%sdeposit %s · by %s"), phone, *phone ? " · " : "", deposit,
                                      sr_member_string (seller, "name"));
        }
      else
        {
          title = g_strdup (_("Reserved"));
          subtitle = g_strdup (_("Reserved outside a sale; a manager can put it back in stock."));
        }
      break;
    case SR_VEHICLE_STATUS_SOLD:
      if (g_str_equal (sale_status, "completed"))
        {
          g_autofree char *price = money_text (self->sale, "price");

          /* Translators: "Sold to Asha Mehta" */
          title = g_strdup_printf (_("Sold to %s"), customer_name (self));
          /* Translators: "Receipt No. 12 · 845,000.00 · UPI" */
          subtitle = g_strdup_printf (_("Receipt No. %lld · %s · %s"),
                                      (long long) sr_member_int (self->sale, "receipt_no"), price,
                                      sr_payment_method_label (sr_member_string (self->sale, "payment_method")));
        }
      else
        {
          title = g_strdup (_("Sold"));
          subtitle = g_strdup ("");
        }
      break;
    default:
      title = g_strdup (_("Not in Your Stock"));
      subtitle = g_strdup (_("This vehicle was removed or moved to another branch."));
      break;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->status_row), subtitle);

  gtk_widget_set_visible (self->reserve_button, v != NULL && status == SR_VEHICLE_STATUS_IN_STOCK);
  gtk_widget_set_visible (self->complete_button, v != NULL && status == SR_VEHICLE_STATUS_RESERVED &&
                                                 g_str_equal (sale_status, "reserved"));
  gtk_widget_set_visible (self->cancel_button, gtk_widget_get_visible (self->complete_button));
  gtk_widget_set_visible (self->receipt_button, g_str_equal (sale_status, "completed"));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sale.reserve",
                                 online && !self->busy && v != NULL && status == SR_VEHICLE_STATUS_IN_STOCK);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sale.complete",
                                 online && !self->busy && gtk_widget_get_visible (self->complete_button));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sale.cancel",
                                 online && !self->busy && gtk_widget_get_visible (self->complete_button));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sale.print-receipt",
                                 online && g_str_equal (sale_status, "completed"));
}

static void
set_customer (SrSaleGroup *self,
              JsonObject  *customer)
{
  g_clear_pointer (&self->customer, json_object_unref);
  self->customer = customer ? json_object_ref (customer) : NULL;
  refresh (self);
}

static void
customer_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SrSaleGroup) self = user_data;
  g_autoptr(JsonNode) reply = sr_client_call_finish (SR_CLIENT (object), result, NULL);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) &&
      sr_member_int (json_node_get_object (reply), "id") == sr_member_int (self->sale, "customer_id"))
    set_customer (self, json_node_get_object (reply));
}

/* Takes @sale (or NULL) as the vehicle's live sale; reads its customer if needed. */
static void
set_sale (SrSaleGroup *self,
          JsonObject  *sale)
{
  gint64 customer_id = sr_member_int (sale, "customer_id");

  if (sale != NULL)
    json_object_ref (sale);
  g_clear_pointer (&self->sale, json_object_unref);
  self->sale = sale;

  if (customer_id != sr_member_int (self->customer, "id"))
    {
      g_clear_pointer (&self->customer, json_object_unref);
      if (customer_id != 0)
        {
          g_autoptr(JsonObject) params = json_object_new ();

          json_object_set_int_member (params, "id", customer_id);
          sr_client_call_async (self->client, "customers.get", params, self->cancellable, customer_cb,
                                g_object_ref (self));
        }
    }
  refresh (self);
}

static void
sale_listed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SrSaleGroup) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *items;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_warning ("reading the vehicle's sale failed: %s", error->message);
      return;
    }
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  set_sale (self, items != NULL && json_array_get_length (items) > 0
                  ? json_array_get_object_element (items, 0) : NULL);
}

static void
load_sale (SrSaleGroup *self)
{
  g_autoptr(JsonObject) params = json_object_new ();
  JsonArray *statuses = json_array_new ();

  if (sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;
  json_array_add_string_element (statuses, "reserved");
  json_array_add_string_element (statuses, "completed");
  json_object_set_int_member (params, "vehicle_id", self->vehicle_id);
  json_object_set_array_member (params, "status", statuses);
  json_object_set_int_member (params, "limit", 1);
  sr_client_call_async (self->client, "sales.list", params, self->cancellable, sale_listed_cb,
                        g_object_ref (self));
}

static gboolean
refresh_cb (gpointer user_data)
{
  SrSaleGroup *self = user_data;
  SrVehicle *v = vehicle (self);
  SrVehicleStatus status = v ? sr_vehicle_get_status (v) : SR_VEHICLE_N_STATUSES;

  self->refresh_id = 0;
  /* A status the sale known does not explain: someone else moved it; read again. */
  if (status != self->status)
    {
      self->status = status;
      if ((status == SR_VEHICLE_STATUS_RESERVED && !g_str_equal (sr_member_string (self->sale, "status"), "reserved")) ||
          (status == SR_VEHICLE_STATUS_SOLD && !g_str_equal (sr_member_string (self->sale, "status"), "completed")))
        load_sale (self);
    }
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (SrSaleGroup *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add (refresh_cb, self);
}

static void
event_cb (SrSaleGroup *self,
          JsonObject  *params)
{
  const char *entity = sr_member_string (params, "entity");
  JsonObject *data = json_object_has_member (params, "data") &&
                     JSON_NODE_HOLDS_OBJECT (json_object_get_member (params, "data"))
                     ? json_object_get_object_member (params, "data") : NULL;

  if (g_str_equal (entity, "sale") && data != NULL && sr_member_int (data, "vehicle_id") == self->vehicle_id)
    {
      const char *status = sr_member_string (data, "status");

      if (g_str_equal (status, "reserved") || g_str_equal (status, "completed"))
        set_sale (self, data);
      else if (sr_member_int (data, "id") == sr_member_int (self->sale, "id"))
        set_sale (self, NULL);
    }
  else if (g_str_equal (entity, "customer") && data != NULL && self->customer != NULL &&
           sr_member_int (data, "id") == sr_member_int (self->customer, "id"))
    set_customer (self, data);
}

/* --- reserving ---------------------------------------------------------------------- */

typedef struct {
  SrSaleGroup  *self;
  GtkWidget    *dialog;
  GtkWidget    *search;
  GtkListBox   *list;
  GtkWidget    *deposit;
  GtkWidget    *problem;
  GCancellable *searching;
} Reserve;

static void
reserve_free (gpointer  data,
              GClosure *closure)
{
  Reserve *reserve = data;

  g_cancellable_cancel (reserve->searching);
  g_clear_object (&reserve->searching);
  g_object_unref (reserve->self);
  g_free (reserve);
}

static JsonObject *
chosen_customer (Reserve *reserve)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (reserve->list);

  return row ? g_object_get_data (G_OBJECT (row), "customer") : NULL;
}

/* The deposit in paise, or -1 with the reason in @problem when it cannot be taken. */
static gint64
deposit_paise (Reserve  *reserve,
               char    **problem)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (reserve->deposit))));
  SrVehicle *v = vehicle (reserve->self);
  gint64 paise = 0;

  if (*text == '\0')
    return 0;
  if (!sr_money_parse (text, &paise))
    {
      *problem = g_strdup (_("Deposit: an amount such as 50000 or 50000.50, without commas."));
      return -1;
    }
  if (v != NULL && paise > sr_vehicle_get_price (v))
    {
      g_autofree char *price = sr_money_display (sr_vehicle_get_price (v));

      *problem = g_strdup_printf (_("Deposit: at most the vehicle’s price, %s."), price);
      return -1;
    }
  return paise;
}

static void
reserve_check (Reserve *reserve)
{
  g_autofree char *problem = NULL;
  gint64 deposit = deposit_paise (reserve, &problem);

  if (problem == NULL && chosen_customer (reserve) == NULL)
    problem = g_strdup (_("Choose the customer from the list."));
  gtk_label_set_text (GTK_LABEL (reserve->problem), problem ? problem : "");
  if (deposit < 0)
    gtk_widget_add_css_class (reserve->deposit, "error");
  else
    gtk_widget_remove_css_class (reserve->deposit, "error");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (reserve->dialog), "reserve", problem == NULL);
}

static GtkWidget *
customer_row (JsonObject *customer)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GString) about = g_string_new (NULL);
  const char *parts[] = { "phone", "email", "city" };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (*sr_member_string (customer, parts[i]) != '\0')
      g_string_append_printf (about, "%s%s", about->len ? " · " : "", sr_member_string (customer, parts[i]));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), sr_member_string (customer, "name"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), about->str);
  g_object_set_data_full (G_OBJECT (row), "customer", json_object_ref (customer),
                          (GDestroyNotify) json_object_unref);
  return row;
}

typedef struct {
  Reserve      *reserve;
  GCancellable *cancellable;
} Search;

static void
customers_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree Search *search = user_data;
  g_autoptr(GCancellable) cancellable = search->cancellable;
  Reserve *reserve = search->reserve;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *items;
  GtkWidget *child;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  /* A newer search replaced this one, or the dialog has gone. */
  if (g_cancellable_is_cancelled (cancellable))
    return;
  if (reply == NULL)
    {
      gtk_label_set_text (GTK_LABEL (reserve->problem), error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (reserve->list))) != NULL)
    gtk_list_box_remove (reserve->list, child);
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    gtk_list_box_append (reserve->list, customer_row (json_array_get_object_element (items, i)));
  /* One match is the one meant. */
  if (items != NULL && json_array_get_length (items) == 1)
    gtk_list_box_select_row (reserve->list, gtk_list_box_get_row_at_index (reserve->list, 0));
  reserve_check (reserve);
}

static void
search_customers (Reserve *reserve)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (reserve->search))));
  Search *search = g_new0 (Search, 1);

  g_cancellable_cancel (reserve->searching);
  g_clear_object (&reserve->searching);
  reserve->searching = g_cancellable_new ();

  if (*text != '\0')
    {
      JsonObject *filter = json_object_new ();

      json_object_set_string_member (filter, "text", text);
      json_object_set_object_member (params, "filter", filter);
    }
  json_object_set_int_member (params, "limit", CUSTOMERS_SHOWN);
  search->reserve = reserve;
  search->cancellable = g_object_ref (reserve->searching);
  sr_client_call_async (reserve->self->client, "customers.list", params, reserve->searching, customers_cb,
                        search);
}

typedef struct {
  SrSaleGroup *self;
  JsonObject  *customer;
} Reserving;

static void
reserving_free (Reserving *reserving)
{
  g_object_unref (reserving->self);
  json_object_unref (reserving->customer);
  g_free (reserving);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reserving, reserving_free)

static void
reserved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Reserving) reserving = user_data;
  SrSaleGroup *self = reserving->self;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = vehicle_name (self);
  g_autofree char *text = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  self->busy = FALSE;
  refresh (self);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_AVAILABLE))
        {
          JsonObject *extra = sr_error_get_extra (error);
          JsonObject *current = extra && json_object_has_member (extra, "current")
                                ? json_object_get_object_member (extra, "current") : NULL;
          SrVehicleStatus status = SR_VEHICLE_STATUS_RESERVED;

          sr_vehicle_status_from_string (sr_member_string (current, "status"), &status);
          text = g_strdup_printf (_("Someone else reserved or sold %s just before you: it is now “%s”. "
                                    "Your reservation was not made and nothing was changed."),
                                  name, sr_status_label (status));
          tell (self, "not-available-dialog", _("Already Taken"), text);
          return;
        }
      text = g_strdup_printf (_("The reservation was not made: %s"), error->message);
      tell (self, "sale-error-dialog", _("Not Reserved"), text);
      return;
    }

  /* The customer chosen is the sale's: no need to read it again. */
  if (sr_member_int (reserving->customer, "id") == sr_member_int (json_node_get_object (reply), "customer_id"))
    {
      g_clear_pointer (&self->customer, json_object_unref);
      self->customer = json_object_ref (reserving->customer);
    }
  set_sale (self, json_node_get_object (reply));
  text = g_strdup_printf (_("%s reserved for %s."), name, customer_name (self));
  toast (self, text);
}

static void
reserve_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Reserve          *reserve)
{
  SrSaleGroup *self = reserve->self;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *problem = NULL;
  JsonObject *customer = chosen_customer (reserve);
  gint64 deposit = deposit_paise (reserve, &problem);
  Reserving *reserving;

  /* The dialog is closing: its fields no longer speak to it. */
  g_signal_handlers_disconnect_by_data (reserve->search, reserve);
  g_signal_handlers_disconnect_by_data (reserve->list, reserve);
  g_signal_handlers_disconnect_by_data (reserve->deposit, reserve);
  g_cancellable_cancel (reserve->searching);

  if (!g_str_equal (response, "reserve") || customer == NULL || deposit < 0)
    return;

  json_object_set_int_member (params, "vehicle_id", self->vehicle_id);
  json_object_set_int_member (params, "customer_id", sr_member_int (customer, "id"));
  if (deposit > 0)
    {
      g_autofree char *money = sr_money_format (deposit);

      json_object_set_string_member (params, "deposit", money);
    }
  reserving = g_new0 (Reserving, 1);
  reserving->self = g_object_ref (self);
  reserving->customer = json_object_ref (customer);
  self->busy = TRUE;
  refresh (self);
  sr_client_call_async (self->client, "sales.reserve", params, self->cancellable, reserved_cb, reserving);
}

static GtkWidget *
boxed_list (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return list;
}

static GtkWidget *
problem_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_set_name (label, "problem");
  return label;
}

static void
reserve_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SrSaleGroup *self = SR_SALE_GROUP (widget);
  Reserve *reserve = g_new0 (Reserve, 1);
  g_autofree char *name = vehicle_name (self);
  g_autofree char *body = NULL;
  GtkWidget *box, *scroller, *fields, *placeholder;

  reserve->self = g_object_ref (self);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  reserve->search = gtk_search_entry_new ();
  gtk_widget_set_name (reserve->search, "customer-search");
  g_object_set (reserve->search, "placeholder-text", _("Search by name, phone or e-mail"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (reserve->search), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Find the customer"), -1);
  gtk_box_append (GTK_BOX (box), reserve->search);

  reserve->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_set_name (GTK_WIDGET (reserve->list), "customer-list");
  gtk_list_box_set_selection_mode (reserve->list, GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (reserve->list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (reserve->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (reserve->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Customers"), -1);
  placeholder = gtk_label_new (_("No customer matches. Customers are added on the Customers page."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (reserve->list, placeholder);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 220);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 220);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (reserve->list));
  gtk_box_append (GTK_BOX (box), scroller);

  fields = boxed_list ();
  reserve->deposit = adw_entry_row_new ();
  gtk_widget_set_name (reserve->deposit, "deposit");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reserve->deposit), _("Deposit (optional)"));
  gtk_list_box_append (GTK_LIST_BOX (fields), reserve->deposit);
  gtk_box_append (GTK_BOX (box), fields);

  reserve->problem = problem_label ();
  gtk_box_append (GTK_BOX (box), reserve->problem);

  /* Translators: %s is the vehicle: "SR000012 · Maruti Swift" */
  body = g_strdup_printf (_("Hold %s for a customer until the sale is completed or the reservation is cancelled."),
                          name);
  reserve->dialog = adw_message_dialog_new (own_window (self), _("Reserve for Customer"), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (reserve->dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (reserve->dialog),
                                    "cancel", _("_Cancel"),
                                    "reserve", _("_Reserve"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (reserve->dialog), "reserve",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (reserve->dialog), "reserve");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (reserve->dialog), "cancel");
  gtk_widget_set_name (reserve->dialog, "reserve-dialog");

  g_signal_connect_swapped (reserve->search, "search-changed", G_CALLBACK (search_customers), reserve);
  g_signal_connect_swapped (reserve->list, "selected-rows-changed", G_CALLBACK (reserve_check), reserve);
  g_signal_connect_swapped (reserve->deposit, "changed", G_CALLBACK (reserve_check), reserve);
  g_signal_connect_data (reserve->dialog, "response", G_CALLBACK (reserve_response_cb), reserve,
                         reserve_free, 0);

  reserve_check (reserve);
  search_customers (reserve);
  gtk_window_present (GTK_WINDOW (reserve->dialog));
  gtk_widget_grab_focus (reserve->search);
}

/* --- completing --------------------------------------------------------------------- */

typedef struct {
  SrSaleGroup *self;
  GtkWidget   *dialog;
  GtkWidget   *price;
  GtkWidget   *method;
  GtkWidget   *balance;
  GtkWidget   *problem;
  JsonObject  *sale;
} Complete;

static void
complete_free (gpointer  data,
               GClosure *closure)
{
  Complete *complete = data;

  g_object_unref (complete->self);
  json_object_unref (complete->sale);
  g_free (complete);
}

static void
complete_check (Complete *complete)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (complete->price))));
  g_autofree char *problem = NULL;
  gint64 deposit = 0, price = 0;

  sr_money_parse (sr_member_string (complete->sale, "deposit"), &deposit);
  if (!sr_money_parse (text, &price))
    problem = g_strdup (_("Price: an amount such as 845000 or 845000.50, without commas."));
  else if (price < deposit)
    {
      g_autofree char *shown = sr_money_display (deposit);

      problem = g_strdup_printf (_("Price: at least the deposit already received, %s."), shown);
    }

  if (problem == NULL)
    {
      g_autofree char *balance = sr_money_display (price - deposit);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (complete->balance), balance);
      gtk_widget_remove_css_class (complete->price, "error");
    }
  else
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (complete->balance), "—");
      gtk_widget_add_css_class (complete->price, "error");
    }
  gtk_label_set_text (GTK_LABEL (complete->problem), problem ? problem : "");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (complete->dialog), "complete", problem == NULL);
}

static void
completed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SrSaleGroup) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  self->busy = FALSE;
  refresh (self);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_AVAILABLE) ||
          g_error_matches (error, SR_ERROR, SR_ERROR_ALREADY_DECIDED))
        text = g_strdup (_("The reservation changed meanwhile (cancelled, completed, or the vehicle moved "
                           "by hand). Nothing was sold; check the vehicle’s status."));
      else
        text = g_strdup_printf (_("The sale was not completed: %s"), error->message);
      tell (self, "sale-error-dialog", _("Sale Not Completed"), text);
      load_sale (self);
      return;
    }

  set_sale (self, json_node_get_object (reply));
  /* Translators: "Sale completed: Receipt No. 12 for Asha Mehta." */
  text = g_strdup_printf (_("Sale completed: Receipt No. %lld for %s."),
                          (long long) sr_member_int (self->sale, "receipt_no"), customer_name (self));
  toast (self, text);
}

static void
complete_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      Complete         *complete)
{
  SrSaleGroup *self = complete->self;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (complete->price))));
  g_autofree char *money = NULL;
  guint method = adw_combo_row_get_selected (ADW_COMBO_ROW (complete->method));
  gint64 price;

  g_signal_handlers_disconnect_by_data (complete->price, complete);
  if (!g_str_equal (response, "complete") || !sr_money_parse (text, &price) ||
      method >= G_N_ELEMENTS (payment_methods))
    return;

  money = sr_money_format (price);
  json_object_set_int_member (params, "id", sr_member_int (complete->sale, "id"));
  json_object_set_string_member (params, "price", money);
  json_object_set_string_member (params, "payment_method", payment_methods[method]);
  self->busy = TRUE;
  refresh (self);
  sr_client_call_async (self->client, "sales.complete", params, self->cancellable, completed_cb,
                        g_object_ref (self));
}

static void
complete_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SrSaleGroup *self = SR_SALE_GROUP (widget);
  Complete *complete;
  g_autoptr(GtkStringList) methods = gtk_string_list_new (NULL);
  g_autofree char *name = vehicle_name (self);
  g_autofree char *body = NULL;
  g_autofree char *price = NULL;
  g_autofree char *deposit = NULL;
  GtkWidget *box, *fields, *deposit_row;
  SrVehicle *v = vehicle (self);

  if (self->sale == NULL)
    return;

  complete = g_new0 (Complete, 1);
  complete->self = g_object_ref (self);
  complete->sale = json_object_ref (self->sale);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  fields = boxed_list ();

  /* The price asked now; the vehicle's may have moved since the reservation. */
  complete->price = adw_entry_row_new ();
  gtk_widget_set_name (complete->price, "price");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (complete->price), sr_field_label ("price"));
  price = v ? sr_vehicle_format_price (v) : g_strdup (sr_member_string (self->sale, "price"));
  gtk_editable_set_text (GTK_EDITABLE (complete->price), price);
  gtk_list_box_append (GTK_LIST_BOX (fields), complete->price);

  for (guint i = 0; i < G_N_ELEMENTS (payment_methods); i++)
    gtk_string_list_append (methods, sr_payment_method_label (payment_methods[i]));
  complete->method = adw_combo_row_new ();
  gtk_widget_set_name (complete->method, "payment-method");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (complete->method), _("Payment Method"));
  adw_combo_row_set_model (ADW_COMBO_ROW (complete->method), G_LIST_MODEL (methods));
  gtk_list_box_append (GTK_LIST_BOX (fields), complete->method);

  deposit = money_text (self->sale, "deposit");
  deposit_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (deposit_row), _("Deposit Received"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (deposit_row), deposit);
  gtk_list_box_append (GTK_LIST_BOX (fields), deposit_row);

  complete->balance = adw_action_row_new ();
  gtk_widget_set_name (complete->balance, "balance");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (complete->balance), _("Balance Due"));
  gtk_list_box_append (GTK_LIST_BOX (fields), complete->balance);
  gtk_box_append (GTK_BOX (box), fields);

  complete->problem = problem_label ();
  gtk_box_append (GTK_BOX (box), complete->problem);

  /* Translators: "Sell SR000012 · Maruti Swift to Asha Mehta. ..." */
  body = g_strdup_printf (_("Sell %s to %s. The receipt number is given when the sale is completed."),
                          name, customer_name (self));
  complete->dialog = adw_message_dialog_new (own_window (self), _("Complete Sale"), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (complete->dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (complete->dialog),
                                    "cancel", _("_Cancel"),
                                    "complete", _("_Complete Sale"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (complete->dialog), "complete",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (complete->dialog), "complete");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (complete->dialog), "cancel");
  gtk_widget_set_name (complete->dialog, "complete-dialog");

  g_signal_connect_swapped (complete->price, "changed", G_CALLBACK (complete_check), complete);
  g_signal_connect_data (complete->dialog, "response", G_CALLBACK (complete_response_cb), complete,
                         complete_free, 0);
  complete_check (complete);
  gtk_window_present (GTK_WINDOW (complete->dialog));
  gtk_widget_grab_focus (complete->method);
}

/* --- cancelling --------------------------------------------------------------------- */

typedef struct {
  SrSaleGroup *self;
  GtkWidget   *reason;
  gint64       sale_id;
} Cancel;

static void
cancel_free (gpointer  data,
             GClosure *closure)
{
  Cancel *cancel = data;

  g_object_unref (cancel->self);
  g_free (cancel);
}

static void
reason_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "cancel-reservation", *reason != '\0');
}

static void
cancelled_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SrSaleGroup) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = vehicle_name (self);
  g_autofree char *text = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  self->busy = FALSE;
  refresh (self);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, SR_ERROR, SR_ERROR_ALREADY_DECIDED))
        text = g_strdup (_("This reservation was completed or cancelled meanwhile; nothing was changed."));
      else
        text = g_strdup_printf (_("The reservation was not cancelled: %s"), error->message);
      tell (self, "sale-error-dialog", _("Not Cancelled"), text);
      load_sale (self);
      return;
    }

  set_sale (self, NULL);
  text = g_strdup_printf (_("Reservation cancelled: %s is back in stock."), name);
  toast (self, text);
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    Cancel           *cancel)
{
  SrSaleGroup *self = cancel->self;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (cancel->reason))));

  g_signal_handlers_disconnect_by_data (cancel->reason, dialog);
  if (!g_str_equal (response, "cancel-reservation") || *reason == '\0')
    return;
  json_object_set_int_member (params, "id", cancel->sale_id);
  json_object_set_string_member (params, "reason", reason);
  self->busy = TRUE;
  refresh (self);
  sr_client_call_async (self->client, "sales.cancel", params, self->cancellable, cancelled_cb,
                        g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SrSaleGroup *self = SR_SALE_GROUP (widget);
  Cancel *cancel;
  GtkWidget *dialog;
  g_autofree char *name = vehicle_name (self);
  g_autofree char *body = NULL;

  if (self->sale == NULL)
    return;

  cancel = g_new0 (Cancel, 1);
  cancel->self = g_object_ref (self);
  cancel->sale_id = sr_member_int (self->sale, "id");
  cancel->reason = gtk_entry_new ();
  gtk_widget_set_name (cancel->reason, "reason");
  gtk_entry_set_activates_default (GTK_ENTRY (cancel->reason), TRUE);
  g_object_set (cancel->reason, "placeholder-text", _("For example: the customer chose another model"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cancel->reason), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason for cancelling"), -1);

  /* Translators: "SR000012 · Maruti Swift goes back in stock and Asha Mehta's ..." */
  body = g_strdup_printf (_("%s goes back in stock and %s’s reservation ends. Say why."), name,
                          customer_name (self));
  dialog = adw_message_dialog_new (own_window (self), _("Cancel Reservation?"), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), cancel->reason);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Reservation"),
                                    "cancel-reservation", _("C_ancel Reservation"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel-reservation",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "cancel-reservation", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel-reservation");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  gtk_widget_set_name (dialog, "cancel-dialog");
  g_signal_connect (cancel->reason, "changed", G_CALLBACK (reason_changed_cb), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (cancel_response_cb), cancel, cancel_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (cancel->reason);
}

/* --- the receipt -------------------------------------------------------------------- */

static void
receipt_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SrSaleGroup) self = user_data;
  g_autoptr(SrReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  receipt = sr_receipt_fetch_finish (result, &error);
  if (receipt == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("The receipt cannot be prepared: %s"), error->message);
      tell (self, "sale-error-dialog", _("No Receipt"), text);
      return;
    }
  sr_receipt_print (receipt, own_window (self));
}

static void
print_receipt_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SrSaleGroup *self = SR_SALE_GROUP (widget);

  if (self->sale == NULL)
    return;
  sr_receipt_fetch_async (self->client, sr_member_int (self->sale, "id"), self->cancellable, receipt_cb,
                          g_object_ref (self));
}

/* --- the widget --------------------------------------------------------------------- */

static GtkWidget *
action_button (const char *label,
               const char *action,
               const char *name,
               const char *style)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_name (button, name);
  if (style != NULL)
    gtk_widget_add_css_class (button, style);
  return button;
}

static void
state_cb (SrSaleGroup *self)
{
  refresh (self);
}

static void
synced_cb (SrSaleGroup *self)
{
  load_sale (self);
}

JsonObject *
sr_sale_group_get_sale (SrSaleGroup *self)
{
  g_return_val_if_fail (SR_IS_SALE_GROUP (self), NULL);
  return self->sale;
}

GtkWidget *
sr_sale_group_new (SrClient       *client,
                   SrVehicleStore *store,
                   gint64          vehicle_id)
{
  SrSaleGroup *self;
  SrVehicle *v;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (store), NULL);

  self = g_object_new (SR_TYPE_SALE_GROUP, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->vehicle_id = vehicle_id;
  v = vehicle (self);
  self->status = v ? sr_vehicle_get_status (v) : SR_VEHICLE_N_STATUSES;

  g_signal_connect_object (store, "items-changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_cb), self, G_CONNECT_SWAPPED);

  if (self->status == SR_VEHICLE_STATUS_RESERVED || self->status == SR_VEHICLE_STATUS_SOLD)
    load_sale (self);
  refresh (self);
  return GTK_WIDGET (self);
}

static void
sr_sale_group_dispose (GObject *object)
{
  SrSaleGroup *self = SR_SALE_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);

  G_OBJECT_CLASS (sr_sale_group_parent_class)->dispose (object);
}

static void
sr_sale_group_finalize (GObject *object)
{
  SrSaleGroup *self = SR_SALE_GROUP (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sale, json_object_unref);
  g_clear_pointer (&self->customer, json_object_unref);

  G_OBJECT_CLASS (sr_sale_group_parent_class)->finalize (object);
}

static void
sr_sale_group_class_init (SrSaleGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_sale_group_dispose;
  object_class->finalize = sr_sale_group_finalize;

  gtk_widget_class_install_action (widget_class, "sale.reserve", NULL, reserve_action);
  gtk_widget_class_install_action (widget_class, "sale.complete", NULL, complete_action);
  gtk_widget_class_install_action (widget_class, "sale.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "sale.print-receipt", NULL, print_receipt_action);
}

static void
sr_sale_group_init (SrSaleGroup *self)
{
  GtkWidget *buttons;

  self->cancellable = g_cancellable_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Sale"));

  self->status_row = adw_action_row_new ();
  gtk_widget_set_name (self->status_row, "sale-status");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->status_row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (self->status_row), 0);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->reserve_button = action_button (_("_Reserve for Customer…"), "sale.reserve", "reserve", "suggested-action");
  self->cancel_button = action_button (_("C_ancel Reservation…"), "sale.cancel", "cancel-reservation", NULL);
  self->complete_button = action_button (_("Co_mplete Sale…"), "sale.complete", "complete", "suggested-action");
  self->receipt_button = action_button (_("Print _Receipt…"), "sale.print-receipt", "print-receipt", NULL);
  gtk_box_append (GTK_BOX (buttons), self->reserve_button);
  gtk_box_append (GTK_BOX (buttons), self->cancel_button);
  gtk_box_append (GTK_BOX (buttons), self->complete_button);
  gtk_box_append (GTK_BOX (buttons), self->receipt_button);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), buttons);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->status_row);
}
