/* sr-receipt.h: the receipt of a completed sale, as a dealership hands it over: drawn
 * on one page, printed through the system's print dialog or saved as PDF.
 *
 * A receipt gathers what it shows first (the sale, its customer, its vehicle and the
 * branch), so drawing it needs no server.
 */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_RECEIPT (sr_receipt_get_type ())

G_DECLARE_FINAL_TYPE (SrReceipt, sr_receipt, SR, RECEIPT, GObject)

/* From the records as the protocol sends them; @branch may be NULL (then the receipt
 * names no branch). */
SrReceipt  *sr_receipt_new           (JsonObject          *sale,
                                      JsonObject          *customer,
                                      JsonObject          *vehicle,
                                      JsonObject          *branch);
/* Reads sale @sale_id, its customer, vehicle and branch from the server. */
void        sr_receipt_fetch_async   (SrClient            *client,
                                      gint64               sale_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
SrReceipt  *sr_receipt_fetch_finish  (GAsyncResult        *result,
                                      GError             **error);

gint64      sr_receipt_get_number    (SrReceipt           *self);
/* Draws the receipt on @cr, an area @width by @height in points. */
void        sr_receipt_draw          (SrReceipt           *self,
                                      cairo_t             *cr,
                                      double               width,
                                      double               height);
/* The system's print dialog for the receipt; its "Print to File" saves a PDF. */
void        sr_receipt_print         (SrReceipt           *self,
                                      GtkWindow           *parent);
/* Saves the receipt as a one-page PDF at @path, with no dialog. */
gboolean    sr_receipt_export_pdf    (SrReceipt           *self,
                                      const char          *path,
                                      GError             **error);

G_END_DECLS
