/* test-ui-customers.c: the Customers and Follow-ups pages against a real showroomd: a
 * sales user finds a customer by part of a phone number and by name; a new customer
 * with a bad phone cannot be saved until it is fixed; a change made at another counter
 * shows live, and one made while the user edits is a conflict that keeps their typing;
 * a customer's history lists their sale and follow-ups, and a follow-up is added from
 * there; the Follow-ups page puts the overdue first, closes one with its outcome, and
 * announces a follow-up once when it falls due while the page is open. */
#define G_LOG_DOMAIN "test-ui-customers"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-client.h"
#include "sr-customer-dialog.h"
#include "sr-customers-page.h"
#include "sr-followups-page.h"
#include "sr-labels.h"
#include "sr-ui-test.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static GtkWidget *window;

/* Three customers in Mumbai, one in Pune (whom Mumbai's users never see), and two
 * vehicles to sell. */
static const char seed_sql[] =
  "INSERT INTO customers (name, phone, email, city, status, branch_id)"
  " VALUES ('Asha Rao', '9820012345', 'asha.rao@example.in', 'Mumbai', 'active', 1),"
  "        ('Vikram Shah', '9833300011', 'vikram@example.in', 'Thane', 'lead', 1),"
  "        ('Meera Iyer', '+919900011122', 'meera@example.in', 'Navi Mumbai', 'inactive', 1),"
  "        ('Rahul Patil', '9820012399', 'rahul@example.in', 'Pune', 'active', 2);"
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

  /* Customers' windows and their dialogs; the main window goes last. */
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

/* --- finding things on screen ----------------------------------------------------------- */

static void
collect_texts (GtkWidget *root,
               GString   *texts)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child))
        g_string_append_printf (texts, "%s\n", gtk_label_get_text (GTK_LABEL (child)));
      collect_texts (child, texts);
    }
}

static char *
texts_of (GtkWidget *root)
{
  GString *texts = g_string_new (NULL);

  collect_texts (root, texts);
  return g_string_free (texts, FALSE);
}

static SrCustomersPage *
customers_page (GtkWidget *win)
{
  GtkWidget *page = sr_ui_page (win, "customers");

  ck_assert (SR_IS_CUSTOMERS_PAGE (page));
  return SR_CUSTOMERS_PAGE (page);
}

static SrFollowupsPage *
followups_page (GtkWidget *win)
{
  GtkWidget *page = sr_ui_page (win, "followups");

  ck_assert (SR_IS_FOLLOWUPS_PAGE (page));
  return SR_FOLLOWUPS_PAGE (page);
}

static void
show_page (GtkWidget  *win,
           const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (sr_ui_child (win, SR_TYPE_WINDOW, "view_stack"));

  adw_view_stack_set_visible_child_name (stack, name);
  sr_ui_settle ();
}

static gint64
customer_id (const char *name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM customers WHERE name = '%s'", name);

  return sr_test_query_int (dbname, sql);
}

static gint64
vehicle_id (const char *vin)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM vehicles WHERE vin = '%s'", vin);

  return sr_test_query_int (dbname, sql);
}

/* An RFC 3339 time @seconds from now. */
static char *
time_from_now (gint64 seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, (double) seconds);

  return g_date_time_format_iso8601 (then);
}

/* A follow-up made by @connection's user, who is then its assignee. */
static gint64
add_followup (SrConnection *connection,
              const char   *customer,
              gint64        seconds_from_now,
              const char   *kind,
              const char   *note)
{
  g_autofree char *due = time_from_now (seconds_from_now);
  g_autoptr(JsonNode) followup = sr_test_call_okf (connection, "followups.create",
    "{\"customer_id\":%" G_GINT64_FORMAT ",\"due_at\":\"%s\",\"kind\":\"%s\",\"note\":\"%s\"}",
    customer_id (customer), due, kind, note);

  return sr_test_get_int (followup, "id");
}

/* --- the customers list ------------------------------------------------------------------ */

typedef struct {
  GtkWidget  *window;
  const char *names;   /* "Asha Rao, Vikram Shah": the list exactly, in order */
} ListCheck;

static char *
shown_names (GtkWidget *win)
{
  GPtrArray *shown = sr_customers_page_get_shown (customers_page (win));
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < shown->len; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "",
                            json_object_get_string_member (g_ptr_array_index (shown, i), "name"));
  return g_string_free (names, FALSE);
}

static gboolean
list_is (gpointer data)
{
  ListCheck *check = data;
  g_autofree char *names = NULL;

  if (!sr_customers_page_is_settled (customers_page (check->window)))
    return FALSE;
  names = shown_names (check->window);
  return g_str_equal (names, check->names);
}

static void
wait_for_list (GtkWidget  *win,
               const char *names)
{
  ListCheck check = { win, names };

  sr_ui_wait_until (list_is, &check);
}

static GtkWidget *
search_entry (GtkWidget *win)
{
  return sr_ui_child (GTK_WIDGET (customers_page (win)), SR_TYPE_CUSTOMERS_PAGE, "search_entry");
}

static GtkWidget *
customer_row (GtkWidget *win,
              gint64     id)
{
  g_autofree char *key = g_strdup_printf ("customer-%" G_GINT64_FORMAT, id);

  return sr_ui_find_named (GTK_WIDGET (customers_page (win)), key);
}

START_TEST (test_search)
{
  g_autofree char *shot = NULL;
  g_autofree char *texts = NULL;
  GtkWidget *entry;
  GtkWidget *row;

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  /* Mumbai's three, never Pune's. */
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");
  entry = search_entry (window);

  /* Part of a phone number, as read off a card: spaces and dashes do not matter. */
  sr_ui_type (entry, "12345");
  wait_for_list (window, "Asha Rao");
  sr_ui_type (entry, "98200-123");
  wait_for_list (window, "Asha Rao");
  sr_ui_type (entry, "+91 99000");
  wait_for_list (window, "Meera Iyer");

  /* Part of a name, any case. */
  sr_ui_type (entry, "SHAH");
  wait_for_list (window, "Vikram Shah");
  row = customer_row (window, customer_id ("Vikram Shah"));
  ck_assert (row != NULL);
  ck_assert_str_eq (sr_ui_label_text (row, "phone"), "9833300011");
  ck_assert_str_eq (sr_ui_label_text (row, "email"), "vikram@example.in");
  ck_assert_str_eq (sr_ui_label_text (row, "city"), "Thane");
  ck_assert_str_eq (sr_ui_label_text (row, "status"), "Lead");
  sr_ui_type (entry, "a");
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");
  sr_ui_type (entry, "asha");
  wait_for_list (window, "Asha Rao");
  texts = texts_of (GTK_WIDGET (customers_page (window)));
  ck_assert_msg (strstr (texts, "1 match") != NULL, "no count in:\n%s", texts);
  shot = sr_ui_screenshot (window, "customers-search");

  /* Nobody matches: said so, with what to try. */
  sr_ui_type (entry, "zzz");
  wait_for_list (window, "");
  ck_assert_str_eq (gtk_stack_get_visible_child_name (GTK_STACK (sr_ui_child (GTK_WIDGET (customers_page (window)),
                                                                             SR_TYPE_CUSTOMERS_PAGE, "stack"))),
                    "empty");

  /* The status filter, with the search cleared. */
  sr_ui_type (entry, "");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (sr_ui_child (GTK_WIDGET (customers_page (window)),
                                                          SR_TYPE_CUSTOMERS_PAGE, "status_dropdown")), 3);
  wait_for_list (window, "Meera Iyer");

  /* A phone number typed and Enter: the customer's window opens. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (sr_ui_child (GTK_WIDGET (customers_page (window)),
                                                          SR_TYPE_CUSTOMERS_PAGE, "status_dropdown")), 0);
  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "9833 3000");
  g_signal_emit_by_name (entry, "activate");
  {
    SrCustomerDialog *dialog = SR_CUSTOMER_DIALOG (sr_ui_wait_for_window (SR_TYPE_CUSTOMER_DIALOG, NULL));

    ck_assert_int_eq (sr_customer_dialog_get_id (dialog), customer_id ("Vikram Shah"));
    gtk_window_close (GTK_WINDOW (dialog));
    sr_ui_settle ();
  }

  /* Ctrl+F takes the focus back to the search from anywhere on the page. */
  gtk_widget_grab_focus (sr_ui_child (GTK_WIDGET (customers_page (window)), SR_TYPE_CUSTOMERS_PAGE, "new_button"));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (customers_page (window)), "customers.find", NULL));
  ck_assert (gtk_widget_has_focus (entry) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), entry));
}
END_TEST

/* --- a customer's window ----------------------------------------------------------------- */

static SrCustomerDialog *
wait_for_dialog (void)
{
  return SR_CUSTOMER_DIALOG (sr_ui_wait_for_window (SR_TYPE_CUSTOMER_DIALOG, NULL));
}

static gboolean
gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Saves as Ctrl+S does and waits for the window to close. */
static void
save_and_wait (SrCustomerDialog *dialog)
{
  gpointer watched = dialog;

  g_object_add_weak_pointer (G_OBJECT (dialog), &watched);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (dialog), "customer.save", NULL));
  sr_ui_wait_until (gone, &watched);
}

static gboolean
save_enabled (SrCustomerDialog *dialog)
{
  return gtk_widget_is_sensitive (sr_ui_child (GTK_WIDGET (dialog), SR_TYPE_CUSTOMER_DIALOG, "save_button"));
}

START_TEST (test_create)
{
  SrCustomerDialog *dialog;
  GtkWidget *problem;
  g_autofree char *shot = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *email = NULL;

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (customers_page (window)), "customers.new", NULL));
  dialog = wait_for_dialog ();
  ck_assert_int_eq (sr_customer_dialog_get_id (dialog), 0);
  /* An empty form: the name is wanted first. */
  ck_assert_str_eq (sr_customer_dialog_get_problem (dialog), "A name is needed.");
  ck_assert (!save_enabled (dialog));

  sr_ui_type (sr_customer_dialog_get_field (dialog, "name"), "Kavya Nair");
  sr_ui_type (sr_customer_dialog_get_field (dialog, "phone"), "98200 55");
  problem = sr_ui_child (GTK_WIDGET (dialog), SR_TYPE_CUSTOMER_DIALOG, "problem_label");
  ck_assert (gtk_widget_get_visible (problem));
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (problem)), "Phone: 8 to 15 digits; this one has 7.");
  ck_assert (gtk_widget_has_css_class (sr_customer_dialog_get_field (dialog, "phone"), "error"));
  ck_assert (!save_enabled (dialog));
  ck_assert (!gtk_widget_activate_action (GTK_WIDGET (dialog), "customer.save", NULL) ||
             sr_customer_dialog_get_problem (dialog) != NULL);
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "customer-bad-phone");
  g_clear_pointer (&shot, g_free);

  sr_ui_type (sr_customer_dialog_get_field (dialog, "phone"), "98200-5x555");
  ck_assert_msg (g_str_has_prefix (sr_customer_dialog_get_problem (dialog), "Phone: digits only"),
                 "problem: %s", sr_customer_dialog_get_problem (dialog));
  ck_assert (!save_enabled (dialog));

  /* As written on a form: spaces and dashes are taken out. */
  sr_ui_type (sr_customer_dialog_get_field (dialog, "phone"), "+91 98200-55555");
  ck_assert (!gtk_widget_get_visible (problem));
  ck_assert (!gtk_widget_has_css_class (sr_customer_dialog_get_field (dialog, "phone"), "error"));
  ck_assert_ptr_null (sr_customer_dialog_get_problem (dialog));
  ck_assert (save_enabled (dialog));

  sr_ui_type (sr_customer_dialog_get_field (dialog, "email"), "kavya@");
  ck_assert_msg (g_str_has_prefix (sr_customer_dialog_get_problem (dialog), "E-mail:"),
                 "problem: %s", sr_customer_dialog_get_problem (dialog));
  ck_assert (!save_enabled (dialog));
  sr_ui_type (sr_customer_dialog_get_field (dialog, "email"), "Kavya@Example.in");
  sr_ui_type (sr_customer_dialog_get_field (dialog, "city"), "Bandra");
  adw_combo_row_set_selected (ADW_COMBO_ROW (sr_customer_dialog_get_field (dialog, "status")), 1);
  ck_assert (save_enabled (dialog));
  save_and_wait (dialog);

  /* In the list at once, and in the database as the server keeps it. */
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer, Kavya Nair");
  phone = sr_test_query (dbname, "SELECT phone FROM customers WHERE name = 'Kavya Nair'");
  email = sr_test_query (dbname, "SELECT email || ' ' || city || ' ' || status FROM customers WHERE name = 'Kavya Nair'");
  ck_assert_str_eq (phone, "+919820055555");
  ck_assert_str_eq (email, "kavya@example.in Bandra active");
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT branch_id FROM customers WHERE name = 'Kavya Nair'"), 1);
}
END_TEST

typedef struct {
  GtkWidget  *row;
  const char *name;
  const char *text;
} LabelCheck;

static gboolean
label_is (gpointer data)
{
  LabelCheck *check = data;
  GtkWidget *label = sr_ui_find_named (check->row, check->name);

  return label != NULL && g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), check->text) == 0;
}

START_TEST (test_live_update)
{
  g_autofree char *params = NULL;
  LabelCheck check = { 0 };
  gint64 vikram = customer_id ("Vikram Shah");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");

  /* Another counter updates a customer: the row shows it with nobody touching this one. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,"
                            "\"changes\":{\"city\":\"Powai\",\"status\":\"active\"}}", vikram);
  sr_ui_ctl (server, "manager@mumbai.test", "customers.update", params);
  check.row = customer_row (window, vikram);
  check.name = "city";
  check.text = "Powai";
  sr_ui_wait_until (label_is, &check);
  ck_assert_str_eq (sr_ui_label_text (check.row, "status"), "Active");

  /* With a search on, a new customer shows when they match it, and only then. */
  sr_ui_type (search_entry (window), "vik");
  wait_for_list (window, "Vikram Shah");
  sr_ui_ctl (server, "sales@mumbai.test", "customers.create",
             "{\"name\":\"Zoya Khan\",\"phone\":\"9811100022\"}");
  sr_ui_ctl (server, "sales@mumbai.test", "customers.create",
             "{\"name\":\"Vikrant Desai\",\"phone\":\"9811100033\",\"city\":\"Dadar\"}");
  wait_for_list (window, "Vikram Shah, Vikrant Desai");

  /* One renamed out of the search leaves it. */
  g_free (params);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{\"name\":\"V. Shah\",\"email\":\"shah.v@example.in\"}}", vikram);
  sr_ui_ctl (server, "manager@mumbai.test", "customers.update", params);
  wait_for_list (window, "Vikrant Desai");
}
END_TEST

static gboolean
shown_count_is (gpointer data)
{
  return sr_customers_page_is_settled (customers_page (window)) &&
         sr_customers_page_get_shown (customers_page (window))->len == GPOINTER_TO_UINT (data);
}

/* A long list comes a page at a time, and stays as long as the user asked for when it
 * changes. */
START_TEST (test_paging)
{
  GtkWidget *more;
  g_autofree char *params = NULL;
  LabelCheck check = { 0 };
  gint64 last;

  sr_test_exec (dbname, "INSERT INTO customers (name, phone, branch_id)"
                        " SELECT 'Walk-in ' || n, '98100' || lpad(n::text, 5, '0'), 1"
                        " FROM generate_series(1, 57) AS n");
  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  sr_ui_wait_until (shown_count_is, GUINT_TO_POINTER (50));
  more = sr_ui_child (GTK_WIDGET (customers_page (window)), SR_TYPE_CUSTOMERS_PAGE, "more_button");
  ck_assert (gtk_widget_get_visible (more));
  ck_assert_str_eq (sr_ui_label_text (GTK_WIDGET (customers_page (window)), "count"), "50 shown, more below");

  ck_assert (gtk_widget_activate (more));
  sr_ui_wait_until (shown_count_is, GUINT_TO_POINTER (60));
  ck_assert (!gtk_widget_get_visible (more));
  ck_assert_str_eq (sr_ui_label_text (GTK_WIDGET (customers_page (window)), "count"), "60 customers");

  /* A change elsewhere asks again, for all 60. */
  last = sr_test_query_int (dbname, "SELECT max(id) FROM customers");
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"city\":\"Worli\"}}", last);
  sr_ui_ctl (server, "manager@mumbai.test", "customers.update", params);
  check.row = customer_row (window, last);
  check.name = "city";
  check.text = "Worli";
  sr_ui_wait_until (label_is, &check);
  sr_ui_wait_until (shown_count_is, GUINT_TO_POINTER (60));
}
END_TEST

static gboolean
notice_says (gpointer data)
{
  SrCustomerDialog *dialog = data;
  GtkWidget *revealer = sr_ui_child (GTK_WIDGET (dialog), SR_TYPE_CUSTOMER_DIALOG, "notice_revealer");
  GtkWidget *label = sr_ui_child (GTK_WIDGET (dialog), SR_TYPE_CUSTOMER_DIALOG, "notice_label");

  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)) &&
         g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), g_object_get_data (G_OBJECT (dialog), "expect"));
}

static gboolean
field_is (gpointer data)
{
  SrCustomerDialog *dialog = data;
  const char *field = g_object_get_data (G_OBJECT (dialog), "field");

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (sr_customer_dialog_get_field (dialog, field))),
                    g_object_get_data (G_OBJECT (dialog), "expect")) == 0;
}

/* Someone else saves the customer while the user edits them: the save is refused, the
 * form takes the other version and keeps the user's change on top, and saving again
 * keeps both. */
START_TEST (test_conflict)
{
  SrCustomerDialog *dialog;
  g_autofree char *params = NULL;
  g_autofree char *row = NULL;
  gint64 vikram = customer_id ("Vikram Shah");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");

  ck_assert (gtk_widget_activate (customer_row (window, vikram)));
  dialog = wait_for_dialog ();
  ck_assert_int_eq (sr_customer_dialog_get_id (dialog), vikram);
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (sr_customer_dialog_get_field (dialog, "phone"))),
                    "9833300011");
  ck_assert_str_eq (sr_customer_dialog_get_problem (dialog), "Nothing has changed yet.");

  /* Unchanged, the form follows a change made elsewhere. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"notes\":\"Wants a diesel SUV\"}}",
                            vikram);
  sr_ui_ctl (server, "manager@mumbai.test", "customers.update", params);
  g_object_set_data (G_OBJECT (dialog), "field", (gpointer) "notes");
  g_object_set_data (G_OBJECT (dialog), "expect", (gpointer) "Wants a diesel SUV");
  sr_ui_wait_until (field_is, dialog);

  /* Changed, it does not: the user's city stays and the save meets the new version. */
  sr_ui_type (sr_customer_dialog_get_field (dialog, "city"), "Kalyan");
  g_free (params);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":2,\"changes\":{\"phone\":\"9833300099\"}}",
                            vikram);
  sr_ui_ctl (server, "manager@mumbai.test", "customers.update", params);
  g_object_set_data (G_OBJECT (dialog), "expect", (gpointer) "Someone else has just changed this customer");
  sr_ui_wait_until (notice_says, dialog);
  ck_assert (save_enabled (dialog));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (dialog), "customer.save", NULL));
  g_object_set_data (G_OBJECT (dialog), "expect", (gpointer) "Not saved: someone else changed this customer");
  sr_ui_wait_until (notice_says, dialog);
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (sr_customer_dialog_get_field (dialog, "phone"))),
                    "9833300099");
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (sr_customer_dialog_get_field (dialog, "city"))), "Kalyan");
  g_free (sr_ui_screenshot (GTK_WIDGET (dialog), "customer-conflict"));

  save_and_wait (dialog);
  row = sr_test_queryf (dbname, "SELECT phone || ' ' || city || ' ' || version FROM customers WHERE id = %"
                        G_GINT64_FORMAT, vikram);
  ck_assert_str_eq (row, "9833300099 Kalyan 4");
}
END_TEST

/* --- the history ------------------------------------------------------------------------- */

typedef struct {
  SrCustomerDialog *dialog;
  const char       *key;
  const char       *text;
} RowCheck;

static gboolean
history_row_shows (gpointer data)
{
  RowCheck *check = data;
  GtkWidget *row = sr_ui_find_named (GTK_WIDGET (check->dialog), check->key);

  if (row == NULL || !ADW_IS_ACTION_ROW (row))
    return FALSE;
  return check->text == NULL ||
         strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), check->text) != NULL ||
         strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ?: "", check->text) != NULL;
}

static void
wait_for_history_row (SrCustomerDialog *dialog,
                      const char       *key,
                      const char       *text)
{
  RowCheck check = { dialog, key, text };

  sr_ui_wait_until (history_row_shows, &check);
}

static gboolean
message_dialog_over (gpointer data)
{
  GtkWidget **found = data;
  GtkWindow *parent = g_object_get_data (G_OBJECT (window), "expect-parent");
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)) &&
          gtk_window_get_transient_for (toplevel) == parent)
        {
          *found = GTK_WIDGET (toplevel);
          return TRUE;
        }
    }
  return FALSE;
}

static AdwMessageDialog *
wait_for_message_dialog (GtkWindow *parent)
{
  GtkWidget *found = NULL;

  g_object_set_data (G_OBJECT (window), "expect-parent", parent);
  sr_ui_wait_until (message_dialog_over, &found);
  sr_ui_settle ();
  return ADW_MESSAGE_DIALOG (found);
}

static gboolean
followups_counted (gpointer data)
{
  return sr_test_query_int (dbname, "SELECT count(*) FROM followups WHERE customer_id = "
                                    "(SELECT id FROM customers WHERE name = 'Asha Rao')") == GPOINTER_TO_INT (data);
}

START_TEST (test_history)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(JsonNode) sale = NULL;
  g_autoptr(JsonNode) completed = NULL;
  g_autoptr(JsonNode) reserved = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  g_autofree char *sale_key = NULL;
  g_autofree char *reserved_key = NULL;
  g_autofree char *followup_key = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *stock_no = sr_test_query (dbname, "SELECT stock_no FROM vehicles WHERE vin = 'MA3FZEB1S00300002'");
  g_autofree char *date = NULL;
  g_autofree char *added = NULL;
  g_autofree char *price = sr_money_display (182500000);
  SrCustomerDialog *dialog;
  AdwMessageDialog *form;
  gint64 asha = customer_id ("Asha Rao");
  gint64 followup;

  /* A past sale of the Creta, a reservation of the Swift, a call that is overdue. */
  sale = sr_test_call_okf (sales, "sales.reserve",
                           "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT ","
                           "\"deposit\":\"50000.00\"}", vehicle_id ("MA3FZEB1S00300002"), asha);
  completed = sr_test_call_okf (manager, "sales.complete",
                                "{\"id\":%" G_GINT64_FORMAT ",\"price\":\"1825000.00\",\"payment_method\":\"finance\"}",
                                sr_test_get_int (sale, "id"));
  reserved = sr_test_call_okf (sales, "sales.reserve",
                               "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"customer_id\":%" G_GINT64_FORMAT "}",
                               vehicle_id ("MA3FZEB1S00300001"), asha);
  followup = add_followup (sales, "Asha Rao", -3 * 3600, "call", "Ask how the Creta is running");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  show_page (window, "customers");
  wait_for_list (window, "Asha Rao, Vikram Shah, Meera Iyer");
  ck_assert (gtk_widget_activate (customer_row (window, asha)));
  dialog = wait_for_dialog ();

  /* The purchase names its vehicle, price and receipt; the reservation follows it. */
  sale_key = g_strdup_printf ("sale-%" G_GINT64_FORMAT, sr_test_get_int (sale, "id"));
  reserved_key = g_strdup_printf ("sale-%" G_GINT64_FORMAT, sr_test_get_int (reserved, "id"));
  followup_key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, followup);
  wait_for_history_row (dialog, sale_key, "Hyundai Creta");
  wait_for_history_row (dialog, reserved_key, "Maruti Swift");
  wait_for_history_row (dialog, followup_key, "Ask how the Creta is running");
  texts = texts_of (sr_ui_find_named (GTK_WIDGET (dialog), sale_key));
  ck_assert_msg (strstr (texts, stock_no) != NULL, "no stock number in:\n%s", texts);
  ck_assert_msg (strstr (texts, "Receipt No. 1") != NULL, "no receipt in:\n%s", texts);
  ck_assert_msg (strstr (texts, "Purchased") != NULL, "no status in:\n%s", texts);
  ck_assert_msg (strstr (texts, price) != NULL, "no price in:\n%s", texts);
  ck_assert_str_eq (sr_ui_label_text (sr_ui_find_named (GTK_WIDGET (dialog), reserved_key), "status"), "Reserved");
  ck_assert_str_eq (sr_ui_label_text (sr_ui_find_named (GTK_WIDGET (dialog), followup_key), "status"), "Overdue");
  g_clear_pointer (&texts, g_free);
  texts = texts_of (sr_ui_find_named (GTK_WIDGET (dialog), followup_key));
  ck_assert_msg (strstr (texts, "Call") != NULL && strstr (texts, "Mumbai Sales") != NULL, "follow-up:\n%s", texts);
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "customer-history");
  g_clear_pointer (&shot, g_free);

  /* A test drive tomorrow at 11, added from here. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (dialog), "customer.add-followup", NULL));
  form = wait_for_message_dialog (GTK_WINDOW (dialog));
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();

    tomorrow = g_date_time_add_days (now, 1);
  }
  date = g_date_time_format (tomorrow, "%Y-%m-%d");
  adw_combo_row_set_selected (ADW_COMBO_ROW (sr_ui_find_named (GTK_WIDGET (form), "kind")), 4);
  sr_ui_type (sr_ui_find_named (GTK_WIDGET (form), "date"), "tomorrow");
  ck_assert (!adw_message_dialog_get_response_enabled (form, "add"));
  ck_assert (gtk_widget_get_visible (sr_ui_find_named (GTK_WIDGET (form), "problem")));
  sr_ui_type (sr_ui_find_named (GTK_WIDGET (form), "date"), date);
  sr_ui_type (sr_ui_find_named (GTK_WIDGET (form), "time"), "11:00");
  sr_ui_type (sr_ui_find_named (GTK_WIDGET (form), "note"), "Bring the Seltos round");
  ck_assert (adw_message_dialog_get_response_enabled (form, "add"));
  sr_ui_respond (form, "add");

  sr_ui_wait_until (followups_counted, GINT_TO_POINTER (2));
  added = sr_test_queryf (dbname, "SELECT kind || ' ' || to_char(due_at AT TIME ZONE current_setting('TimeZone'), "
                                  "'YYYY-MM-DD HH24:MI') || ' ' || note || ' ' || status FROM followups"
                                  " WHERE customer_id = %" G_GINT64_FORMAT " AND id <> %" G_GINT64_FORMAT,
                          asha, followup);
  ck_assert_msg (g_str_has_prefix (added, "test_drive ") && strstr (added, "Bring the Seltos round pending") != NULL,
                 "added: %s", added);
  /* Shown in the history with nobody asking. */
  {
    g_autofree char *key = g_strdup_printf ("followup-%" G_GINT64_FORMAT,
                                            sr_test_query_int (dbname, "SELECT max(id) FROM followups"));

    wait_for_history_row (dialog, key, "Bring the Seltos round");
  }
}
END_TEST

/* --- the follow-ups page ----------------------------------------------------------------- */

static gboolean
followups_shown (gpointer data)
{
  SrFollowupsPage *page = followups_page (window);
  GPtrArray *shown = sr_followups_page_get_shown (page);
  gint64 *ids = data;
  guint n = 0;

  if (!sr_followups_page_is_loaded (page))
    return FALSE;
  while (ids[n] != 0)
    n++;
  if (shown->len != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (json_object_get_int_member (g_ptr_array_index (shown, i), "id") != ids[i])
      return FALSE;
  return TRUE;
}

static GtkWidget *
followup_row (gint64 id)
{
  g_autofree char *key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, id);

  return sr_ui_find_named (GTK_WIDGET (followups_page (window)), key);
}

static gboolean
followup_titled (gpointer data)
{
  LabelCheck *check = data;
  GtkWidget *row = followup_row (GPOINTER_TO_SIZE (check->row));

  return row != NULL && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), check->text) == 0;
}

static AdwViewStackPage *
followups_tab (void)
{
  AdwViewStack *stack = ADW_VIEW_STACK (sr_ui_child (window, SR_TYPE_WINDOW, "view_stack"));

  return adw_view_stack_get_page (stack, GTK_WIDGET (followups_page (window)));
}

static gboolean
is_today (gint64 seconds_from_now)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, (double) seconds_from_now);

  return g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (then) &&
         g_date_time_get_year (now) == g_date_time_get_year (then);
}

static gboolean
done_enabled (gpointer data)
{
  return adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (data), "done");
}

START_TEST (test_followups)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) other = sr_test_connect_as (server, "manager@mumbai.test");
  g_autofree char *outcome = NULL;
  g_autofree char *texts = NULL;
  LabelCheck titled = { 0 };
  AdwMessageDialog *form;
  GtkWidget *row;
  GtkWidget *due;
  gint64 soon_s = 2 * 3600;
  gint64 overdue, soon, later, ids[4] = { 0 };

  later = add_followup (sales, "Asha Rao", 3 * 86400, "visit", "Service reminder");
  soon = add_followup (sales, "Vikram Shah", soon_s, "test_drive", "Creta diesel");
  overdue = add_followup (sales, "Meera Iyer", -2 * 86400 - 600, "call", "Ask about the loan");
  /* The manager's own: not on the sales user's list. */
  add_followup (other, "Asha Rao", 3600, "sms", "Offer the extended warranty");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  ids[0] = overdue;
  ids[1] = soon;
  ids[2] = later;
  sr_ui_wait_until (followups_shown, ids);
  show_page (window, "followups");

  /* The overdue one first, in red, in its own section; the one due soon next. */
  titled.row = GSIZE_TO_POINTER (overdue);
  titled.text = "Meera Iyer";
  sr_ui_wait_until (followup_titled, &titled);
  row = followup_row (overdue);
  ck_assert (gtk_widget_is_ancestor (row, sr_ui_find_named (GTK_WIDGET (followups_page (window)), "overdue")));
  due = sr_ui_find_named (row, "due");
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (due)), "2 days overdue");
  ck_assert (gtk_widget_has_css_class (due, "error"));
  ck_assert_msg (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Call · Ask about the loan"),
                 "subtitle: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  row = followup_row (soon);
  ck_assert_str_eq (sr_ui_label_text (row, "due"), "in 2 hours");
  ck_assert (!gtk_widget_has_css_class (sr_ui_find_named (row, "due"), "error"));
  ck_assert (gtk_widget_is_ancestor (row, sr_ui_find_named (GTK_WIDGET (followups_page (window)),
                                                      is_today (soon_s) ? "today" : "later")));
  ck_assert_str_eq (sr_ui_label_text (followup_row (later), "due"), "in 3 days");
  /* The badge: what is due today, overdue included. */
  ck_assert_uint_eq (adw_view_stack_page_get_badge_number (followups_tab ()), 1 + is_today (soon_s));
  ck_assert (adw_view_stack_page_get_needs_attention (followups_tab ()));
  texts = texts_of (GTK_WIDGET (followups_page (window)));
  ck_assert_msg (strstr (texts, "1 overdue") != NULL, "summary in:\n%s", texts);

  /* Done, with what came of it: gone from the list, closed in the database. */
  g_signal_emit_by_name (sr_ui_find_named (followup_row (overdue), "done"), "clicked");
  form = wait_for_message_dialog (GTK_WINDOW (window));
  ck_assert (!adw_message_dialog_get_response_enabled (form, "done"));
  sr_ui_type (sr_ui_find_named (GTK_WIDGET (form), "outcome"), "Loan approved; booked a test drive");
  sr_ui_wait_until (done_enabled, form);
  sr_ui_respond (form, "done");
  ids[0] = soon;
  ids[1] = later;
  ids[2] = 0;
  sr_ui_wait_until (followups_shown, ids);
  outcome = sr_test_queryf (dbname, "SELECT status || ': ' || outcome || ' ' || (completed_at IS NOT NULL)"
                                    " FROM followups WHERE id = %" G_GINT64_FORMAT, overdue);
  ck_assert_str_eq (outcome, "done: Loan approved; booked a test drive true");
  ck_assert_uint_eq (adw_view_stack_page_get_badge_number (followups_tab ()), is_today (soon_s));
}
END_TEST

static gboolean
followup_titled_in (gpointer data)
{
  GtkWidget *page = g_object_get_data (G_OBJECT (data), "page");
  const char *key = g_object_get_data (G_OBJECT (data), "key");
  GtkWidget *row = sr_ui_find_named (page, key);

  return row != NULL && ADW_IS_ACTION_ROW (row) &&
         strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ?: "", "for Mumbai Sales") != NULL &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "Vikram Shah") == 0;
}

static gboolean
page_has_row (gpointer data)
{
  GtkWidget *page = g_object_get_data (G_OBJECT (data), "page");

  return sr_ui_find_named (page, g_object_get_data (G_OBJECT (data), "key")) != NULL;
}

/* A manager sees their own follow-ups, or the whole branch's with whose they are. */
START_TEST (test_branch_scope)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(SrConnection) manager = sr_test_connect_as (server, "manager@mumbai.test");
  g_autoptr(GObject) probe = g_object_new (G_TYPE_OBJECT, NULL);
  g_autofree char *key = NULL;
  GtkWidget *page;
  GtkWidget *scope;
  gint64 theirs, mine;

  theirs = add_followup (sales, "Vikram Shah", 3600, "call", "Price of the Creta");
  mine = add_followup (manager, "Asha Rao", 7200, "visit", "Delivery");
  sr_ui_sign_in (window, server, "manager@mumbai.test");
  page = GTK_WIDGET (followups_page (window));
  scope = sr_ui_child (page, SR_TYPE_FOLLOWUPS_PAGE, "scope_box");
  ck_assert (gtk_widget_get_visible (scope));

  key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, mine);
  g_object_set_data (probe, "page", page);
  g_object_set_data (probe, "key", key);
  sr_ui_wait_until (page_has_row, probe);
  ck_assert_uint_eq (sr_followups_page_get_shown (followups_page (window))->len, 1);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (sr_ui_child (page, SR_TYPE_FOLLOWUPS_PAGE, "all_button")), TRUE);
  g_free (key);
  key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, theirs);
  g_object_set_data (probe, "key", key);
  sr_ui_wait_until (followup_titled_in, probe);
  ck_assert_uint_eq (sr_followups_page_get_shown (followups_page (window))->len, 2);
}
END_TEST

static void
count_due_cb (SrFollowupsPage *page,
              gint64           id,
              gpointer         user_data)
{
  GArray *announced = user_data;

  g_array_append_val (announced, id);
}

static gboolean
announced (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

static gboolean
toast_shown (gpointer data)
{
  GtkWidget *overlay = sr_ui_child (window, SR_TYPE_WINDOW, "toast_overlay");
  g_autofree char *texts = texts_of (overlay);

  return strstr (texts, data) != NULL;
}

static gboolean
row_in_section (gpointer data)
{
  GtkWidget *row = followup_row (GPOINTER_TO_SIZE (data));
  GtkWidget *section = sr_ui_find_named (GTK_WIDGET (followups_page (window)), "overdue");

  return row != NULL && section != NULL && gtk_widget_is_ancestor (row, section);
}

/* A follow-up falls due while the page is open: announced once, not again when the page
 * looks at the clock later. */
START_TEST (test_due_reminder)
{
  g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@mumbai.test");
  g_autoptr(GArray) heard = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *shot = NULL;
  gint64 ids[5] = { 0 };
  gint64 overdue, later, due;

  overdue = add_followup (sales, "Meera Iyer", -26 * 3600, "call", "Ask about the loan");
  later = add_followup (sales, "Vikram Shah", 2 * 86400, "test_drive", "Creta diesel");

  sr_ui_sign_in (window, server, "sales@mumbai.test");
  g_signal_connect (followups_page (window), "followup-due", G_CALLBACK (count_due_cb), heard);
  ids[0] = overdue;
  ids[1] = later;
  sr_ui_wait_until (followups_shown, ids);
  show_page (window, "followups");
  /* Already overdue when the page first saw it: on the list in red, not announced. */
  ck_assert_uint_eq (heard->len, 0);

  /* Due a few seconds from now, made at another counter by the same user. */
  due = add_followup (sales, "Asha Rao", 4, "call", "Confirm the delivery date");
  ids[1] = due;
  ids[2] = later;
  sr_ui_wait_until (followups_shown, ids);
  ck_assert (!row_in_section (GSIZE_TO_POINTER (due)));
  sr_ui_wait_until (announced, heard);
  ck_assert_uint_eq (heard->len, 1);
  ck_assert_int_eq (g_array_index (heard, gint64, 0), due);
  sr_ui_wait_until (toast_shown, (gpointer) "Follow-up due: Asha Rao — Call · Confirm the delivery date");
  sr_ui_wait_until (row_in_section, GSIZE_TO_POINTER (due));
  shot = sr_ui_screenshot (window, "followups");

  /* Later looks at the list (each event makes one) announce nothing again. */
  ids[3] = add_followup (sales, "Meera Iyer", 5 * 86400, "email", "Send the brochure");
  ids[0] = overdue;
  ids[1] = due;
  ids[2] = later;
  sr_ui_wait_until (followups_shown, ids);
  sr_ui_settle ();
  ck_assert_uint_eq (heard->len, 1);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-customers");
  TCase *customers = tcase_create ("customers");
  TCase *followups = tcase_create ("followups");

  tcase_add_checked_fixture (customers, setup, teardown);
  tcase_add_test (customers, test_search);
  tcase_add_test (customers, test_create);
  tcase_add_test (customers, test_live_update);
  tcase_add_test (customers, test_paging);
  tcase_add_test (customers, test_conflict);
  tcase_add_test (customers, test_history);
  suite_add_tcase (suite, customers);

  tcase_add_checked_fixture (followups, setup, teardown);
  tcase_add_test (followups, test_followups);
  tcase_add_test (followups, test_due_reminder);
  tcase_add_test (followups, test_branch_scope);
  suite_add_tcase (suite, followups);

  return sr_ui_run (suite);
}
