/* sr-seed.h: --create-admin and --seed-demo. */
#pragma once

#include "sr-config.h"

G_BEGIN_DECLS

#define SR_DEMO_PASSWORD "showroom-demo"

gboolean sr_seed_create_admin (const SrConfig  *config,
                               const char      *password,
                               GError         **error);
gboolean sr_seed_demo         (const SrConfig  *config,
                               guint            n_vehicles,
                               GError         **error);

G_END_DECLS
