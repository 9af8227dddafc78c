/* showroom-bench.c: the performance bars of DESIGN.md section 5, measured end to end.
 *
 * Starts a private PostgreSQL and a showroomd, runs each scenario, prints a table and,
 * as the last line, one JSON object. Progress goes to stderr. Run as:
 *   showroom-bench [--quick] [--showroomd PATH] [--only get,fanout100,...]
 * Exit status: 0 every bar met, 3 a bar missed, 1 the benchmark could not run, 2 usage.
 */
#define G_LOG_DOMAIN "sr-bench"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <gio/gio.h>

#include "sr-error.h"
#include "sr-password.h"
#include "sr-rpc.h"
#include "sr-bench-env.h"
#include "sr-bench-net.h"

#define N_BRANCHES        4
#define SETUP_WINDOW      8     /* connections being set up at once (listen backlog: 10) */
#define SETUP_TIMEOUT_S   120
#define STRAGGLER_S       3     /* no new event for this long: the rest are lost */
#define EXIT_BAR_MISSED   3

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static volatile sig_atomic_t interrupted;

typedef struct {
  gboolean  quick;
  char     *showroomd;
  char     *only;
  gint      n_vehicles;
  gint      get_clients;
  gint      get_depth;
  gint      get_seconds;
  gint      get_users;
  gint      fanout100_updates;
  gint      fanout100_interval_us;
  gint      fanout1000_clients;
  gint      fanout1000_updates;
  gint      fanout1000_interval_us;
  gint      throughput_seconds;
  gint      throughput_lag;
  gint      idle_clients;
  gboolean  pgbench_superuser;
  gboolean  hold;
  gint      pool_size;
  char     *dump;
} Options;

/* NAN: not measured. */
typedef struct {
  double get_rps;
  double pgbench_tps;
  double get_ratio;
  double fanout100_p50_ms;
  double fanout100_p99_ms;
  double fanout100_lost;
  double fanout1000_p50_ms;
  double fanout1000_p99_ms;
  double fanout1000_lost;
  double fanout1000_msgs_per_s;
  double throughput_lost;
  double idle_kib_per_conn;
} Results;

typedef struct {
  Options      *options;
  SrBenchEnv   *env;
  SrBenchLoop  *loop;
  GPtrArray    *tokens;     /* char *, one per admin */
  gint64        start_us;
  Results       results;
} Bench;

static void
progress (Bench      *bench,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
progress (Bench      *bench,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "[%6.1f s] %s\n",
           (g_get_monotonic_time () - bench->start_us) / (double) G_USEC_PER_SEC, text);
  fflush (stderr);
}

static gboolean
wants (Bench      *bench,
       const char *scenario)
{
  g_auto(GStrv) names = NULL;

  if (bench->options->only == NULL)
    return TRUE;

  names = g_strsplit (bench->options->only, ",", -1);
  return g_strv_contains ((const char *const *) names, scenario);
}

static gboolean
check_interrupted (GError **error)
{
  if (!interrupted)
    return FALSE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted");
  return TRUE;
}

/* TRUE when a scenario must stop: interrupted, or the server is gone (its figures
 * would be meaningless). */
static gboolean
must_stop (Bench   *bench,
           GError **error)
{
  return check_interrupted (error) || !sr_bench_env_check_server (bench->env, error);
}

/* Runs the loop for @ms milliseconds. */
static void
spin (Bench *bench,
      guint  ms)
{
  gint64 end = g_get_monotonic_time () + ms * (gint64) 1000;

  while (!interrupted && g_get_monotonic_time () < end)
    sr_bench_loop_iterate (bench->loop, 10);
}

/* Where the CPU went since @before, per unit of work: the diagnosis that goes with a
 * missed bar. "Other processes" is whatever else the machine ran meanwhile. */
static void
report_cpu (Bench            *bench,
            const SrBenchCpu *before,
            const char       *what,
            double            units,
            const char       *unit)
{
  SrBenchCpu after;
  SrBenchCpu d;
  double cpus = g_get_num_processors ();
  double wall;
  double ours;

  sr_bench_env_sample_cpu (bench->env, &after);
  sr_bench_cpu_diff (&after, before, &d);
  wall = MAX (d.wall, 1);
  units = MAX (units, 1);
  ours = d.server_main_user + d.server_main_sys + d.server_db_user + d.server_db_sys +
         d.server_other_user + d.server_other_sys + d.pg_user + d.pg_sys +
         d.self_user + d.self_sys + d.children_user + d.children_sys;

  progress (bench, "%s: CPU µs per %s: showroomd main thread %.1f (%.1f in kernel), "
            "pool threads %.1f (%.1f in kernel), other threads %.1f; PostgreSQL %.1f "
            "(%.1f in kernel); bench %.1f; child processes %.1f; showroomd context "
            "switches %.2f per %s",
            what, unit,
            (d.server_main_user + d.server_main_sys) / units, d.server_main_sys / units,
            (d.server_db_user + d.server_db_sys) / units, d.server_db_sys / units,
            (d.server_other_user + d.server_other_sys) / units,
            (d.pg_user + d.pg_sys) / units, d.pg_sys / units,
            (d.self_user + d.self_sys) / units,
            (d.children_user + d.children_sys) / units,
            d.server_switches / units, unit);
  progress (bench, "%s: machine %.0f%% busy (%.0f CPUs), %.0f%% of it by other processes",
            what, 100.0 * d.machine_busy / (wall * cpus), cpus,
            d.machine_busy > ours ? 100.0 * (d.machine_busy - ours) / (wall * cpus) : 0.0);
}

/* Each scenario starts from a settled database: what the one before wrote is vacuumed
 * and analysed, and the text index's pending list merged, so autovacuum does not wake
 * up in the middle of the next one and take CPU from it. */
static gboolean
settle_database (Bench   *bench,
                 GError **error)
{
  static const char *const statements[] = {
    "VACUUM (ANALYZE) vehicles",
    "VACUUM (ANALYZE) change_log",
    "VACUUM (ANALYZE) change_feed",
    "SELECT gin_clean_pending_list(i.indexrelid)"
    "  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    "  JOIN pg_am a ON a.oid = c.relam"
    " WHERE a.amname = 'gin' AND i.indrelid = 'vehicles'::regclass",
  };
  g_autoptr(PGconn) conn = sr_bench_env_connect (bench->env, error);

  if (conn == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      g_autoptr(PGresult) result = PQexec (conn, statements[i]);

      if (PQresultStatus (result) != PGRES_COMMAND_OK &&
          PQresultStatus (result) != PGRES_TUPLES_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", statements[i],
                       PQresultErrorMessage (result));
          return FALSE;
        }
    }

  /* Let the server's event loop and the sockets drain too. */
  spin (bench, 300);
  return TRUE;
}

/* Opening connections: hello, auth.login or auth.resume, then maybe subscribe */

typedef enum {
  STEP_AUTH,
  STEP_SUBSCRIBE,
  STEP_READY,
  STEP_FAILED,
} Step;

typedef struct {
  guint     n_busy;
  guint     n_ready;
  guint     n_failed;
  gboolean  subscribe;
  char     *first_error;
} Opening;

static void
opening_fail (Opening            *opening,
              SrBenchClientState *state,
              const char         *why)
{
  if (state->step == STEP_READY || state->step == STEP_FAILED)
    return;

  state->step = STEP_FAILED;
  opening->n_busy--;
  opening->n_failed++;
  if (opening->first_error == NULL)
    opening->first_error = g_strdup_printf ("connection %u: %s", state->index, why);
}

static void
opening_frame_cb (SrBenchClient *client,
                  const char    *data,
                  gsize          len,
                  gint64         now_us,
                  gpointer       user_data)
{
  Opening *opening = user_data;
  SrBenchClientState *state = sr_bench_client_state (client);
  g_autoptr(SrMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  if (data == NULL)
    {
      opening_fail (opening, state, "the server closed the connection");
      return;
    }

  message = sr_rpc_parse_message (data, len, &error);
  if (message == NULL)
    {
      opening_fail (opening, state, error->message);
      return;
    }
  if (message->kind != SR_MESSAGE_RESPONSE)
    return;

  if (message->error != NULL)
    {
      opening_fail (opening, state, message->error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (message->id) || json_node_get_int (message->id) != state->wait_id)
    return;   /* hello's answer */

  switch (state->step)
    {
    case STEP_AUTH:
      if (state->token == NULL && JSON_NODE_HOLDS_OBJECT (message->result))
        state->token = g_strdup (json_object_get_string_member_with_default (
                                   json_node_get_object (message->result), "token", ""));
      if (opening->subscribe)
        {
          state->step = STEP_SUBSCRIBE;
          state->wait_id = sr_bench_client_call (client, "subscribe", NULL);
          return;
        }
      break;

    case STEP_SUBSCRIBE:
      break;

    default:
      return;
    }

  state->step = STEP_READY;
  opening->n_busy--;
  opening->n_ready++;
}

/* Opens @n connections. With @login, connection i signs in as admin<i+1> (and keeps
 * its token); otherwise each resumes one of the admins' tokens, which costs no
 * password hash. */
static GPtrArray *
open_clients (Bench     *bench,
              guint      n,
              gboolean   login,
              gboolean   subscribe,
              guint      n_users,
              GError   **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) sr_bench_client_free);
  Opening opening = { 0 };
  gint64 deadline = g_get_monotonic_time () + SETUP_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree char *hello = g_strdup_printf ("{\"protocol\":%d,\"client\":\"showroom-bench\"}",
                                            SR_PROTOCOL_VERSION);

  opening.subscribe = subscribe;

  while (opening.n_ready + opening.n_failed < n)
    {
      while (clients->len < n && opening.n_busy < SETUP_WINDOW && opening.n_failed == 0)
        {
          SrBenchClient *client;
          SrBenchClientState *state;
          g_autofree char *params = NULL;

          client = sr_bench_client_new (bench->loop, "127.0.0.1",
                                        sr_bench_env_get_port (bench->env), error);
          if (client == NULL)
            return NULL;
          g_ptr_array_add (clients, client);

          state = sr_bench_client_state (client);
          state->index = clients->len - 1;
          state->step = STEP_AUTH;
          sr_bench_client_set_func (client, opening_frame_cb, &opening);
          opening.n_busy++;

          /* Pipelined: the server handles hello before it reads the next frame. */
          sr_bench_client_call (client, "hello", hello);
          if (login)
            {
              params = g_strdup_printf ("{\"email\":\"admin%u@bench.test\",\"password\":\"%s\"}",
                                        state->index + 1, SR_BENCH_PASSWORD);
              state->wait_id = sr_bench_client_call (client, "auth.login", params);
            }
          else
            {
              const char *token = g_ptr_array_index (bench->tokens,
                                                     state->index % MIN (n_users, bench->tokens->len));

              params = g_strdup_printf ("{\"token\":\"%s\"}", token);
              state->wait_id = sr_bench_client_call (client, "auth.resume", params);
            }
        }

      if (opening.n_failed > 0 && opening.n_busy == 0)
        break;
      if (must_stop (bench, error))
        {
          g_free (opening.first_error);
          return NULL;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "only %u of %u connections were set up within %d s",
                       opening.n_ready, n, SETUP_TIMEOUT_S);
          g_free (opening.first_error);
          return NULL;
        }
      sr_bench_loop_iterate (bench->loop, 10);
    }

  if (opening.n_failed > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "setting up connections failed: %s",
                   opening.first_error);
      g_free (opening.first_error);
      return NULL;
    }

  for (guint i = 0; i < clients->len; i++)
    sr_bench_client_set_func (g_ptr_array_index (clients, i), NULL, NULL);

  return g_steal_pointer (&clients);
}

static gboolean
sign_in_admins (Bench   *bench,
                GError **error)
{
  g_autoptr(GPtrArray) clients = open_clients (bench, N_BRANCHES, TRUE, FALSE, N_BRANCHES, error);

  if (clients == NULL)
    return FALSE;

  bench->tokens = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < clients->len; i++)
    {
      SrBenchClientState *state = sr_bench_client_state (g_ptr_array_index (clients, i));

      g_ptr_array_add (bench->tokens, g_steal_pointer (&state->token));
    }

  return TRUE;
}

static double
percentile (GArray *sorted,
            double  p)
{
  gsize rank;

  if (sorted->len == 0)
    return NAN;

  /* Nearest rank. */
  rank = (gsize) ceil (p / 100.0 * sorted->len);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, gint64, rank - 1) / 1000.0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static guint32
xorshift (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* vehicles.get, pipelined */

typedef struct {
  guint     n_vehicles;
  guint     depth;
  guint32   rng;
  gboolean  sending;
  gboolean  measuring;
  guint64   ok;
  guint64   errors;
  guint     in_flight;
  guint     closed;
  char     *first_error;
} GetRun;

static void
get_send (GetRun        *run,
          SrBenchClient *client)
{
  char params[48];

  g_snprintf (params, sizeof params, "{\"id\":%u}", 1 + xorshift (&run->rng) % run->n_vehicles);
  sr_bench_client_call (client, "vehicles.get", params);
  run->in_flight++;
}

static void
get_frame_cb (SrBenchClient *client,
              const char    *data,
              gsize          len,
              gint64         now_us,
              gpointer       user_data)
{
  GetRun *run = user_data;
  gint64 id;
  gboolean is_error;

  if (data == NULL)
    {
      run->closed++;
      return;
    }

  if (!sr_bench_scan_response (data, len, &id, &is_error))
    {
      /* Not in the server's usual shape: look properly. */
      g_autoptr(SrMessage) message = sr_rpc_parse_message (data, len, NULL);

      if (message == NULL || message->kind != SR_MESSAGE_RESPONSE)
        return;
      is_error = message->error != NULL;
    }

  run->in_flight--;
  if (run->measuring)
    {
      if (is_error)
        run->errors++;
      else
        run->ok++;
    }
  if (is_error && run->first_error == NULL)
    run->first_error = g_strndup (data, MIN (len, 300));

  if (run->sending)
    get_send (run, client);
}

static gboolean
run_get (Bench   *bench,
         GError **error)
{
  Options *options = bench->options;
  g_autoptr(GPtrArray) clients = NULL;
  GetRun run = { 0 };
  SrBenchCpu cpu;
  gint64 start, end;
  guint warmup_ms = options->quick ? 1000 : 2000;

  clients = open_clients (bench, options->get_clients, FALSE, FALSE, options->get_users, error);
  if (clients == NULL || !settle_database (bench, error))
    return FALSE;

  run.n_vehicles = options->n_vehicles;
  run.depth = options->get_depth;
  run.rng = 0x9e3779b9;
  run.sending = TRUE;

  progress (bench, "vehicles.get: %d connections signed in as %d admin(s), %d requests in "
            "flight each, %u ms warm-up, %d s", options->get_clients, options->get_users,
            options->get_depth, warmup_ms, options->get_seconds);
  for (guint i = 0; i < clients->len; i++)
    {
      SrBenchClient *client = g_ptr_array_index (clients, i);

      sr_bench_client_set_func (client, get_frame_cb, &run);
      for (guint k = 0; k < run.depth; k++)
        get_send (&run, client);
    }

  spin (bench, warmup_ms);
  run.measuring = TRUE;
  sr_bench_env_sample_cpu (bench->env, &cpu);
  start = g_get_monotonic_time ();
  end = start + options->get_seconds * G_USEC_PER_SEC;
  while (!interrupted && g_get_monotonic_time () < end && run.closed == 0)
    sr_bench_loop_iterate (bench->loop, 10);
  run.measuring = FALSE;
  end = g_get_monotonic_time ();
  report_cpu (bench, &cpu, "vehicles.get", run.ok, "call");

  /* Let the requests in flight come back before the connections close. */
  run.sending = FALSE;
  for (guint i = 0; i < 500 && run.in_flight > 0 && run.closed == 0 && !interrupted; i++)
    sr_bench_loop_iterate (bench->loop, 10);

  if (must_stop (bench, error))
    return FALSE;
  if (run.closed > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the server closed %u of the vehicles.get connections", run.closed);
      return FALSE;
    }
  if (run.errors > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%" G_GUINT64_FORMAT
                   " vehicles.get calls failed, e.g.: %s", run.errors, run.first_error);
      g_free (run.first_error);
      return FALSE;
    }

  bench->results.get_rps = run.ok / ((end - start) / (double) G_USEC_PER_SEC);
  progress (bench, "vehicles.get: %" G_GUINT64_FORMAT " calls answered, %.0f/s",
            run.ok, bench->results.get_rps);
  return TRUE;
}

static gboolean
run_pgbench (Bench   *bench,
             GError **error)
{
  Options *options = bench->options;
  g_autofree char *script = NULL;
  g_autofree char *clients = g_strdup_printf ("%d", options->get_clients);
  g_autofree char *seconds = g_strdup_printf ("%d", options->get_seconds);
  const char *extra[] = { "-n", "-M", "prepared", "-c", clients, "-j", "2", "-T", seconds, NULL };
  /* The server reads as showroom_app under row-level security, acting as an admin: the
   * same role and settings make it the same query plan and the same per-row checks. */
  const char *as_app = "-c role=showroom_app -c showroom.role=admin -c showroom.user_id=1"
                       " -c showroom.branch_id=1";
  const char *pgoptions = options->pgbench_superuser ? NULL : as_app;
  SrBenchCpu cpu;
  double tps;

  script = g_strdup_printf ("\\set id random(1, %d)\n"
                            "SELECT vehicle_json(v)::text FROM vehicles v WHERE v.id = :id;\n",
                            options->n_vehicles);

  progress (bench, "pgbench: the same SELECT, -c %d -j 2 -T %d -M prepared, as %s",
            options->get_clients, options->get_seconds,
            pgoptions ? "showroom_app acting as admin (like the server)" : "postgres");
  sr_bench_env_sample_cpu (bench->env, &cpu);
  tps = sr_bench_env_run_pgbench (bench->env, script, extra, pgoptions, error);
  if (tps < 0)
    return FALSE;
  report_cpu (bench, &cpu, "pgbench", tps * options->get_seconds, "transaction");

  bench->results.pgbench_tps = tps;
  progress (bench, "pgbench: %.0f tps", tps);
  return TRUE;
}

/* Fan-out: a writer thread updates vehicles; subscribers time each event */

typedef struct {
  /* Set before the thread starts */
  PGconn        *conn;
  guint          n_updates;       /* 0: until told to stop */
  guint          interval_us;     /* 0: no pacing */
  guint          n_vehicles;
  guint          n_subscribers;
  guint          lag_limit;       /* 0: none; else stay at most this many updates ahead */
  const guint64 *received;

  /* Shared */
  gint           stop;
  guint64        committed;
  gint           done;

  /* Read after join */
  char          *error;
} Writer;

static const char sql_update[] =
  "UPDATE vehicles SET odometer_km = odometer_km + 1 WHERE id = $1";

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  guint32 rng = 0x2545f491;
  gint64 start = g_get_monotonic_time ();

  for (guint k = 0; writer->n_updates == 0 || k < writer->n_updates; k++)
    {
      g_autoptr(PGresult) result = NULL;
      char id[16];
      const char *values[1] = { id };

      if (g_atomic_int_get (&writer->stop))
        break;

      if (writer->lag_limit > 0)
        {
          /* Closed loop: measure how fast events can be delivered, not how deep a
           * backlog can grow. */
          for (;;)
            {
              guint64 committed = __atomic_load_n (&writer->committed, __ATOMIC_RELAXED);
              guint64 received = __atomic_load_n (writer->received, __ATOMIC_RELAXED);

              if (g_atomic_int_get (&writer->stop) || committed <= writer->lag_limit ||
                  (committed - writer->lag_limit) * writer->n_subscribers <= received)
                break;
              g_usleep (100);
            }
        }
      else if (writer->interval_us > 0)
        {
          gint64 due = start + (gint64) k * writer->interval_us;
          gint64 now = g_get_monotonic_time ();

          if (due > now)
            g_usleep (due - now);
        }

      g_snprintf (id, sizeof id, "%u", 1 + xorshift (&rng) % writer->n_vehicles);
      result = PQexecPrepared (writer->conn, "update", 1, values, NULL, NULL, 0);
      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          writer->error = g_strdup (PQresultErrorMessage (result));
          break;
        }
      __atomic_add_fetch (&writer->committed, 1, __ATOMIC_RELAXED);
    }

  g_atomic_int_set (&writer->done, 1);
  return NULL;
}

typedef struct {
  gint64   seq_base;
  GArray  *at_us;          /* gint64 by seq - seq_base - 1; 0 while unknown */
  GArray  *latencies_us;   /* gint64, NULL when not collected */
  GArray  *latency_seqs;   /* gint64 seq of each latency, for --dump */
  guint64  received;       /* read by the writer thread */
  guint64  disorder;
  guint64  unreadable;
  guint    closed;
  gint64   last_receipt;
} Fanout;

static gint64
commit_time (Fanout     *fanout,
             gint64      seq,
             const char *at,
             gsize       at_len)
{
  guint index = seq - fanout->seq_base - 1;
  gint64 *slot;

  if (index >= fanout->at_us->len)
    g_array_set_size (fanout->at_us, MAX (index + 1, fanout->at_us->len * 2));
  slot = &g_array_index (fanout->at_us, gint64, index);

  /* Every subscriber gets the same text: parse it once per seq. */
  if (*slot == 0)
    {
      g_autofree char *text = g_strndup (at, at_len);
      g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

      if (time == NULL)
        return 0;
      *slot = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
    }

  return *slot;
}

static void
fanout_frame_cb (SrBenchClient *client,
                 const char    *data,
                 gsize          len,
                 gint64         now_us,
                 gpointer       user_data)
{
  Fanout *fanout = user_data;
  SrBenchClientState *state = sr_bench_client_state (client);
  const char *at;
  gsize at_len;
  gint64 seq;
  gint64 committed;

  if (data == NULL)
    {
      fanout->closed++;
      return;
    }

  if (!sr_bench_scan_event (data, len, &seq, &at, &at_len))
    {
      fanout->unreadable++;
      return;
    }
  if (seq <= fanout->seq_base)
    return;   /* a straggler from an earlier run */

  if (seq <= state->last_seq)
    {
      fanout->disorder++;
      return;
    }
  state->last_seq = seq;
  state->n_events++;
  __atomic_add_fetch (&fanout->received, 1, __ATOMIC_RELAXED);
  fanout->last_receipt = g_get_monotonic_time ();

  if (fanout->latencies_us != NULL)
    {
      committed = commit_time (fanout, seq, at, at_len);
      if (committed == 0)
        fanout->unreadable++;
      else
        {
          gint64 latency = now_us - committed;

          g_array_append_val (fanout->latencies_us, latency);
          g_array_append_val (fanout->latency_seqs, seq);
        }
    }
}

static gboolean
writer_prepare (Bench   *bench,
                Writer  *writer,
                gint64  *seq_base,
                GError **error)
{
  g_autoptr(PGresult) prepared = NULL;
  g_autoptr(PGresult) max_seq = NULL;

  writer->conn = sr_bench_env_connect (bench->env, error);
  if (writer->conn == NULL)
    return FALSE;

  prepared = PQprepare (writer->conn, "update", sql_update, 1, NULL);
  max_seq = PQexec (writer->conn, "SELECT coalesce(max(seq), 0) FROM change_log");
  if (PQresultStatus (prepared) != PGRES_COMMAND_OK || PQresultStatus (max_seq) != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "preparing the writer failed: %s",
                   PQerrorMessage (writer->conn));
      return FALSE;
    }

  *seq_base = g_ascii_strtoll (PQgetvalue (max_seq, 0, 0), NULL, 10);
  writer->n_vehicles = bench->options->n_vehicles;
  return TRUE;
}

static void
fanout_start (GPtrArray *clients,
              Fanout    *fanout,
              gboolean   latencies)
{
  fanout->at_us = g_array_new (FALSE, TRUE, sizeof (gint64));
  g_array_set_size (fanout->at_us, 1024);
  fanout->latencies_us = latencies ? g_array_new (FALSE, FALSE, sizeof (gint64)) : NULL;
  fanout->latency_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  fanout->last_receipt = g_get_monotonic_time ();

  for (guint i = 0; i < clients->len; i++)
    {
      SrBenchClient *client = g_ptr_array_index (clients, i);

      sr_bench_client_state (client)->last_seq = fanout->seq_base;
      sr_bench_client_set_func (client, fanout_frame_cb, fanout);
    }
}

static void
fanout_finish (GPtrArray *clients,
               Fanout    *fanout)
{
  for (guint i = 0; i < clients->len; i++)
    sr_bench_client_set_func (g_ptr_array_index (clients, i), NULL, NULL);

  g_clear_pointer (&fanout->at_us, g_array_unref);
  g_clear_pointer (&fanout->latencies_us, g_array_unref);
  g_clear_pointer (&fanout->latency_seqs, g_array_unref);
}

/* --dump: "seq commit_us latency_us" per delivered event, in receipt order. */
static void
dump_latencies (Bench      *bench,
                Fanout     *fanout,
                guint       n_subscribers)
{
  g_autofree char *path = NULL;
  g_autoptr(GString) text = NULL;
  g_autoptr(GError) error = NULL;

  if (bench->options->dump == NULL)
    return;

  text = g_string_new (NULL);
  for (guint i = 0; i < fanout->latencies_us->len; i++)
    {
      gint64 seq = g_array_index (fanout->latency_seqs, gint64, i);
      gint64 at = g_array_index (fanout->at_us, gint64, seq - fanout->seq_base - 1);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                              seq, at, g_array_index (fanout->latencies_us, gint64, i));
    }

  path = g_strdup_printf ("%s.fanout%u", bench->options->dump, n_subscribers);
  if (!g_file_set_contents (path, text->str, text->len, &error))
    g_printerr ("showroom-bench: %s\n", error->message);
  else
    progress (bench, "latencies written to %s", path);
}

/* Waits for what is still on its way: done when every expected event came, or when
 * none came for STRAGGLER_S. */
static void
fanout_drain (Bench  *bench,
              Fanout *fanout,
              guint64 expected)
{
  fanout->last_receipt = MAX (fanout->last_receipt, g_get_monotonic_time ());
  while (!interrupted && fanout->received < expected &&
         g_get_monotonic_time () - fanout->last_receipt < STRAGGLER_S * G_USEC_PER_SEC)
    sr_bench_loop_iterate (bench->loop, 10);
}

static guint
count_cut_off (Bench *bench)
{
  g_autofree char *log = sr_bench_env_get_server_log (bench->env);
  guint n = 0;

  for (const char *p = log; (p = strstr (p, "does not read")) != NULL; p++)
    n++;
  return n;
}

/* Paced updates; each event's latency is its receipt time minus its change's "at". */
static gboolean
run_fanout_latency (Bench      *bench,
                    GPtrArray  *clients,
                    guint       n_updates,
                    guint       interval_us,
                    double     *p50_ms,
                    double     *p99_ms,
                    double     *lost,
                    GError    **error)
{
  Writer writer = { 0 };
  Fanout fanout = { 0 };
  SrBenchCpu cpu;
  GThread *thread;
  guint64 expected;
  guint cut_before = count_cut_off (bench);

  if (!writer_prepare (bench, &writer, &fanout.seq_base, error))
    {
      g_clear_pointer (&writer.conn, PQfinish);
      return FALSE;
    }
  writer.n_updates = n_updates;
  writer.interval_us = interval_us;
  writer.n_subscribers = clients->len;
  writer.received = &fanout.received;

  progress (bench, "fan-out: %u subscribers, %u updates %.1f ms apart (offered %.0f events/s)",
            clients->len, n_updates, interval_us / 1000.0,
            interval_us ? clients->len * 1e6 / interval_us : 0);

  fanout_start (clients, &fanout, TRUE);
  sr_bench_env_sample_cpu (bench->env, &cpu);
  thread = g_thread_new ("writer", writer_thread, &writer);
  while (!interrupted && !g_atomic_int_get (&writer.done))
    sr_bench_loop_iterate (bench->loop, 5);
  g_atomic_int_set (&writer.stop, 1);
  g_thread_join (thread);

  expected = writer.committed * clients->len;
  fanout_drain (bench, &fanout, expected);
  report_cpu (bench, &cpu, "fan-out", fanout.received, "event");
  g_clear_pointer (&writer.conn, PQfinish);

  if (writer.error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the writer failed: %s", writer.error);
      g_free (writer.error);
      fanout_finish (clients, &fanout);
      return FALSE;
    }
  if (must_stop (bench, error))
    {
      fanout_finish (clients, &fanout);
      return FALSE;
    }

  dump_latencies (bench, &fanout, clients->len);
  g_array_sort (fanout.latencies_us, compare_gint64);
  *p50_ms = percentile (fanout.latencies_us, 50);
  *p99_ms = percentile (fanout.latencies_us, 99);
  *lost = (double) (expected - MIN (fanout.received, expected));

  progress (bench, "fan-out: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " events; "
            "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; "
            "%" G_GUINT64_FORMAT " out of order, %" G_GUINT64_FORMAT " unreadable, "
            "%u connections closed, %u cut off by the server",
            fanout.received, expected, *p50_ms, percentile (fanout.latencies_us, 90), *p99_ms,
            percentile (fanout.latencies_us, 100), fanout.disorder, fanout.unreadable,
            fanout.closed, count_cut_off (bench) - cut_before);

  fanout_finish (clients, &fanout);
  return TRUE;
}

/* The writer as fast as delivery allows: it may run at most lag updates ahead of the
 * average subscriber, so this measures sustained delivery, not queue growth. */
static gboolean
run_throughput (Bench      *bench,
                GPtrArray  *clients,
                GError    **error)
{
  Options *options = bench->options;
  Writer writer = { 0 };
  Fanout fanout = { 0 };
  GThread *thread;
  guint64 expected;
  guint64 in_window;
  SrBenchCpu cpu;
  gint64 start, end;
  guint cut_before = count_cut_off (bench);

  if (!writer_prepare (bench, &writer, &fanout.seq_base, error))
    {
      g_clear_pointer (&writer.conn, PQfinish);
      return FALSE;
    }
  writer.n_updates = 0;
  writer.n_subscribers = clients->len;
  writer.lag_limit = options->throughput_lag;
  writer.received = &fanout.received;

  progress (bench, "throughput: %u subscribers, writer unpaced (at most %d updates ahead), %d s",
            clients->len, options->throughput_lag, options->throughput_seconds);

  fanout_start (clients, &fanout, FALSE);
  sr_bench_env_sample_cpu (bench->env, &cpu);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("writer", writer_thread, &writer);
  end = start + options->throughput_seconds * G_USEC_PER_SEC;
  while (!interrupted && g_get_monotonic_time () < end && !g_atomic_int_get (&writer.done))
    sr_bench_loop_iterate (bench->loop, 5);
  end = g_get_monotonic_time ();
  in_window = fanout.received;
  report_cpu (bench, &cpu, "throughput", in_window, "event");
  g_atomic_int_set (&writer.stop, 1);
  g_thread_join (thread);

  expected = writer.committed * clients->len;
  fanout_drain (bench, &fanout, expected);
  g_clear_pointer (&writer.conn, PQfinish);

  if (writer.error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the writer failed: %s", writer.error);
      g_free (writer.error);
      fanout_finish (clients, &fanout);
      return FALSE;
    }
  if (must_stop (bench, error))
    {
      fanout_finish (clients, &fanout);
      return FALSE;
    }

  bench->results.fanout1000_msgs_per_s = in_window / ((end - start) / (double) G_USEC_PER_SEC);
  bench->results.throughput_lost = (double) (expected - MIN (fanout.received, expected));
  progress (bench, "throughput: %" G_GUINT64_FORMAT " updates, %" G_GUINT64_FORMAT
            " events in the window = %.0f/s; afterwards %" G_GUINT64_FORMAT " of %"
            G_GUINT64_FORMAT " delivered, %" G_GUINT64_FORMAT " out of order, "
            "%u connections closed, %u cut off by the server",
            writer.committed, in_window, bench->results.fanout1000_msgs_per_s,
            fanout.received, expected, fanout.disorder, fanout.closed,
            count_cut_off (bench) - cut_before);

  fanout_finish (clients, &fanout);
  return TRUE;
}

/* Idle memory, then the 1,000-subscriber scenarios on the same connections */

static gboolean
run_thousand (Bench   *bench,
              GError **error)
{
  Options *options = bench->options;
  g_autoptr(GPtrArray) clients = NULL;
  gboolean idle = wants (bench, "idle");
  guint n = idle ? options->idle_clients : options->fanout1000_clients;
  guint64 before, after;

  spin (bench, 500);
  before = sr_bench_env_get_server_rss (bench->env);
  progress (bench, "opening %u subscribed connections (server RSS %" G_GUINT64_FORMAT " KiB)",
            n, before);

  clients = open_clients (bench, n, FALSE, TRUE, N_BRANCHES, error);
  if (clients == NULL)
    return FALSE;

  spin (bench, options->quick ? 1000 : 2000);
  if (must_stop (bench, error))
    return FALSE;
  after = sr_bench_env_get_server_rss (bench->env);
  if (idle)
    {
      bench->results.idle_kib_per_conn = ((double) after - (double) before) / n;
      progress (bench, "idle: server RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                " KiB with %u connections: %.1f KiB each",
                before, after, n, bench->results.idle_kib_per_conn);
    }

  if (n != (guint) options->fanout1000_clients)
    g_ptr_array_set_size (clients, MIN (n, (guint) options->fanout1000_clients));

  if (wants (bench, "fanout1000") &&
      (!settle_database (bench, error) ||
       !run_fanout_latency (bench, clients, options->fanout1000_updates,
                           options->fanout1000_interval_us,
                           &bench->results.fanout1000_p50_ms, &bench->results.fanout1000_p99_ms,
                           &bench->results.fanout1000_lost, error)))
    return FALSE;

  if (wants (bench, "throughput") &&
      (!settle_database (bench, error) || !run_throughput (bench, clients, error)))
    return FALSE;

  return TRUE;
}

static gboolean
run_fanout100 (Bench   *bench,
               GError **error)
{
  Options *options = bench->options;
  g_autoptr(GPtrArray) clients = open_clients (bench, 100, FALSE, TRUE, N_BRANCHES, error);

  if (clients == NULL || !settle_database (bench, error))
    return FALSE;

  return run_fanout_latency (bench, clients, options->fanout100_updates,
                             options->fanout100_interval_us,
                             &bench->results.fanout100_p50_ms, &bench->results.fanout100_p99_ms,
                             &bench->results.fanout100_lost, error);
}

/* Output */

typedef enum {
  BAR_NONE,
  BAR_AT_LEAST,
  BAR_AT_MOST,
} BarKind;

typedef struct {
  const char *label;
  const char *json_key;    /* NULL: table only */
  gsize       offset;      /* into Results */
  int         decimals;
  BarKind     bar;
  double      limit;
} Row;

#define FIELD(name) G_STRUCT_OFFSET (Results, name)

static const Row rows[] = {
  { "vehicles.get calls/s (8 conns, pipelined)", "get_rps", FIELD (get_rps), 0, BAR_NONE, 0 },
  { "pgbench tps (same SELECT, 8 conns)", "pgbench_tps", FIELD (pgbench_tps), 0, BAR_NONE, 0 },
  { "vehicles.get / pgbench", "get_ratio", FIELD (get_ratio), 3, BAR_AT_LEAST, 0.6 },
  { "fan-out 100: p50 ms", "fanout100_p50_ms", FIELD (fanout100_p50_ms), 2, BAR_NONE, 0 },
  { "fan-out 100: p99 ms", "fanout100_p99_ms", FIELD (fanout100_p99_ms), 2, BAR_AT_MOST, 10 },
  { "fan-out 100: lost events", "fanout100_lost", FIELD (fanout100_lost), 0, BAR_AT_MOST, 0 },
  { "fan-out 1000: p50 ms", NULL, FIELD (fanout1000_p50_ms), 2, BAR_NONE, 0 },
  { "fan-out 1000: p99 ms", "fanout1000_p99_ms", FIELD (fanout1000_p99_ms), 2, BAR_AT_MOST, 50 },
  { "fan-out 1000: lost events", "fanout1000_lost", FIELD (fanout1000_lost), 0, BAR_AT_MOST, 0 },
  { "fan-out 1000: events delivered/s", "fanout1000_msgs_per_s", FIELD (fanout1000_msgs_per_s), 0,
    BAR_AT_LEAST, 50000 },
  { "fan-out 1000: undelivered after max rate", NULL, FIELD (throughput_lost), 0, BAR_NONE, 0 },
  { "idle: server RSS KiB per connection", "idle_kib_per_conn", FIELD (idle_kib_per_conn), 1,
    BAR_AT_MOST, 64 },
};

static double
row_value (const Results *results,
           const Row     *row)
{
  return G_STRUCT_MEMBER (double, results, row->offset);
}

/* Prints the table and the JSON line; returns how many bars were missed. */
static guint
report (Bench *bench)
{
  g_autoptr(GString) json = g_string_new ("{");
  guint missed = 0;
  guint checked = 0;

  printf ("\n%-44s %14s %12s  %s\n", "scenario", "value", "bar", "result");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];
      double value = row_value (&bench->results, row);
      g_autofree char *bar = NULL;
      const char *verdict = "";

      if (row->bar == BAR_AT_LEAST)
        bar = g_strdup_printf (">= %g", row->limit);
      else if (row->bar == BAR_AT_MOST)
        bar = row->limit == 0 ? g_strdup ("0") : g_strdup_printf ("<= %g", row->limit);
      else
        bar = g_strdup ("");

      if (row->bar != BAR_NONE)
        {
          if (isnan (value))
            verdict = "not run";
          else
            {
              gboolean ok = row->bar == BAR_AT_LEAST ? value >= row->limit : value <= row->limit;

              checked++;
              verdict = ok ? "pass" : "FAIL";
              missed += !ok;
            }
        }

      if (isnan (value))
        printf ("%-44s %14s %12s  %s\n", row->label, "-", bar, verdict);
      else
        printf ("%-44s %14.*f %12s  %s\n", row->label, row->decimals, value, bar, verdict);

      if (row->json_key != NULL)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *format = g_strdup_printf ("%%.%df", row->decimals);

          if (json->len > 1)
            g_string_append_c (json, ',');
          g_string_append_printf (json, "\"%s\":%s", row->json_key,
                                  isnan (value) ? "null"
                                                : g_ascii_formatd (number, sizeof number, format, value));
        }
    }
  g_string_append_c (json, '}');

  printf ("\n%u of %u bars met%s\n", checked - missed, checked,
          bench->options->quick ? " (--quick: smaller runs, indicative only)" : "");
  printf ("%s\n", json->str);
  fflush (stdout);

  return missed;
}

/* Setup */

static char *
default_showroomd (void)
{
  const char *env = g_getenv ("SR_SHOWROOMD");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
#ifdef SR_BUILD_SHOWROOMD
  return g_strdup (SR_BUILD_SHOWROOMD);
#else
  return NULL;
#endif
}

static void
raise_file_limit (void)
{
  struct rlimit limit;

  /* A thousand clients here, as many sessions in the server, which inherits this. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_printerr ("showroom-bench: cannot raise the open-file limit: %s\n", g_strerror (errno));
    }
}

static void
on_signal (int signum)
{
  interrupted = 1;
}

static void
catch_signals (void)
{
  struct sigaction action = { 0 };

  action.sa_handler = on_signal;
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  sigaction (SIGHUP, &action, NULL);
}

static void
set_default (gint *value,
             gint  quick,
             gint  full,
             gboolean is_quick)
{
  if (*value < 0)
    *value = is_quick ? quick : full;
}

static gboolean
run (Bench   *bench,
     GError **error)
{
  Options *options = bench->options;
  SrBenchEnvOptions env_options = {
    .showroomd = options->showroomd,
    .n_branches = N_BRANCHES,
    .n_vehicles = options->n_vehicles,
    .pool_size = options->pool_size,
  };

  progress (bench, "starting PostgreSQL, migrating and seeding %d vehicles", options->n_vehicles);
  bench->env = sr_bench_env_new (&env_options, error);
  if (bench->env == NULL || check_interrupted (error))
    return FALSE;

  if (!sr_bench_env_start_server (bench->env, error))
    return FALSE;
  progress (bench, "showroomd (pid %d) listening on 127.0.0.1:%u",
            (int) sr_bench_env_get_server_pid (bench->env), sr_bench_env_get_port (bench->env));

  bench->loop = sr_bench_loop_new (error);
  if (bench->loop == NULL || !sign_in_admins (bench, error))
    return FALSE;

  /* Two cores are shared by everything: say so when something else is using them. */
  {
    SrBenchCpu cpu;

    SrBenchCpu d;
    SrBenchCpu now;

    sr_bench_env_sample_cpu (bench->env, &cpu);
    spin (bench, 1000);
    sr_bench_env_sample_cpu (bench->env, &now);
    sr_bench_cpu_diff (&now, &cpu, &d);
    progress (bench, "before the scenarios the machine is %.0f%% busy (%u CPUs)%s",
              100.0 * d.machine_busy / (MAX (d.wall, 1) * (double) g_get_num_processors ()),
              g_get_num_processors (),
              d.machine_busy > d.wall / 10 ? ": other work will lower the numbers" : "");
  }

  /* Idle first, on a server whose heap has not yet held anything bigger. */
  if ((wants (bench, "idle") || wants (bench, "fanout1000") || wants (bench, "throughput")) &&
      !run_thousand (bench, error))
    return FALSE;
  spin (bench, 500);

  if (wants (bench, "fanout100") && !run_fanout100 (bench, error))
    return FALSE;

  if (wants (bench, "get"))
    {
      if (!run_get (bench, error) || !run_pgbench (bench, error))
        return FALSE;
      bench->results.get_ratio = bench->results.get_rps / bench->results.pgbench_tps;
    }

  if (options->hold)
    {
      g_autoptr(PGconn) conn = sr_bench_env_connect (bench->env, NULL);

      progress (bench, "holding: psql \"%s\", showroomd pid %d on port %u; Ctrl-C to end",
                conn ? PQhost (conn) : "?", (int) sr_bench_env_get_server_pid (bench->env),
                sr_bench_env_get_port (bench->env));
      if (conn != NULL)
        progress (bench, "  psql -h %s -p %s -U postgres %s", PQhost (conn), PQport (conn),
                  sr_bench_env_get_dbname (bench->env));
      while (!interrupted)
        g_usleep (100000);
      interrupted = 0;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  Options options = {
    .n_vehicles = -1, .get_clients = 8, .get_depth = 32, .get_seconds = -1, .get_users = 1,
    .fanout100_updates = -1, .fanout100_interval_us = -1,
    .fanout1000_clients = 1000, .fanout1000_updates = -1, .fanout1000_interval_us = -1,
    .throughput_seconds = -1, .throughput_lag = 1000, .idle_clients = 1000,
    .pool_size = 0,
  };
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &options.quick,
      "Smaller runs, under a minute in all", NULL },
    { "showroomd", 0, 0, G_OPTION_ARG_FILENAME, &options.showroomd,
      "The server to measure (default: $SR_SHOWROOMD, else the one built beside this)", "PATH" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &options.only,
      "Run only these scenarios: get, fanout100, fanout1000, throughput, idle", "LIST" },
    { "vehicles", 0, 0, G_OPTION_ARG_INT, &options.n_vehicles,
      "Vehicles to seed (default 100000; 10000 with --quick)", "N" },
    { "get-seconds", 0, 0, G_OPTION_ARG_INT, &options.get_seconds,
      "Length of the vehicles.get and pgbench runs (default 15; 5 with --quick)", "S" },
    { "get-users", 0, 0, G_OPTION_ARG_INT, &options.get_users,
      "Distinct admins the vehicles.get connections sign in as (default 1, at most 4)", "N" },
    { "get-depth", 0, 0, G_OPTION_ARG_INT, &options.get_depth,
      "vehicles.get requests in flight per connection (default 32)", "N" },
    { "fanout100-updates", 0, 0, G_OPTION_ARG_INT, &options.fanout100_updates,
      "Updates in the 100-subscriber run (default 1000; 300 with --quick)", "N" },
    { "fanout100-interval-us", 0, 0, G_OPTION_ARG_INT, &options.fanout100_interval_us,
      "Time between those updates (default 2000: 50,000 events/s)", "US" },
    { "fanout1000-updates", 0, 0, G_OPTION_ARG_INT, &options.fanout1000_updates,
      "Updates in the 1000-subscriber run (default 1000; 200 with --quick)", "N" },
    { "fanout1000-interval-us", 0, 0, G_OPTION_ARG_INT, &options.fanout1000_interval_us,
      "Time between those updates (default 20000: 50,000 events/s)", "US" },
    { "throughput-seconds", 0, 0, G_OPTION_ARG_INT, &options.throughput_seconds,
      "Length of the delivery-rate run (default 10; 3 with --quick)", "S" },
    { "throughput-lag", 0, 0, G_OPTION_ARG_INT, &options.throughput_lag,
      "How many updates the unpaced writer may run ahead of delivery (default 1000)", "N" },
    { "pgbench-superuser", 0, 0, G_OPTION_ARG_NONE, &options.pgbench_superuser,
      "Run pgbench as postgres (no row-level security) instead of as showroom_app", NULL },
    { "pool-size", 0, 0, G_OPTION_ARG_INT, &options.pool_size,
      "showroomd's --pool-size (default: the server's own)", "N" },
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &options.dump,
      "Write every fan-out latency to PREFIX.fanout100 and PREFIX.fanout1000", "PREFIX" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &options.hold,
      "Keep PostgreSQL and showroomd up after the scenarios until interrupted (to inspect them)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- measure showroomd against DESIGN.md's bars");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) crypto_error = NULL;
  Bench bench = { 0 };
  guint missed;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("showroom-bench: %s\n", error->message);
      return 2;
    }

  set_default (&options.n_vehicles, 10000, 100000, options.quick);
  set_default (&options.get_seconds, 5, 15, options.quick);
  set_default (&options.fanout100_updates, 300, 1000, options.quick);
  set_default (&options.fanout100_interval_us, 2000, 2000, options.quick);
  set_default (&options.fanout1000_updates, 200, 1000, options.quick);
  set_default (&options.fanout1000_interval_us, 20000, 20000, options.quick);
  set_default (&options.throughput_seconds, 3, 10, options.quick);
  if (options.n_vehicles < 1 || options.get_clients < 1 || options.get_depth < 1 ||
      options.idle_clients < options.fanout1000_clients ||
      options.get_users < 1 || options.get_users > N_BRANCHES ||
      options.pool_size < 0 || options.pool_size > 256)
    {
      g_printerr ("showroom-bench: bad numbers on the command line\n");
      return 2;
    }

  if (options.only != NULL)
    {
      static const char *const known[] = { "get", "fanout100", "fanout1000", "throughput",
                                           "idle", NULL };
      g_auto(GStrv) names = g_strsplit (options.only, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        if (!g_strv_contains (known, names[i]))
          {
            g_printerr ("showroom-bench: unknown scenario \"%s\" in --only\n", names[i]);
            return 2;
          }
    }

  if (options.showroomd == NULL)
    options.showroomd = default_showroomd ();
  if (options.showroomd == NULL || !g_file_test (options.showroomd, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("showroom-bench: showroomd not found (%s): give --showroomd PATH or set SR_SHOWROOMD\n",
                  options.showroomd ? options.showroomd : "no path");
      return 2;
    }

  if (!sr_crypto_init (&crypto_error))
    {
      g_printerr ("showroom-bench: %s\n", crypto_error->message);
      return 1;
    }

  raise_file_limit ();
  catch_signals ();

  bench.options = &options;
  bench.start_us = g_get_monotonic_time ();
  bench.results = (Results) {
    NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
  };

  if (!run (&bench, &error))
    {
      g_autofree char *log = bench.env ? sr_bench_env_get_server_log (bench.env) : NULL;

      g_printerr ("showroom-bench: %s\n", error->message);
      if (log != NULL && log[0] != '\0')
        {
          const char *tail = strlen (log) > 4000 ? log + strlen (log) - 4000 : log;
          g_printerr ("--- showroomd log (tail) ---\n%s\n", tail);
        }
      status = 1;
    }

  progress (&bench, "stopping showroomd and PostgreSQL");
  g_clear_pointer (&bench.loop, sr_bench_loop_free);
  if (bench.env != NULL && sr_bench_env_check_server (bench.env, NULL) &&
      !sr_bench_env_stop_server (bench.env))
    g_printerr ("showroom-bench: showroomd did not exit cleanly on SIGTERM\n");
  g_clear_pointer (&bench.env, sr_bench_env_free);
  g_clear_pointer (&bench.tokens, g_ptr_array_unref);

  missed = report (&bench);
  if (status == 0 && missed > 0)
    status = EXIT_BAR_MISSED;

  g_free (options.showroomd);
  g_free (options.only);
  g_free (options.dump);
  return status;
}
