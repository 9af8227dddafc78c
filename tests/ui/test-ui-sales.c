/* test-ui-sales.c: selling a vehicle from the app against a real showroomd: reserved
 * for a customer found by typing, completed with a payment method, while another
 * window sees the vehicle turn reserved and then sold; the sale on the Sales page; its
 * receipt saved as PDF and checked; a reservation another counter made first is
 * explained; a cancelled reservation puts the vehicle back in stock everywhere. */
#define G_LOG_DOMAIN "test-ui-sales"

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sr-client.h"
#include "sr-labels.h"
#include "sr-receipt.h"
#include "sr-sale-group.h"
#include "sr-sales-page.h"
#include "sr-stock-view.h"
#include "sr-ui-test.h"
#include "sr-vehicle-page.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;
static GtkWidget *other;

static const char seed_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, price, cost, status,"
  "                      branch_id, location)"
  " VALUES ('MA3FZEB1S00300001', 'Maruti', 'Swift', 'ZXi', 2023, 'Red', 'petrol',"
  "         650000, 600000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00300002', 'Hyundai', 'Creta', 'SX(O)', 2024, 'White', 'diesel',"
  "         1845000, 1700000, 'in_stock', 1, 'Floor B');"
  "INSERT INTO customers (name, phone, email, city, branch_id, status)"
  " VALUES ('Asha Mehta', '+919820012345', 'asha.mehta@example.in', 'Mumbai', 1, 'active'),"
  "        ('Rahul Verma', '9833311122', 'rahul@example.in', 'Thane', 1, 'lead');";

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  sr_test_exec (dbname, seed_sql);
  window = sr_ui_window_new ();
  other = NULL;
}

static void
teardown (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint i = 0;

  /* Pages and dialogs first; the main windows last. */
  while (i < g_list_model_get_n_items (toplevels))
    {
      g_autoptr(GtkWindow) shown = g_list_model_get_item (toplevels, i);

      if (GTK_WIDGET (shown) != window && GTK_WIDGET (shown) != other)
        gtk_window_destroy (shown);
      else
        i++;
    }
  if (other != NULL)
    gtk_window_destroy (GTK_WINDOW (other));
  gtk_window_destroy (GTK_WINDOW (window));
  window = other = NULL;
  sr_ui_settle ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

/* --- finding things ----------------------------------------------------------------- */

static GtkWidget *
named (GtkWidget  *root,
       const char *name)
{
  GtkWidget *found = sr_ui_find_named (root, name);

  ck_assert_msg (found != NULL, "no widget named %s", name);
  return found;
}

static gint64
vehicle_id (const char *vin)
{
  g_autofree char *id = sr_test_queryf (dbname, "SELECT id FROM vehicles WHERE vin = '%s'", vin);

  return g_ascii_strtoll (id, NULL, 10);
}

static gint64
customer_id (const char *name)
{
  g_autofree char *id = sr_test_queryf (dbname, "SELECT id FROM customers WHERE name = '%s'", name);

  return g_ascii_strtoll (id, NULL, 10);
}

static SrStockView *
stock_of (GtkWidget *win)
{
  return SR_STOCK_VIEW (sr_ui_page (win, "stock"));
}

static gboolean
stock_loaded (gpointer data)
{
  return g_list_model_get_n_items (sr_stock_view_get_shown (stock_of (data))) == 2;
}

static void
sign_in (GtkWidget  *win,
         const char *email)
{
  sr_ui_sign_in (win, server, email);
  sr_ui_wait_until (stock_loaded, win);
}

/* Opens the vehicle as a user does: Enter on its row in the stock list. */
static SrVehiclePage *
open_vehicle (GtkWidget  *win,
              const char *vin)
{
  GListModel *shown = sr_stock_view_get_shown (stock_of (win));
  GtkWidget *column_view = sr_ui_child (GTK_WIDGET (stock_of (win)), SR_TYPE_STOCK_VIEW, "column_view");
  gint64 id = vehicle_id (vin);
  SrVehiclePage *page;

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (shown, i);

      if (sr_vehicle_get_id (vehicle) == id)
        g_signal_emit_by_name (column_view, "activate", i);
    }
  page = sr_vehicle_page_find (id);
  ck_assert_msg (page != NULL, "no page opened for %s", vin);
  sr_ui_settle ();
  return page;
}

static GtkWidget *
sale_group (SrVehiclePage *page)
{
  GtkWidget *group = sr_ui_find (GTK_WIDGET (page), SR_TYPE_SALE_GROUP);

  ck_assert_msg (group != NULL, "the vehicle page has no Sale group");
  return group;
}

static void
click (GtkWidget  *root,
       const char *name)
{
  GtkWidget *button = named (root, name);

  ck_assert_msg (gtk_widget_get_visible (button) && gtk_widget_is_sensitive (button), "%s cannot be clicked", name);
  g_signal_emit_by_name (button, "clicked");
  sr_ui_settle ();
}

typedef struct {
  GtkWidget  *root;
  const char *name;
  const char *text;
} RowCheck;

static gboolean
row_title_is (gpointer data)
{
  RowCheck *check = data;
  GtkWidget *row = sr_ui_find_named (check->root, check->name);

  return row != NULL && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), check->text) == 0;
}

/* The sale group says @title, as the user reads it. */
static void
wait_for_sale_title (SrVehiclePage *page,
                     const char    *title)
{
  RowCheck check = { sale_group (page), "sale-status", title };

  sr_ui_wait_until (row_title_is, &check);
}

typedef struct {
  GtkWidget       *window;
  gint64           id;
  SrVehicleStatus  status;
} StatusCheck;

static gboolean
stock_status_is (gpointer data)
{
  StatusCheck *check = data;
  SrVehicle *vehicle = sr_vehicle_store_lookup (sr_stock_view_get_store (stock_of (check->window)), check->id, NULL);

  return vehicle != NULL && sr_vehicle_get_status (vehicle) == check->status;
}

/* The other window's stock list shows the vehicle in @status, with no one touching it. */
static void
wait_for_stock_status (GtkWidget      *win,
                       const char     *vin,
                       SrVehicleStatus status)
{
  StatusCheck check = { win, vehicle_id (vin), status };

  sr_ui_wait_until (stock_status_is, &check);
}

typedef struct {
  const char *sql;
  const char *expected;
} DbCheck;

static gboolean
db_says (gpointer data)
{
  DbCheck *check = data;
  g_autofree char *value = sr_test_query (dbname, check->sql);

  return g_strcmp0 (value, check->expected) == 0;
}

static void
wait_for_db (const char *sql,
             const char *expected)
{
  DbCheck check = { sql, expected };

  sr_ui_wait_until (db_says, &check);
}

static gboolean
list_has_rows (gpointer data)
{
  GtkWidget *list = data;
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_ACTION_ROW (child))
      n++;
  return n == 1;
}

/* Reserve dialog: types @search, waits for the one customer it finds, then a deposit. */
static AdwMessageDialog *
fill_reserve_dialog (SrVehiclePage *page,
                     const char    *search,
                     const char    *deposit)
{
  AdwMessageDialog *dialog;
  GtkWidget *list;

  click (sale_group (page), "reserve");
  dialog = ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, "reserve-dialog"));
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Reserve for Customer");
  ck_assert_msg (!adw_message_dialog_get_response_enabled (dialog, "reserve"),
                 "Reserve works before a customer is chosen");

  sr_ui_type (named (GTK_WIDGET (dialog), "customer-search"), search);
  list = named (GTK_WIDGET (dialog), "customer-list");
  sr_ui_wait_until (list_has_rows, list);
  ck_assert_msg (gtk_list_box_get_selected_row (GTK_LIST_BOX (list)) != NULL, "the one match is not chosen");

  if (deposit != NULL)
    {
      GtkWidget *entry = named (GTK_WIDGET (dialog), "deposit");

      /* Not money: refused before anything is sent. */
      sr_ui_type (entry, "fifty thousand");
      ck_assert (!adw_message_dialog_get_response_enabled (dialog, "reserve"));
      ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (named (GTK_WIDGET (dialog), "problem"))),
                        "Deposit: an amount such as 50000 or 50000.50, without commas.");
      gtk_editable_set_text (GTK_EDITABLE (entry), "");
      sr_ui_type (entry, deposit);
    }
  ck_assert_msg (adw_message_dialog_get_response_enabled (dialog, "reserve"), "Reserve disabled: %s",
                 gtk_label_get_text (GTK_LABEL (named (GTK_WIDGET (dialog), "problem"))));
  return dialog;
}

static char *
money (gint64 paise)
{
  return sr_money_display (paise);
}

/* --- the receipt -------------------------------------------------------------------- */

typedef struct {
  SrReceipt *receipt;
  GError    *error;
  gboolean   done;
} Fetched;

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetched *fetched = user_data;

  fetched->receipt = sr_receipt_fetch_finish (result, &fetched->error);
  fetched->done = TRUE;
}

static gboolean
is_done (gpointer data)
{
  return ((Fetched *) data)->done;
}

static char *
run (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                               &error), "%s: %s", argv[0], error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "%s failed: %s", argv[0], err);
  return g_steal_pointer (&out);
}

/* Saves the receipt of @sale_id as the test's receipt.pdf and receipt.png; returns the
 * PDF's text. */
static char *
export_receipt (gint64 sale_id)
{
  SrClient *client = sr_window_get_client (SR_WINDOW (window));
  const char *dir = g_getenv ("SR_SCREENSHOT_DIR");
  g_autofree char *pdf = NULL;
  g_autofree char *png_root = NULL;
  g_autofree char *info = NULL;
  g_autoptr(GError) error = NULL;
  Fetched fetched = { 0 };

  ck_assert (dir != NULL);
  g_mkdir_with_parents (dir, 0755);
  pdf = g_build_filename (dir, "receipt.pdf", NULL);
  png_root = g_build_filename (dir, "receipt", NULL);
  g_unlink (pdf);

  sr_receipt_fetch_async (client, sale_id, NULL, fetched_cb, &fetched);
  sr_ui_wait_until (is_done, &fetched);
  ck_assert_msg (fetched.receipt != NULL, "no receipt: %s", fetched.error ? fetched.error->message : "");
  ck_assert_int_eq (sr_receipt_get_number (fetched.receipt), 1);
  ck_assert_msg (sr_receipt_export_pdf (fetched.receipt, pdf, &error), "export: %s", error ? error->message : "");
  g_object_unref (fetched.receipt);
  ck_assert_msg (g_file_test (pdf, G_FILE_TEST_IS_REGULAR), "no %s", pdf);

  {
    const char *pdfinfo[] = { "pdfinfo", pdf, NULL };
    const char *pdftoppm[] = { "pdftoppm", "-png", "-r", "80", "-singlefile", pdf, png_root, NULL };
    const char *pdftotext[] = { "pdftotext", "-layout", pdf, "-", NULL };

    const char *pages;

    info = run (pdfinfo);
    pages = strstr (info, "\nPages:");
    ck_assert_msg (pages != NULL && g_ascii_strtoll (pages + strlen ("\nPages:"), NULL, 10) == 1,
                   "not one page: %s", info);
    g_free (run (pdftoppm));
    return run (pdftotext);
  }
}

/* --- tests -------------------------------------------------------------------------- */

static gboolean
has_two_rows (gpointer data)
{
  GtkWidget *first = gtk_widget_get_first_child (data);

  return first != NULL && gtk_widget_get_next_sibling (first) != NULL;
}

START_TEST (test_reserve_and_complete)
{
  g_autofree char *shot = NULL;
  g_autofree char *text = NULL;
  g_autofree char *price = money (65000000);
  g_autofree char *balance = money (60000000);
  g_autofree char *row_name = NULL;
  AdwMessageDialog *dialog;
  SrVehiclePage *page;
  GtkWidget *group, *sales, *row;
  gint64 sale_id;

  other = sr_ui_window_new ();
  sign_in (window, "sales@mumbai.test");
  sign_in (other, "manager@mumbai.test");

  /* In stock: the page offers a reservation, nothing else. */
  page = open_vehicle (window, "MA3FZEB1S00300001");
  group = sale_group (page);
  wait_for_sale_title (page, "Available");
  ck_assert (!gtk_widget_get_visible (named (group, "complete")));
  ck_assert (!gtk_widget_get_visible (named (group, "print-receipt")));

  dialog = fill_reserve_dialog (page, "asha", "50000");
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (
                      gtk_list_box_get_selected_row (GTK_LIST_BOX (named (GTK_WIDGET (dialog), "customer-list"))))),
                    "Asha Mehta");
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "sale-reserve");
  g_clear_pointer (&shot, g_free);
  sr_ui_respond (dialog, "reserve");

  /* Reserved: here it says for whom; the other window's stock shows it live. */
  wait_for_sale_title (page, "Reserved for Asha Mehta");
  wait_for_stock_status (other, "MA3FZEB1S00300001", SR_VEHICLE_STATUS_RESERVED);
  ck_assert_str_eq (sr_status_label (SR_VEHICLE_STATUS_RESERVED), "Reserved");
  wait_for_db ("SELECT status || ' ' || deposit || ' ' || (customer_id = (SELECT id FROM customers"
               " WHERE name = 'Asha Mehta')) FROM sales", "reserved 50000.00 true");
  ck_assert (!gtk_widget_get_visible (named (group, "reserve")));
  ck_assert (gtk_widget_get_visible (named (group, "complete")));
  ck_assert (gtk_widget_get_visible (named (group, "cancel-reservation")));
  shot = sr_ui_screenshot (GTK_WIDGET (page), "sale-reserved-page");
  g_clear_pointer (&shot, g_free);
  shot = sr_ui_screenshot (other, "sale-reserved-elsewhere");
  g_clear_pointer (&shot, g_free);

  /* Complete: the price comes filled in, the balance follows it, a method is chosen. */
  click (group, "complete");
  dialog = ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, "complete-dialog"));
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (named (GTK_WIDGET (dialog), "price"))), "650000.00");
  ck_assert_str_eq (adw_action_row_get_subtitle (ADW_ACTION_ROW (named (GTK_WIDGET (dialog), "balance"))), balance);
  gtk_editable_set_text (GTK_EDITABLE (named (GTK_WIDGET (dialog), "price")), "40000");
  ck_assert (!adw_message_dialog_get_response_enabled (dialog, "complete"));
  gtk_editable_set_text (GTK_EDITABLE (named (GTK_WIDGET (dialog), "price")), "650000");
  adw_combo_row_set_selected (ADW_COMBO_ROW (named (GTK_WIDGET (dialog), "payment-method")), 2);
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "sale-complete");
  g_clear_pointer (&shot, g_free);
  sr_ui_respond (dialog, "complete");

  wait_for_sale_title (page, "Sold to Asha Mehta");
  wait_for_stock_status (other, "MA3FZEB1S00300001", SR_VEHICLE_STATUS_SOLD);
  ck_assert_str_eq (sr_status_label (SR_VEHICLE_STATUS_SOLD), "Sold");
  wait_for_db ("SELECT status || ' ' || receipt_no || ' ' || price || ' ' || payment_method FROM sales",
               "completed 1 650000.00 upi");
  ck_assert (gtk_widget_get_visible (named (group, "print-receipt")));
  ck_assert (!gtk_widget_get_visible (named (group, "complete")));
  {
    const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (named (group, "sale-status")));
    g_autofree char *expected = g_strdup_printf ("Receipt No. 1 · %s · UPI", price);

    ck_assert_str_eq (subtitle, expected);
  }
  shot = sr_ui_screenshot (GTK_WIDGET (page), "sale-sold-page");
  g_clear_pointer (&shot, g_free);

  /* The vehicle's history names the sale as the path of both status changes. */
  sale_id = sr_test_query_int (dbname, "SELECT id FROM sales");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE,
                                                                      "view_stack")), "history");
  {
    GtkWidget *history = sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE, "history_list");
    g_autofree char *path = g_strdup_printf (" · Sale #%" G_GINT64_FORMAT, sale_id);
    GtkWidget *latest;
    const char *subtitle;

    sr_ui_wait_until (has_two_rows, history);
    latest = gtk_widget_get_first_child (history);
    subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (latest));
    ck_assert_msg (g_str_has_suffix (subtitle, path), "history says %s", subtitle);
    ck_assert_msg (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (latest)), "Sold") != NULL,
                   "history says %s", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (latest)));
    subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (gtk_widget_get_next_sibling (latest)));
    ck_assert_msg (g_str_has_suffix (subtitle, path), "history says %s", subtitle);
  }
  sr_ui_settle ();
  shot = sr_ui_screenshot (GTK_WIDGET (page), "sale-history");
  g_clear_pointer (&shot, g_free);
  gtk_window_destroy (GTK_WINDOW (page));

  /* The Sales page lists it, with its receipt number and status. */
  row_name = g_strdup_printf ("sale-%" G_GINT64_FORMAT, sale_id);
  sales = sr_ui_page (window, "sales");
  ck_assert (SR_IS_SALES_PAGE (sales));
  {
    RowCheck check = { sales, row_name, "Asha Mehta" };

    sr_ui_wait_until (row_title_is, &check);
  }
  row = named (sales, row_name);
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (named (row, "receipt-no"))), "No. 1");
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (named (row, "status"))), "Completed");
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (named (row, "price"))), price);
  ck_assert (gtk_widget_get_visible (named (row, "print-receipt")));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack")), "sales");
  shot = sr_ui_screenshot (window, "sales-page");
  g_clear_pointer (&shot, g_free);

  /* The receipt, as saved to PDF: one page with its number, the VIN and the balance. */
  text = export_receipt (sale_id);
  ck_assert_msg (strstr (text, "No. 1") != NULL, "receipt text: %s", text);
  ck_assert_msg (strstr (text, "MA3FZEB1S00300001") != NULL, "receipt text: %s", text);
  ck_assert_msg (strstr (text, balance) != NULL, "receipt text: %s", text);
  ck_assert_msg (strstr (text, "Asha Mehta") != NULL, "receipt text: %s", text);
  ck_assert_msg (strstr (text, "UPI") != NULL, "receipt text: %s", text);
}
END_TEST

START_TEST (test_taken_meanwhile)
{
  g_autofree char *shot = NULL;
  g_autofree char *params = NULL;
  AdwMessageDialog *dialog;
  AdwMessageDialog *refusal;
  SrVehiclePage *page;

  sign_in (window, "sales@mumbai.test");
  page = open_vehicle (window, "MA3FZEB1S00300002");
  wait_for_sale_title (page, "Available");
  dialog = fill_reserve_dialog (page, "Asha", NULL);

  /* While the dialog is open, another counter reserves the Creta for someone else. */
  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                            vehicle_id ("MA3FZEB1S00300002"), customer_id ("Rahul Verma"));
  sr_ui_ctl (server, "manager@mumbai.test", "sales.reserve", params);
  wait_for_sale_title (page, "Reserved for Rahul Verma");

  sr_ui_respond (dialog, "reserve");
  refusal = ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, "not-available-dialog"));
  ck_assert_str_eq (adw_message_dialog_get_heading (refusal), "Already Taken");
  ck_assert_msg (strstr (adw_message_dialog_get_body (refusal), "Someone else reserved or sold SR000002") != NULL &&
                 strstr (adw_message_dialog_get_body (refusal), "nothing was changed") != NULL,
                 "body: %s", adw_message_dialog_get_body (refusal));
  shot = sr_ui_screenshot (GTK_WIDGET (refusal), "sale-not-available");

  /* Nothing changed: one sale, Rahul's. */
  ck_assert_int_eq (sr_test_count (dbname, "sales"), 1);
  wait_for_db ("SELECT c.name FROM sales s JOIN customers c ON c.id = s.customer_id", "Rahul Verma");
  sr_ui_respond (refusal, "close");
  wait_for_sale_title (page, "Reserved for Rahul Verma");
}
END_TEST

START_TEST (test_cancel_returns_to_stock)
{
  g_autofree char *shot = NULL;
  g_autofree char *params = NULL;
  AdwMessageDialog *dialog;
  SrVehiclePage *page;

  params = g_strdup_printf ("{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT
                            ",\"deposit\":\"25000\"}",
                            vehicle_id ("MA3FZEB1S00300002"), customer_id ("Asha Mehta"));
  sr_ui_ctl (server, "sales@mumbai.test", "sales.reserve", params);

  other = sr_ui_window_new ();
  sign_in (window, "sales@mumbai.test");
  sign_in (other, "manager@mumbai.test");
  wait_for_stock_status (other, "MA3FZEB1S00300002", SR_VEHICLE_STATUS_RESERVED);

  page = open_vehicle (window, "MA3FZEB1S00300002");
  wait_for_sale_title (page, "Reserved for Asha Mehta");
  click (sale_group (page), "cancel-reservation");
  dialog = ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, "cancel-dialog"));
  /* A reason is required. */
  ck_assert (!adw_message_dialog_get_response_enabled (dialog, "cancel-reservation"));
  sr_ui_type (named (GTK_WIDGET (dialog), "reason"), "Customer chose the Seltos");
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "sale-cancel");
  sr_ui_respond (dialog, "cancel-reservation");

  wait_for_sale_title (page, "Available");
  wait_for_stock_status (other, "MA3FZEB1S00300002", SR_VEHICLE_STATUS_IN_STOCK);
  wait_for_db ("SELECT status || ' ' || cancel_reason FROM sales", "cancelled Customer chose the Seltos");
  ck_assert (gtk_widget_get_visible (named (sale_group (page), "reserve")));

  /* The Sales page keeps the cancellation, filtered in or out by status. */
  {
    GtkWidget *sales = sr_ui_page (window, "sales");
    g_autofree char *row_name = g_strdup_printf ("sale-%" G_GINT64_FORMAT,
                                                 sr_test_query_int (dbname, "SELECT id FROM sales"));
    RowCheck check = { sales, row_name, "Asha Mehta" };

    sr_ui_wait_until (row_title_is, &check);
    ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (named (named (sales, row_name), "status"))), "Cancelled");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (sr_ui_child (sales, SR_TYPE_SALES_PAGE, "status_filter")), 2);
    sr_ui_settle ();
    ck_assert_int_eq (sr_sales_page_get_shown (SR_SALES_PAGE (sales)), 0);
    gtk_drop_down_set_selected (GTK_DROP_DOWN (sr_ui_child (sales, SR_TYPE_SALES_PAGE, "status_filter")), 3);
    sr_ui_settle ();
    ck_assert_int_eq (sr_sales_page_get_shown (SR_SALES_PAGE (sales)), 1);
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-sales");
  TCase *sales = tcase_create ("sales");

  tcase_add_checked_fixture (sales, setup, teardown);
  tcase_add_test (sales, test_reserve_and_complete);
  tcase_add_test (sales, test_taken_meanwhile);
  tcase_add_test (sales, test_cancel_returns_to_stock);
  suite_add_tcase (suite, sales);

  return sr_ui_run (suite);
}
