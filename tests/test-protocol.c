/* test-protocol.c: the wire rules of PROTOCOL.md sections 1-3 against a real showroomd:
 * framing limits, parse errors, batches, hello first, unknown methods, pipelining. */
#define G_LOG_DOMAIN "test-protocol"

#include "config.h"

#include <check.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sr-error.h"
#include "sr-frame.h"
#include "sr-test-server.h"

static char *conninfo;
static SrTestServer *server;

static void
setup (void)
{
  g_autofree char *name G_GNUC_UNUSED = sr_test_new_database (&conninfo);

  server = sr_test_server_start (conninfo, "--no-tls", "--max-frame", "4096", NULL);
}

static void
teardown (void)
{
  sr_test_fixture_stop (NULL, &conninfo, &server);
}

static GSocketConnection *
raw_after_hello (void)
{
  GSocketConnection *raw = sr_test_raw_connect (server);
  g_autoptr(JsonObject) reply = NULL;

  sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\","
                               "\"params\":{\"protocol\":1,\"client\":\"test/1\"}}");
  reply = sr_test_raw_read (raw);
  ck_assert_ptr_nonnull (reply);
  ck_assert (json_object_has_member (reply, "result"));

  return raw;
}

START_TEST (test_hello_result)
{
  g_autoptr(GSocketConnection) raw = sr_test_raw_connect (server);
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *result;

  sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":\"h\",\"method\":\"hello\","
                               "\"params\":{\"protocol\":1,\"client\":\"test/1\"}}");
  reply = sr_test_raw_read (raw);
  ck_assert_str_eq (json_object_get_string_member (reply, "jsonrpc"), "2.0");
  ck_assert_str_eq (json_object_get_string_member (reply, "id"), "h");
  result = json_object_get_object_member (reply, "result");
  ck_assert_int_eq (json_object_get_int_member (result, "protocol"), 1);
  ck_assert (g_str_has_prefix (json_object_get_string_member (result, "server"), "showroomd/"));
  ck_assert_int_eq (json_object_get_int_member (result, "max_frame"), 4096);
}
END_TEST

START_TEST (test_hello_required)
{
  static const char *const first[] = { "ping", "auth.login", "users.list", "no.such" };
  g_autoptr(GSocketConnection) raw = sr_test_raw_connect (server);

  for (guint i = 0; i < G_N_ELEMENTS (first); i++)
    {
      g_autofree char *request = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"%s\","
                                                  "\"params\":{}}", i + 1, first[i]);
      g_autoptr(JsonObject) reply = NULL;

      sr_test_raw_send_frame (raw, request);
      reply = sr_test_raw_read (raw);
      ck_assert_ptr_nonnull (reply);
      ck_assert_int_eq (sr_test_error_code (reply), -32600);
      ck_assert_str_eq (sr_test_error_reason (reply), "hello_required");
      ck_assert_int_eq (json_object_get_int_member (reply, "id"), i + 1);
    }

  /* The connection stays usable: hello still works after the refusals. */
  {
    g_autoptr(JsonObject) reply = NULL;

    sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"hello\","
                                 "\"params\":{\"protocol\":1}}");
    reply = sr_test_raw_read (raw);
    ck_assert (json_object_has_member (reply, "result"));
  }
}
END_TEST

START_TEST (test_unsupported_protocol_closes)
{
  g_autoptr(GSocketConnection) raw = sr_test_raw_connect (server);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) after = NULL;

  sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\","
                               "\"params\":{\"protocol\":2}}");
  reply = sr_test_raw_read (raw);
  ck_assert_int_eq (sr_test_error_code (reply), -32002);
  ck_assert_str_eq (sr_test_error_reason (reply), "unsupported_protocol");

  after = sr_test_raw_read (raw);
  ck_assert_ptr_null (after);
}
END_TEST

START_TEST (test_bad_json_keeps_connection)
{
  static const char *const bad[] = {
    "{\"jsonrpc\":\"2.0\",",          /* truncated */
    "not json at all",
    "{\"a\":1} trailing",
    /* Two requests in one frame: neither is served, the second not dropped silently. */
    ("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"} "
     "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"}"),
  };
  g_autoptr(GSocketConnection) raw = raw_after_hello ();
  static const guint8 invalid_utf8[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"x\":\"\xff\xfe\"}";
  guint8 frame[128];
  gsize len = sizeof invalid_utf8 - 1;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) reply = NULL;

      sr_test_raw_send_frame (raw, bad[i]);
      reply = sr_test_raw_read (raw);
      ck_assert_ptr_nonnull (reply);
      ck_assert_int_eq (sr_test_error_code (reply), -32700);
      ck_assert (json_node_is_null (json_object_get_member (reply, "id")));
    }

  frame[0] = 0; frame[1] = 0; frame[2] = 0; frame[3] = (guint8) len;
  memcpy (frame + 4, invalid_utf8, len);
  sr_test_raw_send (raw, frame, len + 4);
  {
    g_autoptr(JsonObject) reply = sr_test_raw_read (raw);

    ck_assert_int_eq (sr_test_error_code (reply), -32700);
    ck_assert_str_eq (sr_test_error_reason (reply), "parse_error");
  }

  /* Framing is intact, so the next frame is served normally. */
  sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"ping\"}");
  {
    g_autoptr(JsonObject) reply = sr_test_raw_read (raw);

    ck_assert_int_eq (json_object_get_int_member (reply, "id"), 42);
    ck_assert (json_object_has_member (reply, "result"));
  }
}
END_TEST

/* json-glib also reads 'single-quoted' strings, comments, hex and octal numbers. The
 * server refuses them all: text that its nesting check took for a string could otherwise
 * hide brackets nested deep enough to overflow json-glib's stack and end the server for
 * everybody. Here, with the default 1 MiB frames, half a million of them. */
START_TEST (test_not_quite_json_refused)
{
  static const char *const loose[] = {
    "{'jsonrpc':'2.0','id':1,'method':'ping'}",
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":/*x*/\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":0x10,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":010,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":.5}}",
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":\"\\600\"}}",
  };
  g_autoptr(GString) deep = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\","
                                          "\"params\":{'\"':1,\"a\":");
  SrTestServer *roomy = sr_test_server_start (conninfo, "--no-tls", NULL);
  g_autoptr(GSocketConnection) raw = sr_test_raw_connect (roomy);

  for (guint i = 0; i < G_N_ELEMENTS (loose); i++)
    {
      g_autoptr(JsonObject) reply = NULL;

      sr_test_raw_send_frame (raw, loose[i]);
      reply = sr_test_raw_read (raw);
      ck_assert_msg (reply != NULL, "no answer to %s", loose[i]);
      ck_assert_int_eq (sr_test_error_code (reply), -32700);
      ck_assert (json_node_is_null (json_object_get_member (reply, "id")));
    }

  while (deep->len < 1000000)
    g_string_append (deep, "[[[[[[[[[[");
  g_string_append (deep, "1");
  sr_test_raw_send_frame (raw, deep->str);
  {
    g_autoptr(JsonObject) reply = sr_test_raw_read (raw);

    ck_assert_msg (reply != NULL, "the server did not answer the deep frame");
    ck_assert_int_eq (sr_test_error_code (reply), -32700);
  }

  /* Still up, and the connection still serves. */
  sr_test_raw_send_frame (raw, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"hello\","
                               "\"params\":{\"protocol\":1}}");
  {
    g_autoptr(JsonObject) reply = sr_test_raw_read (raw);

    ck_assert_ptr_nonnull (reply);
    ck_assert (json_object_has_member (reply, "result"));
  }
  ck_assert_int_eq (sr_test_server_stop (roomy), 0);
  sr_test_server_free (roomy);
}
END_TEST

/* A frame that stops halfway is dropped once no byte has come for stall-timeout-s
 * (2 s here); one sent slowly, a byte a second for longer than that, is not stalled and
 * is served. */
START_TEST (test_stalled_frame_dropped)
{
  g_autofree char *config_path = sr_test_config_file ("[server]\nstall-timeout-s=2\n");
  g_autoptr(GSocketConnection) slow = NULL;
  g_autoptr(GSocketConnection) stalled = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(GBytes) frame = NULL;
  const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}";
  SrTestServer *strict;
  const guint8 *bytes;
  gsize len;

  strict = sr_test_server_start (conninfo, "--no-tls", "--config", config_path, NULL);

  frame = sr_frame_encode (ping, strlen (ping));
  bytes = g_bytes_get_data (frame, &len);

  /* Slow: header, then the body a byte a second for five seconds, then the rest. */
  slow = sr_test_raw_connect (strict);
  sr_test_raw_send (slow, bytes, SR_FRAME_HEADER_SIZE);
  for (gsize i = 0; i < 5; i++)
    {
      g_usleep (G_USEC_PER_SEC);
      sr_test_raw_send (slow, bytes + SR_FRAME_HEADER_SIZE + i, 1);
    }
  sr_test_raw_send (slow, bytes + SR_FRAME_HEADER_SIZE + 5, len - SR_FRAME_HEADER_SIZE - 5);
  reply = sr_test_raw_read (slow);
  ck_assert_msg (reply != NULL, "a slow but moving frame was dropped");
  ck_assert_int_eq (json_object_get_int_member (reply, "id"), 5);

  /* Stalled: header and three bytes, then nothing; the server closes the connection. */
  stalled = sr_test_raw_connect (strict);
  sr_test_raw_send (stalled, bytes, SR_FRAME_HEADER_SIZE + 3);
  after = sr_test_raw_read (stalled);
  ck_assert_msg (after == NULL, "a stalled frame was answered");
  {
    g_autofree char *log = sr_test_server_get_log (strict);

    ck_assert_msg (strstr (log, "dropping a connection stalled mid-frame") != NULL, "%s", log);
  }

  ck_assert_int_eq (sr_test_server_stop (strict), 0);
  sr_test_server_free (strict);
  g_unlink (config_path);
}
END_TEST

START_TEST (test_invalid_requests)
{
  static const struct {
    const char *text;
    int         code;
    const char *reason;
    gboolean    id_kept;
  } cases[] = {
    { "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, "batch_unsupported", FALSE },
    { "[]", -32600, "batch_unsupported", FALSE },
    { "42", -32600, "invalid_request", FALSE },
    { "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}", -32600, "invalid_request", FALSE },
    { "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -32600, "invalid_request", FALSE },
    { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600, "invalid_request", FALSE },
    /* Ids the server cannot give back as they were sent: past 64 bits, cut at a NUL. */
    { "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775808,\"method\":\"ping\"}", -32600, "invalid_request", FALSE },
    { "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0000b\",\"method\":\"ping\"}", -32600, "invalid_request", FALSE },
    { "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}", -32600, "invalid_request", TRUE },
    { "{\"jsonrpc\":\"2.0\",\"id\":7}", -32600, "invalid_request", TRUE },
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":5}", -32600, "invalid_request", TRUE },
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":[1]}", -32602, "invalid_params", TRUE },
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"no.such.method\"}", -32601, "method_not_found", TRUE },
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth.login\",\"params\":{\"email\":\"a\\u0000b\",\"password\":\"x\"}}",
      -32602, "invalid_params", TRUE },
  };
  g_autoptr(GSocketConnection) raw = raw_after_hello ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) reply = NULL;
      JsonNode *id;

      sr_test_raw_send_frame (raw, cases[i].text);
      reply = sr_test_raw_read (raw);
      ck_assert_msg (reply != NULL, "no answer to %s", cases[i].text);
      ck_assert_msg (sr_test_error_code (reply) == cases[i].code, "%s: code %" G_GINT64_FORMAT,
                     cases[i].text, sr_test_error_code (reply));
      ck_assert_str_eq (sr_test_error_reason (reply), cases[i].reason);
      id = json_object_get_member (reply, "id");
      if (cases[i].id_kept)
        ck_assert_int_eq (json_node_get_int (id), 7);
      else
        ck_assert (json_node_is_null (id));
    }
}
END_TEST

static void
check_closed_after (const guint8 *bytes,
                    gsize         len,
                    const char   *reason)
{
  g_autoptr(GSocketConnection) raw = raw_after_hello ();
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) after = NULL;

  sr_test_raw_send (raw, bytes, len);
  reply = sr_test_raw_read (raw);
  ck_assert_ptr_nonnull (reply);
  ck_assert_int_eq (sr_test_error_code (reply), -32600);
  ck_assert_str_eq (sr_test_error_reason (reply), reason);
  ck_assert (json_node_is_null (json_object_get_member (reply, "id")));

  after = sr_test_raw_read (raw);
  ck_assert_msg (after == NULL, "the connection stayed open after %s", reason);
}

START_TEST (test_oversize_frame_closes)
{
  /* 4097 > --max-frame 4096; the header alone must be enough to refuse it. */
  static const guint8 header[] = { 0x00, 0x00, 0x10, 0x01 };
  static const guint8 huge[] = { 0xff, 0xff, 0xff, 0xff };

  check_closed_after (header, sizeof header, "frame_too_large");
  check_closed_after (huge, sizeof huge, "frame_too_large");
}
END_TEST

START_TEST (test_empty_frame_closes)
{
  static const guint8 empty[] = { 0, 0, 0, 0 };

  check_closed_after (empty, sizeof empty, "empty_frame");
}
END_TEST

START_TEST (test_frame_at_limit)
{
  g_autoptr(GSocketConnection) raw = raw_after_hello ();
  g_autoptr(JsonObject) reply = NULL;
  GString *text = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"pad\":\"");
  g_autofree char *body = NULL;

  while (text->len < 4096 - 3)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}}");
  ck_assert_uint_eq (text->len, 4096);
  body = g_string_free (text, FALSE);

  sr_test_raw_send_frame (raw, body);
  reply = sr_test_raw_read (raw);
  ck_assert_int_eq (json_object_get_int_member (reply, "id"), 3);
  ck_assert (json_object_has_member (reply, "result"));
}
END_TEST

START_TEST (test_split_frames)
{
  g_autoptr(GSocketConnection) raw = raw_after_hello ();
  const char *a = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
  const char *b = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}";
  GByteArray *stream = g_byte_array_new ();
  guint8 header[4] = { 0, 0, 0, 0 };

  header[3] = strlen (a);
  g_byte_array_append (stream, header, 4);
  g_byte_array_append (stream, (const guint8 *) a, strlen (a));
  header[3] = strlen (b);
  g_byte_array_append (stream, header, 4);
  g_byte_array_append (stream, (const guint8 *) b, strlen (b));

  /* One byte at a time, with the two frames' bytes run together. */
  for (guint i = 0; i < stream->len; i++)
    {
      sr_test_raw_send (raw, stream->data + i, 1);
      if (i % 7 == 0)
        g_usleep (1000);
    }

  for (gint64 id = 1; id <= 2; id++)
    {
      g_autoptr(JsonObject) reply = sr_test_raw_read (raw);

      ck_assert_int_eq (json_object_get_int_member (reply, "id"), id);
    }
  g_byte_array_unref (stream);
}
END_TEST

typedef struct {
  guint  answered;
  guint  wrong;
} Pipeline;

static void
pipeline_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pipeline *pipeline = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sr_connection_call_finish (SR_CONNECTION (object), result, &error);

  if (node == NULL)
    pipeline->wrong++;
  pipeline->answered++;
}

static gboolean
pipeline_done (gpointer data)
{
  return ((Pipeline *) data)->answered == 200;
}

START_TEST (test_pipelined_calls)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");
  Pipeline pipeline = { 0 };

  /* 200 requests written back to back before any answer is read; database calls and
   * pings mixed, so answers come back out of order and must match by id. */
  for (guint i = 0; i < 200; i++)
    sr_connection_call_async (connection, i % 3 ? "branches.list" : "ping", NULL, NULL,
                              pipeline_cb, &pipeline);
  sr_test_wait_until (pipeline_done, &pipeline);
  ck_assert_uint_eq (pipeline.wrong, 0);
}
END_TEST

START_TEST (test_errors_hide_internals)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(GError) error = NULL;

  /* A cursor that is not ours, and one that decodes to SQL: clear error, nothing more. */
  error = sr_test_call_fails (connection, "users.list", "{\"after\":\"' OR 1=1 --\"}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (error), "after");
  ck_assert_ptr_null (strstr (error->message, "SELECT"));
  g_clear_error (&error);

  error = sr_test_call_fails (connection, "users.list", "{\"limit\":0}", "invalid_params");
  ck_assert_str_eq (sr_error_get_field (error), "limit");
  g_clear_error (&error);
  error = sr_test_call_fails (connection, "users.list", "{\"limit\":\"10\"}", "invalid_params");
  g_clear_error (&error);
  error = sr_test_call_fails (connection, "users.list", "{\"limit\":1001}", "invalid_params");
}
END_TEST

START_TEST (test_sigterm_finishes_in_flight)
{
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  Pipeline pipeline = { 0 };
  int status;

  /* Logins take an argon2id hash each: they are still running when SIGTERM lands. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      json_object_set_string_member (params, "email", "sales@mumbai.test");
      json_object_set_string_member (params, "password", SR_TEST_PASSWORD);
      sr_connection_call_async (connection, "auth.login", params, NULL, pipeline_cb, &pipeline);
    }
  /* Make sure the requests reached the server before it is told to stop. */
  {
    g_autoptr(JsonNode) pong = sr_test_call (connection, "ping", NULL, NULL);
    ck_assert_ptr_nonnull (pong);
  }

  kill (sr_test_server_get_pid (server), SIGTERM);
  while (pipeline.answered < 4)
    g_main_context_iteration (NULL, TRUE);
  ck_assert_uint_eq (pipeline.wrong, 0);

  status = sr_test_server_stop (server);
  ck_assert_int_eq (status, 0);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *framing = tcase_create ("framing");
  TCase *requests = tcase_create ("requests");
  TCase *lifecycle = tcase_create ("lifecycle");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (framing, setup, teardown);
  tcase_add_test (framing, test_hello_result);
  tcase_add_test (framing, test_hello_required);
  tcase_add_test (framing, test_unsupported_protocol_closes);
  tcase_add_test (framing, test_bad_json_keeps_connection);
  tcase_add_test (framing, test_not_quite_json_refused);
  tcase_add_test (framing, test_stalled_frame_dropped);
  tcase_add_test (framing, test_oversize_frame_closes);
  tcase_add_test (framing, test_empty_frame_closes);
  tcase_add_test (framing, test_frame_at_limit);
  tcase_add_test (framing, test_split_frames);
  suite_add_tcase (suite, framing);

  tcase_add_checked_fixture (requests, setup, teardown);
  tcase_add_test (requests, test_invalid_requests);
  tcase_add_test (requests, test_pipelined_calls);
  tcase_add_test (requests, test_errors_hide_internals);
  suite_add_tcase (suite, requests);

  tcase_add_checked_fixture (lifecycle, setup, teardown);
  tcase_add_test (lifecycle, test_sigterm_finishes_in_flight);
  suite_add_tcase (suite, lifecycle);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
