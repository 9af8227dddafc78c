/* test-admin.c: users.* and branches.* against a real showroomd: the role table of
 * PROTOCOL.md section 4, what each call accepts and refuses, hostile input, paging, and
 * what the database itself lets the server's role do. */
#define G_LOG_DOMAIN "test-admin"

#include "config.h"

#include <check.h>
#include <string.h>

#include "sr-error.h"
#include "sr-rpc.h"
#include "sr-test-server.h"

#define NEW_PASSWORD "long-enough-pw"

static char *dbname;
static char *conninfo;
static SrTestServer *server;

static void
setup (void)
{
  sr_test_fixture_start (&dbname, &conninfo, &server);
}

static void
setup_domains (void)
{
  dbname = sr_test_new_database (&conninfo);
  server = sr_test_server_start (conninfo, "--no-tls",
                                 "--allowed-email-domains", "mumbai.test,pune.test", NULL);
}

static void
teardown (void)
{
  /* showroomd logs "listening on" before its SIGTERM handler is in place; an answer
   * from it means its main loop runs, so the stop below is the graceful one. */
  {
    g_autoptr(SrConnection) connection = sr_test_connect (server);
    g_autoptr(JsonNode) pong = sr_test_call (connection, "ping", NULL, NULL);

    ck_assert_ptr_nonnull (pong);
  }
  sr_test_fixture_stop (&dbname, &conninfo, &server);
}

/* --- helpers ------------------------------------------------------------------------ */

static gint64
count_rows (const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return sr_test_query_int (dbname, sql);
}

/* Emails here are the tests' own literals, never server output. */
static gint64
user_id (const char *email)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM users WHERE email = '%s'", email);

  return sr_test_query_int (dbname, sql);
}

static gint64
count_email (const char *email)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM users WHERE email = '%s'",
                                          email);

  return sr_test_query_int (dbname, sql);
}

/* Params built with json-glib, so any string goes through escaped exactly. */
static JsonNode *
call_object (SrConnection  *connection,
             const char    *method,
             JsonObject    *params,
             GError       **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), params);
  g_autofree char *text = sr_json_to_string (node, NULL);

  return sr_test_call (connection, method, text, error);
}

static void
assert_field (const GError *error,
              const char   *field)
{
  const char *got = sr_error_get_field (error);

  ck_assert_msg (g_strcmp0 (got, field) == 0, "data.field is %s, expected %s (%s)",
                 got ? got : "(none)", field ? field : "(none)", error->message);
}

/* The call fails with @reason and, when @field is given, names it in data.field. */
static void
expect_failure (SrConnection *connection,
                const char   *method,
                const char   *params,
                const char   *reason,
                const char   *field)
{
  g_autoptr(GError) error = sr_test_call_fails (connection, method, params, reason);

  if (field != NULL)
    assert_field (error, field);
}

static void
expect_object_failure (SrConnection *connection,
                       const char   *method,
                       JsonObject   *params,
                       const char   *reason,
                       const char   *field)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), params);
  g_autofree char *text = sr_json_to_string (node, NULL);

  expect_failure (connection, method, text, reason, field);
}

static JsonObject *
user_params (const char *email,
             const char *name,
             const char *role,
             gint64      branch_id,
             const char *password)
{
  JsonObject *params = json_object_new ();

  if (email != NULL)
    json_object_set_string_member (params, "email", email);
  if (name != NULL)
    json_object_set_string_member (params, "name", name);
  if (role != NULL)
    json_object_set_string_member (params, "role", role);
  if (branch_id != 0)
    json_object_set_int_member (params, "branch_id", branch_id);
  if (password != NULL)
    json_object_set_string_member (params, "password", password);

  return params;
}

static JsonNode *
create_user (SrConnection *connection,
             const char   *email,
             const char   *name,
             const char   *role,
             gint64        branch_id)
{
  g_autoptr(JsonObject) params = user_params (email, name, role, branch_id, NEW_PASSWORD);
  g_autoptr(GError) error = NULL;
  JsonNode *result = call_object (connection, "users.create", params, &error);

  ck_assert_msg (result != NULL, "users.create %s failed: %s", email,
                 error ? error->message : "?");
  return result;
}

static JsonArray *
items_of (JsonNode *page)
{
  ck_assert (JSON_NODE_HOLDS_OBJECT (page));
  ck_assert_msg (json_object_has_member (json_node_get_object (page), "items"), "no items");
  return json_object_get_array_member (json_node_get_object (page), "items");
}

/* The object with this id in a list page, or NULL. */
static JsonObject *
find_item (JsonNode *page,
           gint64    id)
{
  JsonArray *items = items_of (page);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (json_object_get_int_member (item, "id") == id)
        return item;
    }

  return NULL;
}

static void
assert_members (JsonNode          *node,
                const char *const *names)
{
  JsonObject *object;

  ck_assert (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);
  for (guint i = 0; names[i] != NULL; i++)
    ck_assert_msg (json_object_has_member (object, names[i]), "no member %s", names[i]);
  ck_assert_uint_eq (json_object_get_size (object), g_strv_length ((char **) names));
}

/* Walks a list method with a small page, checking that every row of @table comes out
 * exactly once, in id order, and that the last page says so with next: null. */
static void
walk_pages (SrConnection *connection,
            const char   *method,
            const char   *table)
{
  g_autofree char *after = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *sql = NULL;
  g_autofree char *expected = NULL;
  GString *got = g_string_new (NULL);
  gboolean last = FALSE;
  guint pages = 0;

  while (!last)
    {
      g_autoptr(JsonNode) page = NULL;
      g_autofree char *params = NULL;
      JsonArray *items;
      JsonNode *next;

      params = after ? g_strdup_printf ("{\"limit\":2,\"after\":\"%s\"}", after)
                     : g_strdup ("{\"limit\":2}");
      page = sr_test_call_ok (connection, method, params);
      items = items_of (page);
      ck_assert_uint_le (json_array_get_length (items), 2);

      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          gint64 id = json_object_get_int_member (json_array_get_object_element (items, i), "id");

          if (seen->len > 0)
            ck_assert_msg (id > g_array_index (seen, gint64, seen->len - 1),
                           "%s: id %" G_GINT64_FORMAT " out of order or repeated", method, id);
          g_array_append_val (seen, id);
          g_string_append_printf (got, "%s%" G_GINT64_FORMAT, got->len ? "," : "", id);
        }

      ck_assert_msg (json_object_has_member (json_node_get_object (page), "next"),
                     "%s page without next", method);
      next = json_object_get_member (json_node_get_object (page), "next");
      if (JSON_NODE_HOLDS_NULL (next))
        last = TRUE;
      else
        {
          ck_assert_msg (json_node_get_value_type (next) == G_TYPE_STRING, "next is not a string");
          ck_assert_msg (json_array_get_length (items) == 2, "a short page with a next cursor");
          g_free (after);
          after = g_strdup (json_node_get_string (next));
        }
      ck_assert_uint_lt (++pages, 100);
    }

  sql = g_strdup_printf ("SELECT string_agg(id::text, ',' ORDER BY id) FROM %s", table);
  expected = sr_test_query (dbname, sql);
  ck_assert_str_eq (got->str, expected);
  g_string_free (got, TRUE);
}

/* --- raw requests, for what json-glib on the client side would change --------------- */

static JsonObject *
raw_call (GSocketConnection *raw,
          const char        *method,
          const char        *params)
{
  static gint64 next_id = 1;
  gint64 id = next_id++;
  g_autofree char *text = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT
                                           ",\"method\":\"%s\",\"params\":%s}",
                                           id, method, params);
  JsonObject *reply;

  sr_test_raw_send_frame (raw, text);
  reply = sr_test_raw_read (raw);
  ck_assert_msg (reply != NULL, "the server closed the connection after %s", text);
  ck_assert_int_eq (json_object_get_int_member (reply, "id"), id);

  return reply;
}

static GSocketConnection *
raw_signed_in (const char *email)
{
  GSocketConnection *raw = sr_test_raw_connect (server);
  g_autoptr(JsonObject) hello = NULL;
  g_autoptr(JsonObject) login = NULL;
  g_autofree char *params = NULL;

  hello = raw_call (raw, "hello", "{\"protocol\":1}");
  ck_assert (json_object_has_member (hello, "result"));
  params = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"%s\"}", email, SR_TEST_PASSWORD);
  login = raw_call (raw, "auth.login", params);
  ck_assert_msg (json_object_has_member (login, "result"), "raw login as %s failed", email);

  return raw;
}

static void
expect_raw_invalid (GSocketConnection *raw,
                    const char        *method,
                    const char        *params,
                    const char        *field)
{
  g_autoptr(JsonObject) reply = raw_call (raw, method, params);

  ck_assert_msg (sr_test_error_code (reply) == -32602, "%s %s: code %" G_GINT64_FORMAT
                 " (expected -32602)", method, params, sr_test_error_code (reply));
  ck_assert_msg (g_strcmp0 (sr_test_error_reason (reply), "invalid_params") == 0,
                 "%s %s: reason %s", method, params, sr_test_error_reason (reply));
  ck_assert_msg (g_strcmp0 (sr_test_error_field (reply), field) == 0,
                 "%s %s: field %s, expected %s", method, params,
                 sr_test_error_field (reply), field);
}

/* --- roles -------------------------------------------------------------------------- */

static const char *const role_emails[] = {
  "sales@mumbai.test", "manager@mumbai.test", "admin@mumbai.test"
};

START_TEST (test_role_table)
{
  const char *email = role_emails[_i];
  gboolean admin = g_str_has_prefix (email, "admin@");
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, email);
  g_autofree char *new_email = g_strdup_printf ("made-by-%d@mumbai.test", _i);
  g_autofree char *branch_name = g_strdup_printf ("Nashik %d", _i);
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) branches = NULL;
  gint64 target = user_id ("sales@pune.test");

  /* users.list */
  if (admin)
    {
      g_autoptr(JsonNode) page = sr_test_call_ok (connection, "users.list", NULL);

      ck_assert_uint_eq (json_array_get_length (items_of (page)), 6);
    }
  else
    expect_failure (connection, "users.list", NULL, "forbidden", NULL);

  /* users.create: a refused one leaves no row behind. */
  params = g_strdup_printf ("{\"email\":\"%s\",\"name\":\"Made\",\"role\":\"sales\","
                            "\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}", new_email);
  if (admin)
    {
      g_autoptr(JsonNode) user = sr_test_call_ok (connection, "users.create", params);

      ck_assert_str_eq (sr_test_get_string (user, "email"), new_email);
      ck_assert_int_eq (count_email (new_email), 1);
    }
  else
    {
      expect_failure (connection, "users.create", params, "forbidden", NULL);
      ck_assert_int_eq (count_email (new_email), 0);
    }
  g_clear_pointer (&params, g_free);

  /* users.update: a refused one changes nothing. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"name\":\"Renamed\"}}",
                            target);
  if (admin)
    {
      g_autoptr(JsonNode) user = sr_test_call_ok (connection, "users.update", params);

      ck_assert_str_eq (sr_test_get_string (user, "name"), "Renamed");
    }
  else
    {
      g_autofree char *name = NULL;

      expect_failure (connection, "users.update", params, "forbidden", NULL);
      name = sr_test_query (dbname, "SELECT name FROM users WHERE email = 'sales@pune.test'");
      ck_assert_str_eq (name, "Pune Sales");
    }
  g_clear_pointer (&params, g_free);

  /* branches.list: every role. */
  branches = sr_test_call_ok (connection, "branches.list", NULL);
  ck_assert_uint_eq (json_array_get_length (items_of (branches)), 2);
  ck_assert_str_eq (json_object_get_string_member (find_item (branches, 1), "name"), "Mumbai");

  /* branches.create */
  params = g_strdup_printf ("{\"name\":\"%s\",\"city\":\"Nashik\"}", branch_name);
  if (admin)
    {
      g_autoptr(JsonNode) branch = sr_test_call_ok (connection, "branches.create", params);

      ck_assert_str_eq (sr_test_get_string (branch, "name"), branch_name);
      ck_assert_int_eq (count_rows ("branches"), 3);
    }
  else
    {
      expect_failure (connection, "branches.create", params, "forbidden", NULL);
      ck_assert_int_eq (count_rows ("branches"), 2);
    }
}
END_TEST

START_TEST (test_pune_admin_sees_every_user)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@pune.test");
  g_autoptr(JsonNode) page = sr_test_call_ok (connection, "users.list", NULL);

  /* Administration is not branch-scoped: the admin of Pune manages Mumbai's users too. */
  ck_assert_uint_eq (json_array_get_length (items_of (page)), 6);
  ck_assert_ptr_nonnull (find_item (page, user_id ("admin@mumbai.test")));
}
END_TEST

START_TEST (test_without_session)
{
  static const struct {
    const char *method;
    const char *params;
  } calls[] = {
    { "users.list", NULL },
    { "users.create", "{\"email\":\"anon@mumbai.test\",\"name\":\"Anon\",\"role\":\"admin\","
                      "\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}" },
    { "users.update", "{\"id\":1,\"changes\":{\"name\":\"Owned\"}}" },
    { "branches.list", NULL },
    { "branches.create", "{\"name\":\"Anon branch\",\"city\":\"\"}" },
    { "auth.logout", NULL },
    { "auth.change_password", "{\"old\":\"" SR_TEST_PASSWORD "\",\"new\":\"" NEW_PASSWORD "\"}" },
  };
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autofree char *name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    expect_failure (connection, calls[i].method, calls[i].params, "unauthenticated", NULL);

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);
  name = sr_test_query (dbname, "SELECT name FROM users WHERE id = 1");
  ck_assert_str_eq (name, "Mumbai Admin");
}
END_TEST

/* --- users -------------------------------------------------------------------------- */

START_TEST (test_create_user)
{
  static const char *const members[] = {
    "id", "email", "name", "role", "branch_id", "active", NULL
  };
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonObject) params = user_params ("  New.Person@Mumbai.TEST ", "New Person",
                                              "manager", 2, NEW_PASSWORD);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) user = call_object (connection, "users.create", params, &error);
  g_autoptr(JsonNode) page = NULL;
  JsonObjectIter iter;
  const char *member;
  JsonObject *listed;

  ck_assert_msg (user != NULL, "users.create failed: %s", error ? error->message : "?");
  assert_members (user, members);
  json_object_iter_init (&iter, json_node_get_object (user));
  while (json_object_iter_next (&iter, &member, NULL))
    ck_assert_msg (strstr (member, "pass") == NULL && strstr (member, "hash") == NULL,
                   "users.create returns %s", member);

  ck_assert_str_eq (sr_test_get_string (user, "email"), "new.person@mumbai.test");
  ck_assert_str_eq (sr_test_get_string (user, "name"), "New Person");
  ck_assert_str_eq (sr_test_get_string (user, "role"), "manager");
  ck_assert_int_eq (sr_test_get_int (user, "branch_id"), 2);
  ck_assert (json_object_get_boolean_member (json_node_get_object (user), "active"));
  ck_assert_int_eq (sr_test_get_int (user, "id"), user_id ("new.person@mumbai.test"));

  /* users.list shows the same record, and no secret either. */
  page = sr_test_call_ok (connection, "users.list", NULL);
  listed = find_item (page, sr_test_get_int (user, "id"));
  ck_assert_ptr_nonnull (listed);
  ck_assert_str_eq (json_object_get_string_member (listed, "email"), "new.person@mumbai.test");
  ck_assert (!json_object_has_member (listed, "password"));
  ck_assert (!json_object_has_member (listed, "password_hash"));
}
END_TEST

START_TEST (test_create_duplicate_email)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");

  expect_failure (connection, "users.create",
                  "{\"email\":\"Sales@Mumbai.Test\",\"name\":\"Twin\",\"role\":\"sales\","
                  "\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}",
                  "duplicate_email", "email");
  ck_assert_int_eq (count_email ("sales@mumbai.test"), 1);
  ck_assert_int_eq (count_rows ("users"), 6);
}
END_TEST

START_TEST (test_create_missing_fields)
{
  static const char *const fields[] = { "email", "name", "role", "branch_id", "password" };
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr(JsonObject) params = user_params ("missing@mumbai.test", "Missing", "sales", 1,
                                                  NEW_PASSWORD);

      json_object_remove_member (params, fields[i]);
      expect_object_failure (connection, "users.create", params, "invalid_params", fields[i]);

      /* null is as good as missing */
      json_object_set_null_member (params, fields[i]);
      expect_object_failure (connection, "users.create", params, "invalid_params", fields[i]);
    }

  ck_assert_int_eq (count_rows ("users"), 6);
}
END_TEST

START_TEST (test_create_bad_values)
{
  g_autoptr(SrConnection) connection = sr_test_connect_as (server, "admin@mumbai.test");

  {
    g_autoptr(JsonObject) params = user_params ("owner@mumbai.test", "Owner", "owner", 1,
                                                NEW_PASSWORD);
    expect_object_failure (connection, "users.create", params, "invalid_params", "role");
  }
  {
    g_autoptr(JsonObject) params = user_params ("nobranch@mumbai.test", "No Branch", "sales",
                                                9999, NEW_PASSWORD);
    expect_object_failure (connection, "users.create", params, "invalid_params", "branch_id");
  }
  {
    g_autoptr(JsonObject) params = user_params ("weak@mumbai.test", "Weak", "sales", 1,
                                                "123456789");
    expect_object_failure (connection, "users.create", params, "weak_password", "password");
  }
  {
    g_autoptr(JsonObject) params = user_params ("not-an-address", "Bad", "sales", 1,
                                                NEW_PASSWORD);
    expect_object_failure (connection, "users.create", params, "invalid_params", "email");
  }
  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);

  /* Ten characters is enough. */
  {
    g_autoptr(JsonObject) params = user_params ("ten@mumbai.test", "Ten", "sales", 1,
                                                "1234567890");
    g_autoptr(JsonNode) user = call_object (connection, "users.create", params, NULL);

    ck_assert_ptr_nonnull (user);
  }
  ck_assert_int_eq (count_rows ("users"), 7);
}
END_TEST

START_TEST (test_new_user_logs_in)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  g_autoptr(JsonNode) user = create_user (admin, "Fresh@Pune.test", "Fresh Face", "sales", 2);
  g_autoptr(JsonNode) login = NULL;
  g_autoptr(JsonNode) branches = NULL;
  g_autoptr(GError) error = NULL;

  /* Wrong password first: the account exists but the password decides. */
  expect_failure (connection, "auth.login",
                  "{\"email\":\"fresh@pune.test\",\"password\":\"not-the-password\"}",
                  "bad_credentials", NULL);

  login = sr_test_call (connection, "auth.login",
                        "{\"email\":\"fresh@pune.test\",\"password\":\"" NEW_PASSWORD "\"}",
                        &error);
  ck_assert_msg (login != NULL, "the new user cannot log in: %s", error ? error->message : "?");
  ck_assert_int_eq (sr_test_get_int (login, "user.id"), sr_test_get_int (user, "id"));
  ck_assert_str_eq (sr_test_get_string (login, "user.role"), "sales");
  ck_assert_int_eq (sr_test_get_int (login, "user.branch_id"), 2);

  /* Signed in for real: a session-only call works, an admin one does not. */
  branches = sr_test_call_ok (connection, "branches.list", NULL);
  ck_assert_uint_eq (json_array_get_length (items_of (branches)), 2);
  expect_failure (connection, "users.list", NULL, "forbidden", NULL);
}
END_TEST

START_TEST (test_update_user)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) target = sr_test_connect_as (server, "sales@pune.test");
  gint64 id = user_id ("sales@pune.test");
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) renamed = NULL;
  g_autoptr(JsonNode) promoted = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) disabled = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) as_admin = NULL;
  JsonObject *listed;

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"name\":\"Sneha P.\"}}", id);
  renamed = sr_test_call_ok (admin, "users.update", params);
  ck_assert_str_eq (sr_test_get_string (renamed, "name"), "Sneha P.");
  ck_assert_str_eq (sr_test_get_string (renamed, "role"), "sales");
  ck_assert_str_eq (sr_test_get_string (renamed, "email"), "sales@pune.test");
  g_clear_pointer (&params, g_free);

  /* The user's open session is still forbidden users.list until promoted... */
  expect_failure (target, "users.list", NULL, "forbidden", NULL);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"role\":\"admin\"}}", id);
  promoted = sr_test_call_ok (admin, "users.update", params);
  ck_assert_str_eq (sr_test_get_string (promoted, "role"), "admin");
  ck_assert_str_eq (sr_test_get_string (promoted, "name"), "Sneha P.");
  g_clear_pointer (&params, g_free);
  /* ...and the promotion holds on that session at once. */
  as_admin = sr_test_call_ok (target, "users.list", NULL);
  ck_assert_uint_eq (json_array_get_length (items_of (as_admin)), 6);

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"branch_id\":1}}", id);
  moved = sr_test_call_ok (admin, "users.update", params);
  ck_assert_int_eq (sr_test_get_int (moved, "branch_id"), 1);
  g_clear_pointer (&params, g_free);

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"active\":false}}", id);
  disabled = sr_test_call_ok (admin, "users.update", params);
  ck_assert (!json_object_get_boolean_member (json_node_get_object (disabled), "active"));
  g_clear_pointer (&params, g_free);

  /* All four changes are what users.list shows. */
  page = sr_test_call_ok (admin, "users.list", NULL);
  listed = find_item (page, id);
  ck_assert_ptr_nonnull (listed);
  ck_assert_str_eq (json_object_get_string_member (listed, "name"), "Sneha P.");
  ck_assert_str_eq (json_object_get_string_member (listed, "role"), "admin");
  ck_assert_int_eq (json_object_get_int_member (listed, "branch_id"), 1);
  ck_assert (!json_object_get_boolean_member (listed, "active"));

  /* A deactivated user cannot sign in. */
  {
    g_autoptr(SrConnection) again = sr_test_connect (server);

    expect_failure (again, "auth.login",
                    "{\"email\":\"sales@pune.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                    "bad_credentials", NULL);
  }
}
END_TEST

START_TEST (test_update_password)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(SrConnection) connection = sr_test_connect (server);
  gint64 id = user_id ("manager@pune.test");
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) login = NULL;

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"password\":\"short\"}}",
                            id);
  expect_failure (admin, "users.update", params, "weak_password", "changes.password");
  g_clear_pointer (&params, g_free);

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"password\":\""
                            NEW_PASSWORD "\"}}", id);
  updated = sr_test_call_ok (admin, "users.update", params);
  ck_assert (!json_object_has_member (json_node_get_object (updated), "password"));

  expect_failure (connection, "auth.login",
                  "{\"email\":\"manager@pune.test\",\"password\":\"" SR_TEST_PASSWORD "\"}",
                  "bad_credentials", NULL);
  login = sr_test_call_ok (connection, "auth.login",
                           "{\"email\":\"manager@pune.test\",\"password\":\"" NEW_PASSWORD "\"}");
  ck_assert_int_eq (sr_test_get_int (login, "user.id"), id);
}
END_TEST

START_TEST (test_update_refusals)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  gint64 self_id = user_id ("admin@mumbai.test");
  gint64 other = user_id ("sales@mumbai.test");
  g_autofree char *params = NULL;
  g_autofree char *email = NULL;
  g_autofree char *state = NULL;

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"name\":\"Still Fine\","
                            "\"email\":\"stolen@mumbai.test\"}}", other);
  expect_failure (admin, "users.update", params, "invalid_params", "changes.email");
  g_clear_pointer (&params, g_free);
  email = sr_test_query (dbname, "SELECT email || '/' || name FROM users WHERE email = 'sales@mumbai.test'");
  ck_assert_str_eq (email, "sales@mumbai.test/Mumbai Sales");

  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{}}", other);
  expect_failure (admin, "users.update", params, "invalid_params", "changes");
  g_clear_pointer (&params, g_free);

  expect_failure (admin, "users.update", "{\"id\":999999,\"changes\":{\"name\":\"Ghost\"}}",
                  "not_found", NULL);

  /* An admin cannot lock themselves out. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"active\":false}}",
                            self_id);
  expect_failure (admin, "users.update", params, "forbidden", "changes");
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"role\":\"manager\"}}",
                            self_id);
  expect_failure (admin, "users.update", params, "forbidden", "changes");
  g_clear_pointer (&params, g_free);

  state = sr_test_query (dbname, "SELECT role || '/' || active FROM users WHERE email = 'admin@mumbai.test'");
  ck_assert_str_eq (state, "admin/true");
  /* ...and is still an admin on this very session. */
  {
    g_autoptr(JsonNode) page = sr_test_call_ok (admin, "users.list", NULL);

    ck_assert_uint_eq (json_array_get_length (items_of (page)), 6);
  }

  /* Renaming oneself is fine. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"name\":\"Boss\","
                            "\"role\":\"admin\",\"active\":true}}", self_id);
  {
    g_autoptr(JsonNode) user = sr_test_call_ok (admin, "users.update", params);

    ck_assert_str_eq (sr_test_get_string (user, "name"), "Boss");
  }
}
END_TEST

/* docs/protocol.md section 7: a bad member of changes is named "changes.<member>". */
START_TEST (test_update_changes_fields)
{
  static const struct {
    const char *changes;
    const char *reason;
    const char *field;
  } cases[] = {
    { "{\"name\":\"   \"}", "invalid_params", "changes.name" },
    { "{\"name\":42}", "invalid_params", "changes.name" },
    { "{\"role\":\"owner\"}", "invalid_params", "changes.role" },
    { "{\"branch_id\":\"1\"}", "invalid_params", "changes.branch_id" },
    { "{\"branch_id\":0}", "invalid_params", "changes.branch_id" },
    { "{\"active\":\"yes\"}", "invalid_params", "changes.active" },
    { "{\"password\":\"short\"}", "weak_password", "changes.password" },
    { "{\"password\":12345678901}", "invalid_params", "changes.password" },
  };
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autofree char *long_password = g_strnfill (1025, 'p');
  g_autofree char *state = NULL;
  g_autoptr(GString) wrong = g_string_new (NULL);

  /* Every case is tried before failing, so the message lists all the wrong fields. */
  for (guint i = 0; i <= G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *params = NULL;
      g_autoptr(GError) error = NULL;
      const char *field = i < G_N_ELEMENTS (cases) ? cases[i].field : "changes.password";
      const char *got;

      /* The last case: passwords are at most 1024 bytes. */
      if (i < G_N_ELEMENTS (cases))
        params = g_strdup_printf ("{\"id\":3,\"changes\":%s}", cases[i].changes);
      else
        params = g_strdup_printf ("{\"id\":3,\"changes\":{\"password\":\"%s\"}}",
                                  long_password);
      error = sr_test_call_fails (admin, "users.update", params,
                                  i < G_N_ELEMENTS (cases) ? cases[i].reason : "invalid_params");
      got = sr_error_get_field (error);
      if (g_strcmp0 (got, field) != 0)
        g_string_append_printf (wrong, "\n  %.60s: field %s, expected %s", params,
                                got ? got : "(none)", field);
    }
  ck_assert_msg (wrong->len == 0, "users.update names bad members of changes wrongly:%s",
                 wrong->str);

  state = sr_test_query (dbname, "SELECT name || '/' || role || '/' || branch_id || '/' || active"
                         " FROM users WHERE id = 3");
  ck_assert_str_eq (state, "Mumbai Sales/sales/1/true");
}
END_TEST

START_TEST (test_users_paging)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) a G_GNUC_UNUSED = create_user (admin, "page-a@mumbai.test", "Page A", "sales", 1);
  g_autoptr(JsonNode) b G_GNUC_UNUSED = create_user (admin, "page-b@pune.test", "Page B", "manager", 2);
  g_autoptr(JsonNode) c G_GNUC_UNUSED = create_user (admin, "page-c@pune.test", "Page C", "sales", 2);

  /* Nine users: four full pages of two and one of one. */
  ck_assert_int_eq (count_rows ("users"), 9);
  walk_pages (admin, "users.list", "users");
}
END_TEST

/* --- e-mail domains ----------------------------------------------------------------- */

START_TEST (test_domain_refused)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonObject) params = user_params ("x@gmail.com", "Outsider", "sales", 1,
                                              NEW_PASSWORD);

  expect_object_failure (admin, "users.create", params, "email_domain", "email");
  ck_assert_int_eq (count_email ("x@gmail.com"), 0);
  ck_assert_int_eq (count_rows ("users"), 6);

  /* A domain that merely ends like an allowed one is not allowed. */
  {
    g_autoptr(JsonObject) lookalike = user_params ("x@evilpune.test", "Lookalike", "sales", 1,
                                                   NEW_PASSWORD);

    expect_object_failure (admin, "users.create", lookalike, "email_domain", "email");
  }
  ck_assert_int_eq (count_rows ("users"), 6);
}
END_TEST

START_TEST (test_domain_allowed)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) user = create_user (admin, "x@pune.test", "Insider", "sales", 2);

  ck_assert_str_eq (sr_test_get_string (user, "email"), "x@pune.test");
  ck_assert_int_eq (count_email ("x@pune.test"), 1);
}
END_TEST

START_TEST (test_domain_case_insensitive)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) user = create_user (admin, "X@PUNE.TEST", "Shouting", "sales", 2);

  ck_assert_str_eq (sr_test_get_string (user, "email"), "x@pune.test");
  ck_assert_int_eq (count_email ("x@pune.test"), 1);
}
END_TEST

/* --- hostile input ------------------------------------------------------------------ */

static const char *const hostile_names[] = {
  "Robert'); DROP TABLE users;--",
  "<script>alert(1)</script>",
  "名前 🚗",
  "%s%n%x",
  "' OR '1'='1",
};

static void
assert_same_bytes (const char *got,
                   const char *expected)
{
  ck_assert_ptr_nonnull (got);
  ck_assert_msg (strlen (got) == strlen (expected) && memcmp (got, expected, strlen (got)) == 0,
                 "stored \"%s\", sent \"%s\"", got, expected);
}

START_TEST (test_hostile_names_round_trip)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  gint64 user_ids[G_N_ELEMENTS (hostile_names)];
  gint64 branch_ids[G_N_ELEMENTS (hostile_names)];
  g_autoptr(JsonNode) users = NULL;
  g_autoptr(JsonNode) branches = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hostile_names); i++)
    {
      g_autofree char *email = g_strdup_printf ("hostile%u@mumbai.test", i);
      g_autoptr(JsonNode) user = create_user (admin, email, hostile_names[i], "sales", 1);
      g_autoptr(JsonObject) params = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) branch = NULL;

      assert_same_bytes (sr_test_get_string (user, "name"), hostile_names[i]);
      user_ids[i] = sr_test_get_int (user, "id");

      json_object_set_string_member (params, "name", hostile_names[i]);
      json_object_set_string_member (params, "city", hostile_names[i]);
      branch = call_object (admin, "branches.create", params, &error);
      ck_assert_msg (branch != NULL, "branches.create \"%s\" failed: %s", hostile_names[i],
                     error ? error->message : "?");
      assert_same_bytes (sr_test_get_string (branch, "name"), hostile_names[i]);
      assert_same_bytes (sr_test_get_string (branch, "city"), hostile_names[i]);
      branch_ids[i] = sr_test_get_int (branch, "id");
    }

  /* Read back through the lists, not just the create results. */
  users = sr_test_call_ok (admin, "users.list", "{\"limit\":1000}");
  branches = sr_test_call_ok (admin, "branches.list", "{\"limit\":1000}");
  for (guint i = 0; i < G_N_ELEMENTS (hostile_names); i++)
    {
      JsonObject *user = find_item (users, user_ids[i]);
      JsonObject *branch = find_item (branches, branch_ids[i]);

      ck_assert_ptr_nonnull (user);
      ck_assert_ptr_nonnull (branch);
      assert_same_bytes (json_object_get_string_member (user, "name"), hostile_names[i]);
      assert_same_bytes (json_object_get_string_member (branch, "name"), hostile_names[i]);
      assert_same_bytes (json_object_get_string_member (branch, "city"), hostile_names[i]);
    }

  ck_assert_int_eq (count_rows ("users"), 6 + G_N_ELEMENTS (hostile_names));
  ck_assert_int_eq (count_rows ("branches"), 2 + G_N_ELEMENTS (hostile_names));
  ck_assert_uint_eq (json_array_get_length (items_of (users)), 6 + G_N_ELEMENTS (hostile_names));
}
END_TEST

START_TEST (test_huge_name)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  /* 1,000,000 bytes: under the 1 MiB frame limit with the rest of the request, so it is
   * the parameter check that must refuse it. */
  g_autofree char *huge = g_malloc (1000000 + 1);
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) branch = json_object_new ();
  g_autoptr(JsonNode) pong = NULL;

  memset (huge, 'A', 1000000);
  huge[1000000] = '\0';

  user = user_params ("huge@mumbai.test", huge, "sales", 1, NEW_PASSWORD);
  expect_object_failure (admin, "users.create", user, "invalid_params", "name");
  json_object_set_string_member (branch, "name", huge);
  expect_object_failure (admin, "branches.create", branch, "invalid_params", "name");

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);
  /* The connection survives it. */
  pong = sr_test_call_ok (admin, "ping", NULL);
}
END_TEST

START_TEST (test_nul_in_name)
{
  g_autoptr(GSocketConnection) raw = raw_signed_in ("admin@mumbai.test");

  /* Sent as raw JSON text: json-glib on the client would cut the string at the NUL. */
  expect_raw_invalid (raw, "users.create",
                      "{\"email\":\"nul@mumbai.test\",\"name\":\"Nul\\u0000Byte\","
                      "\"role\":\"sales\",\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}", "name");
  expect_raw_invalid (raw, "branches.create", "{\"name\":\"Nul\\u0000Branch\",\"city\":\"\"}",
                      "name");
  expect_raw_invalid (raw, "users.update",
                      "{\"id\":3,\"changes\":{\"name\":\"Nul\\u0000Name\"}}", "changes.name");

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM users WHERE name LIKE 'Nul%'"), 0);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM branches WHERE name LIKE 'Nul%'"), 0);
}
END_TEST

START_TEST (test_blank_name)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonObject) user = user_params ("blank@mumbai.test", "   ", "sales", 1, NEW_PASSWORD);
  g_autofree char *name = NULL;

  expect_object_failure (admin, "users.create", user, "invalid_params", "name");
  expect_failure (admin, "branches.create", "{\"name\":\"   \",\"city\":\"Pune\"}",
                  "invalid_params", "name");
  expect_failure (admin, "branches.create", "{\"name\":\"\",\"city\":\"Pune\"}",
                  "invalid_params", "name");
  /* data.field of members of changes: test_update_changes_fields. */
  expect_failure (admin, "users.update", "{\"id\":3,\"changes\":{\"name\":\" \\t \"}}",
                  "invalid_params", NULL);

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);
  name = sr_test_query (dbname, "SELECT name FROM users WHERE id = 3");
  ck_assert_str_eq (name, "Mumbai Sales");
}
END_TEST

START_TEST (test_ill_typed_params)
{
  static const char *const branch_ids[] = { "\"1\"", "1.5", "true", "[1]", "{}" };
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autofree char *state = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (branch_ids); i++)
    {
      g_autofree char *create = g_strdup_printf ("{\"email\":\"typed%u@mumbai.test\",\"name\":\"Typed\","
                                                 "\"role\":\"sales\",\"branch_id\":%s,"
                                                 "\"password\":\"" NEW_PASSWORD "\"}",
                                                 i, branch_ids[i]);
      g_autofree char *update = g_strdup_printf ("{\"id\":3,\"changes\":{\"branch_id\":%s}}",
                                                 branch_ids[i]);

      expect_failure (admin, "users.create", create, "invalid_params", "branch_id");
      expect_failure (admin, "users.update", update, "invalid_params", NULL);
    }

  expect_failure (admin, "users.update", "{\"id\":3,\"changes\":{\"active\":\"yes\"}}",
                  "invalid_params", NULL);
  expect_failure (admin, "users.update", "{\"id\":3,\"changes\":{\"active\":1}}",
                  "invalid_params", NULL);
  expect_failure (admin, "users.update", "{\"id\":\"3\",\"changes\":{\"name\":\"Typed\"}}",
                  "invalid_params", "id");
  expect_failure (admin, "users.update", "{\"id\":3,\"changes\":[\"name\"]}",
                  "invalid_params", "changes");
  expect_failure (admin, "users.create", "{\"email\":[\"a@mumbai.test\"],\"name\":\"Typed\","
                  "\"role\":\"sales\",\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}",
                  "invalid_params", "email");
  expect_failure (admin, "users.create", "{\"email\":\"typed@mumbai.test\",\"name\":42,"
                  "\"role\":\"sales\",\"branch_id\":1,\"password\":\"" NEW_PASSWORD "\"}",
                  "invalid_params", "name");
  expect_failure (admin, "branches.create", "{\"name\":\"Typed\",\"city\":7}",
                  "invalid_params", "city");

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (count_rows ("branches"), 2);
  state = sr_test_query (dbname, "SELECT name || '/' || branch_id || '/' || active FROM users WHERE id = 3");
  ck_assert_str_eq (state, "Mumbai Sales/1/true");
}
END_TEST

START_TEST (test_huge_integers)
{
  /* Integers no 64-bit type holds, sent as raw text so that nothing on the client side
   * rounds or wraps them first. None may be taken for a small id. */
  static const char *const huge[] = {
    "99999999999999999999",
    "-99999999999999999999",
    "18446744073709551617",
    "-18446744073709551615",
    "9223372036854775808",
  };
  g_autoptr(GSocketConnection) raw = raw_signed_in ("admin@mumbai.test");
  g_autofree char *state = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (huge); i++)
    {
      g_autofree char *create = g_strdup_printf ("{\"email\":\"huge%u@mumbai.test\",\"name\":\"Huge\","
                                                 "\"role\":\"sales\",\"branch_id\":%s,"
                                                 "\"password\":\"" NEW_PASSWORD "\"}",
                                                 i, huge[i]);
      g_autofree char *update = g_strdup_printf ("{\"id\":%s,\"changes\":{\"name\":\"Wrapped\"}}",
                                                 huge[i]);

      expect_raw_invalid (raw, "users.create", create, "branch_id");
      expect_raw_invalid (raw, "users.update", update, "id");
    }

  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM users WHERE name = 'Wrapped'"), 0);
  state = sr_test_query (dbname, "SELECT name FROM users WHERE id = 1");
  ck_assert_str_eq (state, "Mumbai Admin");
}
END_TEST

/* --- branches ----------------------------------------------------------------------- */

START_TEST (test_branch_create)
{
  static const char *const members[] = { "id", "name", "city", NULL };
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) branch = sr_test_call_ok (admin, "branches.create",
                                                "{\"name\":\"Nashik Road\",\"city\":\"Nashik\"}");
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) user = NULL;
  JsonObject *listed;

  assert_members (branch, members);
  ck_assert_str_eq (sr_test_get_string (branch, "name"), "Nashik Road");
  ck_assert_str_eq (sr_test_get_string (branch, "city"), "Nashik");
  ck_assert_int_gt (sr_test_get_int (branch, "id"), 2);

  page = sr_test_call_ok (admin, "branches.list", NULL);
  listed = find_item (page, sr_test_get_int (branch, "id"));
  ck_assert_ptr_nonnull (listed);
  ck_assert_str_eq (json_object_get_string_member (listed, "name"), "Nashik Road");

  /* A new branch can take users at once. */
  user = create_user (admin, "nashik@mumbai.test", "Nashik Sales", "sales",
                      sr_test_get_int (branch, "id"));
  ck_assert_int_eq (sr_test_get_int (user, "branch_id"), sr_test_get_int (branch, "id"));
}
END_TEST

START_TEST (test_branch_city_optional)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) branch = sr_test_call_ok (admin, "branches.create", "{\"name\":\"Thane\"}");
  g_autoptr(JsonNode) page = NULL;
  JsonObject *listed;

  ck_assert_str_eq (sr_test_get_string (branch, "city"), "");
  page = sr_test_call_ok (admin, "branches.list", NULL);
  listed = find_item (page, sr_test_get_int (branch, "id"));
  ck_assert_ptr_nonnull (listed);
  ck_assert_str_eq (json_object_get_string_member (listed, "city"), "");
}
END_TEST

START_TEST (test_branch_duplicate_name)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");

  expect_failure (admin, "branches.create", "{\"name\":\"MUMBAI\",\"city\":\"Mumbai\"}",
                  "duplicate_name", "name");
  expect_failure (admin, "branches.create", "{\"name\":\"pune\"}", "duplicate_name", "name");
  ck_assert_int_eq (count_rows ("branches"), 2);
}
END_TEST

START_TEST (test_branches_paging)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  static const char *const names[] = { "Thane", "Nashik", "Nagpur" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(JsonObject) params = json_object_new ();
      g_autoptr(JsonNode) branch = NULL;

      json_object_set_string_member (params, "name", names[i]);
      branch = call_object (admin, "branches.create", params, NULL);
      ck_assert_ptr_nonnull (branch);
    }

  /* Five branches: two full pages and one of one; a sales user pages the same way. */
  ck_assert_int_eq (count_rows ("branches"), 5);
  walk_pages (admin, "branches.list", "branches");
  {
    g_autoptr(SrConnection) sales = sr_test_connect_as (server, "sales@pune.test");

    walk_pages (sales, "branches.list", "branches");
  }
}
END_TEST

/* --- the database role -------------------------------------------------------------- */

START_TEST (test_app_role_cannot_change_schema)
{
  static const char *const statements[] = {
    "CREATE TABLE intruder (id int)",
    "DROP TABLE users",
    "DELETE FROM users",
    "ALTER TABLE users ADD COLUMN intruder text",
    "ALTER TABLE users DROP CONSTRAINT users_password_hash_check",
    "TRUNCATE users",
  };
  g_autofree char *visible = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *sql = g_strdup_printf ("SET ROLE showroom_app; %s", statements[i]);
      gboolean ok = sr_test_pg_exec (sr_test_cluster (), dbname, sql, &error);

      ck_assert_msg (!ok && error != NULL, "showroom_app may run: %s", statements[i]);
      /* Refused for lack of rights, not for some other reason. */
      ck_assert_msg (strstr (error->message, "permission denied") != NULL ||
                     strstr (error->message, "must be owner") != NULL,
                     "%s failed, but not for lack of rights: %s", statements[i], error->message);
    }

  /* The role itself works: it reads what the server needs. */
  visible = sr_test_query (dbname, "SET ROLE showroom_app; SELECT count(*) FROM users");
  ck_assert_str_eq (visible, "6");
  ck_assert_int_eq (count_rows ("users"), 6);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM pg_tables WHERE tablename = 'intruder'"), 0);
  ck_assert_int_eq (sr_test_query_int (dbname, "SELECT count(*) FROM information_schema.columns"
                                       " WHERE table_name = 'users' AND column_name = 'intruder'"), 0);
}
END_TEST

START_TEST (test_passwords_are_argon2id)
{
  g_autoptr(SrConnection) admin = sr_test_connect_as (server, "admin@mumbai.test");
  g_autoptr(JsonNode) user G_GNUC_UNUSED = create_user (admin, "hashed@pune.test", "Hashed", "sales", 2);
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autofree char *all = NULL;
  g_autofree char *leaked = NULL;

  /* One hash made by users.create, one by users.update, the rest by the seed. */
  params = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"changes\":{\"password\":"
                            "\"another-long-one\"}}", user_id ("manager@pune.test"));
  updated = sr_test_call_ok (admin, "users.update", params);

  ck_assert_int_eq (count_rows ("users"), 7);
  all = sr_test_query (dbname, "SELECT bool_and(password_hash LIKE '$argon2id$%') FROM users");
  ck_assert_str_eq (all, "t");
  /* No hash holds the password it protects. */
  leaked = sr_test_query (dbname, "SELECT count(*) FROM users WHERE password_hash LIKE '%" NEW_PASSWORD "%'"
                          " OR password_hash LIKE '%another-long-one%'");
  ck_assert_str_eq (leaked, "0");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("integration");
  TCase *roles = tcase_create ("roles");
  TCase *users = tcase_create ("users");
  TCase *domains = tcase_create ("email_domains");
  TCase *hostile = tcase_create ("hostile");
  TCase *branches = tcase_create ("branches");
  TCase *database = tcase_create ("database");
  SRunner *runner;
  int failed;

  sr_test_init ();

  tcase_add_checked_fixture (roles, setup, teardown);
  tcase_add_loop_test (roles, test_role_table, 0, G_N_ELEMENTS (role_emails));
  tcase_add_test (roles, test_pune_admin_sees_every_user);
  tcase_add_test (roles, test_without_session);
  suite_add_tcase (suite, roles);

  tcase_add_checked_fixture (users, setup, teardown);
  tcase_add_test (users, test_create_user);
  tcase_add_test (users, test_create_duplicate_email);
  tcase_add_test (users, test_create_missing_fields);
  tcase_add_test (users, test_create_bad_values);
  tcase_add_test (users, test_new_user_logs_in);
  tcase_add_test (users, test_update_user);
  tcase_add_test (users, test_update_password);
  tcase_add_test (users, test_update_refusals);
  tcase_add_test (users, test_update_changes_fields);
  tcase_add_test (users, test_users_paging);
  suite_add_tcase (suite, users);

  tcase_add_checked_fixture (domains, setup_domains, teardown);
  tcase_add_test (domains, test_domain_refused);
  tcase_add_test (domains, test_domain_allowed);
  tcase_add_test (domains, test_domain_case_insensitive);
  suite_add_tcase (suite, domains);

  tcase_add_checked_fixture (hostile, setup, teardown);
  tcase_add_test (hostile, test_hostile_names_round_trip);
  tcase_add_test (hostile, test_huge_name);
  tcase_add_test (hostile, test_nul_in_name);
  tcase_add_test (hostile, test_blank_name);
  tcase_add_test (hostile, test_ill_typed_params);
  tcase_add_test (hostile, test_huge_integers);
  suite_add_tcase (suite, hostile);

  tcase_add_checked_fixture (branches, setup, teardown);
  tcase_add_test (branches, test_branch_create);
  tcase_add_test (branches, test_branch_city_optional);
  tcase_add_test (branches, test_branch_duplicate_name);
  tcase_add_test (branches, test_branches_paging);
  suite_add_tcase (suite, branches);

  tcase_add_checked_fixture (database, setup, teardown);
  tcase_add_test (database, test_app_role_cannot_change_schema);
  tcase_add_test (database, test_passwords_are_argon2id);
  suite_add_tcase (suite, database);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
