/* sr-customer-dialog.c: one customer's details and history.
 *
 * The form starts from the customer as the server last sent it (the "base"). While the
 * user has changed nothing, a change made elsewhere simply shows; once they have, the
 * base stays, so that saving over someone else's change is a version conflict: the
 * form then takes the saved version, keeps what the user typed on top and says so.
 * The history (follow-ups, reservations and purchases) is read when the window opens
 * and again whenever the feed says one of them changed.
 */
#define G_LOG_DOMAIN "sr-customer-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "sr-customer-dialog.h"
#include "sr-dialogs.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"
#include "sr-vehicle.h"
#include "sr-window.h"

#define HISTORY_LIMIT 100
/* Events come in bursts (a sale changes the sale and its vehicle): one reload each. */
#define HISTORY_DELAY_MS 250

typedef enum {
  FIELD_NAME,
  FIELD_PHONE,
  FIELD_EMAIL,
  FIELD_CITY,
  FIELD_STATUS,
  FIELD_NOTES,
  N_FIELDS
} Field;

static const char *const field_names[N_FIELDS] = { "name", "phone", "email", "city", "status", "notes" };
static const char *const statuses[] = { "lead", "active", "inactive" };
static const char *const kinds[] = { "call", "visit", "email", "sms", "test_drive" };

struct _SrCustomerDialog
{
  AdwWindow            parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  GtkButton           *save_button;
  GtkRevealer         *notice_revealer;
  GtkImage            *notice_icon;
  GtkLabel            *notice_label;
  AdwPreferencesGroup *details_group;
  GtkWidget           *name_row;
  GtkWidget           *phone_row;
  GtkWidget           *email_row;
  GtkWidget           *city_row;
  GtkWidget           *status_row;
  GtkWidget           *notes_row;
  GtkLabel            *problem_label;
  AdwPreferencesGroup *followups_group;
  GtkListBox          *followups_list;
  AdwPreferencesGroup *sales_group;
  GtkListBox          *sales_list;

  /* Owned */
  SrClient            *client;
  JsonObject          *base;          /* the customer as last read; NULL for a new one */
  GCancellable        *cancellable;
  GtkWidget           *rows[N_FIELDS];
  GtkWidget           *warnings[N_FIELDS];
  GHashTable          *vehicles;      /* vehicle id -> JsonObject, as vehicles.get gave it */
  GHashTable          *asked;         /* vehicle ids asked for */
  JsonArray           *followups;     /* the history as last read */
  JsonArray           *sales;
  char                *problem;
  gint64               id;
  guint                history_id;
  gboolean             busy;          /* a save is on its way */
  gboolean             filling;       /* setting rows from the base, not the user */
  gboolean             gone;          /* no longer visible to the user */
  gboolean             done;          /* saved: closing needs no question */
  gboolean             history_loaded;
  gboolean             state_notice;  /* the notice says offline or gone, and goes with it */
};

G_DEFINE_FINAL_TYPE (SrCustomerDialog, sr_customer_dialog, ADW_TYPE_WINDOW)

static void refresh_state (SrCustomerDialog *self);
static void load_history (SrCustomerDialog *self);
static void show_sales (SrCustomerDialog *self);

/* --- reading records --------------------------------------------------------------------- */

/* "12 Jun 2025, 14:30" in local time, from an RFC 3339 member; NULL when absent. */
static char *
member_when (JsonObject *object,
             const char *name,
             gboolean    with_time)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) local = NULL;
  const char *text = sr_member_string (object, name);

  if (*text == '\0' || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return NULL;
  local = g_date_time_to_local (time);
  /* Translators: a date (and time) in a customer's history; see strftime.
   * xgettext:no-c-format */
  return g_date_time_format (local, with_time ? _("%-d %b %Y, %H:%M") : _("%-d %b %Y"));
}

/* --- the rules --------------------------------------------------------------------------- */

char *
sr_customer_normalize_phone (const char *text)
{
  GString *phone = g_string_new (NULL);

  g_return_val_if_fail (text != NULL, NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (*p != ' ' && *p != '-' && *p != '\t')
      g_string_append_c (phone, *p);
  return g_string_free (phone, FALSE);
}

char *
sr_customer_phone_problem (const char *text)
{
  g_autofree char *phone = sr_customer_normalize_phone (text);
  const char *digits = phone[0] == '+' ? phone + 1 : phone;
  gsize n = strlen (digits);

  if (*phone == '\0')
    return NULL;
  for (const char *p = digits; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return g_strdup (_("Phone: digits only, with an optional + in front (spaces and dashes are fine)."));
  if (n < 8 || n > 15)
    return g_strdup_printf (_("Phone: 8 to 15 digits; this one has %d."), (int) n);
  return NULL;
}

char *
sr_customer_email_problem (const char *text)
{
  g_autofree char *email = g_strstrip (g_utf8_strdown (text, -1));
  const char *at = strchr (email, '@');

  if (*email == '\0')
    return NULL;

  /* As the server checks it: something@domain.tld, plainly. */
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL || strchr (at + 1, '.') == NULL ||
      g_str_has_suffix (email, ".") || at[1] == '.' || strlen (email) < 5 || strlen (email) > 254)
    return g_strdup (_("E-mail: an address such as name@example.com."));
  for (const char *p = email; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || c == '<' || c == '>' || c == ',' ||
          c == ';' || c == '"' || c == '\\')
        return g_strdup (_("E-mail: an address such as name@example.com, without spaces."));
    }
  return NULL;
}

/* What is wrong with field @i as typed, or NULL. The server checks again. */
static char *
field_problem (Field       i,
               const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  switch (i)
    {
    case FIELD_NAME:
      if (*stripped == '\0')
        return g_strdup (_("A name is needed."));
      if (g_utf8_strlen (stripped, -1) > 200)
        return g_strdup (_("Name: at most 200 characters."));
      return NULL;
    case FIELD_PHONE:
      return sr_customer_phone_problem (text);
    case FIELD_EMAIL:
      return sr_customer_email_problem (text);
    case FIELD_CITY:
      if (g_utf8_strlen (stripped, -1) > 100)
        return g_strdup (_("City: at most 100 characters."));
      return NULL;
    case FIELD_NOTES:
      if (g_utf8_strlen (text, -1) > 4000)
        return g_strdup (_("Notes: at most 4000 characters."));
      return NULL;
    case FIELD_STATUS:
    case N_FIELDS:
    default:
      return NULL;
    }
}

/* --- the form ---------------------------------------------------------------------------- */

static guint
status_index (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (statuses[i], status))
      return i;
  return 0;
}

/* What the user typed in field @i, exactly. */
static char *
raw_text (SrCustomerDialog *self,
          Field             i)
{
  if (i == FIELD_STATUS)
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (self->rows[i]));

      return g_strdup (statuses[MIN (selected, G_N_ELEMENTS (statuses) - 1)]);
    }
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rows[i])));
}

/* Field @i as it would be sent: names lose stray spaces, phones their spaces and
 * dashes, addresses are lower case; notes keep their shape. */
static char *
input_value (SrCustomerDialog *self,
             Field             i)
{
  g_autofree char *raw = raw_text (self, i);

  switch (i)
    {
    case FIELD_PHONE:
      return sr_customer_normalize_phone (raw);
    case FIELD_EMAIL:
      return g_strstrip (g_utf8_strdown (raw, -1));
    case FIELD_NAME:
    case FIELD_CITY:
      return g_strstrip (g_steal_pointer (&raw));
    case FIELD_STATUS:
    case FIELD_NOTES:
    case N_FIELDS:
    default:
      return g_steal_pointer (&raw);
    }
}

static const char *
base_value (SrCustomerDialog *self,
            Field             i)
{
  if (self->base == NULL)
    return i == FIELD_STATUS ? "lead" : "";
  return sr_member_string (self->base, field_names[i]);
}

static gboolean
field_changed (SrCustomerDialog *self,
               Field             i)
{
  g_autofree char *now = input_value (self, i);

  return !g_str_equal (now, base_value (self, i));
}

static gboolean
is_dirty (SrCustomerDialog *self)
{
  for (Field i = 0; i < N_FIELDS; i++)
    if (field_changed (self, i))
      return TRUE;
  return FALSE;
}

static void
set_input (SrCustomerDialog *self,
           Field             i,
           const char       *value)
{
  if (i == FIELD_STATUS)
    adw_combo_row_set_selected (ADW_COMBO_ROW (self->rows[i]), status_index (value));
  else
    gtk_editable_set_text (GTK_EDITABLE (self->rows[i]), value);
}

static void
show_notice (SrCustomerDialog *self,
             const char       *icon,
             const char       *text)
{
  if (text == NULL)
    {
      gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
      return;
    }
  gtk_image_set_from_icon_name (self->notice_icon, icon);
  gtk_label_set_text (self->notice_label, text);
  gtk_revealer_set_reveal_child (self->notice_revealer, TRUE);
}

static void
update_title (SrCustomerDialog *self)
{
  const char *name = sr_member_string (self->base, "name");

  if (self->base != NULL && *name != '\0')
    {
      g_autofree char *since = member_when (self->base, "created_at", FALSE);
      g_autofree char *about = NULL;

      gtk_window_set_title (GTK_WINDOW (self), name);
      adw_window_title_set_title (self->window_title, name);
      /* Translators: under a customer's name: "Lead · customer since 3 Jun 2025" */
      about = g_strdup_printf (_("%s · customer since %s"),
                               sr_customer_status_label (sr_member_string (self->base, "status")),
                               since ? g_strstrip (since) : "—");
      adw_window_title_set_subtitle (self->window_title, about);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("New Customer"));
      adw_window_title_set_title (self->window_title, _("New Customer"));
      adw_window_title_set_subtitle (self->window_title, NULL);
    }
}

/* Checks every field, marks the ones in error and decides whether Save works; the
 * first problem is spelled out under the form. */
static void
refresh_state (SrCustomerDialog *self)
{
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;
  gboolean dirty = FALSE;

  g_clear_pointer (&self->problem, g_free);

  for (Field i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *raw = raw_text (self, i);
      g_autofree char *problem = field_problem (i, raw);

      dirty |= field_changed (self, i);
      if (problem != NULL)
        gtk_widget_add_css_class (self->rows[i], "error");
      else
        gtk_widget_remove_css_class (self->rows[i], "error");
      if (self->warnings[i] != NULL)
        {
          gtk_widget_set_visible (self->warnings[i], problem != NULL);
          gtk_widget_set_tooltip_text (self->warnings[i], problem);
        }
      if (problem != NULL && self->problem == NULL)
        self->problem = g_steal_pointer (&problem);
    }

  gtk_label_set_text (self->problem_label, self->problem ? self->problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), self->problem != NULL);

  if (self->problem == NULL)
    {
      if (self->gone)
        self->problem = g_strdup (_("This customer is no longer in your branch."));
      else if (!online)
        self->problem = g_strdup (_("Offline: what you typed is kept and can be saved once the connection is back."));
      else if (self->id != 0 && self->base == NULL)
        self->problem = g_strdup (_("Loading…"));
      else if (!dirty && self->id != 0)
        self->problem = g_strdup (_("Nothing has changed yet."));
      else if (self->busy)
        self->problem = g_strdup (_("Saving…"));
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "customer.save", self->problem == NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button), self->problem);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "customer.add-followup",
                                 self->id != 0 && online && !self->gone);

  if (self->gone)
    show_notice (self, "dialog-warning-symbolic",
                 _("This customer was moved to another branch. What you typed is still here, but it can no longer be saved."));
  else if (!online)
    show_notice (self, "network-offline-symbolic",
                 _("Offline: the last known details stay visible. What you type is kept."));
  else if (self->state_notice)
    show_notice (self, NULL, NULL);
  self->state_notice = self->gone || !online;
}

static void
input_changed_cb (SrCustomerDialog *self)
{
  if (!self->filling)
    refresh_state (self);
}

/* Takes @customer as the base: fields the user has not changed show it; with @force
 * every field does. */
static void
fill_from (SrCustomerDialog *self,
           JsonObject       *customer,
           gboolean          force)
{
  gboolean untouched[N_FIELDS];

  for (Field i = 0; i < N_FIELDS; i++)
    untouched[i] = force || !field_changed (self, i);

  g_clear_pointer (&self->base, json_object_unref);
  self->base = customer ? json_object_ref (customer) : NULL;

  self->filling = TRUE;
  for (Field i = 0; i < N_FIELDS; i++)
    if (untouched[i])
      set_input (self, i, base_value (self, i));
  self->filling = FALSE;

  update_title (self);
  refresh_state (self);
}

/* Outcomes of closing show in the main window. */
static void
toast_parent (SrCustomerDialog *self,
              const char       *text)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (SR_IS_WINDOW (parent))
    sr_window_add_toast (SR_WINDOW (parent), text);
}

static void
toast (SrCustomerDialog *self,
       const char       *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* --- saving ------------------------------------------------------------------------------ */

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SrCustomerDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;

  if (reply == NULL)
    {
      JsonObject *extra = sr_error_get_extra (error);
      JsonObject *current = sr_member_object (extra, "current");

      if (g_error_matches (error, SR_ERROR, SR_ERROR_VERSION_CONFLICT) && current != NULL)
        {
          /* Their version underneath, the user's changes on top: nothing is lost and
           * nothing is overwritten unseen. */
          fill_from (self, current, FALSE);
          show_notice (self, "dialog-warning-symbolic",
                       _("Not saved: someone else changed this customer while you were editing. "
                         "The form now shows their version, with your changes kept on top. Check it and save again."));
          return;
        }
      if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_FOUND))
        {
          self->gone = TRUE;
          refresh_state (self);
          return;
        }
      if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        message = g_strdup (_("The server cannot be reached; what you typed is kept. Try again once it is back."));
      else
        message = g_strdup_printf (_("Not saved: %s"), error->message);
      refresh_state (self);
      show_notice (self, "dialog-error-symbolic", message);
      return;
    }

  if (self->id == 0)
    message = g_strdup_printf (_("Customer %s added."), sr_member_string (json_node_get_object (reply), "name"));
  else
    message = g_strdup_printf (_("Customer %s saved."), sr_member_string (json_node_get_object (reply), "name"));
  toast_parent (self, message);
  self->done = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SrCustomerDialog *self = SR_CUSTOMER_DIALOG (widget);
  g_autoptr(JsonObject) params = json_object_new ();
  JsonObject *changes = self->id == 0 ? params : json_object_new ();

  refresh_state (self);
  if (self->problem != NULL || self->busy)
    return;

  for (Field i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *value = input_value (self, i);

      /* A new customer: what was filled in; an existing one: what changed. */
      if (self->id == 0 ? (*value != '\0' || i == FIELD_NAME) : field_changed (self, i))
        json_object_set_string_member (changes, field_names[i], value);
    }

  if (self->id != 0)
    {
      json_object_set_int_member (params, "id", self->id);
      json_object_set_int_member (params, "version", sr_member_int (self->base, "version"));
      json_object_set_object_member (params, "changes", changes);
    }

  self->busy = TRUE;
  show_notice (self, NULL, NULL);
  refresh_state (self);
  sr_client_call_async (self->client, self->id == 0 ? "customers.create" : "customers.update", params,
                        self->cancellable, saved_cb, g_object_ref (self));
}

/* --- the history ------------------------------------------------------------------------- */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
placeholder_row (const char *text)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static GtkWidget *
suffix_label (GtkWidget  *row,
              const char *name,
              const char *text,
              const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_name (label, name);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return label;
}

static GtkWidget *
history_row (const char *name,
             const char *title,
             const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  return row;
}

/* Pending ones first, soonest due first; then the rest, latest first. */
static int
compare_followups (gconstpointer a,
                   gconstpointer b)
{
  JsonObject *x = *(JsonObject **) a;
  JsonObject *y = *(JsonObject **) b;
  gboolean x_pending = g_str_equal (sr_member_string (x, "status"), "pending");
  gboolean y_pending = g_str_equal (sr_member_string (y, "status"), "pending");
  int order;

  if (x_pending != y_pending)
    return x_pending ? -1 : 1;
  order = g_strcmp0 (sr_member_string (x, "due_at"), sr_member_string (y, "due_at"));
  return x_pending ? order : -order;
}

static void
show_followups (SrCustomerDialog *self)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  clear_list (self->followups_list);
  if (self->followups == NULL)
    return;

  for (guint i = 0; i < json_array_get_length (self->followups); i++)
    {
      JsonNode *node = json_array_get_element (self->followups, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (sorted, json_node_get_object (node));
    }
  g_ptr_array_sort (sorted, compare_followups);

  for (guint i = 0; i < sorted->len; i++)
    {
      JsonObject *followup = g_ptr_array_index (sorted, i);
      const char *status = sr_member_string (followup, "status");
      const char *note = sr_member_string (followup, "note");
      const char *outcome = sr_member_string (followup, "outcome");
      g_autofree char *key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, sr_member_int (followup, "id"));
      g_autofree char *when = member_when (followup, "due_at", TRUE);
      g_autofree char *title = g_strdup_printf ("%s · %s", sr_followup_kind_label (sr_member_string (followup, "kind")),
                                                when ? g_strstrip (when) : "");
      g_autoptr(GString) subtitle = g_string_new (sr_member_string (sr_member_object (followup, "assigned_to"), "name"));
      g_autoptr(GDateTime) due = g_date_time_new_from_iso8601 (sr_member_string (followup, "due_at"), NULL);
      GtkWidget *row;

      if (*note != '\0')
        g_string_append_printf (subtitle, " · %s", note);
      if (*outcome != '\0')
        /* Translators: what came of a follow-up, in its line of the customer's history */
        g_string_append_printf (subtitle, "\n%s", outcome);
      row = history_row (key, title, subtitle->str);

      if (g_str_equal (status, "pending") && due != NULL && g_date_time_compare (due, now) <= 0)
        suffix_label (row, "status", _("Overdue"), "error");
      else if (g_str_equal (status, "pending"))
        suffix_label (row, "status", _("Pending"), "accent");
      else if (g_str_equal (status, "done"))
        suffix_label (row, "status", _("Done"), "success");
      else
        suffix_label (row, "status", _("Cancelled"), "dim-label");
      gtk_list_box_append (self->followups_list, row);
    }

  if (sorted->len == 0)
    gtk_list_box_append (self->followups_list, placeholder_row (_("No follow-ups yet.")));
}

static void
vehicle_got_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SrCustomerDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *vehicle;
  gint64 *key;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;
  vehicle = json_node_get_object (reply);
  key = g_new (gint64, 1);
  *key = sr_member_int (vehicle, "id");
  g_hash_table_replace (self->vehicles, key, json_object_ref (vehicle));
  show_sales (self);
}

/* "SR000012 · Hyundai Creta", once the vehicle has been read; until then its number. */
static char *
vehicle_title (SrCustomerDialog *self,
               gint64            vehicle_id)
{
  JsonObject *vehicle = g_hash_table_lookup (self->vehicles, &vehicle_id);

  if (vehicle == NULL && !g_hash_table_contains (self->asked, &vehicle_id))
    {
      g_autoptr(JsonObject) params = json_object_new ();
      gint64 *key = g_new (gint64, 1);

      *key = vehicle_id;
      g_hash_table_add (self->asked, key);
      json_object_set_int_member (params, "id", vehicle_id);
      sr_client_call_async (self->client, "vehicles.get", params, self->cancellable, vehicle_got_cb,
                            g_object_ref (self));
    }
  if (vehicle == NULL)
    /* Translators: a vehicle known only by its number in the database */
    return g_strdup_printf (_("Vehicle %lld"), (long long) vehicle_id);
  return g_strdup_printf ("%s · %s %s", sr_member_string (vehicle, "stock_no"), sr_member_string (vehicle, "make"),
                          sr_member_string (vehicle, "model"));
}

static void
show_sales (SrCustomerDialog *self)
{
  guint n;

  clear_list (self->sales_list);
  if (self->sales == NULL)
    return;

  n = json_array_get_length (self->sales);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *sale = json_array_get_object_element (self->sales, i);
      const char *status = sr_member_string (sale, "status");
      g_autofree char *key = g_strdup_printf ("sale-%" G_GINT64_FORMAT, sr_member_int (sale, "id"));
      g_autofree char *title = vehicle_title (self, sr_member_int (sale, "vehicle_id"));
      g_autofree char *reserved_on = member_when (sale, "created_at", FALSE);
      g_autofree char *completed_on = member_when (sale, "completed_at", FALSE);
      g_autofree char *cancelled_on = member_when (sale, "cancelled_at", FALSE);
      g_autofree char *price = NULL;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      gint64 paise = 0;
      gint64 receipt = sr_member_int (sale, "receipt_no");
      GtkWidget *row;

      if (g_str_equal (status, "completed") && completed_on != NULL)
        /* Translators: "Purchased 12 Jun 2025" */
        g_string_append_printf (subtitle, _("Purchased %s"), g_strstrip (completed_on));
      else if (g_str_equal (status, "cancelled") && cancelled_on != NULL)
        /* Translators: "Reservation cancelled 12 Jun 2025" */
        g_string_append_printf (subtitle, _("Reservation cancelled %s"), g_strstrip (cancelled_on));
      else if (reserved_on != NULL)
        /* Translators: "Reserved 12 Jun 2025" */
        g_string_append_printf (subtitle, _("Reserved %s"), g_strstrip (reserved_on));
      if (receipt != 0)
        {
          g_string_append (subtitle, " · ");
          /* Translators: a sale's receipt number: "Receipt No. 17" */
          g_string_append_printf (subtitle, _("Receipt No. %lld"), (long long) receipt);
        }
      if (*sr_member_string (sr_member_object (sale, "sold_by"), "name") != '\0')
        {
          g_string_append (subtitle, " · ");
          /* Translators: who sold it: "by Mumbai Sales" */
          g_string_append_printf (subtitle, _("by %s"), sr_member_string (sr_member_object (sale, "sold_by"), "name"));
        }
      if (*sr_member_string (sale, "cancel_reason") != '\0')
        g_string_append_printf (subtitle, "\n%s", sr_member_string (sale, "cancel_reason"));

      row = history_row (key, title, subtitle->str);
      if (sr_money_parse (sr_member_string (sale, "price"), &paise))
        {
          GtkWidget *label;
          PangoAttrList *attrs = pango_attr_list_new ();

          price = sr_money_display (paise);
          label = suffix_label (row, "price", price, NULL);
          pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
          gtk_label_set_attributes (GTK_LABEL (label), attrs);
          pango_attr_list_unref (attrs);
        }
      suffix_label (row, "status", sr_sale_status_label (status),
                    g_str_equal (status, "completed") ? "success"
                    : g_str_equal (status, "reserved") ? "accent" : "dim-label");
      gtk_list_box_append (self->sales_list, row);
    }

  if (n == 0)
    gtk_list_box_append (self->sales_list, placeholder_row (_("No reservations or purchases yet.")));
}

typedef struct {
  SrCustomerDialog *self;
  guint             pending;
  JsonArray        *followups;
  JsonArray        *sales;
  gboolean          failed;
} HistoryLoad;

static void
history_load_free (HistoryLoad *load)
{
  g_object_unref (load->self);
  g_clear_pointer (&load->followups, json_array_unref);
  g_clear_pointer (&load->sales, json_array_unref);
  g_free (load);
}

static void
history_listed (HistoryLoad  *load,
                gboolean      followups,
                GObject      *object,
                GAsyncResult *result)
{
  SrCustomerDialog *self = load->self;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *page;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  page = reply && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  if (page != NULL && json_object_has_member (page, "items") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (page, "items")))
    {
      JsonArray *items = json_object_get_array_member (page, "items");

      if (followups)
        load->followups = json_array_ref (items);
      else
        load->sales = json_array_ref (items);
    }
  else
    {
      load->failed = TRUE;
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_warning ("reading a customer's history failed: %s", error->message);
    }

  if (--load->pending > 0)
    return;

  if (!load->failed)
    {
      g_clear_pointer (&self->followups, json_array_unref);
      g_clear_pointer (&self->sales, json_array_unref);
      self->followups = g_steal_pointer (&load->followups);
      self->sales = g_steal_pointer (&load->sales);
      self->history_loaded = TRUE;
      adw_preferences_group_set_description (self->followups_group, NULL);
      adw_preferences_group_set_description (self->sales_group, NULL);
      show_followups (self);
      show_sales (self);
    }
  history_load_free (load);
}

static void
followups_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  history_listed (user_data, TRUE, object, result);
}

static void
sales_listed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  history_listed (user_data, FALSE, object, result);
}

static void
load_history (SrCustomerDialog *self)
{
  HistoryLoad *load;
  g_autoptr(JsonObject) followups = json_object_new ();
  g_autoptr(JsonObject) sales = json_object_new ();

  g_clear_handle_id (&self->history_id, g_source_remove);
  if (self->id == 0 || sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;

  load = g_new0 (HistoryLoad, 1);
  load->self = g_object_ref (self);
  load->pending = 2;

  json_object_set_int_member (followups, "customer_id", self->id);
  json_object_set_int_member (followups, "limit", HISTORY_LIMIT);
  sr_client_call_async (self->client, "followups.list", followups, self->cancellable, followups_listed_cb, load);

  json_object_set_int_member (sales, "customer_id", self->id);
  json_object_set_int_member (sales, "limit", HISTORY_LIMIT);
  sr_client_call_async (self->client, "sales.list", sales, self->cancellable, sales_listed_cb, load);
}

static gboolean
history_due_cb (gpointer user_data)
{
  SrCustomerDialog *self = user_data;

  self->history_id = 0;
  load_history (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_history (SrCustomerDialog *self)
{
  if (self->history_id == 0)
    self->history_id = g_timeout_add (HISTORY_DELAY_MS, history_due_cb, self);
}

/* --- adding a follow-up ------------------------------------------------------------------ */

typedef struct {
  SrCustomerDialog *self;
  GtkWidget        *dialog;
  GtkWidget        *kind_row;
  GtkWidget        *date_row;
  GtkWidget        *time_row;
  GtkWidget        *note_row;
  GtkWidget        *problem_label;
} FollowupForm;

static void
followup_form_free (FollowupForm *form)
{
  g_object_unref (form->self);
  g_free (form);
}

/* The due time typed, in local time; NULL and a reason when it cannot be read. */
static GDateTime *
form_due (FollowupForm  *form,
          char         **problem)
{
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->date_row))));
  g_autofree char *time = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->time_row))));
  int year, month, day, hour, minute;
  char end;

  if (sscanf (date, "%4d-%2d-%2d%c", &year, &month, &day, &end) != 3 || strlen (date) != 10 ||
      !g_date_valid_dmy (day, month, year))
    {
      *problem = g_strdup (_("Date: as YYYY-MM-DD, for example 2025-06-07."));
      return NULL;
    }
  if (sscanf (time, "%2d:%2d%c", &hour, &minute, &end) != 2 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59)
    {
      *problem = g_strdup (_("Time: as HH:MM on the 24-hour clock, for example 14:30."));
      return NULL;
    }
  return g_date_time_new_local (year, month, day, hour, minute, 0);
}

static void
followup_form_changed_cb (FollowupForm *form)
{
  g_autofree char *problem = NULL;
  GDateTime *due = form_due (form, &problem);
  g_autofree char *note = g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->note_row)));

  g_clear_pointer (&due, g_date_time_unref);

  if (problem == NULL && g_utf8_strlen (note, -1) > 1000)
    problem = g_strdup (_("Note: at most 1000 characters."));
  gtk_label_set_text (GTK_LABEL (form->problem_label), problem ? problem : "");
  gtk_widget_set_visible (form->problem_label, problem != NULL);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (form->dialog), "add", problem == NULL);
}

static void
followup_added_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SrCustomerDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      message = g_strdup_printf (_("The follow-up was not added: %s"), error->message);
      toast (self, message);
      return;
    }
  {
    g_autofree char *when = member_when (json_node_get_object (reply), "due_at", TRUE);

    message = g_strdup_printf (_("Follow-up added for %s."), when ? g_strstrip (when) : "");
  }
  toast (self, message);
  load_history (self);
}

static void
followup_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      FollowupForm     *form)
{
  SrCustomerDialog *self = form->self;
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GDateTime) due = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *due_at = NULL;
  g_autofree char *note = NULL;
  guint kind;

  if (!g_str_equal (response, "add") || (due = form_due (form, &problem)) == NULL)
    return;

  kind = adw_combo_row_get_selected (ADW_COMBO_ROW (form->kind_row));
  due_at = g_date_time_format_iso8601 (due);
  note = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->note_row))));
  params = json_object_new ();
  json_object_set_int_member (params, "customer_id", self->id);
  json_object_set_string_member (params, "due_at", due_at);
  json_object_set_string_member (params, "kind", kinds[MIN (kind, G_N_ELEMENTS (kinds) - 1)]);
  if (*note != '\0')
    json_object_set_string_member (params, "note", note);
  sr_client_call_async (self->client, "followups.create", params, self->cancellable, followup_added_cb,
                        g_object_ref (self));
}

static GtkWidget *
form_entry (GtkWidget  *list,
            const char *name,
            const char *title,
            const char *text)
{
  GtkWidget *row = adw_entry_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  return row;
}

static void
add_followup_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SrCustomerDialog *self = SR_CUSTOMER_DIALOG (widget);
  FollowupForm *form = g_new0 (FollowupForm, 1);
  g_autoptr(GtkStringList) kind_labels = gtk_string_list_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) hour = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autofree char *body = NULL;
  g_autofree char *date = NULL;
  g_autofree char *time = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();

  if (self->id == 0)
    {
      g_free (form);
      return;
    }

  /* By default at the next full hour: a call made later today. */
  hour = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                g_date_time_get_day_of_month (now), g_date_time_get_hour (now), 0, 0);
  next = g_date_time_add_hours (hour, 1);
  date = g_date_time_format (next, "%Y-%m-%d");
  time = g_date_time_format (next, "%H:%M");

  form->self = g_object_ref (self);
  body = g_strdup_printf (_("For %s. The follow-up is yours: it shows on your Follow-ups page and reminds you when it falls due."),
                          sr_member_string (self->base, "name"));
  form->dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Add Follow-up"), body);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_string_list_append (kind_labels, sr_followup_kind_label (kinds[i]));
  form->kind_row = adw_combo_row_new ();
  gtk_widget_set_name (form->kind_row, "kind");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->kind_row), _("Kind"));
  adw_combo_row_set_model (ADW_COMBO_ROW (form->kind_row), G_LIST_MODEL (kind_labels));
  gtk_list_box_append (GTK_LIST_BOX (list), form->kind_row);
  form->date_row = form_entry (list, "date", _("Date (YYYY-MM-DD)"), date);
  form->time_row = form_entry (list, "time", _("Time (HH:MM)"), time);
  form->note_row = form_entry (list, "note", _("Note"), "");
  gtk_box_append (GTK_BOX (box), list);

  form->problem_label = gtk_label_new (NULL);
  gtk_widget_set_name (form->problem_label, "problem");
  gtk_label_set_wrap (GTK_LABEL (form->problem_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (form->problem_label), 0);
  gtk_widget_add_css_class (form->problem_label, "error");
  gtk_widget_set_visible (form->problem_label, FALSE);
  gtk_box_append (GTK_BOX (box), form->problem_label);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (form->dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (form->dialog),
                                    "cancel", _("_Cancel"),
                                    "add", _("_Add Follow-up"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (form->dialog), "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (form->dialog), "add");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (form->dialog), "cancel");

  g_signal_connect_swapped (form->date_row, "changed", G_CALLBACK (followup_form_changed_cb), form);
  g_signal_connect_swapped (form->time_row, "changed", G_CALLBACK (followup_form_changed_cb), form);
  g_signal_connect_swapped (form->note_row, "changed", G_CALLBACK (followup_form_changed_cb), form);
  g_object_set_data_full (G_OBJECT (form->dialog), "sr-form", form, (GDestroyNotify) followup_form_free);
  g_signal_connect (form->dialog, "response", G_CALLBACK (followup_response_cb), form);
  gtk_window_present (GTK_WINDOW (form->dialog));
  gtk_widget_grab_focus (form->note_row);
}

/* --- following the server ---------------------------------------------------------------- */

static void
customer_got_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SrCustomerDialog) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonObject *customer = json_node_get_object (reply);

      self->gone = FALSE;
      /* Only ever forward: the feed may have brought a newer version already. */
      if (self->base == NULL || sr_member_int (customer, "version") > sr_member_int (self->base, "version"))
        fill_from (self, customer, self->base == NULL || !is_dirty (self));
    }
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_FOUND))
    {
      self->gone = TRUE;
      refresh_state (self);
    }
}

static void
read_customer (SrCustomerDialog *self)
{
  g_autoptr(JsonObject) params = json_object_new ();

  if (self->id == 0 || sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;
  json_object_set_int_member (params, "id", self->id);
  sr_client_call_async (self->client, "customers.get", params, self->cancellable, customer_got_cb,
                        g_object_ref (self));
}

static void
event_cb (SrCustomerDialog *self,
          JsonObject       *params)
{
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");
  const char *op = json_object_get_string_member_with_default (params, "op", "");
  JsonObject *data = sr_member_object (params, "data");
  gint64 id = sr_member_int (params, "id");

  if (self->id == 0)
    return;

  if (g_str_equal (entity, "customer") && id == self->id)
    {
      if (g_str_equal (op, "delete") || data == NULL)
        {
          self->gone = TRUE;
          refresh_state (self);
          return;
        }
      self->gone = FALSE;
      /* A save on its way hears of its own change: its answer says how it went. */
      if (self->busy)
        return;
      /* While the user has changed nothing the form simply follows; otherwise their
       * save meets the new version and the conflict is shown then. */
      if (!is_dirty (self))
        fill_from (self, data, TRUE);
      else
        show_notice (self, "dialog-information-symbolic",
                     _("Someone else has just changed this customer. Saving will show you their version first."));
      return;
    }

  if ((g_str_equal (entity, "followup") || g_str_equal (entity, "sale")) &&
      (data == NULL || sr_member_int (data, "customer_id") == self->id))
    schedule_history (self);
}

static void
synced_cb (SrCustomerDialog *self)
{
  read_customer (self);
  load_history (self);
}

static void
signed_out_cb (SrCustomerDialog *self)
{
  /* Nothing of one user's work stays on the counter for the next. */
  self->done = TRUE;
  gtk_window_destroy (GTK_WINDOW (self));
}

/* --- the window -------------------------------------------------------------------------- */

static gboolean
sr_customer_dialog_close_request (GtkWindow *window)
{
  SrCustomerDialog *self = SR_CUSTOMER_DIALOG (window);

  if (self->done || self->gone || !is_dirty (self) || (self->id != 0 && self->base == NULL))
    return GTK_WINDOW_CLASS (sr_customer_dialog_parent_class)->close_request (window);

  sr_ask_discard (window, _("What you changed on this customer has not been saved."), &self->done);
  return TRUE;
}

SrCustomerDialog *
sr_customer_dialog_find (gint64 customer_id)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SR_IS_CUSTOMER_DIALOG (window) && SR_CUSTOMER_DIALOG (window)->id == customer_id)
        return SR_CUSTOMER_DIALOG (window);
    }
  return NULL;
}

SrCustomerDialog *
sr_customer_dialog_open (GtkWindow  *parent,
                         SrClient   *client,
                         gint64      customer_id,
                         JsonObject *customer)
{
  SrCustomerDialog *self;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);

  if ((self = sr_customer_dialog_find (customer_id)) != NULL)
    {
      gtk_window_present (GTK_WINDOW (self));
      return self;
    }

  self = g_object_new (SR_TYPE_CUSTOMER_DIALOG,
                       "transient-for", parent,
                       "application", parent ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->client = g_object_ref (client);
  self->id = customer_id;

  fill_from (self, customer_id != 0 ? customer : NULL, TRUE);

  gtk_widget_set_visible (GTK_WIDGET (self->followups_group), customer_id != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->sales_group), customer_id != 0);
  if (customer_id != 0)
    {
      adw_preferences_group_set_description (self->followups_group, _("Loading…"));
      adw_preferences_group_set_description (self->sales_group, _("Loading…"));
      read_customer (self);
      load_history (self);
    }

  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (refresh_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "signed-out", G_CALLBACK (signed_out_cb), self, G_CONNECT_SWAPPED);

  gtk_widget_grab_focus (self->name_row);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

gint64
sr_customer_dialog_get_id (SrCustomerDialog *self)
{
  g_return_val_if_fail (SR_IS_CUSTOMER_DIALOG (self), 0);
  return self->id;
}

GtkWidget *
sr_customer_dialog_get_field (SrCustomerDialog *self,
                              const char       *name)
{
  g_return_val_if_fail (SR_IS_CUSTOMER_DIALOG (self), NULL);

  for (Field i = 0; i < N_FIELDS; i++)
    if (g_str_equal (field_names[i], name))
      return self->rows[i];
  return NULL;
}

const char *
sr_customer_dialog_get_problem (SrCustomerDialog *self)
{
  g_return_val_if_fail (SR_IS_CUSTOMER_DIALOG (self), NULL);
  return self->problem;
}

gboolean
sr_customer_dialog_history_loaded (SrCustomerDialog *self)
{
  g_return_val_if_fail (SR_IS_CUSTOMER_DIALOG (self), FALSE);
  return self->history_loaded;
}

static void
sr_customer_dialog_dispose (GObject *object)
{
  SrCustomerDialog *self = SR_CUSTOMER_DIALOG (object);

  /* A closed window may live on for a moment (a call holds it): it stops following
   * the client now. */
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->history_id, g_source_remove);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_CUSTOMER_DIALOG);

  G_OBJECT_CLASS (sr_customer_dialog_parent_class)->dispose (object);
}

static void
sr_customer_dialog_finalize (GObject *object)
{
  SrCustomerDialog *self = SR_CUSTOMER_DIALOG (object);

  g_clear_handle_id (&self->history_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->base, json_object_unref);
  g_clear_pointer (&self->vehicles, g_hash_table_unref);
  g_clear_pointer (&self->asked, g_hash_table_unref);
  g_clear_pointer (&self->followups, json_array_unref);
  g_clear_pointer (&self->sales, json_array_unref);
  g_free (self->problem);

  G_OBJECT_CLASS (sr_customer_dialog_parent_class)->finalize (object);
}

static void
sr_customer_dialog_class_init (SrCustomerDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sr_customer_dialog_dispose;
  object_class->finalize = sr_customer_dialog_finalize;
  window_class->close_request = sr_customer_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-customer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, notice_icon);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, notice_label);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, details_group);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, email_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, city_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, status_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, notes_row);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, problem_label);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, followups_group);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, followups_list);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, sales_group);
  gtk_widget_class_bind_template_child (widget_class, SrCustomerDialog, sales_list);

  gtk_widget_class_install_action (widget_class, "customer.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "customer.add-followup", NULL, add_followup_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "customer.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
sr_customer_dialog_init (SrCustomerDialog *self)
{
  g_autoptr(GtkStringList) status_labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->vehicles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) json_object_unref);
  self->asked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->rows[FIELD_NAME] = self->name_row;
  self->rows[FIELD_PHONE] = self->phone_row;
  self->rows[FIELD_EMAIL] = self->email_row;
  self->rows[FIELD_CITY] = self->city_row;
  self->rows[FIELD_STATUS] = self->status_row;
  self->rows[FIELD_NOTES] = self->notes_row;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    gtk_string_list_append (status_labels, sr_customer_status_label (statuses[i]));
  adw_combo_row_set_model (ADW_COMBO_ROW (self->status_row), G_LIST_MODEL (status_labels));

  for (Field i = 0; i < N_FIELDS; i++)
    {
      if (i == FIELD_STATUS)
        {
          g_signal_connect_swapped (self->rows[i], "notify::selected", G_CALLBACK (input_changed_cb), self);
          continue;
        }
      self->warnings[i] = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_add_css_class (self->warnings[i], "error");
      gtk_widget_set_visible (self->warnings[i], FALSE);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->rows[i]), self->warnings[i]);
      g_signal_connect_swapped (self->rows[i], "changed", G_CALLBACK (input_changed_cb), self);
    }
}
