/* test-frame.c: the incremental frame decoder and the encoder (PROTOCOL.md section 1):
 * any split of the byte stream gives the same frames, the length limits are enforced on
 * the header alone, and a failed stream stays failed. The frame writer, over a real
 * loopback socket, delivers every frame whole and in order whether it is written at
 * once, in part, held or later. */
#define G_LOG_DOMAIN "test-frame"

#include "config.h"

#include <string.h>
#include <check.h>

#include "sr-error.h"
#include "sr-frame.h"
#include "sr-frame-io.h"

#include <gio/gnetworking.h>

/* Small limit for the exhaustive split tests, so every cut stays cheap. */
#define SPLIT_MAX 2048

static const gsize split_sizes[] = { 1, 2, 5, 300, SPLIT_MAX - 1, SPLIT_MAX, 1, 3 };

/* Each frame's bytes depend on its index, so a swapped or shifted frame shows. */
static GBytes *
make_body (guint index,
           gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize j = 0; j < size; j++)
    data[j] = (guint8) (index * 37 + j * 7 + (j >> 8));

  return g_bytes_new_take (data, size);
}

static GPtrArray *
make_bodies (const gsize *sizes,
             gsize        n)
{
  GPtrArray *bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (bodies, make_body (i, sizes[i]));

  return bodies;
}

static GByteArray *
encode_all (GPtrArray *bodies)
{
  GByteArray *stream = g_byte_array_new ();

  for (guint i = 0; i < bodies->len; i++)
    {
      gsize len;
      const char *body = g_bytes_get_data (bodies->pdata[i], &len);
      g_autoptr(GBytes) frame = sr_frame_encode (body, len);
      gsize frame_len;
      const guint8 *frame_data = g_bytes_get_data (frame, &frame_len);

      ck_assert_uint_eq (frame_len, len + SR_FRAME_HEADER_SIZE);
      g_byte_array_append (stream, frame_data, frame_len);
    }

  return stream;
}

/* Takes every whole frame out; a framing error here is a test failure. */
static void
drain (SrFrameDecoder *decoder,
       GPtrArray      *out)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GBytes *frame = NULL;
      SrFrameStatus status = sr_frame_decoder_next (decoder, &frame, &error);

      if (status == SR_FRAME_NEED_MORE)
        {
          ck_assert_ptr_null (frame);
          ck_assert_ptr_null (error);
          return;
        }
      ck_assert_msg (status == SR_FRAME_READY, "decoder failed: %s",
                     error ? error->message : "(no error)");
      ck_assert_ptr_nonnull (frame);
      ck_assert_ptr_null (error);
      g_ptr_array_add (out, frame);
    }
}

static void
assert_same_frames (GPtrArray  *got,
                    GPtrArray  *want,
                    const char *how)
{
  ck_assert_msg (got->len == want->len, "%s: %u frames, expected %u", how, got->len, want->len);
  for (guint i = 0; i < want->len; i++)
    ck_assert_msg (g_bytes_equal (got->pdata[i], want->pdata[i]),
                   "%s: frame %u differs (%zu bytes, expected %zu)", how, i,
                   g_bytes_get_size (got->pdata[i]), g_bytes_get_size (want->pdata[i]));
}

static SrFrameStatus
next_error (SrFrameDecoder  *decoder,
            GError         **error)
{
  GBytes *frame = NULL;
  SrFrameStatus status = sr_frame_decoder_next (decoder, &frame, error);

  /* Whatever happens, no frame may come out of a failed stream. */
  if (status != SR_FRAME_READY)
    ck_assert_ptr_null (frame);
  g_clear_pointer (&frame, g_bytes_unref);

  return status;
}

static void
push_header (SrFrameDecoder *decoder,
             guint32         len)
{
  guint8 header[4] = { len >> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff };

  sr_frame_decoder_push (decoder, header, sizeof header);
}

/* Splits */

START_TEST (test_split_every_point)
{
  g_autoptr(GPtrArray) bodies = make_bodies (split_sizes, G_N_ELEMENTS (split_sizes));
  g_autoptr(GByteArray) stream = encode_all (bodies);

  for (gsize cut = 0; cut <= stream->len; cut++)
    {
      g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SPLIT_MAX);
      g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autofree char *how = g_strdup_printf ("cut at %zu", cut);

      sr_frame_decoder_push (decoder, stream->data, cut);
      drain (decoder, got);
      sr_frame_decoder_push (decoder, stream->data + cut, stream->len - cut);
      drain (decoder, got);

      assert_same_frames (got, bodies, how);
      ck_assert (!sr_frame_decoder_is_partial (decoder));
    }
}
END_TEST

START_TEST (test_split_byte_by_byte)
{
  g_autoptr(GPtrArray) bodies = make_bodies (split_sizes, G_N_ELEMENTS (split_sizes));
  g_autoptr(GByteArray) stream = encode_all (bodies);
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SPLIT_MAX);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; i < stream->len; i++)
    {
      sr_frame_decoder_push (decoder, stream->data + i, 1);
      drain (decoder, got);
    }

  assert_same_frames (got, bodies, "byte by byte");
  ck_assert (!sr_frame_decoder_is_partial (decoder));
}
END_TEST

START_TEST (test_split_byte_by_byte_no_drain)
{
  /* All bytes pushed one at a time before any frame is taken. */
  g_autoptr(GPtrArray) bodies = make_bodies (split_sizes, G_N_ELEMENTS (split_sizes));
  g_autoptr(GByteArray) stream = encode_all (bodies);
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SPLIT_MAX);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; i < stream->len; i++)
    sr_frame_decoder_push (decoder, stream->data + i, 1);
  drain (decoder, got);

  assert_same_frames (got, bodies, "pushed whole, drained once");
}
END_TEST

START_TEST (test_split_random_chunks)
{
  /* Many frames in random chunks, taking frames between pushes: exercises the lazy
   * compaction of consumed bytes. The seed is fixed so a failure reproduces. */
  g_autoptr(GRand) rand = g_rand_new_with_seed (7460);
  g_autofree gsize *sizes = g_new (gsize, 500);
  g_autoptr(GPtrArray) bodies = NULL;
  g_autoptr(GByteArray) stream = NULL;
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SPLIT_MAX);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize pos = 0;

  for (guint i = 0; i < 500; i++)
    sizes[i] = g_rand_int_range (rand, 1, SPLIT_MAX + 1);
  bodies = make_bodies (sizes, 500);
  stream = encode_all (bodies);

  while (pos < stream->len)
    {
      gsize chunk = g_rand_int_range (rand, 1, 3 * SPLIT_MAX);

      chunk = MIN (chunk, stream->len - pos);

      sr_frame_decoder_push (decoder, stream->data + pos, chunk);
      pos += chunk;
      if (g_rand_boolean (rand))
        drain (decoder, got);
    }
  drain (decoder, got);

  assert_same_frames (got, bodies, "random chunks");
}
END_TEST

/* Limits */

START_TEST (test_limit_empty_frame)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SR_FRAME_DEFAULT_MAX);
  g_autoptr(GError) error = NULL;

  push_header (decoder, 0);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_EMPTY_FRAME));
}
END_TEST

START_TEST (test_limit_empty_after_frame)
{
  /* A good frame ahead of the empty one still comes out first. */
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SR_FRAME_DEFAULT_MAX);
  g_autoptr(GBytes) good = sr_frame_encode ("{}", 2);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;

  sr_frame_decoder_push (decoder, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  push_header (decoder, 0);
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, NULL), SR_FRAME_READY);
  ck_assert_uint_eq (g_bytes_get_size (frame), 2);
  ck_assert_int_eq (memcmp (g_bytes_get_data (frame, NULL), "{}", 2), 0);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_EMPTY_FRAME));
}
END_TEST

START_TEST (test_limit_too_large_header_only)
{
  /* Only the header has arrived: the check cannot wait for the body. */
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (1000);
  g_autoptr(GError) error = NULL;

  push_header (decoder, 1001);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));
}
END_TEST

START_TEST (test_limit_too_large_split_header)
{
  /* The header itself arriving byte by byte: no verdict before the 4th byte. */
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SR_FRAME_DEFAULT_MAX);
  g_autoptr(GError) error = NULL;
  const guint8 header[4] = { 0x00, 0x10, 0x00, 0x01 };   /* DEFAULT_MAX + 1 */

  for (int i = 0; i < 3; i++)
    {
      sr_frame_decoder_push (decoder, header + i, 1);
      ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_NEED_MORE);
      ck_assert_ptr_null (error);
    }
  sr_frame_decoder_push (decoder, header + 3, 1);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));
}
END_TEST

START_TEST (test_limit_huge_header)
{
  /* 4 GiB claimed: it must fail at once, without waiting for (or allocating) a body. */
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SR_FRAME_SERVER_MAX);
  g_autoptr(GError) error = NULL;
  const guint8 header[4] = { 0xff, 0xff, 0xff, 0xff };

  sr_frame_decoder_push (decoder, header, sizeof header);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));
}
END_TEST

START_TEST (test_limit_exactly_max)
{
  /* The default client limit: exactly 1 MiB passes, one byte more fails. */
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (SR_FRAME_DEFAULT_MAX);
  g_autoptr(SrFrameDecoder) over = sr_frame_decoder_new (SR_FRAME_DEFAULT_MAX);
  g_autoptr(GBytes) body = make_body (1, SR_FRAME_DEFAULT_MAX);
  g_autoptr(GBytes) encoded = sr_frame_encode (g_bytes_get_data (body, NULL), SR_FRAME_DEFAULT_MAX);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert_uint_eq (sr_frame_decoder_get_max (decoder), SR_FRAME_DEFAULT_MAX);
  sr_frame_decoder_push (decoder, g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, &error), SR_FRAME_READY);
  ck_assert_ptr_null (error);
  ck_assert (g_bytes_equal (frame, body));

  push_header (over, SR_FRAME_DEFAULT_MAX + 1);
  ck_assert_int_eq (next_error (over, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));
}
END_TEST

START_TEST (test_limit_one_byte_max)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (1);
  g_autoptr(GBytes) encoded = sr_frame_encode ("x", 1);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GError) error = NULL;

  sr_frame_decoder_push (decoder, g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  push_header (decoder, 2);
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, NULL), SR_FRAME_READY);
  ck_assert_uint_eq (g_bytes_get_size (frame), 1);
  ck_assert_int_eq (((const char *) g_bytes_get_data (frame, NULL))[0], 'x');
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));
}
END_TEST

/* Failure is final */

START_TEST (test_failed_stays_failed)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (100);
  g_autoptr(GBytes) good = sr_frame_encode ("{}", 2);
  g_autoptr(GError) error = NULL;

  push_header (decoder, 101);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_FRAME_TOO_LARGE));

  /* The stream cannot be resynchronised: later good frames are not served. */
  for (int i = 0; i < 3; i++)
    {
      g_clear_error (&error);
      sr_frame_decoder_push (decoder, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
      ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
      ck_assert_ptr_nonnull (error);
      ck_assert (error->domain == SR_ERROR);
    }

  /* Without an error location it must still say ERROR. */
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_ERROR);
}
END_TEST

START_TEST (test_failed_empty_stays_failed)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (100);
  g_autoptr(GBytes) good = sr_frame_encode ("{}", 2);
  g_autoptr(GError) error = NULL;

  push_header (decoder, 0);
  sr_frame_decoder_push (decoder, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_EMPTY_FRAME));
  g_clear_error (&error);
  ck_assert_int_eq (next_error (decoder, &error), SR_FRAME_ERROR);
  ck_assert_ptr_nonnull (error);
}
END_TEST

/* Encoder */

static void
assert_header (GBytes      *encoded,
               const guint8 expected[4])
{
  const guint8 *data = g_bytes_get_data (encoded, NULL);

  ck_assert_msg (memcmp (data, expected, 4) == 0,
                 "header %02x %02x %02x %02x, expected %02x %02x %02x %02x",
                 data[0], data[1], data[2], data[3],
                 expected[0], expected[1], expected[2], expected[3]);
}

START_TEST (test_encode_header)
{
  g_autoptr(GBytes) small = sr_frame_encode ("abc", 3);
  g_autofree char *body_258 = g_malloc0 (258);
  g_autofree char *body_70000 = g_malloc0 (70000);
  g_autofree char *body_max = g_malloc0 (SR_FRAME_DEFAULT_MAX);
  g_autoptr(GBytes) medium = sr_frame_encode (body_258, 258);
  g_autoptr(GBytes) large = sr_frame_encode (body_70000, 70000);
  g_autoptr(GBytes) max = sr_frame_encode (body_max, SR_FRAME_DEFAULT_MAX);
  const guint8 h_small[4] = { 0x00, 0x00, 0x00, 0x03 };
  const guint8 h_medium[4] = { 0x00, 0x00, 0x01, 0x02 };
  const guint8 h_large[4] = { 0x00, 0x01, 0x11, 0x70 };
  const guint8 h_max[4] = { 0x00, 0x10, 0x00, 0x00 };

  ck_assert_uint_eq (g_bytes_get_size (small), 7);
  assert_header (small, h_small);
  ck_assert_int_eq (memcmp ((const char *) g_bytes_get_data (small, NULL) + 4, "abc", 3), 0);
  ck_assert_uint_eq (g_bytes_get_size (medium), 262);
  assert_header (medium, h_medium);
  ck_assert_uint_eq (g_bytes_get_size (large), 70004);
  assert_header (large, h_large);
  ck_assert_uint_eq (g_bytes_get_size (max), SR_FRAME_DEFAULT_MAX + 4);
  assert_header (max, h_max);
}
END_TEST

START_TEST (test_encode_empty)
{
  g_autoptr(GBytes) empty = sr_frame_encode (NULL, 0);
  const guint8 zero[4] = { 0, 0, 0, 0 };

  ck_assert_uint_eq (g_bytes_get_size (empty), 4);
  assert_header (empty, zero);
}
END_TEST

/* Partial */

START_TEST (test_partial_header_and_body)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (100);
  g_autoptr(GBytes) encoded = sr_frame_encode ("hello", 5);
  const guint8 *data = g_bytes_get_data (encoded, NULL);
  g_autoptr(GBytes) frame = NULL;

  ck_assert (!sr_frame_decoder_is_partial (decoder));

  /* Part of the header. */
  sr_frame_decoder_push (decoder, data, 2);
  ck_assert (sr_frame_decoder_is_partial (decoder));
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_NEED_MORE);
  ck_assert (sr_frame_decoder_is_partial (decoder));

  /* The whole header, no body. */
  sr_frame_decoder_push (decoder, data + 2, 2);
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_NEED_MORE);
  ck_assert (sr_frame_decoder_is_partial (decoder));

  /* All but the last body byte. */
  sr_frame_decoder_push (decoder, data + 4, 4);
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_NEED_MORE);
  ck_assert (sr_frame_decoder_is_partial (decoder));

  sr_frame_decoder_push (decoder, data + 8, 1);
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, NULL), SR_FRAME_READY);
  ck_assert_uint_eq (g_bytes_get_size (frame), 5);
  ck_assert_int_eq (memcmp (g_bytes_get_data (frame, NULL), "hello", 5), 0);
  ck_assert (!sr_frame_decoder_is_partial (decoder));

  /* Pushing nothing changes nothing. */
  sr_frame_decoder_push (decoder, NULL, 0);
  ck_assert (!sr_frame_decoder_is_partial (decoder));
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_NEED_MORE);
}
END_TEST

START_TEST (test_partial_second_frame)
{
  g_autoptr(SrFrameDecoder) decoder = sr_frame_decoder_new (100);
  g_autoptr(GBytes) one = sr_frame_encode ("one", 3);
  g_autoptr(GBytes) two = sr_frame_encode ("two", 3);
  g_autoptr(GBytes) frame = NULL;

  sr_frame_decoder_push (decoder, g_bytes_get_data (one, NULL), g_bytes_get_size (one));
  sr_frame_decoder_push (decoder, g_bytes_get_data (two, NULL), 5);   /* header + "t" */
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, NULL), SR_FRAME_READY);
  ck_assert_int_eq (memcmp (g_bytes_get_data (frame, NULL), "one", 3), 0);
  g_clear_pointer (&frame, g_bytes_unref);

  /* The first frame is gone, but the second has begun. */
  ck_assert (sr_frame_decoder_is_partial (decoder));
  ck_assert_int_eq (next_error (decoder, NULL), SR_FRAME_NEED_MORE);

  sr_frame_decoder_push (decoder, (const guint8 *) g_bytes_get_data (two, NULL) + 5, 2);
  ck_assert_int_eq (sr_frame_decoder_next (decoder, &frame, NULL), SR_FRAME_READY);
  ck_assert_int_eq (memcmp (g_bytes_get_data (frame, NULL), "two", 3), 0);
  ck_assert (!sr_frame_decoder_is_partial (decoder));
}
END_TEST

/* The writer over a real loopback TCP connection. */
typedef struct {
  GSocketConnection *near;     /* written to */
  GSocketConnection *far;      /* read from */
  SrFrameWriter     *writer;
  SrFrameReader     *reader;
  GPtrArray         *received;
  guint              expected;
  guint              n_failed;
  gboolean           in_push;
  gboolean           failed_in_push;
  gboolean           drained;
  GMainLoop         *loop;
} Wire;

static void
wire_received_cb (GBytes       *frame,
                  const GError *error,
                  gpointer      user_data)
{
  Wire *wire = user_data;

  if (frame != NULL)
    g_ptr_array_add (wire->received, g_bytes_ref (frame));
  if (frame == NULL || wire->received->len == wire->expected)
    g_main_loop_quit (wire->loop);
}

static void
wire_failed_cb (const GError *error,
                gpointer      user_data)
{
  Wire *wire = user_data;

  wire->n_failed++;
  if (wire->in_push)
    wire->failed_in_push = TRUE;
  g_main_loop_quit (wire->loop);
}

static gboolean
wire_drained_cb (gpointer user_data)
{
  Wire *wire = user_data;

  wire->drained = TRUE;
  g_main_loop_quit (wire->loop);
  return G_SOURCE_REMOVE;
}

static void
wire_open (Wire *wire)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  memset (wire, 0, sizeof *wire);
  g_socket_client_set_enable_proxy (client, FALSE);
  ck_assert (g_socket_listener_add_address (listener, any_port, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL, &address, &error));
  wire->near = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  ck_assert_msg (wire->near != NULL, "connect: %s", error ? error->message : "");
  wire->far = g_socket_listener_accept (listener, NULL, NULL, &error);
  ck_assert_msg (wire->far != NULL, "accept: %s", error ? error->message : "");
  /* Small buffers, so a few hundred KiB already fill the socket. */
  g_socket_set_option (g_socket_connection_get_socket (wire->near), SOL_SOCKET, SO_SNDBUF,
                       64 * 1024, NULL);
  g_socket_set_option (g_socket_connection_get_socket (wire->far), SOL_SOCKET, SO_RCVBUF,
                       64 * 1024, NULL);

  wire->loop = g_main_loop_new (NULL, FALSE);
  wire->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  wire->writer = sr_frame_writer_new (g_io_stream_get_output_stream (G_IO_STREAM (wire->near)),
                                      wire_failed_cb, wire);
  wire->reader = sr_frame_reader_new (g_io_stream_get_input_stream (G_IO_STREAM (wire->far)),
                                      SR_FRAME_DEFAULT_MAX, wire_received_cb, wire);
}

static void
wire_close (Wire *wire)
{
  g_clear_pointer (&wire->reader, sr_frame_reader_free);
  g_clear_pointer (&wire->writer, sr_frame_writer_free);
  g_clear_object (&wire->near);
  g_clear_object (&wire->far);
  g_clear_pointer (&wire->received, g_ptr_array_unref);
  g_clear_pointer (&wire->loop, g_main_loop_unref);
}

static gboolean
wire_timeout_cb (gpointer user_data)
{
  ck_abort_msg ("the frames were not delivered, or the writer never said it was drained");
  return G_SOURCE_REMOVE;
}

static void
wire_run (Wire *wire)
{
  guint timeout = g_timeout_add_seconds (60, wire_timeout_cb, NULL);

  g_main_loop_run (wire->loop);
  g_source_remove (timeout);
}

static void
wire_push (Wire   *wire,
           GBytes *body)
{
  wire->in_push = TRUE;
  sr_frame_writer_push (wire->writer, body);
  wire->in_push = FALSE;
}

/* Small frames go out at once, large ones fill the socket's buffer and finish later,
 * held ones wait for the release: the reader gets them all, whole, in order, and the
 * writer's counts add up. */
START_TEST (test_writer_keeps_order)
{
  Wire wire;
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint64 total = 0;

  wire_open (&wire);
  for (guint i = 0; i < 48; i++)
    {
      /* Every eighth frame is 700 KiB, more than the socket takes at once, so some
       * frames are written in part. */
      gsize size = i % 8 == 7 ? 700 * 1024 : 1 + (i * 97) % 3000;

      g_ptr_array_add (bodies, make_body (i, size));
      total += 4 + size;
    }

  for (guint i = 0; i < 16; i++)
    wire_push (&wire, g_ptr_array_index (bodies, i));
  sr_frame_writer_hold_all ();
  for (guint i = 16; i < 32; i++)
    wire_push (&wire, g_ptr_array_index (bodies, i));
  sr_frame_writer_release_all ();
  ck_assert_uint_gt (sr_frame_writer_get_queued (wire.writer), 0);

  wire.expected = 32;
  sr_frame_reader_start (wire.reader);
  wire_run (&wire);
  ck_assert_uint_eq (wire.received->len, 32);

  /* Held, nested: nothing goes out before the outer release. */
  sr_frame_writer_hold_all ();
  sr_frame_writer_hold_all ();
  for (guint i = 32; i < 40; i++)
    wire_push (&wire, g_ptr_array_index (bodies, i));
  sr_frame_writer_release_all ();
  ck_assert_uint_gt (sr_frame_writer_get_queued (wire.writer), 0);
  sr_frame_writer_release_all ();
  for (guint i = 40; i < bodies->len; i++)
    wire_push (&wire, g_ptr_array_index (bodies, i));

  wire.expected = bodies->len;
  wire_run (&wire);
  ck_assert_uint_eq (wire.received->len, bodies->len);
  for (guint i = 0; i < bodies->len; i++)
    ck_assert_msg (g_bytes_equal (g_ptr_array_index (wire.received, i),
                                  g_ptr_array_index (bodies, i)),
                   "frame %u differs", i);

  sr_frame_writer_when_drained (wire.writer, wire_drained_cb, &wire);
  if (!wire.drained)
    wire_run (&wire);
  ck_assert (wire.drained);
  ck_assert_uint_eq (sr_frame_writer_get_queued (wire.writer), 0);
  ck_assert_uint_eq (sr_frame_writer_get_written (wire.writer), total);
  ck_assert_uint_eq (wire.n_failed, 0);
  wire_close (&wire);
}
END_TEST

/* A connection closing after its last reply (an oversize frame's error, say) waits to
 * hear that the reply is out: it must hear it when the reply was held and then written
 * straight away, and not from inside the release. */
START_TEST (test_writer_drained_after_release)
{
  Wire wire;
  g_autoptr(GBytes) body = make_body (3, 100);

  wire_open (&wire);
  sr_frame_writer_hold_all ();
  wire_push (&wire, body);
  sr_frame_writer_when_drained (wire.writer, wire_drained_cb, &wire);
  ck_assert (!wire.drained);
  sr_frame_writer_release_all ();
  ck_assert (!wire.drained);
  ck_assert_uint_eq (sr_frame_writer_get_queued (wire.writer), 0);

  wire_run (&wire);
  ck_assert (wire.drained);
  ck_assert_uint_eq (sr_frame_writer_get_written (wire.writer), 104);
  wire_close (&wire);
}
END_TEST

/* A peer that is gone: the failure is reported once, from the main loop, never from
 * inside the push that found it (the server may be walking its subscribers). */
START_TEST (test_writer_reports_failure_later)
{
  Wire wire;
  g_autoptr(GBytes) body = make_body (1, 64 * 1024);
  GSocket *far_socket;

  wire_open (&wire);
  far_socket = g_socket_connection_get_socket (wire.far);
  /* Closing with unread data makes the kernel reset the connection. */
  wire_push (&wire, body);
  g_socket_close (far_socket, NULL);

  for (guint i = 0; i < 64 && wire.n_failed == 0; i++)
    {
      wire_push (&wire, body);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }

  ck_assert_uint_eq (wire.n_failed, 1);
  ck_assert (!wire.failed_in_push);
  /* After a failure nothing more is queued. */
  wire_push (&wire, body);
  ck_assert_uint_eq (sr_frame_writer_get_queued (wire.writer), 0);
  ck_assert_uint_eq (wire.n_failed, 1);
  wire_close (&wire);
}
END_TEST

static Suite *
frame_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("split");
  tcase_add_test (tc, test_split_every_point);
  tcase_add_test (tc, test_split_byte_by_byte);
  tcase_add_test (tc, test_split_byte_by_byte_no_drain);
  tcase_add_test (tc, test_split_random_chunks);
  suite_add_tcase (s, tc);

  tc = tcase_create ("limits");
  tcase_add_test (tc, test_limit_empty_frame);
  tcase_add_test (tc, test_limit_empty_after_frame);
  tcase_add_test (tc, test_limit_too_large_header_only);
  tcase_add_test (tc, test_limit_too_large_split_header);
  tcase_add_test (tc, test_limit_huge_header);
  tcase_add_test (tc, test_limit_exactly_max);
  tcase_add_test (tc, test_limit_one_byte_max);
  suite_add_tcase (s, tc);

  tc = tcase_create ("failed");
  tcase_add_test (tc, test_failed_stays_failed);
  tcase_add_test (tc, test_failed_empty_stays_failed);
  suite_add_tcase (s, tc);

  tc = tcase_create ("encode");
  tcase_add_test (tc, test_encode_header);
  tcase_add_test (tc, test_encode_empty);
  suite_add_tcase (s, tc);

  tc = tcase_create ("partial");
  tcase_add_test (tc, test_partial_header_and_body);
  tcase_add_test (tc, test_partial_second_frame);
  suite_add_tcase (s, tc);

  tc = tcase_create ("writer");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_writer_keeps_order);
  tcase_add_test (tc, test_writer_drained_after_release);
  tcase_add_test (tc, test_writer_reports_failure_later);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (frame_suite ());
  int failures;

  srunner_run_all (runner, CK_NORMAL);
  failures = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failures == 0 ? 0 : 1;
}
