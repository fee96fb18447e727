/* GstDecodiffMeta: registration, memory management and transforms. */
#include "decodiffmeta.h"

#include <gst/video/video.h>
#include <string.h>

GType gst_decodiff_meta_api_get_type(void) {
  static GType type = 0;
  static const gchar* tags[] = {GST_META_TAG_VIDEO_STR, GST_META_TAG_VIDEO_SIZE_STR, NULL};

  if (g_once_init_enter(&type)) {
    GType t = gst_meta_api_type_register("GstDecodiffMetaAPI", tags);
    g_once_init_leave(&type, t);
  }
  return type;
}

static gboolean gst_decodiff_meta_init(GstMeta* meta, gpointer params, GstBuffer* buffer) {
  GstDecodiffMeta* m = (GstDecodiffMeta*)meta;
  (void)params;
  (void)buffer;
  m->score = 0;
  m->anomalous = FALSE;
  m->threshold = 0;
  m->class_id = 0;
  m->class_name = NULL;
  m->frame_number = 0;
  m->inspected_frame_number = 0;
  m->inspected_pts = GST_CLOCK_TIME_NONE;
  m->stale = FALSE;
  m->latency_ms = 0;
  m->map_width = m->map_height = 0;
  m->map_data = NULL;
  m->map_frame_x = m->map_frame_y = m->map_frame_width = m->map_frame_height = 0;
  m->n_regions = 0;
  m->regions = NULL;
  m->producer = NULL;
  m->painted = FALSE;
  m->error = NULL;
  m->n_inspections = 0;
  m->inspections = NULL;
  return TRUE;
}

static void free_inspections(GstDecodiffMeta* m) {
  guint i;
  for (i = 0; i < m->n_inspections; i++) {
    g_free(m->inspections[i].class_name);
    g_free(m->inspections[i].map_data);
    g_free(m->inspections[i].regions);
    g_free(m->inspections[i].error);
  }
  g_free(m->inspections);
  m->inspections = NULL;
  m->n_inspections = 0;
}

static void gst_decodiff_meta_free(GstMeta* meta, GstBuffer* buffer) {
  GstDecodiffMeta* m = (GstDecodiffMeta*)meta;
  (void)buffer;
  g_free(m->class_name);
  g_free(m->map_data);
  g_free(m->regions);
  g_free(m->producer);
  g_free(m->error);
  free_inspections(m);
  m->class_name = NULL;
  m->map_data = NULL;
  m->regions = NULL;
  m->producer = NULL;
  m->error = NULL;
}

static void copy_fields(GstDecodiffMeta* dst, const GstDecodiffMeta* src) {
  dst->score = src->score;
  dst->anomalous = src->anomalous;
  dst->threshold = src->threshold;
  dst->class_id = src->class_id;
  gst_decodiff_meta_set_class_name(dst, src->class_name);
  dst->frame_number = src->frame_number;
  dst->inspected_frame_number = src->inspected_frame_number;
  dst->inspected_pts = src->inspected_pts;
  dst->stale = src->stale;
  dst->latency_ms = src->latency_ms;
  gst_decodiff_meta_set_map(dst, src->map_width, src->map_height, src->map_data);
  dst->map_frame_x = src->map_frame_x;
  dst->map_frame_y = src->map_frame_y;
  dst->map_frame_width = src->map_frame_width;
  dst->map_frame_height = src->map_frame_height;
  gst_decodiff_meta_set_regions(dst, src->n_regions, src->regions);
  gst_decodiff_meta_set_producer(dst, src->producer);
  dst->painted = src->painted;
  gst_decodiff_meta_set_error(dst, src->error);
  gst_decodiff_meta_set_inspections(dst, src->n_inspections, src->inspections);
}

static gint scale_coord(gint v, gint in_size, gint out_size) {
  if (in_size <= 0) return v;
  return (gint)gst_util_uint64_scale_int_round((guint64)MAX(v, 0), out_size, in_size);
}

static void scale_regions(GstDecodiffRegion* regions, guint n, gint iw, gint ih, gint ow, gint oh) {
  guint i;
  for (i = 0; i < n; i++) {
    GstDecodiffRegion* r = &regions[i];
    r->x = scale_coord(r->x, iw, ow);
    r->y = scale_coord(r->y, ih, oh);
    r->width = MAX(1, scale_coord(r->width, iw, ow));
    r->height = MAX(1, scale_coord(r->height, ih, oh));
  }
}

static gboolean gst_decodiff_meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer* buffer, GQuark type,
                                            gpointer data) {
  GstDecodiffMeta* src = (GstDecodiffMeta*)meta;
  GstDecodiffMeta* dst;
  (void)buffer;

  if (GST_META_TRANSFORM_IS_COPY(type)) {
    GstMetaTransformCopy* copy = (GstMetaTransformCopy*)data;
    if (copy->region) return TRUE; /* a partial copy of the memory is no longer the inspected frame */
    dst = gst_buffer_add_decodiff_meta(dest);
    if (!dst) return FALSE;
    copy_fields(dst, src);
    return TRUE;
  }

  if (GST_VIDEO_META_TRANSFORM_IS_SCALE(type)) {
    GstVideoMetaTransform* trans = (GstVideoMetaTransform*)data;
    gint iw = GST_VIDEO_INFO_WIDTH(trans->in_info), ih = GST_VIDEO_INFO_HEIGHT(trans->in_info);
    gint ow = GST_VIDEO_INFO_WIDTH(trans->out_info), oh = GST_VIDEO_INFO_HEIGHT(trans->out_info);
    guint i;

    dst = gst_buffer_add_decodiff_meta(dest);
    if (!dst) return FALSE;
    copy_fields(dst, src);
    dst->map_frame_x = scale_coord(src->map_frame_x, iw, ow);
    dst->map_frame_y = scale_coord(src->map_frame_y, ih, oh);
    dst->map_frame_width = scale_coord(src->map_frame_width, iw, ow);
    dst->map_frame_height = scale_coord(src->map_frame_height, ih, oh);
    scale_regions(dst->regions, dst->n_regions, iw, ih, ow, oh);
    for (i = 0; i < dst->n_inspections; i++) {
      GstDecodiffInspection* in = &dst->inspections[i];
      in->x = scale_coord(in->x, iw, ow);
      in->y = scale_coord(in->y, ih, oh);
      in->width = MAX(1, scale_coord(in->width, iw, ow));
      in->height = MAX(1, scale_coord(in->height, ih, oh));
      in->map_frame_x = scale_coord(in->map_frame_x, iw, ow);
      in->map_frame_y = scale_coord(in->map_frame_y, ih, oh);
      in->map_frame_width = scale_coord(in->map_frame_width, iw, ow);
      in->map_frame_height = scale_coord(in->map_frame_height, ih, oh);
      scale_regions(in->regions, in->n_regions, iw, ih, ow, oh);
    }
    return TRUE;
  }

  return FALSE; /* other transforms: drop the meta rather than carry wrong coordinates */
}

const GstMetaInfo* gst_decodiff_meta_get_info(void) {
  static const GstMetaInfo* info = NULL;

  if (g_once_init_enter((GstMetaInfo**)&info)) {
    const GstMetaInfo* mi =
        gst_meta_register(GST_DECODIFF_META_API_TYPE, "GstDecodiffMeta", sizeof(GstDecodiffMeta),
                          gst_decodiff_meta_init, gst_decodiff_meta_free, gst_decodiff_meta_transform);
    g_once_init_leave((GstMetaInfo**)&info, (GstMetaInfo*)mi);
  }
  return info;
}

GstDecodiffMeta* gst_buffer_get_decodiff_meta(GstBuffer* buffer) {
  g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
  return (GstDecodiffMeta*)gst_buffer_get_meta(buffer, GST_DECODIFF_META_API_TYPE);
}

GstDecodiffMeta* gst_buffer_iterate_decodiff_meta(GstBuffer* buffer, gpointer* state) {
  g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
  g_return_val_if_fail(state != NULL, NULL);
  return (GstDecodiffMeta*)gst_buffer_iterate_meta_filtered(buffer, state, GST_DECODIFF_META_API_TYPE);
}

GstDecodiffMeta* gst_buffer_get_decodiff_meta_by_producer(GstBuffer* buffer, const gchar* producer) {
  gpointer state = NULL;
  GstDecodiffMeta* m;

  g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
  g_return_val_if_fail(producer != NULL, NULL);
  while ((m = gst_buffer_iterate_decodiff_meta(buffer, &state)) != NULL)
    if (m->producer != NULL && strcmp(m->producer, producer) == 0) return m;
  return NULL;
}

GstDecodiffMeta* gst_buffer_add_decodiff_meta(GstBuffer* buffer) {
  g_return_val_if_fail(GST_IS_BUFFER(buffer), NULL);
  g_return_val_if_fail(gst_buffer_is_writable(buffer), NULL);
  return (GstDecodiffMeta*)gst_buffer_add_meta(buffer, GST_DECODIFF_META_INFO, NULL);
}

void gst_decodiff_meta_set_class_name(GstDecodiffMeta* meta, const gchar* class_name) {
  g_return_if_fail(meta != NULL);
  g_free(meta->class_name);
  meta->class_name = g_strdup(class_name);
}

void gst_decodiff_meta_set_producer(GstDecodiffMeta* meta, const gchar* producer) {
  g_return_if_fail(meta != NULL);
  g_free(meta->producer);
  meta->producer = g_strdup(producer);
}

void gst_decodiff_meta_set_error(GstDecodiffMeta* meta, const gchar* error) {
  g_return_if_fail(meta != NULL);
  g_free(meta->error);
  meta->error = g_strdup(error);
}

void gst_decodiff_meta_set_map(GstDecodiffMeta* meta, gint width, gint height, const gfloat* data) {
  g_return_if_fail(meta != NULL);
  g_free(meta->map_data);
  meta->map_data = NULL;
  meta->map_width = meta->map_height = 0;
  if (width <= 0 || height <= 0 || data == NULL) return;
  meta->map_data = (gfloat*)g_memdup2(data, sizeof(gfloat) * (gsize)width * (gsize)height);
  meta->map_width = width;
  meta->map_height = height;
}

void gst_decodiff_meta_set_regions(GstDecodiffMeta* meta, guint n_regions, const GstDecodiffRegion* regions) {
  g_return_if_fail(meta != NULL);
  g_free(meta->regions);
  meta->regions = NULL;
  meta->n_regions = 0;
  if (n_regions == 0 || regions == NULL) return;
  meta->regions = (GstDecodiffRegion*)g_memdup2(regions, sizeof(GstDecodiffRegion) * n_regions);
  meta->n_regions = n_regions;
}

void gst_decodiff_meta_set_inspections(GstDecodiffMeta* meta, guint n_inspections,
                                       const GstDecodiffInspection* inspections) {
  guint i;
  GstDecodiffInspection* copy;

  g_return_if_fail(meta != NULL);
  g_return_if_fail(n_inspections == 0 || inspections != NULL);
  /* built before the old list goes: `inspections` may be the meta's own */
  copy = n_inspections ? g_new0(GstDecodiffInspection, n_inspections) : NULL;
  for (i = 0; i < n_inspections; i++) {
    const GstDecodiffInspection* in = &inspections[i];
    gsize map_size = sizeof(gfloat) * (gsize)MAX(in->map_width, 0) * (gsize)MAX(in->map_height, 0);
    copy[i] = *in;
    copy[i].class_name = g_strdup(in->class_name);
    copy[i].map_data = (in->map_data && map_size) ? (gfloat*)g_memdup2(in->map_data, map_size) : NULL;
    if (!copy[i].map_data) copy[i].map_width = copy[i].map_height = 0;
    copy[i].regions =
        (in->regions && in->n_regions)
            ? (GstDecodiffRegion*)g_memdup2(in->regions, sizeof(GstDecodiffRegion) * in->n_regions)
            : NULL;
    if (!copy[i].regions) copy[i].n_regions = 0;
    copy[i].error = g_strdup(in->error);
  }
  free_inspections(meta);
  meta->inspections = copy;
  meta->n_inspections = n_inspections;
}

const GstDecodiffInspection* gst_decodiff_meta_get_inspection(const GstDecodiffMeta* meta, guint index) {
  g_return_val_if_fail(meta != NULL, NULL);
  if (index >= meta->n_inspections) return NULL;
  return &meta->inspections[index];
}

gfloat gst_decodiff_meta_map_value_at(const GstDecodiffMeta* meta, gint frame_x, gint frame_y) {
  gint mx, my;

  g_return_val_if_fail(meta != NULL, -1);
  if (!meta->map_data || meta->map_frame_width <= 0 || meta->map_frame_height <= 0) return -1;
  if (frame_x < meta->map_frame_x || frame_y < meta->map_frame_y ||
      frame_x >= meta->map_frame_x + meta->map_frame_width ||
      frame_y >= meta->map_frame_y + meta->map_frame_height)
    return -1;
  mx = (gint)(((gint64)(frame_x - meta->map_frame_x) * meta->map_width) / meta->map_frame_width);
  my = (gint)(((gint64)(frame_y - meta->map_frame_y) * meta->map_height) / meta->map_frame_height);
  mx = CLAMP(mx, 0, meta->map_width - 1);
  my = CLAMP(my, 0, meta->map_height - 1);
  return meta->map_data[(gsize)my * meta->map_width + mx];
}
