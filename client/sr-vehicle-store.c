/* sr-vehicle-store.c: the stock view's model, loaded in pages, kept live by events.
 *
 * Items are held in ascending id order, so an event finds its row by binary search and
 * every change is one items-changed at the right position. Pages come as text and are
 * read into SrVehicles in worker threads; the main thread only finds each page's
 * cursor and places the vehicles.
 *
 * The sorted array is the index: no id -> position table to keep in step. A removal
 * is a memmove of at most 800 KB of pointers at 100,000 rows (about 20 µs), and it
 * keeps the order, so one items-changed (p, 1, 0) says exactly what happened. Swapping
 * the last row into the hole would take two emissions for one event, and move an
 * unrelated row under a view's selection; GtkSortListModel walks all its rows on any
 * items-changed anyway.
 */
#define G_LOG_DOMAIN "sr-vehicle-store"

#include "config.h"

#include <string.h>

#include "sr-error.h"
#include "sr-vehicle-private.h"
#include "sr-vehicle-store.h"

/* The most vehicles.list gives at once. */
#define PAGE_SIZE 1000

struct _SrVehicleStore
{
  GObject                  parent_instance;

  /* Owned */
  GPtrArray               *items;   /* SrVehicle, ascending id */
  GQueue                   held;    /* JsonObject: events that came during a load */
  GTask                   *load;    /* the running load, or NULL */
  SrVehicleStoreLoadStats  stats;
  gint64                   seq;
};

static void sr_vehicle_store_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SrVehicleStore, sr_vehicle_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      sr_vehicle_store_list_model_init))

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

enum {
  VEHICLE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean apply_event (SrVehicleStore *self, JsonObject *params, GError **error);

/* GListModel */

static GType
sr_vehicle_store_get_item_type (GListModel *model)
{
  return SR_TYPE_VEHICLE;
}

static guint
sr_vehicle_store_get_n_items (GListModel *model)
{
  return SR_VEHICLE_STORE (model)->items->len;
}

static gpointer
sr_vehicle_store_get_item (GListModel *model,
                           guint       position)
{
  SrVehicleStore *self = SR_VEHICLE_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
sr_vehicle_store_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sr_vehicle_store_get_item_type;
  iface->get_n_items = sr_vehicle_store_get_n_items;
  iface->get_item = sr_vehicle_store_get_item;
}

/* Reading JSON from the server: never trusted to have the expected types. */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
member_int (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *value = json_node_get_int (node);
  return TRUE;
}

/* Rows */

static inline gint64
id_at (SrVehicleStore *self,
       guint           position)
{
  return ((SrVehicle *) self->items->pdata[position])->f.id;
}

/* The position of the first vehicle whose id is at least @id. */
static guint
lower_bound (SrVehicleStore *self,
             gint64          id)
{
  guint lo = 0;
  guint hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (id_at (self, mid) < id)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* Takes the references of @run, @n vehicles in ascending id order that all belong
 * just before @position. */
static void
insert_run (SrVehicleStore  *self,
            guint            position,
            SrVehicle      **run,
            guint            n)
{
  guint old_len = self->items->len;

  if (n == 0)
    return;

  g_ptr_array_set_size (self->items, old_len + n);
  memmove (self->items->pdata + position + n, self->items->pdata + position,
           (old_len - position) * sizeof (gpointer));
  memcpy (self->items->pdata + position, run, n * sizeof (gpointer));

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, n);
}

static void
remove_all (SrVehicleStore *self)
{
  g_autoptr(GPtrArray) old = NULL;
  guint n = self->items->len;

  if (n == 0)
    return;

  /* The old rows die after the signal, so a handler still holding one of them as a
   * borrowed pointer is not left dangling mid-emission. */
  old = g_steal_pointer (&self->items);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 ia = (*(SrVehicle **) a)->f.id;
  gint64 ib = (*(SrVehicle **) b)->f.id;

  return (ia > ib) - (ia < ib);
}

/* Takes @vehicle. An id already held is replaced, unless @vehicle is not newer. */
static void
place_vehicle (SrVehicleStore *self,
               SrVehicle      *vehicle)
{
  guint position = lower_bound (self, vehicle->f.id);

  if (position < self->items->len && id_at (self, position) == vehicle->f.id)
    {
      SrVehicle *held = self->items->pdata[position];

      if (vehicle->f.version > held->f.version)
        {
          self->items->pdata[position] = vehicle;
          g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
          g_object_unref (held);
        }
      else
        g_object_unref (vehicle);
      return;
    }

  insert_run (self, position, &vehicle, 1);
}

/* Places a page, given in ascending id order. The usual case is one run that fits
 * between two rows already held (the ascending pages grow the low end, the
 * descending ones the high end): one memmove and one items-changed. Whatever does
 * not fit (the overlap where the two page chains meet, or a server that sends
 * pages out of order) goes in one vehicle at a time. */
static void
insert_page (SrVehicleStore *self,
             GPtrArray      *vehicles)
{
  SrVehicle **v = (SrVehicle **) vehicles->pdata;
  guint n = vehicles->len;
  guint i = 0;

  for (guint k = 1; k < n; k++)
    if (v[k - 1]->f.id >= v[k]->f.id)
      {
        g_ptr_array_sort (vehicles, compare_ids);
        break;
      }

  while (i < n)
    {
      guint position = lower_bound (self, v[i]->f.id);
      gint64 limit = position < self->items->len ? id_at (self, position) : G_MAXINT64;
      guint j = i;

      while (j < n && v[j]->f.id < limit && (j == i || v[j - 1]->f.id < v[j]->f.id))
        j++;

      if (j > i)
        {
          insert_run (self, position, v + i, j - i);
          i = j;
        }
      else
        place_vehicle (self, v[i++]);
    }

  /* The references went to the store. */
  g_ptr_array_set_free_func (vehicles, NULL);
}

/* Loading: two chains of pages, one up from the lowest id and one down from the
 * highest, each request sent as soon as the page before it arrives. With one chain the
 * server would sit idle while this side reads a page, and this side while the server
 * writes the next; with two, each works on one chain's page while the other's is in
 * flight. The chains stop where they meet, so together they cover every id without
 * relying on any filter. */

typedef struct _Load Load;

typedef struct {
  Load     *load;
  gboolean  descending;
  char     *after;
  gint64    frontier;       /* the farthest id received, 0 before the first page */
  gboolean  ended;          /* no more requests */
  gboolean  calling;
  gboolean  converting;
  GQueue    pages;          /* GBytes, the result's text: received, waiting for a worker */
  gint64    call_start_us;
} Chain;

struct _Load
{
  Chain         chains[2];  /* ascending, descending */
  SrVehicleStoreLoadStats stats;
  GTask        *task;       /* borrowed: each call and conversion in flight holds a ref */
  SrConnection *connection;
  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong        cancelled_id;
  GError       *error;
  gint64        start_us;
};

typedef struct {
  GBytes    *page;
  gboolean   descending;
  gint64     convert_us;
} Convert;

static void chain_request (Chain *chain);

static void
load_free (Load *load)
{
  for (guint i = 0; i < G_N_ELEMENTS (load->chains); i++)
    {
      g_free (load->chains[i].after);
      g_queue_clear_full (&load->chains[i].pages, (GDestroyNotify) g_bytes_unref);
    }
  if (load->cancelled_id != 0)
    g_cancellable_disconnect (load->caller_cancellable, load->cancelled_id);
  g_clear_object (&load->caller_cancellable);
  g_clear_object (&load->cancellable);
  g_clear_object (&load->connection);
  g_clear_error (&load->error);
  g_free (load);
}

static void
convert_free (Convert *convert)
{
  g_clear_pointer (&convert->page, g_bytes_unref);
  g_free (convert);
}

static void
load_fail (Load         *load,
           const GError *error)
{
  if (load->error == NULL)
    load->error = g_error_copy (error);

  for (guint i = 0; i < G_N_ELEMENTS (load->chains); i++)
    {
      load->chains[i].ended = TRUE;
      g_queue_clear_full (&load->chains[i].pages, (GDestroyNotify) g_bytes_unref);
    }
  g_cancellable_cancel (load->cancellable);
}

static double
ms_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1000.0;
}

/* Finishes the load once nothing is in flight. A load that reset() cut loose
 * (self->load is no longer its task) only reports its error. */
static void
load_check_done (Load *load)
{
  SrVehicleStore *self = g_task_get_source_object (load->task);
  g_autoptr(GTask) task = g_object_ref (load->task);

  for (guint i = 0; i < G_N_ELEMENTS (load->chains); i++)
    {
      Chain *chain = &load->chains[i];

      if (!chain->ended || chain->calling || chain->converting ||
          !g_queue_is_empty (&chain->pages))
        return;
    }

  if (self->load != task)
    {
      g_task_return_error (task, g_error_copy (load->error));
      return;
    }
  g_clear_object (&self->load);

  if (load->error != NULL)
    {
      g_queue_clear_full (&self->held, (GDestroyNotify) json_object_unref);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      g_task_return_error (task, g_error_copy (load->error));
      return;
    }

  /* What changed while the pages came: each event is newer than the page that may
   * hold its vehicle or older than it, and the version check tells which. */
  while (!g_queue_is_empty (&self->held))
    {
      g_autoptr(JsonObject) params = g_queue_pop_head (&self->held);
      g_autoptr(GError) error = NULL;

      if (!apply_event (self, params, &error))
        g_warning ("an event held during the load cannot be applied: %s", error->message);
    }

  load->stats.total_ms = ms_since (load->start_us);
  self->stats = load->stats;
  g_debug ("loaded %u vehicles in %u pages: %.0f ms; calls %.0f ms, workers %.0f ms, "
           "main thread %.0f ms", self->stats.vehicles, self->stats.pages,
           self->stats.total_ms, self->stats.rpc_ms, self->stats.convert_ms,
           self->stats.main_ms);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_task_return_boolean (task, TRUE);
}

static gboolean
bad_page (GError **error)
{
  sr_set_error (error, SR_ERROR_PARSE_ERROR, NULL, "vehicles.list gave a page that is not understood");
  return FALSE;
}

static gboolean
name_is (const char *name,
         gsize       len,
         const char *word)
{
  return name != NULL && len == strlen (word) && memcmp (name, word, len) == 0;
}

/* In a worker: the page's text to SrVehicles, ascending by id. The text is read
 * once, decoded over a copy of itself; nothing of it is kept but the vehicles. */
static GPtrArray *
read_page (GBytes    *page,
           gboolean   descending,
           GError   **error)
{
  g_autoptr(GPtrArray) vehicles = g_ptr_array_new_full (PAGE_SIZE, g_object_unref);
  g_autofree char *text = NULL;
  SrJsonReader reader;
  const char *name;
  gsize len;

  text = g_memdup2 (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  len = g_bytes_get_size (page);
  if (!g_utf8_validate_len (text, len, NULL))
    {
      bad_page (error);
      return NULL;
    }

  sr_json_reader_init (&reader, text, len, TRUE);
  if (sr_json_reader_peek (&reader) != SR_JSON_OBJECT)
    {
      bad_page (error);
      return NULL;
    }
  sr_json_reader_enter_object (&reader);
  while (sr_json_reader_next_member (&reader, &name, &len))
    {
      if (!name_is (name, len, "items") || sr_json_reader_peek (&reader) != SR_JSON_ARRAY)
        {
          sr_json_reader_skip (&reader);
          continue;
        }

      /* The last of a name given twice counts. */
      g_ptr_array_set_size (vehicles, 0);
      sr_json_reader_enter_array (&reader);
      while (sr_json_reader_next_element (&reader))
        {
          SrVehicle *vehicle = _sr_vehicle_new_from_reader (&reader, error);

          if (vehicle == NULL)
            return NULL;
          g_ptr_array_add (vehicles, vehicle);
        }
    }
  if (!sr_json_reader_at_end (&reader))
    {
      bad_page (error);
      return NULL;
    }

  if (descending)
    for (guint i = 0, j = vehicles->len; i + 1 < j; i++, j--)
      {
        gpointer swap = vehicles->pdata[i];

        vehicles->pdata[i] = vehicles->pdata[j - 1];
        vehicles->pdata[j - 1] = swap;
      }

  return g_steal_pointer (&vehicles);
}

static void
convert_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Convert *convert = task_data;
  g_autoptr(GBytes) page = g_steal_pointer (&convert->page);
  g_autoptr(GPtrArray) vehicles = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();

  vehicles = read_page (page, convert->descending, &error);
  convert->convert_us = g_get_monotonic_time () - start;
  if (vehicles == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&vehicles), (GDestroyNotify) g_ptr_array_unref);
}

static void chain_convert_next (Chain *chain);

static void
convert_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  SrVehicleStore *self = SR_VEHICLE_STORE (object);
  Chain *chain = user_data;
  Load *load = chain->load;
  /* The reference chain_convert_next() took. */
  g_autoptr(GTask) load_task G_GNUC_UNUSED = load->task;
  g_autoptr(GPtrArray) vehicles = NULL;
  g_autoptr(GError) error = NULL;
  Convert *convert = g_task_get_task_data (G_TASK (result));
  gint64 start = g_get_monotonic_time ();

  chain->converting = FALSE;
  load->stats.convert_ms += convert->convert_us / 1000.0;

  vehicles = g_task_propagate_pointer (G_TASK (result), &error);
  if (vehicles == NULL)
    load_fail (load, error);
  else if (load->error == NULL)
    {
      load->stats.vehicles += vehicles->len;
      insert_page (self, vehicles);
    }

  chain_convert_next (chain);
  load->stats.main_ms += ms_since (start);
  load_check_done (load);
}

static void
chain_convert_next (Chain *chain)
{
  Load *load = chain->load;
  SrVehicleStore *self = g_task_get_source_object (load->task);
  g_autoptr(GTask) task = NULL;
  Convert *convert;

  /* One page at a time per chain keeps each chain's pages in order. */
  if (chain->converting || g_queue_is_empty (&chain->pages))
    return;

  convert = g_new0 (Convert, 1);
  convert->page = g_queue_pop_head (&chain->pages);
  convert->descending = chain->descending;

  chain->converting = TRUE;
  g_object_ref (load->task);
  task = g_task_new (self, load->cancellable, convert_cb, chain);
  g_task_set_source_tag (task, chain_convert_next);
  g_task_set_task_data (task, convert, (GDestroyNotify) convert_free);
  g_task_run_in_thread (task, convert_thread);
}

/* On the main thread, before a worker reads the page: its cursor, for the next
 * request to go out at once, and the id of its last vehicle, for where the chains
 * meet. The text is only scanned here, never decoded; the worker checks the rest. */
static gboolean
scan_page (GBytes      *page,
           char       **next,
           gint64      *last_id,
           guint       *n_items,
           GError     **error)
{
  const char *text = g_bytes_get_data (page, NULL);
  gsize text_len = g_bytes_get_size (page);
  const char *last = NULL;
  gboolean has_items = FALSE;
  gboolean has_next = FALSE;
  SrJsonReader reader;
  const char *name;
  gsize len;

  *next = NULL;
  *last_id = 0;
  *n_items = 0;

  sr_json_reader_init (&reader, (char *) text, text_len, FALSE);
  if (sr_json_reader_peek (&reader) != SR_JSON_OBJECT)
    return bad_page (error);
  sr_json_reader_enter_object (&reader);
  while (sr_json_reader_next_member (&reader, &name, &len))
    {
      if (name_is (name, len, "items"))
        {
          if (sr_json_reader_peek (&reader) != SR_JSON_ARRAY)
            return bad_page (error);
          has_items = TRUE;
          last = NULL;
          *n_items = 0;
          sr_json_reader_enter_array (&reader);
          while (sr_json_reader_next_element (&reader))
            {
              last = sr_json_reader_position (&reader);
              if (!sr_json_reader_skip (&reader))
                return bad_page (error);
              (*n_items)++;
            }
        }
      else if (name_is (name, len, "next"))
        {
          const char *start = sr_json_reader_position (&reader);
          SrJsonKind kind = sr_json_reader_peek (&reader);

          g_clear_pointer (next, g_free);
          has_next = TRUE;
          if (kind != SR_JSON_NULL && kind != SR_JSON_STRING)
            return bad_page (error);
          if (!sr_json_reader_skip (&reader))
            return bad_page (error);

          /* A cursor is opaque, and may be written with escapes: it is decoded alone. */
          if (kind == SR_JSON_STRING)
            {
              const char *end = sr_json_reader_position (&reader);
              SrJsonReader string_reader;
              const char *value;

              *next = g_strndup (start, end - start);
              sr_json_reader_init (&string_reader, *next, end - start, TRUE);
              if (!sr_json_reader_read_string (&string_reader, &value, NULL))
                return bad_page (error);
              memmove (*next, value, strlen (value) + 1);
            }
        }
      else if (!sr_json_reader_skip (&reader))
        return bad_page (error);
    }
  if (!sr_json_reader_at_end (&reader) || !has_items || !has_next)
    return bad_page (error);

  if (last != NULL)
    {
      SrJsonReader item_reader;
      gboolean found = FALSE;

      sr_json_reader_init (&item_reader, (char *) last, text + text_len - last, FALSE);
      if (sr_json_reader_peek (&item_reader) != SR_JSON_OBJECT)
        return bad_page (error);
      sr_json_reader_enter_object (&item_reader);
      while (sr_json_reader_next_member (&item_reader, &name, &len))
        {
          if (name_is (name, len, "id") && sr_json_reader_read_int (&item_reader, last_id))
            found = TRUE;
          else if (!sr_json_reader_skip (&item_reader))
            return bad_page (error);
        }
      if (!found)
        return bad_page (error);
    }

  return TRUE;
}

static void
page_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Chain *chain = user_data;
  Load *load = chain->load;
  Chain *other = &load->chains[!chain->descending];
  /* The reference chain_request() took. */
  g_autoptr(GTask) load_task G_GNUC_UNUSED = load->task;
  g_autoptr(GBytes) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *next = NULL;
  gint64 last_id = 0;
  guint n_items = 0;
  gint64 start = g_get_monotonic_time ();

  chain->calling = FALSE;
  load->stats.rpc_ms += (start - chain->call_start_us) / 1000.0;

  page = sr_connection_call_raw_finish (SR_CONNECTION (object), result, &error);
  if (page == NULL || !scan_page (page, &next, &last_id, &n_items, &error))
    {
      load_fail (load, error);
      load_check_done (load);
      return;
    }
  if (load->error != NULL)
    {
      load_check_done (load);
      return;
    }

  load->stats.pages++;
  if (n_items > 0)
    chain->frontier = last_id;

  /* The end of the table, from either side, means the other chain has nothing more
   * to bring either; so does a meeting of the two. */
  if (next == NULL || n_items == 0)
    chain->ended = other->ended = TRUE;
  else if (other->frontier != 0 &&
           (chain->descending ? chain->frontier <= other->frontier
                              : chain->frontier >= other->frontier))
    chain->ended = other->ended = TRUE;

  if (!chain->ended)
    {
      g_free (chain->after);
      chain->after = g_steal_pointer (&next);
      chain_request (chain);
    }

  if (n_items > 0)
    {
      g_queue_push_tail (&chain->pages, g_steal_pointer (&page));
      chain_convert_next (chain);
    }

  load->stats.main_ms += ms_since (start);
  load_check_done (load);
}

static void
chain_request (Chain *chain)
{
  Load *load = chain->load;
  g_autoptr(JsonObject) params = json_object_new ();

  json_object_set_string_member (params, "sort", chain->descending ? "-id" : "id");
  json_object_set_int_member (params, "limit", PAGE_SIZE);
  if (chain->after != NULL)
    json_object_set_string_member (params, "after", chain->after);

  chain->calling = TRUE;
  chain->call_start_us = g_get_monotonic_time ();
  g_object_ref (load->task);
  sr_connection_call_raw_async (load->connection, "vehicles.list", params, load->cancellable,
                                page_cb, chain);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

void
sr_vehicle_store_load_async (SrVehicleStore      *self,
                             SrConnection        *connection,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Load *load;

  g_return_if_fail (SR_IS_VEHICLE_STORE (self));
  g_return_if_fail (SR_IS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sr_vehicle_store_load_async);

  if (self->load != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "the vehicles are being loaded already");
      return;
    }

  load = g_new0 (Load, 1);
  load->task = task;
  load->connection = g_object_ref (connection);
  load->start_us = g_get_monotonic_time ();
  /* Our own, so that reset() can stop the load without touching the caller's. */
  load->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      load->caller_cancellable = g_object_ref (cancellable);
      load->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                  g_object_ref (load->cancellable),
                                                  g_object_unref);
    }
  for (guint i = 0; i < G_N_ELEMENTS (load->chains); i++)
    {
      load->chains[i].load = load;
      load->chains[i].descending = i == 1;
      g_queue_init (&load->chains[i].pages);
    }
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);

  self->load = g_object_ref (task);
  remove_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  for (guint i = 0; i < G_N_ELEMENTS (load->chains); i++)
    chain_request (&load->chains[i]);
}

gboolean
sr_vehicle_store_load_finish (SrVehicleStore  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sr_vehicle_store_load_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sr_vehicle_store_is_loading (SrVehicleStore *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (self), FALSE);

  return self->load != NULL;
}

void
sr_vehicle_store_get_load_stats (SrVehicleStore          *self,
                                 SrVehicleStoreLoadStats *stats)
{
  g_return_if_fail (SR_IS_VEHICLE_STORE (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

/* Events */

static gboolean
bad_event (const char  *field,
           GError     **error)
{
  sr_set_error (error, SR_ERROR_PARSE_ERROR, field, "a vehicle event without a valid %s", field);
  return FALSE;
}

/* Reads enough of a vehicle event to know it is one the store can apply. */
static gboolean
check_event (JsonObject  *params,
             const char **op,
             gint64      *id,
             JsonObject **data,
             GError     **error)
{
  JsonNode *data_node;

  *op = member_string (params, "op");
  if (*op == NULL)
    return bad_event ("op", error);
  if (!member_int (params, "id", id))
    return bad_event ("id", error);

  *data = NULL;
  if (strcmp (*op, "delete") == 0)
    return TRUE;
  if (strcmp (*op, "insert") != 0 && strcmp (*op, "update") != 0)
    return bad_event ("op", error);

  data_node = json_object_get_member (params, "data");
  if (data_node == NULL || !JSON_NODE_HOLDS_OBJECT (data_node))
    return bad_event ("data", error);
  *data = json_node_get_object (data_node);

  return TRUE;
}

static gboolean
apply_event (SrVehicleStore  *self,
             JsonObject      *params,
             GError         **error)
{
  JsonObject *data;
  const char *op;
  gint64 id;
  gint64 data_id;
  gint64 version;
  guint position;
  gboolean found;

  if (!check_event (params, &op, &id, &data, error))
    return FALSE;

  position = lower_bound (self, id);
  found = position < self->items->len && id_at (self, position) == id;

  if (data == NULL)
    {
      if (found)
        {
          g_ptr_array_remove_index (self->items, position);
          g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
        }
      return TRUE;
    }

  if (!member_int (data, "id", &data_id) || data_id != id)
    return bad_event ("data.id", error);
  if (!member_int (data, "version", &version))
    return bad_event ("data.version", error);

  /* An insert of a vehicle already held (one that came back to the branch, or that a
   * page brought before its event) is an update, and an update of one not held is an
   * insert: the result is the same whichever came first. */
  if (found)
    {
      SrVehicle *vehicle = g_ptr_array_index (self->items, position);
      GError *local_error = NULL;

      if (version < vehicle->f.version)
        return TRUE;

      if (!sr_vehicle_update_from_json (vehicle, data, &local_error))
        {
          if (local_error == NULL)
            return TRUE;
          g_propagate_error (error, local_error);
          return FALSE;
        }

      /* The same object: views drop the row and take it again, sorters and filters
       * look at it afresh. */
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
      g_signal_emit (self, signals[VEHICLE_CHANGED], 0, id, vehicle);
    }
  else
    {
      SrVehicle *vehicle = sr_vehicle_new_from_json (data, error);

      if (vehicle == NULL)
        return FALSE;
      insert_run (self, position, &vehicle, 1);
      g_signal_emit (self, signals[VEHICLE_CHANGED], 0, id, vehicle);
    }

  return TRUE;
}

gboolean
sr_vehicle_store_apply_event (SrVehicleStore  *self,
                              JsonObject      *params,
                              GError         **error)
{
  JsonObject *data;
  const char *op;
  gint64 id;
  gint64 seq;

  g_return_val_if_fail (SR_IS_VEHICLE_STORE (self), FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_strcmp0 (member_string (params, "entity"), "vehicle") != 0)
    return TRUE;

  if (member_int (params, "seq", &seq))
    self->seq = MAX (self->seq, seq);

  if (self->load != NULL)
    {
      /* Checked now, applied after the load. */
      if (!check_event (params, &op, &id, &data, error))
        return FALSE;
      g_queue_push_tail (&self->held, json_object_ref (params));
      return TRUE;
    }

  return apply_event (self, params, error);
}

gint64
sr_vehicle_store_get_seq (SrVehicleStore *self)
{
  g_return_val_if_fail (SR_IS_VEHICLE_STORE (self), 0);

  return self->seq;
}

void
sr_vehicle_store_reset (SrVehicleStore *self)
{
  g_return_if_fail (SR_IS_VEHICLE_STORE (self));

  if (self->load != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "the store was reset");

      /* Cut loose: it ends with this error when what it has in flight comes back,
       * and a new load may start at once. */
      load_fail (g_task_get_task_data (self->load), error);
      g_clear_object (&self->load);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }

  g_queue_clear_full (&self->held, (GDestroyNotify) json_object_unref);
  self->seq = 0;
  remove_all (self);
}

SrVehicle *
sr_vehicle_store_lookup (SrVehicleStore *self,
                         gint64          id,
                         guint          *position)
{
  guint found;

  g_return_val_if_fail (SR_IS_VEHICLE_STORE (self), NULL);

  found = lower_bound (self, id);
  if (found >= self->items->len || id_at (self, found) != id)
    return NULL;

  if (position != NULL)
    *position = found;
  return g_ptr_array_index (self->items, found);
}

/* GObject */

static void
sr_vehicle_store_finalize (GObject *object)
{
  SrVehicleStore *self = SR_VEHICLE_STORE (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_queue_clear_full (&self->held, (GDestroyNotify) json_object_unref);

  G_OBJECT_CLASS (sr_vehicle_store_parent_class)->finalize (object);
}

static void
sr_vehicle_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SrVehicleStore *self = SR_VEHICLE_STORE (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->load != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sr_vehicle_store_class_init (SrVehicleStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sr_vehicle_store_finalize;
  object_class->get_property = sr_vehicle_store_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* An event inserted or changed this vehicle (after items-changed has told the
   * models): for a view to highlight the row for a moment. Not emitted for the rows
   * a load brings. */
  signals[VEHICLE_CHANGED] =
    g_signal_new ("vehicle-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, SR_TYPE_VEHICLE);
}

static void
sr_vehicle_store_init (SrVehicleStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->held);
}

SrVehicleStore *
sr_vehicle_store_new (void)
{
  return g_object_new (SR_TYPE_VEHICLE_STORE, NULL);
}
