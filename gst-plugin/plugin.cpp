/* The "decodiff" plugin: registers its elements. */
#include <gst/gst.h>

#include "decodiff_config.h"
#include "gstdecodiffinspect.h"
#include "gstdecodiffpublish.h"
#include "gstdecodiffregions.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(decodiffinspect, plugin) && GST_ELEMENT_REGISTER(decodiffpublish, plugin) &&
         GST_ELEMENT_REGISTER(decodiffregions, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, decodiff,
                  "DeCo-Diff anomaly detection (diffusion-based deviation correction)", plugin_init,
                  DECODIFF_VERSION, "MIT", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
