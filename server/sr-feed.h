/* sr-feed.h: the live feed. Reads new change_log rows in seq order and hands each to
 * every subscribed session that may see it, shaped for that session's audience. */
#pragma once

#include <json-glib/json-glib.h>

#include "sr-config.h"
#include "sr-db-pool.h"

G_BEGIN_DECLS

typedef struct _SrFeed    SrFeed;
typedef struct _SrSession SrSession;

SrFeed  *sr_feed_new          (const SrConfig *config,
                               SrDbPool       *replay_pool);
void     sr_feed_free         (SrFeed         *self);
/* Something may have been committed (a NOTIFY, a reconnect, the safety poll). */
void     sr_feed_poke         (SrFeed         *self);
/* Answers the `subscribe` request itself, then replays and goes live. */
void     sr_feed_subscribe    (SrFeed         *self,
                               SrSession      *session,
                               JsonNode       *request_id,
                               gboolean        has_since,
                               gint64          since_seq);
void     sr_feed_unsubscribe  (SrFeed         *self,
                               SrSession      *session);
gint64   sr_feed_get_seq      (SrFeed         *self);

G_END_DECLS
