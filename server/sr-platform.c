/* sr-platform.c: the only file of the server with operating-system specifics. */
#define G_LOG_DOMAIN "sr-platform"

#include "config.h"

#include <glib.h>

#ifdef G_OS_UNIX
# include <glib-unix.h>
#else
# include <windows.h>
# include <winsock2.h>
#endif

#include "sr-platform.h"

#ifdef G_OS_WIN32
static GSourceFunc terminate_func;
static gpointer terminate_data;
static GMainContext *terminate_context;

static BOOL WINAPI
console_handler (DWORD type)
{
  g_main_context_invoke (terminate_context, terminate_func, terminate_data);
  return TRUE;
}
#endif

void
sr_platform_on_terminate (GSourceFunc func,
                          gpointer    user_data)
{
#ifdef G_OS_UNIX
  g_unix_signal_add (SIGTERM, func, user_data);
  g_unix_signal_add (SIGINT, func, user_data);
#else
  terminate_func = func;
  terminate_data = user_data;
  terminate_context = g_main_context_default ();
  SetConsoleCtrlHandler (console_handler, TRUE);
#endif
}

#ifdef G_OS_UNIX
typedef struct {
  GSourceFunc func;
  gpointer    user_data;
} FdWatch;

static gboolean
fd_ready (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  FdWatch *watch = user_data;

  return watch->func (watch->user_data);
}
#else
static gboolean
channel_ready (GIOChannel   *channel,
               GIOCondition  condition,
               gpointer      user_data)
{
  GSourceFunc func = ((gpointer *) user_data)[0];

  return func (((gpointer *) user_data)[1]);
}
#endif

guint
sr_platform_watch_socket (int         fd,
                          GSourceFunc func,
                          gpointer    user_data)
{
#ifdef G_OS_UNIX
  FdWatch *watch = g_new0 (FdWatch, 1);

  watch->func = func;
  watch->user_data = user_data;
  return g_unix_fd_add_full (G_PRIORITY_DEFAULT, fd, G_IO_IN | G_IO_ERR | G_IO_HUP,
                             fd_ready, watch, g_free);
#else
  GIOChannel *channel = g_io_channel_win32_new_socket (fd);
  gpointer *closure = g_new (gpointer, 2);
  guint id;

  closure[0] = func;
  closure[1] = user_data;
  id = g_io_add_watch_full (channel, G_PRIORITY_DEFAULT, G_IO_IN | G_IO_ERR | G_IO_HUP,
                            channel_ready, closure, g_free);
  g_io_channel_unref (channel);
  return id;
#endif
}
