/* sr-session.c: one connection, from the first byte to the close.
 *
 * Frames come in through an SrFrameReader; each is parsed, checked (hello first,
 * session, role) and handed to the database pool as an SrCall. Responses go out in
 * completion order through an SrFrameWriter, so a client may pipeline. A framing error
 * is answered once with id null, then the connection closes once that answer is out.
 */
#define G_LOG_DOMAIN "sr-session"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-frame-io.h"
#include "sr-rpc.h"
#include "sr-feed.h"
#include "sr-params.h"
#include "sr-server.h"
#include "sr-session.h"

/* Past this many requests in flight the session stops reading: backpressure on a
 * client that pipelines faster than the database answers. */
#define MAX_IN_FLIGHT 128
/* The session row is re-checked (and its idle clock moved) at most this often. */
#define TOUCH_INTERVAL_US (60 * G_USEC_PER_SEC)

struct _SrSession
{
  GObject parent_instance;

  /* Borrowed */
  SrServer       *server;

  /* Owned */
  GIOStream      *stream;
  SrFrameReader  *reader;
  SrFrameWriter  *writer;
  char           *peer;
  SrActor         actor;         /* id 0: not signed in */
  guint8          token_hash[SR_TOKEN_HASH_SIZE];
  gint64          expires_at;    /* unix seconds */
  gint64          last_request;  /* monotonic us */
  gint64          last_touch;    /* monotonic us */
  gint64          last_frame;    /* monotonic us */
  guint           in_flight;
  GQueue          held;          /* framed events waiting for a replay to end */
  guint           overflow_check_id;
  guint64         written_at_check;
  gint64          replay_upto;

  guint           hello_done : 1;
  guint           stale : 1;
  guint           ended : 1;     /* signed out by a revocation, not by never signing in */
  guint           subscribed : 1;
  guint           replaying : 1;
  guint           cut : 1;           /* cut off for not reading; closing soon */
  guint           closing : 1;
  guint           closed : 1;
};

G_DEFINE_FINAL_TYPE (SrSession, sr_session, G_TYPE_OBJECT)

static void
sr_session_finalize (GObject *object)
{
  SrSession *self = SR_SESSION (object);

  g_clear_pointer (&self->reader, sr_frame_reader_free);
  g_clear_pointer (&self->writer, sr_frame_writer_free);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->peer, g_free);
  g_queue_clear_full (&self->held, (GDestroyNotify) g_bytes_unref);
  sr_actor_clear (&self->actor);

  G_OBJECT_CLASS (sr_session_parent_class)->finalize (object);
}

static void
sr_session_class_init (SrSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sr_session_finalize;
}

static void
sr_session_init (SrSession *self)
{
  g_queue_init (&self->held);
}

SrRole
sr_session_get_role (SrSession *self)
{
  return self->actor.role;
}

gint64
sr_session_get_branch_id (SrSession *self)
{
  return self->actor.branch_id;
}

gboolean
sr_session_is_closed (SrSession *self)
{
  return self->closed || self->closing;
}

guint
sr_session_get_in_flight (SrSession *self)
{
  return self->in_flight;
}

gint64
sr_session_get_user_id (SrSession *self)
{
  return self->actor.id;
}

gboolean
sr_session_has_token (SrSession    *self,
                      const guint8 *token_hash)
{
  return self->actor.id != 0 &&
         memcmp (self->token_hash, token_hash, SR_TOKEN_HASH_SIZE) == 0;
}

void
sr_session_sign_out (SrSession *self)
{
  if (self->actor.id == 0)
    return;

  g_debug ("%s: session of user %" G_GINT64_FORMAT " ended", self->peer, self->actor.id);
  self->ended = TRUE;
  sr_actor_clear (&self->actor);
  memset (self->token_hash, 0, sizeof self->token_hash);
  self->stale = FALSE;
}

void
sr_session_sign_in (SrSession     *self,
                    const SrActor *actor,
                    const guint8  *token_hash,
                    gint64         expires_at)
{
  gint64 now = g_get_monotonic_time ();

  sr_actor_copy (&self->actor, actor);
  memcpy (self->token_hash, token_hash, SR_TOKEN_HASH_SIZE);
  self->expires_at = expires_at;
  self->last_request = now;
  self->last_touch = now;
  self->stale = FALSE;
  self->ended = FALSE;
}

void
sr_session_set_actor (SrSession     *self,
                      const SrActor *actor)
{
  if (self->actor.id == 0 || self->actor.id != actor->id)
    return;

  sr_actor_copy (&self->actor, actor);
  self->stale = FALSE;
}

void
sr_session_mark_stale (SrSession *self)
{
  if (self->actor.id != 0)
    self->stale = TRUE;
}

static void
really_close (SrSession *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  g_clear_pointer (&self->reader, sr_frame_reader_free);
  g_clear_pointer (&self->writer, sr_frame_writer_free);
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  _sr_server_session_closed (self->server, self);
}

static gboolean
drained_cb (gpointer user_data)
{
  really_close (SR_SESSION (user_data));
  return G_SOURCE_REMOVE;
}

/* Stop reading, let the responses already queued go out, then close. */
static void
close_after_flush (SrSession *self)
{
  if (self->closing || self->closed)
    return;

  self->closing = TRUE;
  g_clear_pointer (&self->reader, sr_frame_reader_free);
  sr_frame_writer_when_drained (self->writer, drained_cb, self);
}

void
sr_session_close (SrSession *self)
{
  g_return_if_fail (SR_IS_SESSION (self));

  close_after_flush (self);
}

static gboolean
cut_cb (gpointer user_data)
{
  really_close (SR_SESSION (user_data));
  return G_SOURCE_REMOVE;
}

/* Closes the connection from the main loop, not from inside the caller (the feed may
 * be walking its subscribers). Nothing more is queued to it meanwhile. */
static void
cut_off (SrSession *self)
{
  if (self->cut)
    return;

  g_message ("%s: closing a connection that does not read what it is sent", self->peer);
  self->cut = TRUE;
  g_idle_add_full (G_PRIORITY_HIGH, cut_cb, g_object_ref (self), g_object_unref);
}

static gboolean
overflow_check_cb (gpointer user_data)
{
  SrSession *self = user_data;
  guint64 written;

  if (self->writer == NULL || self->closed || self->cut ||
      sr_frame_writer_get_queued (self->writer) <=
      (gsize) sr_server_get_config (self->server)->max_queued_bytes)
    {
      self->overflow_check_id = 0;
      return G_SOURCE_REMOVE;
    }

  /* Still over the limit: fine while the client reads, not when it has stopped. */
  written = sr_frame_writer_get_written (self->writer);
  if (written == self->written_at_check)
    {
      self->overflow_check_id = 0;
      cut_off (self);
      return G_SOURCE_REMOVE;
    }

  self->written_at_check = written;
  return G_SOURCE_CONTINUE;
}

/* Every frame goes out here. A reader that keeps more than max-queued-kib waiting and
 * takes nothing for a whole second, or lets four times that pile up, is not keeping up:
 * it is cut off rather than holding its backlog in memory, and resumes with since_seq
 * when it reconnects. A burst that a reading client drains is not held against it. */
static void
push_framed (SrSession *self,
             GBytes    *framed)
{
  gsize max = sr_server_get_config (self->server)->max_queued_bytes;
  gsize queued;

  if (self->writer == NULL || self->closed || self->cut)
    return;

  sr_frame_writer_push_framed (self->writer, framed);
  queued = sr_frame_writer_get_queued (self->writer);

  if (queued > 4 * max)
    cut_off (self);
  else if (queued > max && self->overflow_check_id == 0)
    {
      self->written_at_check = sr_frame_writer_get_written (self->writer);
      self->overflow_check_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 1000, overflow_check_cb,
                                                    g_object_ref (self), g_object_unref);
    }
}

static void
send_text (SrSession *self,
           char      *text,
           gsize      len)
{
  g_autoptr(GBytes) framed = sr_frame_encode (text, len);

  g_free (text);
  push_framed (self, framed);
}

static void
send_result (SrSession *self,
             JsonNode  *id,
             JsonNode  *result)
{
  gsize len;
  char *text = sr_rpc_build_result (id, result, &len);

  send_text (self, text, len);
}

static void
send_error (SrSession    *self,
            JsonNode     *id,
            const GError *error)
{
  gsize len;
  char *text = sr_rpc_build_error (id, error, &len);

  send_text (self, text, len);
}

void
sr_session_send_result (SrSession *self,
                        JsonNode  *id,
                        JsonNode  *result)
{
  g_autoptr(JsonNode) owned = result;

  send_result (self, id, owned);
}

void
sr_session_send_error (SrSession    *self,
                       JsonNode     *id,
                       const GError *error)
{
  send_error (self, id, error);
}

void
sr_session_begin_replay (SrSession *self,
                         gint64     upto)
{
  self->subscribed = TRUE;
  self->replaying = TRUE;
  self->replay_upto = upto;
}

void
sr_session_deliver_replayed (SrSession *self,
                             GBytes    *frame)
{
  push_framed (self, frame);
}

void
sr_session_end_replay (SrSession *self,
                       gboolean   flush)
{
  GBytes *frame;

  self->replaying = FALSE;
  while ((frame = g_queue_pop_head (&self->held)) != NULL)
    {
      if (flush)
        push_framed (self, frame);
      g_bytes_unref (frame);
    }
  if (!flush)
    self->subscribed = FALSE;
}

void
sr_session_deliver (SrSession *self,
                    gint64     seq,
                    GBytes    *frame)
{
  if (self->closed || self->closing || self->cut || !self->subscribed)
    return;

  if (self->replaying)
    {
      if (seq > self->replay_upto)
        g_queue_push_tail (&self->held, g_bytes_ref (frame));
      return;
    }

  push_framed (self, frame);
}

/* Faults are logged here with a reference the client gets too; their text (which may
 * hold SQL) never leaves the server. */
static GError *
public_error (SrSession    *self,
              const char   *method,
              const GError *error)
{
  gboolean ours = error->domain == SR_ERROR && error->code != SR_ERROR_CONNECTION;
  g_autofree char *ref = NULL;
  GError *fault;

  if (ours && sr_error_rpc_code (error->code) != SR_RPC_INTERNAL_ERROR)
    return g_error_copy (error);

  ref = g_strdup_printf ("%08x", g_random_int ());
  if (ours)
    {
      /* A fault the protocol names (-32603 "unavailable" while the database is down):
       * its own words go out, with the reference like any fault. Expected in an
       * outage, so not a warning. */
      g_message ("ref=%s peer=%s method=%s: %s", ref, self->peer, method, error->message);
      fault = g_error_copy (error);
    }
  else
    {
      g_warning ("ref=%s peer=%s method=%s: %s", ref, self->peer, method, error->message);
      fault = sr_error_new (SR_ERROR_INTERNAL_ERROR, NULL, "internal error (reference %s)", ref);
    }
  sr_error_set_extra_member (fault, "ref", json_node_init_string (json_node_alloc (), ref));
  return fault;
}

typedef struct {
  SrSession *session;
  JsonNode  *id;
  SrCall    *call;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->session);
  json_node_unref (pending->id);
  sr_call_free (pending->call);
  g_free (pending);
}

static JsonNode *
run_call (SrDb     *db,
          gpointer  data,
          GError  **error)
{
  return sr_dispatch_run (db, data, error);
}

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  SrSession *self = pending->session;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  SrCall *call = pending->call;

  reply = sr_db_pool_run_finish (NULL, result, &error);

  /* Effects first: a logout must have taken hold on every connection before its
   * response is seen. */
  _sr_server_apply_effects (self->server, self, call->effects);

  self->in_flight--;
  if (self->reader != NULL && self->in_flight == MAX_IN_FLIGHT - 1)
    sr_frame_reader_resume (self->reader);

  if (!self->closed)
    {
      if (reply != NULL && call->raw_result != NULL)
        {
          gsize len;
          char *text = sr_rpc_build_result_text (pending->id, call->raw_result, &len);

          if (call->touch_session)
            self->last_touch = g_get_monotonic_time ();
          send_text (self, text, len);
        }
      else if (reply != NULL)
        {
          if (call->touch_session)
            self->last_touch = g_get_monotonic_time ();
          send_result (self, pending->id, reply);
        }
      else
        {
          g_autoptr(GError) shown = public_error (self, call->method, error);
          send_error (self, pending->id, shown);
        }
    }

  pending_free (pending);
}

static void
handle_hello (SrSession *self,
              SrRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonNode *protocol = json_object_get_member (request->params, "protocol");
  JsonNode *client = json_object_get_member (request->params, "client");

  if (protocol == NULL || !JSON_NODE_HOLDS_VALUE (protocol) ||
      json_node_get_value_type (protocol) != G_TYPE_INT64)
    {
      error = sr_error_new (SR_ERROR_INVALID_PARAMS, "protocol", "protocol must be an integer");
      send_error (self, request->id, error);
      return;
    }
  if (client != NULL && !json_node_is_null (client) &&
      (!JSON_NODE_HOLDS_VALUE (client) || json_node_get_value_type (client) != G_TYPE_STRING))
    {
      error = sr_error_new (SR_ERROR_INVALID_PARAMS, "client", "client must be a string");
      send_error (self, request->id, error);
      return;
    }

  if (json_node_get_int (protocol) != SR_PROTOCOL_VERSION)
    {
      error = sr_error_new (SR_ERROR_UNSUPPORTED_PROTOCOL, "protocol",
                            "this server speaks protocol %d only", SR_PROTOCOL_VERSION);
      send_error (self, request->id, error);
      close_after_flush (self);
      return;
    }

  self->hello_done = TRUE;
  reply = json_object_new ();
  json_object_set_int_member (reply, "protocol", SR_PROTOCOL_VERSION);
  json_object_set_string_member (reply, "server", "showroomd/" PACKAGE_VERSION);
  json_object_set_int_member (reply, "max_frame", sr_server_get_config (self->server)->max_frame);
  node = json_node_init_object (json_node_alloc (), reply);
  send_result (self, request->id, node);
}

/* Session checks done on the main thread, before any database work. */
static gboolean
check_session (SrSession  *self,
               guint       roles,
               const char *method,
               GError    **error)
{
  const SrConfig *config = sr_server_get_config (self->server);
  gint64 now = g_get_monotonic_time ();

  if (self->actor.id == 0 && self->ended)
    {
      sr_set_error (error, SR_ERROR_SESSION_EXPIRED, NULL, "the session has ended; sign in again");
      return FALSE;
    }
  if (self->actor.id == 0)
    {
      sr_set_error (error, SR_ERROR_UNAUTHENTICATED, NULL, "sign in first");
      return FALSE;
    }

  if (g_get_real_time () / G_USEC_PER_SEC >= self->expires_at ||
      now - self->last_request > config->session_idle_s * G_USEC_PER_SEC)
    {
      sr_session_sign_out (self);
      sr_set_error (error, SR_ERROR_SESSION_EXPIRED, NULL, "the session has ended; sign in again");
      return FALSE;
    }
  self->last_request = now;

  /* A stale actor is re-read on the worker, and the role checked there. */
  if (!self->stale && (roles & self->actor.role) == 0)
    {
      sr_set_error (error, SR_ERROR_FORBIDDEN, NULL, "your role may not call %s", method);
      return FALSE;
    }

  return TRUE;
}

static void
handle_subscribe (SrSession *self,
                  SrRequest *request)
{
  g_autoptr(GError) error = NULL;
  gint64 since = -1;

  if (!check_session (self, SR_ROLES_ANY, request->method, &error) ||
      !sr_param_int (request->params, "since_seq", FALSE, 0, G_MAXINT64, &since, &error))
    {
      send_error (self, request->id, error);
      return;
    }

  if (self->subscribed)
    {
      error = sr_error_new (SR_ERROR_INVALID_REQUEST, NULL,
                            "this connection is subscribed already");
      send_error (self, request->id, error);
      return;
    }

  sr_feed_subscribe (sr_server_get_feed (self->server), self, request->id, since >= 0, since);
}

static void
handle_request (SrSession *self,
                SrRequest *request)
{
  g_autoptr(GError) error = NULL;
  const SrMethod *method;
  Pending *pending;
  SrCall *call;

  if (!self->hello_done && !g_str_equal (request->method, "hello"))
    {
      error = sr_error_new (SR_ERROR_HELLO_REQUIRED, NULL, "the first request must be hello");
      send_error (self, request->id, error);
      return;
    }

  if (g_str_equal (request->method, "hello"))
    {
      handle_hello (self, request);
      return;
    }

  if (g_str_equal (request->method, "ping"))
    {
      g_autoptr(JsonNode) empty = sr_json_node_empty ();
      send_result (self, request->id, empty);
      return;
    }

  if (g_str_equal (request->method, "subscribe"))
    {
      handle_subscribe (self, request);
      return;
    }

  method = sr_dispatch_lookup (request->method);
  if (method == NULL)
    {
      error = sr_error_new (SR_ERROR_METHOD_NOT_FOUND, NULL, "no method %s", request->method);
      send_error (self, request->id, error);
      return;
    }

  if (method->roles != 0 && !check_session (self, method->roles, request->method, &error))
    {
      send_error (self, request->id, error);
      return;
    }

  call = sr_call_new (sr_server_get_config (self->server), request->method, request->params);
  if (self->actor.id != 0)
    {
      sr_actor_copy (&call->actor, &self->actor);
      call->has_token = TRUE;
      memcpy (call->token_hash, self->token_hash, sizeof self->token_hash);
      call->refresh_actor = self->stale;
      call->touch_session = g_get_monotonic_time () - self->last_touch > TOUCH_INTERVAL_US;
    }

  pending = g_new0 (Pending, 1);
  pending->session = g_object_ref (self);
  pending->id = json_node_ref (request->id);
  pending->call = call;

  if (++self->in_flight >= MAX_IN_FLIGHT && self->reader != NULL)
    sr_frame_reader_pause (self->reader);

  /* A single-statement read skips the generic job: pipelined with its neighbours. The
   * session check it would skip is due only now and then; then it takes the long way. */
  if (method->simple != NULL && !call->touch_session && !call->refresh_actor)
    {
      const char *sql = NULL;
      g_autofree char *value = NULL;

      if (method->simple (call, &sql, &value, NULL))
        {
          sr_db_pool_run_simple_async (sr_server_get_pool (self->server), sql, value,
                                       call->actor.id, sr_role_to_string (call->actor.role),
                                       call->actor.branch_id, method->finish, call,
                                       call_done_cb, pending);
          return;
        }
    }

  /* The call belongs to pending, not to the job: the job's data is dropped on the
   * worker, possibly before call_done_cb reads the effects. */
  sr_db_pool_run_async (sr_server_get_pool (self->server), run_call,
                        call, NULL, call_done_cb, pending);
}

static void
frame_cb (GBytes       *frame,
          const GError *error,
          gpointer      user_data)
{
  SrSession *self = SR_SESSION (user_data);
  g_autoptr(SrRequest) request = NULL;
  g_autoptr(JsonNode) id = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *data;
  gsize len;

  self->last_frame = g_get_monotonic_time ();

  if (frame == NULL)
    {
      if (error != NULL && error->domain == SR_ERROR)
        {
          /* Empty or oversized frame: the stream cannot be trusted past it. */
          send_error (self, NULL, error);
          close_after_flush (self);
        }
      else
        {
          if (error != NULL)
            g_debug ("%s: %s", self->peer, error->message);
          /* The client went away. Calls in flight still finish (or roll back) on
           * the database; their answers are dropped. */
          really_close (self);
        }
      return;
    }

  data = g_bytes_get_data (frame, &len);
  if (!sr_rpc_parse_request (data, len, &request, &id, &parse_error))
    {
      send_error (self, id, parse_error);
      return;
    }

  handle_request (self, request);
}

static void
write_failed_cb (const GError *error,
                 gpointer      user_data)
{
  SrSession *self = SR_SESSION (user_data);

  g_debug ("%s: write failed: %s", self->peer, error->message);
  really_close (self);
}

void
sr_session_sweep (SrSession *self,
                  gint64     now_us)
{
  const SrConfig *config = sr_server_get_config (self->server);

  if (self->closed || self->closing)
    return;

  /* Stalled: half a frame in, and no byte for stall-timeout (a slow sender that keeps
   * sending is not stalled). */
  if (self->reader != NULL && sr_frame_reader_is_partial (self->reader) &&
      now_us - sr_frame_reader_get_last_read (self->reader) >= config->stall_timeout_s * G_USEC_PER_SEC)
    {
      g_message ("%s: dropping a connection stalled mid-frame", self->peer);
      really_close (self);
      return;
    }

  if (self->in_flight == 0 && !(self->subscribed && self->actor.id != 0) &&
      now_us - self->last_frame > config->idle_timeout_s * G_USEC_PER_SEC)
    {
      g_debug ("%s: closing an idle connection", self->peer);
      really_close (self);
    }
}

SrSession *
sr_session_new (SrServer   *server,
                GIOStream  *stream,
                const char *peer)
{
  SrSession *self = g_object_new (SR_TYPE_SESSION, NULL);
  gint64 now = g_get_monotonic_time ();

  self->server = server;
  self->stream = g_object_ref (stream);
  self->peer = g_strdup (peer);
  self->last_frame = now;
  self->last_request = now;
  self->last_touch = now;

  return self;
}

void
sr_session_start (SrSession *self)
{
  const SrConfig *config = sr_server_get_config (self->server);

  self->reader = sr_frame_reader_new (g_io_stream_get_input_stream (self->stream),
                                      config->max_frame, frame_cb, self);
  self->writer = sr_frame_writer_new (g_io_stream_get_output_stream (self->stream),
                                      write_failed_cb, self);
  sr_frame_reader_start (self->reader);
}
