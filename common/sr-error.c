/* sr-error.c: reason words, their JSON-RPC codes, and the error <-> JSON mapping.
 *
 * The domain is an extended GError domain so the protocol's `data` travels with it.
 */
#define G_LOG_DOMAIN "sr-error"

#include "config.h"

#include <string.h>

#include "sr-error.h"

typedef struct {
  char       *field;
  char       *ref;
  JsonObject *extra;
} SrErrorPrivate;

static void
sr_error_private_init (SrErrorPrivate *priv)
{
}

static void
sr_error_private_copy (const SrErrorPrivate *src,
                       SrErrorPrivate       *dest)
{
  dest->field = g_strdup (src->field);
  dest->ref = g_strdup (src->ref);
  dest->extra = src->extra ? json_object_ref (src->extra) : NULL;
}

static void
sr_error_private_clear (SrErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
  g_clear_pointer (&priv->ref, g_free);
  g_clear_pointer (&priv->extra, json_object_unref);
}

G_DEFINE_EXTENDED_ERROR (SrError, sr_error)

static const struct {
  const char *reason;
  int         code;
} reasons[SR_ERROR_N_CODES] = {
  [SR_ERROR_PARSE_ERROR]          = { "parse_error",          SR_RPC_PARSE_ERROR },
  [SR_ERROR_INVALID_REQUEST]      = { "invalid_request",      SR_RPC_INVALID_REQUEST },
  [SR_ERROR_HELLO_REQUIRED]       = { "hello_required",       SR_RPC_INVALID_REQUEST },
  [SR_ERROR_FRAME_TOO_LARGE]      = { "frame_too_large",      SR_RPC_INVALID_REQUEST },
  [SR_ERROR_EMPTY_FRAME]          = { "empty_frame",          SR_RPC_INVALID_REQUEST },
  [SR_ERROR_BATCH_UNSUPPORTED]    = { "batch_unsupported",    SR_RPC_INVALID_REQUEST },
  [SR_ERROR_METHOD_NOT_FOUND]     = { "method_not_found",     SR_RPC_METHOD_NOT_FOUND },
  [SR_ERROR_INVALID_PARAMS]       = { "invalid_params",       SR_RPC_INVALID_PARAMS },
  [SR_ERROR_INVALID_VIN]          = { "invalid_vin",          SR_RPC_INVALID_PARAMS },
  [SR_ERROR_DUPLICATE_VIN]        = { "duplicate_vin",        SR_RPC_INVALID_PARAMS },
  [SR_ERROR_EMAIL_DOMAIN]         = { "email_domain",         SR_RPC_INVALID_PARAMS },
  [SR_ERROR_WEAK_PASSWORD]        = { "weak_password",        SR_RPC_INVALID_PARAMS },
  [SR_ERROR_DUPLICATE_EMAIL]      = { "duplicate_email",      SR_RPC_INVALID_PARAMS },
  [SR_ERROR_DUPLICATE_NAME]       = { "duplicate_name",       SR_RPC_INVALID_PARAMS },
  [SR_ERROR_WRONG_PASSWORD]       = { "wrong_password",       SR_RPC_INVALID_PARAMS },
  [SR_ERROR_TOO_MANY_ROWS]        = { "too_many_rows",        SR_RPC_INVALID_PARAMS },
  [SR_ERROR_INTERNAL_ERROR]       = { "internal_error",       SR_RPC_INTERNAL_ERROR },
  [SR_ERROR_UNAVAILABLE]          = { "unavailable",          SR_RPC_INTERNAL_ERROR },
  [SR_ERROR_UNAUTHENTICATED]      = { "unauthenticated",      SR_RPC_UNAUTHENTICATED },
  [SR_ERROR_BAD_CREDENTIALS]      = { "bad_credentials",      SR_RPC_UNAUTHENTICATED },
  [SR_ERROR_SESSION_EXPIRED]      = { "session_expired",      SR_RPC_UNAUTHENTICATED },
  [SR_ERROR_UNSUPPORTED_PROTOCOL] = { "unsupported_protocol", SR_RPC_UNSUPPORTED_PROTOCOL },
  [SR_ERROR_FORBIDDEN]            = { "forbidden",            SR_RPC_FORBIDDEN },
  [SR_ERROR_OWN_EDIT]             = { "own_edit",             SR_RPC_FORBIDDEN },
  [SR_ERROR_OTHER_BRANCH]         = { "other_branch",         SR_RPC_FORBIDDEN },
  [SR_ERROR_NOT_FOUND]            = { "not_found",            SR_RPC_NOT_FOUND },
  [SR_ERROR_VERSION_CONFLICT]     = { "version_conflict",     SR_RPC_CONFLICT },
  [SR_ERROR_STALE_EDIT]           = { "stale_edit",           SR_RPC_CONFLICT },
  [SR_ERROR_ALREADY_DECIDED]      = { "already_decided",      SR_RPC_CONFLICT },
  [SR_ERROR_PREVIEW_STALE]        = { "preview_stale",        SR_RPC_CONFLICT },
  [SR_ERROR_NOT_AVAILABLE]        = { "not_available",        SR_RPC_CONFLICT },
  [SR_ERROR_RATE_LIMITED]         = { "rate_limited",         SR_RPC_RATE_LIMITED },
  [SR_ERROR_CONNECTION]           = { "connection",           0 },
};

int
sr_error_rpc_code (SrError error)
{
  g_return_val_if_fail (error >= 0 && error < SR_ERROR_N_CODES, SR_RPC_INTERNAL_ERROR);

  return reasons[error].code;
}

const char *
sr_error_reason (SrError error)
{
  g_return_val_if_fail (error >= 0 && error < SR_ERROR_N_CODES, "internal_error");

  return reasons[error].reason;
}

/* A reason this build does not know (a newer server) falls back on the first value
 * that shares its code, so callers that switch on the code class still do the right
 * thing. */
SrError
sr_error_from_reason (const char *reason,
                      int         rpc_code)
{
  int fallback = -1;

  for (int i = 0; i < SR_ERROR_N_CODES; i++)
    {
      if (i == SR_ERROR_CONNECTION || reasons[i].code != rpc_code)
        continue;
      if (reason != NULL && g_str_equal (reasons[i].reason, reason))
        return i;
      if (fallback < 0)
        fallback = i;
    }

  return fallback >= 0 ? fallback : SR_ERROR_INTERNAL_ERROR;
}

static void
set_field (GError     *error,
           const char *field)
{
  SrErrorPrivate *priv = sr_error_get_private (error);

  if (priv != NULL && field != NULL)
    {
      g_free (priv->field);
      priv->field = g_strdup (field);
    }
}

GError *
sr_error_new (SrError     code,
              const char *field,
              const char *format,
              ...)
{
  GError *error;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (SR_ERROR, code, format, args);
  va_end (args);
  set_field (error, field);

  return error;
}

void
sr_set_error (GError     **error,
              SrError      code,
              const char  *field,
              const char  *format,
              ...)
{
  GError *new_error;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  new_error = g_error_new_valist (SR_ERROR, code, format, args);
  va_end (args);
  set_field (new_error, field);

  g_propagate_error (error, new_error);
}

const char *
sr_error_get_field (const GError *error)
{
  SrErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = sr_error_get_private (error);
  return priv ? priv->field : NULL;
}

void
sr_error_prefix_field (GError     *error,
                       const char *prefix)
{
  SrErrorPrivate *priv;
  char *field;

  g_return_if_fail (error != NULL);

  priv = sr_error_get_private (error);
  if (priv == NULL || priv->field == NULL || prefix == NULL)
    return;
  if (g_str_has_prefix (priv->field, prefix) && priv->field[strlen (prefix)] == '.')
    return;

  field = g_strconcat (prefix, ".", priv->field, NULL);
  g_free (priv->field);
  priv->field = field;
}

const char *
sr_error_get_ref (const GError *error)
{
  SrErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = sr_error_get_private (error);
  return priv ? priv->ref : NULL;
}

JsonObject *
sr_error_get_extra (const GError *error)
{
  SrErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = sr_error_get_private (error);
  return priv ? priv->extra : NULL;
}

void
sr_error_set_extra_member (GError     *error,
                           const char *name,
                           JsonNode   *value)
{
  SrErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (name != NULL);

  priv = sr_error_get_private (error);
  if (priv == NULL)
    {
      json_node_unref (value);
      return;
    }

  if (g_str_equal (name, "ref") && JSON_NODE_HOLDS_VALUE (value) &&
      json_node_get_value_type (value) == G_TYPE_STRING)
    {
      g_free (priv->ref);
      priv->ref = g_strdup (json_node_get_string (value));
    }
  if (priv->extra == NULL)
    priv->extra = json_object_new ();
  json_object_set_member (priv->extra, name, value);
}

JsonNode *
sr_error_to_json (const GError *error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonObject) data = json_object_new ();
  SrError code = SR_ERROR_INTERNAL_ERROR;
  const char *message = "internal error";
  JsonNode *node;

  g_return_val_if_fail (error != NULL, NULL);

  /* Anything outside our domain is a fault, and its text is never sent: it may hold a
   * path or SQL. The caller logs it. */
  if (error->domain == SR_ERROR && error->code >= 0 && error->code < SR_ERROR_N_CODES &&
      error->code != SR_ERROR_CONNECTION)
    {
      code = error->code;
      message = error->message;
    }

  json_object_set_int_member (object, "code", sr_error_rpc_code (code));
  json_object_set_string_member (object, "message", message);

  json_object_set_string_member (data, "reason", sr_error_reason (code));
  if (error->domain == SR_ERROR && error->code != SR_ERROR_CONNECTION)
    {
      JsonObject *extra = sr_error_get_extra (error);
      const char *field = sr_error_get_field (error);

      if (field != NULL)
        json_object_set_string_member (data, "field", field);
      if (extra != NULL)
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *value;

          json_object_iter_init (&iter, extra);
          while (json_object_iter_next (&iter, &name, &value))
            json_object_set_member (data, name, json_node_copy (value));
        }
    }
  json_object_set_object_member (object, "data", g_steal_pointer (&data));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return node;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Reads what a server sent; anything ill-typed falls back rather than failing, so a
 * broken server still yields an error the caller can show. */
GError *
sr_error_from_json (JsonObject *object)
{
  JsonObject *data = NULL;
  JsonNode *node;
  const char *reason = NULL;
  const char *message;
  int rpc_code = SR_RPC_INTERNAL_ERROR;
  SrError code;
  GError *error;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_object_get_member (object, "code");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    rpc_code = (int) CLAMP (json_node_get_int (node), G_MININT, G_MAXINT);

  message = string_member (object, "message");
  if (message == NULL)
    message = "the server reported an error";

  node = json_object_get_member (object, "data");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    data = json_node_get_object (node);
  if (data != NULL)
    reason = string_member (data, "reason");

  code = sr_error_from_reason (reason, rpc_code);
  if (code == SR_ERROR_CONNECTION)
    code = SR_ERROR_INTERNAL_ERROR;
  error = g_error_new_literal (SR_ERROR, code, message);

  if (data != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, data);
      while (json_object_iter_next (&iter, &name, &value))
        {
          if (g_str_equal (name, "reason"))
            continue;
          if (g_str_equal (name, "field"))
            {
              if (JSON_NODE_HOLDS_VALUE (value) &&
                  json_node_get_value_type (value) == G_TYPE_STRING)
                set_field (error, json_node_get_string (value));
            }
          else if (!g_str_equal (name, "ref") ||
                   (JSON_NODE_HOLDS_VALUE (value) &&
                    json_node_get_value_type (value) == G_TYPE_STRING))
            sr_error_set_extra_member (error, name, json_node_copy (value));
        }
    }

  return error;
}
