/* sr-receipt.c: a completed sale's receipt on paper.
 *
 * One drawing function serves the print dialog and the PDF export alike: it works in
 * points on any page size (A5 portrait by default) and sets its text with Pango at 72
 * dpi, so a size in points is the size on paper whatever the printer's resolution.
 */
#define G_LOG_DOMAIN "sr-receipt"

#include "config.h"

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"
#include "sr-receipt.h"
#include "sr-sale-group.h"
#include "sr-vehicle.h"

struct _SrReceipt
{
  GObject     parent_instance;

  /* Owned */
  JsonObject *sale;
  JsonObject *customer;
  JsonObject *vehicle;
  JsonObject *branch;
};

G_DEFINE_FINAL_TYPE (SrReceipt, sr_receipt, G_TYPE_OBJECT)

/* --- reading the records ---------------------------------------------------------- */

/* "7 June 2025", in the local time zone; empty when unreadable. */
static char *
date_of (JsonObject *object,
         const char *name)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (sr_member_string (object, name), NULL);
  g_autoptr(GDateTime) local = time ? g_date_time_to_local (time) : NULL;
  g_autofree char *text = local ? g_date_time_format (local, "%e %B %Y") : NULL;

  return g_strdup (text ? g_strstrip (text) : "");
}

/* --- drawing ------------------------------------------------------------------------ */

typedef struct {
  cairo_t *cr;
  double   width;
} Sheet;

#define INK   0.13
#define SOFT  0.42
#define RULE  0.72

/* Sets @text at (@x, @y) in a box @width wide; returns its height. */
static double
put (Sheet          *sheet,
     double          x,
     double          y,
     double          width,
     const char     *text,
     const char     *font,
     double          grey,
     PangoAlignment  align)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (sheet->cr);
  g_autoptr(PangoFontDescription) description = pango_font_description_from_string (font);
  cairo_font_options_t *options = cairo_font_options_create ();
  int w, h;

  /* Metrics as on paper, not snapped to a screen's pixels. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango_layout_get_context (layout), options);
  cairo_font_options_destroy (options);
  pango_cairo_context_set_resolution (pango_layout_get_context (layout), 72);
  pango_layout_context_changed (layout);

  pango_layout_set_font_description (layout, description);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, align);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_size (layout, &w, &h);

  cairo_set_source_rgb (sheet->cr, grey, grey, grey);
  cairo_move_to (sheet->cr, x, y);
  pango_cairo_show_layout (sheet->cr, layout);
  return (double) h / PANGO_SCALE;
}

static void
rule (Sheet  *sheet,
      double  x,
      double  y,
      double  width,
      double  thickness,
      double  grey)
{
  cairo_set_source_rgb (sheet->cr, grey, grey, grey);
  cairo_set_line_width (sheet->cr, thickness);
  cairo_move_to (sheet->cr, x, y);
  cairo_line_to (sheet->cr, x + width, y);
  cairo_stroke (sheet->cr);
}

/* A small upper-case heading over a block. */
static double
caption (Sheet      *sheet,
         double      x,
         double      y,
         double      width,
         const char *text)
{
  g_autofree char *upper = g_utf8_strup (text, -1);

  return put (sheet, x, y, width, upper, "Sans Bold 6.5", SOFT, PANGO_ALIGN_LEFT) + 3;
}

/* One line of a two-column table: a label and its value. */
static double
pair (Sheet      *sheet,
      double      x,
      double      y,
      double      width,
      const char *label,
      const char *value,
      const char *value_font)
{
  double label_width = MIN (90, width * 0.34);
  double h1 = put (sheet, x, y, label_width - 6, label, "Sans 8.5", SOFT, PANGO_ALIGN_LEFT);
  double h2 = put (sheet, x + label_width, y, width - label_width, value, value_font, INK, PANGO_ALIGN_LEFT);

  return MAX (h1, h2) + 3.5;
}

/* One line of the amounts: a label on the left, the figure flush right. */
static double
amount (Sheet      *sheet,
        double      x,
        double      y,
        double      width,
        const char *label,
        const char *figure,
        gboolean    strong)
{
  const char *font = strong ? "Sans Bold 10.5" : "Sans 9";
  double h1 = put (sheet, x, y, width * 0.6, label, font, INK, PANGO_ALIGN_LEFT);
  double h2 = put (sheet, x + width * 0.4, y, width * 0.6, figure, font, INK, PANGO_ALIGN_RIGHT);

  return MAX (h1, h2) + 5;
}

void
sr_receipt_draw (SrReceipt *self,
                 cairo_t   *cr,
                 double     width,
                 double     height)
{
  Sheet sheet = { cr, width };
  JsonObject *sold_by;
  const char *branch_name = sr_member_string (self->branch, "name");
  const char *city = sr_member_string (self->branch, "city");
  g_autofree char *number = g_strdup_printf (_("No. %lld"), (long long) sr_member_int (self->sale, "receipt_no"));
  g_autofree char *completed = date_of (self->sale, "completed_at");
  g_autofree char *reserved = date_of (self->sale, "created_at");
  g_autofree char *vehicle_name = NULL;
  g_autofree char *year = NULL;
  g_autofree char *price = NULL;
  g_autofree char *deposit = NULL;
  g_autofree char *balance = NULL;
  g_autofree char *less_deposit = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *for_branch = NULL;
  double half = (width - 18) / 2;
  double y = 0, left_y, right_y, box_top;
  gint64 price_paise = sr_member_money (self->sale, "price");
  gint64 deposit_paise = sr_member_money (self->sale, "deposit");

  g_return_if_fail (SR_IS_RECEIPT (self));

  cairo_save (cr);

  /* The dealership on the left, the receipt's number and date on the right. */
  left_y = put (&sheet, 0, 0, half + 40, *branch_name ? branch_name : _("Showroom"), "Sans Bold 17", INK,
                PANGO_ALIGN_LEFT);
  if (*city != '\0' && g_utf8_collate (city, branch_name) != 0)
    left_y += put (&sheet, 0, left_y + 1, half + 40, city, "Sans 9", SOFT, PANGO_ALIGN_LEFT) + 1;
  left_y += put (&sheet, 0, left_y + 2, half + 40, _("Vehicle Sales"), "Sans 8.5", SOFT, PANGO_ALIGN_LEFT) + 2;

  right_y = put (&sheet, width - half, 0, half, _("SALES RECEIPT"), "Sans Bold 8", SOFT, PANGO_ALIGN_RIGHT);
  right_y += put (&sheet, width - half, right_y + 1, half, number, "Sans Bold 15", INK, PANGO_ALIGN_RIGHT) + 1;
  right_y += put (&sheet, width - half, right_y + 1, half, completed, "Sans 9", INK, PANGO_ALIGN_RIGHT) + 1;

  y = MAX (left_y, right_y) + 10;
  rule (&sheet, 0, y, width, 1.4, INK);
  y += 14;

  /* Who bought it, and who sold it. */
  left_y = y + caption (&sheet, 0, y, half, _("Received from"));
  left_y += put (&sheet, 0, left_y, half, sr_member_string (self->customer, "name"), "Sans Bold 11", INK, PANGO_ALIGN_LEFT) + 2;
  if (*sr_member_string (self->customer, "phone") != '\0')
    left_y += put (&sheet, 0, left_y, half, sr_member_string (self->customer, "phone"), "Sans 9", INK, PANGO_ALIGN_LEFT) + 1;
  if (*sr_member_string (self->customer, "email") != '\0')
    left_y += put (&sheet, 0, left_y, half, sr_member_string (self->customer, "email"), "Sans 9", INK, PANGO_ALIGN_LEFT) + 1;
  if (*sr_member_string (self->customer, "city") != '\0')
    left_y += put (&sheet, 0, left_y, half, sr_member_string (self->customer, "city"), "Sans 9", INK, PANGO_ALIGN_LEFT) + 1;

  sold_by = self->sale && json_object_has_member (self->sale, "sold_by") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (self->sale, "sold_by"))
            ? json_object_get_object_member (self->sale, "sold_by") : NULL;
  right_y = y + caption (&sheet, width - half, y, half, _("Sold by"));
  right_y += put (&sheet, width - half, right_y, half, sr_member_string (sold_by, "name"), "Sans 9.5", INK,
                  PANGO_ALIGN_LEFT) + 6;
  right_y += caption (&sheet, width - half, right_y, half, _("Reserved on"));
  right_y += put (&sheet, width - half, right_y, half, reserved, "Sans 9.5", INK, PANGO_ALIGN_LEFT) + 1;

  y = MAX (left_y, right_y) + 16;

  /* The vehicle, in a light box: the VIN is what identifies it. */
  y += caption (&sheet, 0, y, width, _("Vehicle"));
  box_top = y;
  y += 8;
  vehicle_name = g_strdup_printf ("%s %s %s", sr_member_string (self->vehicle, "make"), sr_member_string (self->vehicle, "model"),
                                  sr_member_string (self->vehicle, "variant"));
  g_strstrip (vehicle_name);
  year = g_strdup_printf ("%" G_GINT64_FORMAT, sr_member_int (self->vehicle, "year"));
  y += put (&sheet, 10, y, width - 20, vehicle_name, "Sans Bold 11", INK, PANGO_ALIGN_LEFT) + 5;
  y += pair (&sheet, 10, y, width - 20, _("Year"), year, "Sans 9");
  if (*sr_member_string (self->vehicle, "color") != '\0')
    y += pair (&sheet, 10, y, width - 20, sr_field_label ("color"), sr_member_string (self->vehicle, "color"), "Sans 9");
  y += pair (&sheet, 10, y, width - 20, sr_field_label ("vin"), sr_member_string (self->vehicle, "vin"), "Monospace Bold 9");
  y += pair (&sheet, 10, y, width - 20, sr_field_label ("stock_no"), sr_member_string (self->vehicle, "stock_no"), "Sans 9");
  y += 4;
  cairo_set_source_rgb (cr, RULE, RULE, RULE);
  cairo_set_line_width (cr, 0.6);
  cairo_rectangle (cr, 0, box_top, width, y - box_top);
  cairo_stroke (cr);
  y += 18;

  /* The money: price, less the deposit, the balance and how it was paid. */
  price = sr_money_display (price_paise);
  deposit = sr_money_display (deposit_paise);
  balance = sr_money_display (price_paise - deposit_paise);
  less_deposit = g_strdup_printf ("− %s", deposit);
  y += caption (&sheet, 0, y, width, _("Payment"));
  y += 3;
  y += amount (&sheet, 0, y, width, _("Vehicle price"), price, FALSE);
  y += amount (&sheet, 0, y, width, _("Less deposit received"), deposit_paise > 0 ? less_deposit : deposit, FALSE);
  rule (&sheet, width * 0.45, y, width * 0.55, 0.6, RULE);
  y += 6;
  y += amount (&sheet, 0, y, width, _("Balance paid"), balance, TRUE);
  y += amount (&sheet, 0, y, width, _("Payment method"), sr_payment_method_label (sr_member_string (self->sale, "payment_method")),
               FALSE);
  rule (&sheet, 0, y + 2, width, 1.4, INK);

  /* Signatures at the foot of the page, with a line of thanks under them. */
  y = MAX (y + 60, height - 78);
  rule (&sheet, 0, y, half - 10, 0.6, INK);
  rule (&sheet, width - half + 10, y, half - 10, 0.6, INK);
  put (&sheet, 0, y + 4, half - 10, _("Customer’s signature"), "Sans 8", SOFT, PANGO_ALIGN_LEFT);
  /* Translators: under the dealer's signature line on a receipt: "For Mumbai" */
  for_branch = g_strdup_printf (_("For %s · Authorised signatory"), *branch_name ? branch_name : _("Showroom"));
  put (&sheet, width - half + 10, y + 4, half - 10, for_branch, "Sans 8", SOFT, PANGO_ALIGN_RIGHT);

  /* Translators: the last line of a receipt; %s is the branch's name */
  reference = g_strdup_printf (_("Thank you for your purchase. Sale reference %lld · %s"),
                               (long long) sr_member_int (self->sale, "id"), *branch_name ? branch_name : _("Showroom"));
  put (&sheet, 0, height - 14, width, reference, "Sans 7", SOFT, PANGO_ALIGN_CENTER);

  cairo_restore (cr);
}

/* --- printing ----------------------------------------------------------------------- */

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              SrReceipt         *self)
{
  sr_receipt_draw (self, gtk_print_context_get_cairo_context (context),
                   gtk_print_context_get_width (context), gtk_print_context_get_height (context));
}

static GtkPrintOperation *
make_operation (SrReceipt *self)
{
  GtkPrintOperation *operation = gtk_print_operation_new ();
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) paper = gtk_paper_size_new (GTK_PAPER_NAME_A5);
  g_autofree char *job = g_strdup_printf (_("Receipt No. %lld"), (long long) sr_receipt_get_number (self));

  /* A5 portrait with a comfortable margin; the dialog may change either. */
  gtk_page_setup_set_paper_size_and_default_margins (setup, paper);
  gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
  gtk_page_setup_set_top_margin (setup, 14, GTK_UNIT_MM);
  gtk_page_setup_set_bottom_margin (setup, 14, GTK_UNIT_MM);
  gtk_page_setup_set_left_margin (setup, 14, GTK_UNIT_MM);
  gtk_page_setup_set_right_margin (setup, 14, GTK_UNIT_MM);

  gtk_print_operation_set_default_page_setup (operation, setup);
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  gtk_print_operation_set_job_name (operation, job);
  g_signal_connect_object (operation, "draw-page", G_CALLBACK (draw_page_cb), self, 0);
  return operation;
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               GtkWindow               *parent)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      g_warning ("printing a receipt failed: %s", error ? error->message : "");
    }
  g_object_unref (operation);
}

void
sr_receipt_print (SrReceipt *self,
                  GtkWindow *parent)
{
  GtkPrintOperation *operation;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SR_IS_RECEIPT (self));

  operation = make_operation (self);
  gtk_print_operation_set_allow_async (operation, TRUE);
  /* The operation holds the receipt until it is done. */
  g_object_set_data_full (G_OBJECT (operation), "sr-receipt", g_object_ref (self), g_object_unref);
  g_signal_connect (operation, "done", G_CALLBACK (print_done_cb), parent);
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent, &error) ==
      GTK_PRINT_OPERATION_RESULT_ERROR)
    g_warning ("printing a receipt failed: %s", error ? error->message : "");
}

gboolean
sr_receipt_export_pdf (SrReceipt   *self,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (SR_IS_RECEIPT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  operation = make_operation (self);
  gtk_print_operation_set_export_filename (operation, path);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, error) !=
         GTK_PRINT_OPERATION_RESULT_ERROR;
}

/* --- gathering ---------------------------------------------------------------------- */

SrReceipt *
sr_receipt_new (JsonObject *sale,
                JsonObject *customer,
                JsonObject *vehicle,
                JsonObject *branch)
{
  SrReceipt *self;

  g_return_val_if_fail (sale != NULL && customer != NULL && vehicle != NULL, NULL);

  self = g_object_new (SR_TYPE_RECEIPT, NULL);
  self->sale = json_object_ref (sale);
  self->customer = json_object_ref (customer);
  self->vehicle = json_object_ref (vehicle);
  self->branch = branch ? json_object_ref (branch) : NULL;
  return self;
}

gint64
sr_receipt_get_number (SrReceipt *self)
{
  g_return_val_if_fail (SR_IS_RECEIPT (self), 0);
  return sr_member_int (self->sale, "receipt_no");
}

typedef struct {
  JsonObject *sale;
  JsonObject *customer;
  JsonObject *vehicle;
  JsonObject *branch;
  GError     *error;
  guint       waiting;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_pointer (&fetch->sale, json_object_unref);
  g_clear_pointer (&fetch->customer, json_object_unref);
  g_clear_pointer (&fetch->vehicle, json_object_unref);
  g_clear_pointer (&fetch->branch, json_object_unref);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

static void
fetch_step_done (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);

  if (--fetch->waiting > 0)
    return;
  if (fetch->error != NULL)
    g_task_return_error (task, g_steal_pointer (&fetch->error));
  else
    g_task_return_pointer (task, sr_receipt_new (fetch->sale, fetch->customer, fetch->vehicle, fetch->branch),
                           g_object_unref);
}

typedef struct {
  GTask      *task;
  const char *part;     /* "customer", "vehicle" or "branch" */
} Part;

static void
part_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autofree Part *part = user_data;
  g_autoptr(GTask) task = part->task;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      if (fetch->error == NULL)
        fetch->error = error ? g_steal_pointer (&error)
                             : g_error_new_literal (SR_ERROR, SR_ERROR_INTERNAL_ERROR, _("Unexpected reply"));
    }
  else if (g_str_equal (part->part, "customer"))
    fetch->customer = json_object_ref (json_node_get_object (reply));
  else if (g_str_equal (part->part, "vehicle"))
    fetch->vehicle = json_object_ref (json_node_get_object (reply));
  else
    {
      JsonArray *items = json_object_get_array_member (json_node_get_object (reply), "items");
      gint64 branch_id = sr_member_int (fetch->sale, "branch_id");

      for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
        {
          JsonObject *branch = json_array_get_object_element (items, i);

          if (sr_member_int (branch, "id") == branch_id)
            fetch->branch = json_object_ref (branch);
        }
    }
  fetch_step_done (task);
}

static void
ask (GTask      *task,
     const char *what,
     const char *method,
     JsonObject *params)
{
  Part *part = g_new0 (Part, 1);

  part->task = g_object_ref (task);
  part->part = what;
  sr_client_call_async (SR_CLIENT (g_task_get_source_object (task)), method, params,
                        g_task_get_cancellable (task), part_cb, part);
}

/* The sale first: it names the customer, the vehicle and the branch. */
static void
sale_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autoptr(JsonObject) vehicle = json_object_new ();
  g_autoptr(JsonObject) branches = json_object_new ();

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fetch->sale = json_object_ref (json_node_get_object (reply));
  if (sr_member_int (fetch->sale, "receipt_no") == 0)
    {
      g_task_return_new_error (task, SR_ERROR, SR_ERROR_NOT_AVAILABLE,
                               _("This sale is not completed: it has no receipt yet."));
      return;
    }

  json_object_set_int_member (customer, "id", sr_member_int (fetch->sale, "customer_id"));
  json_object_set_int_member (vehicle, "id", sr_member_int (fetch->sale, "vehicle_id"));
  json_object_set_int_member (branches, "limit", 1000);
  fetch->waiting = 3;
  ask (task, "customer", "customers.get", customer);
  ask (task, "vehicle", "vehicles.get", vehicle);
  ask (task, "branch", "branches.list", branches);
}

void
sr_receipt_fetch_async (SrClient            *client,
                        gint64               sale_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) params = json_object_new ();

  g_return_if_fail (SR_IS_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_receipt_fetch_async);
  g_task_set_task_data (task, g_new0 (Fetch, 1), (GDestroyNotify) fetch_free);
  json_object_set_int_member (params, "id", sale_id);
  sr_client_call_async (client, "sales.get", params, cancellable, sale_cb, g_steal_pointer (&task));
}

SrReceipt *
sr_receipt_fetch_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sr_receipt_finalize (GObject *object)
{
  SrReceipt *self = SR_RECEIPT (object);

  g_clear_pointer (&self->sale, json_object_unref);
  g_clear_pointer (&self->customer, json_object_unref);
  g_clear_pointer (&self->vehicle, json_object_unref);
  g_clear_pointer (&self->branch, json_object_unref);

  G_OBJECT_CLASS (sr_receipt_parent_class)->finalize (object);
}

static void
sr_receipt_class_init (SrReceiptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sr_receipt_finalize;
}

static void
sr_receipt_init (SrReceipt *self)
{
}
