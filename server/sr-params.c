/* sr-params.c: parameter getters that turn every ill-typed, missing or out-of-range
 * member into one clear invalid_params error. */
#define G_LOG_DOMAIN "sr-params"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sr-error.h"
#include "sr-params.h"

static JsonNode *
member (JsonObject *params,
        const char *name)
{
  JsonNode *node = json_object_get_member (params, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
missing (const char  *name,
         gboolean     required,
         GError     **error)
{
  if (!required)
    return TRUE;

  sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s is required", name);
  return FALSE;
}

gboolean
sr_param_int (JsonObject  *params,
              const char  *name,
              gboolean     required,
              gint64       min,
              gint64       max,
              gint64      *out,
              GError     **error)
{
  JsonNode *node = member (params, name);
  gint64 value;

  if (node == NULL)
    return missing (name, required, error);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s must be an integer", name);
      return FALSE;
    }

  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                    name, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
sr_param_string (JsonObject  *params,
                 const char  *name,
                 gboolean     required,
                 glong        max_chars,
                 const char **out,
                 GError     **error)
{
  JsonNode *node = member (params, name);
  const char *value;

  if (node == NULL)
    return missing (name, required, error);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s must be a string", name);
      return FALSE;
    }

  value = json_node_get_string (node);
  /* Bytes first: a megabyte string is refused without walking it character by character. */
  if (strlen (value) > (gsize) max_chars * 4 || g_utf8_strlen (value, -1) > max_chars)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s may be at most %ld characters long", name, max_chars);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
sr_param_text (JsonObject  *params,
               const char  *name,
               gboolean     required,
               glong        max_chars,
               const char **out,
               GError     **error)
{
  const char *value = NULL;

  if (!sr_param_string (params, name, required, max_chars, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      {
        *out = value;
        return TRUE;
      }

  sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s may not be blank", name);
  return FALSE;
}

gboolean
sr_param_bool (JsonObject  *params,
               const char  *name,
               gboolean     required,
               gboolean    *out,
               GError     **error)
{
  JsonNode *node = member (params, name);

  if (node == NULL)
    return missing (name, required, error);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s must be true or false", name);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
sr_param_object (JsonObject  *params,
                 const char  *name,
                 gboolean     required,
                 JsonObject **out,
                 GError     **error)
{
  JsonNode *node = member (params, name);

  if (node == NULL)
    return missing (name, required, error);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s must be an object", name);
      return FALSE;
    }

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
sr_param_enum (JsonObject         *params,
               const char         *name,
               gboolean            required,
               const char *const  *values,
               const char        **out,
               GError            **error)
{
  const char *value = NULL;
  g_autofree char *list = NULL;

  if (!sr_param_string (params, name, required, 64, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (g_strv_contains (values, value))
    {
      *out = value;
      return TRUE;
    }

  list = g_strjoinv (", ", (char **) values);
  sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s must be one of: %s", name, list);
  return FALSE;
}

gboolean
sr_param_enum_set (JsonObject         *params,
                   const char         *name,
                   const char *const  *values,
                   char              **out,
                   GError            **error)
{
  JsonNode *node = json_object_get_member (params, name);
  g_autoptr(GString) literal = NULL;
  g_autofree char *list = NULL;
  const char *one = NULL;
  JsonArray *array;
  guint n_values = g_strv_length ((char **) values);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      if (!sr_param_enum (params, name, FALSE, values, &one, error))
        return FALSE;
      *out = g_strdup_printf ("{%s}", one);
      return TRUE;
    }

  list = g_strjoinv (", ", (char **) values);
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s is one of %s, or a list of them", name, list);
      return FALSE;
    }
  /* A value may repeat (it changes nothing), but not without end. */
  if (json_array_get_length (json_node_get_array (node)) > MAX (n_values, 64))
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                    "%s lists at most %u values", name, MAX (n_values, 64));
      return FALSE;
    }

  array = json_node_get_array (node);
  literal = g_string_new ("{");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *word;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING ||
          !g_strv_contains (values, (word = json_node_get_string (element))))
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, name,
                        "%s must be among: %s", name, list);
          return FALSE;
        }
      g_string_append_printf (literal, "%s%s", i ? "," : "", word);
    }
  g_string_append_c (literal, '}');
  *out = g_string_free (g_steal_pointer (&literal), FALSE);

  return TRUE;
}

gboolean
sr_text_is_date (const char *text)
{
  int y, m, d;
  char tail;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-' ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[8]) ||
      sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return FALSE;

  return y >= 1900 && y <= 9999 && g_date_valid_dmy (d, m, y);
}

gboolean
sr_param_paging (JsonObject  *params,
                 gint64       default_limit,
                 gint64       max_limit,
                 gint64      *limit,
                 const char **after,
                 GError     **error)
{
  *limit = default_limit;
  *after = NULL;

  return sr_param_int (params, "limit", FALSE, 1, max_limit, limit, error) &&
         sr_param_string (params, "after", FALSE, 200, after, error);
}

gboolean
sr_param_only (JsonObject         *object,
               const char         *field,
               const char *const  *allowed,
               GError            **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (!g_strv_contains (allowed, name))
        {
          g_autofree char *path = field ? g_strdup_printf ("%s.%s", field, name) : g_strdup (name);

          sr_set_error (error, SR_ERROR_INVALID_PARAMS, path, "%s cannot be changed here", name);
          return FALSE;
        }
    }

  return TRUE;
}

char *
sr_param_email (JsonObject  *params,
                const char  *name,
                GError     **error)
{
  g_autofree char *email = NULL;
  const char *value = NULL;
  const char *at;

  if (!sr_param_string (params, name, TRUE, 254, &value, error))
    return NULL;

  email = g_utf8_strdown (value, -1);
  g_strstrip (email);

  /* Deliberately plain: something@domain.tld, no spaces or control characters. */
  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL ||
      strchr (at + 1, '.') == NULL || g_str_has_suffix (email, ".") ||
      at[1] == '.' || strlen (email) < 5)
    {
      sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s is not an e-mail address", name);
      return NULL;
    }
  for (const char *p = email; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || c == '<' || c == '>' ||
          c == ',' || c == ';' || c == '"' || c == '\\')
        {
          sr_set_error (error, SR_ERROR_INVALID_PARAMS, name, "%s is not an e-mail address", name);
          return NULL;
        }
    }

  return g_steal_pointer (&email);
}
