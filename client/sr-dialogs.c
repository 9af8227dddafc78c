/* sr-dialogs.c: questions the app's windows ask the same way. */
#include "config.h"

#include <glib/gi18n.h>

#include "sr-dialogs.h"

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     GtkWindow        *window)
{
  gboolean *done = g_object_get_data (G_OBJECT (dialog), "sr-done");

  if (!g_str_equal (response, "discard"))
    return;
  /* The question lets go of the window before the window goes: GTK 4.8 holds no
   * reference on a transient parent, and a dialog finalized after it would reach
   * into the freed window. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_set_focus (window, NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  *done = TRUE;
  gtk_window_close (window);
}

void
sr_ask_discard (GtkWindow  *window,
                const char *body,
                gboolean   *done)
{
  GtkWidget *dialog;

  g_return_if_fail (GTK_IS_WINDOW (window));
  g_return_if_fail (done != NULL);

  dialog = adw_message_dialog_new (window, _("Discard Changes?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  gtk_widget_set_name (dialog, "discard-dialog");
  g_object_set_data (G_OBJECT (dialog), "sr-done", done);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), window, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
