/* sr-bulk-dialog.h: one change to every vehicle the stock view shows: choose it,
 * preview every row before and after, then apply it (managers) or file it for
 * approval (sales). */
#pragma once

#include <adwaita.h>

#include "sr-client.h"
#include "sr-stock-view.h"

G_BEGIN_DECLS

#define SR_TYPE_BULK_DIALOG (sr_bulk_dialog_get_type ())

G_DECLARE_FINAL_TYPE (SrBulkDialog, sr_bulk_dialog, SR, BULK_DIALOG, AdwWindow)

/* Takes @view's filter as it is now; the result is told in a toast over @view. */
SrBulkDialog *sr_bulk_dialog_new (SrClient    *client,
                                  SrStockView *view);

G_END_DECLS
