/* sr-rpc.h: JSON-RPC 2.0 messages as the protocol uses them.
 *
 * The server side parses requests and builds results, errors and event notifications;
 * the client side builds requests and parses responses and notifications. Parsing is
 * strict: whatever PROTOCOL.md does not allow is refused with the error it names.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deeper nesting than this is refused before the JSON parser sees it. */
#define SR_RPC_MAX_DEPTH 64

typedef struct {
  JsonNode   *id;       /* an integer or a string */
  char       *method;
  JsonObject *params;   /* never NULL: an empty object when the request had none */
} SrRequest;

typedef enum {
  SR_MESSAGE_RESPONSE,
  SR_MESSAGE_NOTIFICATION,
} SrMessageKind;

typedef struct {
  SrMessageKind  kind;
  JsonNode      *id;      /* responses: the request's id, or a null node */
  JsonNode      *result;  /* responses on success */
  GError        *error;   /* responses on failure, in SR_ERROR */
  char          *method;  /* notifications */
  JsonNode      *params;  /* notifications */
} SrMessage;

void       sr_request_free            (SrRequest    *request);
void       sr_message_free            (SrMessage    *message);

/* On failure *out_id is set to the request's id when one could be read (so the error
 * response can carry it), else to NULL. */
gboolean   sr_rpc_parse_request       (const char   *data,
                                       gsize         len,
                                       SrRequest   **out_request,
                                       JsonNode    **out_id,
                                       GError      **error);
SrMessage *sr_rpc_parse_message       (const char   *data,
                                       gsize         len,
                                       GError      **error);
/* Finds a successful response's integer id and where its result lies in @data,
 * without building the result (only its nesting is checked). FALSE for anything
 * else (errors, notifications, what it cannot read): sr_rpc_parse_message() says
 * what those are. */
gboolean   sr_rpc_scan_response       (const char   *data,
                                       gsize         len,
                                       gint64       *id,
                                       gsize        *result_offset,
                                       gsize        *result_len);

char      *sr_rpc_build_request       (JsonNode     *id,
                                       const char   *method,
                                       JsonObject   *params,
                                       gsize        *len);
char      *sr_rpc_build_result        (JsonNode     *id,
                                       JsonNode     *result,
                                       gsize        *len);
/* Same, with a result that is already JSON text (from the database), spliced in as is. */
char      *sr_rpc_build_result_text   (JsonNode     *id,
                                       const char   *result,
                                       gsize        *len);
char      *sr_rpc_build_error         (JsonNode     *id,
                                       const GError *error,
                                       gsize        *len);
char      *sr_rpc_build_notification  (const char   *method,
                                       JsonNode     *params,
                                       gsize        *len);

/* Helpers shared by both sides. */
/* A node that takes over the object (json_node_init_object would add a reference). */
JsonNode  *sr_json_node_take_object   (JsonObject   *object);
/* An empty object node: the result of methods that have nothing to say. */
JsonNode  *sr_json_node_empty         (void);
/* JSON text as RFC 8259 has it: doubles in their shortest exact form, every control
 * character escaped. */
char      *sr_json_to_string          (JsonNode     *node,
                                       gsize        *len);
/* The same, indented for people when @pretty is TRUE. */
char      *sr_json_to_string_pretty   (JsonNode     *node,
                                       gboolean      pretty,
                                       gsize        *len);
JsonNode  *sr_json_from_string        (const char   *data,
                                       gssize        len,
                                       GError      **error);
gboolean   sr_json_check_text         (const char   *data,
                                       gsize         len,
                                       GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrRequest, sr_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrMessage, sr_message_free)

G_END_DECLS
