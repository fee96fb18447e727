/* decodiffinspect: DeCo-Diff anomaly detection on raw video (see docs/element.md). */
#pragma once

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_DECODIFF_INSPECT (gst_decodiff_inspect_get_type())
G_DECLARE_FINAL_TYPE(GstDecodiffInspect, gst_decodiff_inspect, GST, DECODIFF_INSPECT, GstVideoFilter)

typedef enum {
  GST_DECODIFF_OVERLAY_NONE,
  GST_DECODIFF_OVERLAY_HEATMAP,
  GST_DECODIFF_OVERLAY_CONTOUR,
} GstDecodiffOverlay;

typedef enum {
  GST_DECODIFF_MODE_SYNC,
  GST_DECODIFF_MODE_LIVE,
} GstDecodiffMode;

typedef enum {
  GST_DECODIFF_MESSAGE_NONE,
  GST_DECODIFF_MESSAGE_ANOMALIES,
  GST_DECODIFF_MESSAGE_ALL,
} GstDecodiffMessage;

GType gst_decodiff_overlay_get_type(void);
GType gst_decodiff_mode_get_type(void);
GType gst_decodiff_message_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(decodiffinspect);

G_END_DECLS
