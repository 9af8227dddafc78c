/* sr-records.c: build protocol objects straight from result rows. */
#define G_LOG_DOMAIN "sr-records"

#include "config.h"

#include <errno.h>

#include <string.h>

#include "sr-db-pool.h"
#include "sr-error.h"
#include "sr-records.h"
#include "sr-rpc.h"

const char *const sr_role_names[] = { "admin", "manager", "sales", NULL };

SrRole
sr_role_from_string (const char *name)
{
  if (g_strcmp0 (name, "admin") == 0)
    return SR_ROLE_ADMIN;
  if (g_strcmp0 (name, "manager") == 0)
    return SR_ROLE_MANAGER;
  if (g_strcmp0 (name, "sales") == 0)
    return SR_ROLE_SALES;
  return SR_ROLE_NONE;
}

const char *
sr_role_to_string (SrRole role)
{
  switch (role)
    {
    case SR_ROLE_ADMIN:
      return "admin";
    case SR_ROLE_MANAGER:
      return "manager";
    case SR_ROLE_SALES:
      return "sales";
    case SR_ROLE_NONE:
    default:
      return NULL;
    }
}

JsonNode *
sr_user_to_json (PGresult *result,
                 int       row)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", sr_db_get_int (result, row, 0));
  json_object_set_string_member (object, "email", sr_db_get_text (result, row, 1));
  json_object_set_string_member (object, "name", sr_db_get_text (result, row, 2));
  json_object_set_string_member (object, "role", sr_db_get_text (result, row, 3));
  json_object_set_int_member (object, "branch_id", sr_db_get_int (result, row, 4));
  json_object_set_boolean_member (object, "active", sr_db_get_bool (result, row, 5));

  return sr_json_node_take_object (object);
}

JsonNode *
sr_branch_to_json (PGresult *result,
                   int       row)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", sr_db_get_int (result, row, 0));
  json_object_set_string_member (object, "name", sr_db_get_text (result, row, 1));
  json_object_set_string_member (object, "city", sr_db_get_text (result, row, 2));

  return sr_json_node_take_object (object);
}

void
sr_record_hide_cost (const char *entity,
                     JsonObject *record)
{
  if (g_str_equal (entity, "vehicle"))
    json_object_remove_member (record, "cost");
  else if (g_str_equal (entity, "pending_edit"))
    {
      JsonNode *changes = json_object_get_member (record, "changes");

      if (changes != NULL && JSON_NODE_HOLDS_OBJECT (changes))
        json_object_remove_member (json_node_get_object (changes), "cost");
    }
}

/* Opaque to clients, but deliberately simple: base64 of "k1:<id>". The prefix lets a
 * later cursor format live beside this one. */
char *
sr_cursor_encode (gint64 id)
{
  g_autofree char *plain = g_strdup_printf ("k1:%" G_GINT64_FORMAT, id);
  char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  return encoded;
}

gboolean
sr_cursor_decode (const char  *cursor,
                  gint64      *id,
                  GError     **error)
{
  g_autofree guchar *plain = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  char *end = NULL;
  gint64 value;

  for (const char *p = cursor; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      goto bad;

  plain = g_base64_decode (cursor, &len);
  if (plain == NULL || len < 4 || len > 32)
    goto bad;
  text = g_strndup ((const char *) plain, len);
  if (!g_str_has_prefix (text, "k1:"))
    goto bad;

  /* Digits only, as the server writes them: no sign, no space, no wrap. */
  if (!g_ascii_isdigit (text[3]))
    goto bad;
  errno = 0;
  value = g_ascii_strtoll (text + 3, &end, 10);
  if (*end != '\0' || errno != 0)
    goto bad;

  *id = value;
  return TRUE;

bad:
  sr_set_error (error, SR_ERROR_INVALID_PARAMS, "after", "after is not a cursor from this server");
  return FALSE;
}

JsonNode *
sr_page_from_rows (PGresult  *result,
                   gint64     limit,
                   GError   **error)
{
  int n = MIN (PQntuples (result), limit);
  JsonArray *items = json_array_sized_new (n);

  for (int i = 0; i < n; i++)
    {
      JsonNode *item = sr_json_from_string (PQgetvalue (result, i, 0), -1, error);

      if (item == NULL)
        {
          json_array_unref (items);
          return NULL;
        }
      json_array_add_element (items, item);
    }

  return sr_page_new (items, n > 0 ? sr_db_get_int (result, n - 1, 1) : 0,
                      PQntuples (result) > limit);
}

JsonNode *
sr_page_new (JsonArray *items,
             gint64     last_id,
             gboolean   more)
{
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "items", items);
  if (more)
    {
      g_autofree char *next = sr_cursor_encode (last_id);
      json_object_set_string_member (object, "next", next);
    }
  else
    json_object_set_null_member (object, "next");

  return sr_json_node_take_object (object);
}
