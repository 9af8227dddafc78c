/* test-ui-sign-in.c: the sign-in page against a real showroomd: a good sign-in reaches
 * the stock, and each way of failing says what happened and stays on the page. */
#define G_LOG_DOMAIN "test-ui-sign-in"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-client.h"
#include "sr-sign-in-page.h"
#include "sr-ui-test.h"
#include "sr-window.h"

static char *dbname;
static char *conninfo;
static SrTestServer *server;
static SrClient *client;
static SrWindow *window;

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  window = SR_WINDOW (sr_ui_window_new ());
  client = g_object_ref (sr_window_get_client (window));
}

static void
teardown (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  g_clear_object (&client);
  sr_ui_settle ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

static GtkWidget *
page (void)
{
  GtkStack *stack = GTK_STACK (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW, "stack"));

  return gtk_stack_get_child_by_name (stack, "sign-in");
}

static GtkWidget *
field (const char *name)
{
  return sr_ui_child (page (), SR_TYPE_SIGN_IN_PAGE, name);
}

static void
sign_in_as (const char *address,
            const char *email,
            const char *password)
{
  sr_ui_fill_sign_in (GTK_WIDGET (window), FALSE, address, email, password);
}

/* The message the page shows once the attempt is over (the button is back). */
static gboolean
attempt_over (gpointer data)
{
  GtkStack *stack = GTK_STACK (field ("button_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), "label") == 0 &&
         gtk_revealer_get_reveal_child (GTK_REVEALER (field ("message_revealer")));
}

static const char *
message (void)
{
  sr_ui_wait_until (attempt_over, NULL);
  return gtk_label_get_text (GTK_LABEL (field ("message_label")));
}

START_TEST (test_sign_in)
{
  g_autofree char *shot = NULL;
  GtkLabel *status;

  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  shot = sr_ui_screenshot (GTK_WIDGET (window), "sign-in");
  g_clear_pointer (&shot, g_free);

  sr_ui_sign_in (GTK_WIDGET (window), server, "manager@mumbai.test");

  /* Signed in: the header says who and that the connection is live. */
  status = GTK_LABEL (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW, "status_label"));
  ck_assert_msg (g_str_has_prefix (gtk_label_get_text (status), "Online"),
                 "status says \"%s\"", gtk_label_get_text (status));
  ck_assert_str_eq (gtk_widget_get_tooltip_text (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW,
                                                              "user_button")),
                    "Mumbai Manager (Manager)");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_ONLINE);
  shot = sr_ui_screenshot (GTK_WIDGET (window), "stock-after-sign-in");

  /* Signing out returns to the page, with the password gone. */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL));
  sr_ui_settle ();
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (field ("password_row"))), "");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_SIGNED_OUT);
}
END_TEST

START_TEST (test_wrong_password)
{
  g_autofree char *shot = NULL;

  sign_in_as (sr_test_server_get_address (server), "manager@mumbai.test", "not-the-password");
  ck_assert_str_eq (message (), "Wrong e-mail or password.");
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_SIGNED_OUT);
  shot = sr_ui_screenshot (GTK_WIDGET (window), "sign-in-wrong-password");

  /* An unknown address reads the same: the page does not tell who has an account. */
  sign_in_as (sr_test_server_get_address (server), "nobody@mumbai.test", SR_TEST_PASSWORD);
  ck_assert_str_eq (message (), "Wrong e-mail or password.");
}
END_TEST

START_TEST (test_rate_limited)
{
  for (guint i = 0; i < 5; i++)
    {
      sign_in_as (sr_test_server_get_address (server), "sales@mumbai.test", "guess-again-please");
      ck_assert_str_eq (message (), "Wrong e-mail or password.");
      gtk_revealer_set_reveal_child (GTK_REVEALER (field ("message_revealer")), FALSE);
    }

  /* The sixth, with the right password, is refused with the wait. */
  sign_in_as (sr_test_server_get_address (server), "sales@mumbai.test", SR_TEST_PASSWORD);
  ck_assert_msg (g_str_has_prefix (message (), "Too many failed attempts. Try again in"),
                 "message: %s", gtk_label_get_text (GTK_LABEL (field ("message_label"))));
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
}
END_TEST

START_TEST (test_unreachable)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autofree char *address = NULL;
  guint16 port;

  /* A port nobody listens on: take one, then let it go. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_socket_listener_close (listener);
  address = g_strdup_printf ("127.0.0.1:%u", port);

  sign_in_as (address, "manager@mumbai.test", SR_TEST_PASSWORD);
  ck_assert_msg (g_str_has_prefix (message (), "Cannot reach the server at 127.0.0.1:"),
                 "message: %s", gtk_label_get_text (GTK_LABEL (field ("message_label"))));

  sign_in_as ("not a server address", "manager@mumbai.test", SR_TEST_PASSWORD);
  ck_assert_msg (strstr (message (), "is not a server address") != NULL,
                 "message: %s", gtk_label_get_text (GTK_LABEL (field ("message_label"))));

  /* Empty fields are caught before anything is sent. */
  sr_ui_type (field ("password_row"), "");
  ck_assert (gtk_widget_activate_action (page (), "sign-in.sign-in", NULL));
  ck_assert_str_eq (message (), "Enter your e-mail address and password.");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-sign-in");
  TCase *sign_in = tcase_create ("sign-in");

  tcase_add_checked_fixture (sign_in, setup, teardown);
  tcase_add_test (sign_in, test_sign_in);
  tcase_add_test (sign_in, test_wrong_password);
  tcase_add_test (sign_in, test_rate_limited);
  tcase_add_test (sign_in, test_unreachable);
  suite_add_tcase (suite, sign_in);

  return sr_ui_run (suite);
}
