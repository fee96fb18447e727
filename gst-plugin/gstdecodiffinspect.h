/* decodiffinspect: DeCo-Diff anomaly detection on raw video (see docs/element.md). */
#pragma once

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

#include "enum_types.h"

G_BEGIN_DECLS

#define GST_TYPE_DECODIFF_INSPECT (gst_decodiff_inspect_get_type())
G_DECLARE_FINAL_TYPE(GstDecodiffInspect, gst_decodiff_inspect, GST, DECODIFF_INSPECT, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(decodiffinspect);

G_END_DECLS
