/* sr-bench-env.h: what the benchmark runs against: a private PostgreSQL cluster with one
 * seeded database, one showroomd process serving it, and pgbench.
 *
 * Everything started here is stopped by sr_bench_env_free(), whatever state it is in.
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define SR_BENCH_PASSWORD "bench-password-1"

typedef struct _SrBenchEnv SrBenchEnv;

typedef struct {
  const char *showroomd;    /* path of the program */
  guint       n_branches;
  guint       n_vehicles;
  guint       pool_size;
} SrBenchEnvOptions;

/* Starts the cluster, creates and migrates the database (with showroomd --migrate) and
 * seeds it: per branch one admin, one manager and one sales user
 * (admin<N>@bench.test ..., all with SR_BENCH_PASSWORD), and n_vehicles vehicles with
 * ids 1..n_vehicles spread over the branches. */
SrBenchEnv *sr_bench_env_new              (const SrBenchEnvOptions *options,
                                           GError                 **error);
void        sr_bench_env_free             (SrBenchEnv              *self);

/* Spawns showroomd on 127.0.0.1 with a kernel-chosen port (it inherits our file limit)
 * and waits until it serves. */
gboolean    sr_bench_env_start_server     (SrBenchEnv              *self,
                                           GError                 **error);
/* SIGTERM, then SIGKILL after a while; TRUE when it exited cleanly. */
gboolean    sr_bench_env_stop_server      (SrBenchEnv              *self);
/* FALSE, with the reason in error, once the server has exited. */
gboolean    sr_bench_env_check_server     (SrBenchEnv              *self,
                                           GError                 **error);
guint       sr_bench_env_get_port         (SrBenchEnv              *self);
GPid        sr_bench_env_get_server_pid   (SrBenchEnv              *self);
/* The server's stderr so far. */
char       *sr_bench_env_get_server_log   (SrBenchEnv              *self);
/* VmRSS of the server in KiB, 0 when unknown. */
guint64     sr_bench_env_get_server_rss   (SrBenchEnv              *self);

/* CPU time (µs) spent so far, from /proc: the server split by thread kind, every
 * process of the cluster, this process, and its waited-for children (pgbench). */
typedef struct {
  guint64 server_main_user, server_main_sys;
  guint64 server_db_user, server_db_sys;        /* the sr-db-* pool threads */
  guint64 server_other_user, server_other_sys;  /* GLib's and libpq's helper threads */
  guint64 server_switches;                      /* context switches, all threads */
  guint64 pg_user, pg_sys;
  guint64 self_user, self_sys;
  guint64 children_user, children_sys;
  guint64 machine_busy;                         /* every CPU, every process */
  guint64 wall;                                 /* monotonic */
} SrBenchCpu;

void        sr_bench_env_sample_cpu       (SrBenchEnv              *self,
                                           SrBenchCpu              *out);
/* after - before, field by field. */
void        sr_bench_cpu_diff             (const SrBenchCpu        *after,
                                           const SrBenchCpu        *before,
                                           SrBenchCpu              *out);

/* A new superuser connection to the benchmark database, or NULL with error set. */
PGconn     *sr_bench_env_connect          (SrBenchEnv              *self,
                                           GError                 **error);
const char *sr_bench_env_get_dbname       (SrBenchEnv              *self);

/* Runs pgbench on the benchmark database with @script, as the cluster's owner. extra
 * is a NULL-terminated list of more arguments. Returns the "tps = X" figure, or a
 * negative number with error set. */
double      sr_bench_env_run_pgbench      (SrBenchEnv              *self,
                                           const char              *script,
                                           const char *const       *extra,
                                           const char              *pgoptions,
                                           GError                 **error);

gboolean  sr_bench_exec  (PGconn             *conn,
                         const char         *sql,
                         int                 n_values,
                         const char *const  *values,
                         GError            **error);

G_END_DECLS
