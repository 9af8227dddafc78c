/* sr-window.c: which page shows, and the header bar's account of the connection.
 *
 * The stock view is made when a session starts and dropped when it ends, so nothing of
 * one user's data stays behind for the next one at the counter.
 */
#define G_LOG_DOMAIN "sr-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-approvals-page.h"
#include "sr-customers-page.h"
#include "sr-dashboard-page.h"
#include "sr-error.h"
#include "sr-followups-page.h"
#include "sr-sales-page.h"
#include "sr-sign-in-page.h"
#include "sr-stock-view.h"
#include "sr-window.h"

struct _SrWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  GtkStack             *stack;
  AdwStatusPage        *connecting_page;
  AdwViewSwitcherTitle *switcher_title;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  GtkMenuButton        *user_button;
  GtkWidget            *add_vehicle_button;
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *view_stack;
  AdwAvatar            *user_avatar;
  GtkLabel             *user_label;

  /* Owned */
  SrClient             *client;
  GSettings            *settings;
  GtkWidget            *sign_in_page;
  GCancellable         *cancellable;
  guint                 clock_id;
};

G_DEFINE_FINAL_TYPE (SrWindow, sr_window, ADW_TYPE_APPLICATION_WINDOW)

SrClient *
sr_window_get_client (SrWindow *self)
{
  g_return_val_if_fail (SR_IS_WINDOW (self), NULL);
  return self->client;
}

void
sr_window_set_server (SrWindow   *self,
                      const char *address,
                      gboolean    use_tls)
{
  g_return_if_fail (SR_IS_WINDOW (self));

  sr_sign_in_page_set_server (SR_SIGN_IN_PAGE (self->sign_in_page), address, use_tls);
}

void
sr_window_add_toast (SrWindow   *self,
                     const char *text)
{
  g_return_if_fail (SR_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

const char *
sr_window_get_page (SrWindow *self)
{
  g_return_val_if_fail (SR_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/* "Online · updated 14:32", "Reconnecting…", "Offline": with the time of the last
 * change seen, so a user can tell how fresh what they look at is. */
static void
update_status (SrWindow *self)
{
  GDateTime *last = sr_client_get_last_update (self->client);
  g_autofree char *time = last ? g_date_time_format (last, "%H:%M") : NULL;
  g_autofree char *text = NULL;
  const char *icon = "network-idle-symbolic";
  const char *tooltip = NULL;

  switch (sr_client_get_state (self->client))
    {
    case SR_CLIENT_ONLINE:
      text = time ? g_strdup_printf (_("Online · updated %s"), time) : g_strdup (_("Online"));
      tooltip = _("Connected: changes appear as they are made");
      icon = "network-transmit-receive-symbolic";
      break;
    case SR_CLIENT_RECONNECTING:
      text = time ? g_strdup_printf (_("Reconnecting… · last update %s"), time)
                  : g_strdup (_("Reconnecting…"));
      tooltip = _("The server cannot be reached. What you see stays, read-only, until it is back.");
      icon = "network-error-symbolic";
      break;
    case SR_CLIENT_CONNECTING:
      text = g_strdup (_("Connecting…"));
      break;
    case SR_CLIENT_SIGNED_OUT:
    default:
      text = g_strdup (_("Offline"));
      icon = "network-offline-symbolic";
      break;
    }

  gtk_label_set_text (self->status_label, text);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), tooltip);
}

static gboolean
count_to_attention (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint (from) > 0);
  return TRUE;
}

/* The pages of a session: made when it starts, dropped when it ends. */
static void
add_pages (SrWindow *self)
{
  AdwViewStackPage *page;
  GtkWidget *stock = sr_stock_view_new (self->client);
  GtkWidget *followups;
  GtkWidget *approvals;

  /* Managers have today's figures first in the switcher. */
  if (sr_client_is_manager (self->client))
    {
      page = adw_view_stack_add_titled (self->view_stack, sr_dashboard_page_new (self->client),
                                        "dashboard", _("Dashboard"));
      adw_view_stack_page_set_icon_name (page, "view-grid-symbolic");
    }

  page = adw_view_stack_add_titled (self->view_stack, stock, "stock", _("Stock"));
  adw_view_stack_page_set_icon_name (page, "view-list-symbolic");

  page = adw_view_stack_add_titled (self->view_stack, sr_customers_page_new (self->client), "customers",
                                    _("Customers"));
  adw_view_stack_page_set_icon_name (page, "avatar-default-symbolic");

  /* The badge counts what is due today, overdue included. */
  followups = sr_followups_page_new (self->client);
  page = adw_view_stack_add_titled (self->view_stack, followups, "followups", _("Follow-ups"));
  adw_view_stack_page_set_icon_name (page, "alarm-symbolic");
  g_object_bind_property (followups, "due-count", page, "badge-number", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (followups, "due-count", page, "needs-attention", G_BINDING_SYNC_CREATE,
                               count_to_attention, NULL, NULL, NULL);

  /* The badge counts what waits for this user: decisions, or their own proposals. */
  approvals = sr_approvals_page_new (self->client, sr_stock_view_get_store (SR_STOCK_VIEW (stock)));
  page = adw_view_stack_add_titled (self->view_stack, approvals, "approvals", _("Approvals"));
  adw_view_stack_page_set_icon_name (page, "emblem-ok-symbolic");
  g_object_bind_property (approvals, "pending-count", page, "badge-number", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (approvals, "pending-count", page, "needs-attention", G_BINDING_SYNC_CREATE,
                               count_to_attention, NULL, NULL, NULL);

  page = adw_view_stack_add_titled (self->view_stack, sr_sales_page_new (self->client, SR_STOCK_VIEW (stock)),
                                    "sales", C_("page title", "Sales"));
  adw_view_stack_page_set_icon_name (page, "emblem-documents-symbolic");

  /* Everyone starts at the stock, the counter's work. */
  adw_view_stack_set_visible_child_name (self->view_stack, "stock");
}

static void
remove_pages (SrWindow *self)
{
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->view_stack);

  while (g_list_model_get_n_items (G_LIST_MODEL (pages)) > 0)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), 0);

      adw_view_stack_remove (self->view_stack, adw_view_stack_page_get_child (page));
    }
}

static void
show_main (SrWindow *self)
{
  JsonObject *user = sr_client_get_user (self->client);
  g_autofree char *who = NULL;

  if (adw_view_stack_get_child_by_name (self->view_stack, "stock") == NULL)
    add_pages (self);

  if (user != NULL)
    {
      const char *role = json_object_get_string_member (user, "role");
      const char *role_name = g_str_equal (role, "admin") ? _("Administrator")
                            : g_str_equal (role, "manager") ? _("Manager") : _("Sales");

      who = g_strdup_printf ("%s (%s)", json_object_get_string_member (user, "name"), role_name);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->user_button), who);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->user_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, who, -1);
      adw_view_switcher_title_set_subtitle (self->switcher_title, who);
      gtk_widget_set_visible (self->add_vehicle_button, sr_client_is_manager (self->client));
      adw_avatar_set_text (self->user_avatar, json_object_get_string_member (user, "name"));
      gtk_label_set_text (self->user_label, json_object_get_string_member (user, "name"));
    }

  gtk_stack_set_visible_child_name (self->stack, "main");
  update_status (self);
}

static void
show_sign_in (SrWindow   *self,
              const char *message)
{
  remove_pages (self);
  gtk_stack_set_visible_child_name (self->stack, "sign-in");
  sr_sign_in_page_show_message (SR_SIGN_IN_PAGE (self->sign_in_page), message);
  sr_sign_in_page_focus (SR_SIGN_IN_PAGE (self->sign_in_page));
}

static void
state_changed_cb (SrWindow *self)
{
  switch (sr_client_get_state (self->client))
    {
    case SR_CLIENT_ONLINE:
      show_main (self);
      break;
    case SR_CLIENT_RECONNECTING:
      update_status (self);
      break;
    case SR_CLIENT_CONNECTING:
    case SR_CLIENT_SIGNED_OUT:
    default:
      update_status (self);
      break;
    }
}

static void
signed_out_cb (SrWindow     *self,
               const GError *error)
{
  g_autofree char *message = NULL;

  if (error != NULL)
    message = g_strdup_printf (_("Your session has ended (%s). Please sign in again."), error->message);
  show_sign_in (self, message);
}

static void
resumed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SrWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (sr_client_resume_finish (SR_CLIENT (object), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  show_sign_in (self, error ? error->message : NULL);
}

void
sr_window_start (SrWindow *self)
{
  g_autofree char *address = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (SR_IS_WINDOW (self));

  if (self->settings == NULL || !g_settings_get_boolean (self->settings, "remember"))
    {
      show_sign_in (self, NULL);
      return;
    }

  address = g_settings_get_string (self->settings, "server-address");
  title = g_strdup_printf (_("Connecting to %s…"), address);
  adw_status_page_set_title (self->connecting_page, title);
  gtk_stack_set_visible_child_name (self->stack, "connecting");
  sr_client_resume_async (self->client, self->cancellable, resumed_cb, g_object_ref (self));
}

/* Managers add vehicles; the button shows for them only, and the shortcut does
 * nothing for others. */
static void
add_vehicle_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SrWindow *self = SR_WINDOW (widget);
  GtkWidget *stock = adw_view_stack_get_child_by_name (self->view_stack, "stock");

  if (stock != NULL && sr_client_is_manager (self->client))
    sr_stock_view_open_vehicle (SR_STOCK_VIEW (stock), 0);
}

/* Alt+1 to Alt+6: the pages, from anywhere in the window; a page the user does not
 * have (the Dashboard for sales staff) is skipped. */
static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SrWindow *self = SR_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, name);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SrWindow *self = SR_WINDOW (widget);

  sr_client_sign_out (self->client);
}

/* Changing one's password: the current one, the new one twice. The server ends every
 * other session of the user; this one stays. */
typedef struct {
  SrWindow  *window;
  GtkWidget *old_entry;
  GtkWidget *new_entry;
  GtkWidget *again_entry;
} PasswordForm;

static void
password_form_free (gpointer  data,
                    GClosure *closure)
{
  g_free (data);
}

static void
password_changed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SrWindow) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply != NULL)
    message = g_strdup (_("Password changed. Your other sessions have been signed out."));
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_WRONG_PASSWORD))
    message = g_strdup (_("The current password was wrong; nothing changed."));
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_WEAK_PASSWORD))
    message = g_strdup (_("The new password is too short: use at least 10 characters."));
  else
    message = g_strdup_printf (_("The password was not changed: %s"), error->message);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
password_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      PasswordForm     *form)
{
  g_autoptr(JsonObject) params = NULL;
  const char *new_password;

  /* The dialog closes after this. GTK 4.8's password entry reacts to its text losing
   * focus, which would otherwise happen only when the window lets go of its focus
   * widget, after the entry itself is gone. */
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);

  if (!g_str_equal (response, "change"))
    return;

  new_password = gtk_editable_get_text (GTK_EDITABLE (form->new_entry));
  if (!g_str_equal (new_password, gtk_editable_get_text (GTK_EDITABLE (form->again_entry))))
    {
      adw_toast_overlay_add_toast (form->window->toast_overlay,
                                   adw_toast_new (_("The two new passwords differ; nothing changed.")));
      return;
    }

  params = json_object_new ();
  json_object_set_string_member (params, "old", gtk_editable_get_text (GTK_EDITABLE (form->old_entry)));
  json_object_set_string_member (params, "new", new_password);
  sr_client_call_async (form->window->client, "auth.change_password", params, NULL,
                        password_changed_cb, g_object_ref (form->window));
}

static GtkWidget *
password_entry (GtkWidget  *box,
                const char *label)
{
  GtkWidget *entry = gtk_password_entry_new ();

  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  g_object_set (entry, "placeholder-text", label, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_box_append (GTK_BOX (box), entry);
  return entry;
}

static void
change_password_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SrWindow *self = SR_WINDOW (widget);
  PasswordForm *form = g_new0 (PasswordForm, 1);
  GtkWidget *dialog;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  form->window = self;
  form->old_entry = password_entry (box, _("Current password"));
  form->new_entry = password_entry (box, _("New password (10 characters or more)"));
  form->again_entry = password_entry (box, _("New password again"));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Change Password"),
                                   _("Your other sessions will be signed out."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "change", _("C_hange Password"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "change",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (password_response_cb), form,
                         password_form_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The status line's clock: "updated 14:32" must not lie for long. */
static gboolean
clock_cb (gpointer user_data)
{
  update_status (SR_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

SrWindow *
sr_window_new (GtkApplication *application,
               SrClient       *client,
               GSettings      *settings)
{
  SrWindow *self = g_object_new (SR_TYPE_WINDOW, "application", application, NULL);

  self->client = g_object_ref (client);
  g_set_object (&self->settings, settings);

  self->sign_in_page = sr_sign_in_page_new (client, settings);
  gtk_stack_add_named (self->stack, self->sign_in_page, "sign-in");

  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::last-update", G_CALLBACK (update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "signed-out", G_CALLBACK (signed_out_cb), self,
                           G_CONNECT_SWAPPED);

  if (settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  update_status (self);

  return self;
}

static gboolean
sr_window_close_request (GtkWindow *window)
{
  SrWindow *self = SR_WINDOW (window);
  int width, height;

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }

  return GTK_WINDOW_CLASS (sr_window_parent_class)->close_request (window);
}

static void
sr_window_dispose (GObject *object)
{
  SrWindow *self = SR_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_WINDOW);

  G_OBJECT_CLASS (sr_window_parent_class)->dispose (object);
}

static void
sr_window_finalize (GObject *object)
{
  SrWindow *self = SR_WINDOW (object);

  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sr_window_parent_class)->finalize (object);
}

static void
sr_window_class_init (SrWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sr_window_dispose;
  object_class->finalize = sr_window_finalize;
  window_class->close_request = sr_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SrWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, user_button);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, add_vehicle_button);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, user_avatar);
  gtk_widget_class_bind_template_child (widget_class, SrWindow, user_label);

  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.add-vehicle", NULL, add_vehicle_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-vehicle", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "stock");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "approvals");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s", "customers");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-page", "s", "followups");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_ALT_MASK, "win.show-page", "s", "sales");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_6, GDK_ALT_MASK, "win.show-page", "s", "dashboard");
  gtk_widget_class_install_action (widget_class, "win.change-password", NULL, change_password_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.sign-out", NULL);
}

static void
sr_window_init (SrWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->clock_id = g_timeout_add_seconds (30, clock_cb, self);
}
