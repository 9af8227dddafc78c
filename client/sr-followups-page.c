/* sr-followups-page.c: the pending follow-ups, live, the most urgent first.
 *
 * Follow-ups are held by id as the server sent them, read with followups.list and then
 * kept current from the feed's followup events; the customers' names come from
 * customers.get, once each, and follow their customer events. Overdue is worked out
 * here against the clock (the server keeps no such flag), so the page looks again every
 * minute and at the moment the next follow-up falls due: that one is then announced,
 * once, as a desktop notification (or, in a window without an application, a toast).
 */
#define G_LOG_DOMAIN "sr-followups-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-customer-dialog.h"
#include "sr-error.h"
#include "sr-followups-page.h"
#include "sr-labels.h"
#include "sr-members.h"

#define PAGE_SIZE 500
#define CLOCK_S 60
/* Never sleep longer than this for the next due time: the clock covers the rest. */
#define MAX_WAIT_MS G_GINT64_CONSTANT (3600000)

typedef enum {
  SECTION_OVERDUE,
  SECTION_TODAY,
  SECTION_LATER,
  N_SECTIONS
} Section;

struct _SrFollowupsPage
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkLabel        *summary_label;
  GtkWidget       *scope_box;
  GtkToggleButton *all_button;
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkBox          *content;

  /* Owned */
  SrClient        *client;
  GCancellable    *cancellable;
  GHashTable      *followups;    /* id -> JsonObject (pending ones kept) */
  GHashTable      *names;        /* customer id -> name */
  GHashTable      *asking;       /* customer ids asked for */
  GHashTable      *future;       /* ids first seen before they were due */
  GHashTable      *notified;     /* ids announced as due */
  GHashTable      *busy;         /* ids being marked done */
  GPtrArray       *touched;      /* events that came while a load ran; NULL otherwise */
  GPtrArray       *shown;        /* JsonObject, in order */
  GPtrArray       *due_labels;   /* labels saying "in 2 hours", refreshed by the clock */
  char            *signature;    /* what the rows were built from */
  guint            refresh_id;
  guint            clock_id;
  guint            due_id;
  guint            due_count;
  gboolean         all;          /* the whole branch (managers), not only the user's */
  gboolean         loaded;
};

G_DEFINE_FINAL_TYPE (SrFollowupsPage, sr_followups_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DUE_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FOLLOWUP_DUE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_refresh (SrFollowupsPage *self);
static void load (SrFollowupsPage *self);

/* --- reading follow-ups ------------------------------------------------------------------ */

/* Microseconds since the epoch of the follow-up's due time; 0 if unreadable. */
static gint64
due_of (JsonObject *followup)
{
  g_autoptr(GDateTime) due = g_date_time_new_from_iso8601 (sr_member_string (followup, "due_at"), NULL);

  return due ? g_date_time_to_unix (due) * G_USEC_PER_SEC + g_date_time_get_microsecond (due) : 0;
}

static gboolean
is_mine (SrFollowupsPage *self,
         JsonObject      *followup)
{
  return sr_member_int (sr_member_object (followup, "assigned_to"), "id") == sr_client_get_user_id (self->client);
}

static Section
section_of (gint64     due,
            GDateTime *now)
{
  g_autoptr(GDateTime) when = NULL;

  if (due <= g_date_time_to_unix (now) * G_USEC_PER_SEC + g_date_time_get_microsecond (now))
    return SECTION_OVERDUE;
  when = g_date_time_new_from_unix_local (due / G_USEC_PER_SEC);
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return SECTION_TODAY;
  return SECTION_LATER;
}

static char *
customer_name (SrFollowupsPage *self,
               JsonObject      *followup)
{
  gint64 id = sr_member_int (followup, "customer_id");
  const char *name = g_hash_table_lookup (self->names, &id);

  if (name != NULL && *name != '\0')
    return g_strdup (name);
  /* Translators: a customer whose name has not arrived yet */
  return g_strdup_printf (_("Customer %lld"), (long long) id);
}

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  JsonObject *x = *(JsonObject **) a;
  JsonObject *y = *(JsonObject **) b;
  gint64 dx = due_of (x), dy = due_of (y);

  if (dx != dy)
    return dx < dy ? -1 : 1;
  return sr_member_int (x, "id") < sr_member_int (y, "id") ? -1 : sr_member_int (x, "id") > sr_member_int (y, "id");
}

/* --- customers' names -------------------------------------------------------------------- */

typedef struct {
  SrFollowupsPage *self;
  gint64           customer_id;
} NameRequest;

static void
name_request_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NameRequest *request = user_data;
  SrFollowupsPage *self = request->self;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  g_hash_table_remove (self->asking, &request->customer_id);
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      gint64 *key = g_new (gint64, 1);

      *key = request->customer_id;
      g_hash_table_replace (self->names, key, g_strdup (sr_member_string (json_node_get_object (reply), "name")));
      schedule_refresh (self);
    }
  else if (g_error_matches (error, SR_ERROR, SR_ERROR_NOT_FOUND))
    {
      gint64 *key = g_new (gint64, 1);

      /* Not to be asked again every minute: shown by its number. */
      *key = request->customer_id;
      g_hash_table_replace (self->names, key, g_strdup (""));
    }
  g_object_unref (request->self);
  g_free (request);
}

static void
ask_name (SrFollowupsPage *self,
          gint64           customer_id)
{
  g_autoptr(JsonObject) params = NULL;
  NameRequest *request;
  gint64 *key;

  if (customer_id == 0 || g_hash_table_contains (self->names, &customer_id) ||
      g_hash_table_contains (self->asking, &customer_id))
    return;

  key = g_new (gint64, 1);
  *key = customer_id;
  g_hash_table_add (self->asking, key);
  request = g_new0 (NameRequest, 1);
  request->self = g_object_ref (self);
  request->customer_id = customer_id;
  params = json_object_new ();
  json_object_set_int_member (params, "id", customer_id);
  sr_client_call_async (self->client, "customers.get", params, self->cancellable, name_request_cb, request);
}

/* --- reminders --------------------------------------------------------------------------- */

static void
show_toast (SrFollowupsPage *self,
            const char      *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", text);
      return;
    }
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* A desktop notification through the application; a window without one (the UI
 * tests') says it in a toast. */
static void
announce_due (SrFollowupsPage *self,
              JsonObject      *followup)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  g_autofree char *name = customer_name (self, followup);
  g_autofree char *title = g_strdup_printf (_("Follow-up due: %s"), name);
  const char *kind = sr_followup_kind_label (sr_member_string (followup, "kind"));
  const char *note = sr_member_string (followup, "note");
  g_autofree char *body = *note != '\0' ? g_strdup_printf ("%s · %s", kind, note) : g_strdup (kind);
  gint64 id = sr_member_int (followup, "id");

  g_signal_emit (self, signals[FOLLOWUP_DUE], 0, id);

  if (app != NULL)
    {
      g_autoptr(GNotification) notification = g_notification_new (title);
      g_autofree char *key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, id);

      g_notification_set_body (notification, body);
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      g_application_send_notification (G_APPLICATION (app), key, notification);
    }
  else
    {
      g_autofree char *text = g_strdup_printf ("%s — %s", title, body);

      show_toast (self, text);
    }
}

static gboolean
due_cb (gpointer user_data)
{
  SrFollowupsPage *self = user_data;

  self->due_id = 0;
  schedule_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Announces the user's follow-ups that have fallen due since they were first seen, and
 * sets a timer for the next one. */
static void
check_due (SrFollowupsPage *self,
           gint64           now)
{
  GHashTableIter iter;
  JsonObject *followup;
  gint64 next = 0;

  g_clear_handle_id (&self->due_id, g_source_remove);

  g_hash_table_iter_init (&iter, self->followups);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &followup))
    {
      gint64 id = sr_member_int (followup, "id");
      gint64 due = due_of (followup);

      if (!is_mine (self, followup) || !g_hash_table_contains (self->future, &id) ||
          g_hash_table_contains (self->notified, &id))
        continue;
      if (due <= now)
        {
          gint64 *key = g_new (gint64, 1);

          *key = id;
          g_hash_table_add (self->notified, key);
          announce_due (self, followup);
        }
      else if (next == 0 || due < next)
        next = due;
    }

  if (next != 0)
    self->due_id = g_timeout_add ((guint) MIN ((next - now) / 1000 + 50, MAX_WAIT_MS), due_cb, self);
}

/* --- building the list ------------------------------------------------------------------- */

static void done_clicked_cb (GtkButton *button, SrFollowupsPage *self);

static void
row_activated_cb (AdwActionRow    *row,
                  SrFollowupsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gint64 customer_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "sr-customer-id"));

  if (customer_id != 0)
    sr_customer_dialog_open (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->client, customer_id, NULL);
}

static void
set_due_text (GtkWidget *label,
              GDateTime *now)
{
  gint64 due = *(gint64 *) g_object_get_data (G_OBJECT (label), "sr-due");
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (due / G_USEC_PER_SEC);
  g_autofree char *text = sr_due_display (when, now);

  if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), text) != 0)
    gtk_label_set_text (GTK_LABEL (label), text);
}

/* "14:30" today, "Tue 12 Jun, 14:30" another day. */
static char *
when_text (gint64     due,
           GDateTime *now)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (due / G_USEC_PER_SEC);

  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%H:%M");
  /* Translators: when a follow-up is due, another day than today; see strftime.
   * xgettext:no-c-format */
  return g_date_time_format (when, _("%a %-d %b, %H:%M"));
}

static GtkWidget *
followup_row (SrFollowupsPage *self,
              JsonObject      *followup,
              Section          section,
              GDateTime       *now)
{
  gint64 id = sr_member_int (followup, "id");
  gint64 due = due_of (followup);
  g_autofree char *key = g_strdup_printf ("followup-%" G_GINT64_FORMAT, id);
  g_autofree char *name = customer_name (self, followup);
  g_autofree char *when = when_text (due, now);
  g_autoptr(GString) subtitle = g_string_new (sr_followup_kind_label (sr_member_string (followup, "kind")));
  const char *note = sr_member_string (followup, "note");
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *due_label = gtk_label_new (NULL);
  GtkWidget *when_label = gtk_label_new (g_strstrip (when));
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Done…"));
  gint64 *due_data = g_new (gint64, 1);

  gtk_widget_set_name (row, key);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  if (*note != '\0')
    g_string_append_printf (subtitle, " · %s", note);
  if (self->all)
    {
      g_string_append (subtitle, " · ");
      /* Translators: whose follow-up it is, in the whole branch's list: "for Mumbai Sales" */
      g_string_append_printf (subtitle, _("for %s"), sr_member_string (sr_member_object (followup, "assigned_to"), "name"));
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  g_object_set_data (G_OBJECT (row), "sr-customer-id", GSIZE_TO_POINTER ((gsize) sr_member_int (followup, "customer_id")));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect_object (row, "activated", G_CALLBACK (row_activated_cb), self, 0);

  /* When: how long until (or since), and the time itself. */
  *due_data = due;
  g_object_set_data_full (G_OBJECT (due_label), "sr-due", due_data, g_free);
  gtk_widget_set_name (due_label, "due");
  gtk_label_set_xalign (GTK_LABEL (due_label), 1);
  if (section == SECTION_OVERDUE)
    gtk_widget_add_css_class (due_label, "error");
  set_due_text (due_label, now);
  g_ptr_array_add (self->due_labels, g_object_ref (due_label));
  gtk_widget_set_name (when_label, "when");
  gtk_label_set_xalign (GTK_LABEL (when_label), 1);
  gtk_widget_add_css_class (when_label, "dim-label");
  gtk_widget_add_css_class (when_label, "caption");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), due_label);
  gtk_box_append (GTK_BOX (box), when_label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);

  gtk_widget_set_name (button, "done");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (button, !g_hash_table_contains (self->busy, &id) &&
                                    sr_client_get_state (self->client) == SR_CLIENT_ONLINE);
  g_object_set_data (G_OBJECT (button), "sr-id", GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect_object (button, "clicked", G_CALLBACK (done_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  return row;
}

/* Everything the rows show but the ticking due times: when it changes, they are built
 * again; otherwise only the due times are refreshed, and the focus stays put. */
static char *
signature (SrFollowupsPage *self,
           GDateTime       *now)
{
  GString *text = g_string_new (self->all ? "all\n" : "mine\n");
  gboolean online = sr_client_get_state (self->client) == SR_CLIENT_ONLINE;

  g_string_append_printf (text, "%d\n", online);
  for (guint i = 0; i < self->shown->len; i++)
    {
      JsonObject *followup = g_ptr_array_index (self->shown, i);
      gint64 id = sr_member_int (followup, "id");
      g_autofree char *name = customer_name (self, followup);
      g_autofree char *when = when_text (due_of (followup), now);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %d %d %s|%s|%s|%s|%s\n", id,
                              section_of (due_of (followup), now), g_hash_table_contains (self->busy, &id), name,
                              sr_member_string (followup, "kind"), sr_member_string (followup, "note"), when,
                              sr_member_string (sr_member_object (followup, "assigned_to"), "name"));
    }
  return g_string_free (text, FALSE);
}

static void
rebuild (SrFollowupsPage *self,
         GDateTime       *now)
{
  static const char *const keys[N_SECTIONS] = { "overdue", "today", "later" };
  const char *titles[N_SECTIONS] = { _("Overdue"), _("Due Today"), _("Later") };
  GtkWidget *groups[N_SECTIONS] = { NULL };
  GtkWidget *child;

  g_ptr_array_set_size (self->due_labels, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->content))) != NULL)
    gtk_box_remove (self->content, child);

  for (guint i = 0; i < self->shown->len; i++)
    {
      JsonObject *followup = g_ptr_array_index (self->shown, i);
      Section section = section_of (due_of (followup), now);

      if (groups[section] == NULL)
        {
          groups[section] = adw_preferences_group_new ();
          gtk_widget_set_name (groups[section], keys[section]);
          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (groups[section]), titles[section]);
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (groups[section]),
                                 followup_row (self, followup, section, now));
    }

  for (guint s = 0; s < N_SECTIONS; s++)
    if (groups[s] != NULL)
      gtk_box_append (self->content, groups[s]);
}

static void
refresh (SrFollowupsPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 now_us = g_date_time_to_unix (now) * G_USEC_PER_SEC + g_date_time_get_microsecond (now);
  guint counts[N_SECTIONS] = { 0 };
  g_autofree char *built = NULL;
  GHashTableIter iter;
  JsonObject *followup;
  guint due_count;

  g_ptr_array_set_size (self->shown, 0);
  g_hash_table_iter_init (&iter, self->followups);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &followup))
    {
      g_ptr_array_add (self->shown, followup);
      counts[section_of (due_of (followup), now)]++;
      ask_name (self, sr_member_int (followup, "customer_id"));
    }
  g_ptr_array_sort (self->shown, compare_due);

  built = signature (self, now);
  if (g_strcmp0 (built, self->signature) != 0)
    {
      rebuild (self, now);
      g_free (self->signature);
      self->signature = g_steal_pointer (&built);
    }
  else
    for (guint i = 0; i < self->due_labels->len; i++)
      set_due_text (g_ptr_array_index (self->due_labels, i), now);

  if (!self->loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    gtk_stack_set_visible_child_name (self->stack, self->shown->len > 0 ? "list" : "empty");

  /* "1 overdue · 2 due today · 4 later" */
  {
    g_autoptr(GString) summary = g_string_new (NULL);

    if (counts[SECTION_OVERDUE] > 0)
      g_string_append_printf (summary, g_dngettext (NULL, "%u overdue", "%u overdue", counts[SECTION_OVERDUE]),
                              counts[SECTION_OVERDUE]);
    if (counts[SECTION_TODAY] > 0)
      {
        if (summary->len > 0)
          g_string_append (summary, " · ");
        g_string_append_printf (summary, g_dngettext (NULL, "%u due today", "%u due today", counts[SECTION_TODAY]),
                                counts[SECTION_TODAY]);
      }
    if (counts[SECTION_LATER] > 0)
      {
        if (summary->len > 0)
          g_string_append (summary, " · ");
        g_string_append_printf (summary, g_dngettext (NULL, "%u later", "%u later", counts[SECTION_LATER]),
                                counts[SECTION_LATER]);
      }
    gtk_label_set_text (self->summary_label, self->loaded ? summary->str : "");
  }

  due_count = counts[SECTION_OVERDUE] + counts[SECTION_TODAY];
  if (due_count != self->due_count)
    {
      self->due_count = due_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DUE_COUNT]);
    }

  check_due (self, now_us);
}

static gboolean
refresh_cb (gpointer user_data)
{
  SrFollowupsPage *self = user_data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (SrFollowupsPage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add (refresh_cb, self);
}

static gboolean
clock_cb (gpointer user_data)
{
  schedule_refresh (SR_FOLLOWUPS_PAGE (user_data));
  return G_SOURCE_CONTINUE;
}

/* --- keeping the follow-ups -------------------------------------------------------------- */

static gboolean
keeps (SrFollowupsPage *self,
       JsonObject      *followup)
{
  return g_str_equal (sr_member_string (followup, "status"), "pending") && (self->all || is_mine (self, followup));
}

static void
take_followup (SrFollowupsPage *self,
               JsonObject      *followup)
{
  gint64 id = sr_member_int (followup, "id");

  if (keeps (self, followup))
    {
      gint64 *key = g_new (gint64, 1);

      *key = id;
      g_hash_table_replace (self->followups, key, json_object_ref (followup));
      /* Only a follow-up seen before its time is announced when that time comes; one
       * already overdue when it arrives is on the list, in red, and that says it. */
      if (!g_hash_table_contains (self->future, &id) && due_of (followup) > g_get_real_time ())
        {
          key = g_new (gint64, 1);
          *key = id;
          g_hash_table_add (self->future, key);
        }
    }
  else
    g_hash_table_remove (self->followups, &id);
  schedule_refresh (self);
}

static void
apply_event (SrFollowupsPage *self,
             JsonObject      *params)
{
  const char *op = json_object_get_string_member_with_default (params, "op", "");
  JsonObject *data = sr_member_object (params, "data");
  gint64 id = sr_member_int (params, "id");

  if (g_str_equal (op, "delete") || data == NULL)
    {
      g_hash_table_remove (self->followups, &id);
      schedule_refresh (self);
      return;
    }
  take_followup (self, data);
}

static void
event_cb (SrFollowupsPage *self,
          JsonObject      *params)
{
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");

  if (g_str_equal (entity, "customer"))
    {
      gint64 id = sr_member_int (params, "id");
      JsonObject *data = sr_member_object (params, "data");

      /* Names on screen follow their customers. */
      if (data != NULL && g_hash_table_contains (self->names, &id))
        {
          gint64 *key = g_new (gint64, 1);

          *key = id;
          g_hash_table_replace (self->names, key, g_strdup (sr_member_string (data, "name")));
          schedule_refresh (self);
        }
      return;
    }
  if (!g_str_equal (entity, "followup"))
    return;

  /* What the feed says while the list is read is at least as new: it goes on top. */
  if (self->touched != NULL)
    g_ptr_array_add (self->touched, json_object_ref (params));
  apply_event (self, params);
}

/* --- loading ----------------------------------------------------------------------------- */

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SrFollowupsPage) self = user_data;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;

  items = sr_client_list_all_finish (SR_CLIENT (object), result, &error);
  if (items == NULL)
    {
      /* A cancelled load has been replaced; after a lost connection `synced` loads again. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_warning ("loading the follow-ups failed: %s", error->message);
      return;
    }

  g_hash_table_remove_all (self->followups);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);

      if (JSON_NODE_HOLDS_OBJECT (item))
        take_followup (self, json_node_get_object (item));
    }
  for (guint i = 0; i < self->touched->len; i++)
    apply_event (self, g_ptr_array_index (self->touched, i));
  g_clear_pointer (&self->touched, g_ptr_array_unref);
  self->loaded = TRUE;
  schedule_refresh (self);
}

static void
load (SrFollowupsPage *self)
{
  g_autoptr(JsonObject) query = NULL;

  if (sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->touched, g_ptr_array_unref);
  self->touched = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  /* Names may have changed while the feed was away. */
  g_hash_table_remove_all (self->asking);

  query = json_object_new ();
  json_object_set_string_member (query, "status", "pending");
  if (!self->all)
    json_object_set_boolean_member (query, "mine", TRUE);
  json_object_set_int_member (query, "limit", PAGE_SIZE);
  sr_client_list_all_async (self->client, "followups.list", query, self->cancellable, listed_cb,
                            g_object_ref (self));
}

static void
synced_cb (SrFollowupsPage *self)
{
  load (self);
}

static void
state_cb (SrFollowupsPage *self)
{
  schedule_refresh (self);
}

static void
scope_changed_cb (SrFollowupsPage *self)
{
  gboolean all = gtk_toggle_button_get_active (self->all_button);

  if (self->client == NULL || all == self->all)
    return;
  self->all = all;
  self->loaded = FALSE;
  g_hash_table_remove_all (self->followups);
  adw_status_page_set_description (self->empty_page,
                                   all ? _("No follow-up of the branch is waiting.")
                                       : _("Follow-ups you add from a customer appear here, the most urgent first."));
  schedule_refresh (self);
  load (self);
}

/* --- marking one done -------------------------------------------------------------------- */

typedef struct {
  SrFollowupsPage *self;
  GtkWidget       *entry;
  gint64           id;
} Completion;

static void
completion_free (Completion *completion)
{
  g_object_unref (completion->self);
  g_free (completion);
}

static void
completed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Completion *completion = user_data;
  SrFollowupsPage *self = completion->self;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  g_hash_table_remove (self->busy, &completion->id);
  schedule_refresh (self);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    take_followup (self, json_node_get_object (reply));
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      JsonObject *current = sr_member_object (sr_error_get_extra (error), "current");
      g_autofree char *text = NULL;

      if (g_error_matches (error, SR_ERROR, SR_ERROR_ALREADY_DECIDED))
        {
          if (current != NULL)
            take_followup (self, current);
          text = g_strdup (_("This follow-up was already closed by someone else."));
        }
      else if (g_error_matches (error, SR_ERROR, SR_ERROR_FORBIDDEN))
        text = g_strdup (_("Only the person this follow-up is assigned to, or a manager, can mark it done."));
      else if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        text = g_strdup (_("Not connected to the server: the follow-up is still open. Try again when back online."));
      else
        text = g_strdup_printf (_("The follow-up could not be marked done: %s"), error->message);
      show_toast (self, text);
    }
  completion_free (completion);
}

static void
outcome_changed_cb (GtkEditable      *entry,
                    AdwMessageDialog *dialog)
{
  g_autofree char *outcome = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  /* What came of it is the point of closing a follow-up. */
  adw_message_dialog_set_response_enabled (dialog, "done", *outcome != '\0' && g_utf8_strlen (outcome, -1) <= 1000);
}

static void
done_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  Completion       *completion)
{
  SrFollowupsPage *self = completion->self;
  g_autoptr(JsonObject) params = NULL;
  g_autofree char *outcome = NULL;
  gint64 *key;

  if (!g_str_equal (response, "done"))
    return;
  outcome = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (completion->entry))));
  if (*outcome == '\0')
    return;

  /* From here on the call owns it, not the dialog. */
  g_object_steal_data (G_OBJECT (dialog), "sr-completion");
  key = g_new (gint64, 1);
  *key = completion->id;
  g_hash_table_add (self->busy, key);
  schedule_refresh (self);

  params = json_object_new ();
  json_object_set_int_member (params, "id", completion->id);
  json_object_set_string_member (params, "outcome", outcome);
  sr_client_call_async (self->client, "followups.complete", params, NULL, completed_cb, completion);
}

static void
done_clicked_cb (GtkButton       *button,
                 SrFollowupsPage *self)
{
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "sr-id"));
  JsonObject *followup = g_hash_table_lookup (self->followups, &id);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = NULL;
  g_autofree char *when = NULL;
  g_autofree char *body = NULL;
  Completion *completion;
  GtkWidget *dialog;

  if (followup == NULL)
    return;

  name = customer_name (self, followup);
  when = when_text (due_of (followup), now);
  /* Translators: "Call with Asha Rao, due 14:30. What came of it?" */
  body = g_strdup_printf (_("%s with %s, due %s. What came of it?"),
                          sr_followup_kind_label (sr_member_string (followup, "kind")), name, g_strstrip (when));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Mark Follow-up Done?"), body);

  completion = g_new0 (Completion, 1);
  completion->self = g_object_ref (self);
  completion->id = id;
  completion->entry = gtk_entry_new ();
  gtk_widget_set_name (completion->entry, "outcome");
  gtk_entry_set_placeholder_text (GTK_ENTRY (completion->entry), _("Outcome, e.g. booked a test drive for Saturday"));
  gtk_entry_set_activates_default (GTK_ENTRY (completion->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (completion->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Outcome"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), completion->entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "done", _("_Mark Done"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "done", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "done");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "done", FALSE);
  g_signal_connect_object (completion->entry, "changed", G_CALLBACK (outcome_changed_cb), dialog, 0);
  g_object_set_data_full (G_OBJECT (dialog), "sr-completion", completion, (GDestroyNotify) completion_free);
  g_signal_connect (dialog, "response", G_CALLBACK (done_response_cb), completion);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (completion->entry);
}

/* --- the widget -------------------------------------------------------------------------- */

guint
sr_followups_page_get_due_count (SrFollowupsPage *self)
{
  g_return_val_if_fail (SR_IS_FOLLOWUPS_PAGE (self), 0);
  return self->due_count;
}

GPtrArray *
sr_followups_page_get_shown (SrFollowupsPage *self)
{
  g_return_val_if_fail (SR_IS_FOLLOWUPS_PAGE (self), NULL);
  return self->shown;
}

gboolean
sr_followups_page_is_loaded (SrFollowupsPage *self)
{
  g_return_val_if_fail (SR_IS_FOLLOWUPS_PAGE (self), FALSE);
  return self->loaded && self->refresh_id == 0;
}

GtkWidget *
sr_followups_page_new (SrClient *client)
{
  SrFollowupsPage *self;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);

  self = g_object_new (SR_TYPE_FOLLOWUPS_PAGE, NULL);
  self->client = g_object_ref (client);
  gtk_widget_set_visible (self->scope_box, sr_client_is_manager (client));
  adw_status_page_set_description (self->empty_page,
                                   _("Follow-ups you add from a customer appear here, the most urgent first."));

  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_cb), self, G_CONNECT_SWAPPED);

  /* Made once signed in: the first sync may have passed already. */
  load (self);
  refresh (self);

  return GTK_WIDGET (self);
}

static void
sr_followups_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SrFollowupsPage *self = SR_FOLLOWUPS_PAGE (object);

  switch (prop_id)
    {
    case PROP_DUE_COUNT:
      g_value_set_uint (value, self->due_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_followups_page_dispose (GObject *object)
{
  SrFollowupsPage *self = SR_FOLLOWUPS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->due_id, g_source_remove);
  g_ptr_array_set_size (self->due_labels, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_FOLLOWUPS_PAGE);
  /* The template's outer box has no name to be disposed by. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sr_followups_page_parent_class)->dispose (object);
}

static void
sr_followups_page_finalize (GObject *object)
{
  SrFollowupsPage *self = SR_FOLLOWUPS_PAGE (object);

  /* A completion answered after dispose may have scheduled these. */
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->due_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->followups, g_hash_table_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_pointer (&self->asking, g_hash_table_unref);
  g_clear_pointer (&self->future, g_hash_table_unref);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_clear_pointer (&self->busy, g_hash_table_unref);
  g_clear_pointer (&self->touched, g_ptr_array_unref);
  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_pointer (&self->due_labels, g_ptr_array_unref);
  g_clear_pointer (&self->signature, g_free);

  G_OBJECT_CLASS (sr_followups_page_parent_class)->finalize (object);
}

static void
sr_followups_page_class_init (SrFollowupsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = sr_followups_page_get_property;
  object_class->dispose = sr_followups_page_dispose;
  object_class->finalize = sr_followups_page_finalize;

  properties[PROP_DUE_COUNT] =
    g_param_spec_uint ("due-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Once per follow-up of the user's that falls due while the page is alive. */
  signals[FOLLOWUP_DUE] =
    g_signal_new ("followup-due", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-followups-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, scope_box);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, all_button);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SrFollowupsPage, content);
  gtk_widget_class_bind_template_callback (widget_class, scope_changed_cb);
}

static void
sr_followups_page_init (SrFollowupsPage *self)
{
  self->followups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) json_object_unref);
  self->names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->asking = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->future = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->busy = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->shown = g_ptr_array_new ();
  self->due_labels = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* "in 2 hours" must stay true, and overdue must turn red on time. */
  self->clock_id = g_timeout_add_seconds (CLOCK_S, clock_cb, self);
}
