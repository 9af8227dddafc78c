/* sr-followups-page.h: the follow-ups that wait for the user (managers: for anyone of
 * the branch, if they ask), the overdue ones first, live; and a reminder when one falls
 * due while the app is open. */
#pragma once

#include <adwaita.h>

#include "sr-client.h"

G_BEGIN_DECLS

#define SR_TYPE_FOLLOWUPS_PAGE (sr_followups_page_get_type ())

G_DECLARE_FINAL_TYPE (SrFollowupsPage, sr_followups_page, SR, FOLLOWUPS_PAGE, GtkWidget)

GtkWidget *sr_followups_page_new           (SrClient        *client);
/* What is due: the overdue follow-ups and those due later today. The page's badge. */
guint      sr_followups_page_get_due_count (SrFollowupsPage *self);
/* The pending follow-ups listed, soonest due first: JsonObjects, borrowed. */
GPtrArray *sr_followups_page_get_shown     (SrFollowupsPage *self);
/* Whether the first list has been read. */
gboolean   sr_followups_page_is_loaded     (SrFollowupsPage *self);

G_END_DECLS
