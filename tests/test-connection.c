/* test-connection.c: SrConnection against a server that breaks the protocol.
 *
 * A thread plays the server over a loopback socket: it answers hello as showroomd does,
 * then answers the next request with a frame of its own choosing. A call whose answer
 * cannot be read must fail, with the connection, instead of waiting for ever.
 */
#define G_LOG_DOMAIN "test-connection"

#include "config.h"

#include <string.h>
#include <check.h>

#include "sr-connection.h"
#include "sr-error.h"
#include "sr-frame.h"
#include "sr-test-server.h"

typedef struct {
  GSocketListener *listener;
  guint16          port;
  const char      *answer;   /* the body sent back to the first call after hello;
                              * NULL: hello itself is never answered */
  GThread         *thread;
  gint             finished;
} FakeServer;

/* One frame's body, or NULL when the peer has gone. */
static char *
read_body (GInputStream *in)
{
  guint8 header[SR_FRAME_HEADER_SIZE];
  gsize got = 0;
  guint32 len;
  char *body;

  if (!g_input_stream_read_all (in, header, sizeof header, &got, NULL, NULL) ||
      got != sizeof header)
    return NULL;
  len = (guint32) header[0] << 24 | (guint32) header[1] << 16 | (guint32) header[2] << 8 | header[3];
  body = g_malloc0 (len + 1);
  if (!g_input_stream_read_all (in, body, len, &got, NULL, NULL) || got != len)
    {
      g_free (body);
      return NULL;
    }
  return body;
}

static void
write_body (GOutputStream *out,
            const char    *body)
{
  g_autoptr(GBytes) frame = sr_frame_encode (body, strlen (body));

  g_output_stream_write_all (out, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                             NULL, NULL, NULL);
}

/* The "id" of a request the client library built: always a bare integer. */
static gint64
id_of (const char *body)
{
  const char *at = strstr (body, "\"id\":");

  return at != NULL ? g_ascii_strtoll (at + 5, NULL, 10) : -1;
}

static gpointer
fake_server_run (FakeServer *fake);

static gpointer
fake_server_thread (gpointer data)
{
  FakeServer *fake = data;

  fake_server_run (fake);
  g_atomic_int_set (&fake->finished, 1);
  return NULL;
}

static gpointer
fake_server_run (FakeServer *fake)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *request = NULL;
  g_autofree char *hello_answer = NULL;
  g_autofree char *rest = NULL;
  GInputStream *in;
  GOutputStream *out;

  connection = g_socket_listener_accept (fake->listener, NULL, NULL, NULL);
  if (connection == NULL)
    return NULL;
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  hello = read_body (in);
  if (hello == NULL)
    return NULL;
  if (fake->answer == NULL)
    {
      /* Silent: takes the connection, never answers, until the client leaves. */
      rest = read_body (in);
      return NULL;
    }
  hello_answer = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ","
                                  "\"result\":{\"protocol\":1,\"server\":\"fake/1\","
                                  "\"max_frame\":1048576}}", id_of (hello));
  write_body (out, hello_answer);

  request = read_body (in);
  if (request == NULL)
    return NULL;
  write_body (out, fake->answer);

  /* Hold the connection open until the client leaves: the failure must come from the
   * answer, not from a close. */
  rest = read_body (in);
  return NULL;
}

static void
fake_server_start (FakeServer *fake,
                   const char *answer)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  fake->answer = answer;
  fake->listener = g_socket_listener_new ();
  ck_assert_msg (g_socket_listener_add_address (fake->listener, any_port, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error),
                 "listen: %s", error ? error->message : "?");
  fake->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  fake->thread = g_thread_new ("fake-server", fake_server_thread, fake);
}

/* The client's close completes on the main context: keep it turning until the thread,
 * waiting for that close, is done. */
static void
fake_server_stop (FakeServer *fake)
{
  while (!g_atomic_int_get (&fake->finished))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_thread_join (fake->thread);
  g_socket_listener_close (fake->listener);
  g_clear_object (&fake->listener);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  JsonNode *result;
  GError   *error;
} Wait;

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = sr_connection_connect_finish (SR_CONNECTION (object), result, &wait->error);
  wait->done = TRUE;
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = sr_connection_call_finish (SR_CONNECTION (object), result, &wait->error);
  wait->done = TRUE;
}

/* Connects to the fake server and makes one call, whose answer is @answer. */
static void
call_with_answer (const char *answer,
                  Wait       *call)
{
  FakeServer fake = { 0 };
  g_autofree char *address = NULL;
  g_autoptr(SrConnection) connection = NULL;
  Wait connected = { 0 };

  fake_server_start (&fake, answer);
  address = g_strdup_printf ("127.0.0.1:%u", fake.port);
  connection = sr_connection_new (address, FALSE);

  sr_connection_connect_async (connection, NULL, connect_cb, &connected);
  sr_test_wait (&connected.done);
  ck_assert_msg (connected.ok, "connect: %s", connected.error ? connected.error->message : "?");

  sr_connection_call_async (connection, "ping", NULL, NULL, call_cb, call);
  sr_test_wait (&call->done);

  sr_connection_close (connection);
  fake_server_stop (&fake);
}

/* The control: a well-formed answer is a result. */
START_TEST (test_answer_read)
{
  Wait call = { 0 };

  call_with_answer ("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"pong\":true}}", &call);
  ck_assert_msg (call.error == NULL, "%s", call.error ? call.error->message : "");
  ck_assert_ptr_nonnull (call.result);
  ck_assert (json_object_get_boolean_member (json_node_get_object (call.result), "pong"));
  json_node_unref (call.result);
}
END_TEST

/* Answers that are not JSON-RPC as PROTOCOL.md has it: the call fails with the
 * connection, saying why, and does not hang. */
START_TEST (test_unreadable_answer_fails_call)
{
  static const char *const unreadable[] = {
    "not json",
    "{'jsonrpc':'2.0','id':2,'result':{}}",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"a\":\"raw\x1f\"}}",
    "[1,2,3]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (unreadable); i++)
    {
      Wait call = { 0 };

      call_with_answer (unreadable[i], &call);
      ck_assert_msg (call.result == NULL, "a result from: %s", unreadable[i]);
      ck_assert_msg (g_error_matches (call.error, SR_ERROR, SR_ERROR_CONNECTION),
                     "%s: %s", unreadable[i], call.error ? call.error->message : "no error");
      ck_assert_msg (strstr (call.error->message, "could not be read") != NULL, "%s",
                     call.error->message);
      g_clear_error (&call.error);
    }
}
END_TEST

/* A peer that takes the connection and never answers hello: connecting fails with a
 * connection error that says so, after HELLO_TIMEOUT_S (15 s), instead of waiting for
 * ever (showroomctl hung there). */
START_TEST (test_silent_server_fails_connect)
{
  FakeServer fake = { 0 };
  g_autofree char *address = NULL;
  g_autoptr(SrConnection) connection = NULL;
  Wait connected = { 0 };

  fake_server_start (&fake, NULL);
  address = g_strdup_printf ("127.0.0.1:%u", fake.port);
  connection = sr_connection_new (address, FALSE);

  sr_connection_connect_async (connection, NULL, connect_cb, &connected);
  sr_test_wait (&connected.done);
  ck_assert (!connected.ok);
  ck_assert_msg (g_error_matches (connected.error, SR_ERROR, SR_ERROR_CONNECTION), "%s",
                 connected.error ? connected.error->message : "no error");
  ck_assert_msg (strstr (connected.error->message, "did not answer hello") != NULL, "%s",
                 connected.error->message);
  ck_assert (!sr_connection_is_connected (connection));
  g_clear_error (&connected.error);

  sr_connection_close (connection);
  fake_server_stop (&fake);
}
END_TEST

static Suite *
connection_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc = tcase_create ("broken-server");

  tcase_add_test (tc, test_answer_read);
  tcase_add_test (tc, test_unreadable_answer_fails_call);
  tcase_add_test (tc, test_silent_server_fails_connect);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (connection_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
