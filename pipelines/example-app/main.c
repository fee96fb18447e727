/* decodiff-example-app: how an application reads decodiffinspect results.
 *
 * It runs a pipeline containing a decodiffinspect element named "inspect",
 * reads the GstDecodiffMeta of every buffer in a pad probe (as a
 * DeepStream-style app reads its batch meta) and prints one line per frame.
 *
 *   decodiff-example-app --model M.safetensors [--num-buffers N]
 *   decodiff-example-app --pipeline "filesrc location=v.mp4 ! decodebin ! videoconvert ! \
 *                          decodiffinspect name=inspect model=M.safetensors ! fakesink"
 *
 * Build against the installed library: pkg-config --cflags --libs gstdecodiffmeta-1.0
 */
#include <gst/decodiff/decodiffmeta.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

static GstPadProbeReturn on_buffer(GstPad* pad, GstPadProbeInfo* info, gpointer user_data) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  /* by name: other decodiffinspect elements upstream add metas of their own */
  GstDecodiffMeta* meta = gst_buffer_get_decodiff_meta_by_producer(buffer, "inspect");
  guint i;
  (void)pad;
  (void)user_data;

  if (meta == NULL) {
    g_print("frame ? no result yet\n");
    return GST_PAD_PROBE_OK;
  }
  g_print("frame %" G_GUINT64_FORMAT " score %.4f %s class %s%s regions %u", meta->frame_number, meta->score,
          meta->anomalous ? "ANOMALOUS" : "normal", meta->class_name ? meta->class_name : "?",
          meta->stale ? " (stale)" : "", meta->n_regions);
  if (meta->error != NULL) g_print(" INSPECTION FAILED: %s", meta->error); /* a reject, not a score */
  for (i = 0; i < meta->n_regions; i++) {
    const GstDecodiffRegion* r = &meta->regions[i];
    g_print(" [%d,%d %dx%d %.3f]", r->x, r->y, r->width, r->height, r->score);
  }
  if (meta->map_data != NULL) {
    /* the map value at the centre of the mapped area, as an example of map access */
    gint cx = meta->map_frame_x + meta->map_frame_width / 2,
         cy = meta->map_frame_y + meta->map_frame_height / 2;
    g_print(" map %dx%d centre %.4f", meta->map_width, meta->map_height,
            gst_decodiff_meta_map_value_at(meta, cx, cy));
  }
  /* an element with several regions (roi="...;...") lists each one's result */
  for (i = 0; meta->n_inspections > 1 && i < meta->n_inspections; i++) {
    const GstDecodiffInspection* in = gst_decodiff_meta_get_inspection(meta, i);
    g_print("\n  region %u at %d,%d %dx%d: %s score %.4f %s", i, in->x, in->y, in->width, in->height,
            in->class_name ? in->class_name : "?", in->score, in->anomalous ? "ANOMALOUS" : "normal");
    if (in->error != NULL) g_print(" INSPECTION FAILED: %s", in->error);
  }
  g_print("\n");
  return GST_PAD_PROBE_OK;
}

int main(int argc, char** argv) {
  gchar *model = NULL, *description = NULL;
  gint num_buffers = 5;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "Model file (.safetensors)", "FILE"},
      {"pipeline", 'p', 0, G_OPTION_ARG_STRING, &description,
       "Pipeline description with a decodiffinspect named \"inspect\" (default: a videotestsrc pipeline)",
       "DESC"},
      {"num-buffers", 'n', 0, G_OPTION_ARG_INT, &num_buffers, "Frames of the default pipeline (default 5)",
       "N"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext* ctx = g_option_context_new("- print decodiffinspect results per frame");
  GError* error = NULL;
  GstElement *pipeline, *inspect;
  GstPad* pad;
  GstBus* bus;
  GstMessage* msg;
  int status = 0;

  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "decodiff-example-app: %s\n", error->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (description == NULL) {
    if (model == NULL) {
      fprintf(stderr, "decodiff-example-app: give --model FILE or --pipeline DESC\n");
      return 2;
    }
    description = g_strdup_printf(
        "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=160,height=120 ! "
        "videoconvert ! decodiffinspect name=inspect model=\"%s\" ! fakesink",
        num_buffers, model);
  }

  pipeline = gst_parse_launch(description, &error);
  if (pipeline == NULL || error != NULL) {
    fprintf(stderr, "decodiff-example-app: bad pipeline: %s\n", error ? error->message : "?");
    return 2;
  }
  inspect = gst_bin_get_by_name(GST_BIN(pipeline), "inspect");
  if (inspect == NULL) {
    fprintf(stderr, "decodiff-example-app: the pipeline has no element named \"inspect\"\n");
    return 2;
  }
  pad = gst_element_get_static_pad(inspect, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
  gst_object_unref(pad);
  gst_object_unref(inspect);

  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus(pipeline);
  msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gchar* dbg = NULL;
    gst_message_parse_error(msg, &error, &dbg);
    fprintf(stderr, "decodiff-example-app: error from %s: %s\n", GST_OBJECT_NAME(msg->src), error->message);
    g_clear_error(&error);
    g_free(dbg);
    status = 1;
  }
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  g_free(model);
  g_free(description);
  return status;
}
