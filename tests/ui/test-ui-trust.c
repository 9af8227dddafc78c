/* test-ui-trust.c: trust on first use against a real showroomd with TLS: the first
 * connection shows the certificate's fingerprint and asks, the answer is kept per server,
 * a changed certificate is refused with a warning; and changing one's password. */
#define G_LOG_DOMAIN "test-ui-trust"

#include "config.h"

#include <check.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sr-application.h"
#include "sr-client.h"
#include "sr-error.h"
#include "sr-sign-in-page.h"
#include "sr-ui-test.h"
#include "sr-window.h"

#define FINGERPRINT_LINE "TLS certificate SHA-256 fingerprint: "
#define NEW_PASSWORD     "battery-staple-42"

static char *dbname;
static char *conninfo;
static char *state_dir;
static SrTestServer *server;
static GSettings *settings;
static SrClient *client;
static SrWindow *window;

/* --- the window, as the app makes it: with its settings ------------------------------- */

static void
open_window (void)
{
  client = sr_client_new (settings);
  window = sr_window_new (NULL, client, settings);
  gtk_window_set_default_size (GTK_WINDOW (window), 1180, 720);
  sr_window_start (window);
  gtk_window_present (GTK_WINDOW (window));
  sr_ui_settle ();
}

/* Quitting the app: the window and its client go, the settings stay. */
static void
close_window (void)
{
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  g_clear_object (&client);
  sr_ui_settle ();
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

static char *
make_state_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sr-ui-trust-XXXXXX", &error);

  ck_assert_msg (dir != NULL, "%s", error ? error->message : "?");
  return dir;
}

static void
setup_tls (void)
{
  const char *keys[] = { "server-address", "use-tls", "last-email", "remember",
                         "pinned-certificates" };

  dbname = sr_test_new_database (&conninfo);
  state_dir = make_state_dir ();
  server = sr_test_server_start (conninfo, "--state-dir", state_dir, NULL);

  /* A first start of the app on this computer: nothing remembered yet. */
  settings = sr_settings_new ();
  ck_assert_ptr_nonnull (settings);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
  open_window ();
}

static void
teardown_tls (void)
{
  close_window ();
  g_clear_object (&settings);
  sr_test_fixture_stop (&dbname, &conninfo, &server);
  remove_dir (state_dir);
  g_clear_pointer (&state_dir, g_free);
}

/* --- what the screen shows ----------------------------------------------------------- */

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

static gboolean
on_main_page (gpointer data)
{
  return g_strcmp0 (sr_window_get_page (window), "main") == 0;
}

static const char *
status (void)
{
  return gtk_label_get_text (GTK_LABEL (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW,
                                                     "status_label")));
}

/* The shown message dialog, if any. */
static AdwMessageDialog *
shown_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) widget = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (widget) && gtk_widget_get_visible (widget))
        return ADW_MESSAGE_DIALOG (widget);
    }
  return NULL;
}

static AdwMessageDialog *
wait_for_dialog (void)
{
  return ADW_MESSAGE_DIALOG (sr_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG, NULL));
}

static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child))
        g_ptr_array_add (labels, child);
      collect_labels (child, labels);
    }
}

/* Upper-case hex digits only: a fingerprint however it is grouped or wrapped. */
static char *
hex_only (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    if (g_ascii_isdigit (*p) || (*p >= 'A' && *p <= 'F'))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

/* The label on @dialog that shows @fingerprint, or NULL. */
static GtkLabel *
fingerprint_label (AdwMessageDialog *dialog,
                   const char       *fingerprint)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autofree char *wanted = hex_only (fingerprint);

  collect_labels (GTK_WIDGET (dialog), labels);
  for (guint i = 0; i < labels->len; i++)
    {
      g_autofree char *shown = hex_only (gtk_label_get_text (labels->pdata[i]));

      if (strstr (shown, wanted) != NULL)
        return labels->pdata[i];
    }
  return NULL;
}

/* Everything the dialog says, as one text. */
static char *
dialog_text (AdwMessageDialog *dialog)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  collect_labels (GTK_WIDGET (dialog), labels);
  for (guint i = 0; i < labels->len; i++)
    g_string_append_printf (text, "%s\n", gtk_label_get_text (labels->pdata[i]));
  return g_string_free (text, FALSE);
}

/* --- the certificate ----------------------------------------------------------------- */

static char *
sha256_pairs (GByteArray *der)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *out = g_string_new (NULL);

  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

/* The fingerprint of the certificate in @dir, as an administrator would compute it, and
 * checked against the one the server logged at start. */
static char *
server_fingerprint (SrTestServer *from,
                    const char   *dir)
{
  g_autofree char *path = g_build_filename (dir, "tls-cert.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = sr_test_server_get_log (from);
  const char *logged = strstr (log, FINGERPRINT_LINE);
  char *fingerprint;

  certificate = g_tls_certificate_new_from_file (path, &error);
  ck_assert_msg (certificate != NULL, "%s: %s", path, error ? error->message : "?");
  g_object_get (certificate, "certificate", &der, NULL);
  fingerprint = sha256_pairs (der);

  ck_assert_msg (logged != NULL, "no fingerprint in the server log:\n%s", log);
  ck_assert_msg (strncmp (logged + strlen (FINGERPRINT_LINE), fingerprint, strlen (fingerprint)) == 0,
                 "the server logged another fingerprint than its certificate's %s", fingerprint);
  return fingerprint;
}

static char *
pinned (const char *address)
{
  g_autoptr(GVariant) pins = g_settings_get_value (settings, "pinned-certificates");
  char *fingerprint = NULL;

  if (!g_variant_lookup (pins, address, "s", &fingerprint))
    return NULL;
  return fingerprint;
}

static guint
n_pinned (void)
{
  g_autoptr(GVariant) pins = g_settings_get_value (settings, "pinned-certificates");

  return g_variant_n_children (pins);
}

static void
sign_in_tls (const char *password)
{
  sr_ui_fill_sign_in (GTK_WIDGET (window), TRUE, sr_test_server_get_address (server),
                      "manager@mumbai.test", password);
}

/* The first-contact question for @fingerprint: heading, the fingerprint itself, and
 * Cancel as the safe default. */
static AdwMessageDialog *
wait_for_question (const char *fingerprint)
{
  AdwMessageDialog *dialog = wait_for_dialog ();
  g_autofree char *text = dialog_text (dialog);

  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Trust This Server?");
  ck_assert_msg (fingerprint_label (dialog, fingerprint) != NULL,
                 "the question does not show the fingerprint %s:\n%s", fingerprint, text);
  ck_assert_msg (strstr (text, sr_test_server_get_address (server)) != NULL,
                 "the question does not name the server:\n%s", text);
  ck_assert (adw_message_dialog_has_response (dialog, "cancel"));
  ck_assert (adw_message_dialog_has_response (dialog, "trust"));
  ck_assert_str_eq (adw_message_dialog_get_default_response (dialog), "cancel");
  return dialog;
}

/* --- trust on first use -------------------------------------------------------------- */

START_TEST (test_first_contact)
{
  g_autofree char *fingerprint = server_fingerprint (server, state_dir);
  const char *address = sr_test_server_get_address (server);
  g_autofree char *pin = NULL;
  g_autofree char *shot = NULL;
  AdwMessageDialog *dialog;
  GtkLabel *label;

  sign_in_tls (SR_TEST_PASSWORD);
  dialog = wait_for_question (fingerprint);
  /* The fingerprint reads as one: monospace, and selectable to paste into a message. */
  label = fingerprint_label (dialog, fingerprint);
  ck_assert (gtk_label_get_selectable (label));
  ck_assert (gtk_widget_has_css_class (GTK_WIDGET (label), "monospace"));
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "trust-first-contact");
  /* Nothing is sent or kept before the user says yes. */
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  ck_assert_uint_eq (n_pinned (), 0);

  sr_ui_respond (dialog, "trust");
  sr_ui_wait_until (on_main_page, NULL);
  ck_assert_msg (g_str_has_prefix (status (), "Online"), "status says \"%s\"", status ());
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_ONLINE);
  pin = pinned (address);
  ck_assert_msg (pin != NULL, "nothing pinned for %s", address);
  ck_assert_str_eq (pin, fingerprint);

  /* Signing in again does not ask again... */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL));
  sr_ui_settle ();
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  sign_in_tls (SR_TEST_PASSWORD);
  sr_ui_wait_until (on_main_page, NULL);
  ck_assert_ptr_null (shown_dialog ());
  ck_assert_msg (g_str_has_prefix (status (), "Online"), "status says \"%s\"", status ());

  /* ...nor after the app is closed and opened again. */
  close_window ();
  open_window ();
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  sign_in_tls (SR_TEST_PASSWORD);
  sr_ui_wait_until (on_main_page, NULL);
  ck_assert_ptr_null (shown_dialog ());
}
END_TEST

START_TEST (test_first_contact_refused)
{
  g_autofree char *fingerprint = server_fingerprint (server, state_dir);
  AdwMessageDialog *dialog;

  sign_in_tls (SR_TEST_PASSWORD);
  dialog = wait_for_question (fingerprint);
  sr_ui_respond (dialog, "cancel");

  ck_assert_str_eq (message (), "Not connected: the server’s certificate was not trusted.");
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_SIGNED_OUT);
  ck_assert_msg (g_str_has_prefix (status (), "Offline"), "status says \"%s\"", status ());
  ck_assert_uint_eq (n_pinned (), 0);

  /* Nothing was kept: the next attempt asks again. */
  gtk_revealer_set_reveal_child (GTK_REVEALER (field ("message_revealer")), FALSE);
  sign_in_tls (SR_TEST_PASSWORD);
  dialog = wait_for_question (fingerprint);
  sr_ui_respond (dialog, "cancel");
  ck_assert_str_eq (message (), "Not connected: the server’s certificate was not trusted.");
}
END_TEST

START_TEST (test_changed_certificate)
{
  g_autofree char *first = server_fingerprint (server, state_dir);
  g_autofree char *address = g_strdup (sr_test_server_get_address (server));
  g_autofree char *other_dir = make_state_dir ();
  g_autofree char *second = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *text = NULL;
  g_autofree char *shot = NULL;
  AdwMessageDialog *dialog;

  /* Trusted the first server once... */
  sign_in_tls (SR_TEST_PASSWORD);
  sr_ui_respond (wait_for_question (first), "trust");
  sr_ui_wait_until (on_main_page, NULL);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL));
  sr_ui_settle ();

  /* ...then another one answers at the same address, with its own certificate. */
  ck_assert_int_eq (sr_test_server_stop (server), 0);
  g_clear_pointer (&server, sr_test_server_free);
  server = sr_test_server_start (conninfo, "--state-dir", other_dir, "--listen", address, NULL);
  ck_assert_str_eq (sr_test_server_get_address (server), address);
  second = server_fingerprint (server, other_dir);
  ck_assert_str_ne (second, first);

  sign_in_tls (SR_TEST_PASSWORD);
  dialog = wait_for_dialog ();
  text = dialog_text (dialog);
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Server Identity Changed");
  ck_assert_msg (strstr (text, address) != NULL, "the warning does not name the server:\n%s", text);
  ck_assert_msg (strstr (text, "impersonat") != NULL, "the warning does not name the danger:\n%s", text);
  ck_assert_msg (strstr (text, "IT contact") != NULL, "the warning does not say whom to ask:\n%s", text);
  /* The new fingerprint, for the IT contact to check; and no way to trust it from here. */
  ck_assert_msg (fingerprint_label (dialog, second) != NULL, "no fingerprint %s in:\n%s", second, text);
  ck_assert (!adw_message_dialog_has_response (dialog, "trust"));
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "trust-changed");
  sr_ui_respond (dialog, "close");

  /* Refused: the page says so after the dialog is gone, and the old pin stays. */
  ck_assert_msg (strstr (message (), "certificate has changed") != NULL, "message: %s",
                 gtk_label_get_text (GTK_LABEL (field ("message_label"))));
  ck_assert_str_eq (sr_window_get_page (window), "sign-in");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_SIGNED_OUT);
  pin = pinned (address);
  ck_assert_str_eq (pin, first);

  /* Trying again changes nothing. */
  gtk_revealer_set_reveal_child (GTK_REVEALER (field ("message_revealer")), FALSE);
  sign_in_tls (SR_TEST_PASSWORD);
  dialog = wait_for_dialog ();
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Server Identity Changed");
  sr_ui_respond (dialog, "close");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_SIGNED_OUT);

  /* Once the pin is deliberately removed (gsettings reset) and the app started again,
   * the server is a first contact again. */
  g_settings_reset (settings, "pinned-certificates");
  close_window ();
  open_window ();
  sign_in_tls (SR_TEST_PASSWORD);
  sr_ui_respond (wait_for_question (second), "trust");
  sr_ui_wait_until (on_main_page, NULL);

  remove_dir (other_dir);
}
END_TEST

/* --- changing one's password ---------------------------------------------------------- */

static void
setup_plain (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
  window = SR_WINDOW (sr_ui_window_new ());
  client = g_object_ref (sr_window_get_client (window));
  sr_ui_sign_in (GTK_WIDGET (window), server, "sales@mumbai.test");
}

static void
teardown_plain (void)
{
  close_window ();
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SignIn;

static void
other_signed_in_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SignIn *sign_in = user_data;

  sign_in->ok = sr_client_sign_in_finish (SR_CLIENT (object), result, &sign_in->error);
  sign_in->done = TRUE;
}

/* Whether @password signs sales@mumbai.test in at another counter. */
static gboolean
other_counter_signs_in (const char *password)
{
  g_autoptr(SrClient) other = sr_client_new (NULL);
  SignIn sign_in = { FALSE, FALSE, NULL };

  sr_client_sign_in_async (other, sr_test_server_get_address (server), FALSE, "sales@mumbai.test",
                           password, FALSE, NULL, other_signed_in_cb, &sign_in);
  sr_test_wait (&sign_in.done);
  if (!sign_in.ok)
    {
      ck_assert_msg (g_error_matches (sign_in.error, SR_ERROR, SR_ERROR_BAD_CREDENTIALS),
                     "signing in failed otherwise: %s", sign_in.error->message);
      g_clear_error (&sign_in.error);
      return FALSE;
    }
  sr_client_sign_out (other);
  return TRUE;
}

static void
collect_entries (GtkWidget *widget,
                 GPtrArray *entries)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_PASSWORD_ENTRY (child))
        g_ptr_array_add (entries, child);
      else
        collect_entries (child, entries);
    }
}

/* Opens Change Password from the user menu and types the three passwords. */
static AdwMessageDialog *
fill_change_password (const char *current,
                      const char *new_password,
                      const char *again)
{
  const char *placeholders[] = { "Current password", "New password (10 characters or more)",
                                 "New password again" };
  const char *texts[] = { current, new_password, again };
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  AdwMessageDialog *dialog;

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.change-password", NULL));
  dialog = wait_for_dialog ();
  ck_assert_str_eq (adw_message_dialog_get_heading (dialog), "Change Password");
  collect_entries (GTK_WIDGET (dialog), entries);
  ck_assert_uint_eq (entries->len, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *placeholder = NULL;

      g_object_get (entries->pdata[i], "placeholder-text", &placeholder, NULL);
      ck_assert_str_eq (placeholder, placeholders[i]);
      sr_ui_type (entries->pdata[i], texts[i]);
    }
  return dialog;
}

static gboolean
find_label (GtkWidget  *widget,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if ((GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0) ||
        find_label (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
toast_shown (gpointer data)
{
  return find_label (sr_ui_child (GTK_WIDGET (window), SR_TYPE_WINDOW, "toast_overlay"), data);
}

START_TEST (test_change_password)
{
  g_autofree char *shot = NULL;
  AdwMessageDialog *dialog;

  dialog = fill_change_password (SR_TEST_PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
  shot = sr_ui_screenshot (GTK_WIDGET (dialog), "change-password");
  sr_ui_respond (dialog, "change");
  sr_ui_wait_until (toast_shown, "Password changed. Your other sessions have been signed out.");

  /* This session goes on; elsewhere only the new password works. */
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_ONLINE);
  ck_assert_str_eq (sr_window_get_page (window), "main");
  ck_assert (other_counter_signs_in (NEW_PASSWORD));
  ck_assert (!other_counter_signs_in (SR_TEST_PASSWORD));
}
END_TEST

START_TEST (test_change_password_mismatch)
{
  sr_ui_respond (fill_change_password (SR_TEST_PASSWORD, NEW_PASSWORD, "battery-staple-43"), "change");
  sr_ui_wait_until (toast_shown, "The two new passwords differ; nothing changed.");
  ck_assert (other_counter_signs_in (SR_TEST_PASSWORD));
  ck_assert (!other_counter_signs_in (NEW_PASSWORD));
}
END_TEST

START_TEST (test_change_password_wrong_current)
{
  sr_ui_respond (fill_change_password ("not-my-password", NEW_PASSWORD, NEW_PASSWORD), "change");
  sr_ui_wait_until (toast_shown, "The current password was wrong; nothing changed.");
  ck_assert_int_eq (sr_client_get_state (client), SR_CLIENT_ONLINE);
  ck_assert (other_counter_signs_in (SR_TEST_PASSWORD));
  ck_assert (!other_counter_signs_in (NEW_PASSWORD));
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ui-trust");
  TCase *trust = tcase_create ("trust");
  TCase *password = tcase_create ("password");

  tcase_add_checked_fixture (trust, setup_tls, teardown_tls);
  tcase_add_test (trust, test_first_contact);
  tcase_add_test (trust, test_first_contact_refused);
  tcase_add_test (trust, test_changed_certificate);
  suite_add_tcase (suite, trust);

  tcase_add_checked_fixture (password, setup_plain, teardown_plain);
  tcase_add_test (password, test_change_password);
  tcase_add_test (password, test_change_password_mismatch);
  tcase_add_test (password, test_change_password_wrong_current);
  suite_add_tcase (suite, password);

  return sr_ui_run (suite);
}
