/* test-rpc.c: JSON-RPC 2.0 requests as the server parses them (PROTOCOL.md section 2,
 * every refusal with the reason it names), and build -> parse round trips of requests,
 * results, errors and event notifications. */
#define G_LOG_DOMAIN "test-rpc"

#include "config.h"

#include <math.h>
#include <string.h>
#include <check.h>

#include "sr-error.h"
#include "sr-rpc.h"

#define REQUEST(params) "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":" params "}"

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  ck_assert_msg (json_parser_load_from_data (parser, text, -1, &error),
                 "bad test JSON: %s", error ? error->message : "");
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
int_node (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

static JsonNode *
string_node (const char *value)
{
  return json_node_init_string (json_node_alloc (), value);
}

/* Parses text that must be refused with `code`; returns the id handed back (or NULL). */
static JsonNode *
refuse_len (const char *text,
            gsize       len,
            SrError     code)
{
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *id = NULL;

  ck_assert_msg (!sr_rpc_parse_request (text, len, &request, &id, &error),
                 "accepted: %.200s", text);
  ck_assert_ptr_null (request);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SR_ERROR, code),
                 "%.200s: got %s (%s), expected %s", text,
                 error->domain == SR_ERROR ? sr_error_reason (error->code) : "(foreign)",
                 error->message, sr_error_reason (code));

  return id;
}

static JsonNode *
refuse (const char *text,
        SrError     code)
{
  return refuse_len (text, strlen (text), code);
}

static void
refuse_without_id (const char *text,
                   SrError     code)
{
  g_autoptr(JsonNode) id = refuse (text, code);

  ck_assert_msg (id == NULL, "%s: an id was handed back", text);
}

/* The id must come back so the error response can carry it. */
static void
refuse_with_id (const char *text,
                SrError     code,
                JsonNode   *expected_id)
{
  g_autoptr(JsonNode) id = refuse (text, code);

  ck_assert_msg (id != NULL, "%s: no id handed back", text);
  ck_assert_msg (json_node_equal (id, expected_id), "%s: wrong id handed back", text);
}

static SrRequest *
accept_len (const char *text,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) id = NULL;
  SrRequest *request = NULL;

  ck_assert_msg (sr_rpc_parse_request (text, len, &request, &id, &error),
                 "refused %.200s: %s", text, error ? error->message : "");
  ck_assert_ptr_null (error);
  ck_assert_ptr_nonnull (request);
  ck_assert_ptr_nonnull (request->id);
  ck_assert_ptr_nonnull (request->method);
  ck_assert_ptr_nonnull (request->params);

  return request;
}

static SrRequest *
accept (const char *text)
{
  return accept_len (text, strlen (text));
}

/* Valid requests */

START_TEST (test_request_int_id)
{
  g_autoptr(SrRequest) request =
    accept ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"vehicles.get\",\"params\":{\"id\":12}}");

  ck_assert (JSON_NODE_HOLDS_VALUE (request->id));
  ck_assert (json_node_get_value_type (request->id) == G_TYPE_INT64);
  ck_assert_int_eq (json_node_get_int (request->id), 7);
  ck_assert_str_eq (request->method, "vehicles.get");
  ck_assert_int_eq (json_object_get_size (request->params), 1);
  ck_assert_int_eq (json_object_get_int_member (request->params, "id"), 12);
}
END_TEST

START_TEST (test_request_string_id)
{
  g_autoptr(SrRequest) request =
    accept ("{\"method\":\"ping\",\"params\":{},\"id\":\"req-1\",\"jsonrpc\":\"2.0\"}");

  ck_assert (json_node_get_value_type (request->id) == G_TYPE_STRING);
  ck_assert_str_eq (json_node_get_string (request->id), "req-1");
  ck_assert_str_eq (request->method, "ping");
  ck_assert_int_eq (json_object_get_size (request->params), 0);
}
END_TEST

START_TEST (test_request_large_int_id)
{
  g_autoptr(SrRequest) request =
    accept ("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740993,\"method\":\"ping\"}");

  ck_assert (json_node_get_int (request->id) == G_GINT64_CONSTANT (-9007199254740993));
}
END_TEST

START_TEST (test_request_params_omitted)
{
  g_autoptr(SrRequest) request = accept ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
  g_autoptr(SrRequest) null_params =
    accept ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":null}");

  ck_assert_int_eq (json_object_get_size (request->params), 0);
  ck_assert_int_eq (json_object_get_size (null_params->params), 0);
}
END_TEST

START_TEST (test_request_big_string)
{
  /* A 1 MiB string param (just under the default frame limit with its envelope). */
  const gsize n = 1024 * 1024 - 100;
  g_autoptr(GString) text = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"customers.create\","
                                          "\"params\":{\"notes\":\"");
  g_autoptr(SrRequest) request = NULL;
  const char *notes;

  for (gsize i = 0; i < n; i++)
    g_string_append_c (text, 'a' + i % 26);
  g_string_append (text, "\"}}");

  request = accept_len (text->str, text->len);
  notes = json_object_get_string_member (request->params, "notes");
  ck_assert_ptr_nonnull (notes);
  ck_assert_uint_eq (strlen (notes), n);
  ck_assert_int_eq (notes[n - 1], 'a' + (n - 1) % 26);
}
END_TEST

START_TEST (test_request_escaped_backslash_u0000)
{
  /* "\\u0000" is a backslash then the text u0000, not a NUL. */
  g_autoptr(SrRequest) request =
    accept ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"a\\\\u0000b\"}}");

  ck_assert_str_eq (json_object_get_string_member (request->params, "s"), "a\\u0000b");
}
END_TEST

START_TEST (test_request_brackets_in_string)
{
  /* Brackets inside strings are text, not nesting. */
  g_autoptr(GString) text = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\","
                                          "\"params\":{\"s\":\"");
  g_autoptr(SrRequest) request = NULL;

  for (int i = 0; i < 10000; i++)
    g_string_append (text, "[{");
  g_string_append (text, "\\\"[{\"}}");

  request = accept (text->str);
  ck_assert_uint_eq (strlen (json_object_get_string_member (request->params, "s")), 20003);
}
END_TEST

static char *
nested_request (int depth)
{
  /* The request object itself and params count as two levels. */
  GString *text = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":");

  for (int i = 2; i < depth; i++)
    g_string_append_c (text, '[');
  g_string_append_c (text, '1');
  for (int i = 2; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append (text, "}}");

  return g_string_free (text, FALSE);
}

START_TEST (test_request_depth_limit)
{
  g_autofree char *at_limit = nested_request (SR_RPC_MAX_DEPTH);
  g_autofree char *over_limit = nested_request (SR_RPC_MAX_DEPTH + 1);
  g_autoptr(SrRequest) request G_GNUC_UNUSED = accept (at_limit);

  refuse_without_id (over_limit, SR_ERROR_PARSE_ERROR);
}
END_TEST

/* Refusals */

START_TEST (test_refuse_bad_utf8)
{
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xff\xfe\"}}",
                     SR_ERROR_PARSE_ERROR);
  /* Overlong encoding of '/'. */
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xc0\xaf\"}}",
                     SR_ERROR_PARSE_ERROR);
  /* A UTF-16 surrogate written as UTF-8. */
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xed\xa0\x80\"}}",
                     SR_ERROR_PARSE_ERROR);
}
END_TEST

START_TEST (test_refuse_raw_nul)
{
  static const char text[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"a\0b\"}}";
  g_autoptr(JsonNode) id = refuse_len (text, sizeof text - 1, SR_ERROR_PARSE_ERROR);

  ck_assert_ptr_null (id);
}
END_TEST

START_TEST (test_refuse_not_json)
{
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1,", SR_ERROR_PARSE_ERROR);
  refuse_without_id ("hello", SR_ERROR_PARSE_ERROR);
  refuse_without_id ("{\"id\":1 \"method\":\"x\"}", SR_ERROR_PARSE_ERROR);
  refuse_without_id ("", SR_ERROR_PARSE_ERROR);
  refuse_without_id ("   ", SR_ERROR_PARSE_ERROR);

  /* What json-glib reads but JSON is not. */
  refuse_without_id ("{'jsonrpc':'2.0','id':1,'method':'x'}", SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{/* note */}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":0x1F}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":010}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":.5}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":1.}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":1.e5}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":True}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":\f1}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":\"tab\there\"}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"a\":\"two\nlines\"}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{\"caf\xc3\xa9\":1,\xc3\xa9}"), SR_ERROR_PARSE_ERROR);
}
END_TEST

/* Nesting hidden from the depth check behind a quote json-glib reads as a string
 * delimiter: refused before json-glib recurses into it. */
START_TEST (test_refuse_hidden_nesting)
{
  g_autoptr(GString) text = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\","
                                          "\"params\":{'\"':1,\"a\":");

  for (int i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append (text, "}}");
  refuse_without_id (text->str, SR_ERROR_PARSE_ERROR);
}
END_TEST

START_TEST (test_refuse_batch)
{
  refuse_without_id ("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
                     SR_ERROR_BATCH_UNSUPPORTED);
  refuse_without_id ("[]", SR_ERROR_BATCH_UNSUPPORTED);
}
END_TEST

START_TEST (test_refuse_scalar_root)
{
  refuse_without_id ("42", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("\"ping\"", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("true", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("null", SR_ERROR_INVALID_REQUEST);
}
END_TEST

START_TEST (test_refuse_bad_id)
{
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST);
}
END_TEST

START_TEST (test_refuse_bad_jsonrpc)
{
  g_autoptr(JsonNode) seven = int_node (7);
  g_autoptr(JsonNode) abc = string_node ("abc");

  refuse_with_id ("{\"id\":7,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":2.0,\"id\":\"abc\",\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST, abc);
  refuse_with_id ("{\"jsonrpc\":null,\"id\":\"abc\",\"method\":\"ping\"}", SR_ERROR_INVALID_REQUEST, abc);
}
END_TEST

START_TEST (test_refuse_bad_method)
{
  g_autoptr(JsonNode) seven = int_node (7);

  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":5}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"\"}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":null}", SR_ERROR_INVALID_REQUEST, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":[\"ping\"]}", SR_ERROR_INVALID_REQUEST, seven);
}
END_TEST

START_TEST (test_refuse_bad_params)
{
  g_autoptr(JsonNode) seven = int_node (7);

  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":[1,2]}",
                  SR_ERROR_INVALID_PARAMS, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":\"a\"}",
                  SR_ERROR_INVALID_PARAMS, seven);
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":3}",
                  SR_ERROR_INVALID_PARAMS, seven);
}
END_TEST

START_TEST (test_refuse_nul_escape)
{
  g_autoptr(JsonNode) seven = int_node (7);

  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":{\"s\":\"a\\u0000b\"}}",
                  SR_ERROR_INVALID_PARAMS, seven);
  /* In a member name too: the C string would be cut there just the same. */
  refuse_with_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":{\"a\\u0000\":1}}",
                  SR_ERROR_INVALID_PARAMS, seven);
  /* Outside params: the request itself is malformed, and says where. */
  {
    g_autoptr(SrRequest) request = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) id = NULL;
    const char *text = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\\u0000x\",\"params\":{}}";

    ck_assert (!sr_rpc_parse_request (text, strlen (text), &request, &id, &error));
    ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_REQUEST));
    ck_assert_str_eq (sr_error_get_field (error), "method");
    ck_assert (id != NULL && json_node_equal (id, seven));
  }
  /* Broken JSON stays a parse error even with a NUL escape in it. */
  refuse_without_id ("{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":{\"s\":\"\\u0000\"", SR_ERROR_PARSE_ERROR);
}
END_TEST

/* An id json-glib would wrap past 64 bits or cut at a NUL is not the id that was sent:
 * invalid_request naming "id", and no id comes back, whatever else is wrong. */
START_TEST (test_refuse_unreadable_id)
{
  static const char *const texts[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775808,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551615,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775809,\"method\":\"ping\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0000b\",\"method\":\"ping\"}",
    "{\"id\":1000000000000000000000000000000}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(SrRequest) request = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) id = NULL;

      ck_assert (!sr_rpc_parse_request (texts[i], strlen (texts[i]), &request, &id, &error));
      ck_assert_msg (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_REQUEST), "%s: %s",
                     texts[i], error->message);
      ck_assert_str_eq (sr_error_get_field (error), "id");
      ck_assert_msg (id == NULL, "%s: an id came back", texts[i]);
    }

  /* The largest ids that fit are ids like any other. */
  {
    g_autoptr(SrRequest) request =
      accept ("{\"jsonrpc\":\"2.0\",\"id\":9223372036854775807,\"method\":\"ping\"}");

    ck_assert (json_node_get_int (request->id) == G_MAXINT64);
  }
}
END_TEST

/* The data.field of a request refused for a value the parser cannot hold. */
static char *
refused_field (const char *text)
{
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) id = NULL;

  ck_assert_msg (!sr_rpc_parse_request (text, strlen (text), &request, &id, &error),
                 "accepted: %s", text);
  ck_assert_msg (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_PARAMS), "%s: %s", text,
                 error->message);
  return g_strdup (sr_error_get_field (error));
}


#define TEN_ZEROS "0000000000"
#define HUNDRED_ZEROS TEN_ZEROS TEN_ZEROS TEN_ZEROS TEN_ZEROS TEN_ZEROS \
                      TEN_ZEROS TEN_ZEROS TEN_ZEROS TEN_ZEROS TEN_ZEROS
#define LONG_ZEROS HUNDRED_ZEROS HUNDRED_ZEROS HUNDRED_ZEROS HUNDRED_ZEROS HUNDRED_ZEROS

/* Only JSON's own escapes: json-glib would take "\600" as octal and store the byte 0x80,
 * which is not UTF-8 (a fuzzer finding). The escapes JSON has still read as they should. */
START_TEST (test_refuse_foreign_escape)
{
  static const char *const foreign[] = { "xdu\\600y", "\\0", "\\x41", "\\a", "\\'", "\\U0041" };
  g_autoptr(SrRequest) request = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      g_autofree char *text = g_strdup_printf (REQUEST ("{\"client\":\"%s\"}"), foreign[i]);

      refuse_without_id (text, SR_ERROR_PARSE_ERROR);
    }

  request = accept (REQUEST ("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}"));
  ck_assert_str_eq (json_object_get_string_member (request->params, "s"),
                    "\"\\/\b\f\n\r\t\u00e9");
}
END_TEST

/* A NUL or a number out of range names its parameter, as every invalid_params does
 * (PROTOCOL.md section 2), however deep it sits. */
START_TEST (test_refusal_names_field)
{
  static const struct {
    const char *params;
    const char *field;
  } cases[] = {
    { "{\"name\":\"a\\u0000b\"}", "name" },
    { "{\"limit\":5,\"filter\":{\"status\":\"sold\",\"text\":\"x\\u0000\"}}", "filter.text" },
    { "{\"id\":1,\"changes\":{\"notes\" : \"\\u0000\"}}", "changes.notes" },
    { "{\"filter\":{\"status\":[\"sold\",\"\\u0000\"]}}", "filter.status" },
    { "{\"limit\":99999999999999999999}", "limit" },
    { "{\"op\":{\"price_pct\":1e999}}", "op.price_pct" },
    /* Infinite only as a whole: its first 400 characters read as 1 (a fuzzer finding). */
    { "{\"price\":1." LONG_ZEROS "e400}", "price" },
    /* In a member name: the object holding it. */
    { "{\"changes\":{\"a\\u0000\":1}}", "changes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (REQUEST ("%s"), cases[i].params);
      g_autofree char *field = refused_field (text);

      ck_assert_msg (g_strcmp0 (field, cases[i].field) == 0, "%s: field %s, expected %s",
                     text, field ? field : "(none)", cases[i].field);
    }
}
END_TEST

/* One frame, one JSON value: a second object after the first is refused, not dropped;
 * white space around the one value is fine. */
START_TEST (test_refuse_two_values)
{
  g_autoptr(SrRequest) request = NULL;

  refuse_without_id (REQUEST ("{}") " " REQUEST ("{}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{}") REQUEST ("{}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{}") "[]", SR_ERROR_PARSE_ERROR);
  refuse_without_id ("[" REQUEST ("{}") "]{}", SR_ERROR_PARSE_ERROR);
  /* Closing what was never opened (found by the fuzzer: the scan's nesting went below
   * zero). */
  refuse_without_id ("}}\"a\":" REQUEST ("{}"), SR_ERROR_PARSE_ERROR);
  refuse_without_id (REQUEST ("{}") "]]]", SR_ERROR_PARSE_ERROR);
  request = accept (" \r\n\t" REQUEST ("{}") " \n");
  ck_assert_str_eq (request->method, "x");
}
END_TEST

START_TEST (test_refuse_deep_nesting)
{
  g_autoptr(GString) open = g_string_new (NULL);
  g_autoptr(GString) closed = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":");
  g_autoptr(GString) objects = g_string_new (NULL);

  for (int i = 0; i < 10000; i++)
    g_string_append_c (open, '[');
  refuse_without_id (open->str, SR_ERROR_PARSE_ERROR);

  /* Well-formed, but too deep. */
  for (int i = 0; i < 10000; i++)
    g_string_append_c (closed, '[');
  for (int i = 0; i < 10000; i++)
    g_string_append_c (closed, ']');
  g_string_append (closed, "}}");
  refuse_without_id (closed->str, SR_ERROR_PARSE_ERROR);

  for (int i = 0; i < 10000; i++)
    g_string_append (objects, "{\"a\":");
  g_string_append (objects, "1");
  for (int i = 0; i < 10000; i++)
    g_string_append_c (objects, '}');
  refuse_without_id (objects->str, SR_ERROR_PARSE_ERROR);
}
END_TEST

/* Integer literals outside gint64 must not wrap into a different, plausible value:
 * -18446744073709551604 is -(2^64 - 12), which wraps to +12. */
static const char *const overflowing[] = {
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vehicles.get\",\"params\":{\"id\":-18446744073709551604}}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vehicles.get\",\"params\":{\"id\":18446744073709551604}}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vehicles.get\",\"params\":{\"id\":9223372036854775808}}",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"vehicles.get\",\"params\":{\"id\":-9223372036854775809}}",
};

START_TEST (test_refuse_int_overflow)
{
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *member;

  if (!sr_rpc_parse_request (overflowing[_i], strlen (overflowing[_i]), &request, &id, &error))
    {
      ck_assert (error->domain == SR_ERROR);
      return;
    }
  member = json_object_get_member (request->params, "id");
  ck_assert_msg (json_node_get_value_type (member) != G_TYPE_INT64,
                 "%s: the id came through as the integer %" G_GINT64_FORMAT,
                 overflowing[_i], json_node_get_int (member));
}
END_TEST

/* Round trips */

START_TEST (test_round_request)
{
  g_autoptr(JsonNode) params_node =
    parse_json ("{\"id\":12,\"name\":\"Škoda Octavia – 2.0 TDI\",\"tags\":[1,\"two\",null],"
                "\"price\":\"845000.00\",\"active\":true}");
  JsonObject *params = json_node_get_object (params_node);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_ptr_array_add (ids, int_node (42));
  g_ptr_array_add (ids, string_node ("client-\"7\""));
  for (guint i = 0; i < ids->len; i++)
    {
      gsize len = 0;
      g_autofree char *text = sr_rpc_build_request (ids->pdata[i], "vehicles.update", params, &len);
      g_autoptr(SrRequest) request = NULL;

      ck_assert_ptr_nonnull (text);
      ck_assert_uint_eq (len, strlen (text));
      request = accept_len (text, len);
      ck_assert (json_node_equal (request->id, ids->pdata[i]));
      ck_assert_str_eq (request->method, "vehicles.update");
      ck_assert (json_object_equal (request->params, params));
    }
}
END_TEST

START_TEST (test_round_request_no_params)
{
  g_autoptr(JsonNode) id = int_node (1);
  gsize len = 0;
  g_autofree char *text = sr_rpc_build_request (id, "ping", NULL, &len);
  g_autoptr(SrRequest) request = accept_len (text, len);

  ck_assert_str_eq (request->method, "ping");
  ck_assert_int_eq (json_object_get_size (request->params), 0);
}
END_TEST

START_TEST (test_round_result)
{
  g_autoptr(JsonNode) result = parse_json ("{\"items\":[{\"id\":1,\"vin\":\"WVWZZZ1JZXW000001\"}],"
                                           "\"next\":null}");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_ptr_array_add (ids, int_node (9));
  g_ptr_array_add (ids, string_node ("r"));
  for (guint i = 0; i < ids->len; i++)
    {
      gsize len = 0;
      g_autofree char *text = sr_rpc_build_result (ids->pdata[i], result, &len);
      g_autoptr(GError) error = NULL;
      g_autoptr(SrMessage) message = sr_rpc_parse_message (text, len, &error);

      ck_assert_ptr_null (error);
      ck_assert_ptr_nonnull (message);
      ck_assert_int_eq (message->kind, SR_MESSAGE_RESPONSE);
      ck_assert (json_node_equal (message->id, ids->pdata[i]));
      ck_assert_ptr_null (message->error);
      ck_assert_ptr_nonnull (message->result);
      ck_assert (json_node_equal (message->result, result));
    }
}
END_TEST

/* A client's 1e40 echoed back must stay JSON (json-glib alone writes "1e+40.0"), and
 * text that merely looks like it, inside a string, stays as it was. */
START_TEST (test_round_result_exponents)
{
  g_autoptr(JsonNode) result = parse_json ("{\"pct\":1e040,\"small\":[-2.5E-7,1e-300],"
                                           "\"plain\":2.5,\"note\":\"1e+40.0\"}");
  g_autoptr(JsonNode) id = int_node (3);
  gsize len = 0;
  g_autofree char *text = sr_rpc_build_result (id, result, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SrMessage) message = sr_rpc_parse_message (text, len, &error);
  JsonObject *object;

  ck_assert_msg (message != NULL, "%s does not parse: %s", text, error ? error->message : "");
  ck_assert_uint_eq (strlen (text), len);
  object = json_node_get_object (message->result);
  ck_assert (json_object_get_double_member (object, "pct") == 1e40);
  ck_assert (json_array_get_double_element (json_object_get_array_member (object, "small"), 0) == -2.5e-7);
  ck_assert (json_object_get_double_member (object, "plain") == 2.5);
  ck_assert_str_eq (json_object_get_string_member (object, "note"), "1e+40.0");
}
END_TEST

/* A figure such as an average age reads as people write it ("90.2", not json-glib's
 * "90.200000000000003"), and every double still reads back exactly. */
START_TEST (test_round_result_short_doubles)
{
  static const double values[] = { 90.2, 0.1, 1.0 / 3.0, -12.75, 5.0, 1e21, 2.5e-7, 1e-300 };
  g_autoptr(JsonNode) result = sr_json_node_empty ();
  JsonArray *array = json_array_new ();
  g_autoptr(JsonNode) id = int_node (4);
  g_autoptr(SrMessage) message = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_array_add_double_element (array, values[i]);
  json_object_set_array_member (json_node_get_object (result), "values", array);
  json_object_set_int_member (json_node_get_object (result), "count", 90);

  text = sr_rpc_build_result (id, result, &len);
  ck_assert_uint_eq (strlen (text), len);
  ck_assert_msg (strstr (text, "[90.2,0.1,") != NULL, "%s", text);
  ck_assert_msg (strstr (text, "-12.75,5.0,") != NULL, "%s", text);
  ck_assert_msg (strstr (text, "\"count\":90") != NULL, "%s", text);

  message = sr_rpc_parse_message (text, len, NULL);
  ck_assert_ptr_nonnull (message);
  array = json_object_get_array_member (json_node_get_object (message->result), "values");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    ck_assert_msg (json_array_get_double_element (array, i) == values[i],
                   "value %u does not read back in %s", i, text);
}
END_TEST

/* JSON has no infinity or NaN: such a figure goes out as null, and the message is
 * still JSON; text that merely reads "inf.0" is left alone. */
START_TEST (test_round_result_nonfinite_null)
{
  g_autoptr(JsonNode) result = sr_json_node_empty ();
  JsonObject *object = json_node_get_object (result);
  g_autoptr(JsonNode) id = int_node (5);
  g_autoptr(SrMessage) message = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  json_object_set_double_member (object, "up", INFINITY);
  json_object_set_double_member (object, "down", -INFINITY);
  json_object_set_double_member (object, "none", NAN);
  json_object_set_double_member (object, "rate", 0.5);
  json_object_set_string_member (object, "note", "inf.0");

  text = sr_rpc_build_result (id, result, &len);
  message = sr_rpc_parse_message (text, len, NULL);
  ck_assert_msg (message != NULL, "not JSON: %s", text);
  object = json_node_get_object (message->result);
  ck_assert (json_object_get_null_member (object, "up"));
  ck_assert (json_object_get_null_member (object, "down"));
  ck_assert (json_object_get_null_member (object, "none"));
  ck_assert (json_object_get_double_member (object, "rate") == 0.5);
  ck_assert_str_eq (json_object_get_string_member (object, "note"), "inf.0");
}
END_TEST

/* Every control character goes out escaped, U+001F included (json-glib writes that one
 * raw), in compact and indented text alike, and reads back as it was. */
START_TEST (test_round_result_controls_escaped)
{
  g_autoptr(JsonNode) result = sr_json_node_empty ();
  g_autoptr(JsonNode) id = int_node (6);
  g_autoptr(GString) controls = g_string_new (NULL);

  for (int c = 1; c < 0x20; c++)
    g_string_append_c (controls, (char) c);
  g_string_append (controls, "\x7f end");
  json_object_set_string_member (json_node_get_object (result), "note", controls->str);
  json_object_set_double_member (json_node_get_object (result), "rate", 0.25);

  for (int pretty = 0; pretty <= 1; pretty++)
    {
      g_autofree char *text = sr_json_to_string_pretty (result, pretty, NULL);
      g_autoptr(JsonNode) back = NULL;

      for (const char *p = text; *p != '\0'; p++)
        ck_assert_msg ((guchar) *p >= 0x20 || *p == '\n' || *p == ' ',
                       "raw control character 0x%02x in %s", *p, text);
      back = sr_json_from_string (text, -1, NULL);
      ck_assert_ptr_nonnull (back);
      ck_assert (json_node_equal (back, result));
    }

  {
    gsize len = 0;
    g_autofree char *text = sr_rpc_build_result (id, result, &len);
    g_autoptr(SrMessage) message = sr_rpc_parse_message (text, len, NULL);

    ck_assert_msg (message != NULL, "not readable: %s", text);
    ck_assert_str_eq (json_object_get_string_member (json_node_get_object (message->result),
                                                     "note"), controls->str);
  }
}
END_TEST

START_TEST (test_round_result_empty)
{
  g_autoptr(JsonNode) id = int_node (3);
  gsize len = 0;
  g_autofree char *text = sr_rpc_build_result (id, NULL, &len);
  g_autoptr(SrMessage) message = sr_rpc_parse_message (text, len, NULL);

  ck_assert_ptr_nonnull (message);
  ck_assert_ptr_nonnull (message->result);
  ck_assert (JSON_NODE_HOLDS_OBJECT (message->result));
  ck_assert_int_eq (json_object_get_size (json_node_get_object (message->result)), 0);
}
END_TEST

START_TEST (test_round_error)
{
  g_autoptr(JsonNode) id = string_node ("abc");
  g_autoptr(GError) error = sr_error_new (SR_ERROR_VERSION_CONFLICT, "version",
                                          "vehicle 12 changed");
  g_autoptr(JsonNode) current = parse_json ("{\"id\":12,\"version\":5}");
  g_autoptr(SrMessage) message = NULL;
  g_autofree char *text = NULL;
  JsonObject *extra;
  gsize len = 0;

  sr_error_set_extra_member (error, "current", json_node_copy (current));
  sr_error_set_extra_member (error, "retry_after_s", int_node (30));
  text = sr_rpc_build_error (id, error, &len);
  message = sr_rpc_parse_message (text, len, NULL);

  ck_assert_ptr_nonnull (message);
  ck_assert_int_eq (message->kind, SR_MESSAGE_RESPONSE);
  ck_assert (json_node_equal (message->id, id));
  ck_assert_ptr_null (message->result);
  ck_assert_ptr_nonnull (message->error);
  ck_assert (g_error_matches (message->error, SR_ERROR, SR_ERROR_VERSION_CONFLICT));
  ck_assert_str_eq (message->error->message, "vehicle 12 changed");
  ck_assert_str_eq (sr_error_get_field (message->error), "version");
  extra = sr_error_get_extra (message->error);
  ck_assert_ptr_nonnull (extra);
  ck_assert (json_node_equal (json_object_get_member (extra, "current"), current));
  ck_assert_int_eq (json_object_get_int_member (extra, "retry_after_s"), 30);
}
END_TEST

START_TEST (test_round_error_every_reason)
{
  for (int v = 0; v < SR_ERROR_N_CODES; v++)
    {
      g_autoptr(JsonNode) id = int_node (v);
      g_autoptr(GError) error = NULL;
      g_autoptr(SrMessage) message = NULL;
      g_autofree char *text = NULL;
      gsize len = 0;

      if (v == SR_ERROR_CONNECTION)
        continue;

      error = sr_error_new (v, "f", "reason %d", v);
      text = sr_rpc_build_error (id, error, &len);
      message = sr_rpc_parse_message (text, len, NULL);
      ck_assert_ptr_nonnull (message);
      ck_assert_ptr_nonnull (message->error);
      ck_assert_msg (g_error_matches (message->error, SR_ERROR, v), "%s did not come back",
                     sr_error_reason (v));
      ck_assert_str_eq (sr_error_get_field (message->error), "f");
    }
}
END_TEST

START_TEST (test_round_error_null_id)
{
  g_autoptr(GError) error = sr_error_new (SR_ERROR_PARSE_ERROR, NULL, "message is not valid JSON");
  gsize len = 0;
  g_autofree char *text = sr_rpc_build_error (NULL, error, &len);
  g_autoptr(SrMessage) message = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  /* The member is there, holding null: not absent. */
  ck_assert_ptr_nonnull (strstr (text, "\"id\":null"));
  root = parse_json (text);
  object = json_node_get_object (root);
  ck_assert (json_object_has_member (object, "id"));
  ck_assert (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "id")));
  ck_assert_str_eq (json_object_get_string_member (object, "jsonrpc"), "2.0");
  ck_assert_int_eq (json_object_get_int_member (json_object_get_object_member (object, "error"), "code"),
                    -32700);

  message = sr_rpc_parse_message (text, len, NULL);
  ck_assert_ptr_nonnull (message);
  ck_assert (JSON_NODE_HOLDS_NULL (message->id));
  ck_assert (g_error_matches (message->error, SR_ERROR, SR_ERROR_PARSE_ERROR));
}
END_TEST

START_TEST (test_round_notification)
{
  g_autoptr(JsonNode) params = parse_json ("{\"seq\":1001,\"entity\":\"vehicle\",\"op\":\"update\","
                                           "\"id\":12,\"data\":{\"id\":12,\"status\":\"reserved\"}}");
  gsize len = 0;
  g_autofree char *text = sr_rpc_build_notification ("event", params, &len);
  g_autoptr(SrMessage) message = sr_rpc_parse_message (text, len, NULL);
  g_autoptr(JsonNode) root = parse_json (text);

  /* A notification has no id at all. */
  ck_assert (!json_object_has_member (json_node_get_object (root), "id"));
  ck_assert_ptr_nonnull (message);
  ck_assert_int_eq (message->kind, SR_MESSAGE_NOTIFICATION);
  ck_assert_str_eq (message->method, "event");
  ck_assert_ptr_nonnull (message->params);
  ck_assert (json_node_equal (message->params, params));
}
END_TEST

START_TEST (test_message_ill_typed_error)
{
  /* A response whose error object is malformed must still come out as a failure: a
   * RESPONSE with neither result nor error would read as success with no result. */
  static const char text[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":5,"
    "\"data\":{\"reason\":\"invalid_params\"}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SrMessage) message = sr_rpc_parse_message (text, sizeof text - 1, &error);

  if (message == NULL)
    ck_assert_ptr_nonnull (error);
  else
    {
      ck_assert_int_eq (message->kind, SR_MESSAGE_RESPONSE);
      ck_assert_msg (message->error != NULL, "response parsed with neither result nor error");
      ck_assert (message->error->domain == SR_ERROR);
    }
}
END_TEST

START_TEST (test_message_refusals)
{
  static const char *const cases[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1}",             /* neither result nor error */
    "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]",
    "{\"jsonrpc\":\"2.0\",\"method\":5}",
    "not json",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SrMessage) message = sr_rpc_parse_message (cases[i], strlen (cases[i]), &error);

      ck_assert_msg (message == NULL, "accepted %s", cases[i]);
      ck_assert_ptr_nonnull (error);
      ck_assert (error->domain == SR_ERROR);
    }
}
END_TEST

/* The raw path finds a result's text without building it, and leaves every other
 * message to the full parse. */
START_TEST (test_scan_response)
{
  static const struct {
    const char *message;
    gint64      id;
    const char *result;   /* NULL: not for the raw path */
  } cases[] = {
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"items\":[{\"a\":\"}\\\"]\"}],\"next\":null}}",
      7, "{\"items\":[{\"a\":\"}\\\"]\"}],\"next\":null}" },
    { "{\"result\" : [1, 2] ,\"id\":12,\"jsonrpc\":\"2.0\"}", 12, "[1, 2]" },
    { " {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"text\"} ", 3, "\"text\"" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"result\":0}", 2, "0" },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32004,\"message\":\"x\"}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"id\":\"seven\",\"result\":{}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"id\":1}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"\\u0069d\":1,\"result\":{}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":[}}", 0, NULL },
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing", 0, NULL },
    { "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]", 0, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *message = cases[i].message;
      gsize offset = 0, len = 0;
      gint64 id = 0;
      gboolean found = sr_rpc_scan_response (message, strlen (message), &id, &offset, &len);

      ck_assert_msg (found == (cases[i].result != NULL), "%s", message);
      if (!found)
        continue;
      ck_assert_int_eq (id, cases[i].id);
      ck_assert_uint_eq (len, strlen (cases[i].result));
      ck_assert_msg (strncmp (message + offset, cases[i].result, len) == 0, "%s", message);
    }
}
END_TEST

static Suite *
rpc_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("valid");
  tcase_add_test (tc, test_request_int_id);
  tcase_add_test (tc, test_request_string_id);
  tcase_add_test (tc, test_request_large_int_id);
  tcase_add_test (tc, test_request_params_omitted);
  tcase_add_test (tc, test_request_big_string);
  tcase_add_test (tc, test_request_escaped_backslash_u0000);
  tcase_add_test (tc, test_request_brackets_in_string);
  tcase_add_test (tc, test_request_depth_limit);
  suite_add_tcase (s, tc);

  tc = tcase_create ("refusals");
  tcase_add_test (tc, test_refuse_bad_utf8);
  tcase_add_test (tc, test_refuse_foreign_escape);
  tcase_add_test (tc, test_refuse_raw_nul);
  tcase_add_test (tc, test_refuse_not_json);
  tcase_add_test (tc, test_refuse_hidden_nesting);
  tcase_add_test (tc, test_refuse_batch);
  tcase_add_test (tc, test_refuse_scalar_root);
  tcase_add_test (tc, test_refuse_bad_id);
  tcase_add_test (tc, test_refuse_bad_jsonrpc);
  tcase_add_test (tc, test_refuse_bad_method);
  tcase_add_test (tc, test_refuse_bad_params);
  tcase_add_test (tc, test_refuse_nul_escape);
  tcase_add_test (tc, test_refuse_unreadable_id);
  tcase_add_test (tc, test_refusal_names_field);
  tcase_add_test (tc, test_refuse_two_values);
  tcase_add_test (tc, test_refuse_deep_nesting);
  tcase_add_loop_test (tc, test_refuse_int_overflow, 0, G_N_ELEMENTS (overflowing));
  suite_add_tcase (s, tc);

  tc = tcase_create ("round-trip");
  tcase_add_test (tc, test_round_request);
  tcase_add_test (tc, test_round_request_no_params);
  tcase_add_test (tc, test_round_result);
  tcase_add_test (tc, test_round_result_exponents);
  tcase_add_test (tc, test_round_result_short_doubles);
  tcase_add_test (tc, test_round_result_nonfinite_null);
  tcase_add_test (tc, test_round_result_controls_escaped);
  tcase_add_test (tc, test_round_result_empty);
  tcase_add_test (tc, test_round_error);
  tcase_add_test (tc, test_round_error_every_reason);
  tcase_add_test (tc, test_round_error_null_id);
  tcase_add_test (tc, test_round_notification);
  suite_add_tcase (s, tc);

  tc = tcase_create ("messages");
  tcase_add_test (tc, test_message_ill_typed_error);
  tcase_add_test (tc, test_message_refusals);
  tcase_add_test (tc, test_scan_response);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (rpc_suite ());
  int failures;

  srunner_run_all (runner, CK_NORMAL);
  failures = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failures == 0 ? 0 : 1;
}
