/* sr-session.h: one client connection to the server. */
#pragma once

#include <gio/gio.h>

#include "sr-dispatch.h"

G_BEGIN_DECLS

typedef struct _SrServer SrServer;

#define SR_TYPE_SESSION (sr_session_get_type ())

G_DECLARE_FINAL_TYPE (SrSession, sr_session, SR, SESSION, GObject)

SrSession  *sr_session_new            (SrServer      *server,
                                       GIOStream     *stream,
                                       const char    *peer);
void        sr_session_start          (SrSession     *self);
void        sr_session_close          (SrSession     *self);
guint       sr_session_get_in_flight  (SrSession     *self);

/* Housekeeping from the server's sweep: closes the connection when it has been idle
 * or has stalled mid-frame for too long. */
void        sr_session_sweep          (SrSession     *self,
                                       gint64         now_us);

/* Sign-in state, driven by effects and by other servers' notifications. */
gint64      sr_session_get_user_id    (SrSession     *self);
gboolean    sr_session_has_token      (SrSession     *self,
                                       const guint8  *token_hash);
void        sr_session_sign_in        (SrSession     *self,
                                       const SrActor *actor,
                                       const guint8  *token_hash,
                                       gint64         expires_at);
void        sr_session_sign_out       (SrSession     *self);
void        sr_session_set_actor      (SrSession     *self,
                                       const SrActor *actor);
void        sr_session_mark_stale     (SrSession     *self);

SrRole      sr_session_get_role       (SrSession     *self);
gint64      sr_session_get_branch_id  (SrSession     *self);
gboolean    sr_session_is_closed      (SrSession     *self);

/* Answers for requests the session hands elsewhere (subscribe). */
void        sr_session_send_result    (SrSession     *self,
                                       JsonNode      *id,
                                       JsonNode      *result);
void        sr_session_send_error     (SrSession     *self,
                                       JsonNode      *id,
                                       const GError  *error);

/* Live events. While a replay runs, live events are held and follow it. */
void        sr_session_begin_replay   (SrSession     *self,
                                       gint64         upto);
void        sr_session_deliver_replayed (SrSession   *self,
                                         GBytes      *frame);
void        sr_session_end_replay     (SrSession     *self,
                                       gboolean       flush);
void        sr_session_deliver        (SrSession     *self,
                                       gint64         seq,
                                       GBytes        *frame);

G_END_DECLS
