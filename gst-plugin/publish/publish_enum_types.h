/* The enumerated properties of decodiffpublish (method, publish,
 * snapshot-format) and their GTypes. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  GST_DECODIFF_PUBLISH_METHOD_FILE,
  GST_DECODIFF_PUBLISH_METHOD_MQTT,
} GstDecodiffPublishMethod;

typedef enum {
  GST_DECODIFF_PUBLISH_ALL,
  GST_DECODIFF_PUBLISH_ANOMALIES,
} GstDecodiffPublishWhich;

typedef enum {
  GST_DECODIFF_SNAPSHOT_JPEG,
  GST_DECODIFF_SNAPSHOT_PNG,
} GstDecodiffSnapshotFormat;

GType gst_decodiff_publish_method_get_type(void);
GType gst_decodiff_publish_which_get_type(void);
GType gst_decodiff_snapshot_format_get_type(void);

G_END_DECLS
