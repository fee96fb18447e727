/* decodiffregions: attaches regions of interest to video frames, fixed or
 * per frame from a labels file, for decodiffinspect (roi-types) and any
 * element that reads GstVideoRegionOfInterestMeta. */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_DECODIFF_REGIONS (gst_decodiff_regions_get_type())
G_DECLARE_FINAL_TYPE(GstDecodiffRegions, gst_decodiff_regions, GST, DECODIFF_REGIONS, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(decodiffregions);

G_END_DECLS
