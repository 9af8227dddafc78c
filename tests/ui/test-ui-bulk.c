/* test-ui-bulk.c: the Bulk Update dialog against a real showroomd: it starts from the
 * stock view's filter, previews every row before and after, applies (managers) or
 * files a batch for approval (sales), explains a stale preview and offers it again,
 * and sends nothing for input that is not a valid change. */
#define G_LOG_DOMAIN "test-ui-bulk"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-bulk-dialog.h"
#include "sr-client.h"
#include "sr-labels.h"
#include "sr-stock-view.h"
#include "sr-ui-test.h"
#include "sr-vehicle.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;

/* Six vehicles in Mumbai, four of them Maruti (one reserved); one Maruti in Pune,
 * which Mumbai's users never see. The Dzire's price rounds at +10%: 366666.663. */
static const char seed_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, price, cost, status,"
  "                      branch_id, location)"
  " VALUES ('MA3FZEB1S00400001', 'Maruti', 'Swift', 'ZXi', 2023, 'Red', 'petrol',"
  "         650000, 600000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00400002', 'Maruti', 'Baleno', 'Alpha', 2024, 'Blue', 'petrol',"
  "         810500.50, 760000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00400003', 'Maruti', 'Dzire', 'VXi', 2022, 'White', 'cng',"
  "         333333.33, 300000, 'in_stock', 1, 'Yard'),"
  "        ('MA3FZEB1S00400004', 'Maruti', 'Brezza', 'ZXi', 2024, 'Grey', 'petrol',"
  "         1150000, 1080000, 'reserved', 1, 'Floor B'),"
  "        ('MA3FZEB1S00400005', 'Hyundai', 'Creta', 'SX(O)', 2024, 'White', 'diesel',"
  "         1845000, 1700000, 'in_stock', 1, 'Floor B'),"
  "        ('MA3FZEB1S00400006', 'Tata', 'Nexon EV', 'Empowered', 2024, 'Blue', 'electric',"
  "         1599000, 1500000, 'in_stock', 1, 'Yard'),"
  "        ('MA3FZEB1S00400007', 'Maruti', 'Swift', 'LXi', 2023, 'Red', 'petrol',"
  "         590000, 550000, 'in_stock', 2, 'Pune floor')";

#define SWIFT "MA3FZEB1S00400001"
#define BALENO "MA3FZEB1S00400002"
#define DZIRE "MA3FZEB1S00400003"
#define BREZZA "MA3FZEB1S00400004"
#define CRETA "MA3FZEB1S00400005"
#define PUNE_SWIFT "MA3FZEB1S00400007"

/* Status drop-down rows of the stock view. */
#define STATUS_IN_STOCK 2

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
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* A test that failed half-way may leave its dialogs open. */
  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i - 1);

      if (toplevel != NULL && toplevel != window)
        gtk_window_destroy (GTK_WINDOW (toplevel));
    }
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  sr_ui_settle ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

/* --- the stock view --------------------------------------------------------------------- */

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

static gboolean
count_is (gpointer data)
{
  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (view_child ("count_label"))), data) == 0;
}

static void
wait_for_count (const char *text)
{
  sr_ui_wait_until (count_is, (gpointer) text);
}

/* Signs in and narrows the stock to the Maruti cars in stock: Swift, Baleno, Dzire. */
static void
sign_in_and_filter (const char *email)
{
  sr_ui_sign_in (window, server, email);
  wait_for_count ("6 vehicles");
  sr_ui_type (view_child ("search_entry"), "maruti");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (view_child ("status_dropdown")), STATUS_IN_STOCK);
  wait_for_count ("Showing 3 of 6 vehicles");
}

static char *
stock_no_of (const char *vin)
{
  return sr_test_queryf (dbname, "SELECT stock_no FROM vehicles WHERE vin = '%s'", vin);
}

static char *
db_price_of (const char *vin)
{
  return sr_test_queryf (dbname, "SELECT price FROM vehicles WHERE vin = '%s'", vin);
}

typedef struct {
  const char *vin;
  const char *price;
} PriceCheck;

/* The price the stock view shows for the vehicle, as the protocol writes it. */
static gboolean
shown_price_is (gpointer data)
{
  PriceCheck *check = data;
  SrVehicleStore *store = sr_stock_view_get_store (stock_view ());

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autofree char *price = sr_vehicle_format_price (vehicle);

      if (g_str_equal (sr_vehicle_get_vin (vehicle), check->vin))
        return g_str_equal (price, check->price);
    }

  return FALSE;
}

static void
wait_for_shown_price (const char *vin,
                      const char *price)
{
  PriceCheck check = { vin, price };

  sr_ui_wait_until (shown_price_is, &check);
}

/* --- the dialog ------------------------------------------------------------------------- */

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return GTK_WIDGET (toplevel);
    }

  return NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return find_toplevel (SR_TYPE_BULK_DIALOG) == NULL;
}

static GtkWidget *
dialog_child (GtkWidget  *dialog,
              const char *name)
{
  return sr_ui_child (dialog, SR_TYPE_BULK_DIALOG, name);
}

/* Presses Bulk Update… in the stock view's filter bar. */
static GtkWidget *
open_dialog (void)
{
  GtkWidget *button = view_child ("bulk_button");
  GtkWidget *dialog;

  ck_assert_msg (gtk_widget_is_sensitive (button), "Bulk Update… cannot be pressed");
  g_signal_emit_by_name (button, "clicked");
  sr_ui_settle ();
  dialog = find_toplevel (SR_TYPE_BULK_DIALOG);
  ck_assert_msg (dialog != NULL, "no Bulk Update dialog");
  ck_assert (gtk_window_get_modal (GTK_WINDOW (dialog)));
  ck_assert (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  return dialog;
}

static const char *
page_of (GtkWidget *dialog)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (dialog_child (dialog, "stack")));
}

static gboolean
not_busy (gpointer data)
{
  return !gtk_widget_get_visible (dialog_child (data, "spinner"));
}

static void
press (GtkWidget *button)
{
  ck_assert_msg (gtk_widget_is_sensitive (button), "%s cannot be pressed",
                 gtk_button_get_label (GTK_BUTTON (button)));
  g_signal_emit_by_name (button, "clicked");
  sr_ui_settle ();
}

/* Presses Preview and waits for the server's answer. */
static void
preview (GtkWidget *dialog)
{
  press (dialog_child (dialog, "preview_button"));
  sr_ui_wait_until (not_busy, dialog);
  sr_ui_settle ();
  ck_assert_msg (g_strcmp0 (page_of (dialog), "preview") == 0, "no preview: %s",
                 gtk_label_get_text (GTK_LABEL (dialog_child (dialog, "input_message"))));
}

static void
collect_labels (GtkWidget *widget,
                GPtrArray *texts)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child))
        g_ptr_array_add (texts, (gpointer) gtk_label_get_text (GTK_LABEL (child)));
      collect_labels (child, texts);
    }
}

/* The preview's row for @stock_no as shown, its next @n cells joined by " | ":
 * vehicle, before, after and, for prices, the difference. */
static char *
shown_cells (GtkWidget  *dialog,
             const char *stock_no,
             guint       n)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();

  collect_labels (dialog_child (dialog, "rows_view"), texts);
  for (guint i = 0; i + n < texts->len; i++)
    if (g_str_equal (g_ptr_array_index (texts, i), stock_no))
      {
        GString *row = g_string_new (NULL);

        for (guint j = 1; j <= n; j++)
          g_string_append_printf (row, "%s%s", j > 1 ? " | " : "", (char *) g_ptr_array_index (texts, i + j));
        return g_string_free (row, FALSE);
      }
  return NULL;
}

static char *
shown_row (GtkWidget  *dialog,
           const char *stock_no)
{
  return shown_cells (dialog, stock_no, 4);
}

/* What the row should say, with the app's own money format. */
static char *
expected_row (const char *vehicle,
              gint64      before,
              gint64      after)
{
  g_autofree char *from = sr_money_display (before);
  g_autofree char *to = sr_money_display (after);
  g_autofree char *difference = sr_money_display (after - before);

  return g_strdup_printf ("%s | %s | %s | +%s", vehicle, from, to, difference);
}

static void
assert_row (GtkWidget  *dialog,
            const char *vin,
            const char *vehicle,
            gint64      before,
            gint64      after)
{
  g_autofree char *stock_no = stock_no_of (vin);
  g_autofree char *got = shown_row (dialog, stock_no);
  g_autofree char *want = expected_row (vehicle, before, after);

  ck_assert_msg (got != NULL, "no row for %s in the preview", stock_no);
  ck_assert_str_eq (got, want);
}

static const char *
label_text (GtkWidget  *dialog,
            const char *name)
{
  return gtk_label_get_text (GTK_LABEL (dialog_child (dialog, name)));
}

/* The confirmation a manager answers before anything changes. */
static void
confirm_apply (GtkWidget  *dialog,
               const char *heading,
               const char *screenshot)
{
  GtkWidget *confirm;

  press (dialog_child (dialog, "apply_button"));
  confirm = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  ck_assert_msg (confirm != NULL, "no confirmation");
  ck_assert (gtk_window_get_transient_for (GTK_WINDOW (confirm)) == GTK_WINDOW (dialog));
  ck_assert_str_eq (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (confirm)), heading);
  if (screenshot != NULL)
    g_free (sr_ui_screenshot (confirm, screenshot));
  sr_ui_respond (ADW_MESSAGE_DIALOG (confirm), "apply");
}

/* --- tests ------------------------------------------------------------------------------ */

START_TEST (test_manager_applies)
{
  GtkWidget *dialog;
  GtkWidget *apply;

  sign_in_and_filter ("manager@mumbai.test");
  dialog = open_dialog ();

  /* It says which vehicles, in words, and starts with a price change by percent. */
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (dialog_child (dialog, "scope_row"))),
                    "3 vehicles: In stock, search “maruti”");
  ck_assert (!gtk_widget_is_sensitive (dialog_child (dialog, "preview_button")));
  sr_ui_type (dialog_child (dialog, "percent_row"), "10");
  g_free (sr_ui_screenshot (dialog, "bulk-choose"));

  preview (dialog);
  ck_assert_str_eq (label_text (dialog, "summary_label"), "3 Vehicles Will Change");
  assert_row (dialog, SWIFT, "Maruti Swift ZXi (2023)", 65000000, 71500000);
  assert_row (dialog, BALENO, "Maruti Baleno Alpha (2024)", 81050050, 89155055);
  /* 366666.663, rounded as the server rounds. */
  assert_row (dialog, DZIRE, "Maruti Dzire VXi (2022)", 33333333, 36666666);
  apply = dialog_child (dialog, "apply_button");
  ck_assert_str_eq (gtk_button_get_label (GTK_BUTTON (apply)), "_Apply to 3 Vehicles");
  g_free (sr_ui_screenshot (dialog, "bulk-preview"));

  /* Nothing has changed yet. */
  {
    g_autofree char *price = db_price_of (SWIFT);

    ck_assert_str_eq (price, "650000.00");
  }

  confirm_apply (dialog, "Apply to 3 Vehicles?", "bulk-confirm");
  sr_ui_wait_until (dialog_gone, NULL);

  /* The stock shows the new prices as they arrive, and only those changed. */
  wait_for_shown_price (SWIFT, "715000.00");
  wait_for_shown_price (BALENO, "891550.55");
  wait_for_shown_price (DZIRE, "366666.66");
  g_free (sr_ui_screenshot (window, "bulk-applied"));
  {
    g_autofree char *brezza = db_price_of (BREZZA);
    g_autofree char *creta = db_price_of (CRETA);
    g_autofree char *pune = db_price_of (PUNE_SWIFT);

    ck_assert_str_eq (brezza, "1150000.00");
    ck_assert_str_eq (creta, "1845000.00");
    ck_assert_str_eq (pune, "590000.00");
  }
}
END_TEST

static gboolean
problem_shown (gpointer data)
{
  return gtk_info_bar_get_revealed (GTK_INFO_BAR (dialog_child (data, "problem_bar"))) && not_busy (data);
}

static gboolean
ready_to_apply (gpointer data)
{
  return !gtk_info_bar_get_revealed (GTK_INFO_BAR (dialog_child (data, "problem_bar"))) && not_busy (data) &&
         gtk_widget_is_sensitive (dialog_child (data, "apply_button"));
}

START_TEST (test_stale_preview)
{
  g_autofree char *baleno = stock_no_of (BALENO);
  g_autofree char *id = sr_test_queryf (dbname, "SELECT id FROM vehicles WHERE vin = '%s'", BALENO);
  g_autofree char *params = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *dialog;

  sign_in_and_filter ("manager@mumbai.test");
  dialog = open_dialog ();
  sr_ui_type (dialog_child (dialog, "percent_row"), "10");
  preview (dialog);
  assert_row (dialog, BALENO, "Maruti Baleno Alpha (2024)", 81050050, 89155055);

  /* Someone at another counter reprices the Baleno meanwhile. */
  params = g_strdup_printf ("{\"id\":%s,\"version\":1,\"changes\":{\"price\":\"800000\"}}", id);
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.update", params);
  wait_for_shown_price (BALENO, "800000.00");

  confirm_apply (dialog, "Apply to 3 Vehicles?", NULL);
  sr_ui_wait_until (problem_shown, dialog);
  expected = g_strdup_printf ("1 vehicle changed since the preview (%s), so nothing was changed. "
                              "Preview again to see its current value.", baleno);
  ck_assert_str_eq (label_text (dialog, "problem_label"), expected);
  ck_assert (!gtk_widget_is_sensitive (dialog_child (dialog, "apply_button")));
  ck_assert (gtk_widget_is_sensitive (dialog_child (dialog, "again_button")));
  g_free (sr_ui_screenshot (dialog, "bulk-stale"));
  {
    g_autofree char *swift = db_price_of (SWIFT);

    ck_assert_str_eq (swift, "650000.00");
  }

  /* The same change, previewed afresh from the Baleno's new price, then applied. */
  press (dialog_child (dialog, "again_button"));
  sr_ui_wait_until (ready_to_apply, dialog);
  assert_row (dialog, BALENO, "Maruti Baleno Alpha (2024)", 80000000, 88000000);
  confirm_apply (dialog, "Apply to 3 Vehicles?", NULL);
  sr_ui_wait_until (dialog_gone, NULL);
  wait_for_shown_price (BALENO, "880000.00");
  wait_for_shown_price (SWIFT, "715000.00");
}
END_TEST

START_TEST (test_sales_submits)
{
  g_autoptr(SrConnection) manager = NULL;
  g_autoptr(JsonNode) listed = NULL;
  GtkWidget *dialog;
  GtkWidget *submit;
  JsonArray *items;
  gint64 batch_id = 0;

  sign_in_and_filter ("sales@mumbai.test");
  dialog = open_dialog ();
  sr_ui_type (dialog_child (dialog, "percent_row"), "10");
  preview (dialog);
  ck_assert_str_eq (label_text (dialog, "summary_label"), "3 Vehicles Will Change");
  assert_row (dialog, DZIRE, "Maruti Dzire VXi (2022)", 33333333, 36666666);

  /* A reason is required before anything is filed. */
  submit = dialog_child (dialog, "apply_button");
  ck_assert_str_eq (gtk_button_get_label (GTK_BUTTON (submit)), "_Submit for Approval");
  ck_assert (gtk_widget_get_visible (dialog_child (dialog, "reason_box")));
  ck_assert (!gtk_widget_is_sensitive (submit));
  sr_ui_type (dialog_child (dialog, "reason_row"), "   ");
  ck_assert (!gtk_widget_is_sensitive (submit));
  sr_ui_type (dialog_child (dialog, "reason_row"), "Festival offer");
  g_free (sr_ui_screenshot (dialog, "bulk-sales-preview"));
  press (submit);
  sr_ui_wait_until (dialog_gone, NULL);
  g_free (sr_ui_screenshot (window, "bulk-sales-submitted"));

  /* A manager finds one batch of three pending edits, one per vehicle. */
  manager = sr_test_connect_as (server, "manager@mumbai.test");
  listed = sr_test_call_ok (manager, "edits.list", "{\"status\":\"pending\"}");
  items = json_object_get_array_member (sr_test_object (listed), "items");
  ck_assert_uint_eq (json_array_get_length (items), 3);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *edit = json_array_get_object_element (items, i);
      JsonObject *changes = json_object_get_object_member (edit, "changes");

      if (i == 0)
        batch_id = json_object_get_int_member (edit, "batch_id");
      ck_assert_int_eq (json_object_get_int_member (edit, "batch_id"), batch_id);
      ck_assert_str_eq (json_object_get_string_member (edit, "reason"), "Festival offer");
      ck_assert_uint_eq (json_object_get_size (changes), 1);
      if (json_object_get_int_member (edit, "vehicle_id") ==
          sr_test_query_int (dbname, "SELECT id FROM vehicles WHERE vin = '" DZIRE "'"))
        ck_assert_str_eq (json_object_get_string_member (changes, "price"), "366666.66");
    }
  ck_assert_int_gt (batch_id, 0);

  /* The stock is as it was. */
  sr_ui_settle ();
  ck_assert (shown_price_is (&(PriceCheck) { SWIFT, "650000.00" }));
  ck_assert (shown_price_is (&(PriceCheck) { DZIRE, "333333.33" }));
  {
    g_autofree char *price = db_price_of (DZIRE);

    ck_assert_str_eq (price, "333333.33");
  }
}
END_TEST

START_TEST (test_bad_input)
{
  GtkWidget *dialog;
  GtkWidget *preview_button;
  GtkWidget *percent;
  GtkWidget *message;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("6 vehicles");
  dialog = open_dialog ();
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (dialog_child (dialog, "scope_row"))),
                    "All 6 vehicles");
  preview_button = dialog_child (dialog, "preview_button");
  percent = dialog_child (dialog, "percent_row");
  message = dialog_child (dialog, "input_message");

  /* Not a number: Preview cannot be pressed, and the dialog says why. */
  sr_ui_type (percent, "ten");
  ck_assert (!gtk_widget_is_sensitive (preview_button));
  ck_assert (gtk_widget_get_visible (message));
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (message)),
                    "“ten” is not a number. Enter a percentage such as 10 or -2.5.");
  ck_assert (gtk_widget_has_css_class (percent, "error"));
  g_free (sr_ui_screenshot (dialog, "bulk-bad-input"));

  /* Enter in the field, or the button, sends nothing. */
  g_signal_emit_by_name (percent, "entry-activated");
  g_signal_emit_by_name (preview_button, "clicked");
  sr_ui_settle ();
  ck_assert_str_eq (page_of (dialog), "setup");
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM bulk_previews"), 0);

  /* Out of range, and an amount that is not one. */
  sr_ui_type (percent, "1500");
  ck_assert (!gtk_widget_is_sensitive (preview_button));
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (message)), "The percentage must be between -100 and 1000.");
  adw_combo_row_set_selected (ADW_COMBO_ROW (dialog_child (dialog, "op_row")), 1);
  sr_ui_type (dialog_child (dialog, "amount_row"), "5,000 rupees");
  ck_assert (!gtk_widget_is_sensitive (preview_button));
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (message)),
                    "“5,000 rupees” is not an amount. Enter one such as 5000 or -2500.50.");
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM bulk_previews"), 0);

  /* A valid amount may be previewed. */
  sr_ui_type (dialog_child (dialog, "amount_row"), "-5,000");
  ck_assert (gtk_widget_is_sensitive (preview_button));
  ck_assert (!gtk_widget_get_visible (message));
  ck_assert (!gtk_widget_has_css_class (dialog_child (dialog, "amount_row"), "error"));
}
END_TEST

/* Setting a field: vehicles that have the value already are left out, and the rows
 * show the old and new value without a difference column. */
START_TEST (test_set_location)
{
  g_autofree char *swift = stock_no_of (SWIFT);
  g_autofree char *dzire = stock_no_of (DZIRE);
  g_autofree char *row = NULL;
  GtkWidget *dialog;

  sign_in_and_filter ("manager@mumbai.test");
  dialog = open_dialog ();
  adw_combo_row_set_selected (ADW_COMBO_ROW (dialog_child (dialog, "op_row")), 3);
  sr_ui_settle ();
  ck_assert (gtk_widget_get_visible (dialog_child (dialog, "location_row")));
  ck_assert (!gtk_widget_get_visible (dialog_child (dialog, "percent_row")));
  ck_assert (!gtk_widget_is_sensitive (dialog_child (dialog, "preview_button")));
  sr_ui_type (dialog_child (dialog, "location_row"), "Yard");
  preview (dialog);

  ck_assert_str_eq (label_text (dialog, "summary_label"), "2 Vehicles Will Change");
  ck_assert_str_eq (label_text (dialog, "detail_label"),
                    "Location: Yard. The other 1 vehicle already has this value and is left out.");
  row = shown_cells (dialog, swift, 3);
  ck_assert_str_eq (row, "Maruti Swift ZXi (2023) | Floor A | Yard");
  ck_assert (shown_cells (dialog, dzire, 1) == NULL);
  g_free (sr_ui_screenshot (dialog, "bulk-set-location"));

  confirm_apply (dialog, "Apply to 2 Vehicles?", NULL);
  sr_ui_wait_until (dialog_gone, NULL);
  {
    g_autofree char *location = sr_test_queryf (dbname, "SELECT string_agg(location, ',' ORDER BY vin)"
                                                        " FROM vehicles WHERE branch_id = 1");

    ck_assert_str_eq (location, "Yard,Yard,Yard,Floor B,Floor B,Yard");
  }
}
END_TEST

/* 10,001 vehicles are more than one bulk update may touch: the dialog says so and
 * what to do; 10,000 are previewed whole. */
START_TEST (test_large_preview)
{
  g_autofree char *first = NULL;
  GtkWidget *dialog;
  GListModel *rows;

  sr_test_exec (dbname, "INSERT INTO vehicles (vin, make, model, year, price, branch_id)"
                        " SELECT 'FL' || lpad(i::text, 15, '0'), 'Fleetco', 'Van', 2024, 500000 + i, 1"
                        "   FROM generate_series(1, 10001) AS i");
  first = stock_no_of ("FL000000000000001");

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_count ("10007 vehicles");
  sr_ui_type (view_child ("search_entry"), "fleetco");
  wait_for_count ("Showing 10001 of 10007 vehicles");

  dialog = open_dialog ();
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (dialog_child (dialog, "scope_row"))),
                    "10001 vehicles: search “fleetco”");
  sr_ui_type (dialog_child (dialog, "percent_row"), "1");
  press (dialog_child (dialog, "preview_button"));
  sr_ui_wait_until (not_busy, dialog);
  ck_assert_str_eq (page_of (dialog), "setup");
  ck_assert_str_eq (label_text (dialog, "input_message"),
                    "More than 10,000 vehicles would change, more than one bulk update may touch. "
                    "Close this window, narrow the stock list with a search or a filter, and try again.");
  g_free (sr_ui_screenshot (dialog, "bulk-too-many"));
  gtk_window_close (GTK_WINDOW (dialog));
  sr_ui_wait_until (dialog_gone, NULL);

  /* One fewer: the preview holds every row. */
  sr_ui_type (view_child ("price_max_entry"), "510000");
  wait_for_count ("Showing 10000 of 10007 vehicles");
  dialog = open_dialog ();
  sr_ui_type (dialog_child (dialog, "percent_row"), "1");
  preview (dialog);
  ck_assert_str_eq (label_text (dialog, "summary_label"), "10000 Vehicles Will Change");
  rows = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (dialog_child (dialog, "rows_view"))));
  ck_assert_uint_eq (g_list_model_get_n_items (rows), 10000);
  {
    g_autofree char *got = shown_row (dialog, first);
    g_autofree char *want = expected_row ("Fleetco Van (2024)", 50000100, 50500101);

    ck_assert_msg (got != NULL, "no row for %s", first);
    ck_assert_str_eq (got, want);
  }
  g_free (sr_ui_screenshot (dialog, "bulk-preview-10000"));
}
END_TEST

static gboolean
offline_shown (gpointer data)
{
  return gtk_info_bar_get_revealed (GTK_INFO_BAR (dialog_child (data, "offline_bar")));
}

static gboolean
online_again (gpointer data)
{
  return !offline_shown (data) && gtk_widget_is_sensitive (dialog_child (data, "preview_button"));
}

/* The connection drops while the dialog is open: it stays, with what was typed, and
 * nothing can be sent until the server is back. */
START_TEST (test_offline_keeps_input)
{
  g_autofree char *address = NULL;
  GtkWidget *dialog;

  sign_in_and_filter ("manager@mumbai.test");
  dialog = open_dialog ();
  sr_ui_type (dialog_child (dialog, "percent_row"), "7.5");
  ck_assert (gtk_widget_is_sensitive (dialog_child (dialog, "preview_button")));

  address = g_strdup (sr_test_server_get_address (server));
  ck_assert_int_eq (sr_test_server_stop (server), 0);
  g_clear_pointer (&server, sr_test_server_free);
  sr_ui_wait_until (offline_shown, dialog);
  ck_assert (!gtk_widget_is_sensitive (dialog_child (dialog, "preview_button")));
  ck_assert (!gtk_widget_is_sensitive (view_child ("bulk_button")));
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (dialog_child (dialog, "percent_row"))), "7.5");
  g_free (sr_ui_screenshot (dialog, "bulk-offline"));

  server = sr_test_server_start (conninfo, "--no-tls", "--listen", address, NULL);
  sr_ui_wait_until (online_again, dialog);
  preview (dialog);
  ck_assert_str_eq (label_text (dialog, "summary_label"), "3 Vehicles Will Change");
  assert_row (dialog, SWIFT, "Maruti Swift ZXi (2023)", 65000000, 69875000);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-bulk");
  TCase *bulk = tcase_create ("bulk");

  tcase_add_checked_fixture (bulk, setup, teardown);
  tcase_add_test (bulk, test_manager_applies);
  tcase_add_test (bulk, test_stale_preview);
  tcase_add_test (bulk, test_sales_submits);
  tcase_add_test (bulk, test_bad_input);
  tcase_add_test (bulk, test_set_location);
  tcase_add_test (bulk, test_large_preview);
  tcase_add_test (bulk, test_offline_keeps_input);
  suite_add_tcase (suite, bulk);

  return sr_ui_run (suite);
}
