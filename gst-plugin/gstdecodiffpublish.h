/* decodiffpublish: decodiffinspect's results out of the pipeline, as JSON to
 * a file or an MQTT broker, and reject images (see docs/publish.md). */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "publish/publish_enum_types.h"

G_BEGIN_DECLS

#define GST_TYPE_DECODIFF_PUBLISH (gst_decodiff_publish_get_type())
G_DECLARE_FINAL_TYPE(GstDecodiffPublish, gst_decodiff_publish, GST, DECODIFF_PUBLISH, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(decodiffpublish);

G_END_DECLS
