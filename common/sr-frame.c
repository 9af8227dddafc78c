/* sr-frame.c: the incremental frame decoder and the encoder.
 *
 * Bytes accumulate in one GByteArray; consumed bytes are dropped lazily (an offset), so a
 * stream of small frames does not memmove on every frame.
 */
#define G_LOG_DOMAIN "sr-frame"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-frame.h"

struct _SrFrameDecoder
{
  GByteArray *buffer;
  gsize       offset;     /* first unconsumed byte in buffer */
  gsize       max_frame;
  gboolean    failed;
};

SrFrameDecoder *
sr_frame_decoder_new (gsize max_frame)
{
  SrFrameDecoder *self;

  g_return_val_if_fail (max_frame > 0, NULL);
  g_return_val_if_fail (max_frame <= G_MAXUINT32, NULL);

  self = g_new0 (SrFrameDecoder, 1);
  self->buffer = g_byte_array_new ();
  self->max_frame = max_frame;

  return self;
}

void
sr_frame_decoder_free (SrFrameDecoder *self)
{
  if (self == NULL)
    return;

  g_byte_array_unref (self->buffer);
  g_free (self);
}

gsize
sr_frame_decoder_get_max (SrFrameDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_frame;
}

static gsize
available (SrFrameDecoder *self)
{
  return self->buffer->len - self->offset;
}

static void
compact (SrFrameDecoder *self)
{
  if (self->offset == 0)
    return;

  if (self->offset == self->buffer->len)
    g_byte_array_set_size (self->buffer, 0);
  else
    g_byte_array_remove_range (self->buffer, 0, self->offset);
  self->offset = 0;
}

void
sr_frame_decoder_push (SrFrameDecoder *self,
                       const guint8   *data,
                       gsize           len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (self->failed || len == 0)
    return;

  /* Drop what was consumed before growing, so the buffer stays near one frame. */
  if (self->offset > 0 && self->offset >= self->buffer->len / 2)
    compact (self);

  g_byte_array_append (self->buffer, data, len);
}

gboolean
sr_frame_decoder_is_partial (SrFrameDecoder *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return available (self) > 0;
}

SrFrameStatus
sr_frame_decoder_next (SrFrameDecoder  *self,
                       GBytes         **frame,
                       GError         **error)
{
  const guint8 *p;
  guint32 len;

  g_return_val_if_fail (self != NULL, SR_FRAME_ERROR);
  g_return_val_if_fail (frame != NULL, SR_FRAME_ERROR);

  *frame = NULL;

  if (self->failed)
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, NULL, "the stream is broken");
      return SR_FRAME_ERROR;
    }

  if (available (self) < SR_FRAME_HEADER_SIZE)
    return SR_FRAME_NEED_MORE;

  p = self->buffer->data + self->offset;
  len = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];

  /* Checked on the header alone: the body is never buffered past the limit. */
  if (len == 0)
    {
      self->failed = TRUE;
      g_byte_array_set_size (self->buffer, 0);
      self->offset = 0;
      sr_set_error (error, SR_ERROR_EMPTY_FRAME, NULL, "empty frame");
      return SR_FRAME_ERROR;
    }
  if (len > self->max_frame)
    {
      self->failed = TRUE;
      g_byte_array_set_size (self->buffer, 0);
      self->offset = 0;
      sr_set_error (error, SR_ERROR_FRAME_TOO_LARGE, NULL,
                    "frame of %u bytes is over the limit of %" G_GSIZE_FORMAT " bytes",
                    len, self->max_frame);
      return SR_FRAME_ERROR;
    }

  if (available (self) - SR_FRAME_HEADER_SIZE < len)
    return SR_FRAME_NEED_MORE;

  *frame = g_bytes_new (p + SR_FRAME_HEADER_SIZE, len);
  self->offset += SR_FRAME_HEADER_SIZE + len;
  if (self->offset == self->buffer->len)
    {
      g_byte_array_set_size (self->buffer, 0);
      self->offset = 0;
    }

  return SR_FRAME_READY;
}

GBytes *
sr_frame_encode (const char *body,
                 gsize       len)
{
  guint8 *data;

  g_return_val_if_fail (body != NULL || len == 0, NULL);
  g_return_val_if_fail (len <= G_MAXUINT32, NULL);

  data = g_malloc (SR_FRAME_HEADER_SIZE + len);
  data[0] = (len >> 24) & 0xff;
  data[1] = (len >> 16) & 0xff;
  data[2] = (len >> 8) & 0xff;
  data[3] = len & 0xff;
  if (len > 0)
    memcpy (data + SR_FRAME_HEADER_SIZE, body, len);

  return g_bytes_new_take (data, SR_FRAME_HEADER_SIZE + len);
}
