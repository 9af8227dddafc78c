/* test-error.c: the SR_ERROR domain against PROTOCOL.md section 2: every value's
 * JSON-RPC code and reason word, reason lookups, the error <-> JSON round trip, and
 * that a fault from outside the domain never leaks its text onto the wire. */
#define G_LOG_DOMAIN "test-error"

#include "config.h"

#include <string.h>
#include <check.h>
#include <gio/gio.h>

#include "sr-error.h"
#include "sr-rpc.h"

/* Written out from PROTOCOL.md's table (and section 5 for too_many_rows), not from
 * sr-error.c, so a slip in either shows up here. */
static const struct {
  SrError     value;
  int         code;
  const char *reason;
} expected[] = {
  { SR_ERROR_PARSE_ERROR,          -32700, "parse_error" },
  { SR_ERROR_INVALID_REQUEST,      -32600, "invalid_request" },
  { SR_ERROR_HELLO_REQUIRED,       -32600, "hello_required" },
  { SR_ERROR_FRAME_TOO_LARGE,      -32600, "frame_too_large" },
  { SR_ERROR_EMPTY_FRAME,          -32600, "empty_frame" },
  { SR_ERROR_BATCH_UNSUPPORTED,    -32600, "batch_unsupported" },
  { SR_ERROR_METHOD_NOT_FOUND,     -32601, "method_not_found" },
  { SR_ERROR_INVALID_PARAMS,       -32602, "invalid_params" },
  { SR_ERROR_INVALID_VIN,          -32602, "invalid_vin" },
  { SR_ERROR_DUPLICATE_VIN,        -32602, "duplicate_vin" },
  { SR_ERROR_EMAIL_DOMAIN,         -32602, "email_domain" },
  { SR_ERROR_WEAK_PASSWORD,        -32602, "weak_password" },
  { SR_ERROR_DUPLICATE_EMAIL,      -32602, "duplicate_email" },
  { SR_ERROR_DUPLICATE_NAME,       -32602, "duplicate_name" },
  { SR_ERROR_WRONG_PASSWORD,       -32602, "wrong_password" },
  { SR_ERROR_TOO_MANY_ROWS,        -32602, "too_many_rows" },
  { SR_ERROR_INTERNAL_ERROR,       -32603, "internal_error" },
  { SR_ERROR_UNAVAILABLE,          -32603, "unavailable" },
  { SR_ERROR_UNAUTHENTICATED,      -32001, "unauthenticated" },
  { SR_ERROR_BAD_CREDENTIALS,      -32001, "bad_credentials" },
  { SR_ERROR_SESSION_EXPIRED,      -32001, "session_expired" },
  { SR_ERROR_UNSUPPORTED_PROTOCOL, -32002, "unsupported_protocol" },
  { SR_ERROR_FORBIDDEN,            -32003, "forbidden" },
  { SR_ERROR_OWN_EDIT,             -32003, "own_edit" },
  { SR_ERROR_OTHER_BRANCH,         -32003, "other_branch" },
  { SR_ERROR_NOT_FOUND,            -32004, "not_found" },
  { SR_ERROR_VERSION_CONFLICT,     -32009, "version_conflict" },
  { SR_ERROR_STALE_EDIT,           -32009, "stale_edit" },
  { SR_ERROR_ALREADY_DECIDED,      -32009, "already_decided" },
  { SR_ERROR_PREVIEW_STALE,        -32009, "preview_stale" },
  { SR_ERROR_NOT_AVAILABLE,        -32009, "not_available" },
  { SR_ERROR_RATE_LIMITED,         -32029, "rate_limited" },
};

/* Codes PROTOCOL.md names, for the unknown-reason fallback. */
static const int protocol_codes[] = {
  -32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32009, -32029,
};

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  ck_assert_msg (json_parser_load_from_data (parser, text, -1, &error),
                 "bad test JSON: %s", error ? error->message : "");
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Table */

START_TEST (test_table_complete)
{
  /* Every value but the client-only SR_ERROR_CONNECTION is in the table exactly once. */
  gboolean seen[SR_ERROR_N_CODES] = { FALSE, };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      ck_assert_int_lt (expected[i].value, SR_ERROR_N_CODES);
      ck_assert_msg (!seen[expected[i].value], "%s listed twice", expected[i].reason);
      seen[expected[i].value] = TRUE;
    }
  for (int v = 0; v < SR_ERROR_N_CODES; v++)
    if (v != SR_ERROR_CONNECTION)
      ck_assert_msg (seen[v], "SrError %d (%s) has no row in the protocol table",
                     v, sr_error_reason (v));
}
END_TEST

START_TEST (test_table_codes)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_msg (sr_error_rpc_code (expected[i].value) == expected[i].code,
                   "%s: code %d, expected %d", expected[i].reason,
                   sr_error_rpc_code (expected[i].value), expected[i].code);
}
END_TEST

START_TEST (test_table_reasons)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_str_eq (sr_error_reason (expected[i].value), expected[i].reason);
}
END_TEST

START_TEST (test_table_constants)
{
  /* The SR_RPC_* macros are what other code compares against. */
  ck_assert_int_eq (SR_RPC_PARSE_ERROR, -32700);
  ck_assert_int_eq (SR_RPC_INVALID_REQUEST, -32600);
  ck_assert_int_eq (SR_RPC_METHOD_NOT_FOUND, -32601);
  ck_assert_int_eq (SR_RPC_INVALID_PARAMS, -32602);
  ck_assert_int_eq (SR_RPC_INTERNAL_ERROR, -32603);
  ck_assert_int_eq (SR_RPC_UNAUTHENTICATED, -32001);
  ck_assert_int_eq (SR_RPC_UNSUPPORTED_PROTOCOL, -32002);
  ck_assert_int_eq (SR_RPC_FORBIDDEN, -32003);
  ck_assert_int_eq (SR_RPC_NOT_FOUND, -32004);
  ck_assert_int_eq (SR_RPC_CONFLICT, -32009);
  ck_assert_int_eq (SR_RPC_RATE_LIMITED, -32029);
}
END_TEST

/* Reasons */

START_TEST (test_reason_round_trip)
{
  for (int v = 0; v < SR_ERROR_N_CODES; v++)
    {
      /* "connection" is the client's own word for a broken link: no server can send it. */
      if (v == SR_ERROR_CONNECTION)
        continue;
      ck_assert_msg ((int) sr_error_from_reason (sr_error_reason (v), sr_error_rpc_code (v)) == v,
                     "%s does not come back as itself", sr_error_reason (v));
    }
  ck_assert_int_ne (sr_error_from_reason ("connection", 0), SR_ERROR_CONNECTION);
}
END_TEST

START_TEST (test_reason_from_table)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_int_eq (sr_error_from_reason (expected[i].reason, expected[i].code),
                      expected[i].value);
}
END_TEST

START_TEST (test_reason_unknown)
{
  /* A newer server's reason word keeps its code class. */
  for (gsize i = 0; i < G_N_ELEMENTS (protocol_codes); i++)
    {
      SrError v = sr_error_from_reason ("reason_from_the_future", protocol_codes[i]);

      ck_assert_int_ge (v, 0);
      ck_assert_int_lt (v, SR_ERROR_N_CODES);
      ck_assert_int_eq (sr_error_rpc_code (v), protocol_codes[i]);
    }

  /* No reason at all: the same. */
  ck_assert_int_eq (sr_error_rpc_code (sr_error_from_reason (NULL, -32009)), -32009);

  /* A reason word that exists under another code does not win over the code. */
  ck_assert_int_eq (sr_error_rpc_code (sr_error_from_reason ("not_found", -32602)), -32602);

  /* A code nobody knows is a server fault. */
  ck_assert_int_eq (sr_error_from_reason ("whatever", -32099), SR_ERROR_INTERNAL_ERROR);
}
END_TEST

/* GError accessors */

START_TEST (test_new_field)
{
  g_autoptr(GError) error = sr_error_new (SR_ERROR_INVALID_VIN, "vin", "bad vin %d", 17);
  g_autoptr(GError) copy = NULL;
  g_autoptr(GError) none = sr_error_new (SR_ERROR_NOT_FOUND, NULL, "nope");

  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_VIN));
  ck_assert_str_eq (error->message, "bad vin 17");
  ck_assert_str_eq (sr_error_get_field (error), "vin");
  ck_assert_ptr_null (sr_error_get_field (none));
  ck_assert_ptr_null (sr_error_get_extra (none));
  ck_assert_ptr_null (sr_error_get_ref (none));

  /* The private data survives g_error_copy (errors are copied across threads). */
  sr_error_set_extra_member (error, "ref", json_node_init_string (json_node_alloc (), "abc"));
  copy = g_error_copy (error);
  ck_assert_str_eq (sr_error_get_field (copy), "vin");
  ck_assert_str_eq (sr_error_get_ref (copy), "abc");
}
END_TEST

START_TEST (test_set_error)
{
  g_autoptr(GError) error = NULL;

  /* NULL is allowed for callers that do not care. */
  sr_set_error (NULL, SR_ERROR_FORBIDDEN, "x", "ignored");

  sr_set_error (&error, SR_ERROR_WEAK_PASSWORD, "password", "too short: %s", "abc");
  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_WEAK_PASSWORD));
  ck_assert_str_eq (error->message, "too short: abc");
  ck_assert_str_eq (sr_error_get_field (error), "password");
}
END_TEST

/* JSON */

static void
check_wire (JsonObject *object,
            int         code,
            const char *reason,
            const char *message)
{
  JsonObject *data;

  ck_assert (json_object_has_member (object, "code"));
  ck_assert_int_eq (json_object_get_int_member (object, "code"), code);
  ck_assert_str_eq (json_object_get_string_member (object, "message"), message);
  ck_assert (json_object_has_member (object, "data"));
  data = json_object_get_object_member (object, "data");
  ck_assert_ptr_nonnull (data);
  ck_assert_str_eq (json_object_get_string_member (data, "reason"), reason);
}

START_TEST (test_json_every_value)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = sr_error_new (expected[i].value, NULL, "message %zu", i);
      g_autoptr(JsonNode) node = sr_error_to_json (error);
      g_autofree char *message = g_strdup_printf ("message %zu", i);
      g_autoptr(GError) back = NULL;

      check_wire (json_node_get_object (node), expected[i].code, expected[i].reason, message);
      ck_assert (!json_object_has_member (json_object_get_object_member (json_node_get_object (node), "data"),
                                          "field"));

      back = sr_error_from_json (json_node_get_object (node));
      ck_assert_ptr_nonnull (back);
      ck_assert (g_error_matches (back, SR_ERROR, expected[i].value));
      ck_assert_str_eq (back->message, message);
      ck_assert_ptr_null (sr_error_get_field (back));
    }
}
END_TEST

START_TEST (test_json_field_extra)
{
  g_autoptr(GError) error = sr_error_new (SR_ERROR_VERSION_CONFLICT, "version",
                                          "vehicle 12 changed");
  g_autoptr(JsonObject) current = parse_object ("{\"id\":12,\"version\":4,\"price\":\"845000.00\"}");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) back = NULL;
  JsonObject *data;
  JsonObject *extra;
  JsonNode *member;

  sr_error_set_extra_member (error, "current",
                             json_node_init_object (json_node_alloc (), current));
  sr_error_set_extra_member (error, "retry_after_s", json_node_init_int (json_node_alloc (), 42));

  node = sr_error_to_json (error);
  check_wire (json_node_get_object (node), -32009, "version_conflict", "vehicle 12 changed");
  data = json_object_get_object_member (json_node_get_object (node), "data");
  ck_assert_str_eq (json_object_get_string_member (data, "field"), "version");
  ck_assert_int_eq (json_object_get_int_member (data, "retry_after_s"), 42);
  ck_assert (json_object_equal (json_object_get_object_member (data, "current"), current));

  back = sr_error_from_json (json_node_get_object (node));
  ck_assert (g_error_matches (back, SR_ERROR, SR_ERROR_VERSION_CONFLICT));
  ck_assert_str_eq (back->message, "vehicle 12 changed");
  ck_assert_str_eq (sr_error_get_field (back), "version");

  extra = sr_error_get_extra (back);
  ck_assert_ptr_nonnull (extra);
  /* reason and field are not extras: they have their own accessors. */
  ck_assert (!json_object_has_member (extra, "reason"));
  ck_assert (!json_object_has_member (extra, "field"));
  ck_assert_int_eq (json_object_get_size (extra), 2);
  member = json_object_get_member (extra, "retry_after_s");
  ck_assert_ptr_nonnull (member);
  ck_assert_int_eq (json_node_get_int (member), 42);
  member = json_object_get_member (extra, "current");
  ck_assert_ptr_nonnull (member);
  ck_assert (JSON_NODE_HOLDS_OBJECT (member));
  ck_assert (json_object_equal (json_node_get_object (member), current));
}
END_TEST

START_TEST (test_json_ref)
{
  g_autoptr(GError) error = sr_error_new (SR_ERROR_INTERNAL_ERROR, NULL, "internal error");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) back = NULL;
  JsonObject *data;

  sr_error_set_extra_member (error, "ref", json_node_init_string (json_node_alloc (), "f00d-42"));
  ck_assert_str_eq (sr_error_get_ref (error), "f00d-42");

  node = sr_error_to_json (error);
  check_wire (json_node_get_object (node), -32603, "internal_error", "internal error");
  data = json_object_get_object_member (json_node_get_object (node), "data");
  ck_assert_str_eq (json_object_get_string_member (data, "ref"), "f00d-42");

  back = sr_error_from_json (json_node_get_object (node));
  ck_assert (g_error_matches (back, SR_ERROR, SR_ERROR_INTERNAL_ERROR));
  ck_assert_str_eq (sr_error_get_ref (back), "f00d-42");
}
END_TEST

START_TEST (test_json_rate_limited)
{
  g_autoptr(JsonObject) wire = parse_object ("{\"code\":-32029,\"message\":\"slow down\","
                                             "\"data\":{\"reason\":\"rate_limited\","
                                             "\"retry_after_s\":900}}");
  g_autoptr(GError) error = sr_error_from_json (wire);
  JsonObject *extra;

  ck_assert (g_error_matches (error, SR_ERROR, SR_ERROR_RATE_LIMITED));
  ck_assert_str_eq (error->message, "slow down");
  extra = sr_error_get_extra (error);
  ck_assert_ptr_nonnull (extra);
  ck_assert_int_eq (json_object_get_int_member (extra, "retry_after_s"), 900);
}
END_TEST

START_TEST (test_json_from_unknown_reason)
{
  g_autoptr(JsonObject) wire = parse_object ("{\"code\":-32003,\"message\":\"no\","
                                             "\"data\":{\"reason\":\"new_rule\"}}");
  g_autoptr(JsonObject) bare = parse_object ("{\"code\":-32004,\"message\":\"gone\"}");
  g_autoptr(GError) error = sr_error_from_json (wire);
  g_autoptr(GError) bare_error = sr_error_from_json (bare);

  ck_assert (error->domain == SR_ERROR);
  ck_assert_int_eq (sr_error_rpc_code (error->code), -32003);
  ck_assert (g_error_matches (bare_error, SR_ERROR, SR_ERROR_NOT_FOUND));
  ck_assert_str_eq (bare_error->message, "gone");
}
END_TEST

/* A peer may send anything: members of the wrong type must not trip a GLib check
 * (criticals are fatal in the test run) and must still give an SR_ERROR. */
static const char *const ill_typed[] = {
  "{\"code\":-32602,\"message\":5,\"data\":{\"reason\":\"invalid_params\"}}",
  "{\"code\":-32602,\"message\":{\"text\":\"m\"}}",
  "{\"code\":-32602,\"message\":\"m\",\"data\":{\"reason\":5,\"field\":7}}",
  "{\"code\":-32602,\"message\":\"m\",\"data\":[1,2]}",
  "{\"code\":\"x\",\"message\":\"m\"}",
  "{\"code\":{},\"message\":\"m\"}",
  "{\"code\":-32602,\"message\":\"m\",\"data\":{\"reason\":{}}}",
  "{}",
};

START_TEST (test_json_from_ill_typed)
{
  g_autoptr(JsonObject) wire = parse_object (ill_typed[_i]);
  g_autoptr(GError) error = sr_error_from_json (wire);

  ck_assert_msg (error != NULL, "no GError for %s", ill_typed[_i]);
  ck_assert_msg (error->domain == SR_ERROR, "not SR_ERROR for %s", ill_typed[_i]);
  ck_assert_ptr_nonnull (error->message);
  /* An answer from the server is never "the connection is gone". */
  ck_assert_msg (error->code != SR_ERROR_CONNECTION, "%s became SR_ERROR_CONNECTION",
                 ill_typed[_i]);
}
END_TEST

/* Faults */

START_TEST (test_foreign_error_hidden)
{
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                         "ERROR: syntax error at SELECT * FROM users "
                                         "WHERE id = 1 (/srv/showroom/server/sr-auth.c:42)");
  g_autoptr(JsonNode) node = sr_error_to_json (error);
  g_autoptr(GError) back = NULL;
  g_autofree char *text = sr_json_to_string (node, NULL);
  JsonObject *data;

  ck_assert_int_eq (json_object_get_int_member (json_node_get_object (node), "code"), -32603);
  data = json_object_get_object_member (json_node_get_object (node), "data");
  ck_assert_str_eq (json_object_get_string_member (data, "reason"), "internal_error");
  ck_assert_ptr_null (strstr (text, "SELECT"));
  ck_assert_ptr_null (strstr (text, "users"));
  ck_assert_ptr_null (strstr (text, "sr-auth.c"));
  ck_assert_ptr_null (strstr (text, "/srv"));
  ck_assert (!json_object_has_member (data, "field"));

  back = sr_error_from_json (json_node_get_object (node));
  ck_assert (g_error_matches (back, SR_ERROR, SR_ERROR_INTERNAL_ERROR));
}
END_TEST

START_TEST (test_connection_error_hidden)
{
  /* SR_ERROR_CONNECTION is client-side only and has no wire code of its own. */
  g_autoptr(GError) error = sr_error_new (SR_ERROR_CONNECTION, NULL,
                                          "could not connect to 10.0.0.7:7460");
  g_autoptr(JsonNode) node = sr_error_to_json (error);
  g_autofree char *text = sr_json_to_string (node, NULL);

  ck_assert_int_eq (json_object_get_int_member (json_node_get_object (node), "code"), -32603);
  ck_assert_ptr_null (strstr (text, "10.0.0.7"));
}
END_TEST

static Suite *
error_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("table");
  tcase_add_test (tc, test_table_complete);
  tcase_add_test (tc, test_table_codes);
  tcase_add_test (tc, test_table_reasons);
  tcase_add_test (tc, test_table_constants);
  suite_add_tcase (s, tc);

  tc = tcase_create ("reason");
  tcase_add_test (tc, test_reason_round_trip);
  tcase_add_test (tc, test_reason_from_table);
  tcase_add_test (tc, test_reason_unknown);
  suite_add_tcase (s, tc);

  tc = tcase_create ("gerror");
  tcase_add_test (tc, test_new_field);
  tcase_add_test (tc, test_set_error);
  suite_add_tcase (s, tc);

  tc = tcase_create ("json");
  tcase_add_test (tc, test_json_every_value);
  tcase_add_test (tc, test_json_field_extra);
  tcase_add_test (tc, test_json_ref);
  tcase_add_test (tc, test_json_rate_limited);
  tcase_add_test (tc, test_json_from_unknown_reason);
  tcase_add_loop_test (tc, test_json_from_ill_typed, 0, G_N_ELEMENTS (ill_typed));
  suite_add_tcase (s, tc);

  tc = tcase_create ("faults");
  tcase_add_test (tc, test_foreign_error_hidden);
  tcase_add_test (tc, test_connection_error_hidden);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (error_suite ());
  int failures;

  srunner_run_all (runner, CK_NORMAL);
  failures = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failures == 0 ? 0 : 1;
}
