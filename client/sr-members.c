/* sr-members.c: forgiving reads of a record's members. */
#include "config.h"

#include "sr-members.h"
#include "sr-vehicle.h"

const char *
sr_member_string (JsonObject *object,
                  const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

gint64
sr_member_int (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

gint64
sr_member_money (JsonObject *object,
                 const char *name)
{
  gint64 paise = 0;

  if (!sr_money_parse (sr_member_string (object, name), &paise))
    return 0;
  return paise;
}

JsonObject *
sr_member_object (JsonObject *object,
                  const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}
