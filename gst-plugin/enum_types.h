/* The enumerated properties of decodiffinspect (overlay, mode, message) and
 * their GTypes. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

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

G_END_DECLS
