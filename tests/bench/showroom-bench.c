/* showroom-bench.c: the performance bars of DESIGN.md section 5, measured end to end.
 *
 * Starts a private PostgreSQL and a showroomd, runs each scenario, prints a table and,
 * as the last line, one JSON object. Progress goes to stderr. Run as:
 *   showroom-bench [--quick] [--showroomd PATH] [--only get,fanout100,...,bulk]
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
#include "sr-json-reader.h"
#include "sr-password.h"
#include "sr-rpc.h"
#include "sr-bench-env.h"
#include "sr-bench-net.h"
#ifdef SR_HAVE_CLIENT_CORE
#include "sr-vehicle-filter.h"
#include "sr-vehicle-sorter.h"
#include "sr-vehicle-store.h"
#endif

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
  gint      bulk_rounds;
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
  double bulk_preview_ms;
  double bulk_apply_ms;
  double bulk_floor_ms;
  double client_load_ms;
  double client_pg_ms;
  double client_filter_ms;
  double client_sort_ms;
  double client_null_ms;
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

/* Bulk updates: bulk.preview and bulk.apply over 10,000 vehicles, beside the same change
 * made by one UPDATE straight on the database */

#define BULK_ROWS        10000   /* bulk.preview's limit */
#define BULK_MAKE        "Benchmark"
#define BULK_FLOOR_MAKE  "Benchfloor"
#define CALL_TIMEOUT_S   120
#define QUIET_TIMEOUT_S  30

/* Two sets of BULK_ROWS vehicles shaped like the seed's, one make for the server's bulk
 * calls and one for the direct UPDATE, so that neither run meets rows the other has
 * just rewritten; interleaved, so both sets sit on the same kind of pages. Their VINs
 * start with Z, which the seed's (hex digits) never do. Written like the seed, without
 * the log triggers. */
static const char sql_bulk_seed[] =
  "INSERT INTO vehicles (vin, make, model, variant, year, color, fuel, odometer_km, price,"
  "                      cost, status, branch_id, location, arrived_on)"
  " SELECT 'Z' || upper(substr(md5(i::text), 1, 10)) || lpad(i::text, 6, '0'),"
  "        CASE WHEN i % 2 = 0 THEN '" BULK_MAKE "' ELSE '" BULK_FLOOR_MAKE "' END,"
  "        (ARRAY['Swift','Creta','Nexon','XUV700','Seltos','Innova','City','Kushaq','Baleno',"
  "               'Venue','Punch','Thar'])[1 + i % 12],"
  "        (ARRAY['LXi','VXi','ZXi','Base','Top','AT'])[1 + i % 6],"
  "        2015 + i % 10,"
  "        (ARRAY['White','Silver','Red','Blue','Black','Grey','Brown'])[1 + i % 7],"
  "        (ARRAY['petrol','diesel','electric','hybrid','cng'])[1 + i % 5]::fuel_type,"
  "        (i * 37) % 150000,"
  "        (300000 + (i * 7919) % 2500000)::numeric(12, 2),"
  "        (250000 + (i * 7919) % 2000000)::numeric(12, 2),"
  "        (ARRAY['incoming','in_stock','in_stock','in_stock','reserved','sold'])[1 + i % 6]::vehicle_status,"
  "        1 + i % $2::int,"
  "        'Bay ' || i % 50,"
  "        current_date - i % 365"
  "   FROM generate_series(1, 2 * $1::int) i";

static gboolean
bulk_seed (Bench   *bench,
           GError **error)
{
  g_autoptr(PGconn) conn = sr_bench_env_connect (bench->env, error);
  g_autofree char *rows = g_strdup_printf ("%d", BULK_ROWS);
  g_autofree char *branches = g_strdup_printf ("%d", N_BRANCHES);
  const char *values[] = { rows, branches };

  if (conn == NULL)
    return FALSE;

  return sr_bench_exec (conn, "SET session_replication_role = replica", 0, NULL, error) &&
         sr_bench_exec (conn, sql_bulk_seed, 2, values, error) &&
         sr_bench_exec (conn, "SET session_replication_role = DEFAULT", 0, NULL, error);
}

/* Waits until showroomd and PostgreSQL have been nearly idle for a quarter of a second.
 * After 10,000 changes the server's feed is still reading them from the log for a
 * while; that belongs to no call, and must not be timed as part of the next one. */
static void
wait_quiet (Bench *bench)
{
  gint64 deadline = g_get_monotonic_time () + QUIET_TIMEOUT_S * G_USEC_PER_SEC;

  while (!interrupted && g_get_monotonic_time () < deadline)
    {
      SrBenchCpu before, after, d;
      guint64 busy;

      sr_bench_env_sample_cpu (bench->env, &before);
      spin (bench, 250);
      sr_bench_env_sample_cpu (bench->env, &after);
      sr_bench_cpu_diff (&after, &before, &d);
      busy = d.server_main_user + d.server_main_sys + d.server_db_user + d.server_db_sys +
             d.server_other_user + d.server_other_sys + d.pg_user + d.pg_sys;
      /* Under a tenth of one CPU: /proc counts in ticks of 10 ms. */
      if (busy * 10 < d.wall)
        return;
    }

  progress (bench, "bulk: showroomd and PostgreSQL still busy after %d s; going on",
            QUIET_TIMEOUT_S);
}

typedef struct {
  gint64    wait_id;
  char     *frame;
  gsize     len;
  gint64    received_us;
  gboolean  closed;
} Reply;

static void
reply_frame_cb (SrBenchClient *client,
                const char    *data,
                gsize          len,
                gint64         now_us,
                gpointer       user_data)
{
  Reply *reply = user_data;
  gint64 id;
  gboolean is_error;

  if (data == NULL)
    {
      reply->closed = TRUE;
      return;
    }
  if (reply->frame != NULL)
    return;

  if (!sr_bench_scan_response (data, len, &id, &is_error))
    {
      g_autoptr(SrMessage) message = sr_rpc_parse_message (data, len, NULL);

      if (message == NULL || message->kind != SR_MESSAGE_RESPONSE ||
          !JSON_NODE_HOLDS_VALUE (message->id))
        return;
      id = json_node_get_int (message->id);
    }
  if (id != reply->wait_id)
    return;

  reply->frame = g_strndup (data, len);
  reply->len = len;
  reply->received_us = now_us;
}

/* One call, alone on its connection: the time from handing the request to the socket
 * to the read that completed the response (the response is parsed only after that),
 * and the result. A failed call is an error. */
static JsonNode *
call_timed (Bench          *bench,
            SrBenchClient  *client,
            const char     *method,
            const char     *params,
            double         *elapsed_ms,
            gsize          *response_len,
            GError        **error)
{
  g_autoptr(SrMessage) message = NULL;
  g_autofree char *frame = NULL;
  Reply reply = { 0 };
  gint64 deadline = g_get_monotonic_time () + CALL_TIMEOUT_S * G_USEC_PER_SEC;
  gint64 start;

  sr_bench_client_set_func (client, reply_frame_cb, &reply);
  start = g_get_real_time ();
  reply.wait_id = sr_bench_client_call (client, method, params);
  while (reply.frame == NULL && !reply.closed && !interrupted &&
         g_get_monotonic_time () < deadline)
    sr_bench_loop_iterate (bench->loop, 10);
  sr_bench_client_set_func (client, NULL, NULL);
  frame = g_steal_pointer (&reply.frame);

  if (must_stop (bench, error))
    return NULL;
  if (frame == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", method,
                   reply.closed ? "the server closed the connection"
                                : "no response within " G_STRINGIFY (CALL_TIMEOUT_S) " s");
      return NULL;
    }

  message = sr_rpc_parse_message (frame, reply.len, error);
  if (message == NULL)
    return NULL;
  if (message->error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", method,
                   message->error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (message->result))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: the result is not an object",
                   method);
      return NULL;
    }

  *elapsed_ms = (reply.received_us - start) / 1000.0;
  if (response_len != NULL)
    *response_len = reply.len;
  return g_steal_pointer (&message->result);
}

/* The floor: the same price change as one plain UPDATE of the other set's ids, sent
 * by libpq as showroom_app acting as an admin, as the server's connections do (the
 * row-level security policy, the triggers, the change log and the NOTIFYs all run).
 * Timed from BEGIN to the end of COMMIT, which the server's apply also pays. */
static gboolean
bulk_floor (PGconn      *conn,
            const char  *update,
            double      *elapsed_ms,
            GError     **error)
{
  static const char *const steps[] = { "BEGIN", NULL /* the update */, "COMMIT" };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(PGresult) result = PQexec (conn, steps[i] ? steps[i] : update);

      if (PQresultStatus (result) != PGRES_COMMAND_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the plain UPDATE: %s",
                       PQresultErrorMessage (result));
          return FALSE;
        }
      if (steps[i] == NULL && g_ascii_strtoll (PQcmdTuples (result), NULL, 10) != BULK_ROWS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the plain UPDATE changed %s rows, not %d", PQcmdTuples (result),
                       BULK_ROWS);
          PQclear (PQexec (conn, "ROLLBACK"));
          return FALSE;
        }
    }

  *elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  return TRUE;
}

/* "UPDATE ... WHERE id IN (...)" over the floor set, and a connection to run it on. */
static PGconn *
bulk_floor_prepare (Bench   *bench,
                    char   **update,
                    GError **error)
{
  g_autoptr(PGconn) conn = sr_bench_env_connect (bench->env, error);
  g_autoptr(PGresult) ids = NULL;
  g_autoptr(GString) sql = NULL;

  if (conn == NULL ||
      !sr_bench_exec (conn, "SET ROLE showroom_app", 0, NULL, error) ||
      !sr_bench_exec (conn, "SET TIME ZONE 'UTC'", 0, NULL, error) ||
      !sr_bench_exec (conn, "SELECT set_config('showroom.user_id', '1', false),"
                      "       set_config('showroom.role', 'admin', false),"
                      "       set_config('showroom.branch_id', '1', false)", 0, NULL, error))
    return NULL;

  ids = PQexec (conn, "SELECT id FROM vehicles WHERE make = '" BULK_FLOOR_MAKE "' ORDER BY id");
  if (PQresultStatus (ids) != PGRES_TUPLES_OK || PQntuples (ids) != BULK_ROWS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the plain UPDATE's set has %d vehicles, not %d: %s",
                   PQntuples (ids), BULK_ROWS, PQresultErrorMessage (ids));
      return NULL;
    }

  sql = g_string_new ("UPDATE vehicles SET price = round(price * 1.05, 2) WHERE id IN (");
  for (int i = 0; i < PQntuples (ids); i++)
    g_string_append_printf (sql, "%s%s", i ? "," : "", PQgetvalue (ids, i, 0));
  g_string_append_c (sql, ')');

  *update = g_string_free (g_steal_pointer (&sql), FALSE);
  return g_steal_pointer (&conn);
}

/* Per round: the plain UPDATE on one set, then bulk.preview and bulk.apply of a 5%
 * price rise on the other, each on a settled database and an idle server. No one is
 * subscribed: the calls are timed, not the 10,000 events that follow. Every round
 * rewrites the same rows, each from the state the round before left. */
static gboolean
run_bulk (Bench   *bench,
          GError **error)
{
  Options *options = bench->options;
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(PGconn) floor_conn = NULL;
  g_autofree char *floor_update = NULL;
  static const char preview_params[] =
    "{\"filter\":{\"make\":\"" BULK_MAKE "\"},\"op\":{\"price_pct\":5.0}}";
  SrBenchClient *client;
  double best_preview = INFINITY;
  double best_apply = INFINITY;
  double best_floor = INFINITY;

  progress (bench, "bulk: adding 2 x %d vehicles (makes %s and %s)", BULK_ROWS, BULK_MAKE,
            BULK_FLOOR_MAKE);
  if (!bulk_seed (bench, error) ||
      (floor_conn = bulk_floor_prepare (bench, &floor_update, error)) == NULL)
    return FALSE;

  /* admin1: sees every branch, and may apply. */
  clients = open_clients (bench, 1, FALSE, FALSE, 1, error);
  if (clients == NULL)
    return FALSE;
  client = g_ptr_array_index (clients, 0);

  /* The seed writes no history, so with --only bulk change_log starts empty and is
   * analysed as empty: PostgreSQL then checks change_feed's foreign key into it with a
   * sequential scan, and whichever 10,000-row statement comes first pays for that
   * quadratically (two to four times as long). A database holding these vehicles would hold
   * their history too; one plain UPDATE, not counted, gives the log that much and the
   * settling that follows its statistics. After the other scenarios it has plenty. */
  {
    g_autoptr(PGresult) logged = NULL;
    double warm_up_ms;

    if (!settle_database (bench, error))
      return FALSE;
    logged = PQexec (floor_conn, "SELECT reltuples < 1000 FROM pg_class"
                                 " WHERE oid = 'change_log'::regclass");
    if (PQresultStatus (logged) != PGRES_TUPLES_OK)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "reading change_log's statistics: %s",
                     PQresultErrorMessage (logged));
        return FALSE;
      }
    if (PQgetvalue (logged, 0, 0)[0] == 't')
      {
        if (!bulk_floor (floor_conn, floor_update, &warm_up_ms, error))
          return FALSE;
        progress (bench, "bulk: change_log was about empty; a plain UPDATE to fill it took "
                  "%.1f ms (not counted)", warm_up_ms);
      }
  }

  progress (bench, "bulk: %d round(s) of a plain UPDATE of %d vehicles, then bulk.preview and "
            "bulk.apply of a 5%% price rise on %d others, one call at a time", options->bulk_rounds,
            BULK_ROWS, BULK_ROWS);
  for (gint round = 1; round <= options->bulk_rounds; round++)
    {
      g_autoptr(JsonNode) preview = NULL;
      g_autoptr(JsonNode) applied = NULL;
      g_autofree char *apply_params = NULL;
      JsonObject *object;
      JsonNode *items_node;
      JsonArray *items;
      SrBenchCpu cpu;
      double floor_ms, preview_ms, apply_ms;
      gsize preview_len;
      gint64 preview_id, count, n_applied;

      /* The feed reads the 10,000 changes just made before the database settles. */
      wait_quiet (bench);
      if (!settle_database (bench, error) ||
          !bulk_floor (floor_conn, floor_update, &floor_ms, error))
        return FALSE;

      wait_quiet (bench);
      if (!settle_database (bench, error))
        return FALSE;
      sr_bench_env_sample_cpu (bench->env, &cpu);
      preview = call_timed (bench, client, "bulk.preview", preview_params, &preview_ms,
                            &preview_len, error);
      if (preview == NULL)
        return FALSE;
      report_cpu (bench, &cpu, "bulk.preview", BULK_ROWS, "row");

      object = json_node_get_object (preview);
      preview_id = json_object_get_int_member_with_default (object, "preview_id", 0);
      count = json_object_get_int_member_with_default (object, "count", -1);
      items_node = json_object_get_member (object, "rows");
      items = items_node != NULL && JSON_NODE_HOLDS_ARRAY (items_node)
                ? json_node_get_array (items_node) : NULL;
      if (count != BULK_ROWS || items == NULL || json_array_get_length (items) != BULK_ROWS ||
          preview_id <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "bulk.preview: count %" G_GINT64_FORMAT ", %u rows, preview_id %"
                       G_GINT64_FORMAT "; expected %d rows", count,
                       items ? json_array_get_length (items) : 0, preview_id, BULK_ROWS);
          return FALSE;
        }

      /* Straight on: the preview is fresh, and nothing else writes. */
      apply_params = g_strdup_printf ("{\"preview_id\":%" G_GINT64_FORMAT "}", preview_id);
      sr_bench_env_sample_cpu (bench->env, &cpu);
      applied = call_timed (bench, client, "bulk.apply", apply_params, &apply_ms, NULL, error);
      if (applied == NULL)
        return FALSE;
      report_cpu (bench, &cpu, "bulk.apply", BULK_ROWS, "row");

      n_applied = json_object_get_int_member_with_default (json_node_get_object (applied),
                                                           "applied", -1);
      if (n_applied != BULK_ROWS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "bulk.apply: applied %" G_GINT64_FORMAT ", expected %d", n_applied,
                       BULK_ROWS);
          return FALSE;
        }

      progress (bench, "bulk round %d: plain UPDATE %.1f ms; bulk.preview %.1f ms (%" G_GSIZE_FORMAT
                " bytes); bulk.apply %.1f ms", round, floor_ms, preview_ms, preview_len, apply_ms);
      best_floor = MIN (best_floor, floor_ms);
      best_preview = MIN (best_preview, preview_ms);
      best_apply = MIN (best_apply, apply_ms);
    }

  bench->results.bulk_floor_ms = best_floor;
  bench->results.bulk_preview_ms = best_preview;
  bench->results.bulk_apply_ms = best_apply;
  progress (bench, "bulk: best of %d: plain UPDATE %.1f ms, bulk.preview %.1f ms, "
            "bulk.apply %.1f ms (%.1fx the plain UPDATE)", options->bulk_rounds, best_floor,
            best_preview, best_apply, best_apply / best_floor);
  return TRUE;
}

/* Client store: the app's stock model (client/sr-vehicle-store.c) loading every
 * vehicle from the server, then one keystroke in the search box and a re-sort, through
 * GTK's own list models as the stock view uses them. GTK's models need no display. */

#ifdef SR_HAVE_CLIENT_CORE

#define CLIENT_FILTER_FROM "ma"
#define CLIENT_FILTER_TO   "mar"

static void
client_result_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
client_wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs GLib's main context (SrConnection and the store live there, not on the
 * benchmark's epoll loop) until @result is set. */
static gboolean
client_wait (Bench         *bench,
             GAsyncResult **result,
             GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + CALL_TIMEOUT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, client_wake_cb, NULL);

  while (*result == NULL && !interrupted && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);

  if (must_stop (bench, error))
    return FALSE;
  if (*result == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "no answer within " G_STRINGIFY (CALL_TIMEOUT_S) " s");
      return FALSE;
    }

  return TRUE;
}

static SrConnection *
client_connect (Bench   *bench,
                GError **error)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", sr_bench_env_get_port (bench->env));
  g_autoptr(SrConnection) connection = sr_connection_new (address, FALSE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) resumed = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonNode) reply = NULL;

  sr_connection_connect_async (connection, NULL, client_result_cb, &result);
  if (!client_wait (bench, &result, error) ||
      !sr_connection_connect_finish (connection, result, error))
    return NULL;

  /* admin1: sees every branch, so every vehicle. */
  json_object_set_string_member (params, "token", g_ptr_array_index (bench->tokens, 0));
  sr_connection_call_async (connection, "auth.resume", params, NULL, client_result_cb, &resumed);
  if (!client_wait (bench, &resumed, error))
    return NULL;
  reply = sr_connection_call_finish (connection, resumed, error);
  if (reply == NULL)
    return NULL;

  return g_steal_pointer (&connection);
}

/* The floor for the load: the same rows as the database builds them, in one
 * statement through libpq (as the superuser: no row-level security). */
static gboolean
client_pg_floor (Bench    *bench,
                 double   *elapsed_ms,
                 gint64   *n_rows,
                 GString **sample_page,
                 GError  **error)
{
  g_autoptr(PGconn) conn = sr_bench_env_connect (bench->env, error);
  g_autoptr(PGresult) result = NULL;
  gint64 start;

  if (conn == NULL)
    return FALSE;

  start = g_get_monotonic_time ();
  result = PQexec (conn, "SELECT vehicle_json(v)::text FROM vehicles v ORDER BY v.id");
  *elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "SELECT vehicle_json: %s",
                   PQresultErrorMessage (result));
      return FALSE;
    }
  *n_rows = PQntuples (result);

  /* A response like the server's first page, to time what SrConnection does with
   * one on the main thread. */
  if (sample_page != NULL && *sample_page == NULL)
    {
      GString *page = g_string_new ("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"items\":[");

      for (int i = 0; i < MIN (PQntuples (result), 1000); i++)
        {
          if (i > 0)
            g_string_append_c (page, ',');
          g_string_append_len (page, PQgetvalue (result, i, 0), PQgetlength (result, i, 0));
        }
      g_string_append (page, "],\"next\":\"WyJ2MSIsImlkIixmYWxzZSwiMTAwMCIsMTAwMF0=\"}}");
      *sample_page = page;
    }

  return TRUE;
}

/* An ordinary SrConnection call's parse of one 1,000-vehicle response, on the main
 * thread (best of 5): what the store avoids by taking its pages as text. */
static double
client_parse_ms (GString *page)
{
  double best = INFINITY;

  for (int i = 0; i < 5; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(SrMessage) message G_GNUC_UNUSED = sr_rpc_parse_message (page->str, page->len, NULL);

      best = MIN (best, (g_get_monotonic_time () - start) / 1000.0);
    }

  return best;
}

/* The server alone: one chain of vehicles.list pages by id on a raw client, each call
 * timed up to the read that completed its response (no parse counted). */
static gboolean
client_server_paging (Bench   *bench,
                      double  *total_ms,
                      guint   *n_pages,
                      GError **error)
{
  g_autoptr(GPtrArray) clients = open_clients (bench, 1, FALSE, FALSE, 1, error);
  g_autofree char *after = NULL;

  if (clients == NULL)
    return FALSE;

  *total_ms = 0;
  *n_pages = 0;
  do
    {
      g_autofree char *params = NULL;
      g_autoptr(JsonNode) page = NULL;
      JsonNode *next;
      double ms;

      params = after ? g_strdup_printf ("{\"sort\":\"id\",\"limit\":1000,\"after\":\"%s\"}", after)
                     : g_strdup ("{\"sort\":\"id\",\"limit\":1000}");
      page = call_timed (bench, g_ptr_array_index (clients, 0), "vehicles.list", params, &ms,
                         NULL, error);
      if (page == NULL)
        return FALSE;
      *total_ms += ms;
      (*n_pages)++;

      next = json_object_get_member (json_node_get_object (page), "next");
      g_clear_pointer (&after, g_free);
      if (next != NULL && JSON_NODE_HOLDS_VALUE (next))
        after = g_strdup (json_node_get_string (next));
    }
  while (after != NULL);

  return TRUE;
}

/* The floor for any store over SrConnection: the same two chains of pages, taken as
 * text as the store takes them, each dropped once its cursor and last id are found.
 * What this takes is network, server, PostgreSQL and a scan of each page on the main
 * thread. */
typedef struct {
  SrConnection *connection;
  char         *after[2];
  gint64        frontier[2];
  gboolean      ended[2];
  guint         in_flight;
  guint         pages;
  GError       *error;
} NullLoad;

typedef struct {
  NullLoad *load;
  guint     chain;
} NullCall;

static void null_load_request (NullLoad *load, guint chain);

/* A page's cursor (NULL on the last) and the id of its last vehicle, read from its
 * text without building it. */
static gboolean
null_scan_page (GBytes  *page,
                char   **next,
                gint64  *last_id,
                guint   *n)
{
  g_autofree char *text = g_memdup2 (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  SrJsonReader reader;
  const char *name;

  *next = NULL;
  *n = 0;
  sr_json_reader_init (&reader, text, g_bytes_get_size (page), TRUE);
  if (!sr_json_reader_enter_object (&reader))
    return FALSE;
  while (sr_json_reader_next_member (&reader, &name, NULL))
    {
      const char *value;

      if (g_str_equal (name, "items") && sr_json_reader_enter_array (&reader))
        while (sr_json_reader_next_element (&reader))
          {
            const char *member;

            (*n)++;
            if (!sr_json_reader_enter_object (&reader))
              return FALSE;
            while (sr_json_reader_next_member (&reader, &member, NULL))
              if (!(g_str_equal (member, "id") && sr_json_reader_read_int (&reader, last_id)) &&
                  !sr_json_reader_skip (&reader))
                return FALSE;
          }
      else if (g_str_equal (name, "next") && sr_json_reader_read_string (&reader, &value, NULL))
        *next = g_strdup (value);
      else if (!sr_json_reader_skip (&reader))
        return FALSE;
    }

  return sr_json_reader_at_end (&reader);
}

static void
null_load_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree NullCall *call = user_data;
  NullLoad *load = call->load;
  guint chain = call->chain;
  g_autoptr(GBytes) page = sr_connection_call_raw_finish (load->connection, result,
                                                           load->error ? NULL : &load->error);
  g_autofree char *next = NULL;
  gint64 last_id = 0;
  guint n;

  load->in_flight--;
  if (page == NULL || load->error != NULL)
    return;

  if (!null_scan_page (page, &next, &last_id, &n))
    {
      g_set_error (&load->error, G_IO_ERROR, G_IO_ERROR_FAILED, "a page that cannot be read");
      return;
    }

  load->pages++;
  if (n > 0)
    load->frontier[chain] = last_id;

  g_clear_pointer (&load->after[chain], g_free);
  if (n == 0 || next == NULL)
    load->ended[0] = load->ended[1] = TRUE;
  else if (load->frontier[!chain] != 0 && load->frontier[0] >= load->frontier[1])
    load->ended[0] = load->ended[1] = TRUE;
  else
    load->after[chain] = g_steal_pointer (&next);

  if (!load->ended[chain])
    null_load_request (load, chain);
}

static void
null_load_request (NullLoad *load,
                   guint     chain)
{
  g_autoptr(JsonObject) params = json_object_new ();
  NullCall *call = g_new0 (NullCall, 1);

  call->load = load;
  call->chain = chain;
  json_object_set_string_member (params, "sort", chain ? "-id" : "id");
  json_object_set_int_member (params, "limit", 1000);
  if (load->after[chain] != NULL)
    json_object_set_string_member (params, "after", load->after[chain]);
  load->in_flight++;
  sr_connection_call_raw_async (load->connection, "vehicles.list", params, NULL, null_load_cb, call);
}

static gboolean
null_load_done (gpointer data)
{
  return ((NullLoad *) data)->in_flight == 0;
}

static gboolean
client_null_load (Bench         *bench,
                  SrConnection  *connection,
                  double        *elapsed_ms,
                  guint         *n_pages,
                  GError       **error)
{
  NullLoad load = { .connection = connection };
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + CALL_TIMEOUT_S * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, client_wake_cb, NULL);

  null_load_request (&load, 0);
  null_load_request (&load, 1);
  while (!null_load_done (&load) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  *elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  *n_pages = load.pages;
  g_free (load.after[0]);
  g_free (load.after[1]);

  if (load.error != NULL)
    {
      g_propagate_error (error, load.error);
      return FALSE;
    }
  if (load.in_flight > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "pages still missing after %d s",
                   CALL_TIMEOUT_S);
      return FALSE;
    }

  return TRUE;
}

static gboolean
client_load (Bench           *bench,
             SrConnection    *connection,
             SrVehicleStore  *store,
             double          *elapsed_ms,
             GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  sr_vehicle_store_load_async (store, connection, NULL, client_result_cb, &result);
  if (!client_wait (bench, &result, error))
    return FALSE;
  *elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;

  return sr_vehicle_store_load_finish (store, result, error);
}

static guint
client_count_text (GListModel *model,
                   const char *text)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (model, i);

      n += strstr (sr_vehicle_get_search_text (vehicle), text) != NULL;
    }

  return n;
}

static gboolean
client_check_sorted (GListModel  *model,
                     GtkSorter   *sorter,
                     GError     **error)
{
  g_autoptr(SrVehicle) previous = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SrVehicle) vehicle = g_list_model_get_item (model, i);

      if (previous != NULL && gtk_sorter_compare (sorter, previous, vehicle) != GTK_ORDERING_SMALLER)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the sort model is out of order at row %u", i);
          return FALSE;
        }
      g_set_object (&previous, vehicle);
    }

  return TRUE;
}

static gboolean
run_client (Bench   *bench,
            GError **error)
{
  static const struct {
    SrVehicleColumn  column;
    const char      *name;
  } columns[] = {
    { SR_VEHICLE_COLUMN_PRICE, "price" },
    { SR_VEHICLE_COLUMN_MAKE, "make" },
    { SR_VEHICLE_COLUMN_MODEL, "model" },
    { SR_VEHICLE_COLUMN_LOCATION, "location" },
    { SR_VEHICLE_COLUMN_DAYS_IN_STOCK, "days in stock" },
    { SR_VEHICLE_COLUMN_MARGIN, "margin" },
  };
  /* As bulk: rounds on a settled database, the best kept. */
  gint rounds = bench->options->quick ? 1 : 3;
  g_autoptr(SrConnection) connection = NULL;
  g_autoptr(SrVehicleStore) store = sr_vehicle_store_new ();
  g_autoptr(GString) sample_page = NULL;
  g_autoptr(SrVehicleFilter) filter = NULL;
  g_autoptr(GtkFilterListModel) filter_model = NULL;
  g_autoptr(SrVehicleSorter) sorter = NULL;
  g_autoptr(GtkSortListModel) sort_model = NULL;
  SrVehicleStoreLoadStats stats = { 0 };
  double best_load = INFINITY, best_pg = INFINITY, best_filter = INFINITY;
  double best_null = INFINITY;
  double slowest_sort = 0;
  const char *slowest_column = NULL;
  double paging_ms, parse_ms, null_ms;
  guint n_pages, null_pages;
  gint64 n_rows = 0;
  guint expected;

  connection = client_connect (bench, error);
  if (connection == NULL)
    return FALSE;

  for (gint round = 1; round <= rounds; round++)
    {
      SrVehicleStoreLoadStats round_stats;
      SrBenchCpu cpu;
      double pg_ms, load_ms;

      if (!settle_database (bench, error) ||
          !client_pg_floor (bench, &pg_ms, &n_rows, &sample_page, error))
        return FALSE;

      if (!settle_database (bench, error))
        return FALSE;
      sr_bench_env_sample_cpu (bench->env, &cpu);
      if (!client_load (bench, connection, store, &load_ms, error))
        return FALSE;
      report_cpu (bench, &cpu, "client load", n_rows, "vehicle");

      if (g_list_model_get_n_items (G_LIST_MODEL (store)) != n_rows)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the store holds %u vehicles, the database %" G_GINT64_FORMAT,
                       g_list_model_get_n_items (G_LIST_MODEL (store)), n_rows);
          return FALSE;
        }

      if (!settle_database (bench, error) ||
          !client_null_load (bench, connection, &null_ms, &null_pages, error))
        return FALSE;
      progress (bench, "client round %d: the same two chains of pages through SrConnection, "
                "each dropped on arrival (no store): %.0f ms for %u pages", round, null_ms,
                null_pages);
      best_null = MIN (best_null, null_ms);

      sr_vehicle_store_get_load_stats (store, &round_stats);
      progress (bench, "client round %d: SELECT vehicle_json of %" G_GINT64_FORMAT " rows via "
                "libpq %.0f ms; store load %.0f ms (%u pages; calls %.0f ms summed over two "
                "chains, workers %.0f ms, store on the main thread %.0f ms)", round, n_rows,
                pg_ms, load_ms, round_stats.pages, round_stats.rpc_ms, round_stats.convert_ms,
                round_stats.main_ms);
      best_pg = MIN (best_pg, pg_ms);
      if (load_ms < best_load)
        {
          best_load = load_ms;
          stats = round_stats;
        }
    }

  /* Where the load's time goes, measured apart. */
  parse_ms = client_parse_ms (sample_page);
  if (!settle_database (bench, error) ||
      !client_server_paging (bench, &paging_ms, &n_pages, error))
    return FALSE;
  progress (bench, "client: an ordinary SrConnection call would parse a 1,000-vehicle page (%"
            G_GSIZE_FORMAT " bytes) in %.1f ms on the main thread: %.0f ms for %u pages (the "
            "store takes them as text and reads them in workers); the server alone "
            "serves the %u pages one after another in %.0f ms (%.1f ms a page)",
            sample_page->len, parse_ms, parse_ms * stats.pages, stats.pages, n_pages,
            paging_ms, paging_ms / MAX (n_pages, 1));

  /* One keystroke: the text grows by a letter (more strict), so only the rows still
   * shown are looked at again. Not incremental: timed until the model holds them. */
  filter = sr_vehicle_filter_new ();
  filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                            g_object_ref (GTK_FILTER (filter)));
  gtk_filter_list_model_set_incremental (filter_model, FALSE);
  expected = client_count_text (G_LIST_MODEL (store), CLIENT_FILTER_TO);
  for (gint round = 1; round <= rounds; round++)
    {
      gint64 start;
      double ms;

      sr_vehicle_filter_set_text (filter, CLIENT_FILTER_FROM);
      start = g_get_monotonic_time ();
      sr_vehicle_filter_set_text (filter, CLIENT_FILTER_TO);
      ms = (g_get_monotonic_time () - start) / 1000.0;

      if (g_list_model_get_n_items (G_LIST_MODEL (filter_model)) != expected)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the filter model holds %u vehicles, %u match \"%s\"",
                       g_list_model_get_n_items (G_LIST_MODEL (filter_model)), expected,
                       CLIENT_FILTER_TO);
          return FALSE;
        }
      progress (bench, "client round %d: filter \"%s\" -> \"%s\": %.1f ms (%u of %u rows)",
                round, CLIENT_FILTER_FROM, CLIENT_FILTER_TO, ms, expected,
                g_list_model_get_n_items (G_LIST_MODEL (store)));
      best_filter = MIN (best_filter, ms);
      sr_vehicle_filter_set_text (filter, NULL);
    }
  g_clear_object (&filter_model);

  /* Re-sorts: from stock number, the view's first order, to each other column. */
  sorter = sr_vehicle_sorter_new (SR_VEHICLE_COLUMN_STOCK_NO, FALSE);
  sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (store)),
                                        g_object_ref (GTK_SORTER (sorter)));
  gtk_sort_list_model_set_incremental (sort_model, FALSE);
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      double best = INFINITY;

      for (gint round = 1; round <= rounds; round++)
        {
          gint64 start;

          sr_vehicle_sorter_set_column (sorter, SR_VEHICLE_COLUMN_STOCK_NO);
          start = g_get_monotonic_time ();
          sr_vehicle_sorter_set_column (sorter, columns[c].column);
          best = MIN (best, (g_get_monotonic_time () - start) / 1000.0);
        }
      if (!client_check_sorted (G_LIST_MODEL (sort_model), GTK_SORTER (sorter), error))
        return FALSE;

      progress (bench, "client: re-sort by %s: %.1f ms (best of %d)", columns[c].name, best,
                rounds);
      if (best > slowest_sort)
        {
          slowest_sort = best;
          slowest_column = columns[c].name;
        }
    }

  bench->results.client_load_ms = best_load;
  bench->results.client_pg_ms = best_pg;
  bench->results.client_null_ms = best_null;
  bench->results.client_filter_ms = best_filter;
  bench->results.client_sort_ms = slowest_sort;
  progress (bench, "client: best of %d: load %.0f ms (SELECT via libpq %.0f ms), keystroke "
            "%.1f ms, slowest re-sort %.1f ms (%s)", rounds, best_load, best_pg,
            best_filter, slowest_sort, slowest_column);
  return TRUE;
}

#else

static gboolean
run_client (Bench   *bench,
            GError **error)
{
  progress (bench, "client: not built (configure with -Dclient=true)");
  return TRUE;
}

#endif

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
  { "bulk.preview ms (10,000 rows, best round)", "bulk_preview_ms", FIELD (bulk_preview_ms), 1,
    BAR_AT_MOST, 1000 },
  { "bulk.apply ms (10,000 rows, best round)", "bulk_apply_ms", FIELD (bulk_apply_ms), 1,
    BAR_AT_MOST, 1000 },
  { "bulk: plain UPDATE via libpq ms (best round)", NULL, FIELD (bulk_floor_ms), 1, BAR_NONE, 0 },
  { "client: load all vehicles into the store ms", "client_load_ms", FIELD (client_load_ms), 0,
    BAR_AT_MOST, 2000 },
  { "client: same rows, one SELECT via libpq ms", NULL, FIELD (client_pg_ms), 0, BAR_NONE, 0 },
  { "client: same pages via SrConnection, no store ms", NULL, FIELD (client_null_ms), 0,
    BAR_NONE, 0 },
  { "client: filter keystroke \"ma\" -> \"mar\" ms", "client_filter_ms", FIELD (client_filter_ms), 1,
    BAR_AT_MOST, 30 },
  { "client: re-sort by another column ms (slowest)", "client_sort_ms", FIELD (client_sort_ms), 1,
    BAR_AT_MOST, 150 },
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

  /* Before bulk, which adds vehicles. */
  if (wants (bench, "client") && !run_client (bench, error))
    return FALSE;

  /* Last: it adds vehicles and rewrites 10,000 of them per round. */
  if (wants (bench, "bulk") && !run_bulk (bench, error))
    return FALSE;

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
    .throughput_seconds = -1, .throughput_lag = 1000, .idle_clients = 1000, .bulk_rounds = -1,
    .pool_size = 0,
  };
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &options.quick,
      "Smaller runs, under a minute in all", NULL },
    { "showroomd", 0, 0, G_OPTION_ARG_FILENAME, &options.showroomd,
      "The server to measure (default: $SR_SHOWROOMD, else the one built beside this)", "PATH" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &options.only,
      "Run only these scenarios: get, fanout100, fanout1000, throughput, idle, bulk, client", "LIST" },
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
    { "bulk-rounds", 0, 0, G_OPTION_ARG_INT, &options.bulk_rounds,
      "Rounds of bulk.preview and bulk.apply over 10,000 vehicles; the best is kept (default 3; 1 with --quick)",
      "N" },
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
  set_default (&options.bulk_rounds, 1, 3, options.quick);
  if (options.n_vehicles < 1 || options.get_clients < 1 || options.get_depth < 1 ||
      options.idle_clients < options.fanout1000_clients ||
      options.get_users < 1 || options.get_users > N_BRANCHES || options.bulk_rounds < 1 ||
      options.pool_size < 0 || options.pool_size > 256)
    {
      g_printerr ("showroom-bench: bad numbers on the command line\n");
      return 2;
    }

  if (options.only != NULL)
    {
      static const char *const known[] = { "get", "fanout100", "fanout1000", "throughput",
                                           "idle", "bulk", "client", NULL };
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
    NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
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
