/**
 * SECTION:element-decodiffregions
 * @title: decodiffregions
 * @short_description: attach regions of interest to video frames
 *
 * Adds one #GstVideoRegionOfInterestMeta per region to every frame, the role
 * of DL Streamer's gvaattachroi: fixed regions (#GstDecodiffRegions:regions),
 * per-frame regions from a labels file (#GstDecodiffRegions:location, the
 * format decodiff-synth video writes: each part's box in each frame), or
 * both. Downstream, decodiffinspect with roi-types inspects them; any element
 * that reads region-of-interest metas sees them. Pixels are never touched.
 * Regions are clipped to the frame; what is left of a region outside it is
 * not attached.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! videoconvert ! \
 *     decodiffregions location=clip.json ! \
 *     decodiffinspect model=m.safetensors roi-types=part class-map=part=nut ! fakesink
 * ]| Inspects every part the labels list, in every frame.
 * |[
 * ... ! decodiffregions regions="40,60,400,400@left;520,60,400,400@right" ! ...
 * ]| Two fixed stations, as ROI metas of types "left" and "right".
 */
#include "gstdecodiffregions.h"

#include <gst/video/gstvideometa.h>

#include <memory>
#include <string>
#include <vector>

#include "property_guard.h"
#include "property_parsing.h"
#include "region_labels.h"

GST_DEBUG_CATEGORY(gst_decodiff_regions_debug);
#define GST_CAT_DEFAULT gst_decodiff_regions_debug

namespace {

struct RegionsState {
  std::vector<decodiff::gst::RegionSetting> fixed;
  decodiff::gst::RegionLabels labels;
  std::string roi_type;
  int width = 0, height = 0;
  guint64 frame = 0;
};

}  // namespace

struct _GstDecodiffRegions {
  GstBaseTransform parent;
  gchar* regions; /* properties, guarded by the object lock */
  gchar* location;
  gchar* roi_type;
  gboolean started;
  RegionsState* state; /* between start() and stop() */
};

enum { PROP_0, PROP_REGIONS, PROP_LOCATION, PROP_ROI_TYPE };

#define DEFAULT_ROI_TYPE "part"
#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE(GST_VIDEO_FORMATS_ALL)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));

G_DEFINE_TYPE(GstDecodiffRegions, gst_decodiff_regions, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE(decodiffregions, "decodiffregions", GST_RANK_NONE,
                                      GST_TYPE_DECODIFF_REGIONS,
                                      GST_DEBUG_CATEGORY_INIT(gst_decodiff_regions_debug, "decodiffregions",
                                                              0, "regions of interest for decodiff"));

static std::string text_or(const gchar* v, const char* fallback) { return v ? v : fallback; }

static gboolean gst_decodiff_regions_stop(GstBaseTransform* trans) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(trans);
  delete self->state;
  self->state = NULL;
  GST_OBJECT_LOCK(self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_decodiff_regions_start(GstBaseTransform* trans) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(trans);
  gst_decodiff_regions_stop(trans);
  GST_OBJECT_LOCK(self);
  const std::string regions = text_or(self->regions, ""), location = text_or(self->location, "");
  const std::string roi_type = text_or(self->roi_type, DEFAULT_ROI_TYPE);
  self->started = TRUE;
  GST_OBJECT_UNLOCK(self);
  auto state = std::make_unique<RegionsState>();
  state->roi_type = roi_type.empty() ? DEFAULT_ROI_TYPE : roi_type;
  const auto fixed = decodiff::gst::parse_regions(regions);
  if (!fixed.ok()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid regions: %s", fixed.error.c_str()), (NULL));
    return FALSE;
  }
  for (const auto& r : fixed.value)
    if (r.threshold >= 0) {
      GST_ELEMENT_ERROR(
          self, RESOURCE, SETTINGS,
          ("Invalid regions: a threshold belongs on decodiffinspect's roi, not on attached regions "
           "(\"%s\")",
           regions.c_str()),
          (NULL));
      return FALSE;
    }
  state->fixed = fixed.value;
  if (!location.empty()) {
    try {
      state->labels = decodiff::gst::read_region_labels(location);
    } catch (const std::exception& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Cannot use the labels file: %s", e.what()), (NULL));
      return FALSE;
    }
  }
  if (state->fixed.empty() && location.empty())
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("decodiffregions has neither \"regions\" nor \"location\": it attaches nothing"),
                        (NULL));
  self->state = state.release();
  return TRUE;
}

static gboolean gst_decodiff_regions_set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps* outcaps) {
  (void)outcaps;
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(trans);
  GstVideoInfo info;
  if (!self->state || !gst_video_info_from_caps(&info, incaps)) return FALSE;
  self->state->width = GST_VIDEO_INFO_WIDTH(&info);
  self->state->height = GST_VIDEO_INFO_HEIGHT(&info);
  return TRUE;
}

static void attach(GstBuffer* buffer, const decodiff::Rect& wanted, const std::string& roi_type, int width,
                   int height) {
  const decodiff::Rect r = decodiff::intersect(wanted, decodiff::Rect{0, 0, width, height});
  if (r.empty()) return;
  gst_buffer_add_video_region_of_interest_meta(buffer, roi_type.c_str(), r.x, r.y, r.width, r.height);
}

static GstFlowReturn gst_decodiff_regions_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(trans);
  RegionsState* st = self->state;
  if (!st) return GST_FLOW_FLUSHING;
  const guint64 frame = st->frame++;
  for (const auto& r : st->fixed)
    attach(buffer, r.rect, r.class_name.empty() ? st->roi_type : r.class_name, st->width, st->height);
  auto it = st->labels.boxes.find(frame);
  if (it != st->labels.boxes.end())
    for (const decodiff::Rect& r : it->second) attach(buffer, r, st->roi_type, st->width, st->height);
  return GST_FLOW_OK;
}

static void set_string(GstDecodiffRegions* self, gchar** field, const GValue* value) {
  GST_OBJECT_LOCK(self);
  g_free(*field);
  *field = g_value_dup_string(value);
  GST_OBJECT_UNLOCK(self);
}

static void gst_decodiff_regions_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(object);
  GST_OBJECT_LOCK(self);
  const gboolean running = self->started;
  GST_OBJECT_UNLOCK(self);
  if (gst_decodiff_refuse_while_running(GST_ELEMENT(self), pspec, running)) return;
  switch (prop_id) {
    case PROP_REGIONS:
      set_string(self, &self->regions, value);
      break;
    case PROP_LOCATION:
      set_string(self, &self->location, value);
      break;
    case PROP_ROI_TYPE:
      set_string(self, &self->roi_type, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_decodiff_regions_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_REGIONS:
      g_value_set_string(value, self->regions);
      break;
    case PROP_LOCATION:
      g_value_set_string(value, self->location);
      break;
    case PROP_ROI_TYPE:
      g_value_set_string(value, self->roi_type);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_decodiff_regions_finalize(GObject* object) {
  GstDecodiffRegions* self = GST_DECODIFF_REGIONS(object);
  delete self->state;
  g_free(self->regions);
  g_free(self->location);
  g_free(self->roi_type);
  G_OBJECT_CLASS(gst_decodiff_regions_parent_class)->finalize(object);
}

static void gst_decodiff_regions_class_init(GstDecodiffRegionsClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  const GParamFlags ready =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  gobject_class->set_property = gst_decodiff_regions_set_property;
  gobject_class->get_property = gst_decodiff_regions_get_property;
  gobject_class->finalize = gst_decodiff_regions_finalize;

  /**
   * GstDecodiffRegions:regions:
   *
   * Fixed regions attached to every frame: "x,y,width,height[@type];..." in
   * frame pixels (up to 64, not overlapping); a region's type defaults to
   * #GstDecodiffRegions:roi-type.
   */
  g_object_class_install_property(
      gobject_class, PROP_REGIONS,
      g_param_spec_string("regions", "Regions",
                          "Fixed regions \"x,y,width,height[@type];...\" attached to every frame", NULL,
                          ready));
  /**
   * GstDecodiffRegions:location:
   *
   * A labels file as decodiff-synth video writes it: each part's box in each
   * frame (frames counted from the element's first buffer) is attached.
   */
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Labels file",
                          "Labels JSON (decodiff-synth video's format): each part's box per frame", NULL,
                          ready));
  /**
   * GstDecodiffRegions:roi-type:
   *
   * The roi_type of the attached metas (fixed regions may name their own).
   */
  g_object_class_install_property(
      gobject_class, PROP_ROI_TYPE,
      g_param_spec_string("roi-type", "ROI type", "roi_type of the attached region metas", DEFAULT_ROI_TYPE,
                          ready));

  gst_element_class_set_static_metadata(
      element_class, "decodiff regions of interest", "Filter/Video",
      "Attaches regions of interest (fixed, or per frame from a labels file) "
      "as GstVideoRegionOfInterestMeta",
      "decodiff developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_decodiff_regions_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_decodiff_regions_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_decodiff_regions_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_decodiff_regions_transform_ip);
}

static void gst_decodiff_regions_init(GstDecodiffRegions* self) {
  self->regions = NULL;
  self->location = NULL;
  self->roi_type = g_strdup(DEFAULT_ROI_TYPE);
  self->started = FALSE;
  self->state = NULL;
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
