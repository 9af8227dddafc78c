/* sr-sign-in-page.c: signing in, and saying plainly what went wrong.
 *
 * A first connection to a server with a self-signed certificate stops to show its
 * fingerprint and ask; once trusted it is pinned, and a server that later shows another
 * certificate is refused with a warning instead of a question.
 */
#define G_LOG_DOMAIN "sr-sign-in-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-error.h"
#include "sr-sign-in-page.h"

struct _SrSignInPage
{
  GtkWidget     parent_instance;

  /* Template widgets */
  GtkWidget    *box;
  AdwEntryRow  *server_row;
  AdwEntryRow  *email_row;
  AdwEntryRow  *password_row;
  GtkSwitch    *remember_switch;
  GtkSwitch    *tls_switch;
  GtkRevealer  *message_revealer;
  GtkLabel     *message_label;
  GtkStack     *button_stack;
  GtkLabel     *help_label;

  /* Owned */
  SrClient     *client;
  GSettings    *settings;
  GCancellable *cancellable;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (SrSignInPage, sr_sign_in_page, GTK_TYPE_WIDGET)

void
sr_sign_in_page_show_message (SrSignInPage *self,
                              const char   *message)
{
  g_return_if_fail (SR_IS_SIGN_IN_PAGE (self));

  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
}

void
sr_sign_in_page_focus (SrSignInPage *self)
{
  const char *server = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *email = gtk_editable_get_text (GTK_EDITABLE (self->email_row));

  if (*server == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
  else if (*email == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

void
sr_sign_in_page_set_server (SrSignInPage *self,
                            const char   *address,
                            gboolean      use_tls)
{
  g_return_if_fail (SR_IS_SIGN_IN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), address);
  gtk_switch_set_active (self->tls_switch, use_tls);
}

static void
set_busy (SrSignInPage *self,
          gboolean      busy)
{
  self->busy = busy;
  gtk_stack_set_visible_child_name (self->button_stack, busy ? "spinner" : "label");
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->email_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.sign-in", !busy);
}

/* What the user should read for each way a sign-in can fail. */
static char *
describe_failure (const GError *error)
{
  JsonObject *extra;

  if (error->domain == SR_ERROR)
    switch (error->code)
      {
      case SR_ERROR_BAD_CREDENTIALS:
        return g_strdup (_("Wrong e-mail or password."));
      case SR_ERROR_RATE_LIMITED:
        {
          gint64 wait = 0;

          extra = sr_error_get_extra (error);
          if (extra != NULL)
            wait = json_object_get_int_member_with_default (extra, "retry_after_s", 0);
          if (wait > 60)
            return g_strdup_printf (ngettext ("Too many failed attempts. Try again in %d minute.",
                                              "Too many failed attempts. Try again in %d minutes.",
                                              (int) ((wait + 59) / 60)),
                                    (int) ((wait + 59) / 60));
          return g_strdup_printf (ngettext ("Too many failed attempts. Try again in %d second.",
                                            "Too many failed attempts. Try again in %d seconds.",
                                            (int) MAX (wait, 1)),
                                  (int) MAX (wait, 1));
        }
      case SR_ERROR_UNSUPPORTED_PROTOCOL:
        return g_strdup (_("This server speaks another version of the Showroom protocol. "
                           "Update the app or the server so that they match."));
      case SR_ERROR_UNAVAILABLE:
        return g_strdup (_("The server cannot reach its database right now. Try again shortly."));
      case SR_ERROR_INVALID_PARAMS:
        return g_strdup (_("Enter an e-mail address and a password."));
      default:
        break;
      }
  if (g_error_matches (error, SR_CLIENT_ERROR, SR_CLIENT_ERROR_CERTIFICATE_CHANGED))
    return g_strdup (_("Not signed in: the server’s certificate has changed. Ask your IT contact "
                       "before signing in."));

  return g_strdup (error->message);
}

static void sign_in (SrSignInPage *self);

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   SrSignInPage     *self)
{
  if (g_str_equal (response, "trust"))
    {
      sr_client_trust_certificate (self->client,
                                   gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                                   g_object_get_data (G_OBJECT (dialog), "fingerprint"));
      sign_in (self);
    }
  else
    sr_sign_in_page_show_message (self, _("Not connected: the server’s certificate was not trusted."));
}

/* "AB:CD:…" in four lines of eight bytes, monospace and selectable: easy to read out
 * over the phone, or to copy into a message. */
static GtkWidget *
fingerprint_label (const char *fingerprint)
{
  g_autoptr(GString) grouped = g_string_new (NULL);
  GtkWidget *label;
  guint pairs = 0;

  for (const char *p = fingerprint ? fingerprint : ""; *p; p++)
    {
      if (*p == ':' && ++pairs % 8 == 0)
        g_string_append_c (grouped, '\n');
      else
        g_string_append_c (grouped, *p);
    }

  label = gtk_label_new (grouped->len > 0 ? grouped->str : _("unknown"));
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (label, "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("SHA-256 fingerprint"), -1);
  return label;
}

/* Trust on first use: the fingerprint, to compare with what the server's log or its
 * administrator says. */
static void
ask_trust (SrSignInPage *self,
           const char   *fingerprint)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_markup_printf_escaped (_("This is the first connection from this computer to "
                                    "<b>%s</b>. Ask your IT contact whether this is the server’s "
                                    "certificate fingerprint (SHA-256). Trust it only if it "
                                    "matches: Showroom will then refuse any other certificate "
                                    "from this server."),
                                  sr_client_get_address (self->client));
  dialog = adw_message_dialog_new (GTK_WINDOW (root), _("Trust This Server?"), NULL);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), TRUE);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), fingerprint_label (fingerprint));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", _("_Trust and Connect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (trust_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A pinned server that shows another certificate: no way on from here, only whom to
 * ask. The new fingerprint is for that person to check. */
static void
warn_changed (SrSignInPage *self,
              const char   *fingerprint)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_markup_printf_escaped (_("The server at <b>%s</b> shows a different certificate than "
                                    "the one trusted before. Someone may be impersonating the "
                                    "server to capture passwords and data, so Showroom did not "
                                    "sign in.\n\n"
                                    "Do not try again. Ask your IT contact whether the server’s "
                                    "certificate was replaced, and show them its new fingerprint:"),
                                  sr_client_get_address (self->client));
  dialog = adw_message_dialog_new (GTK_WINDOW (root), _("Server Identity Changed"), NULL);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), TRUE);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), fingerprint_label (fingerprint));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
signed_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SrSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (sr_client_sign_in_finish (SR_CLIENT (object), result, &error))
    {
      set_busy (self, FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      sr_sign_in_page_show_message (self, NULL);
      return;
    }

  set_busy (self, FALSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (g_error_matches (error, SR_CLIENT_ERROR, SR_CLIENT_ERROR_UNTRUSTED_CERTIFICATE))
    {
      sr_sign_in_page_show_message (self, NULL);
      ask_trust (self, sr_client_get_peer_fingerprint (SR_CLIENT (object)));
      return;
    }

  message = describe_failure (error);
  sr_sign_in_page_show_message (self, message);
  if (g_error_matches (error, SR_CLIENT_ERROR, SR_CLIENT_ERROR_CERTIFICATE_CHANGED))
    warn_changed (self, sr_client_get_peer_fingerprint (SR_CLIENT (object)));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_BAD_CREDENTIALS))
    {
      gtk_editable_select_region (GTK_EDITABLE (self->password_row), 0, -1);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
    }
}

static void
sign_in (SrSignInPage *self)
{
  g_autofree char *server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autofree char *email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (self->busy)
    return;

  if (*server == '\0')
    {
      sr_sign_in_page_show_message (self, _("Enter the address of your Showroom server."));
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }
  if (*email == '\0' || *password == '\0')
    {
      sr_sign_in_page_show_message (self, _("Enter your e-mail address and password."));
      sr_sign_in_page_focus (self);
      return;
    }

  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  sr_client_sign_in_async (self->client, server, gtk_switch_get_active (self->tls_switch),
                           email, password,
                           gtk_switch_get_active (self->remember_switch), self->cancellable,
                           signed_in_cb, g_object_ref (self));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  sign_in (SR_SIGN_IN_PAGE (widget));
}

/* Enter in a field moves on to the next empty one, or signs in. */
static void
row_activated_cb (SrSignInPage *self,
                  AdwEntryRow  *row)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->email_row)) == '\0' && row == self->server_row)
    gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0' &&
           row != self->password_row)
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  else
    sign_in (self);
}

GtkWidget *
sr_sign_in_page_new (SrClient  *client,
                     GSettings *settings)
{
  SrSignInPage *self = g_object_new (SR_TYPE_SIGN_IN_PAGE, NULL);
  g_autofree char *server = NULL;
  g_autofree char *email = NULL;

  self->client = g_object_ref (client);
  g_set_object (&self->settings, settings);

  if (settings != NULL)
    {
      server = g_settings_get_string (settings, "server-address");
      email = g_settings_get_string (settings, "last-email");
      gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
      gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
      gtk_switch_set_active (self->tls_switch, g_settings_get_boolean (settings, "use-tls"));
      gtk_switch_set_active (self->remember_switch, g_settings_get_boolean (settings, "remember"));
    }

  return GTK_WIDGET (self);
}

static void
sr_sign_in_page_dispose (GObject *object)
{
  SrSignInPage *self = SR_SIGN_IN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_SIGN_IN_PAGE);

  G_OBJECT_CLASS (sr_sign_in_page_parent_class)->dispose (object);
}

static void
sr_sign_in_page_finalize (GObject *object)
{
  SrSignInPage *self = SR_SIGN_IN_PAGE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sr_sign_in_page_parent_class)->finalize (object);
}

static void
sr_sign_in_page_class_init (SrSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_sign_in_page_dispose;
  object_class->finalize = sr_sign_in_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-sign-in-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, box);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, remember_switch);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, button_stack);
  gtk_widget_class_bind_template_child (widget_class, SrSignInPage, help_label);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_install_action (widget_class, "sign-in.sign-in", NULL, sign_in_action);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sr_sign_in_page_init (SrSignInPage *self)
{
  const char *demo = g_getenv ("SHOWROOM_DEMO_LOGINS");
  g_autoptr(GString) help = g_string_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_string_append (help,
    _("Your Showroom administrator gives you the server’s address (for example "
      "<tt>showroom.local:7460</tt>), your e-mail address and a first password.\n\n"
      "On a first connection Showroom shows the server’s certificate fingerprint: "
      "compare it with the one your administrator gives you before trusting it."));
  /* The demo (build-aux/demo.sh) says who may sign in to it. */
  if (demo != NULL && g_utf8_validate (demo, -1, NULL))
    {
      g_autofree char *escaped = g_markup_escape_text (demo, -1);

      g_string_append_printf (help, "\n\n<b>%s</b>\n<tt>%s</tt>", _("Demo sign-ins"), escaped);
    }
  gtk_label_set_markup (self->help_label, help->str);
}
