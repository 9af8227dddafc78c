/* fuzz-frame.c: libFuzzer target for the frame decoder and the JSON-RPC parsers.
 *
 * The input is a byte stream fed to an SrFrameDecoder in chunks whose sizes the input
 * itself chooses; every frame that comes out goes through the request parser and back,
 * and through the client's raw path (envelope scan, pull reader) beside its full parse.
 */
#define G_LOG_DOMAIN "fuzz-frame"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sr-error.h"
#include "sr-frame.h"
#include "sr-json-reader.h"
#include "sr-rpc.h"

/* Small, so a fuzzer finds the oversize path without kilobytes of input. */
#define MAX_FRAME 1024

/* Says which invariant broke before the trap, so a crash report reads on its own. */
#define check(cond) G_STMT_START {                                             \
    if (G_UNLIKELY (!(cond)))                                                  \
      {                                                                        \
        g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        __builtin_trap ();                                                     \
      }                                                                        \
  } G_STMT_END

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct {
  const guint8 *stream;
  gsize         fed;       /* bytes pushed so far */
  gsize         consumed;  /* bytes of whole frames (headers included) taken out */
  gboolean      failed;
} Feed;

static guint32
read_length (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Chunk sizes come from a xorshift32 seeded by the input's first byte: the same input
 * always gets the same split. */
typedef struct {
  guint32  state;
  gboolean tiny;   /* 0..8 bytes (split headers), else 0..2048 (several frames) */
} Chunker;

static void
chunker_init (Chunker *chunker,
              guint8   seed)
{
  chunker->state = ((guint32) seed * 2654435761u) | 1;
  chunker->tiny = (seed & 0x80) != 0;
}

/* A chunk of 0 bytes is allowed now and then: pushing nothing must be harmless. */
static gsize
next_chunk (Chunker *chunker,
            gsize    left)
{
  guint32 x = chunker->state;
  gsize chunk;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  chunker->state = x;

  chunk = chunker->tiny ? x % 9 : x % 2049;
  return MIN (chunk, left);
}

static void
check_error_roundtrip (JsonNode     *id,
                       const GError *error)
{
  g_autoptr(SrMessage) message = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  check (error->domain == SR_ERROR);

  text = sr_rpc_build_error (id, error, &len);
  check (text != NULL);
  message = sr_rpc_parse_message (text, len, &parse_error);
  if (message == NULL)
    g_printerr ("built message does not parse back (%s): %.*s\n",
                parse_error->message, (int) len, text);
  check (message != NULL);
  check (message->kind == SR_MESSAGE_RESPONSE);
  check (message->error != NULL && message->result == NULL);
  check (message->error->code == error->code);
  check (g_strcmp0 (sr_error_get_field (message->error), sr_error_get_field (error)) == 0);
  if (id != NULL)
    check (json_node_equal (message->id, id));
  else
    check (JSON_NODE_HOLDS_NULL (message->id));
}

/* Reads every value under the reader's position, strings decoded in place. */
static void
walk (SrJsonReader *reader)
{
  const char *text;
  gsize len;
  gint64 number;

  switch (sr_json_reader_peek (reader))
    {
    case SR_JSON_OBJECT:
      sr_json_reader_enter_object (reader);
      while (sr_json_reader_next_member (reader, &text, &len))
        {
          check (text != NULL && strlen (text) == len);
          walk (reader);
        }
      break;
    case SR_JSON_ARRAY:
      sr_json_reader_enter_array (reader);
      while (sr_json_reader_next_element (reader))
        walk (reader);
      break;
    case SR_JSON_STRING:
      if (sr_json_reader_read_string (reader, &text, &len))
        check (strlen (text) == len && g_utf8_validate (text, len, NULL));
      break;
    case SR_JSON_NUMBER:
      if (!sr_json_reader_read_int (reader, &number))
        sr_json_reader_skip (reader);
      break;
    default:
      sr_json_reader_skip (reader);
      break;
    }
}

/* The raw path must agree with the full parse wherever both read a message: the
 * same id, and a result whose text parses to the same value. */
static void
check_raw (const char *body,
           gsize       body_len,
           SrMessage  *parsed)
{
  g_autofree char *copy = NULL;
  SrJsonReader reader;
  gsize offset = 0, len = 0;
  gint64 id = 0;

  if (sr_rpc_scan_response (body, body_len, &id, &offset, &len))
    {
      check (offset + len <= body_len);
      if (parsed != NULL && parsed->error == NULL && parsed->result != NULL)
        {
          g_autoptr(JsonNode) result = sr_json_from_string (body + offset, len, NULL);

          check (JSON_NODE_HOLDS_VALUE (parsed->id));
          check (json_node_get_int (parsed->id) == id);
          check (result != NULL && json_node_equal (result, parsed->result));
        }
    }

  /* Strings come out as valid UTF-8 only from valid UTF-8. */
  if (!g_utf8_validate_len (body, body_len, NULL))
    return;
  copy = g_memdup2 (body, body_len);
  sr_json_reader_init (&reader, copy, body_len, TRUE);
  walk (&reader);
}

/* What the server does with a frame, plus the way back: a result echoing the params
 * must come out of the client's parser as it went in, and survive framing. */
static void
check_message (GBytes *frame)
{
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SrMessage) echoed = NULL;
  g_autoptr(SrMessage) raw = NULL;
  g_autoptr(GError) echo_error = NULL;
  g_autoptr(GError) raw_error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(SrFrameDecoder) decoder = NULL;
  g_autofree char *text = NULL;
  const char *body;
  gsize body_len;
  gsize len = 0;

  body = g_bytes_get_data (frame, &body_len);

  /* The client parses whatever a server sends: it must fail cleanly too. */
  raw = sr_rpc_parse_message (body, body_len, &raw_error);
  check ((raw == NULL) != (raw_error == NULL));
  if (raw_error != NULL)
    check (raw_error->domain == SR_ERROR);
  check_raw (body, body_len, raw);

  if (!sr_rpc_parse_request (body, body_len, &request, &id, &error))
    {
      check (request == NULL);
      check (error != NULL);
      check_error_roundtrip (id, error);
      return;
    }

  check (error == NULL);
  check (request != NULL && id != NULL);
  check (request->id != NULL && json_node_equal (request->id, id));
  check (request->method != NULL && *request->method != '\0');
  check (request->params != NULL);

  result = json_node_init_object (json_node_alloc (), request->params);
  text = sr_rpc_build_result (request->id, result, &len);
  check (text != NULL && len > 0);

  echoed = sr_rpc_parse_message (text, len, &echo_error);
  if (echoed == NULL)
    g_printerr ("built result does not parse back (%s): %.*s\n",
                echo_error->message, (int) len, text);
  check (echoed != NULL);
  check (echoed->kind == SR_MESSAGE_RESPONSE);
  check (echoed->error == NULL && echoed->result != NULL);
  check (json_node_equal (echoed->id, request->id));
  check (json_node_equal (echoed->result, result));

  /* The response as the server would write it, through a client-sized decoder. */
  encoded = sr_frame_encode (text, len);
  decoder = sr_frame_decoder_new ((gsize) SR_FRAME_SERVER_MAX);
  sr_frame_decoder_push (decoder, g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  check (sr_frame_decoder_next (decoder, &decoded, NULL) == SR_FRAME_READY);
  check (g_bytes_get_size (decoded) == len);
  check (memcmp (g_bytes_get_data (decoded, NULL), text, len) == 0);
  check (!sr_frame_decoder_is_partial (decoder));
}

/* Takes out every frame the bytes fed so far hold, checking each against the stream
 * itself: the decoder may neither invent, skip nor reorder bytes. */
static void
drain (SrFrameDecoder *decoder,
       Feed           *feed)
{
  for (;;)
    {
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(GError) error = NULL;
      SrFrameStatus status;
      gsize left = feed->fed - feed->consumed;
      guint32 len;

      status = sr_frame_decoder_next (decoder, &frame, &error);

      switch (status)
        {
        case SR_FRAME_NEED_MORE:
          check (!feed->failed);
          check (frame == NULL && error == NULL);
          /* Only when no whole (or bad) frame is buffered. */
          if (left >= SR_FRAME_HEADER_SIZE)
            {
              len = read_length (feed->stream + feed->consumed);
              check (len >= 1 && len <= MAX_FRAME);
              check (left - SR_FRAME_HEADER_SIZE < len);
            }
          return;

        case SR_FRAME_READY:
          check (!feed->failed);
          check (frame != NULL && error == NULL);
          len = g_bytes_get_size (frame);
          check (len >= 1 && len <= MAX_FRAME);
          check (left >= SR_FRAME_HEADER_SIZE + (gsize) len);
          check (read_length (feed->stream + feed->consumed) == len);
          check (memcmp (g_bytes_get_data (frame, NULL),
                         feed->stream + feed->consumed + SR_FRAME_HEADER_SIZE, len) == 0);
          feed->consumed += SR_FRAME_HEADER_SIZE + len;
          check (feed->consumed <= feed->fed);
          check_message (frame);
          break;

        case SR_FRAME_ERROR:
          check (frame == NULL);
          check (error != NULL && error->domain == SR_ERROR);
          if (!feed->failed)
            {
              /* The first error names the header that caused it. */
              check (left >= SR_FRAME_HEADER_SIZE);
              len = read_length (feed->stream + feed->consumed);
              if (error->code == SR_ERROR_EMPTY_FRAME)
                check (len == 0);
              else
                check (error->code == SR_ERROR_FRAME_TOO_LARGE && len > MAX_FRAME);
              check_error_roundtrip (NULL, error);
              feed->failed = TRUE;
            }
          return;

        default:
          check (FALSE);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SrFrameDecoder) decoder = NULL;
  Feed feed = { 0 };
  Chunker chunker;
  gsize stream_len;

  if (size < 1)
    return 0;

  /* Byte 0 seeds the chunking; the rest is the stream. */
  chunker_init (&chunker, data[0]);
  feed.stream = data + 1;
  stream_len = size - 1;

  decoder = sr_frame_decoder_new (MAX_FRAME);
  check (sr_frame_decoder_get_max (decoder) == MAX_FRAME);

  while (feed.fed < stream_len)
    {
      gsize chunk = next_chunk (&chunker, stream_len - feed.fed);

      sr_frame_decoder_push (decoder, feed.stream + feed.fed, chunk);
      feed.fed += chunk;
      drain (decoder, &feed);
    }
  drain (decoder, &feed);

  /* Every byte fed is either in a frame taken out or still buffered. */
  check (feed.consumed <= feed.fed);
  if (!feed.failed)
    check (sr_frame_decoder_is_partial (decoder) == (feed.consumed < feed.fed));

  return 0;
}
