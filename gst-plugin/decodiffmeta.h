/* GstDecodiffMeta: the per-frame result of the decodiffinspect element.
 *
 * Installed as <gst/decodiff/decodiffmeta.h>; link with
 * `pkg-config --cflags --libs gstdecodiffmeta-1.0`. See docs/metadata-api.md.
 *
 * Every buffer that leaves decodiffinspect after its first inspection carries
 * one GstDecodiffMeta. All coordinates are in pixels of the frame the meta is
 * attached to (they follow videoscale/videoconvertscale through the meta's
 * transform function).
 */
#ifndef GST_DECODIFF_META_H
#define GST_DECODIFF_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_DECODIFF_META_API_TYPE (gst_decodiff_meta_api_get_type())
#define GST_DECODIFF_META_INFO (gst_decodiff_meta_get_info())

/* One anomalous region: a connected component of (anomaly map >= threshold),
 * as its bounding box in frame coordinates, with the map's maximum inside. */
typedef struct {
  gint x;
  gint y;
  gint width;
  gint height;
  gfloat score;
} GstDecodiffRegion;

typedef struct {
  GstMeta meta;

  gfloat score;       /* image anomaly score: the maximum of the anomaly map, in [0, 1] */
  gboolean anomalous; /* score >= threshold */
  gfloat threshold;   /* the threshold the element applied */
  gint class_id;      /* the model's class index */
  gchar* class_name;  /* the model's class name (owned) */

  guint64 frame_number;           /* index of this buffer among the element's input buffers (0-based) */
  guint64 inspected_frame_number; /* index of the frame the result was computed on */
  GstClockTime inspected_pts;     /* PTS of that frame (GST_CLOCK_TIME_NONE if it had none) */
  gboolean stale;                 /* TRUE when the result was computed on an earlier frame
                                   * (live mode, or interval > 1) */
  gdouble latency_ms;             /* wall time of the engine call that produced the result */

  /* The anomaly map at the model's resolution (row-major, map_width x map_height
   * floats in [0, 1], owned), and the rectangle of the frame it covers (the
   * model's center crop of the inspected region). */
  gint map_width;
  gint map_height;
  gfloat* map_data;
  gint map_frame_x;
  gint map_frame_y;
  gint map_frame_width;
  gint map_frame_height;

  /* Anomalous regions, highest score first (owned; empty when not anomalous). */
  guint n_regions;
  GstDecodiffRegion* regions;

  /* Appended after the first release: apps built against the older header
   * keep working (the meta is always allocated by this library, so its size
   * follows the library; the fields above kept their offsets). */
  gchar* producer;  /* name of the element that made this meta (owned; NULL if unknown) */
  gboolean painted; /* TRUE when the producer drew its overlay on the frame's pixels */
  gchar* error;     /* NULL, or why the inspection failed (e.g. "non-finite score", owned):
                     * the result is then unknown, anomalous is TRUE, score may be NaN and
                     * the one region is the whole inspected rectangle */
} GstDecodiffMeta;

GType gst_decodiff_meta_api_get_type(void);
const GstMetaInfo* gst_decodiff_meta_get_info(void);

/* The meta on @buffer, or NULL. With several decodiffinspect elements in a
 * row (several metas), the one added first: the element furthest upstream. */
GstDecodiffMeta* gst_buffer_get_decodiff_meta(GstBuffer* buffer);

/* Iterates over every GstDecodiffMeta on @buffer in the order they were added
 * (the element furthest upstream first; buffer copies keep the order).
 * Set *@state to NULL before the first call; returns NULL after the last. */
GstDecodiffMeta* gst_buffer_iterate_decodiff_meta(GstBuffer* buffer, gpointer* state);

/* The meta made by the element named @producer, or NULL. */
GstDecodiffMeta* gst_buffer_get_decodiff_meta_by_producer(GstBuffer* buffer, const gchar* producer);

/* Adds an empty meta (score 0, no map, no regions) to a writable @buffer. */
GstDecodiffMeta* gst_buffer_add_decodiff_meta(GstBuffer* buffer);

void gst_decodiff_meta_set_class_name(GstDecodiffMeta* meta, const gchar* class_name);
/* Copy @producer / @error into the meta (NULL clears). */
void gst_decodiff_meta_set_producer(GstDecodiffMeta* meta, const gchar* producer);
void gst_decodiff_meta_set_error(GstDecodiffMeta* meta, const gchar* error);
/* Copies @width x @height floats from @data (row-major). */
void gst_decodiff_meta_set_map(GstDecodiffMeta* meta, gint width, gint height, const gfloat* data);
/* Copies @n_regions regions. */
void gst_decodiff_meta_set_regions(GstDecodiffMeta* meta, guint n_regions, const GstDecodiffRegion* regions);

/* The anomaly map value under frame pixel (@frame_x, @frame_y) (nearest map
 * sample), or -1 when the pixel lies outside the mapped rectangle or the meta
 * has no map. */
gfloat gst_decodiff_meta_map_value_at(const GstDecodiffMeta* meta, gint frame_x, gint frame_y);

G_END_DECLS

#endif /* GST_DECODIFF_META_H */
