/* test-ui-vehicle.c: a vehicle's page against a real showroomd: fields checked as they
 * are typed, a manager's save, a save over someone else's change (the conflict shown
 * side by side, then re-applied or discarded), a sales user's proposal with a reason,
 * a new vehicle, and the history tab. */
#define G_LOG_DOMAIN "test-ui-vehicle"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-client.h"
#include "sr-stock-view.h"
#include "sr-ui-test.h"
#include "sr-vehicle-page.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;

static const char seed_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, price, cost, status,"
  "                      branch_id, location)"
  " VALUES ('MA3FZEB1S00300001', 'Maruti', 'Swift', 'ZXi', 2023, 'Red', 'petrol',"
  "         650000, 600000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00300002', 'Hyundai', 'Creta', 'SX(O)', 2024, 'White', 'diesel',"
  "         1845000, 1700000, 'in_stock', 1, 'Floor B')";

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  sr_test_exec (dbname, seed_sql);
  window = sr_ui_window_new ();
}

static void
close_all_windows (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint i = 0;

  /* Pages and their dialogs; the main window goes last. */
  while (i < g_list_model_get_n_items (toplevels))
    {
      g_autoptr(GtkWindow) other = g_list_model_get_item (toplevels, i);

      if (GTK_WIDGET (other) != window)
        gtk_window_destroy (other);
      else
        i++;
    }
}

static void
teardown (void)
{
  close_all_windows ();
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  sr_ui_settle ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

static SrStockView *
stock_view (void)
{
  return SR_STOCK_VIEW (sr_ui_page (window, "stock"));
}

static gboolean
stock_loaded (gpointer data)
{
  return g_list_model_get_n_items (sr_stock_view_get_shown (stock_view ())) == GPOINTER_TO_UINT (data);
}

static gint64
vehicle_id (const char *vin)
{
  g_autofree char *id = sr_test_queryf (dbname, "SELECT id FROM vehicles WHERE vin = '%s'", vin);

  return g_ascii_strtoll (id, NULL, 10);
}

/* Opens the vehicle as a user does: Enter (activate) on its row in the stock list. */
static SrVehiclePage *
open_vehicle (const char *vin)
{
  GListModel *shown = sr_stock_view_get_shown (stock_view ());
  GtkWidget *column_view = sr_ui_child (GTK_WIDGET (stock_view ()), SR_TYPE_STOCK_VIEW, "column_view");
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
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (page)));
  sr_ui_settle ();
  return page;
}

static GtkWidget *
field (SrVehiclePage *page,
       const char    *name)
{
  GtkWidget *row = sr_vehicle_page_get_field (page, name);

  ck_assert_msg (row != NULL, "no field %s", name);
  return row;
}

static const char *
field_text (SrVehiclePage *page,
            const char    *name)
{
  return gtk_editable_get_text (GTK_EDITABLE (field (page, name)));
}

static void
set_field (SrVehiclePage *page,
           const char    *name,
           const char    *text)
{
  GtkWidget *row = field (page, name);

  gtk_widget_grab_focus (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  sr_ui_type (row, text);
}

static gboolean
save_enabled (SrVehiclePage *page)
{
  GtkWidget *button = sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE, "save_button");

  return gtk_widget_is_sensitive (button);
}

static void
press_save (SrVehiclePage *page)
{
  GtkWidget *button = sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE, "save_button");

  ck_assert_msg (gtk_widget_is_sensitive (button), "Save is disabled: %s",
                 sr_vehicle_page_get_problem (page));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
page_closed (gpointer data)
{
  return sr_vehicle_page_find (GPOINTER_TO_SIZE (data)) == NULL;
}

static AdwMessageDialog *
wait_for_dialog (const char *name)
{
  return ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, name));
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
text_is (gpointer data)
{
  const char **pair = data;

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (pair[0])), pair[1]) == 0;
}

static void
wait_for_field (SrVehiclePage *page,
                const char    *name,
                const char    *text)
{
  const void *pair[2] = { field (page, name), text };

  sr_ui_wait_until (text_is, pair);
}

static gboolean
has_rows (gpointer data)
{
  return gtk_widget_get_first_child (data) != NULL;
}

START_TEST (test_manager_edits_and_history)
{
  g_autofree char *shot = NULL;
  SrVehiclePage *page;
  gint64 id = vehicle_id ("MA3FZEB1S00300001");
  GtkWidget *history_list;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (2));

  page = open_vehicle ("MA3FZEB1S00300001");
  ck_assert_str_eq (gtk_window_get_title (GTK_WINDOW (page)), "SR000001 · Maruti Swift");
  ck_assert_str_eq (field_text (page, "price"), "650000.00");
  ck_assert_str_eq (field_text (page, "cost"), "600000.00");
  ck_assert_str_eq (field_text (page, "vin"), "MA3FZEB1S00300001");
  ck_assert_msg (!save_enabled (page), "Save works with nothing changed");
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-manager");
  g_clear_pointer (&shot, g_free);

  /* The VIN's rules show while typing, before any server sees it. */
  set_field (page, "vin", "ma3fzeb1s0030000");
  ck_assert_str_eq (field_text (page, "vin"), "MA3FZEB1S0030000");
  ck_assert_str_eq (sr_vehicle_page_get_problem (page), "A VIN has 17 characters; this one has 16.");
  ck_assert (!save_enabled (page));
  ck_assert (gtk_widget_has_css_class (field (page, "vin"), "error"));
  set_field (page, "vin", "MA3FZEB1S0030000I");
  ck_assert_msg (strstr (sr_vehicle_page_get_problem (page), "never contains I, O or Q") != NULL,
                 "problem: %s", sr_vehicle_page_get_problem (page));
  set_field (page, "price", "seven lakh");
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-invalid");
  g_clear_pointer (&shot, g_free);

  /* Put right, the change saves and the page closes; the list shows it. */
  set_field (page, "vin", "MA3FZEB1S00300001");
  set_field (page, "price", "700000");
  set_field (page, "location", "Front window");
  ck_assert_msg (save_enabled (page), "Save disabled: %s", sr_vehicle_page_get_problem (page));
  press_save (page);
  sr_ui_wait_until (page_closed, GSIZE_TO_POINTER (id));
  wait_for_db ("SELECT price || ' ' || location || ' ' || version FROM vehicles"
               " WHERE vin = 'MA3FZEB1S00300001'", "700000.00 Front window 2");

  /* The history tab says who changed what, when and how. */
  page = open_vehicle ("MA3FZEB1S00300001");
  wait_for_field (page, "price", "700000.00");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE,
                                                                      "view_stack")), "history");
  history_list = sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE, "history_list");
  sr_ui_wait_until (has_rows, history_list);
  {
    GtkWidget *latest = gtk_widget_get_first_child (history_list);
    const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (latest));
    const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (latest));

    ck_assert_msg (strstr (title, "Price: 650000.00 → 700000.00") != NULL, "history says %s", title);
    ck_assert_msg (strstr (title, "Location: Floor A → Front window") != NULL, "history says %s", title);
    ck_assert_msg (g_str_has_prefix (subtitle, "Mumbai Manager · "), "history says %s", subtitle);
    ck_assert_msg (g_str_has_suffix (subtitle, " · Edited directly"), "history says %s", subtitle);
  }
  sr_ui_settle ();
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-history");
}
END_TEST

START_TEST (test_version_conflict)
{
  g_autofree char *shot = NULL;
  g_autofree char *params = NULL;
  g_autofree char *saved = NULL;
  SrVehiclePage *page;
  AdwMessageDialog *dialog;
  gint64 id = vehicle_id ("MA3FZEB1S00300002");

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (2));
  page = open_vehicle ("MA3FZEB1S00300002");

  /* The user types a price; meanwhile another manager changes price and location. */
  set_field (page, "price", "1800000");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,"
                            "\"changes\":{\"price\":\"1825000\",\"location\":\"Service bay\"}}", id);
  sr_ui_ctl (server, "admin@mumbai.test", "vehicles.update", params);

  /* An untouched field follows the change live; the typed one is kept. */
  wait_for_field (page, "location", "Service bay");
  ck_assert_str_eq (field_text (page, "price"), "1800000");

  /* Saving shows both sides instead of overwriting. */
  press_save (page);
  dialog = wait_for_dialog ("conflict-dialog");
  sr_ui_settle ();
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "vehicle-conflict");
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Changed by Someone Else");
  {
    GtkWidget *grid = adw_message_dialog_get_extra_child (dialog);
    GtkWidget *theirs = gtk_grid_get_child_at (GTK_GRID (grid), 1, 1);
    GtkWidget *mine = gtk_grid_get_child_at (GTK_GRID (grid), 2, 1);

    ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 0, 1))), "Price");
    ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (theirs)), "1825000.00");
    ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (mine)), "1800000.00");
  }
  g_free (saved);
  saved = sr_test_query (dbname, "SELECT price FROM vehicles WHERE vin = 'MA3FZEB1S00300002'");
  ck_assert_str_eq (saved, "1825000.00");

  /* Applying the user's price goes over theirs and keeps their location. */
  sr_ui_respond (dialog, "reapply");
  sr_ui_wait_until (page_closed, GSIZE_TO_POINTER (id));
  wait_for_db ("SELECT price || ' ' || location || ' ' || version FROM vehicles"
               " WHERE vin = 'MA3FZEB1S00300002'", "1800000.00 Service bay 3");

  /* Keeping theirs instead leaves it saved and shows it in the form. */
  page = open_vehicle ("MA3FZEB1S00300002");
  wait_for_field (page, "price", "1800000.00");
  set_field (page, "price", "1700000");
  g_free (params);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":3,"
                            "\"changes\":{\"price\":\"1750000\"}}", id);
  sr_ui_ctl (server, "admin@mumbai.test", "vehicles.update", params);
  sr_ui_settle ();
  press_save (page);
  dialog = wait_for_dialog ("conflict-dialog");
  sr_ui_respond (dialog, "discard");
  sr_ui_settle ();
  ck_assert_str_eq (field_text (page, "price"), "1750000.00");
  ck_assert (!save_enabled (page));
  g_free (saved);
  saved = sr_test_query (dbname, "SELECT price || ' ' || version FROM vehicles WHERE vin = 'MA3FZEB1S00300002'");
  ck_assert_str_eq (saved, "1750000.00 4");
}
END_TEST

START_TEST (test_sales_proposes)
{
  g_autofree char *shot = NULL;
  SrVehiclePage *page;
  AdwMessageDialog *dialog;
  GtkWidget *reason;
  g_autofree char *price = NULL;
  gint64 id = vehicle_id ("MA3FZEB1S00300001");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (2));
  page = open_vehicle ("MA3FZEB1S00300001");

  /* Sales staff never see the cost, and propose rather than save. */
  ck_assert_ptr_null (sr_vehicle_page_get_field (page, "cost"));
  ck_assert_str_eq (gtk_button_get_label (GTK_BUTTON (sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE,
                                                                   "save_button"))),
                    "_Propose Change…");
  set_field (page, "price", "640000");
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-sales");
  g_clear_pointer (&shot, g_free);
  press_save (page);

  /* A reason is needed before the proposal goes. */
  dialog = wait_for_dialog ("reason-dialog");
  ck_assert (!adw_message_dialog_get_response_enabled (dialog, "propose"));
  reason = adw_message_dialog_get_extra_child (dialog);
  sr_ui_type (reason, "Customer has a written quote from another dealer");
  ck_assert (adw_message_dialog_get_response_enabled (dialog, "propose"));
  sr_ui_settle ();
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "vehicle-propose");
  sr_ui_respond (dialog, "propose");
  sr_ui_wait_until (page_closed, GSIZE_TO_POINTER (id));

  /* The server holds one pending edit with the reason; the price is unchanged. */
  wait_for_db ("SELECT status || ' ' || (changes->>'price') || ' ' || reason || ' ' || base_version"
               " FROM pending_edits", "pending 640000.00 Customer has a written quote from another dealer 1");
  price = sr_test_query (dbname, "SELECT price FROM vehicles WHERE vin = 'MA3FZEB1S00300001'");
  ck_assert_str_eq (price, "650000.00");

  /* A change of cost alone is in their history too, without the figures. */
  sr_test_exec (dbname, "UPDATE vehicles SET cost = cost + 1000 WHERE vin = 'MA3FZEB1S00300001'");
  page = open_vehicle ("MA3FZEB1S00300001");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE,
                                                                      "view_stack")), "history");
  {
    GtkWidget *history_list = sr_ui_child (GTK_WIDGET (page), SR_TYPE_VEHICLE_PAGE, "history_list");
    GtkWidget *latest;
    const char *title;

    sr_ui_wait_until (has_rows, history_list);
    latest = gtk_widget_get_first_child (history_list);
    title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (latest));
    ck_assert_str_eq (title, "Changed details that only managers see");
    ck_assert_msg (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (latest)),
                                     "Outside Showroom (database) · "),
                   "history says %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (latest)));
    ck_assert_ptr_nonnull (gtk_widget_get_next_sibling (latest));
  }
  sr_ui_settle ();
  g_clear_pointer (&shot, g_free);
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-sales-history");
}
END_TEST

/* Closing over unsaved changes asks first: Keep Editing keeps what was typed, Discard
 * closes and saves nothing. */
START_TEST (test_discard_asks)
{
  g_autofree char *price = NULL;
  SrVehiclePage *page;
  AdwMessageDialog *dialog;
  gint64 id = vehicle_id ("MA3FZEB1S00300001");

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (2));
  page = open_vehicle ("MA3FZEB1S00300001");
  set_field (page, "price", "612345");

  gtk_window_close (GTK_WINDOW (page));
  dialog = wait_for_dialog ("discard-dialog");
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Discard Changes?");
  sr_ui_respond (dialog, "keep");
  ck_assert_ptr_eq (sr_vehicle_page_find (id), page);
  ck_assert_str_eq (field_text (page, "price"), "612345");

  gtk_window_close (GTK_WINDOW (page));
  sr_ui_respond (wait_for_dialog ("discard-dialog"), "discard");
  sr_ui_wait_until (page_closed, GSIZE_TO_POINTER (id));
  price = sr_test_query (dbname, "SELECT price || ' ' || version FROM vehicles WHERE vin = 'MA3FZEB1S00300001'");
  ck_assert_str_eq (price, "650000.00 1");
}
END_TEST

START_TEST (test_new_vehicle)
{
  g_autofree char *shot = NULL;
  SrVehiclePage *page;
  SrWindow *main_window = SR_WINDOW (window);

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (2));

  /* Ctrl+N, as the header's button: a blank form with the server's defaults. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (main_window), "win.add-vehicle", NULL));
  page = sr_vehicle_page_find (0);
  ck_assert_ptr_nonnull (page);
  sr_ui_settle ();
  ck_assert_str_eq (gtk_window_get_title (GTK_WINDOW (page)), "New Vehicle");
  ck_assert_str_eq (sr_vehicle_page_get_problem (page), "A VIN has 17 characters; this one has 0.");

  set_field (page, "vin", "MBHCZC63SRG400123");
  set_field (page, "make", "Mahindra");
  ck_assert_str_eq (sr_vehicle_page_get_problem (page), "Model is needed.");
  set_field (page, "model", "Thar");
  set_field (page, "year", "1899");
  ck_assert_msg (g_str_has_prefix (sr_vehicle_page_get_problem (page), "Year: a year from 1900 to "),
                 "problem: %s", sr_vehicle_page_get_problem (page));
  set_field (page, "year", "2024");
  set_field (page, "price", "1650000");
  set_field (page, "color", "Desert Fury");
  /* Due in years is not a date the server takes: the form says so first. */
  set_field (page, "arrived_on", "2999-01-01");
  ck_assert_msg (g_str_has_prefix (sr_vehicle_page_get_problem (page),
                                   "Arrived on: a date from 1900 to the end of "),
                 "problem: %s", sr_vehicle_page_get_problem (page));
  set_field (page, "arrived_on", "2024-06-01");
  shot = sr_ui_screenshot (GTK_WIDGET (page), "vehicle-new");
  press_save (page);
  sr_ui_wait_until (page_closed, GSIZE_TO_POINTER (0));

  /* It is in the stock, this window's included, with nobody reloading. */
  sr_ui_wait_until (stock_loaded, GUINT_TO_POINTER (3));
  wait_for_db ("SELECT make || ' ' || model || ' ' || year || ' ' || price || ' ' || color || ' ' || status"
               " || ' ' || arrived_on FROM vehicles WHERE vin = 'MBHCZC63SRG400123'",
               "Mahindra Thar 2024 1650000.00 Desert Fury in_stock 2024-06-01");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-vehicle");
  TCase *vehicle = tcase_create ("vehicle");

  tcase_add_checked_fixture (vehicle, setup, teardown);
  tcase_add_test (vehicle, test_manager_edits_and_history);
  tcase_add_test (vehicle, test_version_conflict);
  tcase_add_test (vehicle, test_sales_proposes);
  tcase_add_test (vehicle, test_discard_asks);
  tcase_add_test (vehicle, test_new_vehicle);
  suite_add_tcase (suite, vehicle);

  return sr_ui_run (suite);
}
