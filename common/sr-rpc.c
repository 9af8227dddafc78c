/* sr-rpc.c: parse and build JSON-RPC 2.0 messages.
 *
 * Text is checked before json-glib parses it: valid UTF-8, no NUL escape (a C string
 * would silently cut there) and bounded nesting (the parser recurses).
 */
#define G_LOG_DOMAIN "sr-rpc"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sr-error.h"
#include "sr-json-reader.h"
#include "sr-rpc.h"

void
sr_request_free (SrRequest *request)
{
  if (request == NULL)
    return;

  g_clear_pointer (&request->id, json_node_unref);
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->params, json_object_unref);
  g_free (request);
}

void
sr_message_free (SrMessage *message)
{
  if (message == NULL)
    return;

  g_clear_pointer (&message->id, json_node_unref);
  g_clear_pointer (&message->result, json_node_unref);
  g_clear_error (&message->error);
  g_clear_pointer (&message->method, g_free);
  g_clear_pointer (&message->params, json_node_unref);
  g_free (message);
}

/* The value of four hex digits, or -1. */
static gint
hex4 (const char *p)
{
  gint value = 0;

  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value << 4 | digit;
    }

  return value;
}

static gboolean
integer_fits (const char *digits,
              gsize       n,
              gboolean    negative)
{
  const char *limit = negative ? "9223372036854775808" : "9223372036854775807";

  while (n > 1 && *digits == '0')
    {
      digits++;
      n--;
    }
  if (n != 19)
    return n < 19;
  return strncmp (digits, limit, 19) <= 0;
}

/* The member names on the way to where the scan is, one per nesting level, so that a
 * value the parser would mangle can be named in data.field as the methods name their
 * parameters ("name", "filter.text"): the names under "params". */
typedef struct {
  const char *name[SR_RPC_MAX_DEPTH + 1];
  gsize       name_len[SR_RPC_MAX_DEPTH + 1];
} Path;

/* Whether the top-level member the scan is in is "params". */
static gboolean
in_params (const Path *path)
{
  return path->name[1] != NULL && path->name_len[1] == strlen ("params") &&
         memcmp (path->name[1], "params", path->name_len[1]) == 0;
}

static char *
path_field (const Path *path,
            int         depth)
{
  GString *field;

  if (depth < 2 || !in_params (path))
    return NULL;

  field = g_string_new (NULL);
  for (int level = 2; level <= depth; level++)
    if (path->name[level] != NULL)
      {
        if (field->len > 0)
          g_string_append_c (field, '.');
        g_string_append_len (field, path->name[level], path->name_len[level]);
      }

  if (field->len == 0)
    {
      g_string_free (field, TRUE);
      return NULL;
    }
  return g_string_free (field, FALSE);
}

/* The request's own member ("id", "method") the scan is in, or NULL (in "params", or
 * outside every member). */
static char *
request_member (const Path *path,
                int         depth)
{
  if (depth < 1 || path->name[1] == NULL || in_params (path))
    return NULL;
  return g_strndup (path->name[1], path->name_len[1]);
}

/* The first NUL escape: the parameter it is in, or else the request's own member
 * ("method", "id") it is in. */
static void
note_nul (const Path  *path,
          int          depth,
          gboolean    *seen,
          char       **field,
          char       **member)
{
  if (*seen)
    return;

  *seen = TRUE;
  *field = path_field (path, depth);
  if (*field == NULL)
    *member = request_member (path, depth);
}

static gboolean
only_space_after (const char *data,
                  gsize       i,
                  gsize       len)
{
  for (; i < len; i++)
    if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      return FALSE;
  return TRUE;
}

/* One pass over the raw text: UTF-8, nesting depth outside strings, one JSON value per
 * frame (json-glib would read the first of two and drop the second), and "\u0000"
 * inside strings. A NUL escape or a number out of range is not a syntax problem: it is
 * reported once the text is known to be well formed, as invalid_params naming the
 * parameter, or as invalid_request naming the request's member ("method"). */
gboolean
sr_json_check_text (const char  *data,
                    gsize        len,
                    GError     **error)
{
  gboolean in_string = FALSE;
  gboolean has_nul = FALSE;
  gboolean string_has_nul = FALSE;
  gboolean too_big = FALSE;
  gboolean nul_seen = FALSE;
  g_autofree char *nul_field = NULL;
  g_autofree char *nul_member = NULL;
  g_autofree char *big_field = NULL;
  g_autofree char *big_member = NULL;
  gsize string_start = 0;
  Path path = { { NULL } };
  int depth = 0;

  if (!g_utf8_validate_len (data, len, NULL))
    {
      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "message is not valid UTF-8");
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if ((guchar) c < 0x20)
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "a string holds a control character; JSON writes it as an escape");
              return FALSE;
            }
          if (c == '\\')
            {
              gint unit = i + 5 < len && data[i + 1] == 'u' ? hex4 (data + i + 2) : -1;

              /* json-glib also takes octal ("\600") and other escapes JSON has not,
               * and may turn them into bytes that are not UTF-8. */
              if (i + 1 < len && strchr ("\"\\/bfnrtu", data[i + 1]) == NULL)
                {
                  sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                                "a string holds an escape that JSON does not have");
                  return FALSE;
                }
              /* json-glib takes "\ud" with fewer than four digits as a code unit. */
              if (i + 1 < len && data[i + 1] == 'u' && unit < 0)
                {
                  sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                                "a \\u escape needs four hex digits");
                  return FALSE;
                }
              if (unit == 0)
                has_nul = string_has_nul = TRUE;
              /* json-glib turns a lone surrogate into bytes that are not UTF-8. */
              if (unit >= 0xD800 && unit <= 0xDBFF)
                {
                  gint low = i + 11 < len && data[i + 6] == '\\' && data[i + 7] == 'u'
                             ? hex4 (data + i + 8) : -1;

                  if (low < 0xDC00 || low > 0xDFFF)
                    {
                      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                                    "message holds half of a UTF-16 surrogate pair");
                      return FALSE;
                    }
                  i += 6;
                }
              else if (unit >= 0xDC00 && unit <= 0xDFFF)
                {
                  sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                                "message holds half of a UTF-16 surrogate pair");
                  return FALSE;
                }
              i++;
            }
          else if (c == '"')
            {
              gsize next = i + 1;

              in_string = FALSE;
              while (next < len && g_ascii_isspace (data[next]))
                next++;
              if (next < len && data[next] == ':' && depth >= 1)
                {
                  /* A member name: the values that follow are under it. */
                  if (string_has_nul)
                    note_nul (&path, depth - 1, &nul_seen, &nul_field, &nul_member);
                  path.name[depth] = data + string_start + 1;
                  path.name_len[depth] = i - string_start - 1;
                }
              else if (string_has_nul)
                note_nul (&path, depth, &nul_seen, &nul_field, &nul_member);
            }
          continue;
        }

      /* json-glib wraps integers past 64 bits silently: catch them here. */
      if (g_ascii_isdigit (c) && (i == 0 || !g_ascii_isalnum (data[i - 1])))
        {
          gboolean negative = i > 0 && data[i - 1] == '-';
          gsize start = i;

          while (i + 1 < len && g_ascii_isdigit (data[i + 1]))
            i++;
          /* json-glib reads "010" as octal 8, and "1." as 1.0. */
          if ((data[start] == '0' && i > start) ||
              (i + 1 < len && data[i + 1] == '.' &&
               (i + 2 >= len || !g_ascii_isdigit (data[i + 2]))))
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "a number is not written as JSON writes numbers");
              return FALSE;
            }
          if (i + 1 < len && (data[i + 1] == '.' || data[i + 1] == 'e' || data[i + 1] == 'E'))
            {
              /* A double: it must stay finite, or it cannot be written back as JSON. */
              g_autofree char *token = NULL;
              gsize end = i + 1;

              while (end < len && (g_ascii_isdigit (data[end]) || data[end] == '.' ||
                                   data[end] == 'e' || data[end] == 'E' ||
                                   data[end] == '+' || data[end] == '-'))
                end++;
              /* The whole token: a cut one can read finite ("1.000…e400"). */
              token = g_strndup (data + start, end - start);
              if (!isfinite (g_ascii_strtod (token, NULL)) && !too_big)
                {
                  too_big = TRUE;
                  big_field = path_field (&path, depth);
                  big_member = big_field ? NULL : request_member (&path, depth);
                }
              i = end - 1;
              continue;
            }
          if (!integer_fits (data + start, i + 1 - start, negative) && !too_big)
            {
              too_big = TRUE;
              big_field = path_field (&path, depth);
              big_member = big_field ? NULL : request_member (&path, depth);
            }
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          string_has_nul = FALSE;
          string_start = i;
          break;
        case '[':
        case '{':
          if (++depth > SR_RPC_MAX_DEPTH)
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "message nests deeper than %d levels", SR_RPC_MAX_DEPTH);
              return FALSE;
            }
          path.name[depth] = NULL;
          break;
        case ']':
        case '}':
          if (depth == 0)
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "message closes a bracket it never opened");
              return FALSE;
            }
          if (--depth == 0 && !only_space_after (data, i + 1, len))
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "a frame holds one JSON value, and this one has more after it");
              return FALSE;
            }
          break;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ':':
        case ',':
        case '-':
          break;
        default:
          /* Besides those, only the letters of true, false and null. json-glib also
           * takes 'single-quoted' strings, comments and hex numbers, and text this scan
           * took for a string could then hide nesting deep enough to overflow its stack. */
          if (strchr ("truefalsn", c) == NULL)
            {
              sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL,
                            "the message holds '%c' outside a string, which JSON does not allow",
                            g_ascii_isprint (c) ? c : '?');
              return FALSE;
            }
          break;
        }
    }

  if (too_big && big_member != NULL)
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, big_member,
                    "%s holds a number out of range", big_member);
      return FALSE;
    }
  if (too_big)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, big_field,
                    "a number is out of range");
      return FALSE;
    }

  if (has_nul && nul_member != NULL)
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, nul_member,
                    "%s may not contain NUL characters", nul_member);
      return FALSE;
    }
  if (has_nul)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, nul_field,
                    "text may not contain NUL characters");
      return FALSE;
    }

  return TRUE;
}

JsonNode *
sr_json_from_string (const char  *data,
                     gssize       len,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (len < 0)
    len = strlen (data);

  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "message is not valid JSON");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "message is empty");
      return NULL;
    }

  return json_node_ref (root);
}

JsonNode *
sr_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_alloc ();

  json_node_init (node, JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

JsonNode *
sr_json_node_empty (void)
{
  return sr_json_node_take_object (json_object_new ());
}

/* json-glib writes every double with 17 significant digits and adds ".0" when that has
 * no point: 90.2 comes out as "90.200000000000003", and 1e40 as "1e+40.0", which is not
 * JSON. Doubles are few (most numbers are ids and counts, money is text), so the tree
 * is checked first and only then is the text mended. */
static gboolean
has_double (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (has_double (member))
            return TRUE;
        return FALSE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (has_double (json_array_get_element (array, i)))
            return TRUE;
        return FALSE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) == G_TYPE_DOUBLE;
    case JSON_NODE_NULL:
    default:
      return FALSE;
    }
}

/* The shortest text that reads back as the same double; ".0" after a whole number
 * without an exponent, so it still reads as a double. */
static void
append_shortest_double (GString *out,
                        double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eE") == NULL)
    g_string_append (out, ".0");
}

/* How long json-glib's text for an infinite or NaN double is at @p ("inf.0", "-nan.0"),
 * or 0. JSON has no such numbers. */
static gsize
nonfinite_length (const char *p,
                  gsize       left)
{
  static const char *const words[] = { "inf.0", "-inf.0", "nan.0", "-nan.0" };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      gsize n = strlen (words[i]);

      if (left >= n && memcmp (p, words[i], n) == 0)
        return n;
    }
  return 0;
}

/* Rewrites each number with a point or an exponent, outside strings; a double that is
 * not finite becomes null, so the text is always JSON. */
static char *
mend_doubles (char  *text,
              gsize *len)
{
  GString *out = g_string_sized_new (*len);
  gboolean in_string = FALSE;

  for (gsize i = 0; i < *len; i++)
    {
      char c = text[i];
      gsize word;

      if (in_string)
        {
          if (c == '\\' && i + 1 < *len)
            {
              g_string_append_c (out, c);
              c = text[++i];
            }
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((word = nonfinite_length (text + i, *len - i)) > 0)
        {
          g_string_append (out, "null");
          i += word - 1;
          continue;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gsize end = i;
          gboolean fraction = FALSE;

          while (end < *len && strchr ("0123456789+-.eE", text[end]) != NULL)
            fraction |= strchr (".eE", text[end++]) != NULL;

          if (fraction)
            {
              /* json-glib's "1e+40.0": the ".0" is not part of the number. */
              g_autofree char *number = g_strndup (text + i, end - i);

              append_shortest_double (out, g_ascii_strtod (number, NULL));
            }
          else
            g_string_append_len (out, text + i, end - i);
          i = end - 1;
          continue;
        }
      g_string_append_c (out, c);
    }

  g_free (text);
  *len = out->len;
  return g_string_free (out, FALSE);
}

/* json-glib escapes control characters below 0x1f but writes 0x1f itself raw, which
 * JSON does not allow (strict parsers, PostgreSQL's among them, refuse it). Outside
 * strings the generator writes no control characters, so every one is in a string. */
static char *
escape_unit_separators (char  *text,
                        gsize *len)
{
  GString *out;

  if (memchr (text, 0x1f, *len) == NULL)
    return text;

  out = g_string_sized_new (*len + 16);
  for (gsize i = 0; i < *len; i++)
    {
      if (text[i] == 0x1f)
        g_string_append (out, "\\u001f");
      else
        g_string_append_c (out, text[i]);
    }

  g_free (text);
  *len = out->len;
  return g_string_free (out, FALSE);
}

char *
sr_json_to_string_pretty (JsonNode *node,
                          gboolean  pretty,
                          gsize    *len)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, pretty);
  text = json_generator_to_data (generator, &length);
  if (has_double (node))
    text = mend_doubles (text, &length);
  text = escape_unit_separators (text, &length);
  if (len != NULL)
    *len = length;
  return text;
}

char *
sr_json_to_string (JsonNode *node,
                   gsize    *len)
{
  return sr_json_to_string_pretty (node, FALSE, len);
}

static gboolean
node_is_id (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_STRING;
}

gboolean
sr_rpc_parse_request (const char  *data,
                      gsize        len,
                      SrRequest  **out_request,
                      JsonNode   **out_id,
                      GError     **error)
{
  g_autoptr(GError) text_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SrRequest) request = NULL;
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_request != NULL, FALSE);
  g_return_val_if_fail (out_id != NULL, FALSE);

  *out_request = NULL;
  *out_id = NULL;

  /* A NUL escape only shows once the rest is known to parse; hold that error back. */
  if (!sr_json_check_text (data, len, &text_error) &&
      !g_error_matches (text_error, SR_ERROR, SR_ERROR_INVALID_PARAMS) &&
      !g_error_matches (text_error, SR_ERROR, SR_ERROR_INVALID_REQUEST))
    {
      g_propagate_error (error, g_steal_pointer (&text_error));
      return FALSE;
    }

  root = sr_json_from_string (data, len, error);
  if (root == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      sr_set_error (error, SR_ERROR_BATCH_UNSUPPORTED, NULL, "batches are not supported");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, NULL, "a request is a JSON object");
      return FALSE;
    }

  object = json_node_get_object (root);

  /* An id json-glib wrapped past 64 bits or cut at a NUL is not the one that was sent:
   * no id goes back. */
  if (g_error_matches (text_error, SR_ERROR, SR_ERROR_INVALID_REQUEST) &&
      g_strcmp0 (sr_error_get_field (text_error), "id") == 0)
    {
      g_propagate_error (error, g_steal_pointer (&text_error));
      return FALSE;
    }

  node = json_object_get_member (object, "id");
  if (node == NULL || !node_is_id (node))
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, "id",
                    "a request needs an id that is an integer or a string");
      return FALSE;
    }
  *out_id = json_node_copy (node);

  node = json_object_get_member (object, "jsonrpc");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      !g_str_equal (json_node_get_string (node), "2.0"))
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, "jsonrpc", "jsonrpc must be \"2.0\"");
      return FALSE;
    }

  node = json_object_get_member (object, "method");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      *json_node_get_string (node) == '\0')
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, "method", "method must be a string");
      return FALSE;
    }

  request = g_new0 (SrRequest, 1);
  request->id = json_node_copy (*out_id);
  request->method = g_strdup (json_node_get_string (node));

  node = json_object_get_member (object, "params");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    request->params = json_object_new ();
  else if (JSON_NODE_HOLDS_OBJECT (node))
    request->params = json_object_ref (json_node_get_object (node));
  else
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, "params", "params must be an object");
      return FALSE;
    }

  if (text_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&text_error));
      return FALSE;
    }

  *out_request = g_steal_pointer (&request);
  return TRUE;
}

static JsonObject *
envelope (JsonNode *id)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "jsonrpc", "2.0");
  if (id != NULL)
    json_object_set_member (object, "id", json_node_copy (id));
  else
    json_object_set_null_member (object, "id");

  return object;
}

static char *
object_to_string (JsonObject *object,
                  gsize      *len)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (root, object);
  return sr_json_to_string (root, len);
}

gboolean
sr_rpc_scan_response (const char *data,
                      gsize       len,
                      gint64     *id,
                      gsize      *result_offset,
                      gsize      *result_len)
{
  SrJsonReader reader;
  const char *result = NULL;
  const char *result_end = NULL;
  const char *name;
  gsize name_len;
  gboolean has_id = FALSE;

  g_return_val_if_fail (data != NULL, FALSE);

  /* Read only: the text is never written to. */
  sr_json_reader_init (&reader, (char *) data, len, FALSE);
  if (sr_json_reader_peek (&reader) != SR_JSON_OBJECT ||
      !sr_json_reader_enter_object (&reader))
    return FALSE;

#define NAME_IS(word) (name_len == strlen (word) && memcmp (name, word, name_len) == 0)
  while (sr_json_reader_next_member (&reader, &name, &name_len))
    {
      /* A name spelt with escapes could be any of these: the full parse decides. */
      if (name == NULL || NAME_IS ("method") || NAME_IS ("error"))
        return FALSE;

      /* As in the full parse, the last of a name written twice counts. */
      if (NAME_IS ("id"))
        {
          has_id = sr_json_reader_read_int (&reader, id);
          if (!has_id)
            return FALSE;
        }
      else if (NAME_IS ("result"))
        {
          result = sr_json_reader_position (&reader);
          if (!sr_json_reader_skip (&reader))
            return FALSE;
          result_end = sr_json_reader_position (&reader);
        }
      else if (!sr_json_reader_skip (&reader))
        return FALSE;
    }
#undef NAME_IS

  if (!sr_json_reader_at_end (&reader) || !has_id || result == NULL)
    return FALSE;

  /* position() moved past white space after the value: trim it back. */
  while (result_end > result && g_ascii_isspace (result_end[-1]))
    result_end--;

  *result_offset = result - data;
  *result_len = result_end - result;
  return TRUE;
}

char *
sr_rpc_build_request (JsonNode   *id,
                      const char *method,
                      JsonObject *params,
                      gsize      *len)
{
  JsonObject *object;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (method != NULL, NULL);

  object = envelope (id);
  json_object_set_string_member (object, "method", method);
  if (params != NULL)
    json_object_set_object_member (object, "params", json_object_ref (params));

  return object_to_string (object, len);
}

char *
sr_rpc_build_result (JsonNode *id,
                     JsonNode *result,
                     gsize    *len)
{
  JsonObject *object = envelope (id);

  if (result != NULL)
    json_object_set_member (object, "result", json_node_ref (result));
  else
    json_object_set_object_member (object, "result", json_object_new ());

  return object_to_string (object, len);
}

char *
sr_rpc_build_result_text (JsonNode   *id,
                          const char *result,
                          gsize      *len)
{
  g_autofree char *id_text = NULL;
  GString *text;

  g_return_val_if_fail (result != NULL, NULL);

  id_text = id != NULL ? sr_json_to_string (id, NULL) : g_strdup ("null");
  text = g_string_sized_new (strlen (result) + strlen (id_text) + 40);
  g_string_append (text, "{\"jsonrpc\":\"2.0\",\"id\":");
  g_string_append (text, id_text);
  g_string_append (text, ",\"result\":");
  g_string_append (text, result);
  g_string_append_c (text, '}');

  if (len != NULL)
    *len = text->len;
  return g_string_free (text, FALSE);
}

char *
sr_rpc_build_error (JsonNode     *id,
                    const GError *error,
                    gsize        *len)
{
  JsonObject *object = envelope (id);

  g_return_val_if_fail (error != NULL, NULL);

  json_object_set_member (object, "error", sr_error_to_json (error));

  return object_to_string (object, len);
}

char *
sr_rpc_build_notification (const char *method,
                           JsonNode   *params,
                           gsize      *len)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (method != NULL, NULL);

  json_object_set_string_member (object, "jsonrpc", "2.0");
  json_object_set_string_member (object, "method", method);
  if (params != NULL)
    json_object_set_member (object, "params", json_node_ref (params));

  return object_to_string (object, len);
}

SrMessage *
sr_rpc_parse_message (const char  *data,
                      gsize        len,
                      GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SrMessage) message = NULL;
  JsonObject *object;
  JsonNode *node;

  if (!sr_json_check_text (data, len, error))
    return NULL;

  root = sr_json_from_string (data, len, error);
  if (root == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, NULL, "a message is a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);
  message = g_new0 (SrMessage, 1);

  node = json_object_get_member (object, "method");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          sr_set_error (error, SR_ERROR_INVALID_REQUEST, "method", "method must be a string");
          return NULL;
        }
      message->kind = SR_MESSAGE_NOTIFICATION;
      message->method = g_strdup (json_node_get_string (node));
      node = json_object_get_member (object, "params");
      message->params = node ? json_node_copy (node) : json_node_new (JSON_NODE_NULL);
      return g_steal_pointer (&message);
    }

  message->kind = SR_MESSAGE_RESPONSE;
  node = json_object_get_member (object, "id");
  message->id = node ? json_node_copy (node) : json_node_new (JSON_NODE_NULL);

  node = json_object_get_member (object, "error");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      message->error = sr_error_from_json (json_node_get_object (node));
      return g_steal_pointer (&message);
    }

  node = json_object_get_member (object, "result");
  if (node == NULL)
    {
      sr_set_error (error, SR_ERROR_INVALID_REQUEST, NULL,
                    "a response has a result or an error");
      return NULL;
    }
  message->result = json_node_copy (node);

  return g_steal_pointer (&message);
}
