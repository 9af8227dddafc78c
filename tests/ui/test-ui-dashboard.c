/* test-ui-dashboard.c: the Dashboard against a real showroomd: a manager opens it
 * and sees what reports.summary says, for today and the last 30 days; its charts tell
 * a screen reader what they show; a sale completed and a vehicle moved at another
 * counter, and a change proposed there, reach its figures and charts live; sales
 * staff have no Dashboard, an admin's counts every branch. */
#define G_LOG_DOMAIN "test-ui-dashboard"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-client.h"
#include "sr-error.h"
#include "sr-dashboard-page.h"
#include "sr-labels.h"
#include "sr-ui-test.h"
#include "sr-vehicle.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;

/* Mumbai: 3 in stock, 1 reserved (a reservation open on it), 2 incoming, 4 sold (today,
 * 2 and 9 days ago, and one 45 days ago, outside the 30 days). Pune has a sale today
 * and a vehicle in stock that Mumbai's figures never count. */
static const char seed_sql[] =
  "INSERT INTO customers (name, phone, branch_id) VALUES ('Asha Rao', '+919820012345', 1),"
  "  ('Vikram Joshi', '+919822054321', 2);"
  "INSERT INTO vehicles (vin, make, model, year, price, cost, status, branch_id, arrived_on)"
  " VALUES ('MA3FZEB1S00400001', 'Maruti', 'Swift', 2023, 650000, 600000, 'in_stock', 1, current_date - 10),"
  "        ('MA3FZEB1S00400002', 'Hyundai', 'Creta', 2024, 1845000, 1700000, 'in_stock', 1, current_date - 20),"
  "        ('MA3FZEB1S00400003', 'Tata', 'Nexon EV', 2024, 1599000, 1500000, 'in_stock', 1, current_date - 30),"
  "        ('MA3FZEB1S00400004', 'Kia', 'Sonet', 2024, 1200000, 1100000, 'reserved', 1, current_date - 5),"
  "        ('MA3FZEB1S00400005', 'Toyota', 'Hyryder', 2024, 900000, 850000, 'incoming', 1, current_date),"
  "        ('MA3FZEB1S00400006', 'Honda', 'Elevate', 2024, 1100000, 1000000, 'incoming', 1, current_date),"
  "        ('MA3FZEB1S00400007', 'Maruti', 'Brezza', 2023, 700000, 650000, 'sold', 1, current_date - 40),"
  "        ('MA3FZEB1S00400008', 'Hyundai', 'Venue', 2023, 800000, 750000, 'sold', 1, current_date - 40),"
  "        ('MA3FZEB1S00400009', 'Tata', 'Punch', 2023, 950000, 900000, 'sold', 1, current_date - 40),"
  "        ('MA3FZEB1S00400010', 'Mahindra', 'Thar', 2023, 1500000, 1400000, 'sold', 1, current_date - 90),"
  "        ('MA3FZEB1S00400011', 'Kia', 'Seltos', 2023, 1500000, 1400000, 'in_stock', 2, current_date),"
  "        ('MA3FZEB1S00400012', 'Skoda', 'Kushaq', 2023, 1300000, 1200000, 'sold', 2, current_date - 40);"
  "INSERT INTO sales (receipt_no, vehicle_id, customer_id, branch_id, status, price, payment_method,"
  "                   sold_by, created_at, completed_at)"
  " SELECT s.receipt_no, v.id, c.id, v.branch_id, 'completed', s.price, 'cash', u.id,"
  "        now() - s.age, now() - s.age"
  "   FROM (VALUES (1, 'MA3FZEB1S00400010', 1500000, interval '45 days'),"
  "                (2, 'MA3FZEB1S00400009', 950000, interval '9 days'),"
  "                (3, 'MA3FZEB1S00400008', 800000, interval '2 days'),"
  "                (4, 'MA3FZEB1S00400007', 700000, interval '0 days'),"
  "                (1, 'MA3FZEB1S00400012', 1300000, interval '0 days'))"
  "        AS s (receipt_no, vin, price, age)"
  "   JOIN vehicles v ON v.vin = s.vin"
  "   JOIN customers c ON c.branch_id = v.branch_id"
  "   JOIN users u ON u.email = CASE v.branch_id WHEN 1 THEN 'sales@mumbai.test' ELSE 'sales@pune.test' END;"
  "INSERT INTO sales (vehicle_id, customer_id, branch_id, status, price, deposit, sold_by)"
  " SELECT v.id, c.id, 1, 'reserved', 1200000, 50000, u.id"
  "   FROM vehicles v, customers c, users u"
  "  WHERE v.vin = 'MA3FZEB1S00400004' AND c.name = 'Asha Rao' AND u.email = 'sales@mumbai.test';"
  "INSERT INTO receipt_counters (branch_id, last_no) VALUES (1, 4), (2, 1)"
  " ON CONFLICT (branch_id) DO UPDATE SET last_no = EXCLUDED.last_no;";

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

/* --- what the page shows ---------------------------------------------------------------- */

static GtkWidget *
dashboard (void)
{
  GtkWidget *page = sr_ui_page (window, "dashboard");

  ck_assert_msg (SR_IS_DASHBOARD_PAGE (page), "the dashboard page is something else");
  return page;
}

static GtkWidget *
page_child (const char *name)
{
  return sr_ui_child (dashboard (), SR_TYPE_DASHBOARD_PAGE, name);
}

static const char *
figure (const char *name)
{
  return gtk_label_get_text (GTK_LABEL (page_child (name)));
}

/* The accessible description a screen reader gets for a chart. */
static char *
chart_description (const char *name)
{
  /* Compared with a value it never has, the check hands back the real one. */
  char *value = gtk_test_accessible_check_property (GTK_ACCESSIBLE (page_child (name)),
                                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "\x01");

  return value ? value : g_strdup ("");
}

static gboolean
figures_shown (gpointer data)
{
  GtkStack *stack = GTK_STACK (page_child ("stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "figures") == 0;
}

typedef struct {
  const char *name;
  const char *text;
} Expect;

static gboolean
figure_is (gpointer data)
{
  const Expect *expect = data;

  return g_strcmp0 (figure (expect->name), expect->text) == 0;
}

static void
wait_for_figure (const char *name,
                 const char *text)
{
  Expect expect = { name, text };

  sr_ui_wait_until (figure_is, &expect);
}

static gboolean
description_has (gpointer data)
{
  const Expect *expect = data;
  g_autofree char *description = chart_description (expect->name);

  return strstr (description, expect->text) != NULL;
}

static void
wait_for_description (const char *name,
                      const char *text)
{
  Expect expect = { name, text };

  sr_ui_wait_until (description_has, &expect);
}

static char *
money (gint64 rupees)
{
  return sr_money_display (rupees * 100);
}

static char *
local_date (int days_ago,
            const char *format)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, -days_ago);

  return g_date_time_format (then, format);
}

/* reports.summary as the manager's own call sees it. */
static JsonObject *
summary (const char *from,
         const char *to)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = sr_test_callf (connection, &error, "reports.summary",
                                             "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);

  ck_assert_msg (reply != NULL, "reports.summary failed: %s", error ? error->message : "");
  return json_object_ref (json_node_get_object (reply));
}

static char *
count_text (JsonObject *object,
            const char *path_1,
            const char *path_2)
{
  JsonObject *inner = json_object_get_object_member (object, path_1);

  return g_strdup_printf ("%'" G_GINT64_FORMAT, json_object_get_int_member (inner, path_2));
}

static char *
money_text (JsonObject *object,
            const char *path_1,
            const char *path_2)
{
  JsonObject *inner = json_object_get_object_member (object, path_1);
  gint64 paise = -1;

  ck_assert (sr_money_parse (json_object_get_string_member (inner, path_2), &paise));
  return sr_money_display (paise);
}

static void
assert_figure (const char *name,
               const char *expected)
{
  ck_assert_msg (g_strcmp0 (figure (name), expected) == 0, "%s shows \"%s\", not \"%s\"",
                 name, figure (name), expected);
}

/* Down to the stock figures and chart, as a user scrolls. */
static void
scroll_to_end (void)
{
  GtkWidget *scrolled = page_child ("scrolled_window");
  GtkAdjustment *adjustment;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  sr_ui_settle ();
}

/* --- tests ------------------------------------------------------------------------------ */

START_TEST (test_figures)
{
  g_autofree char *today = local_date (0, "%Y-%m-%d");
  g_autofree char *first = local_date (29, "%Y-%m-%d");
  g_autoptr(JsonObject) day = NULL;
  g_autoptr(JsonObject) month = NULL;
  g_autofree char *text = NULL;
  g_autofree char *description = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *today_short = local_date (0, "%-d %b");
  g_autofree char *two_days_short = local_date (2, "%-d %b");
  AdwViewStack *stack;
  JsonObject *stock;

  sr_ui_sign_in (window, server, "manager@mumbai.test");

  /* Everyone lands on the stock; a manager's Dashboard is the first page of the
   * switcher. */
  stack = ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack"));
  ck_assert_str_eq (adw_view_stack_get_visible_child_name (stack), "stock");
  ck_assert (gtk_widget_activate_action (window, "win.show-page", "s", "dashboard"));
  ck_assert_str_eq (adw_view_stack_get_visible_child_name (stack), "dashboard");
  sr_ui_wait_until (figures_shown, NULL);

  /* The same figures as the server's summary, for today and for the last 30 days. */
  day = summary (today, today);
  month = summary (first, today);
  stock = json_object_get_object_member (day, "stock");

  text = count_text (stock, "by_status", "in_stock");
  assert_figure ("in_stock_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (stock, "by_status", "reserved");
  assert_figure ("reserved_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (stock, "by_status", "incoming");
  assert_figure ("incoming_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (stock, "by_status", "sold");
  assert_figure ("sold_label", text);
  g_clear_pointer (&text, g_free);
  text = money_text (day, "stock", "value");
  assert_figure ("stock_value_label", text);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("%.1f days", json_object_get_double_member (stock, "avg_age_days"));
  assert_figure ("age_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (day, "sales", "count");
  assert_figure ("sales_today_label", text);
  g_clear_pointer (&text, g_free);
  text = money_text (day, "sales", "revenue");
  assert_figure ("revenue_today_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (month, "sales", "count");
  assert_figure ("sales_month_label", text);
  g_clear_pointer (&text, g_free);
  text = money_text (month, "sales", "revenue");
  assert_figure ("revenue_month_label", text);
  g_clear_pointer (&text, g_free);
  text = count_text (day, "edits", "pending");
  assert_figure ("pending_label", text);
  g_clear_pointer (&text, g_free);

  /* And what the seeded branch holds: Pune's and older sales are not counted. */
  assert_figure ("in_stock_label", "3");
  assert_figure ("reserved_label", "1");
  assert_figure ("incoming_label", "2");
  assert_figure ("sold_label", "4");
  assert_figure ("sales_today_label", "1");
  assert_figure ("sales_month_label", "3");
  text = money (700000);
  assert_figure ("revenue_today_label", text);
  g_clear_pointer (&text, g_free);
  text = money (700000 + 800000 + 950000);
  assert_figure ("revenue_month_label", text);
  g_clear_pointer (&text, g_free);
  text = money (650000 + 1845000 + 1599000 + 1200000 + 900000 + 1100000);
  assert_figure ("stock_value_label", text);
  g_clear_pointer (&text, g_free);
  /* (10 + 20 + 30 + 5 + 0 + 0) / 6 */
  assert_figure ("age_label", "10.8 days");
  assert_figure ("pending_label", "0");
  assert_figure ("stock_value_note", "6 unsold vehicles");

  /* The charts, as a screen reader hears them. */
  description = chart_description ("stock_chart");
  ck_assert_str_eq (description, "Stock by status: 3 in stock, 1 reserved, 2 incoming, 4 sold");
  g_clear_pointer (&description, g_free);

  description = chart_description ("sales_chart");
  text = money (700000 + 800000 + 950000);
  expected = g_strdup_printf (": 3 sales, %s.", text);
  ck_assert_msg (strstr (description, expected) != NULL, "sales chart: %s", description);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&expected, g_free);
  text = money (700000);
  expected = g_strdup_printf ("%s: 1 sale, %s.", today_short, text);
  ck_assert_msg (strstr (description, expected) != NULL, "sales chart: %s", description);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&expected, g_free);
  text = money (800000);
  expected = g_strdup_printf ("%s: 1 sale, %s.", two_days_short, text);
  ck_assert_msg (strstr (description, expected) != NULL, "sales chart: %s", description);
  /* The 45-day-old sale is off the chart. */
  ck_assert_msg (strstr (description, "1,500,000") == NULL && strstr (description, "1500000") == NULL,
                 "sales chart: %s", description);

  shot = sr_ui_screenshot (window, "dashboard");
  g_clear_pointer (&shot, g_free);
  scroll_to_end ();
  shot = sr_ui_screenshot (window, "dashboard-stock");
  g_clear_pointer (&shot, g_free);

  /* In a narrow window the cards wrap rather than clip. */
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 720);
  sr_ui_settle ();
  shot = sr_ui_screenshot (window, "dashboard-narrow");
}
END_TEST

typedef struct {
  JsonArray *items;
  GError    *error;
  gboolean   done;
} Listing;

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Listing *listing = user_data;

  listing->items = sr_client_list_all_finish (SR_CLIENT (object), result, &listing->error);
  listing->done = TRUE;
}

/* The pages read whole, as the Dashboard and the Sales page read them: one sale a page
 * still gives every sale, in order; a refused query gives its error. */
START_TEST (test_list_all_pages)
{
  SrClient *client;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) bad = json_object_new ();
  g_autofree char *expected = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);
  Listing listing = { 0 };

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  client = sr_window_get_client (SR_WINDOW (window));

  json_object_set_string_member (params, "status", "completed");
  json_object_set_int_member (params, "limit", 1);
  sr_client_list_all_async (client, "sales.list", params, NULL, listed_cb, &listing);
  sr_test_wait (&listing.done);
  ck_assert_msg (listing.items != NULL, "%s", listing.error ? listing.error->message : "");
  for (guint i = 0; i < json_array_get_length (listing.items); i++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            json_object_get_int_member (json_array_get_object_element (listing.items, i), "id"));
  expected = sr_test_query (dbname, "SELECT string_agg(s.id::text, ',' ORDER BY s.id DESC)"
                                    " FROM sales s WHERE s.status = 'completed' AND s.branch_id = 1");
  ck_assert_int_ge (json_array_get_length (listing.items), 2);
  ck_assert_str_eq (ids->str, expected);
  g_clear_pointer (&listing.items, json_array_unref);

  listing.done = FALSE;
  json_object_set_int_member (bad, "limit", 0);
  sr_client_list_all_async (client, "sales.list", bad, NULL, listed_cb, &listing);
  sr_test_wait (&listing.done);
  ck_assert_ptr_null (listing.items);
  ck_assert (g_error_matches (listing.error, SR_ERROR, SR_ERROR_INVALID_PARAMS));
  g_clear_error (&listing.error);
}
END_TEST

START_TEST (test_not_for_sales)
{
  AdwViewStack *stack;

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  stack = ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack"));
  ck_assert_msg (adw_view_stack_get_child_by_name (stack, "dashboard") == NULL,
                 "sales staff have a Dashboard");
  ck_assert_str_eq (adw_view_stack_get_visible_child_name (stack), "stock");

  /* Signed out and in again as an admin: the Dashboard comes with the session, and
   * counts every branch. */
  ck_assert (gtk_widget_activate_action (window, "win.sign-out", NULL));
  sr_ui_settle ();
  sr_ui_sign_in (window, server, "admin@mumbai.test");
  ck_assert (adw_view_stack_get_child_by_name (stack, "dashboard") != NULL);
  ck_assert (gtk_widget_activate_action (window, "win.show-page", "s", "dashboard"));
  ck_assert_str_eq (adw_view_stack_get_visible_child_name (stack), "dashboard");
  sr_ui_wait_until (figures_shown, NULL);
  assert_figure ("in_stock_label", "4");
  assert_figure ("sold_label", "5");
  assert_figure ("sales_today_label", "2");
  assert_figure ("stock_chart_subtitle", "Every vehicle of every branch, sold ones included");
}
END_TEST

static gboolean
revenue_shown (gpointer data)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (page_child ("revenue_button")));
}

START_TEST (test_live)
{
  g_autofree char *sale_id = NULL;
  g_autofree char *vehicle_id = NULL;
  g_autofree char *params = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *today_short = local_date (0, "%-d %b");
  AdwViewStack *stack;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  ck_assert (gtk_widget_activate_action (window, "win.show-page", "s", "dashboard"));
  sr_ui_wait_until (figures_shown, NULL);
  assert_figure ("sales_today_label", "1");

  /* The reservation is completed at another counter, for less than the asking price. */
  sale_id = sr_test_query (dbname, "SELECT id FROM sales WHERE status = 'reserved'");
  params = g_strdup_printf ("{\"id\":%s,\"price\":\"1150000\",\"payment_method\":\"upi\"}", sale_id);
  sr_ui_ctl (server, "sales@mumbai.test", "sales.complete", params);
  g_clear_pointer (&params, g_free);

  wait_for_figure ("sales_today_label", "2");
  wait_for_figure ("sold_label", "5");
  assert_figure ("reserved_label", "0");
  assert_figure ("sales_month_label", "4");
  text = money (700000 + 1150000);
  assert_figure ("revenue_today_label", text);
  g_clear_pointer (&text, g_free);
  text = money (650000 + 1845000 + 1599000 + 900000 + 1100000);
  assert_figure ("stock_value_label", text);
  g_clear_pointer (&text, g_free);
  wait_for_description ("stock_chart", "Stock by status: 3 in stock, 0 reserved, 2 incoming, 5 sold");
  text = money (700000 + 1150000);
  expected = g_strdup_printf ("%s: 2 sales, %s.", today_short, text);
  wait_for_description ("sales_chart", expected);
  g_clear_pointer (&text, g_free);

  /* An incoming vehicle arrives. */
  vehicle_id = sr_test_query (dbname, "SELECT id FROM vehicles WHERE vin = 'MA3FZEB1S00400005'");
  params = g_strdup_printf ("{\"id\":%s,\"version\":1,\"changes\":{\"status\":\"in_stock\"}}", vehicle_id);
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.update", params);
  g_clear_pointer (&params, g_free);
  wait_for_figure ("in_stock_label", "4");
  assert_figure ("incoming_label", "1");
  wait_for_description ("stock_chart", "Stock by status: 4 in stock, 0 reserved, 1 incoming, 5 sold");

  /* A salesperson proposes a new price: one change waits for a decision. */
  g_clear_pointer (&vehicle_id, g_free);
  vehicle_id = sr_test_query (dbname, "SELECT id FROM vehicles WHERE vin = 'MA3FZEB1S00400001'");
  params = g_strdup_printf ("{\"vehicle_id\":%s,\"base_version\":1,\"changes\":{\"price\":\"640000\"}}",
                            vehicle_id);
  sr_ui_ctl (server, "sales@mumbai.test", "edits.propose", params);
  g_clear_pointer (&params, g_free);
  wait_for_figure ("pending_label", "1");

  /* A change made while the manager looks at the stock is there on coming back. */
  stack = ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack"));
  adw_view_stack_set_visible_child_name (stack, "stock");
  sr_ui_settle ();
  g_clear_pointer (&vehicle_id, g_free);
  vehicle_id = sr_test_query (dbname, "SELECT id FROM vehicles WHERE vin = 'MA3FZEB1S00400006'");
  params = g_strdup_printf ("{\"id\":%s,\"version\":1,\"changes\":{\"status\":\"in_stock\"}}", vehicle_id);
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.update", params);
  sr_ui_settle ();
  adw_view_stack_set_visible_child_name (stack, "dashboard");
  wait_for_figure ("in_stock_label", "5");
  assert_figure ("incoming_label", "0");

  shot = sr_ui_screenshot (window, "dashboard-live");
  g_clear_pointer (&shot, g_free);

  /* The sales chart by revenue instead of number of sales, as Space on the button does. */
  gtk_widget_activate (page_child ("revenue_button"));
  sr_ui_wait_until (revenue_shown, NULL);
  ck_assert (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (page_child ("count_button"))));
  shot = sr_ui_screenshot (window, "dashboard-revenue");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-dashboard");
  TCase *dashboard_case = tcase_create ("dashboard");

  tcase_add_checked_fixture (dashboard_case, setup, teardown);
  tcase_add_test (dashboard_case, test_figures);
  tcase_add_test (dashboard_case, test_list_all_pages);
  tcase_add_test (dashboard_case, test_not_for_sales);
  tcase_add_test (dashboard_case, test_live);
  suite_add_tcase (suite, dashboard_case);

  return sr_ui_run (suite);
}
