#include "publish_enum_types.h"

static GType register_enum(GType* type, const char* name, const GEnumValue* values) {
  if (g_once_init_enter(type)) g_once_init_leave(type, g_enum_register_static(name, values));
  return *type;
}

GType gst_decodiff_publish_method_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DECODIFF_PUBLISH_METHOD_FILE, "JSON lines appended to the file at location", "file"},
      {GST_DECODIFF_PUBLISH_METHOD_MQTT, "One MQTT message per result (libmosquitto)", "mqtt"},
      {0, NULL, NULL}};
  return register_enum(&type, "GstDecodiffPublishMethod", values);
}

GType gst_decodiff_publish_which_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DECODIFF_PUBLISH_ALL, "Every inspected frame", "all"},
      {GST_DECODIFF_PUBLISH_ANOMALIES, "Anomalous inspected frames only", "anomalies"},
      {0, NULL, NULL}};
  return register_enum(&type, "GstDecodiffPublishWhich", values);
}

GType gst_decodiff_snapshot_format_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {{GST_DECODIFF_SNAPSHOT_JPEG, "JPEG (smaller, lossy)", "jpeg"},
                                      {GST_DECODIFF_SNAPSHOT_PNG, "PNG (lossless)", "png"},
                                      {0, NULL, NULL}};
  return register_enum(&type, "GstDecodiffSnapshotFormat", values);
}
