/* test-ui-i18n.c: the app in another language, as the system's asks: the sign-in page in
 * Hindi and the stock in French, from the build dir's catalogues, with screenshots to
 * see that the longer words still fit. */
#define G_LOG_DOMAIN "test-ui-i18n"

#include "config.h"

#include <check.h>
#include <locale.h>

#include "sr-sign-in-page.h"
#include "sr-stock-view.h"
#include "sr-ui-test.h"
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
  "         1845000, 1700000, 'in_stock', 1, 'Floor B'),"
  "        ('MA3FZEB1S00300003', 'Tata', 'Nexon EV', 'Empowered', 2024, 'Blue', 'electric',"
  "         1599000, 1500000, 'reserved', 1, 'Yard')";

/* As a user whose system speaks @language. The suite's environment says LANGUAGE=C;
 * gettext reads it again once the locale is set again. */
static void
use_language (const char *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "");
}

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  sr_test_exec (dbname, seed_sql);
}

static void
teardown (void)
{
  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  sr_ui_settle ();
  use_language ("C");
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

/* The label of the sign-in page's button. */
static const char *
sign_in_label (void)
{
  GtkStack *stack = GTK_STACK (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW, "stack"));
  GtkWidget *page = gtk_stack_get_child_by_name (stack, "sign-in");
  GtkStack *button_stack = GTK_STACK (sr_ui_child (page, SR_TYPE_SIGN_IN_PAGE, "button_stack"));

  return gtk_label_get_label (GTK_LABEL (gtk_stack_get_child_by_name (button_stack, "label")));
}

static gboolean
stock_counted (gpointer data)
{
  GtkWidget *view = sr_ui_page (window, "stock");
  GtkWidget *label = sr_ui_child (view, SR_TYPE_STOCK_VIEW, "count_label");

  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), data) == 0;
}

START_TEST (test_sign_in_hindi)
{
  g_autofree char *shot = NULL;

  use_language ("hi");
  window = sr_ui_window_new ();
  ck_assert_str_eq (sign_in_label (), "साइन इन करें (_S)");
  ck_assert_str_eq (gtk_window_get_title (GTK_WINDOW (window)), "Showroom");
  shot = sr_ui_screenshot (window, "sign-in-hi");
}
END_TEST

START_TEST (test_stock_french)
{
  g_autofree char *shot = NULL;

  use_language ("fr");
  window = sr_ui_window_new ();
  ck_assert_str_eq (sign_in_label (), "_Se connecter");

  sr_ui_sign_in (window, server, "manager@mumbai.test");
  /* A plural from the code, formatted with its number. */
  sr_ui_wait_until (stock_counted, "3 véhicules");
  shot = sr_ui_screenshot (window, "stock-fr");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-i18n");
  TCase *languages = tcase_create ("languages");

  /* gettext ignores LANGUAGE in the plain C locale; C.UTF-8 is on every glibc system. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);

  tcase_add_checked_fixture (languages, setup, teardown);
  tcase_add_test (languages, test_sign_in_hindi);
  tcase_add_test (languages, test_stock_french);
  suite_add_tcase (suite, languages);

  return sr_ui_run (suite);
}
