/* sr-json-reader.h: a pull reader over JSON text, for the few messages too large to
 * go through json-glib at speed.
 *
 * No tree is built: the caller walks objects and arrays member by member and takes
 * the values it wants. Strings are decoded over the text itself when the reader may
 * write to it, so reading a page of vehicles allocates nothing. It is as strict as
 * the protocol's parser: control characters in strings, NUL, half surrogate pairs,
 * integers past 64 bits, nesting past SR_RPC_MAX_DEPTH and trailing commas fail.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SR_JSON_INVALID,   /* nothing readable here: the text is broken or ends */
  SR_JSON_NULL,
  SR_JSON_FALSE,
  SR_JSON_TRUE,
  SR_JSON_NUMBER,
  SR_JSON_STRING,
  SR_JSON_ARRAY,
  SR_JSON_OBJECT,
} SrJsonKind;

typedef struct {
  /* Private */
  char       *p;
  const char *end;
  int         depth;
  guint       in_place : 1;
  guint       first : 1;
  guint       failed : 1;
} SrJsonReader;

/* @in_place: strings may be decoded over @text (which then no longer holds the same
 * JSON); without it @text is only read, and read_string() refuses strings holding
 * escapes. @text need not be NUL-terminated. UTF-8 is not checked here: check
 * it first when it matters. */
void        sr_json_reader_init           (SrJsonReader  *self,
                                           char          *text,
                                           gsize          len,
                                           gboolean       in_place);
/* The kind of the next value, by its first character; nothing is consumed. */
SrJsonKind  sr_json_reader_peek           (SrJsonReader  *self);
/* The current position: where the next value (after white space) starts. */
const char *sr_json_reader_position       (SrJsonReader  *self);

gboolean    sr_json_reader_enter_object   (SrJsonReader  *self);
/* TRUE with the next member's name (its value comes next: read or skip it); FALSE
 * at the end of the object, or on a failure (see failed()). Without in_place a name
 * written with an escape is given as NULL. */
gboolean    sr_json_reader_next_member    (SrJsonReader  *self,
                                           const char   **name,
                                           gsize         *len);
gboolean    sr_json_reader_enter_array    (SrJsonReader  *self);
/* TRUE when an element follows (read or skip it); FALSE at the end of the array or
 * on a failure. */
gboolean    sr_json_reader_next_element   (SrJsonReader  *self);

/* A string: with in_place, decoded and NUL-terminated; without, the text between
 * the quotes, which holds no escape. */
gboolean    sr_json_reader_read_string    (SrJsonReader  *self,
                                           const char   **value,
                                           gsize         *len);
/* An integer (no fraction, no exponent) that fits 64 bits. */
gboolean    sr_json_reader_read_int       (SrJsonReader  *self,
                                           gint64        *value);
/* Any value, checked and passed over. */
gboolean    sr_json_reader_skip           (SrJsonReader  *self);
/* Nothing but white space is left. */
gboolean    sr_json_reader_at_end         (SrJsonReader  *self);
/* Whether the text was found broken (a wrong kind asked for is not a failure). */
gboolean    sr_json_reader_failed         (SrJsonReader  *self);

G_END_DECLS
