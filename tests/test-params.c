/* test-params.c: the request parameter getters of server/sr-params.h: each one against
 * a present, absent, null, ill-typed and out-of-range member, and that every refusal is
 * invalid_params naming the member in data.field. */
#define G_LOG_DOMAIN "test-params"

#include "config.h"

#include <string.h>
#include <check.h>

#include "sr-error.h"
#include "sr-params.h"

static JsonObject *
params_from (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  ck_assert_msg (json_parser_load_from_data (parser, text, -1, &error),
                 "bad test JSON: %s", error ? error->message : "");
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* {"<name>": "<value>"} built with json-glib, for values awkward to write as literals. */
static JsonObject *
params_with_string (const char *name,
                    const char *value)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, name, value);
  return params;
}

static void
assert_invalid (const GError *error,
                const char   *field)
{
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, SR_ERROR, SR_ERROR_INVALID_PARAMS),
                 "not invalid_params: %s", error->message);
  ck_assert_ptr_nonnull (sr_error_get_field (error));
  ck_assert_str_eq (sr_error_get_field (error), field);
}

/* int */

START_TEST (test_int_present)
{
  g_autoptr(JsonObject) params = params_from ("{\"year\":2024,\"min\":-5,\"max\":9223372036854775807}");
  g_autoptr(GError) error = NULL;
  gint64 out = -1;

  ck_assert (sr_param_int (params, "year", TRUE, 1900, 2025, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (out, 2024);

  /* Both ends of the range are inside it. */
  ck_assert (sr_param_int (params, "year", TRUE, 2024, 2024, &out, NULL));
  ck_assert (sr_param_int (params, "min", TRUE, -5, 0, &out, NULL));
  ck_assert_int_eq (out, -5);
  ck_assert (sr_param_int (params, "max", TRUE, 0, G_MAXINT64, &out, NULL));
  ck_assert (out == G_MAXINT64);
}
END_TEST

START_TEST (test_int_absent)
{
  g_autoptr(JsonObject) params = params_from ("{\"other\":1,\"gone\":null}");
  g_autoptr(GError) error = NULL;
  gint64 out = 77;

  /* Optional: untouched, no error. JSON null counts as absent. */
  ck_assert (sr_param_int (params, "limit", FALSE, 1, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (out, 77);
  ck_assert (sr_param_int (params, "gone", FALSE, 1, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (out, 77);

  ck_assert (!sr_param_int (params, "limit", TRUE, 1, 10, &out, &error));
  assert_invalid (error, "limit");
  ck_assert_int_eq (out, 77);
  g_clear_error (&error);

  ck_assert (!sr_param_int (params, "gone", TRUE, 1, 10, &out, &error));
  assert_invalid (error, "gone");
  ck_assert_int_eq (out, 77);
}
END_TEST

START_TEST (test_int_wrong_type)
{
  static const char *const cases[] = {
    "{\"id\":\"12\"}", "{\"id\":12.5}", "{\"id\":12.0}", "{\"id\":true}", "{\"id\":{}}", "{\"id\":[12]}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) params = params_from (cases[i]);
      g_autoptr(GError) error = NULL;
      gint64 out = 77;

      ck_assert_msg (!sr_param_int (params, "id", TRUE, G_MININT64, G_MAXINT64, &out, &error),
                     "accepted %s", cases[i]);
      assert_invalid (error, "id");
      ck_assert_int_eq (out, 77);
    }
}
END_TEST

START_TEST (test_int_out_of_range)
{
  g_autoptr(JsonObject) params = params_from ("{\"low\":1899,\"high\":2026,\"neg\":-1}");
  g_autoptr(GError) error = NULL;
  gint64 out = 77;

  ck_assert (!sr_param_int (params, "low", TRUE, 1900, 2025, &out, &error));
  assert_invalid (error, "low");
  ck_assert_int_eq (out, 77);
  g_clear_error (&error);

  ck_assert (!sr_param_int (params, "high", FALSE, 1900, 2025, &out, &error));
  assert_invalid (error, "high");
  ck_assert_int_eq (out, 77);
  /* The message gives the range. */
  ck_assert_ptr_nonnull (strstr (error->message, "1900"));
  ck_assert_ptr_nonnull (strstr (error->message, "2025"));
  g_clear_error (&error);

  ck_assert (!sr_param_int (params, "neg", TRUE, 0, G_MAXINT64, &out, &error));
  assert_invalid (error, "neg");
}
END_TEST

/* string */

START_TEST (test_string_present)
{
  g_autoptr(JsonObject) params = params_from ("{\"make\":\"Škoda\",\"empty\":\"\"}");
  g_autoptr(GError) error = NULL;
  const char *out = NULL;

  ck_assert (sr_param_string (params, "make", TRUE, 5, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, "Škoda");

  ck_assert (sr_param_string (params, "empty", TRUE, 5, &out, &error));
  ck_assert_str_eq (out, "");
}
END_TEST

START_TEST (test_string_absent)
{
  g_autoptr(JsonObject) params = params_from ("{\"notes\":null}");
  g_autoptr(GError) error = NULL;
  const char *out = "sentinel";

  ck_assert (sr_param_string (params, "notes", FALSE, 10, &out, &error));
  ck_assert (sr_param_string (params, "color", FALSE, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, "sentinel");

  ck_assert (!sr_param_string (params, "notes", TRUE, 10, &out, &error));
  assert_invalid (error, "notes");
  g_clear_error (&error);
  ck_assert (!sr_param_string (params, "color", TRUE, 10, &out, &error));
  assert_invalid (error, "color");
  ck_assert_str_eq (out, "sentinel");
}
END_TEST

START_TEST (test_string_wrong_type)
{
  static const char *const cases[] = {
    "{\"vin\":5}", "{\"vin\":true}", "{\"vin\":{}}", "{\"vin\":[\"a\"]}", "{\"vin\":1.5}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) params = params_from (cases[i]);
      g_autoptr(GError) error = NULL;
      const char *out = "sentinel";

      ck_assert_msg (!sr_param_string (params, "vin", TRUE, 100, &out, &error),
                     "accepted %s", cases[i]);
      assert_invalid (error, "vin");
      ck_assert_str_eq (out, "sentinel");
    }
}
END_TEST

START_TEST (test_string_counts_characters)
{
  /* "€" is 3 bytes, "😀" 4: the limit is in characters, not bytes. */
  g_autoptr(GString) euros = g_string_new (NULL);
  g_autoptr(GString) faces = g_string_new (NULL);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *out = NULL;

  for (int i = 0; i < 10; i++)
    {
      g_string_append (euros, "€");
      g_string_append (faces, "😀");
    }
  ck_assert_uint_eq (euros->len, 30);
  ck_assert_uint_eq (faces->len, 40);

  params = json_object_new ();
  json_object_set_string_member (params, "euros", euros->str);
  json_object_set_string_member (params, "faces", faces->str);

  ck_assert (sr_param_string (params, "euros", TRUE, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, euros->str);
  ck_assert (sr_param_string (params, "faces", TRUE, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, faces->str);

  /* One character over. */
  ck_assert (!sr_param_string (params, "euros", TRUE, 9, &out, &error));
  assert_invalid (error, "euros");
  g_clear_error (&error);
  ck_assert (!sr_param_string (params, "faces", TRUE, 9, &out, &error));
  assert_invalid (error, "faces");
}
END_TEST

START_TEST (test_string_megabyte)
{
  g_autofree char *big = g_malloc (1024 * 1024 + 1);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *out = "sentinel";

  memset (big, 'x', 1024 * 1024);
  big[1024 * 1024] = '\0';
  params = params_with_string ("notes", big);

  ck_assert (!sr_param_string (params, "notes", TRUE, 4000, &out, &error));
  assert_invalid (error, "notes");
  ck_assert_str_eq (out, "sentinel");
  g_clear_error (&error);

  /* Also when the byte bound alone would let it through. */
  ck_assert (!sr_param_string (params, "notes", TRUE, 1024 * 1024 - 1, &out, &error));
  assert_invalid (error, "notes");
}
END_TEST

/* text */

START_TEST (test_text_blank)
{
  static const char *const blanks[] = { "   ", "\t\n", "", "\u00a0\u3000\r\n" };

  for (gsize i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      g_autoptr(JsonObject) params = params_with_string ("reason", blanks[i]);
      g_autoptr(GError) error = NULL;
      const char *out = "sentinel";

      ck_assert_msg (!sr_param_text (params, "reason", TRUE, 100, &out, &error),
                     "accepted blank %zu", i);
      assert_invalid (error, "reason");
      ck_assert_str_eq (out, "sentinel");

      /* Optional does not make a blank value acceptable: it is present. */
      g_clear_error (&error);
      ck_assert (!sr_param_text (params, "reason", FALSE, 100, &out, &error));
      assert_invalid (error, "reason");
    }
}
END_TEST

START_TEST (test_text_present)
{
  g_autoptr(JsonObject) params = params_with_string ("note", "  ok  ");
  g_autoptr(GError) error = NULL;
  const char *out = NULL;

  ck_assert (sr_param_text (params, "note", TRUE, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, "  ok  ");

  /* The length limit still applies. */
  ck_assert (!sr_param_text (params, "note", TRUE, 5, &out, &error));
  assert_invalid (error, "note");
}
END_TEST

START_TEST (test_text_absent_wrong_type)
{
  g_autoptr(JsonObject) params = params_from ("{\"n\":null,\"num\":3}");
  g_autoptr(GError) error = NULL;
  const char *out = "sentinel";

  ck_assert (sr_param_text (params, "n", FALSE, 10, &out, &error));
  ck_assert (sr_param_text (params, "missing", FALSE, 10, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, "sentinel");

  ck_assert (!sr_param_text (params, "missing", TRUE, 10, &out, &error));
  assert_invalid (error, "missing");
  g_clear_error (&error);
  ck_assert (!sr_param_text (params, "num", FALSE, 10, &out, &error));
  assert_invalid (error, "num");
  ck_assert_str_eq (out, "sentinel");
}
END_TEST

/* bool */

START_TEST (test_bool)
{
  g_autoptr(JsonObject) params = params_from ("{\"yes\":true,\"no\":false,\"n\":null,"
                                              "\"str\":\"true\",\"one\":1,\"obj\":{}}");
  g_autoptr(GError) error = NULL;
  gboolean out = 7;

  ck_assert (sr_param_bool (params, "yes", TRUE, &out, &error));
  ck_assert_int_eq (out, TRUE);
  ck_assert (sr_param_bool (params, "no", TRUE, &out, &error));
  ck_assert_int_eq (out, FALSE);
  ck_assert_ptr_null (error);

  out = 7;
  ck_assert (sr_param_bool (params, "n", FALSE, &out, &error));
  ck_assert (sr_param_bool (params, "missing", FALSE, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (out, 7);

  ck_assert (!sr_param_bool (params, "n", TRUE, &out, &error));
  assert_invalid (error, "n");
  g_clear_error (&error);
  ck_assert (!sr_param_bool (params, "missing", TRUE, &out, &error));
  assert_invalid (error, "missing");
  g_clear_error (&error);

  for (guint i = 0; i < 3; i++)
    {
      const char *name = (const char *[]) { "str", "one", "obj" }[i];

      ck_assert (!sr_param_bool (params, name, FALSE, &out, &error));
      assert_invalid (error, name);
      ck_assert_int_eq (out, 7);
      g_clear_error (&error);
    }
}
END_TEST

/* object */

START_TEST (test_object)
{
  g_autoptr(JsonObject) params = params_from ("{\"changes\":{\"price\":\"1.00\"},\"n\":null,"
                                              "\"arr\":[],\"str\":\"{}\"}");
  g_autoptr(GError) error = NULL;
  JsonObject *out = NULL;
  JsonObject *sentinel = (JsonObject *) params;

  ck_assert (sr_param_object (params, "changes", TRUE, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_ptr_eq (out, json_object_get_object_member (params, "changes"));
  ck_assert_str_eq (json_object_get_string_member (out, "price"), "1.00");

  out = sentinel;
  ck_assert (sr_param_object (params, "n", FALSE, &out, &error));
  ck_assert (sr_param_object (params, "filter", FALSE, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_ptr_eq (out, sentinel);

  ck_assert (!sr_param_object (params, "filter", TRUE, &out, &error));
  assert_invalid (error, "filter");
  g_clear_error (&error);
  ck_assert (!sr_param_object (params, "arr", TRUE, &out, &error));
  assert_invalid (error, "arr");
  g_clear_error (&error);
  ck_assert (!sr_param_object (params, "str", FALSE, &out, &error));
  assert_invalid (error, "str");
  ck_assert_ptr_eq (out, sentinel);
}
END_TEST

/* enum */

static const char *const fuels[] = { "petrol", "diesel", "electric", "hybrid", "cng", NULL };

START_TEST (test_enum_present)
{
  for (guint i = 0; fuels[i] != NULL; i++)
    {
      g_autoptr(JsonObject) params = params_with_string ("fuel", fuels[i]);
      g_autoptr(GError) error = NULL;
      const char *out = NULL;

      ck_assert (sr_param_enum (params, "fuel", TRUE, fuels, &out, &error));
      ck_assert_ptr_null (error);
      ck_assert_str_eq (out, fuels[i]);
    }
}
END_TEST

START_TEST (test_enum_refused)
{
  static const char *const bad[] = { "boat", "Petrol", "petrol ", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) params = params_with_string ("fuel", bad[i]);
      g_autoptr(GError) error = NULL;
      const char *out = "sentinel";

      ck_assert_msg (!sr_param_enum (params, "fuel", FALSE, fuels, &out, &error),
                     "accepted \"%s\"", bad[i]);
      assert_invalid (error, "fuel");
      ck_assert_str_eq (out, "sentinel");
      /* The message tells the client what it may send. */
      for (guint j = 0; fuels[j] != NULL; j++)
        ck_assert_msg (strstr (error->message, fuels[j]) != NULL,
                       "\"%s\" missing from \"%s\"", fuels[j], error->message);
    }
}
END_TEST

START_TEST (test_enum_absent_wrong_type)
{
  g_autoptr(JsonObject) params = params_from ("{\"n\":null,\"num\":1,\"list\":[\"petrol\"]}");
  g_autoptr(GError) error = NULL;
  const char *out = "sentinel";

  ck_assert (sr_param_enum (params, "n", FALSE, fuels, &out, &error));
  ck_assert (sr_param_enum (params, "missing", FALSE, fuels, &out, &error));
  ck_assert_ptr_null (error);
  ck_assert_str_eq (out, "sentinel");

  ck_assert (!sr_param_enum (params, "missing", TRUE, fuels, &out, &error));
  assert_invalid (error, "missing");
  g_clear_error (&error);
  ck_assert (!sr_param_enum (params, "num", FALSE, fuels, &out, &error));
  assert_invalid (error, "num");
  g_clear_error (&error);
  ck_assert (!sr_param_enum (params, "list", FALSE, fuels, &out, &error));
  assert_invalid (error, "list");
  ck_assert_str_eq (out, "sentinel");
}
END_TEST

/* A value or a list of values; a value may repeat, up to 64 in all. */
START_TEST (test_enum_set)
{
  static const struct {
    const char *text;
    const char *literal;   /* NULL: refused */
  } cases[] = {
    { "{\"fuel\":\"cng\"}", "{cng}" },
    { "{\"fuel\":[\"petrol\",\"diesel\"]}", "{petrol,diesel}" },
    { "{\"fuel\":[\"petrol\",\"diesel\",\"cng\",\"hybrid\",\"electric\",\"petrol\"]}",
      "{petrol,diesel,cng,hybrid,electric,petrol}" },
    { "{\"fuel\":[]}", NULL },
    { "{\"fuel\":[\"petrol\",\"boat\"]}", NULL },
    { "{\"fuel\":[\"petrol\",1]}", NULL },
    { "{\"fuel\":{\"a\":\"petrol\"}}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) params = params_from (cases[i].text);
      g_autoptr(GError) error = NULL;
      g_autofree char *literal = NULL;
      gboolean ok = sr_param_enum_set (params, "fuel", fuels, &literal, &error);

      if (cases[i].literal != NULL)
        {
          ck_assert_msg (ok, "%s: %s", cases[i].text, error ? error->message : "");
          ck_assert_str_eq (literal, cases[i].literal);
        }
      else
        {
          ck_assert_msg (!ok, "accepted %s", cases[i].text);
          assert_invalid (error, "fuel");
          ck_assert_ptr_null (literal);
        }
    }

  /* 64 values, repeats and all, are a list; 65 are too many. */
  {
    g_autoptr(GString) text = g_string_new ("{\"fuel\":[\"cng\"");
    g_autoptr(JsonObject) params = NULL;
    g_autoptr(JsonObject) more = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *literal = NULL;
    g_autofree char *sixty_four = NULL;

    for (int i = 1; i < 64; i++)
      g_string_append (text, ",\"cng\"");
    sixty_four = g_strconcat (text->str, "]}", NULL);
    params = params_from (sixty_four);
    ck_assert (sr_param_enum_set (params, "fuel", fuels, &literal, &error));
    g_string_append (text, ",\"cng\"]}");
    more = params_from (text->str);
    g_clear_pointer (&literal, g_free);
    ck_assert (!sr_param_enum_set (more, "fuel", fuels, &literal, &error));
    assert_invalid (error, "fuel");
    ck_assert (strstr (error->message, "64") != NULL);
  }
}
END_TEST

/* paging */

START_TEST (test_paging_defaults)
{
  g_autoptr(JsonObject) empty = params_from ("{}");
  g_autoptr(JsonObject) nulls = params_from ("{\"limit\":null,\"after\":null}");
  g_autoptr(GError) error = NULL;
  gint64 limit = 0;
  const char *after = "sentinel";

  ck_assert (sr_param_paging (empty, 100, 1000, &limit, &after, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (limit, 100);
  ck_assert_ptr_null (after);

  limit = 0;
  after = "sentinel";
  ck_assert (sr_param_paging (nulls, 100, 1000, &limit, &after, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (limit, 100);
  ck_assert_ptr_null (after);
}
END_TEST

START_TEST (test_paging_present)
{
  g_autoptr(JsonObject) params = params_from ("{\"limit\":1000,\"after\":\"c3RvY2tfbm89MTIz\"}");
  g_autoptr(JsonObject) one = params_from ("{\"limit\":1}");
  g_autoptr(GError) error = NULL;
  gint64 limit = 0;
  const char *after = NULL;

  ck_assert (sr_param_paging (params, 100, 1000, &limit, &after, &error));
  ck_assert_ptr_null (error);
  ck_assert_int_eq (limit, 1000);
  ck_assert_str_eq (after, "c3RvY2tfbm89MTIz");

  ck_assert (sr_param_paging (one, 100, 1000, &limit, &after, &error));
  ck_assert_int_eq (limit, 1);
}
END_TEST

START_TEST (test_paging_refused)
{
  static const struct {
    const char *json;
    const char *field;
  } cases[] = {
    { "{\"limit\":0}", "limit" },
    { "{\"limit\":-1}", "limit" },
    { "{\"limit\":1001}", "limit" },
    { "{\"limit\":\"10\"}", "limit" },
    { "{\"limit\":10.5}", "limit" },
    { "{\"after\":5}", "after" },
    { "{\"after\":{}}", "after" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) params = params_from (cases[i].json);
      g_autoptr(GError) error = NULL;
      gint64 limit = 0;
      const char *after = NULL;

      ck_assert_msg (!sr_param_paging (params, 100, 1000, &limit, &after, &error),
                     "accepted %s", cases[i].json);
      assert_invalid (error, cases[i].field);
    }
}
END_TEST

START_TEST (test_paging_long_cursor)
{
  g_autofree char *cursor = g_strnfill (100000, 'A');
  g_autoptr(JsonObject) params = params_with_string ("after", cursor);
  g_autoptr(GError) error = NULL;
  gint64 limit = 0;
  const char *after = NULL;

  ck_assert (!sr_param_paging (params, 100, 1000, &limit, &after, &error));
  assert_invalid (error, "after");
}
END_TEST

/* only */

static const char *const vehicle_changes[] = { "price", "color", "status", NULL };

START_TEST (test_only_allowed)
{
  g_autoptr(JsonObject) changes = params_from ("{\"price\":\"1.00\",\"color\":\"red\"}");
  g_autoptr(JsonObject) empty = params_from ("{}");
  g_autoptr(GError) error = NULL;

  ck_assert (sr_param_only (changes, "changes", vehicle_changes, &error));
  ck_assert (sr_param_only (empty, "changes", vehicle_changes, &error));
  ck_assert_ptr_null (error);
}
END_TEST

START_TEST (test_only_unknown)
{
  static const char *const cases[] = {
    "{\"price\":\"1.00\",\"stock_no\":\"X1\"}",
    "{\"stock_no\":null}",
    "{\"Price\":\"1.00\"}",
  };
  static const char *const fields[] = { "changes.stock_no", "changes.stock_no", "changes.Price" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) changes = params_from (cases[i]);
      g_autoptr(GError) error = NULL;

      ck_assert_msg (!sr_param_only (changes, "changes", vehicle_changes, &error),
                     "accepted %s", cases[i]);
      assert_invalid (error, fields[i]);
    }
}
END_TEST

/* email */

START_TEST (test_email_normalised)
{
  g_autoptr(JsonObject) params = params_with_string ("email", "  Foo@Example.COM ");
  g_autoptr(JsonObject) plain = params_with_string ("email", "a.b-c+d@mail.example.co.in");
  g_autoptr(GError) error = NULL;
  g_autofree char *email = sr_param_email (params, "email", &error);
  g_autofree char *plain_email = NULL;

  ck_assert_ptr_null (error);
  ck_assert_str_eq (email, "foo@example.com");

  plain_email = sr_param_email (plain, "email", &error);
  ck_assert_ptr_null (error);
  ck_assert_str_eq (plain_email, "a.b-c+d@mail.example.co.in");
}
END_TEST

static const char *const bad_emails[] = {
  "foo",
  "@x.com",
  "a@b",
  "a b@c.com",
  "a@@b.com",
  "a@b.com;DROP TABLE users",
  "a@b.com;",
  "a@.com",
  "a@b.com.",
  "a@b@c.com",
  "<a@b.com>",
  "a@b.com\r\nBcc: x@y.com",
  "\"a\"@b.com",
  "",
  "   ",
};

START_TEST (test_email_refused)
{
  g_autoptr(JsonObject) params = params_with_string ("email", bad_emails[_i]);
  g_autoptr(GError) error = NULL;
  g_autofree char *email = sr_param_email (params, "email", &error);

  ck_assert_msg (email == NULL, "accepted \"%s\" as \"%s\"", bad_emails[_i], email);
  assert_invalid (error, "email");
}
END_TEST

START_TEST (test_email_absent_wrong_type)
{
  g_autoptr(JsonObject) params = params_from ("{\"n\":null,\"num\":5}");
  g_autofree char *big = g_strnfill (300, 'a');
  g_autofree char *long_address = g_strconcat (big, "@example.com", NULL);
  g_autoptr(JsonObject) too_long = params_with_string ("email", long_address);
  g_autoptr(GError) error = NULL;
  g_autofree char *email = NULL;

  email = sr_param_email (params, "missing", &error);
  ck_assert_ptr_null (email);
  assert_invalid (error, "missing");
  g_clear_error (&error);

  email = sr_param_email (params, "n", &error);
  ck_assert_ptr_null (email);
  assert_invalid (error, "n");
  g_clear_error (&error);

  email = sr_param_email (params, "num", &error);
  ck_assert_ptr_null (email);
  assert_invalid (error, "num");
  g_clear_error (&error);

  email = sr_param_email (too_long, "email", &error);
  ck_assert_ptr_null (email);
  assert_invalid (error, "email");
}
END_TEST

static Suite *
params_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("int");
  tcase_add_test (tc, test_int_present);
  tcase_add_test (tc, test_int_absent);
  tcase_add_test (tc, test_int_wrong_type);
  tcase_add_test (tc, test_int_out_of_range);
  suite_add_tcase (s, tc);

  tc = tcase_create ("string");
  tcase_add_test (tc, test_string_present);
  tcase_add_test (tc, test_string_absent);
  tcase_add_test (tc, test_string_wrong_type);
  tcase_add_test (tc, test_string_counts_characters);
  tcase_add_test (tc, test_string_megabyte);
  suite_add_tcase (s, tc);

  tc = tcase_create ("text");
  tcase_add_test (tc, test_text_blank);
  tcase_add_test (tc, test_text_present);
  tcase_add_test (tc, test_text_absent_wrong_type);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bool");
  tcase_add_test (tc, test_bool);
  suite_add_tcase (s, tc);

  tc = tcase_create ("object");
  tcase_add_test (tc, test_object);
  suite_add_tcase (s, tc);

  tc = tcase_create ("enum");
  tcase_add_test (tc, test_enum_present);
  tcase_add_test (tc, test_enum_refused);
  tcase_add_test (tc, test_enum_absent_wrong_type);
  tcase_add_test (tc, test_enum_set);
  suite_add_tcase (s, tc);

  tc = tcase_create ("paging");
  tcase_add_test (tc, test_paging_defaults);
  tcase_add_test (tc, test_paging_present);
  tcase_add_test (tc, test_paging_refused);
  tcase_add_test (tc, test_paging_long_cursor);
  suite_add_tcase (s, tc);

  tc = tcase_create ("only");
  tcase_add_test (tc, test_only_allowed);
  tcase_add_test (tc, test_only_unknown);
  suite_add_tcase (s, tc);

  tc = tcase_create ("email");
  tcase_add_test (tc, test_email_normalised);
  tcase_add_loop_test (tc, test_email_refused, 0, G_N_ELEMENTS (bad_emails));
  tcase_add_test (tc, test_email_absent_wrong_type);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (params_suite ());
  int failures;

  srunner_run_all (runner, CK_NORMAL);
  failures = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failures == 0 ? 0 : 1;
}
