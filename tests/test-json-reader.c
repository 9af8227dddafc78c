/* test-json-reader.c: the pull reader the app reads large pages with. It must decode
 * what json-glib decodes and refuse what the protocol's parser refuses: broken text
 * must never come out as a value. */
#define G_LOG_DOMAIN "test-json-reader"

#include "config.h"

#include <string.h>
#include <check.h>

#include "sr-json-reader.h"
#include "sr-rpc.h"

/* A reader over a writable copy of @json, kept until the test ends. */
static char *
reader_over (SrJsonReader *reader,
             const char   *json,
             gboolean      in_place)
{
  char *text = g_strdup (json);

  sr_json_reader_init (reader, text, strlen (text), in_place);
  return text;
}

/* The string @json decodes to, or NULL when the reader refuses it. */
static char *
decode (const char *json)
{
  g_autofree char *text = NULL;
  SrJsonReader reader;
  const char *value;
  gsize len;

  text = reader_over (&reader, json, TRUE);
  if (!sr_json_reader_read_string (&reader, &value, &len) || !sr_json_reader_at_end (&reader))
    return NULL;
  ck_assert_uint_eq (strlen (value), len);

  return g_strdup (value);
}

/* Whether the reader takes @json as one well-formed value. */
static gboolean
well_formed (const char *json)
{
  g_autofree char *text = NULL;
  SrJsonReader reader;

  text = reader_over (&reader, json, FALSE);
  return sr_json_reader_skip (&reader) && sr_json_reader_at_end (&reader);
}

START_TEST (test_strings_decode)
{
  static const struct {
    const char *json;
    const char *text;
  } cases[] = {
    { "\"\"", "" },
    { "\"plain\"", "plain" },
    { "\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d" },
    { "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t" },
    { "\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac" },
    { "\"\\ud834\\udd1e clef\"", "\xf0\x9d\x84\x9e clef" },
    { "\"caf\xc3\xa9 \xe2\x98\x83\"", "caf\xc3\xa9 \xe2\x98\x83" },
    { "\"\\u0001x\"", "\x01x" },
    { "\"tail\\n\"", "tail\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = decode (cases[i].json);
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, NULL);

      ck_assert_msg (got != NULL, "%s refused", cases[i].json);
      ck_assert_str_eq (got, cases[i].text);
      /* json-glib reads the same. */
      ck_assert_str_eq (got, json_node_get_string (node));
    }
}
END_TEST

START_TEST (test_strings_refused)
{
  static const char *const cases[] = {
    "\"open",
    "\"bad \\x escape\"",
    "\"short \\u12\"",
    "\"nul \\u0000\"",
    "\"lone high \\ud834\"",
    "\"lone high \\ud834\\u0041\"",
    "\"lone low \\udd1e\"",
    "\"raw\ttab\"",
    "\"raw\nline\"",
    "\"ends in a backslash\\",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = decode (cases[i]);

      ck_assert_msg (got == NULL, "%s read as \"%s\"", cases[i], got);
      ck_assert_msg (!well_formed (cases[i]), "%s skipped as well formed", cases[i]);
    }
}
END_TEST

/* Read only, the text is never written: a string with escapes cannot be given, and
 * the reader stays where it was. */
START_TEST (test_read_only)
{
  const char *json = "{\"a\":\"x\\ny\",\"b\\u0063\":\"plain\"}";
  g_autofree char *text = NULL;
  SrJsonReader reader;
  const char *name;
  const char *value;
  gsize len;

  text = reader_over (&reader, json, FALSE);
  ck_assert (sr_json_reader_enter_object (&reader));
  ck_assert (sr_json_reader_next_member (&reader, &name, &len));
  ck_assert_uint_eq (len, 1);
  ck_assert_int_eq (name[0], 'a');
  ck_assert (!sr_json_reader_read_string (&reader, &value, &len));
  ck_assert (!sr_json_reader_failed (&reader));
  ck_assert (sr_json_reader_skip (&reader));
  ck_assert (sr_json_reader_next_member (&reader, &name, &len));
  ck_assert_ptr_null (name);
  ck_assert (sr_json_reader_read_string (&reader, &value, &len));
  ck_assert_uint_eq (len, 5);
  ck_assert (strncmp (value, "plain", 5) == 0);
  ck_assert (!sr_json_reader_next_member (&reader, &name, &len));
  ck_assert (sr_json_reader_at_end (&reader));
  ck_assert_str_eq (text, json);
}
END_TEST

START_TEST (test_integers)
{
  static const struct {
    const char *json;
    gboolean    is_int;
    gint64      value;
  } cases[] = {
    { "0", TRUE, 0 },
    { "-0", TRUE, 0 },
    { "42", TRUE, 42 },
    { "-17", TRUE, -17 },
    { "9223372036854775807", TRUE, G_MAXINT64 },
    { "-9223372036854775808", TRUE, G_MININT64 },
    { "1.5", FALSE, 0 },
    { "2020.0", FALSE, 0 },
    { "1e3", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = NULL;
      SrJsonReader reader;
      gint64 value = -1;

      text = reader_over (&reader, cases[i].json, TRUE);
      ck_assert_msg (sr_json_reader_read_int (&reader, &value) == cases[i].is_int, "%s",
                     cases[i].json);
      if (cases[i].is_int)
        ck_assert_int_eq (value, cases[i].value);
      else
        /* Not an integer, but a number all the same. */
        ck_assert (sr_json_reader_skip (&reader));
      ck_assert (sr_json_reader_at_end (&reader));
    }
}
END_TEST

START_TEST (test_malformed)
{
  static const char *const refused[] = {
    "", "{", "[", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "[1 2]",
    "{\"a\":1 \"b\":2}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "tru", "nul",
    "truex", "[1]]", "9223372036854775808", "-9223372036854775809",
    "99999999999999999999999",
  };
  static const char *const accepted[] = {
    "{}", "[]", " { \"a\" : [ 1 , -2.5e-3 , true , false , null , \"s\" , {} ] } ",
    "{\"a\":{\"b\":{\"c\":[[[]]]}}}",
  };
  GString *deep = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    ck_assert_msg (!well_formed (refused[i]), "%s taken as well formed", refused[i]);
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    ck_assert_msg (well_formed (accepted[i]), "%s refused", accepted[i]);

  /* Nesting: as deep as the protocol allows, and not one level more. */
  for (int i = 0; i < SR_RPC_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < SR_RPC_MAX_DEPTH; i++)
    g_string_append_c (deep, ']');
  ck_assert (well_formed (deep->str));
  g_string_prepend_c (deep, '[');
  g_string_append_c (deep, ']');
  ck_assert (!well_formed (deep->str));
  g_string_free (deep, TRUE);
}
END_TEST

/* A walk over an object as a caller does it, values decoded in place. */
START_TEST (test_walk)
{
  g_autofree char *text = NULL;
  SrJsonReader reader;
  const char *name;
  const char *value;
  gint64 number;
  guint n = 0;

  text = reader_over (&reader,
                      "{\"items\":[{\"id\":1,\"name\":\"one\\u0021\"},{\"id\":2,\"name\":\"two\"}],"
                      "\"n\\u0065xt\":null}", TRUE);
  ck_assert (sr_json_reader_enter_object (&reader));
  ck_assert (sr_json_reader_next_member (&reader, &name, NULL));
  ck_assert_str_eq (name, "items");
  ck_assert_int_eq (sr_json_reader_peek (&reader), SR_JSON_ARRAY);
  ck_assert (sr_json_reader_enter_array (&reader));
  while (sr_json_reader_next_element (&reader))
    {
      ck_assert (sr_json_reader_enter_object (&reader));
      ck_assert (sr_json_reader_next_member (&reader, &name, NULL));
      ck_assert_str_eq (name, "id");
      ck_assert (sr_json_reader_read_int (&reader, &number));
      ck_assert_int_eq (number, n + 1);
      ck_assert (sr_json_reader_next_member (&reader, &name, NULL));
      ck_assert_str_eq (name, "name");
      ck_assert (sr_json_reader_read_string (&reader, &value, NULL));
      ck_assert_str_eq (value, n == 0 ? "one!" : "two");
      ck_assert (!sr_json_reader_next_member (&reader, &name, NULL));
      n++;
    }
  ck_assert_uint_eq (n, 2);
  ck_assert (sr_json_reader_next_member (&reader, &name, NULL));
  ck_assert_str_eq (name, "next");
  ck_assert_int_eq (sr_json_reader_peek (&reader), SR_JSON_NULL);
  ck_assert (sr_json_reader_skip (&reader));
  ck_assert (!sr_json_reader_next_member (&reader, &name, NULL));
  ck_assert (!sr_json_reader_failed (&reader));
  ck_assert (sr_json_reader_at_end (&reader));
}
END_TEST

static Suite *
json_reader_suite (void)
{
  Suite *s = suite_create ("unit");
  TCase *tc;

  tc = tcase_create ("strings");
  tcase_add_test (tc, test_strings_decode);
  tcase_add_test (tc, test_strings_refused);
  tcase_add_test (tc, test_read_only);
  suite_add_tcase (s, tc);

  tc = tcase_create ("values");
  tcase_add_test (tc, test_integers);
  tcase_add_test (tc, test_malformed);
  tcase_add_test (tc, test_walk);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (json_reader_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? 0 : 1;
}
