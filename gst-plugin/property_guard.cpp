#include "property_guard.h"

gboolean gst_decodiff_refuse_while_running(GstElement* element, GParamSpec* pspec, gboolean started) {
  if ((pspec->flags & GST_PARAM_MUTABLE_PLAYING) || !started) return FALSE;
  gchar* text = NULL;
  if (pspec->flags & G_PARAM_READABLE) {
    GValue current = G_VALUE_INIT;
    g_value_init(&current, pspec->value_type);
    g_object_get_property(G_OBJECT(element), pspec->name, &current);
    text = g_strdup_value_contents(&current);
    g_value_unset(&current);
  } else { /* a secret (password): not shown */
    text = g_strdup("its value");
  }
  GST_ELEMENT_WARNING(element, RESOURCE, SETTINGS,
                      ("Property \"%s\" cannot change while the element runs (PAUSED or PLAYING): it keeps "
                       "%s. Set it in the NULL or READY state",
                       pspec->name, text),
                      (NULL));
  g_free(text);
  return TRUE;
}
