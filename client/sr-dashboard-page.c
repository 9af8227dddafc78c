/* sr-dashboard-page.c: the figures a manager looks at first.
 *
 * Everything shown comes from reads made together: reports.summary for today and for
 * the last 30 days, and those days' completed sales (sales.list, paged) for the chart,
 * counted by local day. Vehicle, sale and pending-edit events, and every return
 * online, read them again after a short pause, so a burst of changes costs one read.
 */
#define G_LOG_DOMAIN "sr-dashboard-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sr-dashboard-page.h"
#include "sr-error.h"
#include "sr-labels.h"
#include "sr-members.h"
#include "sr-vehicle.h"

#define N_DAYS 30
/* Days between labelled dates on the sales chart. */
#define LABEL_EVERY 7
#define REFRESH_DELAY_MS 500
#define SALES_PAGE_SIZE 1000

/* The stock chart's bars, top to bottom: what can be sold first. */
static const SrVehicleStatus shown_statuses[] = {
  SR_VEHICLE_STATUS_IN_STOCK,
  SR_VEHICLE_STATUS_RESERVED,
  SR_VEHICLE_STATUS_INCOMING,
  SR_VEHICLE_STATUS_SOLD,
};

typedef struct {
  gint64 count;
  gint64 revenue;   /* paise */
} Day;

struct _SrDashboardPage
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkStack        *stack;
  AdwStatusPage   *error_page;
  GtkWidget       *scrolled_window;
  GtkLabel        *date_label;
  GtkLabel        *sales_today_label;
  GtkLabel        *revenue_today_label;
  GtkLabel        *sales_month_label;
  GtkLabel        *revenue_month_label;
  GtkLabel        *in_stock_label;
  GtkLabel        *reserved_label;
  GtkLabel        *incoming_label;
  GtkLabel        *sold_label;
  GtkLabel        *stock_value_label;
  GtkLabel        *stock_value_note;
  GtkLabel        *age_label;
  GtkLabel        *age_note;
  GtkLabel        *pending_label;
  GtkLabel        *pending_note;
  GtkLabel        *sales_chart_subtitle;
  GtkLabel        *stock_chart_subtitle;
  GtkWidget       *sales_chart;
  GtkWidget       *stock_chart;
  GtkToggleButton *count_button;
  GtkToggleButton *revenue_button;

  /* Owned */
  SrClient        *client;
  GCancellable    *cancellable;
  char            *today;        /* the local date the figures are for, "YYYY-MM-DD" */
  GDate            first_day;    /* the local date of days[0] */
  Day              days[N_DAYS];
  gint64           by_status[SR_VEHICLE_N_STATUSES];
  double           plot_left;    /* where the last drawing put the sales bars */
  double           slot_width;
  guint            refresh_id;
  guint            clock_id;
  gboolean         loading;
  gboolean         again;        /* something changed while a read was under way */
  gboolean         stale;        /* something changed while the page was out of sight */
  gboolean         loaded;
};

G_DEFINE_FINAL_TYPE (SrDashboardPage, sr_dashboard_page, GTK_TYPE_WIDGET)

static void read_figures (SrDashboardPage *self);

/* --- formatting ------------------------------------------------------------------------- */

static char *
format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
}

static char *
format_day (const GDate *date,
            const char  *format)
{
  g_autoptr(GDateTime) time = g_date_time_new_local (g_date_get_year (date), g_date_get_month (date),
                                                     g_date_get_day (date), 12, 0, 0);

  return g_date_time_format (time, format);
}

/* The short date under the chart and in its descriptions: "23 Nov". */
static char *
short_day (const GDate *date)
{
  /* Translators: a day on the sales chart, as g_date_time_format() writes it: "23 Nov" */
  return format_day (date, C_("chart date", "%-d %b"));
}

static char *
date_text (const GDate *date)
{
  char text[16];

  g_snprintf (text, sizeof text, "%04d-%02d-%02d", g_date_get_year (date),
              g_date_get_month (date), g_date_get_day (date));
  return g_strdup (text);
}

static void
today_local (GDate *date)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_date_clear (date, 1);
  g_date_set_dmy (date, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
}

static void
set_label (GtkLabel *label,
           char     *text)
{
  gtk_label_set_text (label, text);
  g_free (text);
}

/* --- colours ---------------------------------------------------------------------------- */

/* The theme's named colours (libadwaita's accent, success...), so the charts follow the
 * light or dark style and the accent the theme has. */
static GdkRGBA
theme_color (GtkWidget  *widget,
             const char *name,
             const char *fallback)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA color;

  if (!gtk_style_context_lookup_color (context, name, &color))
    gdk_rgba_parse (&color, fallback);
  return color;
}

static GdkRGBA
foreground (GtkWidget *widget,
            double     alpha)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA color;

  gtk_style_context_get_color (context, &color);
  color.alpha *= alpha;
  return color;
}

static GdkRGBA
status_color (GtkWidget       *widget,
              SrVehicleStatus  status)
{
  switch (status)
    {
    case SR_VEHICLE_STATUS_IN_STOCK:
      return theme_color (widget, "success_bg_color", "#26a269");
    case SR_VEHICLE_STATUS_RESERVED:
      return theme_color (widget, "warning_bg_color", "#e5a50a");
    case SR_VEHICLE_STATUS_INCOMING:
      return theme_color (widget, "accent_bg_color", "#3584e4");
    case SR_VEHICLE_STATUS_SOLD:
    case SR_VEHICLE_N_STATUSES:
    default:
      /* Gone from the floor: drawn quieter than the rest. */
      return foreground (widget, 0.35);
    }
}

/* --- drawing ---------------------------------------------------------------------------- */

/* Whole pixels, so thin lines and text stay sharp. */
static double
snap (double value)
{
  return (double) (gint64) (value + 0.5);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   width,
              double   height,
              double   radius)
{
  radius = MIN (radius, MIN (width, height) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
text_size (PangoLayout *layout,
           const char  *text,
           int         *width,
           int         *height)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, width, height);
}

static void
draw_text (cairo_t       *cr,
           PangoLayout   *layout,
           const char    *text,
           const GdkRGBA *color,
           double         x,
           double         y)
{
  pango_layout_set_text (layout, text, -1);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, snap (x), snap (y));
  pango_cairo_show_layout (cr, layout);
}

/* Horizontal bars, one per status, the status named on the left and the count at the
 * bar's end. */
static void
draw_stock_chart (GtkDrawingArea *area,
                  cairo_t        *cr,
                  int             width,
                  int             height,
                  gpointer        user_data)
{
  SrDashboardPage *self = user_data;
  GtkWidget *widget = GTK_WIDGET (area);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg = foreground (widget, 1.0);
  GdkRGBA track = foreground (widget, 0.08);
  double row_height = (double) height / G_N_ELEMENTS (shown_statuses);
  double bar_height = MIN (24.0, row_height - 12.0);
  int label_width = 0, count_width = 0, text_height = 0;
  gint64 most = 1;
  double bar_left, bar_space;

  for (guint i = 0; i < G_N_ELEMENTS (shown_statuses); i++)
    {
      g_autofree char *count = format_count (self->by_status[shown_statuses[i]]);
      int w, h;

      text_size (layout, sr_status_label (shown_statuses[i]), &w, &h);
      label_width = MAX (label_width, w);
      text_height = MAX (text_height, h);
      text_size (layout, count, &w, &h);
      count_width = MAX (count_width, w);
      most = MAX (most, self->by_status[shown_statuses[i]]);
    }

  bar_left = label_width + 16;
  bar_space = MAX (0.0, width - bar_left - count_width - 12);

  for (guint i = 0; i < G_N_ELEMENTS (shown_statuses); i++)
    {
      SrVehicleStatus status = shown_statuses[i];
      gint64 value = self->by_status[status];
      g_autofree char *count = format_count (value);
      GdkRGBA color = status_color (widget, status);
      double middle = row_height * i + row_height / 2;
      double bar_width = bar_space * value / most;

      draw_text (cr, layout, sr_status_label (status), &fg, 0, middle - text_height / 2.0);

      rounded_rect (cr, bar_left, middle - bar_height / 2, bar_space, bar_height, 6);
      gdk_cairo_set_source_rgba (cr, &track);
      cairo_fill (cr);

      if (value > 0)
        {
          rounded_rect (cr, bar_left, middle - bar_height / 2, MAX (bar_width, 6.0), bar_height, 6);
          gdk_cairo_set_source_rgba (cr, &color);
          cairo_fill (cr);
        }

      draw_text (cr, layout, count, &fg, bar_left + bar_space + 12, middle - text_height / 2.0);
    }
}

static gboolean
showing_revenue (SrDashboardPage *self)
{
  return gtk_toggle_button_get_active (self->revenue_button);
}

/* In rupees for revenue, so the axis reads in whole amounts. */
static double
day_value (SrDashboardPage *self,
           guint            day)
{
  return showing_revenue (self) ? self->days[day].revenue / 100.0 : (double) self->days[day].count;
}

/* 1, 2 or 5 times a power of ten, so that about @ticks steps cover @top. */
static double
nice_step (double top,
           int    ticks,
           double smallest)
{
  double raw = top / ticks;
  double magnitude = smallest;

  if (raw <= smallest)
    return smallest;
  while (magnitude * 10 <= raw)
    magnitude *= 10;
  if (magnitude >= raw)
    return magnitude;
  if (magnitude * 2 >= raw)
    return magnitude * 2;
  if (magnitude * 5 >= raw)
    return magnitude * 5;
  return magnitude * 10;
}

static char *
axis_value (SrDashboardPage *self,
            double           value)
{
  return g_strdup_printf ("%'.0f", value);
}

/* Vertical bars, one per day, oldest on the left; values up the side, a date every
 * week along the bottom, counted back from today so today is always named. */
static void
draw_sales_chart (GtkDrawingArea *area,
                  cairo_t        *cr,
                  int             width,
                  int             height,
                  gpointer        user_data)
{
  SrDashboardPage *self = user_data;
  GtkWidget *widget = GTK_WIDGET (area);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg = foreground (widget, 1.0);
  GdkRGBA dim = foreground (widget, 0.6);
  GdkRGBA grid = foreground (widget, 0.1);
  GdkRGBA base = foreground (widget, 0.3);
  GdkRGBA accent = theme_color (widget, "accent_bg_color", "#3584e4");
  double most = 0, step, top, left, plot_top, plot_height, plot_width, slot;
  int text_width, text_height, axis_width = 0;

  for (guint i = 0; i < N_DAYS; i++)
    most = MAX (most, day_value (self, i));

  /* A few sales a day still get a scale worth reading. */
  step = nice_step (MAX (most, showing_revenue (self) ? 1.0 : 4.0), 4, 1.0);
  top = step;
  while (top < most || (top < 4 * step && !showing_revenue (self)))
    top += step;

  for (double tick = 0; tick <= top + step / 2; tick += step)
    {
      g_autofree char *text = axis_value (self, tick);

      text_size (layout, text, &text_width, &text_height);
      axis_width = MAX (axis_width, text_width);
    }

  left = axis_width + 10;
  plot_top = text_height / 2.0;
  plot_height = MAX (1.0, height - plot_top - text_height - 10);
  plot_width = MAX (1.0, width - left);
  slot = plot_width / N_DAYS;
  self->plot_left = left;
  self->slot_width = slot;

  /* Grid lines and their values. */
  cairo_set_line_width (cr, 1);
  for (double tick = 0; tick <= top + step / 2; tick += step)
    {
      g_autofree char *text = axis_value (self, tick);
      double y = snap (plot_top + plot_height * (1 - tick / top)) + 0.5;

      gdk_cairo_set_source_rgba (cr, tick == 0 ? &base : &grid);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, width, y);
      cairo_stroke (cr);

      text_size (layout, text, &text_width, &text_height);
      draw_text (cr, layout, text, &dim, axis_width - text_width, y - text_height / 2.0);
    }

  for (guint i = 0; i < N_DAYS; i++)
    {
      double value = day_value (self, i);
      double bar_width = MAX (2.0, slot * 0.64);
      double bar_height = plot_height * value / top;
      double x = left + slot * i + (slot - bar_width) / 2;

      if (value <= 0)
        continue;
      bar_height = MAX (bar_height, 2.0);
      /* Rounded at the top only: the bottom stands on the axis. */
      cairo_save (cr);
      cairo_rectangle (cr, x, plot_top, bar_width, plot_height);
      cairo_clip (cr);
      rounded_rect (cr, x, plot_top + plot_height - bar_height, bar_width, bar_height + 4, 3);
      gdk_cairo_set_source_rgba (cr, &accent);
      cairo_fill (cr);
      cairo_restore (cr);
    }

  for (int i = N_DAYS - 1; i >= 0; i -= LABEL_EVERY)
    {
      GDate date = self->first_day;
      g_autofree char *text = NULL;
      double middle = left + slot * i + slot / 2;
      double x;

      if (!g_date_valid (&date))
        break;
      g_date_add_days (&date, i);
      text = short_day (&date);
      text_size (layout, text, &text_width, &text_height);
      x = CLAMP (middle - text_width / 2.0, left, width - text_width);

      gdk_cairo_set_source_rgba (cr, &base);
      cairo_move_to (cr, snap (middle) + 0.5, plot_top + plot_height);
      cairo_line_to (cr, snap (middle) + 0.5, plot_top + plot_height + 4);
      cairo_stroke (cr);
      draw_text (cr, layout, text, &dim, x, plot_top + plot_height + 6);
    }

  if (most <= 0)
    {
      const char *text = _("No completed sales in these 30 days");

      text_size (layout, text, &text_width, &text_height);
      draw_text (cr, layout, text, &fg, left + (plot_width - text_width) / 2,
                 plot_top + (plot_height - text_height) / 2);
    }
}

/* "2 sales, 1,400,000.00" */
static char *
day_summary (gint64 count,
             gint64 revenue)
{
  g_autofree char *number = format_count (count);
  g_autofree char *money = sr_money_display (revenue);

  if (count == 0)
    return g_strdup (_("no sales"));
  /* Translators: a number of sales and what they brought in: "2 sales, 1,400,000.00" */
  return g_strdup_printf (ngettext ("%s sale, %s", "%s sales, %s", count), number, money);
}

static gboolean
sales_tooltip_cb (GtkWidget       *widget,
                  int              x,
                  int              y,
                  gboolean         keyboard,
                  GtkTooltip      *tooltip,
                  SrDashboardPage *self)
{
  g_autofree char *day = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *text = NULL;
  GDate date = self->first_day;
  int i;

  if (keyboard || self->slot_width <= 0 || x < self->plot_left || !g_date_valid (&date))
    return FALSE;
  i = (int) ((x - self->plot_left) / self->slot_width);
  if (i < 0 || i >= N_DAYS)
    return FALSE;

  g_date_add_days (&date, i);
  /* Translators: the day under the pointer on the sales chart: "Monday 23 November" */
  day = format_day (&date, C_("chart tooltip date", "%A %-d %B"));
  summary = day_summary (self->days[i].count, self->days[i].revenue);
  text = g_strdup_printf ("%s: %s", day, summary);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* --- showing the figures ---------------------------------------------------------------- */

/* What a screen reader says for each chart, since a drawing says nothing. */
static void
describe_charts (SrDashboardPage *self)
{
  g_autofree char *in_stock = format_count (self->by_status[SR_VEHICLE_STATUS_IN_STOCK]);
  g_autofree char *reserved = format_count (self->by_status[SR_VEHICLE_STATUS_RESERVED]);
  g_autofree char *incoming = format_count (self->by_status[SR_VEHICLE_STATUS_INCOMING]);
  g_autofree char *sold = format_count (self->by_status[SR_VEHICLE_STATUS_SOLD]);
  g_autofree char *stock = NULL;
  g_autofree char *first = short_day (&self->first_day);
  g_autofree char *last = NULL;
  g_autofree char *all = NULL;
  g_autoptr(GString) sales = g_string_new (NULL);
  GDate today = self->first_day;
  gint64 count = 0, revenue = 0;

  g_date_add_days (&today, N_DAYS - 1);
  last = short_day (&today);

  stock = g_strdup_printf (_("Stock by status: %s in stock, %s reserved, %s incoming, %s sold"),
                           in_stock, reserved, incoming, sold);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->stock_chart),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, stock, -1);

  for (guint i = 0; i < N_DAYS; i++)
    {
      count += self->days[i].count;
      revenue += self->days[i].revenue;
    }
  all = day_summary (count, revenue);
  /* Translators: the sales chart described: "Sales per day from 1 Nov to 30 Nov: 3 sales, 2,100,000.00." */
  g_string_printf (sales, _("Sales per day from %s to %s: %s."), first, last, all);
  for (guint i = 0; i < N_DAYS; i++)
    {
      GDate date = self->first_day;
      g_autofree char *day = NULL;
      g_autofree char *summary = NULL;

      if (self->days[i].count == 0)
        continue;
      g_date_add_days (&date, i);
      day = short_day (&date);
      summary = day_summary (self->days[i].count, self->days[i].revenue);
      g_string_append_c (sales, ' ');
      /* Translators: one day of the sales chart described: "23 Nov: 2 sales, 1,400,000.00." */
      g_string_append_printf (sales, _("%s: %s."), day, summary);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sales_chart),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sales->str, -1);
}

static void
show_summaries (SrDashboardPage *self,
                JsonObject      *today,
                JsonObject      *month)
{
  JsonObject *stock = sr_member_object (today, "stock");
  JsonObject *by_status = sr_member_object (stock, "by_status");
  JsonNode *age = stock ? json_object_get_member (stock, "avg_age_days") : NULL;
  g_autofree char *unsold_text = NULL;
  gint64 unsold = 0;

  for (guint i = 0; i < SR_VEHICLE_N_STATUSES; i++)
    self->by_status[i] = sr_member_int (by_status, sr_vehicle_status_to_string (i));
  unsold = self->by_status[SR_VEHICLE_STATUS_IN_STOCK] + self->by_status[SR_VEHICLE_STATUS_RESERVED] +
           self->by_status[SR_VEHICLE_STATUS_INCOMING];

  set_label (self->sales_today_label, format_count (sr_member_int (sr_member_object (today, "sales"), "count")));
  set_label (self->revenue_today_label, sr_money_display (sr_member_money (sr_member_object (today, "sales"), "revenue")));
  set_label (self->sales_month_label, format_count (sr_member_int (sr_member_object (month, "sales"), "count")));
  set_label (self->revenue_month_label, sr_money_display (sr_member_money (sr_member_object (month, "sales"), "revenue")));

  set_label (self->in_stock_label, format_count (self->by_status[SR_VEHICLE_STATUS_IN_STOCK]));
  set_label (self->reserved_label, format_count (self->by_status[SR_VEHICLE_STATUS_RESERVED]));
  set_label (self->incoming_label, format_count (self->by_status[SR_VEHICLE_STATUS_INCOMING]));
  set_label (self->sold_label, format_count (self->by_status[SR_VEHICLE_STATUS_SOLD]));

  set_label (self->stock_value_label, sr_money_display (sr_member_money (stock, "value")));
  unsold_text = format_count (unsold);
  set_label (self->stock_value_note,
             g_strdup_printf (ngettext ("%s unsold vehicle", "%s unsold vehicles", unsold), unsold_text));

  if (age != NULL && JSON_NODE_HOLDS_VALUE (age))
    {
      double days = json_node_get_double (age);

      /* Translators: the average age of the stock, with one decimal: "12.5 days" */
      set_label (self->age_label, g_strdup_printf (_("%.1f days"), days));
    }
  else
    gtk_label_set_text (self->age_label, "—");
  gtk_label_set_text (self->age_note, _("Since arrival, unsold vehicles"));

  set_label (self->pending_label, format_count (sr_member_int (sr_member_object (today, "edits"), "pending")));
  gtk_label_set_text (self->pending_note, _("Proposals awaiting a decision"));
}

static void
show_dates (SrDashboardPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GDate last = self->first_day;
  g_autofree char *first = short_day (&self->first_day);
  g_autofree char *final = NULL;

  g_date_add_days (&last, N_DAYS - 1);
  final = short_day (&last);
  /* Translators: the dashboard's title, today's date as g_date_time_format() writes it */
  set_label (self->date_label, g_date_time_format (now, C_("dashboard date", "%A, %-d %B")));
  if (showing_revenue (self))
    /* Translators: under the sales chart's title: "Revenue per day, 1 Nov – 30 Nov" */
    set_label (self->sales_chart_subtitle, g_strdup_printf (_("Revenue per day, %s – %s"), first, final));
  else
    /* Translators: under the sales chart's title: "Completed sales per day, 1 Nov – 30 Nov" */
    set_label (self->sales_chart_subtitle, g_strdup_printf (_("Completed sales per day, %s – %s"), first, final));
}

/* --- loading ---------------------------------------------------------------------------- */

typedef struct {
  SrDashboardPage *self;
  JsonObject      *today;
  JsonObject      *month;
  GDate            first_day;
  char            *today_text;
  Day              days[N_DAYS];
  guint            running;
  GError          *error;
} Load;

static void
load_free (Load *load)
{
  g_object_unref (load->self);
  g_clear_pointer (&load->today, json_object_unref);
  g_clear_pointer (&load->month, json_object_unref);
  g_clear_pointer (&load->today_text, g_free);
  g_clear_error (&load->error);
  g_free (load);
}

static void
load_done (Load *load)
{
  SrDashboardPage *self = load->self;

  if (--load->running > 0)
    return;

  if (load->error != NULL && g_error_matches (load->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      load_free (load);
      return;
    }

  self->loading = FALSE;
  if (load->error != NULL)
    {
      /* After a lost connection the reconnect's `synced` reads again; what is shown
       * meanwhile stays, as everywhere else in the app. */
      g_debug ("reading the figures failed: %s", load->error->message);
      if (!self->loaded)
        {
          adw_status_page_set_description (self->error_page, load->error->message);
          gtk_stack_set_visible_child_name (self->stack, "error");
        }
    }
  else
    {
      g_free (self->today);
      self->today = g_steal_pointer (&load->today_text);
      self->first_day = load->first_day;
      memcpy (self->days, load->days, sizeof self->days);
      show_summaries (self, load->today, load->month);
      show_dates (self);
      describe_charts (self);
      gtk_widget_queue_draw (self->sales_chart);
      gtk_widget_queue_draw (self->stock_chart);
      self->loaded = TRUE;
      gtk_stack_set_visible_child_name (self->stack, "figures");
    }

  if (self->again)
    {
      self->again = FALSE;
      read_figures (self);
    }
  load_free (load);
}

static void
keep_error (Load   *load,
            GError *error)
{
  if (load->error == NULL)
    load->error = error;
  else
    g_error_free (error);
}

static void
today_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL)
    keep_error (load, error);
  else if (JSON_NODE_HOLDS_OBJECT (reply))
    load->today = json_object_ref (json_node_get_object (reply));
  load_done (load);
}

static void
month_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;

  reply = sr_client_call_finish (SR_CLIENT (object), result, &error);
  if (reply == NULL)
    keep_error (load, error);
  else if (JSON_NODE_HOLDS_OBJECT (reply))
    load->month = json_object_ref (json_node_get_object (reply));
  load_done (load);
}

/* Counts a completed sale on the local day it was completed. */
static void
count_sale (Load       *load,
            JsonObject *sale)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (sr_member_string (sale, "completed_at"), NULL);
  g_autoptr(GDateTime) local = time ? g_date_time_to_local (time) : NULL;
  GDate day;
  int index;

  if (local == NULL)
    return;
  g_date_clear (&day, 1);
  g_date_set_dmy (&day, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
  index = g_date_days_between (&load->first_day, &day);
  if (index < 0 || index >= N_DAYS)
    return;
  load->days[index].count++;
  load->days[index].revenue += sr_member_money (sale, "price");
}

static void
sales_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(JsonArray) items = NULL;
  GError *error = NULL;

  items = sr_client_list_all_finish (SR_CLIENT (object), result, &error);
  if (items == NULL)
    {
      keep_error (load, error);
      load_done (load);
      return;
    }

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);

      if (JSON_NODE_HOLDS_OBJECT (item))
        count_sale (load, json_node_get_object (item));
    }
  load_done (load);
}

static void
read_figures (SrDashboardPage *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) first_moment = NULL;
  g_autoptr(GDateTime) first_utc = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  g_autoptr(JsonObject) today = json_object_new ();
  g_autoptr(JsonObject) month = json_object_new ();
  g_autofree char *from = NULL;
  g_autofree char *sales_from = NULL;
  g_autofree char *sales_to = NULL;
  g_autoptr(JsonObject) sales_query = json_object_new ();
  GDate date;
  Load *load;

  if (sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;
  self->stale = FALSE;
  if (self->loading)
    {
      self->again = TRUE;
      return;
    }
  self->loading = TRUE;
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  load = g_new0 (Load, 1);
  load->self = g_object_ref (self);
  load->running = 3;

  today_local (&date);
  load->today_text = date_text (&date);
  load->first_day = date;
  g_date_subtract_days (&load->first_day, N_DAYS - 1);
  from = date_text (&load->first_day);

  /* The summary counts UTC days; the user's own date is still the best name for
   * "today" (the two differ for a few hours a day at most). */
  json_object_set_string_member (today, "from", load->today_text);
  json_object_set_string_member (today, "to", load->today_text);
  json_object_set_string_member (month, "from", from);
  json_object_set_string_member (month, "to", load->today_text);

  /* sales.list's dates are UTC days: ask for every UTC day that overlaps the local
   * ones, and count each sale on its local day. */
  first_moment = g_date_time_new_local (g_date_get_year (&load->first_day), g_date_get_month (&load->first_day),
                                        g_date_get_day (&load->first_day), 0, 0, 0);
  first_utc = g_date_time_to_utc (first_moment);
  now = g_date_time_new_now_utc ();
  tomorrow = g_date_time_add_days (now, 1);
  sales_from = g_date_time_format (first_utc, "%Y-%m-%d");
  sales_to = g_date_time_format (tomorrow, "%Y-%m-%d");
  json_object_set_string_member (sales_query, "status", "completed");
  json_object_set_string_member (sales_query, "from", sales_from);
  json_object_set_string_member (sales_query, "to", sales_to);
  json_object_set_int_member (sales_query, "limit", SALES_PAGE_SIZE);

  sr_client_call_async (self->client, "reports.summary", today, self->cancellable, today_cb, load);
  sr_client_call_async (self->client, "reports.summary", month, self->cancellable, month_cb, load);
  sr_client_list_all_async (self->client, "sales.list", sales_query, self->cancellable, sales_cb, load);
}

static gboolean
refresh_cb (gpointer user_data)
{
  SrDashboardPage *self = user_data;

  self->refresh_id = 0;
  read_figures (self);
  return G_SOURCE_REMOVE;
}

/* A burst of events (a bulk update, a sale moving its vehicle) is read once, and
 * only when someone looks: a page out of sight reads when it is shown again. */
static void
schedule_refresh (SrDashboardPage *self)
{
  if (self->loaded && !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

static void
event_cb (SrDashboardPage *self,
          JsonObject      *params)
{
  const char *entity = json_object_get_string_member_with_default (params, "entity", "");

  if (g_str_equal (entity, "vehicle") || g_str_equal (entity, "sale") || g_str_equal (entity, "pending_edit"))
    schedule_refresh (self);
}

static void
synced_cb (SrDashboardPage *self,
           gboolean         reload)
{
  read_figures (self);
}

/* Past midnight "today" is another day. */
static gboolean
clock_cb (gpointer user_data)
{
  SrDashboardPage *self = user_data;
  GDate date;
  g_autofree char *text = NULL;

  today_local (&date);
  text = date_text (&date);
  if (self->loaded && g_strcmp0 (text, self->today) != 0)
    schedule_refresh (self);
  return G_SOURCE_CONTINUE;
}

static void
measure_toggled_cb (SrDashboardPage *self)
{
  if (self->loaded)
    show_dates (self);
  gtk_widget_queue_draw (self->sales_chart);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SrDashboardPage *self = SR_DASHBOARD_PAGE (widget);

  /* Offline, the reconnect reads them anyway. */
  if (sr_client_get_state (self->client) != SR_CLIENT_ONLINE)
    return;
  if (!self->loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  read_figures (self);
}

/* --- the widget ------------------------------------------------------------------------- */

GtkWidget *
sr_dashboard_page_new (SrClient *client)
{
  SrDashboardPage *self;
  JsonObject *user;

  g_return_val_if_fail (SR_IS_CLIENT (client), NULL);

  self = g_object_new (SR_TYPE_DASHBOARD_PAGE, NULL);
  self->client = g_object_ref (client);

  /* An admin's summary counts every branch. */
  user = sr_client_get_user (client);
  if (user != NULL && g_strcmp0 (json_object_get_string_member_with_default (user, "role", ""), "admin") == 0)
    gtk_label_set_text (self->stock_chart_subtitle, _("Every vehicle of every branch, sold ones included"));

  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "synced", G_CALLBACK (synced_cb), self, G_CONNECT_SWAPPED);

  /* Made once signed in: the first sync may have passed already. */
  read_figures (self);

  return GTK_WIDGET (self);
}

static void
sr_dashboard_page_map (GtkWidget *widget)
{
  SrDashboardPage *self = SR_DASHBOARD_PAGE (widget);

  GTK_WIDGET_CLASS (sr_dashboard_page_parent_class)->map (widget);

  if (self->stale)
    read_figures (self);
}

static void
sr_dashboard_page_dispose (GObject *object)
{
  SrDashboardPage *self = SR_DASHBOARD_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SR_TYPE_DASHBOARD_PAGE);

  G_OBJECT_CLASS (sr_dashboard_page_parent_class)->dispose (object);
}

static void
sr_dashboard_page_finalize (GObject *object)
{
  SrDashboardPage *self = SR_DASHBOARD_PAGE (object);

  /* A read answered after dispose may have asked for another. */
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->today, g_free);

  G_OBJECT_CLASS (sr_dashboard_page_parent_class)->finalize (object);
}

static void
sr_dashboard_page_class_init (SrDashboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sr_dashboard_page_dispose;
  object_class->finalize = sr_dashboard_page_finalize;
  widget_class->map = sr_dashboard_page_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/showroom/Showroom/sr-dashboard-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, date_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, sales_today_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, revenue_today_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, sales_month_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, revenue_month_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, in_stock_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, reserved_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, incoming_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, sold_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, stock_value_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, stock_value_note);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, age_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, age_note);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, pending_label);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, pending_note);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, sales_chart_subtitle);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, stock_chart_subtitle);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, sales_chart);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, stock_chart);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, count_button);
  gtk_widget_class_bind_template_child (widget_class, SrDashboardPage, revenue_button);
  gtk_widget_class_bind_template_callback (widget_class, measure_toggled_cb);

  gtk_widget_class_install_action (widget_class, "dashboard.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "dashboard.refresh", NULL);
}

static void
sr_dashboard_page_init (SrDashboardPage *self)
{
  self->cancellable = g_cancellable_new ();
  g_date_clear (&self->first_day, 1);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->stock_chart), draw_stock_chart, self, NULL);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->sales_chart), draw_sales_chart, self, NULL);
  g_signal_connect_object (self->sales_chart, "query-tooltip", G_CALLBACK (sales_tooltip_cb), self, 0);
  gtk_widget_set_has_tooltip (self->stock_chart, FALSE);

  self->clock_id = g_timeout_add_seconds (60, clock_cb, self);
}
