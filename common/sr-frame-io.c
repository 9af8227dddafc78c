/* sr-frame-io.c: asynchronous frame reader and writer.
 *
 * Both are plain structs owned by one object. A pending operation holds a reference on
 * a small shared state so that freeing the owner mid-operation is safe: free cancels,
 * marks the state dead, and the completion drops it without calling back.
 */
#define G_LOG_DOMAIN "sr-frame-io"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-frame-io.h"

/* Small, since every idle connection holds one: big frames just take more reads. */
#define READ_CHUNK (8 * 1024)

struct _SrFrameReader
{
  gatomicrefcount     ref_count;
  GInputStream       *stream;
  GCancellable       *cancellable;
  SrFrameDecoder     *decoder;
  SrFrameReaderFunc   func;
  gpointer            user_data;
  guint8             *chunk;
  gint64              last_read;   /* monotonic µs of the last bytes that came in */
  guint               reading : 1;
  guint               paused : 1;
  guint               finished : 1;
  guint               dead : 1;
};

static SrFrameReader *
reader_ref (SrFrameReader *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
reader_unref (SrFrameReader *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->decoder, sr_frame_decoder_free);
  g_free (self->chunk);
  g_free (self);
}

SrFrameReader *
sr_frame_reader_new (GInputStream      *stream,
                     gsize              max_frame,
                     SrFrameReaderFunc  func,
                     gpointer           user_data)
{
  SrFrameReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (SrFrameReader, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->stream = g_object_ref (stream);
  self->cancellable = g_cancellable_new ();
  self->decoder = sr_frame_decoder_new (max_frame);
  self->func = func;
  self->user_data = user_data;
  self->chunk = g_malloc (READ_CHUNK);
  self->paused = TRUE;

  return self;
}

static void read_more (SrFrameReader *self);

/* Hands out buffered frames until the owner pauses, frees us, or none is left. */
static void
drain (SrFrameReader *self)
{
  reader_ref (self);
  /* Replies to a read's worth of pipelined requests go out together. */
  sr_frame_writer_hold_all ();

  while (!self->dead && !self->paused && !self->finished)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) frame = NULL;
      SrFrameStatus status;

      status = sr_frame_decoder_next (self->decoder, &frame, &error);
      if (status == SR_FRAME_NEED_MORE)
        break;

      if (status == SR_FRAME_ERROR)
        self->finished = TRUE;
      self->func (frame, error, self->user_data);
    }

  sr_frame_writer_release_all ();
  if (!self->dead && !self->paused && !self->finished)
    read_more (self);

  reader_unref (self);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SrFrameReader *self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  self->reading = FALSE;

  if (self->dead)
    {
      reader_unref (self);
      return;
    }

  if (n <= 0)
    {
      self->finished = TRUE;
      self->func (NULL, error, self->user_data);
      reader_unref (self);
      return;
    }

  self->last_read = g_get_monotonic_time ();
  sr_frame_decoder_push (self->decoder, self->chunk, n);
  drain (self);
  reader_unref (self);
}

static void
read_more (SrFrameReader *self)
{
  if (self->reading || self->dead || self->finished)
    return;

  self->reading = TRUE;
  g_input_stream_read_async (self->stream, self->chunk, READ_CHUNK, G_PRIORITY_DEFAULT,
                             self->cancellable, read_cb, reader_ref (self));
}

void
sr_frame_reader_start (SrFrameReader *self)
{
  sr_frame_reader_resume (self);
}

void
sr_frame_reader_pause (SrFrameReader *self)
{
  g_return_if_fail (self != NULL);

  /* A read already under way completes into the decoder; frames wait there. */
  self->paused = TRUE;
}

void
sr_frame_reader_resume (SrFrameReader *self)
{
  g_return_if_fail (self != NULL);

  if (!self->paused)
    return;

  self->paused = FALSE;
  drain (self);
}

gint64
sr_frame_reader_get_last_read (SrFrameReader *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->last_read;
}

gboolean
sr_frame_reader_is_partial (SrFrameReader *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return sr_frame_decoder_is_partial (self->decoder);
}

void
sr_frame_reader_free (SrFrameReader *self)
{
  if (self == NULL)
    return;

  self->dead = TRUE;
  g_cancellable_cancel (self->cancellable);
  reader_unref (self);
}

struct _SrFrameWriter
{
  gatomicrefcount     ref_count;
  GOutputStream      *stream;
  GCancellable       *cancellable;
  SrFrameWriterFunc   func;
  gpointer            user_data;
  GQueue              queue;        /* GBytes, framed */
  GPtrArray          *in_flight;    /* GBytes being written */
  GOutputVector      *vectors;
  gsize               queued_bytes;
  guint64             written_bytes;
  GSourceFunc         drained_func;
  gpointer            drained_data;
  guint               failed : 1;
  guint               dead : 1;
  guint               held : 1;      /* in this thread's hold list */
};

/* Writes held on this thread: a nesting depth and the writers with frames waiting. */
typedef struct {
  guint      depth;
  GPtrArray *writers;
} Hold;

static void
hold_free (gpointer data)
{
  Hold *hold = data;

  g_ptr_array_unref (hold->writers);
  g_free (hold);
}

static GPrivate hold_key = G_PRIVATE_INIT (hold_free);

static SrFrameWriter *
writer_ref (SrFrameWriter *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
writer_unref (SrFrameWriter *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);
  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_free (self->vectors);
  g_free (self);
}

SrFrameWriter *
sr_frame_writer_new (GOutputStream     *stream,
                     SrFrameWriterFunc  func,
                     gpointer           user_data)
{
  SrFrameWriter *self;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);

  self = g_new0 (SrFrameWriter, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->stream = g_object_ref (stream);
  self->cancellable = g_cancellable_new ();
  self->func = func;
  self->user_data = user_data;
  g_queue_init (&self->queue);

  return self;
}

static void write_queued (SrFrameWriter *self);

static void
maybe_drained (SrFrameWriter *self)
{
  GSourceFunc func = self->drained_func;

  if (func == NULL || !g_queue_is_empty (&self->queue) || self->in_flight != NULL)
    return;

  self->drained_func = NULL;
  func (self->drained_data);
}

static gboolean
drained_idle_cb (gpointer user_data)
{
  SrFrameWriter *self = user_data;

  if (!self->dead && !self->failed)
    maybe_drained (self);
  return G_SOURCE_REMOVE;
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SrFrameWriter *self = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_writev_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error);

  for (guint i = 0; i < self->in_flight->len; i++)
    {
      gsize size = g_bytes_get_size (g_ptr_array_index (self->in_flight, i));

      self->queued_bytes -= size;
      if (error == NULL)
        self->written_bytes += size;
    }
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);

  if (!self->dead)
    {
      if (error != NULL)
        {
          self->failed = TRUE;
          g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
          self->queued_bytes = 0;
          if (self->func != NULL)
            self->func (error, self->user_data);
        }
      else
        write_queued (self);
    }

  if (!self->dead && !self->failed && self->in_flight == NULL)
    maybe_drained (self);

  writer_unref (self);
}

/* At most this many frames go in one vectored write. */
#define MAX_VECTORS 256

static guint
fill_vectors (SrFrameWriter *self)
{
  guint n = MIN (g_queue_get_length (&self->queue), MAX_VECTORS);
  GList *link = self->queue.head;

  self->vectors = g_renew (GOutputVector, self->vectors, MAX (n, 1));
  for (guint i = 0; i < n; i++, link = link->next)
    {
      gsize size;

      self->vectors[i].buffer = g_bytes_get_data (link->data, &size);
      self->vectors[i].size = size;
    }
  return n;
}

/* Most of the time what is queued fits in the socket's buffer at once: write it
 * straight away, without the asynchronous round (a task and a main-loop dispatch per
 * write, which dominate a fan-out to many connections). Returns FALSE when the stream
 * cannot take it all now, or failed: the asynchronous path then goes on with what is
 * left, and reports any error from the main loop. */
static gboolean
write_now (SrFrameWriter *self)
{
  GPollableOutputStream *pollable;
  gsize written = 0;
  guint n;

  if (!G_IS_POLLABLE_OUTPUT_STREAM (self->stream))
    return FALSE;
  pollable = G_POLLABLE_OUTPUT_STREAM (self->stream);
  if (!g_pollable_output_stream_can_poll (pollable))
    return FALSE;

  while (!g_queue_is_empty (&self->queue))
    {
      n = fill_vectors (self);
      if (g_pollable_output_stream_writev_nonblocking (pollable, self->vectors, n, &written,
                                                       self->cancellable, NULL) !=
          G_POLLABLE_RETURN_OK)
        return FALSE;

      self->queued_bytes -= written;
      self->written_bytes += written;
      while (written > 0)
        {
          GBytes *head = g_queue_pop_head (&self->queue);
          gsize size = g_bytes_get_size (head);

          if (written < size)
            {
              g_queue_push_head (&self->queue,
                                 g_bytes_new_from_bytes (head, written, size - written));
              g_bytes_unref (head);
              return FALSE;
            }
          written -= size;
          g_bytes_unref (head);
        }
    }

  return TRUE;
}

static void
write_queued (SrFrameWriter *self)
{
  guint n;

  if (self->in_flight != NULL || self->failed || self->dead || self->held ||
      g_queue_is_empty (&self->queue))
    return;

  if (write_now (self))
    {
      /* Emptied straight away: whoever waits for that hears it from the main loop, not
       * from inside the push (its owner may be closing the connection). */
      if (self->drained_func != NULL)
        g_idle_add_full (G_PRIORITY_DEFAULT, drained_idle_cb, writer_ref (self),
                         (GDestroyNotify) writer_unref);
      return;
    }

  n = fill_vectors (self);
  self->in_flight = g_ptr_array_new_full (n, (GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->in_flight, g_queue_pop_head (&self->queue));

  g_output_stream_writev_all_async (self->stream, self->vectors, n, G_PRIORITY_DEFAULT,
                                    self->cancellable, write_cb, writer_ref (self));
}

void
sr_frame_writer_push_framed (SrFrameWriter *self,
                             GBytes        *framed)
{
  Hold *hold;

  g_return_if_fail (self != NULL);
  g_return_if_fail (framed != NULL);

  if (self->failed || self->dead)
    return;

  self->queued_bytes += g_bytes_get_size (framed);
  g_queue_push_tail (&self->queue, g_bytes_ref (framed));

  hold = g_private_get (&hold_key);
  if (hold != NULL && hold->depth > 0)
    {
      if (!self->held)
        {
          self->held = TRUE;
          g_ptr_array_add (hold->writers, writer_ref (self));
        }
      return;
    }

  write_queued (self);
}

void
sr_frame_writer_push (SrFrameWriter *self,
                      GBytes        *body)
{
  g_autoptr(GBytes) framed = NULL;
  const char *data;
  gsize size;

  g_return_if_fail (self != NULL);
  g_return_if_fail (body != NULL);

  data = g_bytes_get_data (body, &size);
  framed = sr_frame_encode (data, size);
  sr_frame_writer_push_framed (self, framed);
}

void
sr_frame_writer_hold_all (void)
{
  Hold *hold = g_private_get (&hold_key);

  if (hold == NULL)
    {
      hold = g_new0 (Hold, 1);
      hold->writers = g_ptr_array_new ();
      g_private_set (&hold_key, hold);
    }
  hold->depth++;
}

void
sr_frame_writer_release_all (void)
{
  Hold *hold = g_private_get (&hold_key);
  g_autoptr(GPtrArray) writers = NULL;

  g_return_if_fail (hold != NULL && hold->depth > 0);

  if (--hold->depth > 0 || hold->writers->len == 0)
    return;

  /* Each writer may be freed by its owner meanwhile: the list holds a reference, and a
   * dead writer writes nothing. */
  writers = g_steal_pointer (&hold->writers);
  hold->writers = g_ptr_array_new ();
  for (guint i = 0; i < writers->len; i++)
    {
      SrFrameWriter *self = g_ptr_array_index (writers, i);

      self->held = FALSE;
      write_queued (self);
      writer_unref (self);
    }
}

gsize
sr_frame_writer_get_queued (SrFrameWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->queued_bytes;
}

guint64
sr_frame_writer_get_written (SrFrameWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->written_bytes;
}

void
sr_frame_writer_when_drained (SrFrameWriter *self,
                              GSourceFunc    func,
                              gpointer       user_data)
{
  g_return_if_fail (self != NULL);

  self->drained_func = func;
  self->drained_data = user_data;

  if (self->failed)
    {
      self->drained_func = NULL;
      func (user_data);
      return;
    }
  maybe_drained (self);
}

void
sr_frame_writer_free (SrFrameWriter *self)
{
  if (self == NULL)
    return;

  self->dead = TRUE;
  g_cancellable_cancel (self->cancellable);
  writer_unref (self);
}
