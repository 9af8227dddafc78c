/* sr-error.h: the SR_ERROR domain, one value per reason word of the wire protocol.
 *
 * A GError of this domain carries the protocol's `data` object (reason, field and any
 * extra members such as `current` or `retry_after_s`), so a failure crosses the wire and
 * comes back out of SrConnection unchanged.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SR_ERROR (sr_error_quark ())

typedef enum {
  /* -32700 */
  SR_ERROR_PARSE_ERROR,
  /* -32600 */
  SR_ERROR_INVALID_REQUEST,
  SR_ERROR_HELLO_REQUIRED,
  SR_ERROR_FRAME_TOO_LARGE,
  SR_ERROR_EMPTY_FRAME,
  SR_ERROR_BATCH_UNSUPPORTED,
  /* -32601 */
  SR_ERROR_METHOD_NOT_FOUND,
  /* -32602 */
  SR_ERROR_INVALID_PARAMS,
  SR_ERROR_INVALID_VIN,
  SR_ERROR_DUPLICATE_VIN,
  SR_ERROR_EMAIL_DOMAIN,
  SR_ERROR_WEAK_PASSWORD,
  SR_ERROR_DUPLICATE_EMAIL,
  SR_ERROR_DUPLICATE_NAME,
  SR_ERROR_WRONG_PASSWORD,
  SR_ERROR_TOO_MANY_ROWS,
  /* -32603 */
  SR_ERROR_INTERNAL_ERROR,
  SR_ERROR_UNAVAILABLE,
  /* -32001 */
  SR_ERROR_UNAUTHENTICATED,
  SR_ERROR_BAD_CREDENTIALS,
  SR_ERROR_SESSION_EXPIRED,
  /* -32002 */
  SR_ERROR_UNSUPPORTED_PROTOCOL,
  /* -32003 */
  SR_ERROR_FORBIDDEN,
  SR_ERROR_OWN_EDIT,
  SR_ERROR_OTHER_BRANCH,
  /* -32004 */
  SR_ERROR_NOT_FOUND,
  /* -32009 */
  SR_ERROR_VERSION_CONFLICT,
  SR_ERROR_STALE_EDIT,
  SR_ERROR_ALREADY_DECIDED,
  SR_ERROR_PREVIEW_STALE,
  SR_ERROR_NOT_AVAILABLE,
  /* -32029 */
  SR_ERROR_RATE_LIMITED,
  /* Client side only: the connection is gone or could not be made. */
  SR_ERROR_CONNECTION,

  SR_ERROR_N_CODES
} SrError;

/* The JSON-RPC codes of PROTOCOL.md section 2. */
#define SR_RPC_PARSE_ERROR          -32700
#define SR_RPC_INVALID_REQUEST      -32600
#define SR_RPC_METHOD_NOT_FOUND     -32601
#define SR_RPC_INVALID_PARAMS       -32602
#define SR_RPC_INTERNAL_ERROR       -32603
#define SR_RPC_UNAUTHENTICATED      -32001
#define SR_RPC_UNSUPPORTED_PROTOCOL -32002
#define SR_RPC_FORBIDDEN            -32003
#define SR_RPC_NOT_FOUND            -32004
#define SR_RPC_CONFLICT             -32009
#define SR_RPC_RATE_LIMITED         -32029

GQuark       sr_error_quark          (void);

int          sr_error_rpc_code       (SrError      error);
const char  *sr_error_reason         (SrError      error);
SrError      sr_error_from_reason    (const char  *reason,
                                      int          rpc_code);

GError      *sr_error_new            (SrError      code,
                                      const char  *field,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (3, 4);
void         sr_set_error            (GError     **error,
                                      SrError      code,
                                      const char  *field,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (4, 5);

/* Extra members of the error's `data` object (beside reason and field). */
const char  *sr_error_get_field      (const GError *error);
/* "price" becomes "changes.price": for members of a nested params object. */
void         sr_error_prefix_field   (GError       *error,
                                      const char   *prefix);
JsonObject  *sr_error_get_extra      (const GError *error);
void         sr_error_set_extra_member (GError    *error,
                                        const char *name,
                                        JsonNode   *value);
/* For -32603: the correlation id that the server logged with the fault. */
const char  *sr_error_get_ref        (const GError *error);

/* Wire form: {"code", "message", "data": {"reason", "field"?, ...extra}}. */
JsonNode    *sr_error_to_json        (const GError *error);
GError      *sr_error_from_json      (JsonObject   *object);

G_END_DECLS
