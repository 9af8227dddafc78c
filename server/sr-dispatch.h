/* sr-dispatch.h: the method table and the call a method handler works on.
 *
 * A handler runs on a database worker. It reads its params, does its work in one
 * transaction, and returns the result; anything a session must change afterwards (a
 * login, a revoked token) it records in the call's effects, which the main thread
 * applies before the response goes out.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sr-config.h"
#include "sr-db-pool.h"
#include "sr-password.h"
#include "sr-records.h"

G_BEGIN_DECLS

typedef struct {
  gint64   id;
  char    *email;
  char    *name;
  SrRole   role;
  gint64   branch_id;
} SrActor;

typedef enum {
  SR_EFFECT_LOGIN,          /* the session is now `actor`, with token_hash */
  SR_EFFECT_REVOKE_TOKEN,   /* every connection using token_hash loses its session */
  SR_EFFECT_REVOKE_USER,    /* every session of user_id except token_hash (if set) */
  SR_EFFECT_REFRESH_USER,   /* user_id changed: sessions take `actor` as the new self */
} SrEffectKind;

typedef struct {
  SrEffectKind kind;
  gint64       user_id;
  gboolean     has_token;
  guint8       token_hash[SR_TOKEN_HASH_SIZE];
  SrActor      actor;
  gint64       expires_at;  /* LOGIN: absolute expiry, unix seconds */
} SrEffect;

typedef struct {
  /* Borrowed, read-only while the server runs */
  const SrConfig *config;

  /* Owned */
  char           *method;
  JsonObject     *params;
  SrActor         actor;           /* id 0 when not signed in */
  gboolean        has_token;
  guint8          token_hash[SR_TOKEN_HASH_SIZE];
  gboolean        touch_session;   /* also check and refresh the session row */
  gboolean        refresh_actor;   /* re-read the actor first: it changed elsewhere */
  GPtrArray      *effects;         /* SrEffect */
  char           *raw_result;      /* set by a handler: the result as JSON text, sent as is */
} SrCall;

typedef JsonNode *(*SrMethodFunc) (SrDb    *db,
                                   SrCall  *call,
                                   GError **error);

/* A method that is one statement with one parameter may say so: the pool then
 * pipelines it with its neighbours (sr_db_pool_run_simple_async). */
typedef gboolean (*SrMethodSimple) (SrCall       *call,
                                    const char  **sql,
                                    char        **value,
                                    GError      **error);

typedef struct {
  const char     *name;
  guint           roles;   /* who may call it; 0: no session needed */
  SrMethodFunc    func;
  SrMethodSimple  simple;  /* optional, with finish */
  SrDbFinishFunc  finish;
} SrMethod;

const SrMethod *sr_dispatch_lookup   (const char     *name);

SrCall         *sr_call_new          (const SrConfig *config,
                                      const char     *method,
                                      JsonObject     *params);
void            sr_call_free         (SrCall         *call);
SrEffect       *sr_call_add_effect   (SrCall         *call,
                                      SrEffectKind    kind);
void            sr_actor_clear       (SrActor        *actor);
void            sr_actor_copy        (SrActor        *dest,
                                      const SrActor  *src);
/* Fills an actor from the SR_USER_COLUMNS of a row. */
void            sr_actor_from_row    (SrActor        *actor,
                                      PGresult       *result,
                                      int             row);

/* Runs the call's checks and handler on db: what a worker does for each request. */
JsonNode       *sr_dispatch_run      (SrDb           *db,
                                      SrCall         *call,
                                      GError        **error);

/* Method groups */
JsonNode *sr_auth_login           (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_auth_resume          (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_auth_logout          (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_auth_change_password (SrDb *db, SrCall *call, GError **error);
gboolean  sr_auth_check_session   (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_users_list           (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_users_create         (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_users_update         (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_branches_list        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_branches_create      (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_vehicles_list        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_vehicles_get         (SrDb *db, SrCall *call, GError **error);
gboolean  sr_vehicles_get_simple  (SrCall *call, const char **sql, char **value,
                                   GError **error);
JsonNode *sr_vehicles_get_finish  (PGresult *result, gpointer data, GError **error);
JsonNode *sr_vehicles_create      (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_vehicles_update      (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_vehicles_history     (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_edits_propose        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_edits_list           (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_edits_approve        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_edits_reject         (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_edits_withdraw       (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_bulk_preview         (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_bulk_apply           (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_customers_list       (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_customers_get        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_customers_create     (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_customers_update     (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_followups_list       (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_followups_create     (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_followups_complete   (SrDb *db, SrCall *call, GError **error);

JsonNode *sr_sales_reserve        (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_sales_complete       (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_sales_cancel         (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_sales_list           (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_sales_get            (SrDb *db, SrCall *call, GError **error);
JsonNode *sr_reports_summary      (SrDb *db, SrCall *call, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrCall, sr_call_free)

G_END_DECLS
