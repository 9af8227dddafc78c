/* sr-records.h: rows -> protocol objects, the role words, and paging cursors. */
#pragma once

#include <json-glib/json-glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef enum {
  SR_ROLE_NONE    = 0,
  SR_ROLE_SALES   = 1 << 0,
  SR_ROLE_MANAGER = 1 << 1,
  SR_ROLE_ADMIN   = 1 << 2,
} SrRole;

#define SR_ROLES_ANY (SR_ROLE_SALES | SR_ROLE_MANAGER | SR_ROLE_ADMIN)

extern const char *const sr_role_names[];   /* "admin", "manager", "sales", NULL */

SrRole      sr_role_from_string   (const char *name);
const char *sr_role_to_string     (SrRole      role);

/* The columns every user query selects, in this order, and the object made of them. */
#define SR_USER_COLUMNS "u.id, u.email, u.name, u.role::text, u.branch_id, u.active"
#define SR_USER_N_COLUMNS 6
JsonNode   *sr_user_to_json       (PGresult   *result,
                                   int         row);

#define SR_BRANCH_COLUMNS "b.id, b.name, b.city"
JsonNode   *sr_branch_to_json     (PGresult   *result,
                                   int         row);

/* Removes what a sales user may not see from a record of @entity: a vehicle's cost,
 * and a proposed change of cost in a pending edit. */
void        sr_record_hide_cost   (const char *entity,
                                   JsonObject *record);

/* {items, next} with next = a cursor after the last row's id when the page is full. */
JsonNode   *sr_page_new           (JsonArray  *items,
                                   gint64      last_id,
                                   gboolean    more);
/* The same from rows of (JSON text, id) read with LIMIT @limit + 1: the first @limit
 * rows' records, and a next cursor when the extra row came back. */
JsonNode   *sr_page_from_rows     (PGresult   *result,
                                   gint64      limit,
                                   GError    **error);
char       *sr_cursor_encode      (gint64      id);
/* FALSE with invalid_params (field "after") for anything that is not our cursor. */
gboolean    sr_cursor_decode      (const char *cursor,
                                   gint64     *id,
                                   GError    **error);

G_END_DECLS
