/* sr-vehicle-store.h: every vehicle the user may see, as a GListModel of SrVehicle,
 * loaded in pages and then kept current from the server's events.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sr-connection.h"
#include "sr-vehicle.h"

G_BEGIN_DECLS

#define SR_TYPE_VEHICLE_STORE (sr_vehicle_store_get_type ())

G_DECLARE_FINAL_TYPE (SrVehicleStore, sr_vehicle_store, SR, VEHICLE_STORE, GObject)

/* Where the last load's time went. The main thread also spends time inside
 * SrConnection finding each response's id, which is part of rpc_ms. */
typedef struct {
  guint  pages;
  guint  vehicles;
  double total_ms;     /* from load_async to the result */
  double rpc_ms;       /* summed over calls: request queued to result delivered (server,
                        * network, and SrConnection's scan of the envelope) */
  double convert_ms;   /* summed over pages: JSON text to SrVehicle, in worker threads */
  double main_ms;      /* on the main thread in the store: the scan of each page for its
                        * cursor, inserts and items-changed */
} SrVehicleStoreLoadStats;

SrVehicleStore *sr_vehicle_store_new             (void);

/* Replaces the contents with every vehicle the connection's user may see, fetched
 * with vehicles.list (1000 a page, by id; each page taken as text and read in a
 * worker thread). Subscribe before loading: events given to
 * apply_event() while the load runs are held and applied once it has finished, so
 * nothing that changes meanwhile is lost. On failure the vehicles loaded so far stay
 * and the events held are dropped; reset and load again. */
void            sr_vehicle_store_load_async      (SrVehicleStore           *self,
                                                  SrConnection             *connection,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data);
gboolean        sr_vehicle_store_load_finish     (SrVehicleStore           *self,
                                                  GAsyncResult             *result,
                                                  GError                  **error);
gboolean        sr_vehicle_store_is_loading      (SrVehicleStore           *self);
void            sr_vehicle_store_get_load_stats  (SrVehicleStore           *self,
                                                  SrVehicleStoreLoadStats  *stats);

/* Applies the params of one `event` notification ({seq, entity, op, id, at, data});
 * events of other entities are ignored. An update older than the vehicle held is
 * ignored too. Returns FALSE with @error set only for a vehicle event that cannot be
 * read. */
gboolean        sr_vehicle_store_apply_event     (SrVehicleStore           *self,
                                                  JsonObject               *params,
                                                  GError                  **error);
/* The highest seq applied (or held during a load): since_seq for a resume. */
gint64          sr_vehicle_store_get_seq         (SrVehicleStore           *self);

/* Empties the store and forgets the seq, for a resync; cancels a running load. */
void            sr_vehicle_store_reset           (SrVehicleStore           *self);

/* The vehicle with this id, or NULL; O(log n). */
SrVehicle      *sr_vehicle_store_lookup          (SrVehicleStore           *self,
                                                  gint64                    id,
                                                  guint                    *position);

G_END_DECLS
