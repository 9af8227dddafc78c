/* sr-feed.c: change_log -> subscribed sessions.
 *
 * One fetch runs at a time on a connection of its own, so requests queued on the main
 * pool never delay an event. Rows arrive in seq order; because writers serialise on an
 * advisory lock before taking a seq, every seq below the highest one read is either
 * read or rolled back, so advancing past it never skips a change.
 *
 * Each change is shaped once per audience (everything; without cost; as a removal; as
 * an arrival) and the encoded frame is shared by every session of that audience.
 *
 * A subscription with since_seq replays (since, S] from the log, where S is the feed's
 * position when it subscribed, while live events after S wait in the session; then the
 * held events follow, so the seam has neither gap nor duplicate.
 */
#define G_LOG_DOMAIN "sr-feed"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-feed.h"
#include "sr-frame.h"
#include "sr-frame-io.h"
#include "sr-records.h"
#include "sr-rpc.h"
#include "sr-session.h"

#define FETCH_LIMIT    5000
#define REPLAY_LIMIT   10000
#define POLL_INTERVAL_MS 1000

typedef enum {
  VARIANT_FULL,
  VARIANT_NO_COST,
  VARIANT_ARRIVAL_FULL,
  VARIANT_ARRIVAL_NO_COST,
  VARIANT_REMOVAL,
  N_VARIANTS,
  VARIANT_NONE = N_VARIANTS
} Variant;

typedef struct {
  gint64    seq;
  char     *entity;
  gint64    id;
  char     *op;
  gint64    branch_id;      /* 0 when none */
  gint64    old_branch_id;
  char     *record;         /* JSON text, NULL for deletes and pruned rows */
  char     *at;
  GBytes   *frames[N_VARIANTS];
} Change;

struct _SrFeed
{
  /* Borrowed */
  const SrConfig *config;
  SrDbPool       *replay_pool;

  /* Owned */
  SrDbPool       *pool;
  GHashTable     *subscribers;   /* SrSession -> itself, ref held */
  GPtrArray      *waiting;       /* Subscription: asked before the feed knew its seq */
  gint64          seq;
  guint           poll_id;
  gboolean        ready;
  gboolean        fetching;
  gboolean        again;
  gboolean        dead;
};

static void
change_free (Change *change)
{
  g_free (change->entity);
  g_free (change->op);
  g_free (change->record);
  g_free (change->at);
  for (guint i = 0; i < N_VARIANTS; i++)
    g_clear_pointer (&change->frames[i], g_bytes_unref);
  g_free (change);
}

/* Which form of a change a session gets, if any. */
static Variant
variant_for (const Change *change,
             SrRole        role,
             gint64        branch_id)
{
  gboolean in_now;
  gboolean in_before;

  if (g_str_equal (change->entity, "branch"))
    return VARIANT_FULL;
  if (g_str_equal (change->entity, "user"))
    return role == SR_ROLE_ADMIN ? VARIANT_FULL : VARIANT_NONE;

  /* Branch-scoped records: vehicles now, and the later business entities. */
  if (role == SR_ROLE_ADMIN)
    return VARIANT_FULL;

  in_now = !g_str_equal (change->op, "delete") && change->branch_id == branch_id;
  in_before = !g_str_equal (change->op, "insert") && change->old_branch_id == branch_id;

  if (in_now && (in_before || g_str_equal (change->op, "insert")))
    return role == SR_ROLE_SALES ? VARIANT_NO_COST : VARIANT_FULL;
  if (in_now)
    return role == SR_ROLE_SALES ? VARIANT_ARRIVAL_NO_COST : VARIANT_ARRIVAL_FULL;
  if (in_before)
    return VARIANT_REMOVAL;

  return VARIANT_NONE;
}

static GBytes *
frame_for (Change  *change,
           Variant  variant)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(JsonNode) params_node = NULL;
  g_autofree char *text = NULL;
  const char *op = change->op;
  gsize len;

  if (change->frames[variant] != NULL)
    return change->frames[variant];

  if (variant == VARIANT_REMOVAL)
    op = "delete";
  else if (variant == VARIANT_ARRIVAL_FULL || variant == VARIANT_ARRIVAL_NO_COST)
    op = "insert";

  params = json_object_new ();
  json_object_set_int_member (params, "seq", change->seq);
  json_object_set_string_member (params, "entity", change->entity);
  json_object_set_string_member (params, "op", op);
  json_object_set_int_member (params, "id", change->id);
  json_object_set_string_member (params, "at", change->at);

  if (variant != VARIANT_REMOVAL && !g_str_equal (op, "delete") && change->record != NULL)
    {
      JsonNode *data = sr_json_from_string (change->record, -1, NULL);

      if (data != NULL && JSON_NODE_HOLDS_OBJECT (data) &&
          (variant == VARIANT_NO_COST || variant == VARIANT_ARRIVAL_NO_COST))
        sr_record_hide_cost (change->entity, json_node_get_object (data));
      if (data != NULL)
        json_object_set_member (params, "data", data);
    }

  params_node = json_node_init_object (json_node_alloc (), params);
  text = sr_rpc_build_notification ("event", params_node, &len);
  change->frames[variant] = sr_frame_encode (text, len);

  return change->frames[variant];
}

/* The frame this session gets for a change, or NULL. */
static GBytes *
shape_for_session (Change    *change,
                   SrSession *session)
{
  Variant variant;

  if (sr_session_get_user_id (session) == 0)
    return NULL;

  variant = variant_for (change, sr_session_get_role (session), sr_session_get_branch_id (session));
  return variant == VARIANT_NONE ? NULL : frame_for (change, variant);
}

/* Fetching from the log */

typedef struct {
  SrFeed    *feed;
  gint64     after;
  gint64     upto;       /* 0: no bound */
  guint      limit;
  GPtrArray *changes;    /* Change, filled on the worker */
  gint64     max_seq;    /* filled: highest seq in the log */
  gint64     min_kept;   /* filled: lowest seq still in change_feed, 0 if none */
  gboolean   want_bounds;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_pointer (&fetch->changes, g_ptr_array_unref);
  g_free (fetch);
}

static const char sql_fetch[] =
  "SELECT l.seq, l.entity, l.entity_id, l.op, l.branch_id, l.old_branch_id, f.record::text,"
  "       to_json(l.at) #>> '{}'"
  "  FROM change_log l LEFT JOIN change_feed f ON f.seq = l.seq"
  " WHERE l.seq > $1 AND ($2::bigint IS NULL OR l.seq <= $2)"
  " ORDER BY l.seq LIMIT $3";

static const char sql_bounds[] =
  "SELECT (SELECT coalesce(max(seq), 0) FROM change_log),"
  "       (SELECT coalesce(min(seq), 0) FROM change_feed)";

static JsonNode *
fetch_job (SrDb     *db,
           gpointer  data,
           GError  **error)
{
  Fetch *fetch = data;
  g_autoptr(PGresult) result = NULL;
  char after[32];
  char upto[32];
  char limit[32];
  const char *values[3] = { after, NULL, limit };

  if (fetch->want_bounds)
    {
      g_autoptr(PGresult) bounds = sr_db_exec (db, sql_bounds, 0, NULL, error);

      if (bounds == NULL)
        return NULL;
      fetch->max_seq = sr_db_get_int (bounds, 0, 0);
      fetch->min_kept = sr_db_get_int (bounds, 0, 1);
    }
  if (fetch->limit == 0)
    return json_node_init_null (json_node_alloc ());

  g_snprintf (after, sizeof after, "%" G_GINT64_FORMAT, fetch->after);
  g_snprintf (upto, sizeof upto, "%" G_GINT64_FORMAT, fetch->upto);
  g_snprintf (limit, sizeof limit, "%u", fetch->limit);
  if (fetch->upto > 0)
    values[1] = upto;

  result = sr_db_exec (db, sql_fetch, 3, values, error);
  if (result == NULL)
    return NULL;

  g_clear_pointer (&fetch->changes, g_ptr_array_unref);
  fetch->changes = g_ptr_array_new_full (PQntuples (result), (GDestroyNotify) change_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      Change *change = g_new0 (Change, 1);

      change->seq = sr_db_get_int (result, i, 0);
      change->entity = g_strdup (PQgetvalue (result, i, 1));
      change->id = sr_db_get_int (result, i, 2);
      change->op = g_strdup (PQgetvalue (result, i, 3));
      change->branch_id = sr_db_get_int (result, i, 4);
      change->old_branch_id = sr_db_get_int (result, i, 5);
      change->record = g_strdup (sr_db_get_text (result, i, 6));
      change->at = g_strdup (PQgetvalue (result, i, 7));
      g_ptr_array_add (fetch->changes, change);
    }

  return json_node_init_null (json_node_alloc ());
}

static void start_fetch (SrFeed *self);
static void start_replay (SrFeed *self, SrSession *session, JsonNode *id,
                          gint64 since, gint64 upto, gboolean first);

typedef struct {
  SrSession *session;
  JsonNode  *id;
  gboolean   has_since;
  gint64     since;
} Subscription;

static void
subscription_free (Subscription *subscription)
{
  g_clear_object (&subscription->session);
  g_clear_pointer (&subscription->id, json_node_unref);
  g_free (subscription);
}

static void
deliver (SrFeed *self,
         Change *change)
{
  GHashTableIter iter;
  SrSession *session;

  g_hash_table_iter_init (&iter, self->subscribers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      GBytes *frame = shape_for_session (change, session);

      if (frame != NULL)
        sr_session_deliver (session, change->seq, frame);
    }
}

static void
fetch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  SrFeed *self = fetch->feed;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) done = sr_db_pool_run_finish (NULL, result, &error);
  gboolean more = FALSE;

  self->fetching = FALSE;
  if (self->dead)
    {
      /* sr_feed_free() left the struct to this last callback. */
      fetch_free (fetch);
      g_free (self);
      return;
    }

  if (done == NULL)
    {
      /* The database is away; the poll and the listener's reconnect try again. */
      g_debug ("reading the change log failed: %s", error->message);
      fetch_free (fetch);
      return;
    }

  if (!self->ready)
    {
      g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

      self->seq = fetch->max_seq;
      self->ready = TRUE;
      self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) subscription_free);
      g_debug ("feed starts after seq %" G_GINT64_FORMAT, self->seq);

      for (guint i = 0; i < waiting->len; i++)
        {
          Subscription *s = g_ptr_array_index (waiting, i);
          sr_feed_subscribe (self, s->session, s->id, s->has_since, s->since);
        }
    }
  else
    {
      /* Changes read together go to each subscriber in one write. */
      sr_frame_writer_hold_all ();
      for (guint i = 0; i < fetch->changes->len; i++)
        {
          Change *change = g_ptr_array_index (fetch->changes, i);

          deliver (self, change);
          self->seq = change->seq;
        }
      sr_frame_writer_release_all ();
      more = fetch->changes->len == fetch->limit;
    }

  fetch_free (fetch);

  if (more || self->again)
    start_fetch (self);
}

static void
start_fetch (SrFeed *self)
{
  Fetch *fetch;

  if (self->fetching)
    {
      self->again = TRUE;
      return;
    }

  self->fetching = TRUE;
  self->again = FALSE;

  fetch = g_new0 (Fetch, 1);
  fetch->feed = self;
  fetch->after = self->seq;
  fetch->limit = self->ready ? FETCH_LIMIT : 0;
  fetch->want_bounds = !self->ready;
  sr_db_pool_run_async (self->pool, fetch_job, fetch, NULL, fetch_done_cb, fetch);
}

void
sr_feed_poke (SrFeed *self)
{
  g_return_if_fail (self != NULL);

  start_fetch (self);
}

static gboolean
poll_cb (gpointer user_data)
{
  start_fetch (user_data);
  return G_SOURCE_CONTINUE;
}

/* Replay */

typedef struct {
  SrFeed    *feed;
  SrSession *session;
  JsonNode  *id;
  gint64     since;
  gint64     upto;
  gboolean   first;
  Fetch     *fetch;
} Replay;

static void
replay_free (Replay *replay)
{
  g_clear_object (&replay->session);
  g_clear_pointer (&replay->id, json_node_unref);
  g_clear_pointer (&replay->fetch, fetch_free);
  g_free (replay);
}

static JsonNode *
subscribe_result (gint64   seq,
                  gboolean resync)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "seq", seq);
  json_object_set_boolean_member (object, "resync", resync);
  return sr_json_node_take_object (object);
}

static JsonNode *
replay_job (SrDb     *db,
            gpointer  data,
            GError  **error)
{
  Replay *replay = data;

  return fetch_job (db, replay->fetch, error);
}

static void
replay_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Replay *replay = user_data;
  SrFeed *self = replay->feed;
  SrSession *session = replay->session;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) done = sr_db_pool_run_finish (NULL, result, &error);
  Fetch *fetch = replay->fetch;
  gint64 last = replay->since;

  if (sr_session_is_closed (session) || !g_hash_table_contains (self->subscribers, session))
    {
      replay_free (replay);
      return;
    }

  if (done == NULL)
    {
      g_autoptr(GError) shown = NULL;

      g_hash_table_remove (self->subscribers, session);
      sr_session_end_replay (session, FALSE);
      shown = error->domain == SR_ERROR ? g_error_copy (error)
                                         : sr_error_new (SR_ERROR_UNAVAILABLE, NULL,
                                                         "the change history cannot be read now");
      if (replay->first)
        sr_session_send_error (session, replay->id, shown);
      else
        sr_session_close (session);   /* mid-replay: the client resumes from its last seq */
      replay_free (replay);
      return;
    }

  if (replay->first)
    {
      /* Older than what the feed keeps: the client must reload instead. */
      if (fetch->min_kept == 0 ? fetch->max_seq > replay->since
                               : fetch->min_kept > replay->since + 1)
        {
          sr_session_end_replay (session, TRUE);
          sr_session_send_result (session, replay->id, subscribe_result (replay->upto, TRUE));
          replay_free (replay);
          return;
        }
      sr_session_send_result (session, replay->id, subscribe_result (replay->upto, FALSE));
    }

  for (guint i = 0; i < fetch->changes->len; i++)
    {
      Change *change = g_ptr_array_index (fetch->changes, i);
      GBytes *frame = shape_for_session (change, session);

      if (frame != NULL)
        sr_session_deliver_replayed (session, frame);
      last = change->seq;
    }

  if (fetch->changes->len == REPLAY_LIMIT && last < replay->upto)
    {
      start_replay (self, session, replay->id, last, replay->upto, FALSE);
      replay_free (replay);
      return;
    }

  sr_session_end_replay (session, TRUE);
  replay_free (replay);
}

static void
start_replay (SrFeed     *self,
              SrSession  *session,
              JsonNode   *id,
              gint64      since,
              gint64      upto,
              gboolean    first)
{
  Replay *replay = g_new0 (Replay, 1);

  replay->feed = self;
  replay->session = g_object_ref (session);
  replay->id = json_node_ref (id);
  replay->since = since;
  replay->upto = upto;
  replay->first = first;
  replay->fetch = g_new0 (Fetch, 1);
  replay->fetch->after = since;
  replay->fetch->upto = upto;
  replay->fetch->limit = REPLAY_LIMIT;
  replay->fetch->want_bounds = first;

  sr_db_pool_run_async (self->replay_pool, replay_job, replay, NULL, replay_done_cb, replay);
}

void
sr_feed_subscribe (SrFeed    *self,
                   SrSession *session,
                   JsonNode  *request_id,
                   gboolean   has_since,
                   gint64     since_seq)
{
  g_return_if_fail (self != NULL);

  if (!self->ready)
    {
      Subscription *s = g_new0 (Subscription, 1);

      s->session = g_object_ref (session);
      s->id = json_node_ref (request_id);
      s->has_since = has_since;
      s->since = since_seq;
      g_ptr_array_add (self->waiting, s);
      start_fetch (self);
      return;
    }

  if (sr_session_is_closed (session))
    return;

  g_hash_table_add (self->subscribers, g_object_ref (session));

  if (!has_since || since_seq == self->seq)
    {
      sr_session_begin_replay (session, self->seq);
      sr_session_end_replay (session, TRUE);
      sr_session_send_result (session, request_id, subscribe_result (self->seq, FALSE));
      return;
    }

  if (since_seq > self->seq)
    {
      /* A client from another database, or one restored from backup. */
      sr_session_begin_replay (session, self->seq);
      sr_session_end_replay (session, TRUE);
      sr_session_send_result (session, request_id, subscribe_result (self->seq, TRUE));
      return;
    }

  sr_session_begin_replay (session, self->seq);
  start_replay (self, session, request_id, since_seq, self->seq, TRUE);
}

void
sr_feed_unsubscribe (SrFeed    *self,
                     SrSession *session)
{
  g_return_if_fail (self != NULL);

  g_hash_table_remove (self->subscribers, session);
}

gint64
sr_feed_get_seq (SrFeed *self)
{
  return self->seq;
}

SrFeed *
sr_feed_new (const SrConfig *config,
             SrDbPool       *replay_pool)
{
  SrFeed *self = g_new0 (SrFeed, 1);

  self->config = config;
  self->replay_pool = replay_pool;
  self->pool = sr_db_pool_new (config->db, 1);
  self->subscribers = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) subscription_free);
  self->poll_id = g_timeout_add (POLL_INTERVAL_MS, poll_cb, self);

  start_fetch (self);
  return self;
}

void
sr_feed_free (SrFeed *self)
{
  if (self == NULL)
    return;

  self->dead = TRUE;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_pointer (&self->subscribers, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->pool, sr_db_pool_free);
  /* A fetch still owes us its callback, which frees what is left. */
  if (!self->fetching)
    g_free (self);
}
