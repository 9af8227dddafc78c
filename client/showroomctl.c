/* showroomctl: the command-line client. One call or a live watch, for scripts, tests and
 * the IT person's terminal.
 *
 * Exit status: 0 success, 1 the server answered with an error (its JSON on stderr),
 * 2 usage, 3 the server could not be reached or the connection broke.
 */
#define G_LOG_DOMAIN "showroomctl"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr-connection.h"
#include "sr-error.h"
#include "sr-rpc.h"

enum {
  EXIT_OK = 0,
  EXIT_RPC = 1,
  EXIT_USAGE = 2,
  EXIT_CONNECTION = 3,
};

typedef struct {
  GMainLoop    *loop;
  SrConnection *connection;
  char         *email;
  char         *password;
  char        **args;
  gint64        since;
  gboolean      pretty;
  gboolean      watching;
  int           status;
} Ctl;

static void
print_json (JsonNode *node,
            gboolean  pretty,
            FILE     *out)
{
  g_autofree char *text = sr_json_to_string_pretty (node, pretty, NULL);

  fprintf (out, "%s\n", text);
  fflush (out);
}

static void
finish (Ctl          *ctl,
        const GError *error)
{
  if (error != NULL)
    {
      if (error->domain == SR_ERROR && error->code != SR_ERROR_CONNECTION)
        {
          g_autoptr(JsonNode) node = sr_error_to_json (error);

          print_json (node, FALSE, stderr);
          ctl->status = EXIT_RPC;
        }
      else
        {
          g_printerr ("showroomctl: %s\n", error->message);
          ctl->status = EXIT_CONNECTION;
        }
    }

  g_main_loop_quit (ctl->loop);
}

static void
event_cb (SrConnection *connection,
          JsonObject   *event,
          Ctl          *ctl)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), event);

  print_json (node, FALSE, stdout);
}

static void
closed_cb (SrConnection *connection,
           const GError *error,
           Ctl          *ctl)
{
  g_autoptr(GError) closed = NULL;

  if (!ctl->watching)
    return;

  closed = g_error_new (SR_ERROR, SR_ERROR_CONNECTION, "connection closed: %s",
                        error ? error->message : "by the server");
  finish (ctl, closed);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      finish (ctl, error);
      return;
    }

  print_json (reply, ctl->pretty, stdout);
  finish (ctl, NULL);
}

static void
subscribe_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      finish (ctl, error);
      return;
    }

  /* The subscription's own answer goes to stderr so stdout is events only. */
  print_json (reply, FALSE, stderr);
  ctl->watching = TRUE;
}

static void
run_command (Ctl *ctl)
{
  g_autoptr(JsonObject) params = NULL;

  if (g_str_equal (ctl->args[0], "watch"))
    {
      params = json_object_new ();
      if (ctl->since >= 0)
        json_object_set_int_member (params, "since_seq", ctl->since);
      g_signal_connect (ctl->connection, "event", G_CALLBACK (event_cb), ctl);
      sr_connection_call_async (ctl->connection, "subscribe", params, NULL, subscribe_cb, ctl);
      return;
    }

  if (ctl->args[2] != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = sr_json_from_string (ctl->args[2], -1, &error);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_printerr ("showroomctl: the params must be a JSON object\n");
          ctl->status = EXIT_USAGE;
          g_main_loop_quit (ctl->loop);
          return;
        }
      params = json_object_ref (json_node_get_object (node));
    }

  sr_connection_call_async (ctl->connection, ctl->args[1], params, NULL, call_cb, ctl);
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = sr_connection_call_finish (SR_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      finish (ctl, error);
      return;
    }

  run_command (ctl);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;

  if (!sr_connection_connect_finish (SR_CONNECTION (object), result, &error))
    {
      const char *fingerprint = sr_connection_get_peer_fingerprint (ctl->connection);

      if (fingerprint != NULL)
        g_printerr ("showroomctl: if you trust this server, pass --fingerprint %s\n", fingerprint);
      finish (ctl, error);
      return;
    }

  if (ctl->email != NULL)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      json_object_set_string_member (params, "email", ctl->email);
      json_object_set_string_member (params, "password", ctl->password);
      sr_connection_call_async (ctl->connection, "auth.login", params, NULL, login_cb, ctl);
      return;
    }

  run_command (ctl);
}

static char *
read_stdin_line (void)
{
  GString *line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  return g_string_free (line, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *email = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean no_tls = FALSE;
  gboolean password_stdin = FALSE;
  gboolean pretty = FALSE;
  gint64 since = -1;
  Ctl ctl = { 0 };
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      "Server address (default localhost:7460, or $SHOWROOM_SERVER)", "HOST:PORT" },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &no_tls, "Connect without TLS", NULL },
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint,
      "Trust the server certificate with this SHA-256 fingerprint", "AB:CD:..." },
    { "email", 'e', 0, G_OPTION_ARG_STRING, &email, "Sign in as this user", "EMAIL" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      "Read the password from the first line of standard input", NULL },
    { "since", 0, 0, G_OPTION_ARG_INT64, &since,
      "watch: replay changes after this sequence number first", "SEQ" },
    { "pretty", 0, 0, G_OPTION_ARG_NONE, &pretty, "Indent the JSON output", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new ("call METHOD [JSON] | watch");
  g_option_context_set_summary (context, "Talk to a Showroom server.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("showroomctl: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (args == NULL ||
      !((g_str_equal (args[0], "call") && args[1] != NULL &&
         (args[2] == NULL || args[3] == NULL)) ||
        (g_str_equal (args[0], "watch") && args[1] == NULL)))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_USAGE;
    }
  if (email != NULL && !password_stdin)
    {
      g_printerr ("showroomctl: --email needs --password-stdin\n");
      return EXIT_USAGE;
    }
  if (password_stdin && email == NULL)
    {
      g_printerr ("showroomctl: --password-stdin goes with --email\n");
      return EXIT_USAGE;
    }
  if (since >= 0 && !g_str_equal (args[0], "watch"))
    {
      g_printerr ("showroomctl: --since goes with watch\n");
      return EXIT_USAGE;
    }

  if (server == NULL)
    server = g_strdup (g_getenv ("SHOWROOM_SERVER"));
  if (server == NULL || *server == '\0')
    {
      g_free (server);
      server = g_strdup ("localhost:7460");
    }

  ctl.loop = g_main_loop_new (NULL, FALSE);
  ctl.connection = sr_connection_new (server, !no_tls);
  ctl.email = email;
  ctl.password = password_stdin ? read_stdin_line () : NULL;
  ctl.args = args;
  ctl.since = since;
  ctl.pretty = pretty;

  if (fingerprint != NULL)
    sr_connection_set_pinned_fingerprint (ctl.connection, fingerprint);
  g_signal_connect (ctl.connection, "closed", G_CALLBACK (closed_cb), &ctl);

  sr_connection_connect_async (ctl.connection, NULL, connect_cb, &ctl);
  g_main_loop_run (ctl.loop);

  g_signal_handlers_disconnect_by_data (ctl.connection, &ctl);
  sr_connection_close (ctl.connection);
  g_clear_object (&ctl.connection);
  g_main_loop_unref (ctl.loop);
  if (ctl.password != NULL)
    {
      memset (ctl.password, 0, strlen (ctl.password));
      g_free (ctl.password);
    }

  return ctl.status;
}
