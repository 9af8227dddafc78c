/* sr-bench-net.c: raw protocol clients multiplexed on epoll.
 *
 * Level-triggered epoll; a client asks for EPOLLOUT only while part of its output is
 * still queued. Frames are cut by SrFrameDecoder exactly as SrConnection does.
 */
#define G_LOG_DOMAIN "sr-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "sr-frame.h"
#include "sr-bench-net.h"

#define READ_BUFFER   (256 * 1024)
#define MAX_EVENTS    512
/* Reads per ready client per round, so one busy socket cannot starve the rest. */
#define READS_PER_ROUND 4

struct _SrBenchLoop
{
  int      epfd;
  guint8  *buffer;
};

struct _SrBenchClient
{
  /* Borrowed */
  SrBenchLoop        *loop;
  SrBenchFrameFunc    func;
  gpointer            user_data;

  /* Owned */
  int                 fd;
  SrFrameDecoder     *decoder;
  GByteArray         *out;
  gsize               out_offset;
  gint64              next_id;
  SrBenchClientState  state;
  gboolean            want_out;
  gboolean            closed;
};

SrBenchLoop *
sr_bench_loop_new (GError **error)
{
  SrBenchLoop *self;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_create1: %s", g_strerror (saved_errno));
      return NULL;
    }

  self = g_new0 (SrBenchLoop, 1);
  self->epfd = epfd;
  self->buffer = g_malloc (READ_BUFFER);
  return self;
}

void
sr_bench_loop_free (SrBenchLoop *self)
{
  if (self == NULL)
    return;

  close (self->epfd);
  g_free (self->buffer);
  g_free (self);
}

static void
update_interest (SrBenchClient *self,
                 gboolean       want_out)
{
  struct epoll_event ev = { 0 };

  if (self->closed || self->want_out == want_out)
    return;

  self->want_out = want_out;
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
  ev.data.ptr = self;
  epoll_ctl (self->loop->epfd, EPOLL_CTL_MOD, self->fd, &ev);
}

static void
shut_down (SrBenchClient *self)
{
  if (self->closed)
    return;

  epoll_ctl (self->loop->epfd, EPOLL_CTL_DEL, self->fd, NULL);
  close (self->fd);
  self->fd = -1;
  self->closed = TRUE;

  if (self->func != NULL)
    self->func (self, NULL, 0, g_get_real_time (), self->user_data);
}

static void
flush_out (SrBenchClient *self)
{
  while (!self->closed && self->out_offset < self->out->len)
    {
      ssize_t n = send (self->fd, self->out->data + self->out_offset,
                        self->out->len - self->out_offset, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n <= 0)
        {
          shut_down (self);
          return;
        }
      self->out_offset += n;
    }

  if (self->out_offset == self->out->len)
    {
      g_byte_array_set_size (self->out, 0);
      self->out_offset = 0;
    }
  update_interest (self, self->out->len > 0);
}

static void
handle_input (SrBenchClient *self)
{
  guint8 *buffer = self->loop->buffer;

  for (guint round = 0; round < READS_PER_ROUND && !self->closed; round++)
    {
      ssize_t n = recv (self->fd, buffer, READ_BUFFER, 0);
      gint64 now;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      if (n <= 0)
        {
          shut_down (self);
          return;
        }

      now = g_get_real_time ();
      sr_frame_decoder_push (self->decoder, buffer, n);
      for (;;)
        {
          g_autoptr(GBytes) frame = NULL;
          g_autoptr(GError) error = NULL;
          SrFrameStatus status = sr_frame_decoder_next (self->decoder, &frame, &error);
          const char *data;
          gsize len;

          if (status == SR_FRAME_NEED_MORE)
            break;
          if (status == SR_FRAME_ERROR)
            {
              g_warning ("client %u: bad frame from the server: %s", self->state.index,
                         error->message);
              shut_down (self);
              return;
            }

          data = g_bytes_get_data (frame, &len);
          if (self->func != NULL)
            self->func (self, data, len, now, self->user_data);
          if (self->closed)
            return;
        }

      if ((gsize) n < READ_BUFFER)
        return;
    }
}

void
sr_bench_loop_iterate (SrBenchLoop *self,
                       int          timeout_ms)
{
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait (self->epfd, events, MAX_EVENTS, timeout_ms);

  for (int i = 0; i < n; i++)
    {
      SrBenchClient *client = events[i].data.ptr;

      if (client->closed)
        continue;
      if (events[i].events & EPOLLOUT)
        flush_out (client);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        handle_input (client);
    }
}

SrBenchClient *
sr_bench_client_new (SrBenchLoop  *loop,
                     const char   *host,
                     guint         port,
                     GError      **error)
{
  SrBenchClient *self;
  struct sockaddr_in addr = { 0 };
  struct epoll_event ev = { 0 };
  int one = 1;
  int fd;

  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  if (inet_pton (AF_INET, host, &addr.sin_addr) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "not an IPv4 address: %s", host);
      return NULL;
    }

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot connect to %s:%u: %s", host, port, g_strerror (saved_errno));
      return NULL;
    }

  /* The same socket options SrConnection uses. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);

  self = g_new0 (SrBenchClient, 1);
  self->loop = loop;
  self->fd = fd;
  self->decoder = sr_frame_decoder_new (SR_FRAME_SERVER_MAX);
  self->out = g_byte_array_new ();

  ev.events = EPOLLIN;
  ev.data.ptr = self;
  if (epoll_ctl (loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_ctl: %s", g_strerror (saved_errno));
      close (fd);
      sr_frame_decoder_free (self->decoder);
      g_byte_array_unref (self->out);
      g_free (self);
      return NULL;
    }

  return self;
}

void
sr_bench_client_free (SrBenchClient *self)
{
  if (self == NULL)
    return;

  /* No callback for a close the owner asked for. */
  self->func = NULL;
  shut_down (self);
  sr_frame_decoder_free (self->decoder);
  g_byte_array_unref (self->out);
  g_free (self->state.token);
  g_free (self);
}

void
sr_bench_client_set_func (SrBenchClient    *self,
                          SrBenchFrameFunc  func,
                          gpointer          user_data)
{
  self->func = func;
  self->user_data = user_data;
}

SrBenchClientState *
sr_bench_client_state (SrBenchClient *self)
{
  return &self->state;
}

gboolean
sr_bench_client_is_closed (SrBenchClient *self)
{
  return self->closed;
}

void
sr_bench_client_send (SrBenchClient *self,
                      const char    *body,
                      gsize          len)
{
  guint8 header[SR_FRAME_HEADER_SIZE];

  if (self->closed)
    return;

  header[0] = (len >> 24) & 0xff;
  header[1] = (len >> 16) & 0xff;
  header[2] = (len >> 8) & 0xff;
  header[3] = len & 0xff;
  g_byte_array_append (self->out, header, sizeof header);
  g_byte_array_append (self->out, (const guint8 *) body, len);

  if (!self->want_out)
    flush_out (self);
}

gint64
sr_bench_client_call (SrBenchClient *self,
                      const char    *method,
                      const char    *params)
{
  char stack[256];
  g_autofree char *heap = NULL;
  gint64 id = ++self->next_id;
  const char *text = stack;
  int len;

  len = g_snprintf (stack, sizeof stack,
                    "{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"method\":\"%s\"%s%s}",
                    id, method, params ? ",\"params\":" : "", params ? params : "");
  if ((gsize) len >= sizeof stack)
    {
      heap = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"method\":\"%s\"%s%s}",
                              id, method, params ? ",\"params\":" : "", params ? params : "");
      text = heap;
    }

  sr_bench_client_send (self, text, len);
  return id;
}

/* Scanning */

static gboolean
has_prefix (const char *data,
            gsize       len,
            const char *prefix,
            gsize       prefix_len)
{
  return len >= prefix_len && memcmp (data, prefix, prefix_len) == 0;
}

static const char *
scan_int (const char *p,
          const char *end,
          gint64     *out)
{
  gint64 value = 0;
  const char *start = p;

  while (p < end && g_ascii_isdigit (*p))
    value = value * 10 + (*p++ - '0');

  *out = value;
  return p > start ? p : NULL;
}

gboolean
sr_bench_scan_response (const char *data,
                        gsize       len,
                        gint64     *id,
                        gboolean   *is_error)
{
  static const char prefix[] = "{\"jsonrpc\":\"2.0\",\"id\":";
  const char *end = data + len;
  const char *p;

  if (!has_prefix (data, len, prefix, sizeof prefix - 1))
    return FALSE;

  p = scan_int (data + sizeof prefix - 1, end, id);
  if (p == NULL)
    return FALSE;

  if (has_prefix (p, end - p, ",\"result\":", 10))
    *is_error = FALSE;
  else if (has_prefix (p, end - p, ",\"error\":", 9))
    *is_error = TRUE;
  else
    return FALSE;

  return TRUE;
}

gboolean
sr_bench_scan_event (const char  *data,
                     gsize        len,
                     gint64      *seq,
                     const char **at,
                     gsize       *at_len)
{
  static const char prefix[] = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"seq\":";
  static const char at_key[] = "\"at\":\"";
  const char *end = data + len;
  const char *p;
  const char *q;

  if (!has_prefix (data, len, prefix, sizeof prefix - 1))
    return FALSE;

  p = scan_int (data + sizeof prefix - 1, end, seq);
  if (p == NULL)
    return FALSE;

  /* "at" comes before "data", so the first match is the event's own. */
  p = g_strstr_len (p, end - p, at_key);
  if (p == NULL)
    return FALSE;
  p += sizeof at_key - 1;
  q = memchr (p, '"', end - p);
  if (q == NULL)
    return FALSE;

  *at = p;
  *at_len = q - p;
  return TRUE;
}
