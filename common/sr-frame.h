/* sr-frame.h: length-prefixed frames (4-byte big-endian length, then that many bytes).
 *
 * The decoder is incremental: feed it whatever the socket gave, in any split, and take
 * whole frames out. It checks each length against the limit before it buffers a byte
 * of the body, so a hostile length never makes it allocate.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SR_FRAME_HEADER_SIZE      4
#define SR_FRAME_DEFAULT_MAX      (1024 * 1024)
#define SR_FRAME_SERVER_MAX       (16 * 1024 * 1024)

typedef struct _SrFrameDecoder SrFrameDecoder;

typedef enum {
  SR_FRAME_NEED_MORE,    /* no whole frame buffered yet */
  SR_FRAME_READY,        /* *frame holds one frame body */
  SR_FRAME_ERROR,        /* empty or oversized frame: the stream cannot be resynchronised */
} SrFrameStatus;

SrFrameDecoder *sr_frame_decoder_new        (gsize            max_frame);
void            sr_frame_decoder_free       (SrFrameDecoder  *self);
void            sr_frame_decoder_push       (SrFrameDecoder  *self,
                                             const guint8    *data,
                                             gsize            len);
SrFrameStatus   sr_frame_decoder_next       (SrFrameDecoder  *self,
                                             GBytes         **frame,
                                             GError         **error);
/* TRUE when part of a frame (header or body) is buffered: used for the stall timeout. */
gboolean        sr_frame_decoder_is_partial (SrFrameDecoder  *self);
gsize           sr_frame_decoder_get_max    (SrFrameDecoder  *self);

/* Header plus body, ready to write. */
GBytes         *sr_frame_encode             (const char      *body,
                                             gsize            len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrFrameDecoder, sr_frame_decoder_free)

G_END_DECLS
