/* sr-approvals-page.c: the pending edits, live.
 *
 * Edits are held by id as the server sent them, loaded with edits.list and then kept
 * current from the feed's pending_edit events; the vehicle beside each comes from the
 * stock view's store, so a proposal whose vehicle moved on is flagged the moment the
 * vehicle's event arrives. The few cards are rebuilt whole after any change.
 */
#define G_LOG_DOMAIN "sr-approvals-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sr-approvals-page.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"

/* How many of a sales user's decided proposals stay in sight. */
#define DECIDED_SHOWN 20
#define PAGE_SIZE 200

struct _SrApprovalsPage
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkStack       *stack;
  AdwStatusPage  *empty_page;
  GtkBox         *content;

  /* Owned */
  SrClient       *client;
  SrVehicleStore *store;
  GHashTable     *edits;       /* id -> JsonObject (PendingEdit) */
  GHashTable     *busy;        /* group keys with a decision in flight */
  GHashTable     *expanded;    /* group keys of batches the user opened */
  GHashTable     *touched;     /* ids changed by events while a load runs; NULL otherwise */
  GPtrArray      *aged_rows;   /* rows whose subtitle says how long ago */
  GPtrArray      *outcomes;    /* the user's own edits just decided, for one toast per batch */
  GCancellable   *cancellable;
  char           *shown;       /* what the cards were built from, see signature() */
  guint           rebuild_id;
  guint           clock_id;
  guint           toast_id;
  guint           pending_count;
  gboolean        loaded;
};

G_DEFINE_FINAL_TYPE (SrApprovalsPage, sr_approvals_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PENDING_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_rebuild (SrApprovalsPage *self);

/* --- reading edits ---------------------------------------------------------------------- */

static const char *
person_name (JsonObject *edit,
             const char *member)
{
  JsonObject *person = sr_member_object (edit, member);

  return person ? sr_member_string (person, "name") : "";
}

static gint64
person_id (JsonObject *edit,
           const char *member)
{
  JsonObject *person = sr_member_object (edit, member);

  return person ? sr_member_int (person, "id") : 0;
}

static gboolean
status_is (JsonObject *edit,
           const char *status)
{
  return g_str_equal (sr_member_string (edit, "status"), status);
}

/* Seconds since the epoch of an RFC 3339 member, or 0. */
static gint64
member_time (JsonObject *edit,
             const char *name)
{
  g_autoptr(GDateTime) time = NULL;
  const char *text = sr_member_string (edit, name);

  if (*text == '\0' || (time = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return 0;
  return g_date_time_to_unix (time);
}

static gboolean
is_own (SrApprovalsPage *self,
        JsonObject      *edit)
{
  return person_id (edit, "proposed_by") == sr_client_get_user_id (self->client);
}

/* --- formatting ------------------------------------------------------------------------- */

/* The vehicle's value now, in the wire's form, for format_value(). */
static JsonNode *
current_value (SrVehicle  *vehicle,
               const char *field)
{
  JsonNode *node = json_node_alloc ();
  g_autofree char *text = NULL;

  if (g_str_equal (field, "price"))
    text = sr_vehicle_format_price (vehicle);
  else if (g_str_equal (field, "cost"))
    {
      if ((text = sr_vehicle_format_cost (vehicle)) == NULL)
        return json_node_init_null (node);
    }
  else if (g_str_equal (field, "arrived_on"))
    text = sr_vehicle_format_arrived_on (vehicle);
  else if (g_str_equal (field, "odometer_km"))
    return json_node_init_int (node, sr_vehicle_get_odometer_km (vehicle));
  else if (g_str_equal (field, "year"))
    return json_node_init_int (node, sr_vehicle_get_year (vehicle));
  else if (g_str_equal (field, "branch_id"))
    return json_node_init_int (node, sr_vehicle_get_branch_id (vehicle));
  else if (g_str_equal (field, "status"))
    text = g_strdup (sr_vehicle_status_to_string (sr_vehicle_get_status (vehicle)));
  else if (g_str_equal (field, "fuel"))
    text = g_strdup (sr_vehicle_fuel_to_string (sr_vehicle_get_fuel (vehicle)));
  else if (g_str_equal (field, "make"))
    text = g_strdup (sr_vehicle_get_make (vehicle));
  else if (g_str_equal (field, "model"))
    text = g_strdup (sr_vehicle_get_model (vehicle));
  else if (g_str_equal (field, "variant"))
    text = g_strdup (sr_vehicle_get_variant (vehicle));
  else if (g_str_equal (field, "color"))
    text = g_strdup (sr_vehicle_get_color (vehicle));
  else if (g_str_equal (field, "location"))
    text = g_strdup (sr_vehicle_get_location (vehicle));
  else if (g_str_equal (field, "notes"))
    text = g_strdup (sr_vehicle_get_notes (vehicle));
  else if (g_str_equal (field, "vin"))
    text = g_strdup (sr_vehicle_get_vin (vehicle));
  else
    return json_node_init_null (node);

  return json_node_init_string (node, text ? text : "");
}

static SrVehicle *
edit_vehicle (SrApprovalsPage *self,
              JsonObject      *edit)
{
  return sr_vehicle_store_lookup (self->store, sr_member_int (edit, "vehicle_id"), NULL);
}

/* "SR000012 · Hyundai Creta" */
static char *
vehicle_title (SrApprovalsPage *self,
               JsonObject      *edit)
{
  SrVehicle *vehicle = edit_vehicle (self, edit);

  if (vehicle == NULL)
    /* Translators: a vehicle not in the stock list, known only by its number in the database */
    return g_strdup_printf (_("Vehicle %lld"), (long long) sr_member_int (edit, "vehicle_id"));
  return g_strdup_printf ("%s · %s %s", sr_vehicle_get_stock_no (vehicle),
                          sr_vehicle_get_make (vehicle), sr_vehicle_get_model (vehicle));
}

static char *
vehicle_stock_no (SrApprovalsPage *self,
                  JsonObject      *edit)
{
  SrVehicle *vehicle = edit_vehicle (self, edit);

  if (vehicle == NULL)
    /* Translators: the same, inside a sentence: "Your change to vehicle 42 was approved…" */
    return g_strdup_printf (_("vehicle %lld"), (long long) sr_member_int (edit, "vehicle_id"));
  return g_strdup (sr_vehicle_get_stock_no (vehicle));
}

/* A pending edit whose vehicle moved past the version it was proposed against can only
 * go stale when approved. */
static gboolean
is_outdated (SrApprovalsPage *self,
             JsonObject      *edit)
{
  SrVehicle *vehicle = edit_vehicle (self, edit);

  return vehicle != NULL && status_is (edit, "pending") &&
         sr_vehicle_get_version (vehicle) != sr_member_int (edit, "base_version");
}

/* --- groups: one edit, or every edit of a batch ------------------------------------------- */

typedef struct {
  char      *key;          /* "edit-<id>" or "batch-<batch_id>": the card's widget name */
  gint64     batch_id;     /* 0 for a single edit */
  GPtrArray *edits;        /* JsonObject, borrowed, by id */
  gint64     newest_id;
  gint64     decided_at;
  guint      n_pending;
  guint      n_outdated;
  guint      n_stale;
  gboolean   own;
} Group;

static void
group_free (Group *group)
{
  g_free (group->key);
  g_ptr_array_unref (group->edits);
  g_free (group);
}

static int
compare_edit_ids (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = sr_member_int (*(JsonObject **) a, "id");
  gint64 y = sr_member_int (*(JsonObject **) b, "id");

  return x < y ? -1 : x > y;
}

/* Waiting ones first, newest first; then decided ones, latest decision first. */
static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const Group *x = *(Group **) a;
  const Group *y = *(Group **) b;

  if ((x->n_pending > 0) != (y->n_pending > 0))
    return x->n_pending > 0 ? -1 : 1;
  if (x->n_pending == 0 && x->decided_at != y->decided_at)
    return x->decided_at > y->decided_at ? -1 : 1;
  return x->newest_id > y->newest_id ? -1 : x->newest_id < y->newest_id;
}

static GPtrArray *
build_groups (SrApprovalsPage *self)
{
  g_autoptr(GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  GHashTableIter iter;
  JsonObject *edit;

  g_hash_table_iter_init (&iter, self->edits);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &edit))
    {
      gint64 batch_id = sr_member_int (edit, "batch_id");
      gint64 id = sr_member_int (edit, "id");
      g_autofree char *key = batch_id ? g_strdup_printf ("batch-%" G_GINT64_FORMAT, batch_id)
                                      : g_strdup_printf ("edit-%" G_GINT64_FORMAT, id);
      Group *group = g_hash_table_lookup (by_key, key);

      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->key = g_steal_pointer (&key);
          group->batch_id = batch_id;
          group->edits = g_ptr_array_new ();
          group->own = is_own (self, edit);
          g_hash_table_insert (by_key, group->key, group);
          g_ptr_array_add (groups, group);
        }
      g_ptr_array_add (group->edits, edit);
      group->newest_id = MAX (group->newest_id, id);
      group->decided_at = MAX (group->decided_at, member_time (edit, "decided_at"));
      if (status_is (edit, "pending"))
        group->n_pending++;
      if (status_is (edit, "stale"))
        group->n_stale++;
      if (is_outdated (self, edit))
        group->n_outdated++;
    }

  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_sort (((Group *) g_ptr_array_index (groups, i))->edits, compare_edit_ids);
  g_ptr_array_sort (groups, compare_groups);

  return groups;
}

/* What a manager may decide: others' proposals that wait; for sales, their own. */
static gboolean
group_counts (SrApprovalsPage *self,
              Group           *group)
{
  if (group->n_pending == 0)
    return FALSE;
  return sr_client_is_manager (self->client) ? !group->own : TRUE;
}

/* The fields a group changes, in the order first seen. */
static GPtrArray *
group_fields (Group *group)
{
  GPtrArray *fields = g_ptr_array_new ();

  for (guint i = 0; i < group->edits->len; i++)
    {
      JsonObject *changes = sr_member_object (g_ptr_array_index (group->edits, i), "changes");
      g_autoptr(GList) names = changes ? json_object_get_members (changes) : NULL;

      for (GList *l = names; l != NULL; l = l->next)
        {
          gboolean seen = FALSE;

          for (guint j = 0; j < fields->len && !seen; j++)
            seen = g_str_equal (g_ptr_array_index (fields, j), l->data);
          if (!seen)
            g_ptr_array_add (fields, l->data);
        }
    }

  return fields;
}

/* "Price change for 42 vehicles" */
static char *
batch_title (Group *group)
{
  g_autoptr(GPtrArray) fields = group_fields (group);
  guint n = group->edits->len;

  if (fields->len == 1)
    return g_strdup_printf (ngettext ("%s change for %u vehicle", "%s change for %u vehicles", n),
                            sr_field_label (g_ptr_array_index (fields, 0)), n);
  return g_strdup_printf (ngettext ("Changes to %u vehicle", "Changes to %u vehicles", n), n);
}

/* --- building the cards ----------------------------------------------------------------- */

static GtkWidget *
label_new (const char *text,
           float       xalign,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* Figures in columns: digits of one width; the proposed value in bold, at the same
 * size as the current one so both sit on one baseline. */
static GtkWidget *
figure_new (const char *text,
            gboolean    proposed)
{
  GtkWidget *label = label_new (text, 1.0, proposed ? NULL : "dim-label");
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  if (proposed)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  gtk_label_set_attributes (GTK_LABEL (label), attrs);
  pango_attr_list_unref (attrs);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 32);
  return label;
}

/* A list row that only shows things. */
static GtkWidget *
plain_row (GtkWidget *child)
{
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (child, 10);
  gtk_widget_set_margin_bottom (child, 10);
  gtk_widget_set_margin_start (child, 12);
  gtk_widget_set_margin_end (child, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), child);
  return row;
}

/* "5 minutes ago"; "" for a time that cannot be read. */
static char *
format_age (const char *timestamp)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  char *age = sr_age_display (timestamp, now);

  return age ? age : g_strdup ("");
}

static char *
row_subtitle (const char *who,
              const char *created)
{
  g_autofree char *age = format_age (created);

  /* Translators: "Proposed by Mumbai Sales · 5 minutes ago" */
  return who ? g_strdup_printf (_("Proposed by %s · %s"), who, age)
             : g_strdup_printf (_("Proposed by you · %s"), age);
}

static void
set_aged_subtitle (GtkWidget *row)
{
  const char *who = g_object_get_data (G_OBJECT (row), "sr-who");
  const char *created = g_object_get_data (G_OBJECT (row), "sr-created");
  g_autofree char *subtitle = row_subtitle (who, created);

  if (ADW_IS_ACTION_ROW (row))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  else
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
}

static void
make_aged (SrApprovalsPage *self,
           GtkWidget       *row,
           Group           *group)
{
  JsonObject *first = g_ptr_array_index (group->edits, 0);

  g_object_set_data_full (G_OBJECT (row), "sr-who",
                          group->own ? NULL : g_strdup (person_name (first, "proposed_by")), g_free);
  g_object_set_data_full (G_OBJECT (row), "sr-created",
                          g_strdup (sr_member_string (first, "created_at")), g_free);
  set_aged_subtitle (row);
  g_ptr_array_add (self->aged_rows, g_object_ref (row));
}

static void decide_clicked_cb (GtkButton *button, SrApprovalsPage *self);
static void withdraw_clicked_cb (GtkButton *button, SrApprovalsPage *self);
static void dismiss_clicked_cb (GtkButton *button, SrApprovalsPage *self);

static GtkWidget *
action_button (SrApprovalsPage *self,
               Group           *group,
               const char      *label,
               const char      *description,
               const char      *css_class,
               GCallback        callback)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (css_class != NULL)
    gtk_widget_add_css_class (button, css_class);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  g_object_set_data_full (G_OBJECT (button), "sr-group", g_strdup (group->key), g_free);
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

/* The buttons of a card; @add puts one into the header row. */
static void
add_actions (SrApprovalsPage *self,
             Group           *group,
             GtkWidget       *header,
             const char      *what)
{
  gboolean manager = sr_client_is_manager (self->client);
  gboolean can_act = sr_client_get_state (self->client) == SR_CLIENT_ONLINE &&
                     !g_hash_table_contains (self->busy, group->key);
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autofree char *approve_text = g_strdup_printf (_("Approve the change to %s"), what);
  g_autofree char *reject_text = g_strdup_printf (_("Reject the change to %s"), what);
  g_autofree char *withdraw_text = g_strdup_printf (_("Withdraw the change to %s"), what);
  g_autofree char *dismiss_text = g_strdup_printf (_("Dismiss the stale change to %s"), what);

  if (group->n_pending > 0 && group->own)
    {
      GtkWidget *button = action_button (self, group, _("Withdraw"), withdraw_text, NULL,
                                         G_CALLBACK (withdraw_clicked_cb));

      gtk_widget_set_sensitive (button, can_act);
      g_ptr_array_add (buttons, button);
    }
  else if (group->n_pending > 0 && manager)
    {
      GtkWidget *reject = action_button (self, group, _("Reject"), reject_text, "destructive-action",
                                         G_CALLBACK (decide_clicked_cb));
      GtkWidget *approve = action_button (self, group, _("Approve"), approve_text, "suggested-action",
                                          G_CALLBACK (decide_clicked_cb));

      g_object_set_data (G_OBJECT (reject), "sr-method", (gpointer) "edits.reject");
      g_object_set_data (G_OBJECT (approve), "sr-method", (gpointer) "edits.approve");
      gtk_widget_set_sensitive (reject, can_act);
      /* Approving an outdated edit could only fail: the vehicle has moved on. */
      gtk_widget_set_sensitive (approve, can_act && group->n_outdated == 0 &&
                                         (group->batch_id != 0 || group->n_stale == 0));
      if (group->n_outdated > 0)
        gtk_widget_set_tooltip_text (approve, _("The vehicle changed since this was proposed"));
      g_ptr_array_add (buttons, reject);
      g_ptr_array_add (buttons, approve);
    }
  else if (manager && !group->own)
    {
      GtkWidget *button = action_button (self, group, _("Dismiss"), dismiss_text, "flat",
                                         G_CALLBACK (dismiss_clicked_cb));

      g_ptr_array_add (buttons, button);
    }
  else if (group->n_pending == 0)
    {
      JsonObject *first = g_ptr_array_index (group->edits, 0);
      const char *status = sr_member_string (first, "status");
      const char *text = _("Withdrawn");
      const char *css = "dim-label";
      GtkWidget *label;

      if (g_str_equal (status, "approved"))
        text = _("Approved"), css = "success";
      else if (g_str_equal (status, "rejected"))
        text = _("Rejected"), css = "error";
      else if (g_str_equal (status, "stale"))
        text = _("Stale"), css = "warning";
      label = gtk_label_new (text);
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_add_css_class (label, css);
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      gtk_widget_set_name (label, "outcome");
      g_ptr_array_add (buttons, label);
    }

  /* An expander row puts each action before the ones it has. */
  for (guint i = 0; i < buttons->len; i++)
    {
      if (ADW_IS_ACTION_ROW (header))
        adw_action_row_add_suffix (ADW_ACTION_ROW (header), g_ptr_array_index (buttons, i));
      else
        adw_expander_row_add_action (ADW_EXPANDER_ROW (header),
                                     g_ptr_array_index (buttons, buttons->len - 1 - i));
    }
}

/* Field, current value, proposed value: side by side, figures right-aligned. */
static GtkWidget *
changes_grid (SrApprovalsPage *self,
              JsonObject      *edit)
{
  GtkWidget *grid = gtk_grid_new ();
  JsonObject *changes = sr_member_object (edit, "changes");
  g_autoptr(GList) names = changes ? json_object_get_members (changes) : NULL;
  SrVehicle *vehicle = edit_vehicle (self, edit);
  int row = 1;

  gtk_grid_set_column_spacing (GTK_GRID (grid), 24);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_attach (GTK_GRID (grid), label_new (_("Field"), 0.0, "caption-heading"), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), label_new (_("Current"), 1.0, "caption-heading"), 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), label_new (_("Proposed"), 1.0, "caption-heading"), 2, 0, 1, 1);
  for (GtkWidget *child = gtk_widget_get_first_child (grid); child; child = gtk_widget_get_next_sibling (child))
    gtk_widget_add_css_class (child, "dim-label");

  for (GList *l = names; l != NULL; l = l->next, row++)
    {
      const char *field = l->data;
      g_autoptr(JsonNode) now = vehicle ? current_value (vehicle, field) : NULL;
      g_autofree char *old_text = vehicle ? sr_field_value_display (field, now) : g_strdup ("…");
      g_autofree char *new_text = sr_field_value_display (field, json_object_get_member (changes, field));
      GtkWidget *name = label_new (sr_field_label (field), 0.0, NULL);
      GtkWidget *old_label = figure_new (old_text, FALSE);
      GtkWidget *new_label = figure_new (new_text, TRUE);

      gtk_widget_set_hexpand (name, TRUE);
      gtk_widget_set_name (old_label, field);
      gtk_widget_set_name (new_label, "proposed");
      g_object_set_data_full (G_OBJECT (new_label), "sr-field", g_strdup (field), g_free);
      gtk_grid_attach (GTK_GRID (grid), name, 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), old_label, 1, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), new_label, 2, row, 1, 1);
    }

  return grid;
}

/* A batch's vehicles, one row each: the changed fields now and as proposed, in columns
 * kept aligned by size groups. */
static void
add_batch_rows (SrApprovalsPage *self,
                Group           *group,
                GtkWidget       *expander)
{
  g_autoptr(GtkSizeGroup) old_size = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  g_autoptr(GtkSizeGroup) new_size = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  GtkWidget *label;

  label = label_new (_("Vehicle"), 0.0, "caption-heading");
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (heading), label);
  label = label_new (_("Current"), 1.0, "caption-heading");
  gtk_size_group_add_widget (old_size, label);
  gtk_box_append (GTK_BOX (heading), label);
  label = label_new (_("Proposed"), 1.0, "caption-heading");
  gtk_size_group_add_widget (new_size, label);
  gtk_box_append (GTK_BOX (heading), label);
  gtk_widget_add_css_class (heading, "dim-label");
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), plain_row (heading));

  for (guint i = 0; i < group->edits->len; i++)
    {
      JsonObject *edit = g_ptr_array_index (group->edits, i);
      JsonObject *changes = sr_member_object (edit, "changes");
      g_autoptr(GList) names = changes ? json_object_get_members (changes) : NULL;
      SrVehicle *vehicle = edit_vehicle (self, edit);
      g_autofree char *title = vehicle_title (self, edit);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
      GtkWidget *olds = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *news = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *name_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *row;

      label = label_new (title, 0.0, NULL);
      gtk_box_append (GTK_BOX (name_box), label);
      if (is_outdated (self, edit) || status_is (edit, "stale"))
        {
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

          gtk_widget_add_css_class (icon, "warning");
          gtk_widget_set_tooltip_text (icon, _("Changed since this was proposed"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Changed since this was proposed"), -1);
          gtk_box_append (GTK_BOX (name_box), icon);
        }
      gtk_widget_set_hexpand (name_box, TRUE);
      gtk_box_append (GTK_BOX (box), name_box);

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *field = l->data;
          g_autoptr(JsonNode) now = vehicle ? current_value (vehicle, field) : NULL;
          g_autofree char *old_text = vehicle ? sr_field_value_display (field, now) : g_strdup ("…");
          g_autofree char *new_text = sr_field_value_display (field, json_object_get_member (changes, field));
          g_autofree char *old_line = NULL;
          g_autofree char *new_line = NULL;

          /* With several fields each line names its own. */
          if (names->next != NULL)
            {
              /* Translators: a field and its value: "Price: 650,000.00" */
              old_line = g_strdup_printf (_("%s: %s"), sr_field_label (field), old_text);
              new_line = g_strdup_printf (_("%s: %s"), sr_field_label (field), new_text);
            }
          label = figure_new (old_line ? old_line : old_text, FALSE);
          gtk_widget_set_name (label, field);
          gtk_box_append (GTK_BOX (olds), label);
          label = figure_new (new_line ? new_line : new_text, TRUE);
          gtk_widget_set_name (label, "proposed");
          gtk_box_append (GTK_BOX (news), label);
        }
      gtk_size_group_add_widget (old_size, olds);
      gtk_size_group_add_widget (new_size, news);
      gtk_box_append (GTK_BOX (box), olds);
      gtk_box_append (GTK_BOX (box), news);
      row = plain_row (box);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
    }
}

static void
expanded_cb (AdwExpanderRow  *row,
             GParamSpec      *pspec,
             SrApprovalsPage *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "sr-group");

  if (adw_expander_row_get_expanded (row))
    g_hash_table_add (self->expanded, g_strdup (key));
  else
    g_hash_table_remove (self->expanded, key);
}

/* A line with an icon: the stale flag, an outcome. */
static GtkWidget *
notice_row (const char *icon_name,
            const char *css_class,
            const char *title,
            const char *body,
            const char *name)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label;
  GtkWidget *row;

  if (icon_name != NULL)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

      gtk_widget_set_valign (icon, GTK_ALIGN_START);
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      if (css_class != NULL)
        gtk_widget_add_css_class (icon, css_class);
      gtk_box_append (GTK_BOX (box), icon);
    }
  label = label_new (title, 0.0, css_class);
  /* A caption heading labels what follows, as the column heads do. */
  if (g_strcmp0 (css_class, "caption-heading") == 0)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_name (label, "title");
  gtk_box_append (GTK_BOX (text), label);
  if (body != NULL && *body != '\0')
    {
      label = label_new (body, 0.0, NULL);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_set_name (label, "body");
      gtk_box_append (GTK_BOX (text), label);
    }
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  row = plain_row (box);
  gtk_widget_set_name (row, name);
  return row;
}

static char *
outcome_title (JsonObject *edit,
               gboolean    own_decision)
{
  const char *status = sr_member_string (edit, "status");
  const char *who = person_name (edit, "decided_by");
  g_autofree char *age = format_age (sr_member_string (edit, "decided_at"));

  if (g_str_equal (status, "approved"))
    return g_strdup_printf (_("Approved by %s · %s"), who, age);
  if (g_str_equal (status, "rejected"))
    return g_strdup_printf (_("Rejected by %s · %s"), who, age);
  if (g_str_equal (status, "withdrawn"))
    return own_decision ? g_strdup_printf (_("Withdrawn by you · %s"), age)
                        : g_strdup_printf (_("Withdrawn by %s · %s"), who, age);
  return g_strdup (_("Stale: the vehicle changed before this was approved; nothing was applied"));
}

static GtkWidget *
make_card (SrApprovalsPage *self,
           Group           *group)
{
  GtkWidget *list = gtk_list_box_new ();
  JsonObject *first = g_ptr_array_index (group->edits, 0);
  const char *reason = sr_member_string (first, "reason");
  g_autofree char *what = NULL;
  GtkWidget *header;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_name (list, group->key);

  if (group->batch_id == 0)
    {
      g_autofree char *title = vehicle_title (self, first);

      what = vehicle_stock_no (self, first);
      header = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (header), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (header), title);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (header), FALSE);
      gtk_widget_add_css_class (header, "header");
    }
  else
    {
      g_autofree char *title = batch_title (group);

      what = g_strdup_printf (ngettext ("%u vehicle", "%u vehicles", group->edits->len), group->edits->len);
      header = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (header), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (header), title);
      g_object_set_data_full (G_OBJECT (header), "sr-group", g_strdup (group->key), g_free);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (header),
                                     g_hash_table_contains (self->expanded, group->key));
      g_signal_connect_object (header, "notify::expanded", G_CALLBACK (expanded_cb), self, 0);
      add_batch_rows (self, group, header);
    }
  gtk_widget_set_name (header, "header");
  make_aged (self, header, group);
  add_actions (self, group, header, what);
  gtk_list_box_append (GTK_LIST_BOX (list), header);

  if (*reason != '\0')
    gtk_list_box_append (GTK_LIST_BOX (list), notice_row (NULL, "caption-heading", _("Reason"), reason, "reason"));

  if (group->batch_id == 0)
    {
      GtkWidget *row = plain_row (changes_grid (self, first));

      gtk_widget_set_name (row, "changes");
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }

  if (group->n_pending > 0 && (group->n_outdated > 0 || group->n_stale > 0))
    {
      guint n = group->n_outdated + group->n_stale;
      g_autofree char *flag = group->batch_id == 0
        ? g_strdup (_("Stale: the vehicle changed since this was proposed"))
        : g_strdup_printf (ngettext ("Stale: %u vehicle changed since this was proposed",
                                     "Stale: %u vehicles changed since this was proposed", n), n);

      gtk_list_box_append (GTK_LIST_BOX (list),
                           notice_row ("dialog-warning-symbolic", "warning", flag,
                                       sr_client_is_manager (self->client) && !group->own
                                         ? _("Approving it would change a vehicle that is no longer as proposed. Reject it, and ask for a new proposal if it still matters.")
                                         : _("It can no longer be approved. Withdraw it and propose again."),
                                       "stale"));
    }
  else if (group->n_pending == 0)
    {
      g_autofree char *title = outcome_title (first, person_id (first, "decided_by") == sr_client_get_user_id (self->client));
      const char *status = sr_member_string (first, "status");
      const char *icon = g_str_equal (status, "approved") ? "emblem-ok-symbolic"
                       : g_str_equal (status, "stale") ? "dialog-warning-symbolic" : NULL;
      const char *css = g_str_equal (status, "stale") ? "warning" : "caption-heading";

      gtk_list_box_append (GTK_LIST_BOX (list),
                           notice_row (icon, css, title, sr_member_string (first, "note"), "outcome-note"));
    }

  return list;
}

/* A titled part of the page; cards go into the returned box. */
static GtkWidget *
add_section (SrApprovalsPage *self,
             const char      *title,
             const char      *description)
{
  GtkWidget *section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *heading = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_box_append (GTK_BOX (heading), label_new (title, 0.0, "heading"));
  if (description != NULL)
    gtk_box_append (GTK_BOX (heading), label_new (description, 0.0, "dim-label"));
  gtk_box_append (GTK_BOX (section), heading);
  gtk_box_append (self->content, section);
  return section;
}

static void
set_pending_count (SrApprovalsPage *self,
                   guint            count)
{
  if (self->pending_count == count)
    return;
  self->pending_count = count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
}

/* Everything the cards show but the ages. A rebuild replaces every widget, which
 * would take focus and a half-done click from the user, so it happens only when this
 * changed: not for news of other vehicles, nor for a reload that found the same. */
static char *
signature (SrApprovalsPage *self,
           GPtrArray       *groups)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%d %d|", self->loaded,
                          sr_client_get_state (self->client) == SR_CLIENT_ONLINE);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);

      g_string_append_printf (text, "%s %d:", group->key, g_hash_table_contains (self->busy, group->key));
      for (guint j = 0; j < group->edits->len; j++)
        {
          JsonObject *edit = g_ptr_array_index (group->edits, j);
          SrVehicle *vehicle = edit_vehicle (self, edit);

          g_string_append_printf (text, "%" G_GINT64_FORMAT " %s %s %" G_GINT64_FORMAT ",",
                                  sr_member_int (edit, "id"), sr_member_string (edit, "status"),
                                  sr_member_string (edit, "decided_at"),
                                  vehicle ? sr_vehicle_get_version (vehicle) : -1);
        }
      g_string_append_c (text, '|');
    }

  return g_string_free (text, FALSE);
}

static void
rebuild (SrApprovalsPage *self)
{
  g_autoptr(GPtrArray) groups = NULL;
  gboolean manager = sr_client_is_manager (self->client);
  gboolean decided_heading = FALSE;
  guint count = 0, n_waiting = 0;
  GtkWidget *section = NULL;
  GtkWidget *child;
  g_autofree char *shown = NULL;

  if (self->content == NULL)
    return;

  groups = build_groups (self);
  shown = signature (self, groups);
  if (g_strcmp0 (shown, self->shown) == 0)
    return;
  g_free (self->shown);
  self->shown = g_steal_pointer (&shown);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->content))) != NULL)
    gtk_box_remove (self->content, child);
  g_ptr_array_set_size (self->aged_rows, 0);

  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);

      if (group_counts (self, group))
        count++;
      if (group->n_pending > 0)
        n_waiting++;
    }
  set_pending_count (self, count);

  if (groups->len > 0)
    {
      g_autofree char *description = NULL;

      if (manager && count == 0)
        description = g_strdup (_("None waits for your decision"));
      else if (manager)
        description = g_strdup_printf (ngettext ("%u proposal waits for your decision",
                                                 "%u proposals wait for your decision", count), count);
      else if (n_waiting == 0)
        description = g_strdup (_("None waits for a manager"));
      else
        description = g_strdup_printf (ngettext ("%u proposal waits for a manager",
                                                 "%u proposals wait for a manager", n_waiting), n_waiting);
      section = add_section (self, manager ? _("Pending Changes") : _("My Proposals"), description);
    }

  for (guint i = 0, shown_decided = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);

      if (group->n_pending == 0 && !manager)
        {
          if (shown_decided++ >= DECIDED_SHOWN)
            break;
          if (!decided_heading)
            {
              section = add_section (self, _("Recently Decided"), NULL);
              decided_heading = TRUE;
            }
        }
      gtk_box_append (GTK_BOX (section), make_card (self, group));
    }

  if (!self->loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (groups->len == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static gboolean
rebuild_cb (gpointer user_data)
{
  SrApprovalsPage *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

/* Many changes in one turn of the loop (a batch decided, a page of vehicles loaded)
 * make one rebuild. */
static void
schedule_rebuild (SrApprovalsPage *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, rebuild_cb, self, NULL);
}

static gboolean
clock_cb (gpointer user_data)
{
  SrApprovalsPage *self = user_data;

  for (guint i = 0; i < self->aged_rows->len; i++)
    set_aged_subtitle (g_ptr_array_index (self->aged_rows, i));
  return G_SOURCE_CONTINUE;
}

/* --- toasts ----------------------------------------------------------------------------- */

static void
show_toast (SrApprovalsPage *self,
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
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* The proposer hears of each decision once: a batch's edits arrive one event each. */
static gboolean
toast_outcomes_cb (gpointer user_data)
{
  SrApprovalsPage *self = user_data;
  g_autoptr(GHashTable) told = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->toast_id = 0;
  for (guint i = 0; i < self->outcomes->len; i++)
    {
      JsonObject *edit = g_ptr_array_index (self->outcomes, i);
      gint64 *batch_id = g_new (gint64, 1);
      const char *status = sr_member_string (edit, "status");
      const char *who = person_name (edit, "decided_by");
      g_autofree char *what = NULL;
      g_autofree char *text = NULL;
      guint n = 0;

      *batch_id = sr_member_int (edit, "batch_id");
      if (*batch_id != 0)
        {
          if (g_hash_table_contains (told, batch_id))
            {
              g_free (batch_id);
              continue;
            }
          for (guint j = 0; j < self->outcomes->len; j++)
            if (sr_member_int (g_ptr_array_index (self->outcomes, j), "batch_id") == *batch_id)
              n++;
          g_hash_table_add (told, batch_id);
          what = g_strdup_printf (ngettext ("%u vehicle", "%u vehicles", n), n);
        }
      else
        {
          what = vehicle_stock_no (self, edit);
          g_free (batch_id);
        }

      /* Translators: "Your change to SR000012 was approved by Mumbai Manager" */
      if (g_str_equal (status, "approved"))
        text = g_strdup_printf (_("Your change to %s was approved by %s"), what, who);
      else if (g_str_equal (status, "rejected"))
        text = g_strdup_printf (_("Your change to %s was rejected by %s"), what, who);
      else
        text = g_strdup_printf (_("Your change to %s went stale: the vehicle changed before it was approved"), what);
      show_toast (self, text);
    }
  g_ptr_array_set_size (self->outcomes, 0);

  return G_SOURCE_REMOVE;
}

/* --- keeping the edits ------------------------------------------------------------------ */

/* Managers keep what waits (and a proposal that just went stale, until dismissed);
 * sales users keep their own proposals, decided ones too. */
static gboolean
keeps (SrApprovalsPage *self,
       JsonObject      *edit,
       JsonObject      *held)
{
  if (!sr_client_is_manager (self->client))
    return is_own (self, edit);
  if (status_is (edit, "pending"))
    return TRUE;
  return status_is (edit, "stale") && held != NULL && !is_own (self, edit);
}

/* An edit only ever leaves `pending`: of two copies, the decided one is the later. */
static gboolean
is_later (JsonObject *edit,
          JsonObject *than)
{
  return than == NULL || status_is (than, "pending") || !status_is (edit, "pending");
}

static void
take_edit (SrApprovalsPage *self,
           JsonObject      *edit,
           gboolean         live)
{
  gint64 id = sr_member_int (edit, "id");
  JsonObject *held = g_hash_table_lookup (self->edits, &id);

  if (!is_later (edit, held))
    return;

  /* Only a change seen happen is news: not what a reload finds already decided. */
  if (live && held != NULL && status_is (held, "pending") && is_own (self, edit) &&
      (status_is (edit, "approved") || status_is (edit, "rejected") || status_is (edit, "stale")))
    {
      g_ptr_array_add (self->outcomes, json_object_ref (edit));
      if (self->toast_id == 0)
        self->toast_id = g_idle_add (toast_outcomes_cb, self);
    }

  if (keeps (self, edit, held))
    {
      gint64 *key = g_new (gint64, 1);

      *key = id;
      g_hash_table_replace (self->edits, key, json_object_ref (edit));
    }
  else
    g_hash_table_remove (self->edits, &id);
  schedule_rebuild (self);
}

static void
take_edits (SrApprovalsPage *self,
            JsonNode        *reply,
            gboolean         live)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  JsonNode *edits = object ? json_object_get_member (object, "edits") : NULL;

  if (edits == NULL || !JSON_NODE_HOLDS_ARRAY (edits))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (edits)); i++)
    {
      JsonNode *edit = json_array_get_element (json_node_get_array (edits), i);

      if (JSON_NODE_HOLDS_OBJECT (edit))
        take_edit (self, json_node_get_object (edit), live);
    }
}

static void
mark_touched (SrApprovalsPage *self,
              gint64           id)
{
  gint64 *key;

  if (self->touched == NULL)
    return;
  key = g_new (gint64, 1);
  *key = id;
  g_hash_table_add (self->touched, key);
}

static void
event_cb (SrApprovalsPage *self,
          JsonObject      *params)
{
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");
  const char *op = json_object_get_string_member_with_default (params, "op", "");
  JsonObject *data = sr_member_object (params, "data");
  gint64 id = sr_member_int (params, "id");

  /* The store has this vehicle's news already (the stock view hears first); the
   * flags and current values follow it. */
  if (g_str_equal (entity, "vehicle"))
    {
      schedule_rebuild (self);
      return;
    }
  if (!g_str_equal (entity, "pending_edit"))
    return;

  mark_touched (self, id);
  if (g_str_equal (op, "delete") || data == NULL)
    {
      if (g_hash_table_remove (self->edits, &id))
        schedule_rebuild (self);
      return;
    }
  take_edit (self, data, TRUE);
}

/* --- loading ---------------------------------------------------------------------------- */

typedef struct {
  SrApprovalsPage *self;
  GHashTable      *found;     /* id -> JsonObject */
  GQueue           queries;   /* JsonObject params still to ask */
  JsonObject      *query;     /* the one running */
  gboolean         paged;
} Load;

static void
load_free (Load *load)
{
  g_object_unref (load->self);
  g_hash_table_unref (load->found);
  g_queue_clear_full (&load->queries, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&load->query, json_object_unref);
  g_free (load);
}

static void load_next (Load *load);

static void
loaded (Load *load)
{
  SrApprovalsPage *self = load->self;
  GHashTableIter iter;
  gpointer key;
  JsonObject *edit;

  /* What the feed said while the lists were read is at least as new as they are. */
  g_hash_table_iter_init (&iter, self->touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      JsonObject *held = g_hash_table_lookup (self->edits, key);
      JsonObject *found = g_hash_table_lookup (load->found, key);

      if (held != NULL && (found == NULL || is_later (held, found)))
        {
          gint64 *id = g_new (gint64, 1);

          *id = *(gint64 *) key;
          g_hash_table_replace (load->found, id, json_object_ref (held));
        }
      else if (held == NULL)
        g_hash_table_remove (load->found, key);
    }
  g_clear_pointer (&self->touched, g_hash_table_unref);

  g_hash_table_remove_all (self->edits);
  g_hash_table_iter_init (&iter, load->found);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &edit))
    take_edit (self, edit, FALSE);

  self->loaded = TRUE;
  schedule_rebuild (self);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *page;
  JsonNode *items, *next;

  /* The source is the connection the call went out on. */
  reply = sr_client_call_finish (load->self->client, result, &error);
  if (reply == NULL)
    {
      /* A cancelled load has been replaced; after a lost connection, the reconnect's
       * `synced` loads again. */
      if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
        g_debug ("loading the pending changes stopped: %s", error->message);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("loading the pending changes failed: %s", error->message);
      load_free (load);
      return;
    }

  page = json_node_get_object (reply);
  items = json_object_get_member (page, "items");
  if (items != NULL && JSON_NODE_HOLDS_ARRAY (items))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (items)); i++)
      {
        JsonObject *edit = json_array_get_object_element (json_node_get_array (items), i);
        gint64 *id = g_new (gint64, 1);

        *id = sr_member_int (edit, "id");
        g_hash_table_replace (load->found, id, json_object_ref (edit));
      }

  next = json_object_get_member (page, "next");
  if (load->paged && next != NULL && JSON_NODE_HOLDS_VALUE (next))
    json_object_set_member (load->query, "after", json_node_copy (next));
  else
    g_clear_pointer (&load->query, json_object_unref);
  load_next (load);
}

static void
load_next (Load *load)
{
  SrApprovalsPage *self = load->self;

  if (load->query == NULL)
    {
      load->query = g_queue_pop_head (&load->queries);
      if (load->query == NULL)
        {
          loaded (load);
          load_free (load);
          return;
        }
      /* The decided ones are a glance back, not an archive. */
      load->paged = json_object_has_member (load->query, "status") &&
                    json_node_get_node_type (json_object_get_member (load->query, "status")) == JSON_NODE_VALUE;
    }
  sr_client_call_async (self->client, "edits.list", load->query, self->cancellable,
                        listed_cb, load);
}

static void
load (SrApprovalsPage *self)
{
  Load *load = g_new0 (Load, 1);
  JsonObject *query;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->touched, g_hash_table_unref);
  self->touched = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  load->self = g_object_ref (self);
  load->found = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) json_object_unref);
  g_queue_init (&load->queries);

  query = json_object_new ();
  json_object_set_string_member (query, "status", "pending");
  json_object_set_int_member (query, "limit", PAGE_SIZE);
  if (!sr_client_is_manager (self->client))
    json_object_set_boolean_member (query, "mine", TRUE);
  g_queue_push_tail (&load->queries, query);

  if (!sr_client_is_manager (self->client))
    {
      JsonArray *statuses = json_array_new ();

      json_array_add_string_element (statuses, "approved");
      json_array_add_string_element (statuses, "rejected");
      json_array_add_string_element (statuses, "stale");
      json_array_add_string_element (statuses, "withdrawn");
      query = json_object_new ();
      json_object_set_array_member (query, "status", statuses);
      json_object_set_boolean_member (query, "mine", TRUE);
      json_object_set_int_member (query, "limit", DECIDED_SHOWN);
      g_queue_push_tail (&load->queries, query);
    }

  load_next (load);
}

static void
synced_cb (SrApprovalsPage *self,
           gboolean         reload)
{
  /* Small enough to read again on every return online, gap or not. */
  load (self);
}

static void
state_cb (SrApprovalsPage *self)
{
  schedule_rebuild (self);
}

/* --- deciding --------------------------------------------------------------------------- */

typedef struct {
  SrApprovalsPage *self;
  char            *key;
  char            *method;
  char            *what;      /* "SR000012", "42 vehicles": for messages */
  JsonObject      *params;    /* {id} or {batch_id} */
  GtkWidget       *entry;
} Decision;

static void
decision_free (Decision *decision)
{
  g_object_unref (decision->self);
  g_free (decision->key);
  g_free (decision->method);
  g_free (decision->what);
  json_object_unref (decision->params);
  g_free (decision);
}

static Group *
find_group (SrApprovalsPage *self,
            GPtrArray       *groups,
            const char      *key)
{
  for (guint i = 0; i < groups->len; i++)
    if (g_str_equal (((Group *) g_ptr_array_index (groups, i))->key, key))
      return g_ptr_array_index (groups, i);
  return NULL;
}

static char *
decision_error_text (Decision     *decision,
                     const GError *error)
{
  gboolean approving = g_str_equal (decision->method, "edits.approve");

  if (g_error_matches (error, SR_ERROR, SR_ERROR_STALE_EDIT))
    return g_strdup_printf (_("Not applied: %s changed since this was proposed. The proposal is now stale."),
                            decision->what);
  if (g_error_matches (error, SR_ERROR, SR_ERROR_ALREADY_DECIDED))
    {
      JsonObject *extra = sr_error_get_extra (error);
      JsonObject *current = extra ? sr_member_object (extra, "current") : NULL;
      const char *who = current ? person_name (current, "decided_by") : "";

      /* Who got there first, when the server says. */
      if (*who != '\0' && status_is (current, "approved"))
        return g_strdup_printf (_("%s already approved the change to %s"), who, decision->what);
      if (*who != '\0' && status_is (current, "rejected"))
        return g_strdup_printf (_("%s already rejected the change to %s"), who, decision->what);
      return g_strdup_printf (_("The change to %s was already decided by someone else"), decision->what);
    }
  if (g_error_matches (error, SR_ERROR, SR_ERROR_OWN_EDIT))
    return g_strdup (_("You proposed this change yourself: another manager must decide it"));
  if (g_error_matches (error, SR_ERROR, SR_ERROR_CONNECTION))
    return g_strdup (_("Not connected to the server: nothing was decided. Try again when back online."));
  if (g_str_equal (decision->method, "edits.withdraw"))
    return g_strdup_printf (_("The change to %s could not be withdrawn: %s"), decision->what, error->message);
  return approving ? g_strdup_printf (_("The change to %s could not be approved: %s"), decision->what, error->message)
                   : g_strdup_printf (_("The change to %s could not be rejected: %s"), decision->what, error->message);
}

static void
decided_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Decision *decision = user_data;
  SrApprovalsPage *self = decision->self;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sr_client_call_finish (self->client, result, &error);
  g_hash_table_remove (self->busy, decision->key);
  schedule_rebuild (self);

  if (reply != NULL)
    {
      /* edits.withdraw returns the edit itself; the others {edits, ...}. */
      if (JSON_NODE_HOLDS_OBJECT (reply) && json_object_has_member (json_node_get_object (reply), "edits"))
        take_edits (self, reply, FALSE);
      else if (JSON_NODE_HOLDS_OBJECT (reply))
        take_edit (self, json_node_get_object (reply), FALSE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = decision_error_text (decision, error);
      JsonObject *extra = sr_error_get_extra (error);
      JsonObject *current = extra ? sr_member_object (extra, "current") : NULL;

      /* already_decided tells how it is now. */
      if (current != NULL && g_error_matches (error, SR_ERROR, SR_ERROR_ALREADY_DECIDED))
        take_edit (self, current, FALSE);
      show_toast (self, text);
    }

  decision_free (decision);
}

static void
send_decision (Decision *decision)
{
  SrApprovalsPage *self = decision->self;

  g_hash_table_add (self->busy, g_strdup (decision->key));
  schedule_rebuild (self);
  sr_client_call_async (self->client, decision->method, decision->params, NULL,
                        decided_cb, decision);
}

static Decision *
decision_new (SrApprovalsPage *self,
              Group           *group,
              const char      *method)
{
  Decision *decision = g_new0 (Decision, 1);
  JsonObject *first = g_ptr_array_index (group->edits, 0);

  decision->self = g_object_ref (self);
  decision->key = g_strdup (group->key);
  decision->method = g_strdup (method);
  decision->params = json_object_new ();
  if (group->batch_id != 0)
    {
      decision->what = g_strdup_printf (ngettext ("%u vehicle", "%u vehicles", group->n_pending), group->n_pending);
      json_object_set_int_member (decision->params, "batch_id", group->batch_id);
    }
  else
    {
      decision->what = vehicle_stock_no (self, first);
      json_object_set_int_member (decision->params, "id", sr_member_int (first, "id"));
    }
  return decision;
}

static void
note_changed_cb (GtkEditable      *entry,
                 AdwMessageDialog *dialog)
{
  g_autofree char *note = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  /* A rejection tells the proposer why. */
  adw_message_dialog_set_response_enabled (dialog, "reject", *note != '\0');
}

static void
decision_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      Decision         *decision)
{
  g_autofree char *note = NULL;

  if (g_str_equal (response, "cancel"))
    return;

  /* From here on the call owns it, not the dialog. */
  g_object_steal_data (G_OBJECT (dialog), "sr-decision");
  note = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (decision->entry))));
  if (*note != '\0')
    json_object_set_string_member (decision->params, "note", note);
  send_decision (decision);
}

static void
decide_clicked_cb (GtkButton       *button,
                   SrApprovalsPage *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "sr-group");
  const char *method = g_object_get_data (G_OBJECT (button), "sr-method");
  gboolean approving = g_str_equal (method, "edits.approve");
  g_autoptr(GPtrArray) groups = build_groups (self);
  Group *group = find_group (self, groups, key);
  JsonObject *first;
  Decision *decision;
  GtkWidget *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  g_autofree char *whose = NULL;

  if (group == NULL)
    return;
  first = g_ptr_array_index (group->edits, 0);
  decision = decision_new (self, group, method);
  whose = g_strdup (person_name (first, "proposed_by"));

  if (approving)
    body = g_strdup_printf (_("The change to %s proposed by %s is applied at once."), decision->what, whose);
  else
    body = g_strdup_printf (_("Nothing changes on %s. %s sees your note at once."), decision->what, whose);

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   approving ? _("Approve Change?") : _("Reject Change?"), body);
  decision->entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (decision->entry),
                                  approving ? _("Note (optional)") : _("Why it is rejected"));
  gtk_entry_set_activates_default (GTK_ENTRY (decision->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (decision->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  approving ? _("Note for the proposer (optional)") : _("Note for the proposer"),
                                  -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), decision->entry);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (approving)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "approve", _("_Approve"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "approve", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "approve");
    }
  else
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "reject", _("_Reject"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reject", ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "reject");
      adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "reject", FALSE);
      g_signal_connect_object (decision->entry, "changed", G_CALLBACK (note_changed_cb), dialog, 0);
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "sr-decision", decision, (GDestroyNotify) decision_free);
  g_signal_connect (dialog, "response", G_CALLBACK (decision_response_cb), decision);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (decision->entry);
}

/* A batch is withdrawn edit by edit: edits.withdraw takes one id. */
static void
withdraw_clicked_cb (GtkButton       *button,
                     SrApprovalsPage *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "sr-group");
  g_autoptr(GPtrArray) groups = build_groups (self);
  Group *group = find_group (self, groups, key);

  if (group == NULL)
    return;
  for (guint i = 0; i < group->edits->len; i++)
    {
      JsonObject *edit = g_ptr_array_index (group->edits, i);
      Decision *decision;

      if (!status_is (edit, "pending"))
        continue;
      decision = g_new0 (Decision, 1);
      decision->self = g_object_ref (self);
      decision->key = g_strdup (group->key);
      decision->method = g_strdup ("edits.withdraw");
      decision->what = vehicle_stock_no (self, edit);
      decision->params = json_object_new ();
      json_object_set_int_member (decision->params, "id", sr_member_int (edit, "id"));
      send_decision (decision);
    }
}

static void
dismiss_clicked_cb (GtkButton       *button,
                    SrApprovalsPage *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "sr-group");
  g_autoptr(GPtrArray) groups = build_groups (self);
  Group *group = find_group (self, groups, key);

  if (group == NULL)
    return;
  for (guint i = 0; i < group->edits->len; i++)
    {
      gint64 id = sr_member_int (g_ptr_array_index (group->edits, i), "id");

      g_hash_table_remove (self->edits, &id);
    }
  schedule_rebuild (self);
}

/* --- the widget ------------------------------------------------------------------------- */

guint
sr_approvals_page_get_pending_count (SrApprovalsPage *self)
{
  g_return_val_if_fail (SR_IS_APPROVALS_PAGE (self), 0);
  return self->pending_count;
}

GtkWidget *
sr_approvals_page_new (SrClient       *client,
                       SrVehicleStore *store)
{
  SrApprovalsPage *self;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (store), NULL);

  self = g_object_new (SR_TYPE_APPROVALS_PAGE, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);

  adw_status_page_set_description (self->empty_page,
                                   sr_client_is_manager (client)
                                     ? _("Changes proposed by sales staff appear here as they are made.")
                                     : _("Changes you propose to a vehicle appear here until a manager decides them."));

  g_signal_connect_object (store, "items-changed", G_CALLBACK (schedule_rebuild), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (state_cb), self, G_CONNECT_SWAPPED);

  /* Made once signed in: the first sync may have passed already. */
  if (sr_client_get_state (client) == SR_CLIENT_ONLINE)
    load (self);
  rebuild (self);

  return GTK_WIDGET (self);
}

static void
sr_approvals_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SrApprovalsPage *self = SR_APPROVALS_PAGE (object);

  switch (prop_id)
    {
    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_approvals_page_dispose (GObject *object)
{
  SrApprovalsPage *self = SR_APPROVALS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->toast_id, g_source_remove);
  g_ptr_array_set_size (self->aged_rows, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_APPROVALS_PAGE);

  G_OBJECT_CLASS (sr_approvals_page_parent_class)->dispose (object);
}

static void
sr_approvals_page_finalize (GObject *object)
{
  SrApprovalsPage *self = SR_APPROVALS_PAGE (object);

  /* A decision answered after dispose may have scheduled these. */
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_handle_id (&self->toast_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->edits, g_hash_table_unref);
  g_clear_pointer (&self->busy, g_hash_table_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_pointer (&self->touched, g_hash_table_unref);
  g_clear_pointer (&self->shown, g_free);
  g_clear_pointer (&self->aged_rows, g_ptr_array_unref);
  g_clear_pointer (&self->outcomes, g_ptr_array_unref);

  G_OBJECT_CLASS (sr_approvals_page_parent_class)->finalize (object);
}

static void
sr_approvals_page_class_init (SrApprovalsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = sr_approvals_page_get_property;
  object_class->dispose = sr_approvals_page_dispose;
  object_class->finalize = sr_approvals_page_finalize;

  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-approvals-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrApprovalsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SrApprovalsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SrApprovalsPage, content);
}

static void
sr_approvals_page_init (SrApprovalsPage *self)
{
  self->edits = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) json_object_unref);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->aged_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->outcomes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* "5 minutes ago" must stay true. */
  self->clock_id = g_timeout_add_seconds (30, clock_cb, self);
}
