/* test-ui-stock.c: the stock view against a real showroomd: it shows a change made
 * elsewhere (showroomctl) without any user action, filters and sorts as the user asks,
 * and shows cost and margin to managers only. */
#define G_LOG_DOMAIN "test-ui-stock"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-client.h"
#include "sr-stock-view.h"
#include "sr-ui-test.h"
#include "sr-vehicle.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;

/* Three vehicles in Mumbai, one in Pune (which Mumbai's users never see). */
static const char seed_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, price, cost, status,"
  "                      branch_id, location)"
  " VALUES ('MA3FZEB1S00300001', 'Maruti', 'Swift', 'ZXi', 2023, 'Red', 'petrol',"
  "         650000, 600000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00300002', 'Hyundai', 'Creta', 'SX(O)', 2024, 'White', 'diesel',"
  "         1845000, 1700000, 'in_stock', 1, 'Floor B'),"
  "        ('MA3FZEB1S00300003', 'Tata', 'Nexon EV', 'Empowered', 2024, 'Blue', 'electric',"
  "         1599000, 1500000, 'reserved', 1, 'Yard'),"
  "        ('MA3FZEB1S00300004', 'Kia', 'Seltos', 'HTX', 2023, 'Grey', 'petrol',"
  "         1500000, 1400000, 'in_stock', 2, 'Pune floor')";

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  sr_test_exec (dbname, seed_sql);
  window = sr_ui_window_new ();
}

static void
teardown (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  sr_ui_settle ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

static SrStockView *
stock_view (void)
{
  GtkWidget *view = sr_ui_page (window, "stock");

  ck_assert_msg (SR_IS_STOCK_VIEW (view), "no stock view in the window");
  return SR_STOCK_VIEW (view);
}

static GtkWidget *
view_child (const char *name)
{
  return sr_ui_child (GTK_WIDGET (stock_view ()), SR_TYPE_STOCK_VIEW, name);
}

static const char *
count_text (void)
{
  return gtk_label_get_text (GTK_LABEL (view_child ("count_label")));
}

static gboolean
count_is (gpointer data)
{
  return g_strcmp0 (count_text (), data) == 0;
}

static void
wait_for_count (const char *text)
{
  sr_ui_wait_until (count_is, (gpointer) text);
}

/* What the view shows, top to bottom, as stock numbers joined by spaces. */
static char *
shown_makes (void)
{
  GListModel *shown = sr_stock_view_get_shown (stock_view ());
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (shown, i);

      g_string_append_printf (text, "%s%s", i ? " " : "", sr_vehicle_get_make (vehicle));
    }

  return g_string_free (text, FALSE);
}

static GtkColumnViewColumn *
column_titled (const char *title)
{
  GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (view_child ("column_view")));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }

  return NULL;
}

typedef struct {
  const char *stock_no;
  const char *price;
} PriceCheck;

static gboolean
price_is (gpointer data)
{
  PriceCheck *check = data;
  GListModel *shown = sr_stock_view_get_shown (stock_view ());

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (shown, i);
      g_autofree char *price = sr_vehicle_format_price (vehicle);

      if (g_str_equal (sr_vehicle_get_stock_no (vehicle), check->stock_no))
        return g_str_equal (price, check->price);
    }

  return FALSE;
}

START_TEST (test_live_changes)
{
  g_autofree char *shot = NULL;
  g_autofree char *stock_no = NULL;
  g_autofree char *id = NULL;
  g_autofree char *params = NULL;
  PriceCheck check = { 0 };

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("3 vehicles");
  shot = sr_ui_screenshot (window, "stock");
  g_clear_pointer (&shot, g_free);

  /* A vehicle added at another counter appears with nobody touching this one. */
  sr_ui_ctl (server, "admin@mumbai.test", "vehicles.create",
       "{\"vin\":\"MA3FZEB1S00300009\",\"make\":\"Mahindra\",\"model\":\"XUV700\","
       "\"year\":2024,\"price\":\"2150000\",\"branch_id\":1}");
  wait_for_count ("4 vehicles");

  /* A price changed elsewhere updates its row. */
  stock_no = sr_test_query (dbname, "SELECT stock_no FROM vehicles WHERE vin = 'MA3FZEB1S00300002'");
  id = sr_test_query (dbname, "SELECT id FROM vehicles WHERE vin = 'MA3FZEB1S00300002'");
  params = g_strdup_printf ("{\"id\":%s,\"version\":1,\"changes\":{\"price\":\"1799000\"}}", id);
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.update", params);
  check.stock_no = stock_no;
  check.price = "1799000.00";
  sr_ui_wait_until (price_is, &check);
  shot = sr_ui_screenshot (window, "stock-live-update");

  /* The Pune vehicle never showed up, and a change there stays there. */
  sr_test_exec (dbname, "UPDATE vehicles SET price = 1490000 WHERE vin = 'MA3FZEB1S00300004'");
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.list", "{}");
  sr_ui_settle ();
  ck_assert_str_eq (count_text (), "4 vehicles");
}
END_TEST

START_TEST (test_filter_and_sort)
{
  g_autofree char *shot = NULL;
  g_autofree char *order = NULL;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("3 vehicles");

  /* Search as you type, across make, model and the rest. */
  sr_ui_type (view_child ("search_entry"), "cre");
  wait_for_count ("Showing 1 of 3 vehicles");
  order = shown_makes ();
  ck_assert_str_eq (order, "Hyundai");
  g_clear_pointer (&order, g_free);
  shot = sr_ui_screenshot (window, "stock-search");
  g_clear_pointer (&shot, g_free);
  sr_ui_type (view_child ("search_entry"), "");
  wait_for_count ("3 vehicles");

  /* Status: reserved only. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (view_child ("status_dropdown")), 3);
  wait_for_count ("Showing 1 of 3 vehicles");
  order = shown_makes ();
  ck_assert_str_eq (order, "Tata");
  g_clear_pointer (&order, g_free);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (view_child ("status_dropdown")), 0);

  /* A price range, typed with grouping marks. */
  sr_ui_type (view_child ("price_min_entry"), "10,00,000");
  wait_for_count ("Showing 2 of 3 vehicles");
  sr_ui_type (view_child ("price_min_entry"), "");
  wait_for_count ("3 vehicles");

  /* Sorting by price, highest first, then by make. */
  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (view_child ("column_view")),
                                  column_titled ("Price"), GTK_SORT_DESCENDING);
  sr_ui_settle ();
  order = shown_makes ();
  ck_assert_str_eq (order, "Hyundai Tata Maruti");
  g_clear_pointer (&order, g_free);
  shot = sr_ui_screenshot (window, "stock-sorted-by-price");

  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (view_child ("column_view")),
                                  column_titled ("Make"), GTK_SORT_ASCENDING);
  sr_ui_settle ();
  order = shown_makes ();
  ck_assert_str_eq (order, "Hyundai Maruti Tata");
}
END_TEST

START_TEST (test_cost_for_managers_only)
{
  g_autofree char *shot = NULL;

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  wait_for_count ("3 vehicles");
  ck_assert (column_titled ("Price") != NULL);
  ck_assert (column_titled ("Cost") == NULL);
  ck_assert (column_titled ("Margin") == NULL);
  shot = sr_ui_screenshot (window, "stock-sales");
  g_clear_pointer (&shot, g_free);

  ck_assert (gtk_widget_activate_action (window, "win.sign-out", NULL));
  sr_ui_settle ();
  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("3 vehicles");
  ck_assert (column_titled ("Cost") != NULL);
  ck_assert (column_titled ("Margin") != NULL);
}
END_TEST

static gboolean
state_is (gpointer data)
{
  SrClient *client = sr_window_get_client (SR_WINDOW (window));

  return sr_client_get_state (client) == (SrClientState) GPOINTER_TO_INT (data);
}

static const char *
status_text (void)
{
  return gtk_label_get_text (GTK_LABEL (sr_ui_child (window, SR_TYPE_WINDOW, "status_label")));
}

/* The server goes away and comes back (an update, a reboot): the app says so, keeps
 * showing what it had, and catches up on what changed meanwhile by itself. */
START_TEST (test_server_restart)
{
  g_autofree char *shot = NULL;
  g_autofree char *address = NULL;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("3 vehicles");
  address = g_strdup (sr_test_server_get_address (server));

  ck_assert_int_eq (sr_test_server_stop (server), 0);
  g_clear_pointer (&server, sr_test_server_free);
  sr_ui_wait_until (state_is, GINT_TO_POINTER (SR_CLIENT_RECONNECTING));
  ck_assert_msg (g_str_has_prefix (status_text (), "Reconnecting"), "status: %s", status_text ());
  ck_assert_str_eq (count_text (), "3 vehicles");
  shot = sr_ui_screenshot (window, "stock-reconnecting");

  /* Changed while the app could not hear of it. */
  sr_test_exec (dbname, "INSERT INTO vehicles (vin, make, model, year, price, branch_id)"
                        " VALUES ('MA3FZEB1S00300010', 'Toyota', 'Hycross', 2024, 2600000, 1)");
  sr_test_exec (dbname, "UPDATE vehicles SET status = 'sold' WHERE vin = 'MA3FZEB1S00300001'");

  server = sr_test_server_start (conninfo, "--no-tls", "--listen", address, NULL);
  sr_ui_wait_until (state_is, GINT_TO_POINTER (SR_CLIENT_ONLINE));
  wait_for_count ("4 vehicles");
  ck_assert_msg (g_str_has_prefix (status_text (), "Online"), "status: %s", status_text ());

  gtk_drop_down_set_selected (GTK_DROP_DOWN (view_child ("status_dropdown")), 4);
  wait_for_count ("Showing 1 of 4 vehicles");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-stock");
  TCase *stock = tcase_create ("stock");

  tcase_add_checked_fixture (stock, setup, teardown);
  tcase_add_test (stock, test_live_changes);
  tcase_add_test (stock, test_filter_and_sort);
  tcase_add_test (stock, test_cost_for_managers_only);
  tcase_add_test (stock, test_server_restart);
  suite_add_tcase (suite, stock);

  return sr_ui_run (suite);
}
