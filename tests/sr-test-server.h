/* sr-test-server.h: a real showroomd for integration tests, and clients to talk to it.
 *
 * One private PostgreSQL cluster per test binary holds a migrated template database;
 * each test gets its own database copied from it and its own showroomd process on
 * 127.0.0.1 with a kernel-chosen port.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sr-connection.h"
#include "sr-test-pg.h"

G_BEGIN_DECLS

#define SR_TEST_PASSWORD "correct-horse-9"

typedef struct _SrTestServer SrTestServer;

/* Starts the cluster and migrates the template; call once in main() before the suite
 * runs (forked test children then share it). */
void          sr_test_init                 (void);
SrTestPg     *sr_test_cluster              (void);
/* A fresh database from the template, with branches "Mumbai" (id 1) and "Pune" (id 2)
 * and one user of each role per branch, all with SR_TEST_PASSWORD:
 * admin@mumbai.test, manager@mumbai.test, sales@mumbai.test, and the same @pune.test. */
char         *sr_test_new_database         (char       **conninfo);

SrTestServer *sr_test_server_start         (const char  *conninfo,
                                            const char  *first_extra_arg,
                                            ...) G_GNUC_NULL_TERMINATED;
/* The usual fixture: a fresh database (see sr_test_new_database()) and a plain-TCP
 * server on it. */
void          sr_test_fixture_start        (char         **dbname,
                                            char         **conninfo,
                                            SrTestServer **server);
/* Stops *server (exit status 0 expected) and clears all three; @dbname may be NULL. */
void          sr_test_fixture_stop         (char         **dbname,
                                            char         **conninfo,
                                            SrTestServer **server);
const char   *sr_test_server_get_address   (SrTestServer *self);
GPid          sr_test_server_get_pid       (SrTestServer *self);
/* The server's stderr so far. */
char         *sr_test_server_get_log       (SrTestServer *self);
/* SIGTERM and wait; returns the exit status (0 expected). */
int           sr_test_server_stop          (SrTestServer *self);
void          sr_test_server_free          (SrTestServer *self);

/* For a child process that will use TLS: under the sanitizer setup, LeakSanitizer's
 * tracer crashes in processes that have loaded GIO's TLS module, so leak checking is
 * left to the plain-TCP runs there. Elsewhere this does nothing. */
void          sr_test_launcher_for_tls     (GSubprocessLauncher *launcher);

/* A new temporary file holding @contents (a showroomd --config file, say); the caller
 * removes it and frees the path. */
char         *sr_test_config_file          (const char   *contents);

/* Path of a built program: "showroomd" or "showroomctl". */
const char   *sr_test_program              (const char   *name);

/* Runs the main context until *done is TRUE; fails the test after 60 s (a hang
 * guard, not a performance check). */
void          sr_test_wait                 (gboolean     *done);
void          sr_test_wait_until           (gboolean    (*check) (gpointer),
                                            gpointer      data);

SrConnection *sr_test_connect              (SrTestServer *server);
SrConnection *sr_test_connect_as           (SrTestServer *server,
                                            const char   *email);
/* Synchronous call; params is JSON text or NULL. */
JsonNode     *sr_test_call                 (SrConnection *connection,
                                            const char   *method,
                                            const char   *params,
                                            GError      **error);
/* Same, printf-style params. */
JsonNode     *sr_test_callf                (SrConnection *connection,
                                            GError      **error,
                                            const char   *method,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (4, 5);
/* The call must fail with this reason word; returns the error for more checks. */
GError       *sr_test_call_fails           (SrConnection *connection,
                                            const char   *method,
                                            const char   *params,
                                            const char   *reason);

/* Sends @method with @params[i] on @connections[i], every request out before any
 * answer is read, and waits for all n: results[i] or errors[i] is set. For races. */
void          sr_test_race                 (SrConnection **connections,
                                            guint          n,
                                            const char    *method,
                                            const char   **params,
                                            JsonNode     **results,
                                            GError       **errors);

/* The call must succeed; fails the test with the error message otherwise. */
JsonNode     *sr_test_call_ok              (SrConnection *connection,
                                            const char   *method,
                                            const char   *params);
/* Same, printf-style params. */
JsonNode     *sr_test_call_okf             (SrConnection *connection,
                                            const char   *method,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (3, 4);

/* SQL on a test database as the cluster's superuser; failures fail the test. The
 * first column of the first row: */
char         *sr_test_query                (const char   *dbname,
                                            const char   *sql);
char         *sr_test_queryf               (const char   *dbname,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (2, 3);
/* The same, as an integer. */
gint64        sr_test_query_int            (const char   *dbname,
                                            const char   *sql);
/* Statements whose results are not wanted. */
void          sr_test_exec                 (const char   *dbname,
                                            const char   *sql);
void          sr_test_execf                (const char   *dbname,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (2, 3);

/* Raw sockets, for what a well-behaved client never sends. */
GSocketConnection *sr_test_raw_connect     (SrTestServer *server);
void          sr_test_raw_send             (GSocketConnection *connection,
                                            const void   *data,
                                            gsize         len);
void          sr_test_raw_send_frame       (GSocketConnection *connection,
                                            const char   *text);
/* The next frame as JSON; NULL at end of stream. */
JsonObject   *sr_test_raw_read             (GSocketConnection *connection);
/* The reason word of an error response, or NULL. */
const char   *sr_test_error_reason         (JsonObject   *response);
/* Its data.field, or NULL. */
const char   *sr_test_error_field          (JsonObject   *response);
gint64        sr_test_error_code           (JsonObject   *response);

/* Rows in @table of a test database. */
gint64        sr_test_count                (const char   *dbname,
                                            const char   *table);

/* Members of results. The node must hold an object: */
JsonObject   *sr_test_object               (JsonNode     *node);
gint64        sr_test_get_int              (JsonNode     *node,
                                            const char   *path);
const char   *sr_test_get_string           (JsonNode     *node,
                                            const char   *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrTestServer, sr_test_server_free)

/* A connection subscribed to the feed that keeps every event it receives. */
typedef struct {
  SrConnection *connection;
  GPtrArray    *events;   /* JsonObject: each event's params */
} SrTestWatcher;

void          sr_test_watcher_start        (SrTestWatcher *self,
                                            SrTestServer  *server,
                                            const char    *email);
void          sr_test_watcher_stop         (SrTestWatcher *self);
/* The event received for this record (with this status, unless NULL), or NULL. */
JsonObject   *sr_test_watcher_find         (SrTestWatcher *self,
                                            const char    *entity,
                                            gint64         id,
                                            const char    *status);
/* The same, waiting for it to arrive. */
JsonObject   *sr_test_watcher_await        (SrTestWatcher *self,
                                            const char    *entity,
                                            gint64         id,
                                            const char    *status);
/* Returns once every event of a change already committed has arrived: the server
 * sends each event after its commit, so after two round trips on the watcher's own
 * connection it is there or it will never come. */
void          sr_test_watcher_settle       (SrTestWatcher *self);

G_END_DECLS
