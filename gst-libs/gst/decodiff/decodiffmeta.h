/**
 * SECTION:gstdecodiffmeta
 * @title: GstDecodiffMeta
 * @short_description: Per-frame anomaly metadata of the decodiffinspect element
 *
 * Every buffer that leaves decodiffinspect after its first inspection carries
 * one #GstDecodiffMeta: the image anomaly score, the decision, the anomaly map
 * and the anomalous regions. Applications read it in a pad probe with
 * gst_buffer_get_decodiff_meta() (or, with several elements in a row,
 * gst_buffer_iterate_decodiff_meta() and
 * gst_buffer_get_decodiff_meta_by_producer()).
 *
 * All coordinates are in pixels of the frame the meta is attached to: they
 * follow videoscale/videoconvertscale through the meta's transform function.
 * Buffer copies carry a deep copy; other transforms drop the meta.
 *
 * |[
 * #include <gst/decodiff/decodiffmeta.h>
 * cc app.c $(pkg-config --cflags --libs gstdecodiffmeta-1.0)
 * ]|
 *
 * See docs/metadata-api.md.
 */
#ifndef GST_DECODIFF_META_H
#define GST_DECODIFF_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GST_DECODIFF_META_API_TYPE:
 *
 * The #GType of the GstDecodiffMeta API (tags "video" and "size").
 */
#define GST_DECODIFF_META_API_TYPE (gst_decodiff_meta_api_get_type())

/**
 * GST_DECODIFF_META_INFO:
 *
 * The #GstMetaInfo of the GstDecodiffMeta implementation.
 */
#define GST_DECODIFF_META_INFO (gst_decodiff_meta_get_info())

/**
 * GstDecodiffRegion:
 * @x: left edge of the bounding box, in frame pixels
 * @y: top edge of the bounding box, in frame pixels
 * @width: width of the bounding box, in frame pixels
 * @height: height of the bounding box, in frame pixels
 * @score: the anomaly map's maximum inside the region
 *
 * One anomalous region: a connected component of (anomaly map >= threshold),
 * as its bounding box in frame coordinates, with the map's maximum inside.
 */
typedef struct {
  gint x;
  gint y;
  gint width;
  gint height;
  gfloat score;
} GstDecodiffRegion;

/**
 * GstDecodiffInspection:
 * @x: left edge of the inspected region, in frame pixels
 * @y: top edge of the inspected region
 * @width: width of the inspected region
 * @height: height of the inspected region
 * @class_id: the model's class index the region was inspected as
 * @class_name: that class's name (owned by the meta)
 * @score: the region's anomaly score (the maximum of its map), in [0, 1]
 * @anomalous: @score >= @threshold (or the inspection failed: see @error)
 * @threshold: the threshold applied to this region
 * @map_width: width of the region's anomaly map, at the model's resolution
 * @map_height: height of that map
 * @map_data: the map, row-major floats in [0, 1] (owned by the meta; NULL when none)
 * @map_frame_x: left edge of the frame rectangle the map covers
 * @map_frame_y: top edge of that rectangle
 * @map_frame_width: width of that rectangle
 * @map_frame_height: height of that rectangle
 * @n_regions: number of entries in @regions
 * @regions: the anomalous regions found inside this region, highest score
 *   first (owned by the meta)
 * @error: NULL, or why this region's inspection failed (owned by the meta)
 *
 * The result for one inspected region of a frame. An element with several
 * regions (its roi property lists them) inspects each one, with its own
 * class and threshold.
 */
typedef struct {
  gint x;
  gint y;
  gint width;
  gint height;
  gint class_id;
  gchar* class_name;
  gfloat score;
  gboolean anomalous;
  gfloat threshold;
  gint map_width;
  gint map_height;
  gfloat* map_data;
  gint map_frame_x;
  gint map_frame_y;
  gint map_frame_width;
  gint map_frame_height;
  guint n_regions;
  GstDecodiffRegion* regions;
  gchar* error;
} GstDecodiffInspection;

/**
 * GstDecodiffMeta:
 * @meta: parent #GstMeta
 * @score: image anomaly score: the maximum of the anomaly map, in [0, 1]
 * @anomalous: @score >= @threshold
 * @threshold: the threshold the element applied
 * @class_id: the model's class index
 * @class_name: the model's class name (owned)
 * @frame_number: index of this buffer among the element's input buffers (0-based)
 * @inspected_frame_number: index of the frame the result was computed on
 * @inspected_pts: PTS of that frame (GST_CLOCK_TIME_NONE if it had none)
 * @stale: TRUE when the result was computed on an earlier frame (live mode,
 *   or interval > 1)
 * @latency_ms: wall time of the engine call that produced the result
 * @map_width: width of the anomaly map, at the model's resolution
 * @map_height: height of the anomaly map, at the model's resolution
 * @map_data: the anomaly map: row-major, @map_width x @map_height floats in
 *   [0, 1] (owned; NULL when the meta has no map)
 * @map_frame_x: left edge of the frame rectangle the map covers (the model's
 *   center crop of the inspected region)
 * @map_frame_y: top edge of that rectangle
 * @map_frame_width: width of that rectangle
 * @map_frame_height: height of that rectangle
 * @n_regions: number of entries in @regions
 * @regions: anomalous regions, highest score first (owned; empty when not
 *   anomalous)
 * @producer: name of the element that made this meta (owned; NULL if unknown)
 * @painted: TRUE when the producer drew its overlay on the frame's pixels
 * @error: NULL, or why the inspection failed (e.g. "non-finite score", owned):
 *   the result is then unknown, @anomalous is TRUE, @score may be NaN and the
 *   one region is the whole inspected rectangle
 * @n_inspections: number of entries in @inspections (one per inspected
 *   region; 1 for an element with one region, 0 for a meta without a result)
 * @inspections: every inspected region's result, in the order of the
 *   element's roi list (owned). The fields above sum them up: @anomalous when
 *   any region is, the highest @score with its class, threshold and map, and
 *   every region's anomalous regions.
 *
 * The result of one decodiffinspect element for one buffer. All pointers are
 * owned by the meta and valid while the buffer lives.
 */
typedef struct {
  GstMeta meta;

  gfloat score;
  gboolean anomalous;
  gfloat threshold;
  gint class_id;
  gchar* class_name;

  guint64 frame_number;
  guint64 inspected_frame_number;
  GstClockTime inspected_pts;
  gboolean stale;
  gdouble latency_ms;

  gint map_width;
  gint map_height;
  gfloat* map_data;
  gint map_frame_x;
  gint map_frame_y;
  gint map_frame_width;
  gint map_frame_height;

  guint n_regions;
  GstDecodiffRegion* regions;

  /* Appended after the first release: apps built against the older header
   * keep working (the meta is always allocated by this library, so its size
   * follows the library; the fields above kept their offsets). */
  gchar* producer;
  gboolean painted;
  gchar* error;
  guint n_inspections;
  GstDecodiffInspection* inspections;
} GstDecodiffMeta;

/**
 * gst_decodiff_meta_api_get_type:
 *
 * Returns: the #GType of the GstDecodiffMeta API, registered on first use.
 */
GType gst_decodiff_meta_api_get_type(void);

/**
 * gst_decodiff_meta_get_info:
 *
 * Returns: the #GstMetaInfo of the GstDecodiffMeta implementation,
 * registered on first use.
 */
const GstMetaInfo* gst_decodiff_meta_get_info(void);

/**
 * gst_buffer_get_decodiff_meta:
 * @buffer: a #GstBuffer
 *
 * With several decodiffinspect elements in a row (several metas), returns the
 * one added first: the element furthest upstream.
 *
 * Returns: (transfer none) (nullable): the #GstDecodiffMeta on @buffer, or NULL.
 */
GstDecodiffMeta* gst_buffer_get_decodiff_meta(GstBuffer* buffer);

/**
 * gst_buffer_iterate_decodiff_meta:
 * @buffer: a #GstBuffer
 * @state: (inout): an opaque state pointer; set *@state to NULL before the first call
 *
 * Iterates over every #GstDecodiffMeta on @buffer in the order they were
 * added (the element furthest upstream first; buffer copies keep the order).
 *
 * Returns: (transfer none) (nullable): the next meta, or NULL after the last.
 */
GstDecodiffMeta* gst_buffer_iterate_decodiff_meta(GstBuffer* buffer, gpointer* state);

/**
 * gst_buffer_get_decodiff_meta_by_producer:
 * @buffer: a #GstBuffer
 * @producer: the name of a decodiffinspect element
 *
 * Returns: (transfer none) (nullable): the meta made by the element named
 * @producer, or NULL.
 */
GstDecodiffMeta* gst_buffer_get_decodiff_meta_by_producer(GstBuffer* buffer, const gchar* producer);

/**
 * gst_buffer_add_decodiff_meta:
 * @buffer: a writable #GstBuffer
 *
 * Adds an empty meta (score 0, no map, no regions) to @buffer.
 *
 * Returns: (transfer none): the new #GstDecodiffMeta.
 */
GstDecodiffMeta* gst_buffer_add_decodiff_meta(GstBuffer* buffer);

/**
 * gst_decodiff_meta_set_class_name:
 * @meta: a #GstDecodiffMeta
 * @class_name: (nullable): the class name to copy; NULL clears
 *
 * Replaces @meta's class_name with a copy of @class_name.
 */
void gst_decodiff_meta_set_class_name(GstDecodiffMeta* meta, const gchar* class_name);

/**
 * gst_decodiff_meta_set_producer:
 * @meta: a #GstDecodiffMeta
 * @producer: (nullable): the producing element's name to copy; NULL clears
 *
 * Replaces @meta's producer with a copy of @producer.
 */
void gst_decodiff_meta_set_producer(GstDecodiffMeta* meta, const gchar* producer);

/**
 * gst_decodiff_meta_set_error:
 * @meta: a #GstDecodiffMeta
 * @error: (nullable): why the inspection failed, to copy; NULL clears
 *
 * Replaces @meta's error with a copy of @error.
 */
void gst_decodiff_meta_set_error(GstDecodiffMeta* meta, const gchar* error);

/**
 * gst_decodiff_meta_set_map:
 * @meta: a #GstDecodiffMeta
 * @width: the map's width
 * @height: the map's height
 * @data: (nullable) (array): @width x @height floats, row-major
 *
 * Replaces @meta's anomaly map with a copy of @data (a size <= 0 or NULL
 * @data clears it).
 */
void gst_decodiff_meta_set_map(GstDecodiffMeta* meta, gint width, gint height, const gfloat* data);

/**
 * gst_decodiff_meta_set_regions:
 * @meta: a #GstDecodiffMeta
 * @n_regions: the number of regions
 * @regions: (nullable) (array length=n_regions): the regions to copy
 *
 * Replaces @meta's regions with a copy of @regions (0 or NULL clears them).
 */
void gst_decodiff_meta_set_regions(GstDecodiffMeta* meta, guint n_regions, const GstDecodiffRegion* regions);

/**
 * gst_decodiff_meta_set_inspections:
 * @meta: a #GstDecodiffMeta
 * @n_inspections: number of entries in @inspections
 * @inspections: (array length=n_inspections): the per-region results; copied
 *   deeply (names, maps, regions and errors), so the caller keeps its own
 *
 * Replaces the meta's per-region results.
 */
void gst_decodiff_meta_set_inspections(GstDecodiffMeta* meta, guint n_inspections,
                                       const GstDecodiffInspection* inspections);

/**
 * gst_decodiff_meta_get_inspection:
 * @meta: a #GstDecodiffMeta
 * @index: which inspected region, from 0 to @n_inspections - 1
 *
 * Returns: (transfer none) (nullable): the result for that region, or NULL
 * when @index is out of range.
 */
const GstDecodiffInspection* gst_decodiff_meta_get_inspection(const GstDecodiffMeta* meta, guint index);

/**
 * gst_decodiff_meta_map_value_at:
 * @meta: a #GstDecodiffMeta
 * @frame_x: a column of the frame, in pixels
 * @frame_y: a row of the frame, in pixels
 *
 * Returns: the anomaly map value under frame pixel (@frame_x, @frame_y)
 * (nearest map sample), or -1 when the pixel lies outside the mapped
 * rectangle or the meta has no map.
 */
gfloat gst_decodiff_meta_map_value_at(const GstDecodiffMeta* meta, gint frame_x, gint frame_y);

G_END_DECLS

#endif /* GST_DECODIFF_META_H */
