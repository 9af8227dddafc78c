/* sr-sales.h: what the customer, follow-up and sale methods share. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

extern const char *const sr_customer_status_names[];
extern const char *const sr_followup_kind_names[];
extern const char *const sr_followup_status_names[];
extern const char *const sr_sale_status_names[];
extern const char *const sr_payment_method_names[];

/* A LIKE pattern that matches @text anywhere, lower case, with % _ \ taken literally. */
char     *sr_like_pattern     (const char   *text);

/* A date, YYYY-MM-DD, as given. */
gboolean  sr_param_date       (JsonObject   *params,
                               const char   *name,
                               gboolean      required,
                               const char  **out,
                               GError      **error);
/* An RFC 3339 time with its offset, rewritten in one spelling PostgreSQL reads; NULL
 * when absent (*present FALSE) or wrong (error set). */
char     *sr_param_timestamp  (JsonObject   *params,
                               const char   *name,
                               gboolean      required,
                               gboolean     *present,
                               GError      **error);

G_END_DECLS
