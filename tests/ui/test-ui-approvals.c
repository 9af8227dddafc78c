/* test-ui-approvals.c: the Approvals page against a real showroomd: a sales user's
 * proposal reaches a manager's window live and is decided there through the real
 * buttons and dialog; the proposer's window shows the outcome live; a proposal whose
 * vehicle changed is flagged and cannot be approved; a bulk proposal is one row,
 * approved as one. */
#define G_LOG_DOMAIN "test-ui-approvals"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-approvals-page.h"
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

/* Three vehicles in Mumbai, one in Pune (which Mumbai's users never see). */
static const char seed_sql[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, price, cost, status,"
  "                      branch_id, location)"
  " VALUES ('MA3FZEB1S00300001', 'Maruti', 'Swift', 'ZXi', 2023, 'Red', 'petrol',"
  "         650000, 600000, 'in_stock', 1, 'Floor A'),"
  "        ('MA3FZEB1S00300002', 'Hyundai', 'Creta', 'SX(O)', 2024, 'White', 'diesel',"
  "         1845000, 1700000, 'in_stock', 1, 'Floor B'),"
  "        ('MA3FZEB1S00300003', 'Tata', 'Nexon EV', 'Empowered', 2024, 'Blue', 'electric',"
  "         1599000, 1500000, 'in_stock', 1, 'Yard'),"
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

/* --- finding things on screen ---------------------------------------------------------- */

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      if ((found = find_button (child, label)) != NULL)
        return found;
    }

  return NULL;
}

/* Every label's text under @root, one a line. */
static void
collect_texts (GtkWidget *root,
               GString   *texts)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
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

static GtkWidget *
approvals_page (GtkWidget *win)
{
  GtkWidget *page = sr_ui_page (win, "approvals");

  ck_assert_msg (SR_IS_APPROVALS_PAGE (page), "no approvals page in the window");
  return page;
}

static AdwViewStackPage *
approvals_tab (GtkWidget *win)
{
  AdwViewStack *stack = ADW_VIEW_STACK (sr_ui_child (win, SR_TYPE_WINDOW, "view_stack"));

  return adw_view_stack_get_page (stack, approvals_page (win));
}

static void
show_page (GtkWidget  *win,
           const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (sr_ui_child (win, SR_TYPE_WINDOW, "view_stack"));

  adw_view_stack_set_visible_child_name (stack, name);
  sr_ui_settle ();
}

/* The card of an edit ("edit-<id>") or a batch ("batch-<id>") on @win's page. */
static GtkWidget *
card (GtkWidget  *win,
      const char *key)
{
  return sr_ui_find_named (approvals_page (win), key);
}

typedef struct {
  GtkWidget  *window;
  const char *key;
  const char *name;
  const char *text;
  guint       number;
} Check;

static gboolean
page_loaded (gpointer data)
{
  Check *check = data;
  GtkStack *stack = GTK_STACK (sr_ui_child (approvals_page (check->window), SR_TYPE_APPROVALS_PAGE, "stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), check->text) == 0;
}

static void
wait_for_page_state (GtkWidget  *win,
                     const char *state)
{
  Check check = { .window = win, .text = state };

  sr_ui_wait_until (page_loaded, &check);
}

static gboolean
badge_is (gpointer data)
{
  Check *check = data;

  return adw_view_stack_page_get_badge_number (approvals_tab (check->window)) == check->number;
}

static void
wait_for_badge (GtkWidget *win,
                guint      number)
{
  Check check = { .window = win, .number = number };

  sr_ui_wait_until (badge_is, &check);
  ck_assert (adw_view_stack_page_get_needs_attention (approvals_tab (win)) == (number > 0));
}

static gboolean
card_shows (gpointer data)
{
  Check *check = data;
  GtkWidget *found = card (check->window, check->key);
  GtkWidget *label = found && check->name ? sr_ui_find_named (found, check->name) : NULL;

  if (found == NULL)
    return FALSE;
  if (check->name == NULL)
    return TRUE;
  if (check->text == NULL)
    return label != NULL;
  return label != NULL && GTK_IS_LABEL (label) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), check->text) == 0;
}

/* Waits for @win to show the card @key, and in it a widget named @name: a label
 * reading @text, unless @text is NULL. */
static GtkWidget *
wait_for_card (GtkWidget  *win,
               const char *key,
               const char *name,
               const char *text)
{
  Check check = { .window = win, .key = key, .name = name, .text = text };

  sr_ui_wait_until (card_shows, &check);
  return card (win, key);
}

static gboolean
dialog_shown (gpointer data)
{
  GtkWidget **dialog = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)) &&
          gtk_window_get_transient_for (toplevel) == GTK_WINDOW (window))
        {
          *dialog = GTK_WIDGET (toplevel);
          return TRUE;
        }
    }

  return FALSE;
}

typedef struct {
  const char *key;
  const char *label;
} ButtonRef;

/* The card's button, once it may be pressed (buttons wait while the app reconnects);
 * looked up afresh each time, as the cards are rebuilt when their edits change. */
static gboolean
button_ready (gpointer data)
{
  ButtonRef *ref = data;
  GtkWidget *the_card = card (window, ref->key);
  GtkWidget *button = the_card ? find_button (the_card, ref->label) : NULL;

  return button != NULL && gtk_widget_is_sensitive (button);
}

static gboolean
sensitive_response (gpointer data)
{
  GtkWidget *button = find_button (GTK_WIDGET (data), "_Approve");

  return button != NULL && gtk_widget_is_sensitive (button);
}

static gboolean
gone (gpointer data)
{
  GtkWidget *dialog = *(GtkWidget **) data;

  return dialog == NULL || !gtk_widget_get_visible (dialog);
}

/* Presses @button_label on the card, fills the dialog that asks for a note and presses
 * its @response, as the manager at the window would. */
static void
decide (const char *key,
        const char *button_label,
        const char *note,
        const char *response,
        const char *shot_name)
{
  ButtonRef ref = { key, button_label };
  GtkWidget *dialog = NULL;
  GtkWidget *respond;
  g_autofree char *shot = NULL;

  sr_ui_wait_until (button_ready, &ref);
  g_signal_emit_by_name (find_button (card (window, key), button_label), "clicked");
  sr_ui_wait_until (dialog_shown, &dialog);
  sr_ui_settle ();

  respond = find_button (dialog, response);
  ck_assert_msg (respond != NULL, "no %s in the dialog", response);
  /* A rejection must say why: its button waits for a note. */
  if (g_str_equal (response, "_Reject"))
    ck_assert (!gtk_widget_is_sensitive (respond));
  sr_ui_type (sr_ui_find (dialog, GTK_TYPE_ENTRY), note);
  ck_assert (gtk_widget_is_sensitive (respond));
  if (shot_name != NULL)
    shot = sr_ui_screenshot (dialog, shot_name);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  ck_assert (gtk_widget_activate (respond));
  sr_ui_wait_until (gone, &dialog);
  if (dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
}

/* --- changes made elsewhere ------------------------------------------------------------ */

static gint64
vehicle_id (const char *vin)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM vehicles WHERE vin = '%s'", vin);

  return sr_test_query_int (dbname, sql);
}

static char *
stock_no (const char *vin)
{
  return sr_test_queryf (dbname, "SELECT stock_no FROM vehicles WHERE vin = '%s'", vin);
}

/* A sales user at another counter proposes a new price; returns the edit's id. */
static gint64
propose_price (SrConnection *sales,
               const char   *vin,
               const char   *price,
               const char   *reason)
{
  g_autoptr(JsonNode) edit = NULL;

  edit = sr_test_call_okf (sales, "edits.propose",
                           "{\"vehicle_id\":%" G_GINT64_FORMAT ",\"base_version\":1,"
                           "\"changes\":{\"price\":\"%s\"},\"reason\":\"%s\"}",
                           vehicle_id (vin), price, reason);
  return sr_test_get_int (edit, "id");
}

typedef struct {
  GtkWidget  *window;
  const char *stock_no;
  const char *price;
} PriceCheck;

static gboolean
stock_price_is (gpointer data)
{
  PriceCheck *check = data;
  GListModel *shown = sr_stock_view_get_shown (SR_STOCK_VIEW (sr_ui_page (check->window, "stock")));

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (shown, i);
      g_autofree char *price = sr_vehicle_format_price (vehicle);

      if (g_str_equal (sr_vehicle_get_stock_no (vehicle), check->stock_no))
        return g_str_equal (price, check->price);
    }

  return FALSE;
}

static char *
money (gint64 paise)
{
  return sr_money_display (paise);
}

/* --- the tests ------------------------------------------------------------------------- */

START_TEST (test_approve_live)
{
  g_autoptr(SrConnection) sales = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *key = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *old_price = money (184500000);
  g_autofree char *new_price = money (179900000);
  g_autofree char *creta = stock_no ("MA3FZEB1S00300002");
  g_autofree char *note = NULL;
  PriceCheck price = { 0 };
  GtkWidget *the_card;
  gint64 id;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_page_state (window, "empty");
  ck_assert_uint_eq (adw_view_stack_page_get_badge_number (approvals_tab (window)), 0);

  /* Proposed at another counter; this window hears of it with nobody touching it. */
  sales = sr_test_connect_as (server, "sales@mumbai.test");
  id = propose_price (sales, "MA3FZEB1S00300002", "1799000.00", "Festival offer");
  key = g_strdup_printf ("edit-%" G_GINT64_FORMAT, id);
  wait_for_badge (window, 1);
  the_card = wait_for_card (window, key, "price", old_price);

  texts = texts_of (the_card);
  ck_assert_msg (strstr (texts, creta) != NULL, "no stock number in:\n%s", texts);
  ck_assert_msg (strstr (texts, "Hyundai Creta") != NULL, "no vehicle in:\n%s", texts);
  ck_assert_msg (strstr (texts, "Proposed by Mumbai Sales") != NULL, "no proposer in:\n%s", texts);
  ck_assert_msg (strstr (texts, "Festival offer") != NULL, "no reason in:\n%s", texts);
  ck_assert_str_eq (sr_ui_label_text (the_card, "price"), old_price);
  ck_assert_str_eq (sr_ui_label_text (the_card, "proposed"), new_price);
  ck_assert (sr_ui_find_named (the_card, "stale") == NULL);
  show_page (window, "approvals");
  shot = sr_ui_screenshot (window, "approvals-pending");
  g_clear_pointer (&shot, g_free);

  decide (key, "Approve", "Fine for the festival", "_Approve", "approvals-approve-dialog");

  /* The change is made: the stock list shows the new price, nothing waits any more. */
  price.window = window;
  price.stock_no = creta;
  price.price = "1799000.00";
  sr_ui_wait_until (stock_price_is, &price);
  wait_for_badge (window, 0);
  wait_for_page_state (window, "empty");
  note = sr_test_queryf (dbname, "SELECT note FROM pending_edits WHERE id = %" G_GINT64_FORMAT, id);
  ck_assert_str_eq (note, "Fine for the festival");
  shot = sr_ui_screenshot (window, "approvals-empty");
  g_clear_pointer (&shot, g_free);
  show_page (window, "stock");
  shot = sr_ui_screenshot (window, "approvals-stock-after");
}
END_TEST

typedef struct {
  SrClient *client;
  JsonNode *reply;
} Call;

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  call->reply = sr_client_call_finish (call->client, result, &error);
  ck_assert_msg (call->reply != NULL, "call failed: %s", error ? error->message : "");
}

static gboolean
replied (gpointer data)
{
  return ((Call *) data)->reply != NULL;
}

static gboolean
toast_shown (gpointer data)
{
  Check *check = data;
  GtkWidget *overlay = sr_ui_child (check->window, SR_TYPE_WINDOW, "toast_overlay");
  g_autofree char *texts = texts_of (overlay);

  return strstr (texts, check->text) != NULL;
}

START_TEST (test_outcome_seen_live)
{
  GtkWidget *sales_window = sr_ui_window_new ();
  SrClient *sales_client;
  Call call = { 0 };
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autofree char *key = NULL;
  g_autofree char *swift = stock_no ("MA3FZEB1S00300001");
  g_autofree char *toast = NULL;
  g_autofree char *shot = NULL;
  Check check = { 0 };
  GtkWidget *sales_card;
  GtkWidget *outcome;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  sr_ui_sign_in (sales_window, server, "sales@mumbai.test");
  wait_for_page_state (window, "empty");
  wait_for_page_state (sales_window, "empty");

  /* The sales window's user proposes, through the app's own client. */
  sales_client = sr_window_get_client (SR_WINDOW (sales_window));
  json_object_set_int_member (params, "vehicle_id", vehicle_id ("MA3FZEB1S00300001"));
  json_object_set_int_member (params, "base_version", 1);
  json_object_set_string_member (changes, "price", "599000.00");
  json_object_set_object_member (params, "changes", json_object_ref (changes));
  json_object_set_string_member (params, "reason", "Slow mover");
  call.client = sales_client;
  sr_client_call_async (sales_client, "edits.propose", params, NULL, call_done_cb, &call);
  sr_ui_wait_until (replied, &call);
  key = g_strdup_printf ("edit-%" G_GINT64_FORMAT, sr_test_get_int (call.reply, "id"));
  g_clear_pointer (&call.reply, json_node_unref);

  /* Waiting: one proposal of theirs on the sales badge, with Withdraw, not Approve. */
  wait_for_badge (sales_window, 1);
  sales_card = wait_for_card (sales_window, key, "proposed", NULL);
  ck_assert (find_button (sales_card, "Withdraw") != NULL);
  ck_assert (find_button (sales_card, "Approve") == NULL);
  show_page (sales_window, "approvals");
  shot = sr_ui_screenshot (sales_window, "approvals-sales-pending");
  g_clear_pointer (&shot, g_free);

  wait_for_badge (window, 1);
  wait_for_card (window, key, "proposed", NULL);
  decide (key, "Reject", "Price floor is 6 lakh", "_Reject", "approvals-reject-dialog");
  wait_for_badge (window, 0);

  /* The proposer's window shows the outcome and says so, with nobody touching it. */
  sales_card = wait_for_card (sales_window, key, "outcome", "Rejected");
  outcome = sr_ui_find_named (sales_card, "outcome-note");
  ck_assert (outcome != NULL);
  ck_assert_str_eq (sr_ui_label_text (outcome, "body"), "Price floor is 6 lakh");
  ck_assert_msg (g_str_has_prefix (sr_ui_label_text (outcome, "title"), "Rejected by Mumbai Manager"),
                 "outcome: %s", sr_ui_label_text (outcome, "title"));
  ck_assert (find_button (sales_card, "Withdraw") == NULL);
  toast = g_strdup_printf ("Your change to %s was rejected by Mumbai Manager", swift);
  check.window = sales_window;
  check.text = toast;
  sr_ui_wait_until (toast_shown, &check);
  wait_for_badge (sales_window, 0);
  shot = sr_ui_screenshot (sales_window, "approvals-sales-rejected");

  gtk_window_destroy (GTK_WINDOW (sales_window));
}
END_TEST

START_TEST (test_stale_flagged)
{
  g_autoptr(SrConnection) sales = NULL;
  g_autofree char *key = NULL;
  g_autofree char *params = NULL;
  g_autofree char *shot = NULL;
  GtkWidget *the_card;
  gint64 id;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_page_state (window, "empty");
  sales = sr_test_connect_as (server, "sales@mumbai.test");
  id = propose_price (sales, "MA3FZEB1S00300003", "1549000.00", "Matches the new EV subsidy");
  key = g_strdup_printf ("edit-%" G_GINT64_FORMAT, id);
  the_card = wait_for_card (window, key, "proposed", NULL);
  ck_assert (sr_ui_find_named (the_card, "stale") == NULL);
  ck_assert (gtk_widget_is_sensitive (find_button (the_card, "Approve")));

  /* Someone else changes the vehicle first. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"version\":1,\"changes\":{\"price\":\"1579000\"}}",
                            vehicle_id ("MA3FZEB1S00300003"));
  sr_ui_ctl (server, "manager@mumbai.test", "vehicles.update", params);

  the_card = wait_for_card (window, key, "stale", NULL);
  ck_assert_str_eq (sr_ui_label_text (sr_ui_find_named (the_card, "stale"), "title"),
                    "Stale: the vehicle changed since this was proposed");
  ck_assert (!gtk_widget_is_sensitive (find_button (the_card, "Approve")));
  ck_assert (gtk_widget_is_sensitive (find_button (the_card, "Reject")));
  /* Beside the proposal stands the price as it is now. */
  {
    g_autofree char *now = money (157900000);

    ck_assert_str_eq (sr_ui_label_text (the_card, "price"), now);
  }
  show_page (window, "approvals");
  shot = sr_ui_screenshot (window, "approvals-stale");
}
END_TEST

static gboolean
card_gone (gpointer data)
{
  Check *check = data;

  return card (check->window, check->key) == NULL;
}

/* Two deciders at once: the manager's dialog is open when someone else approves the
 * same proposal. The manager's answer is refused, and the window says why. */
START_TEST (test_decided_meanwhile)
{
  g_autoptr(SrConnection) sales = NULL;
  g_autoptr(SrConnection) admin = NULL;
  g_autoptr(JsonNode) approved = NULL;
  g_autofree char *key = NULL;
  g_autofree char *toast = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *swift = stock_no ("MA3FZEB1S00300001");
  ButtonRef ref = { 0 };
  Check check = { 0 };
  GtkWidget *dialog = NULL;
  gint64 id;

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_page_state (window, "empty");
  sales = sr_test_connect_as (server, "sales@mumbai.test");
  id = propose_price (sales, "MA3FZEB1S00300001", "640000.00", "Scratch on the bumper");
  key = g_strdup_printf ("edit-%" G_GINT64_FORMAT, id);
  wait_for_card (window, key, "proposed", NULL);

  ref.key = key;
  ref.label = "Approve";
  sr_ui_wait_until (button_ready, &ref);
  g_signal_emit_by_name (find_button (card (window, key), "Approve"), "clicked");
  sr_ui_wait_until (dialog_shown, &dialog);

  admin = sr_test_connect_as (server, "admin@mumbai.test");
  approved = sr_test_callf (admin, NULL, "edits.approve", "{\"id\":%" G_GINT64_FORMAT "}", id);
  ck_assert (approved != NULL);
  check.window = window;
  check.key = key;
  sr_ui_wait_until (card_gone, &check);
  wait_for_badge (window, 0);

  sr_ui_wait_until (sensitive_response, dialog);
  ck_assert (gtk_widget_activate (find_button (dialog, "_Approve")));
  toast = g_strdup_printf ("Mumbai Admin already approved the change to %s", swift);
  check.text = toast;
  sr_ui_wait_until (toast_shown, &check);
  show_page (window, "approvals");
  shot = sr_ui_screenshot (window, "approvals-already-decided");
}
END_TEST

static gboolean
batch_title_is (gpointer data)
{
  Check *check = data;
  GtkWidget *the_card = card (check->window, check->key);
  GtkWidget *header = the_card ? sr_ui_find_named (the_card, "header") : NULL;

  return header != NULL && ADW_IS_EXPANDER_ROW (header) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (header)), check->text) == 0;
}

static guint
count_named (GtkWidget  *root,
             const char *name)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += (g_strcmp0 (gtk_widget_get_name (child), name) == 0) + count_named (child, name);
  return n;
}

START_TEST (test_batch)
{
  g_autoptr(SrConnection) sales = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(JsonNode) applied = NULL;
  g_autofree char *key = NULL;
  g_autofree char *shot = NULL;
  JsonArray *rows;
  GtkWidget *the_card;
  GtkWidget *expander;
  Check check = { 0 };

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  wait_for_page_state (window, "empty");

  /* 5% off every Mumbai vehicle, proposed by a sales user as one batch. */
  sales = sr_test_connect_as (server, "sales@mumbai.test");
  preview = sr_test_call_ok (sales, "bulk.preview", "{\"filter\":{},\"op\":{\"price_pct\":-5}}");
  ck_assert_int_eq (sr_test_get_int (preview, "count"), 3);
  applied = sr_test_call_okf (sales, "bulk.apply", "{\"preview_id\":%" G_GINT64_FORMAT ",\"reason\":\"Monsoon sale\"}",
                              sr_test_get_int (preview, "preview_id"));
  key = g_strdup_printf ("batch-%" G_GINT64_FORMAT, sr_test_get_int (applied, "batch_id"));

  /* One row, one badge, for three proposals (their events come one by one). */
  check.window = window;
  check.key = key;
  check.text = "Price change for 3 vehicles";
  sr_ui_wait_until (batch_title_is, &check);
  wait_for_badge (window, 1);
  the_card = card (window, key);
  ck_assert_uint_eq (count_named (the_card, "proposed"), 3);
  expander = sr_ui_find_named (the_card, "header");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  show_page (window, "approvals");
  shot = sr_ui_screenshot (window, "approvals-batch");
  g_clear_pointer (&shot, g_free);

  decide (key, "Approve", "", "_Approve", NULL);

  /* Every vehicle of the batch has its new price. */
  rows = json_object_get_array_member (sr_test_object (preview), "rows");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      PriceCheck price = {
        .window = window,
        .stock_no = json_object_get_string_member (row, "stock_no"),
        .price = json_object_get_string_member (json_object_get_object_member (row, "after"), "price"),
      };

      sr_ui_wait_until (stock_price_is, &price);
    }
  wait_for_badge (window, 0);
  wait_for_page_state (window, "empty");
  show_page (window, "stock");
  shot = sr_ui_screenshot (window, "approvals-batch-applied");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-approvals");
  TCase *approvals = tcase_create ("approvals");

  tcase_add_checked_fixture (approvals, setup, teardown);
  tcase_add_test (approvals, test_approve_live);
  tcase_add_test (approvals, test_outcome_seen_live);
  tcase_add_test (approvals, test_stale_flagged);
  tcase_add_test (approvals, test_batch);
  tcase_add_test (approvals, test_decided_meanwhile);
  suite_add_tcase (suite, approvals);

  return sr_ui_run (suite);
}
