/* sr-bench-net.h: many raw protocol clients on one epoll loop, for the benchmark.
 *
 * SrConnection costs a GTask per call and a full JSON parse per message; with a thousand
 * subscribers on a two-core machine the clients would then compete with the server they
 * measure. These clients frame with the shared codec, write pre-formatted requests and
 * hand each frame's bytes to the scenario, which scans only what it needs. Linux only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SrBenchLoop   SrBenchLoop;
typedef struct _SrBenchClient SrBenchClient;

/* One whole frame body (not NUL-terminated), or data NULL once the stream has ended.
 * now_us is g_get_real_time() right after the read that completed the frame. */
typedef void (*SrBenchFrameFunc) (SrBenchClient *client,
                                  const char    *data,
                                  gsize          len,
                                  gint64         now_us,
                                  gpointer       user_data);

SrBenchLoop   *sr_bench_loop_new          (GError          **error);
void           sr_bench_loop_free         (SrBenchLoop      *self);
/* Waits up to timeout_ms for input and dispatches every frame that came in. */
void           sr_bench_loop_iterate      (SrBenchLoop      *self,
                                           int               timeout_ms);

/* A blocking connect (the caller keeps few connects outstanding, so the listen backlog
 * never overflows), then non-blocking I/O on the loop. */
SrBenchClient *sr_bench_client_new        (SrBenchLoop      *loop,
                                           const char       *host,
                                           guint             port,
                                           GError          **error);
void           sr_bench_client_free       (SrBenchClient    *self);
void           sr_bench_client_set_func   (SrBenchClient    *self,
                                           SrBenchFrameFunc  func,
                                           gpointer          user_data);
/* Frames and queues one message body; written at once when the socket takes it. */
void           sr_bench_client_send       (SrBenchClient    *self,
                                           const char       *body,
                                           gsize             len);
/* Sends {"jsonrpc":"2.0","id":N,"method":...,"params":...} and returns N. params is
 * JSON object text, or NULL. */
gint64         sr_bench_client_call       (SrBenchClient    *self,
                                           const char       *method,
                                           const char       *params);
gboolean       sr_bench_client_is_closed  (SrBenchClient    *self);

/* Free for the scenario that drives the client. */
typedef struct {
  guint     index;
  int       step;
  gint64    wait_id;       /* the response a setup step waits for */
  guint     in_flight;
  gint64    last_seq;
  guint64   n_ok;
  guint64   n_events;
  guint64   n_disorder;    /* events at or below a seq already seen */
  char     *token;
} SrBenchClientState;

SrBenchClientState *sr_bench_client_state (SrBenchClient *self);

/* Fast scans of the server's own output: the generator writes members in insertion
 * order, so a response starts {"jsonrpc":"2.0","id":N,"result"|"error" and an event
 * {"jsonrpc":"2.0","method":"event","params":{"seq":N,... Both return FALSE for anything
 * else, and the caller falls back to a full parse. */
gboolean       sr_bench_scan_response     (const char       *data,
                                           gsize             len,
                                           gint64           *id,
                                           gboolean         *is_error);
gboolean       sr_bench_scan_event        (const char       *data,
                                           gsize             len,
                                           gint64           *seq,
                                           const char      **at,
                                           gsize            *at_len);

G_END_DECLS
