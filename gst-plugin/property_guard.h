/* Settings read once at start() cannot change while an element runs (PAUSED,
 * PLAYING): the change is refused with one warning and the value in use stays
 * (and reads back). Shared by the plugin's elements. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* TRUE (and one GST_ELEMENT_WARNING naming the property and the value it
 * keeps) when `pspec` is not GST_PARAM_MUTABLE_PLAYING and the element is
 * `started`. Call it without the object lock held. */
gboolean gst_decodiff_refuse_while_running(GstElement* element, GParamSpec* pspec, gboolean started);

G_END_DECLS
