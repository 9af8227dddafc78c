/* sr-types.h: forward declarations shared across common/, server/ and client/. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SrConnection   SrConnection;
typedef struct _SrFrameDecoder SrFrameDecoder;
typedef struct _SrFrameReader  SrFrameReader;
typedef struct _SrFrameWriter  SrFrameWriter;

G_END_DECLS
