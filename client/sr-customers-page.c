/* sr-customers-page.c: finding a customer at the counter.
 *
 * The list is the server's answer to the search as it stands (customers.list with the
 * text and status), a page at a time. Any customer event runs the same query again a
 * moment later, so a customer changed or added elsewhere shows exactly when they match;
 * rows are kept and updated in place, so the focus and the scroll stay where they are.
 */
#define G_LOG_DOMAIN "sr-customers-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-customer-dialog.h"
#include "sr-customers-page.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"

#define PAGE_SIZE 50
#define MAX_LIMIT 1000
/* A burst of events (an import, a colleague typing fast) asks once. */
#define REQUERY_DELAY_MS 300

enum {
  COLUMN_PHONE,
  COLUMN_EMAIL,
  COLUMN_CITY,
  COLUMN_STATUS,
  N_COLUMNS
};

static const char *const status_filters[] = { NULL, "lead", "active", "inactive" };

struct _SrCustomersPage
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkSearchEntry *search_entry;
  GtkDropDown    *status_dropdown;
  GtkLabel       *count_label;
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  GtkBox         *header_box;
  GtkListBox     *list;
  GtkWidget      *more_button;
  GtkWidget      *new_button;

  /* Owned */
  SrClient       *client;
  GPtrArray      *items;        /* JsonObject, in the server's order */
  GHashTable     *rows;         /* id -> GtkListBoxRow (owned by the list) */
  GtkSizeGroup   *columns[N_COLUMNS];
  GCancellable   *cancellable;  /* the query on its way */
  JsonNode       *next;         /* the cursor for "Show More", or NULL */
  guint           generation;   /* of the latest query: older answers are dropped */
  guint           limit;        /* how many rows the user has asked to see */
  guint           requery_id;
  guint           in_flight;
  gboolean        loaded;
  char           *asked;        /* the search and status of the latest query */
  char           *shown;        /* ... and of the answer on screen */
  gboolean        open_first;   /* Enter was pressed before the answer came */
};

G_DEFINE_FINAL_TYPE (SrCustomersPage, sr_customers_page, GTK_TYPE_WIDGET)

static void run_query (SrCustomersPage *self, gboolean more);
static char *query_key (SrCustomersPage *self);

/* --- the rows ---------------------------------------------------------------------------- */

static GtkWidget *
cell_new (SrCustomersPage *self,
          GtkWidget       *box,
          int              column,
          const char      *name,
          int              width_chars)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_name (label, name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), width_chars);
  gtk_label_set_max_width_chars (GTK_LABEL (label), width_chars);
  if (column >= 0)
    gtk_size_group_add_widget (self->columns[column], label);
  else
    gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  return label;
}

/* The same cells for the heading and for every row, so the columns line up. */
static GtkWidget *
cells_new (SrCustomersPage *self,
           GtkWidget      **labels)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  labels[0] = cell_new (self, box, -1, "name", 16);
  labels[1] = cell_new (self, box, COLUMN_PHONE, "phone", 15);
  labels[2] = cell_new (self, box, COLUMN_EMAIL, "email", 26);
  labels[3] = cell_new (self, box, COLUMN_CITY, "city", 12);
  labels[4] = cell_new (self, box, COLUMN_STATUS, "status", 8);
  return box;
}

static void
build_header (SrCustomersPage *self)
{
  static const char *const titles[] = { N_("Name"), N_("Phone"), N_("E-mail"), N_("City"), N_("Status") };
  GtkWidget *labels[5];
  GtkWidget *box = cells_new (self, labels);

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      gtk_label_set_text (GTK_LABEL (labels[i]), _(titles[i]));
      gtk_widget_add_css_class (labels[i], "heading");
      gtk_widget_add_css_class (labels[i], "dim-label");
    }
  gtk_widget_set_hexpand (box, TRUE);
  gtk_box_append (self->header_box, box);
}

static GtkWidget *
find_cell (GtkWidget  *row,
           const char *name)
{
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_str_equal (gtk_widget_get_name (child), name))
      return child;
  return NULL;
}

static void
set_cell (GtkWidget  *row,
          const char *name,
          const char *text)
{
  GtkLabel *label = GTK_LABEL (find_cell (row, name));

  if (g_strcmp0 (gtk_label_get_text (label), text) != 0)
    gtk_label_set_text (label, text);
}

static void
update_row (GtkWidget  *row,
            JsonObject *customer)
{
  const char *status = sr_member_string (customer, "status");
  GtkWidget *status_label = find_cell (row, "status");
  g_autofree char *accessible = NULL;

  g_object_set_data_full (G_OBJECT (row), "sr-customer", json_object_ref (customer),
                          (GDestroyNotify) json_object_unref);
  set_cell (row, "name", sr_member_string (customer, "name"));
  set_cell (row, "phone", sr_member_string (customer, "phone"));
  set_cell (row, "email", sr_member_string (customer, "email"));
  set_cell (row, "city", sr_member_string (customer, "city"));
  set_cell (row, "status", sr_customer_status_label (status));

  gtk_widget_remove_css_class (status_label, "accent");
  gtk_widget_remove_css_class (status_label, "success");
  gtk_widget_remove_css_class (status_label, "dim-label");
  gtk_widget_add_css_class (status_label, g_str_equal (status, "lead") ? "accent"
                                          : g_str_equal (status, "active") ? "success" : "dim-label");

  /* Read out as one line: who, and how to reach them. */
  accessible = g_strjoin (", ", sr_member_string (customer, "name"), sr_member_string (customer, "phone"),
                          sr_member_string (customer, "email"), sr_member_string (customer, "city"),
                          sr_customer_status_label (status), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static GtkWidget *
row_new (SrCustomersPage *self,
         gint64           id)
{
  GtkWidget *labels[5];
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = cells_new (self, labels);
  g_autofree char *name = g_strdup_printf ("customer-%" G_GINT64_FORMAT, id);

  gtk_widget_set_name (row, name);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_add_css_class (labels[0], "heading");
  {
    PangoAttrList *attrs = pango_attr_list_new ();

    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    gtk_label_set_attributes (GTK_LABEL (labels[1]), attrs);
    pango_attr_list_unref (attrs);
  }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

static int
compare_rows (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       user_data)
{
  guint x = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (a), "sr-position"));
  guint y = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (b), "sr-position"));

  return x < y ? -1 : x > y;
}

static gboolean
has_query (SrCustomersPage *self)
{
  return *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0' ||
         gtk_drop_down_get_selected (self->status_dropdown) != 0;
}

static void
update_state (SrCustomersPage *self)
{
  guint n = self->items->len;
  g_autofree char *count = NULL;

  if (!self->loaded)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_label_set_text (self->count_label, "");
      return;
    }

  if (self->next != NULL)
    /* Translators: the list goes on past what is shown: "50 shown, more below" */
    count = g_strdup_printf (_("%u shown, more below"), n);
  else if (has_query (self))
    count = g_strdup_printf (g_dngettext (NULL, "%u match", "%u matches", n), n);
  else
    count = g_strdup_printf (g_dngettext (NULL, "%u customer", "%u customers", n), n);
  gtk_label_set_text (self->count_label, count);
  gtk_widget_set_visible (self->more_button, self->next != NULL);

  if (n == 0)
    {
      /* Nothing at all is not the same as nothing matching. */
      adw_status_page_set_title (self->empty_page, has_query (self) ? _("No Customers Match")
                                                                    : _("No Customers Yet"));
      adw_status_page_set_description (self->empty_page,
                                       has_query (self)
                                         ? _("Check the spelling, or search by part of the phone number. New Customer adds them.")
                                         : _("Customers of this branch appear here. New Customer adds one."));
      adw_status_page_set_icon_name (self->empty_page, has_query (self) ? "edit-find-symbolic"
                                                                        : "avatar-default-symbolic");
    }
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
}

/* Shows @items: the whole answer, or with @append the next page of it. */
static void
take_items (SrCustomersPage *self,
            JsonArray       *items,
            gboolean         append)
{
  g_autoptr(GHashTable) kept = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gpointer key;
  GtkWidget *row;

  if (!append)
    g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (self->items, json_object_ref (json_node_get_object (node)));
    }

  for (guint i = 0; i < self->items->len; i++)
    {
      JsonObject *customer = g_ptr_array_index (self->items, i);
      gint64 id = sr_member_int (customer, "id");

      row = g_hash_table_lookup (self->rows, &id);
      if (row == NULL)
        {
          gint64 *id_key = g_new (gint64, 1);

          *id_key = id;
          row = row_new (self, id);
          g_hash_table_insert (self->rows, id_key, row);
          gtk_list_box_append (self->list, row);
        }
      update_row (row, customer);
      g_object_set_data (G_OBJECT (row), "sr-position", GUINT_TO_POINTER (i));
      /* The rows table's own key: it outlives this loop. */
      if (g_hash_table_lookup_extended (self->rows, &id, &key, NULL))
        g_hash_table_add (kept, key);
    }

  /* Those that no longer match go. */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &row))
    if (!g_hash_table_contains (kept, key))
      {
        gtk_list_box_remove (self->list, row);
        g_hash_table_iter_remove (&iter);
      }

  gtk_list_box_invalidate_sort (self->list);
  self->loaded = TRUE;
  update_state (self);
}

/* --- asking the server ------------------------------------------------------------------- */

typedef struct {
  SrCustomersPage *self;
  guint            generation;
  gboolean         more;
} Query;

static void
query_free (Query *query)
{
  query->self->in_flight--;
  g_object_unref (query->self);
  g_free (query);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Query *query = user_data;
  /* Alive to the end, whatever query_free() lets go. */
  g_autoptr(SrCustomersPage) self = g_object_ref (query->self);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *page;
  JsonNode *items, *next;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      /* A replaced query was cancelled; after a lost connection `synced` asks again. */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_warning ("searching the customers failed: %s", error->message);
      query_free (query);
      return;
    }
  if (query->generation != self->generation)
    {
      query_free (query);
      return;
    }

  page = json_node_get_object (reply);
  items = json_object_get_member (page, "items");
  next = json_object_get_member (page, "next");
  g_clear_pointer (&self->next, json_node_unref);
  if (next != NULL && !JSON_NODE_HOLDS_NULL (next))
    self->next = json_node_copy (next);
  if (items != NULL && JSON_NODE_HOLDS_ARRAY (items))
    take_items (self, json_node_get_array (items), query->more);
  g_free (self->shown);
  self->shown = g_strdup (self->asked);
  if (query->more)
    self->limit = MIN (MAX (self->items->len, PAGE_SIZE), MAX_LIMIT);
  query_free (query);

  if (self->open_first && sr_customers_page_is_settled (self))
    {
      g_autofree char *key = query_key (self);

      if (g_strcmp0 (key, self->shown) != 0)
        return;
      self->open_first = FALSE;
      if (self->items->len > 0)
        sr_customers_page_open_customer (self, sr_member_int (g_ptr_array_index (self->items, 0), "id"));
    }
}

/* Digits typed with spaces or dashes are a phone number: the server stores it plain. */
static char *
search_text (SrCustomersPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  gboolean phone = *text != '\0';

  for (const char *p = text; *p != '\0' && phone; p++)
    phone = g_ascii_isdigit (*p) || *p == ' ' || *p == '-' || *p == '+' || *p == '(' || *p == ')';
  if (!phone)
    return g_steal_pointer (&text);
  {
    GString *digits = g_string_new (NULL);

    for (const char *p = text; *p != '\0'; p++)
      if (g_ascii_isdigit (*p) || *p == '+')
        g_string_append_c (digits, *p);
    return g_string_free (digits, FALSE);
  }
}

/* What the list answers: the search as sent and the status. */
static char *
query_key (SrCustomersPage *self)
{
  g_autofree char *text = search_text (self);

  return g_strdup_printf ("%u\n%s", gtk_drop_down_get_selected (self->status_dropdown), text);
}

static void
run_query (SrCustomersPage *self,
           gboolean         more)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) filter = json_object_new ();
  g_autofree char *text = search_text (self);
  guint status = gtk_drop_down_get_selected (self->status_dropdown);
  Query *query;

  g_clear_handle_id (&self->requery_id, g_source_remove);
  /* The template's widgets speak before the client is set. */
  if (self->client == NULL || sr_client_get_state (self->client) != SR_CLIENT_ONLINE ||
      (more && self->next == NULL))
    return;

  /* A new question makes the answers to the old one moot. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (*text != '\0')
    json_object_set_string_member (filter, "text", text);
  if (status > 0 && status < G_N_ELEMENTS (status_filters))
    json_object_set_string_member (filter, "status", status_filters[status]);
  json_object_set_object_member (params, "filter", g_steal_pointer (&filter));
  if (more)
    {
      json_object_set_member (params, "after", json_node_copy (self->next));
      json_object_set_int_member (params, "limit", PAGE_SIZE);
    }
  else
    json_object_set_int_member (params, "limit", self->limit);

  g_free (self->asked);
  self->asked = query_key (self);
  query = g_new0 (Query, 1);
  query->self = g_object_ref (self);
  query->generation = ++self->generation;
  query->more = more;
  self->in_flight++;
  sr_client_call_async (self->client, "customers.list", params, self->cancellable, listed_cb, query);
}

static gboolean
requery_cb (gpointer user_data)
{
  SrCustomersPage *self = user_data;

  self->requery_id = 0;
  run_query (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
query_changed_cb (SrCustomersPage *self)
{
  /* A new search starts from its first page. */
  self->limit = PAGE_SIZE;
  run_query (self, FALSE);
}

/* --- following the feed ------------------------------------------------------------------ */

static void
event_cb (SrCustomersPage *self,
          JsonObject      *params)
{
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");
  JsonNode *data = json_object_get_member (params, "data");
  gint64 id = sr_member_int (params, "id");
  GtkWidget *row;

  if (!g_str_equal (entity, "customer"))
    return;

  /* A row on screen shows the news at once; whether it still matches, and where new
   * customers belong, the query says a moment later. */
  row = g_hash_table_lookup (self->rows, &id);
  if (row != NULL && data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    update_row (row, json_node_get_object (data));

  if (self->requery_id == 0)
    self->requery_id = g_timeout_add (REQUERY_DELAY_MS, requery_cb, self);
}

static void
synced_cb (SrCustomersPage *self)
{
  run_query (self, FALSE);
}

static void
state_cb (SrCustomersPage *self)
{
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "customers.more", online);
}

/* --- actions ----------------------------------------------------------------------------- */

void
sr_customers_page_open_customer (SrCustomersPage *self,
                                 gint64           customer_id)
{
  GtkRoot *root;
  GtkWidget *row;
  JsonObject *customer = NULL;

  g_return_if_fail (SR_IS_CUSTOMERS_PAGE (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if ((row = g_hash_table_lookup (self->rows, &customer_id)) != NULL)
    customer = g_object_get_data (G_OBJECT (row), "sr-customer");
  sr_customer_dialog_open (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->client, customer_id, customer);
}

static void
row_activated_cb (SrCustomersPage *self,
                  GtkListBoxRow   *row)
{
  JsonObject *customer = g_object_get_data (G_OBJECT (row), "sr-customer");

  if (customer != NULL)
    sr_customers_page_open_customer (self, sr_member_int (customer, "id"));
}

/* Enter in the search opens the first customer found: a phone number typed, Enter,
 * and the customer is there. */
static void
search_activated_cb (SrCustomersPage *self)
{
  g_autofree char *key = query_key (self);

  if (sr_customers_page_is_settled (self) && g_strcmp0 (key, self->shown) == 0)
    {
      if (self->items->len > 0)
        sr_customers_page_open_customer (self, sr_member_int (g_ptr_array_index (self->items, 0), "id"));
      return;
    }

  /* Typed fast and Enter at once: the first of the answer still to come, asked now
   * rather than after the search's pause. */
  self->open_first = TRUE;
  if (g_strcmp0 (key, self->asked) != 0 || self->in_flight == 0)
    query_changed_cb (self);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  sr_customers_page_open_customer (SR_CUSTOMERS_PAGE (widget), 0);
}

static void
more_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  run_query (SR_CUSTOMERS_PAGE (widget), TRUE);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SrCustomersPage *self = SR_CUSTOMERS_PAGE (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* --- the widget -------------------------------------------------------------------------- */

GPtrArray *
sr_customers_page_get_shown (SrCustomersPage *self)
{
  g_return_val_if_fail (SR_IS_CUSTOMERS_PAGE (self), NULL);
  return self->items;
}

gboolean
sr_customers_page_is_settled (SrCustomersPage *self)
{
  g_return_val_if_fail (SR_IS_CUSTOMERS_PAGE (self), FALSE);
  return self->loaded && self->in_flight == 0 && self->requery_id == 0;
}

GtkWidget *
sr_customers_page_new (SrClient *client)
{
  SrCustomersPage *self;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);

  self = g_object_new (SR_TYPE_CUSTOMERS_PAGE, NULL);
  self->client = g_object_ref (client);

  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_cb), self, G_CONNECT_SWAPPED);

  /* Made once signed in: the first sync may have passed already. */
  state_cb (self);
  update_state (self);
  run_query (self, FALSE);

  return GTK_WIDGET (self);
}

static void
sr_customers_page_dispose (GObject *object)
{
  SrCustomersPage *self = SR_CUSTOMERS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->requery_id, g_source_remove);
  if (self->rows != NULL)
    g_hash_table_remove_all (self->rows);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_CUSTOMERS_PAGE);
  /* The template's outer box has no name to be disposed by. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sr_customers_page_parent_class)->dispose (object);
}

static void
sr_customers_page_finalize (GObject *object)
{
  SrCustomersPage *self = SR_CUSTOMERS_PAGE (object);

  g_clear_handle_id (&self->requery_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->next, json_node_unref);
  g_clear_pointer (&self->asked, g_free);
  g_clear_pointer (&self->shown, g_free);
  for (guint i = 0; i < N_COLUMNS; i++)
    g_clear_object (&self->columns[i]);

  G_OBJECT_CLASS (sr_customers_page_parent_class)->finalize (object);
}

static void
sr_customers_page_class_init (SrCustomersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_customers_page_dispose;
  object_class->finalize = sr_customers_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-customers-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, header_box);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, list);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, more_button);
  gtk_widget_class_bind_template_child (widget_class, SrCustomersPage, new_button);
  gtk_widget_class_bind_template_callback (widget_class, query_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);

  gtk_widget_class_install_action (widget_class, "customers.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "customers.more", NULL, more_action);
  gtk_widget_class_install_action (widget_class, "customers.find", NULL, find_action);
}

static void
sr_customers_page_init (SrCustomersPage *self)
{
  GtkEventController *shortcuts;

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->limit = PAGE_SIZE;
  for (guint i = 0; i < N_COLUMNS; i++)
    self->columns[i] = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_sort_func (self->list, compare_rows, NULL, NULL);
  build_header (self);

  /* Ctrl+F searches the customers wherever the focus is, while this page shows: a
   * hidden page is unmapped, and its shortcuts with it. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("customers.find")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}
