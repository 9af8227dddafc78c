/* sr-json-reader.c: a pull reader over JSON text.
 *
 * The cursor only moves forward. Containers are not tracked on a stack: the caller's
 * own calls say where it is, and `first` only tells whether a comma must come before
 * the next member or element (it is set on entering a container and cleared by
 * whatever is read in it, a closed container included).
 */
#define G_LOG_DOMAIN "sr-json-reader"

#include "config.h"

#include <string.h>

#include "sr-json-reader.h"
#include "sr-rpc.h"

static gboolean
fail (SrJsonReader *self)
{
  self->failed = TRUE;
  self->p = (char *) self->end;
  return FALSE;
}

static inline void
skip_space (SrJsonReader *self)
{
  while (self->p < self->end &&
         (*self->p == ' ' || *self->p == '\n' || *self->p == '\r' || *self->p == '\t'))
    self->p++;
}

void
sr_json_reader_init (SrJsonReader *self,
                     char         *text,
                     gsize         len,
                     gboolean      in_place)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (text != NULL || len == 0);

  memset (self, 0, sizeof *self);
  self->p = text;
  self->end = text + len;
  self->in_place = in_place != FALSE;
}

SrJsonKind
sr_json_reader_peek (SrJsonReader *self)
{
  if (self->failed)
    return SR_JSON_INVALID;

  skip_space (self);
  if (self->p == self->end)
    return SR_JSON_INVALID;

  switch (*self->p)
    {
    case '{':
      return SR_JSON_OBJECT;
    case '[':
      return SR_JSON_ARRAY;
    case '"':
      return SR_JSON_STRING;
    case 't':
      return SR_JSON_TRUE;
    case 'f':
      return SR_JSON_FALSE;
    case 'n':
      return SR_JSON_NULL;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return SR_JSON_NUMBER;
    default:
      return SR_JSON_INVALID;
    }
}

const char *
sr_json_reader_position (SrJsonReader *self)
{
  skip_space (self);
  return self->p;
}

gboolean
sr_json_reader_failed (SrJsonReader *self)
{
  return self->failed;
}

gboolean
sr_json_reader_at_end (SrJsonReader *self)
{
  if (self->failed)
    return FALSE;

  skip_space (self);
  return self->p == self->end;
}

/* Containers */

static gboolean
enter (SrJsonReader *self,
       char          open)
{
  if (sr_json_reader_peek (self) == SR_JSON_INVALID || *self->p != open)
    return fail (self);
  if (++self->depth > SR_RPC_MAX_DEPTH)
    return fail (self);

  self->p++;
  self->first = TRUE;
  return TRUE;
}

gboolean
sr_json_reader_enter_object (SrJsonReader *self)
{
  return enter (self, '{');
}

gboolean
sr_json_reader_enter_array (SrJsonReader *self)
{
  return enter (self, '[');
}

/* Before a member or an element: the end of the container, or a comma unless it is
 * the first. */
static gboolean
next_item (SrJsonReader *self,
           char          close)
{
  if (self->failed)
    return FALSE;

  skip_space (self);
  if (self->p == self->end)
    return fail (self);

  if (*self->p == close)
    {
      self->p++;
      self->depth--;
      self->first = FALSE;
      return FALSE;
    }

  if (!self->first)
    {
      if (*self->p != ',')
        return fail (self);
      self->p++;
      skip_space (self);
    }
  self->first = FALSE;

  return TRUE;
}

gboolean
sr_json_reader_next_element (SrJsonReader *self)
{
  return next_item (self, ']');
}

/* Strings */

static int
hex4 (const char *p)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      int c = p[i];

      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= c - '0';
      else if (c >= 'a' && c <= 'f')
        value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        value |= c - 'A' + 10;
      else
        return -1;
    }

  return value;
}

/* One \uXXXX (or a surrogate pair of them) at @p, just past the backslash and the u;
 * the code point goes to @out as UTF-8. */
static gboolean
decode_unicode (SrJsonReader  *self,
                const char   **p,
                char         **out)
{
  int unit = *p + 4 <= self->end ? hex4 (*p) : -1;
  gunichar c;

  if (unit <= 0)     /* not four hex digits, or NUL */
    return FALSE;
  *p += 4;

  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return FALSE;
  if (unit >= 0xD800 && unit <= 0xDBFF)
    {
      int low = *p + 6 <= self->end && (*p)[0] == '\\' && (*p)[1] == 'u' ? hex4 (*p + 2) : -1;

      if (low < 0xDC00 || low > 0xDFFF)
        return FALSE;
      *p += 6;
      c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
  else
    c = unit;

  if (out != NULL)
    *out += g_unichar_to_utf8 (c, *out);
  return TRUE;
}

/* From the opening quote at self->p to just past the closing one. With @decode the
 * text is decoded over itself, from just past the opening quote (a decoded string is
 * never longer than what it was written as) and NUL-terminated, the closing quote
 * being the last byte this may overwrite. */
static gboolean
scan_string (SrJsonReader  *self,
             gboolean       decode,
             const char   **value,
             gsize         *len,
             gboolean      *escaped)
{
  char *text = self->p + 1;
  const char *p = text;
  char *out = text;

  *escaped = FALSE;
  for (;;)
    {
      const char *run = p;
      char c;

      /* The common case: a run of plain characters. */
      while (p < self->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      if (decode && out != run)
        memmove (out, run, p - run);
      out += p - run;

      if (p == self->end || (guchar) *p < 0x20)
        return fail (self);
      if (*p == '"')
        break;

      /* A backslash */
      *escaped = TRUE;
      p++;
      if (p == self->end)
        return fail (self);

      switch ((c = *p++))
        {
        case '"':
        case '\\':
        case '/':
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        case 'u':
          if (!decode_unicode (self, &p, decode ? &out : NULL))
            return fail (self);
          continue;
        default:
          return fail (self);
        }
      if (decode)
        *out = c;
      out++;
    }

  /* p is at the closing quote. */
  *value = text;
  if (decode)
    {
      *out = '\0';
      *len = out - text;
    }
  else
    *len = p - text;

  self->p = (char *) p + 1;
  return TRUE;
}

gboolean
sr_json_reader_read_string (SrJsonReader  *self,
                            const char   **value,
                            gsize         *len)
{
  const char *text;
  gsize text_len;
  gboolean escaped;
  char *start;

  if (sr_json_reader_peek (self) != SR_JSON_STRING)
    return FALSE;

  start = self->p;
  if (!scan_string (self, self->in_place, &text, &text_len, &escaped))
    return FALSE;
  if (escaped && !self->in_place)
    {
      /* Well formed, but it cannot be given as it is. */
      self->p = start;
      return FALSE;
    }

  *value = text;
  if (len != NULL)
    *len = text_len;
  return TRUE;
}

gboolean
sr_json_reader_next_member (SrJsonReader  *self,
                            const char   **name,
                            gsize         *len)
{
  gboolean escaped;
  const char *text;
  gsize text_len;

  if (!next_item (self, '}'))
    return FALSE;

  if (self->p == self->end || *self->p != '"')
    return fail (self);
  if (!scan_string (self, self->in_place, &text, &text_len, &escaped))
    return FALSE;

  skip_space (self);
  if (self->p == self->end || *self->p != ':')
    return fail (self);
  self->p++;

  /* Read only, a name written with an escape cannot be given as it is. */
  if (escaped && !self->in_place)
    text = NULL, text_len = 0;

  *name = text;
  if (len != NULL)
    *len = text_len;
  return TRUE;
}

/* Scalars */

/* Checks the number at self->p and finds its end; @is_int tells whether it has no
 * fraction and no exponent. */
static gboolean
scan_number (SrJsonReader  *self,
             gboolean      *is_int,
             const char   **end)
{
  const char *p = self->p;

  *is_int = TRUE;
  if (p < self->end && *p == '-')
    p++;
  if (p == self->end || !g_ascii_isdigit (*p))
    return fail (self);
  if (*p == '0')
    p++;
  else
    while (p < self->end && g_ascii_isdigit (*p))
      p++;

  if (p < self->end && *p == '.')
    {
      *is_int = FALSE;
      p++;
      if (p == self->end || !g_ascii_isdigit (*p))
        return fail (self);
      while (p < self->end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < self->end && (*p == 'e' || *p == 'E'))
    {
      *is_int = FALSE;
      p++;
      if (p < self->end && (*p == '+' || *p == '-'))
        p++;
      if (p == self->end || !g_ascii_isdigit (*p))
        return fail (self);
      while (p < self->end && g_ascii_isdigit (*p))
        p++;
    }

  *end = p;
  return TRUE;
}

gboolean
sr_json_reader_read_int (SrJsonReader *self,
                         gint64       *value)
{
  const char *p;
  const char *end;
  gboolean negative = FALSE;
  gboolean is_int;
  guint64 magnitude = 0;

  if (sr_json_reader_peek (self) != SR_JSON_NUMBER)
    return FALSE;
  if (!scan_number (self, &is_int, &end))
    return FALSE;
  if (!is_int)
    return FALSE;

  p = self->p;
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  for (; p < end; p++)
    {
      guint d = *p - '0';

      /* Past 64 bits the protocol's parser refuses the message: so do we. */
      if (magnitude > (G_MAXUINT64 - d) / 10)
        return fail (self);
      magnitude = magnitude * 10 + d;
    }
  if (magnitude > (guint64) G_MAXINT64 + (negative ? 1 : 0))
    return fail (self);

  self->p = (char *) end;
  *value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

static gboolean
skip_literal (SrJsonReader *self,
              const char   *word,
              gsize         len)
{
  if ((gsize) (self->end - self->p) < len || memcmp (self->p, word, len) != 0)
    return fail (self);

  self->p += len;
  return TRUE;
}

gboolean
sr_json_reader_skip (SrJsonReader *self)
{
  const char *text;
  gsize len;
  gboolean escaped;
  gboolean is_int;

  switch (sr_json_reader_peek (self))
    {
    case SR_JSON_OBJECT:
      if (!sr_json_reader_enter_object (self))
        return FALSE;
      while (sr_json_reader_next_member (self, &text, &len))
        if (!sr_json_reader_skip (self))
          return FALSE;
      return !self->failed;

    case SR_JSON_ARRAY:
      if (!sr_json_reader_enter_array (self))
        return FALSE;
      while (sr_json_reader_next_element (self))
        if (!sr_json_reader_skip (self))
          return FALSE;
      return !self->failed;

    case SR_JSON_STRING:
      /* Checked, never written: a skipped string stays as it was. */
      return scan_string (self, FALSE, &text, &len, &escaped);

    case SR_JSON_NUMBER:
      {
        const char *end;
        gint64 value;

        /* An integer must fit 64 bits even when nobody reads it. */
        if (sr_json_reader_read_int (self, &value))
          return TRUE;
        if (self->failed || !scan_number (self, &is_int, &end))
          return FALSE;
        self->p = (char *) end;
        return TRUE;
      }

    case SR_JSON_TRUE:
      return skip_literal (self, "true", 4);
    case SR_JSON_FALSE:
      return skip_literal (self, "false", 5);
    case SR_JSON_NULL:
      return skip_literal (self, "null", 4);

    case SR_JSON_INVALID:
    default:
      return fail (self);
    }
}
