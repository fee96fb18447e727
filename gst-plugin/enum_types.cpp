#include "enum_types.h"

GType gst_decodiff_overlay_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DECODIFF_OVERLAY_NONE, "Leave the frame untouched", "none"},
      {GST_DECODIFF_OVERLAY_HEATMAP,
       "Blend the anomaly map as a JET heatmap, box the regions, print the score", "heatmap"},
      {GST_DECODIFF_OVERLAY_CONTOUR, "Outline the anomalous regions, print the score", "contour"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstDecodiffOverlay", values));
  return type;
}

GType gst_decodiff_mode_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DECODIFF_MODE_SYNC,
       "Inspect every due frame before pushing it (deterministic; for replay and tests)", "sync"},
      {GST_DECODIFF_MODE_LIVE,
       "Never block upstream: a worker inspects the newest frame, others carry the latest result marked "
       "stale",
       "live"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstDecodiffMode", values));
  return type;
}

GType gst_decodiff_message_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DECODIFF_MESSAGE_NONE, "Post no messages", "none"},
      {GST_DECODIFF_MESSAGE_ANOMALIES, "Post one per anomalous inspected frame", "anomalies"},
      {GST_DECODIFF_MESSAGE_ALL, "Post one per inspected frame", "all"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstDecodiffMessage", values));
  return type;
}
