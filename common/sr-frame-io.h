/* sr-frame-io.h: frames over GIO streams, shared by the server's sessions and the
 * client connection.
 *
 * The reader pulls bytes asynchronously and hands out whole frames. The writer writes
 * at once when nothing is waiting and the socket takes it (no main-loop round);
 * otherwise frames queue and everything queued goes in one vectored write. A burst of
 * responses or events is held and written together (sr_frame_writer_hold_all()), so it
 * costs one syscall per connection rather than one per frame.
 */
#pragma once

#include <gio/gio.h>

#include "sr-frame.h"

G_BEGIN_DECLS

typedef struct _SrFrameReader SrFrameReader;
typedef struct _SrFrameWriter SrFrameWriter;

/* frame set: one frame. frame and error NULL: end of stream. error set: the stream
 * failed (I/O, or a framing error in SR_ERROR); no further call follows either. */
typedef void (*SrFrameReaderFunc) (GBytes       *frame,
                                   const GError *error,
                                   gpointer      user_data);

/* Called once when a write fails; the writer then drops whatever it holds. */
typedef void (*SrFrameWriterFunc) (const GError *error,
                                   gpointer      user_data);

SrFrameReader *sr_frame_reader_new        (GInputStream      *stream,
                                           gsize              max_frame,
                                           SrFrameReaderFunc  func,
                                           gpointer           user_data);
void           sr_frame_reader_start      (SrFrameReader     *self);
void           sr_frame_reader_pause      (SrFrameReader     *self);
void           sr_frame_reader_resume     (SrFrameReader     *self);
gboolean       sr_frame_reader_is_partial (SrFrameReader     *self);
/* g_get_monotonic_time() when bytes last came in; 0 before any. */
gint64         sr_frame_reader_get_last_read (SrFrameReader  *self);
/* Cancels pending reads; no callback runs after this returns. */
void           sr_frame_reader_free       (SrFrameReader     *self);

SrFrameWriter *sr_frame_writer_new        (GOutputStream     *stream,
                                           SrFrameWriterFunc  func,
                                           gpointer           user_data);
void           sr_frame_writer_push       (SrFrameWriter     *self,
                                           GBytes            *body);
/* A frame already encoded with sr_frame_encode(): one encoding shared by many writers,
 * as the live feed does for every subscriber of an audience. */
void           sr_frame_writer_push_framed (SrFrameWriter    *self,
                                            GBytes           *framed);
/* Between these, frames pushed on this thread to any writer only queue; the last
 * release writes each writer's queue in one vectored write. Around a batch of work
 * (a read's pipelined requests, a batch of database results, a batch of events), so
 * it costs one write per connection rather than one per frame. They nest. */
void           sr_frame_writer_hold_all   (void);
void           sr_frame_writer_release_all (void);
/* Bytes queued and not yet written: what a slow reader has let pile up. */
gsize          sr_frame_writer_get_queued (SrFrameWriter     *self);
/* Bytes written so far: whether a reader is making progress at all. */
guint64        sr_frame_writer_get_written (SrFrameWriter    *self);
/* Called (once) as soon as nothing is queued or being written. */
void           sr_frame_writer_when_drained (SrFrameWriter   *self,
                                             GSourceFunc      func,
                                             gpointer         user_data);
void           sr_frame_writer_free       (SrFrameWriter     *self);

G_END_DECLS
