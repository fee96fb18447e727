/**
 * SECTION:element-decodiffpublish
 * @title: decodiffpublish
 * @short_description: decodiffinspect's results as JSON to a file or an MQTT broker, and reject images
 *
 * decodiffpublish is a pass-through element placed after decodiffinspect. For
 * each frame that an upstream decodiffinspect inspected (its #GstDecodiffMeta
 * is not stale), it sends one JSON object: the schema version, the
 * inspecting element's name and the fields of decodiffinspect's
 * results-location lines (docs/metadata-api.md). With
 * #GstDecodiffPublish:method=file the objects are appended as JSON lines to
 * #GstDecodiffPublish:location; with method=mqtt each one is an MQTT message
 * on #GstDecodiffPublish:topic, queued (bounded by
 * #GstDecodiffPublish:max-queued) while the broker is away. With
 * #GstDecodiffPublish:snapshot-location every anomalous inspected frame is
 * also saved as two pictures (the frame as it arrived, and with the anomaly
 * heatmap) and a JSON sidecar, by a worker thread.
 *
 * The element never changes the buffers and never makes the streaming thread
 * wait: a broker that is away, a slow or full disk cost results (counted in
 * #GstDecodiffPublish:dropped and #GstDecodiffPublish:snapshots-failed, with
 * one warning each time it starts) but never frames. A setting that cannot
 * work (no location, a malformed topic, unusable TLS files) stops the element
 * at start with one error. At EOS the element posts a "decodiff-publish"
 * element message with its counters.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=line.mkv ! decodebin ! videoconvert ! \
 *     decodiffinspect model=model.safetensors overlay=none ! \
 *     decodiffpublish method=mqtt address=broker.local topic=factory/line1/{class} \
 *     snapshot-location=/var/lib/rejects ! fakesink
 * ]| Sends one MQTT message per inspected frame to broker.local and saves the
 * rejects (unpainted, since the inspector draws no overlay).
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! decodiffinspect model=model.safetensors mode=live ! \
 *     decodiffpublish method=file location=anomalies.jsonl publish=anomalies ! \
 *     videoconvert ! autovideosink
 * ]| Shows the camera with the heatmap and logs the anomalous frames only.
 *
 * The element is a thin adapter: this file holds its properties and the
 * GStreamer vfuncs; what happens between start() and stop() is a
 * PublishSession (publish/publish_session.h), which knows the destinations
 * only through the Publisher interface (publish/publisher.h). See
 * docs/publish.md.
 */
#include "gstdecodiffpublish.h"

#include <mutex>
#include <string>

#include "property_guard.h"
#include "publish/publish_session.h"

GST_DEBUG_CATEGORY(gst_decodiff_publish_debug);
#define GST_CAT_DEFAULT gst_decodiff_publish_debug

using decodiff::gst::publish::Method;
using decodiff::gst::publish::PublishCounters;
using decodiff::gst::publish::PublishSession;
using decodiff::gst::publish::PublishSettings;
using decodiff::gst::publish::SnapshotFormat;

enum {
  PROP_0,
  /* strings: their values live in strings[prop_id] */
  PROP_LOCATION,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_CA_FILE,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_SNAPSHOT_LOCATION,
  N_STRING_PROPS,
  PROP_METHOD = N_STRING_PROPS,
  PROP_PUBLISH,
  PROP_PORT,
  PROP_QOS,
  PROP_RETAIN,
  PROP_MAX_QUEUED,
  PROP_RECONNECT_DELAY,
  PROP_RECONNECT_DELAY_MAX,
  PROP_SNAPSHOT_FORMAT,
  PROP_SNAPSHOT_MAX_FILES,
  PROP_SNAPSHOT_MAX_BYTES,
  /* read-only counters */
  PROP_SENT,
  PROP_DROPPED,
  PROP_QUEUED,
  PROP_SNAPSHOTS_SAVED,
  PROP_SNAPSHOTS_FAILED,
  PROP_SNAPSHOTS_DROPPED,
};

#define DEFAULT_METHOD GST_DECODIFF_PUBLISH_METHOD_FILE
#define DEFAULT_PUBLISH GST_DECODIFF_PUBLISH_ALL
#define DEFAULT_ADDRESS "localhost"
#define DEFAULT_TOPIC "decodiff/{element}/{class}"
#define DEFAULT_PORT 1883
#define DEFAULT_QOS 1
#define DEFAULT_MAX_QUEUED 1000
#define DEFAULT_RECONNECT_DELAY 1
#define DEFAULT_RECONNECT_DELAY_MAX 30
#define DEFAULT_SNAPSHOT_FORMAT GST_DECODIFF_SNAPSHOT_JPEG
#define DEFAULT_SNAPSHOT_MAX_FILES 3000
#define DEFAULT_SNAPSHOT_MAX_BYTES (G_GUINT64_CONSTANT(1) << 30)

struct _GstDecodiffPublish {
  GstBaseTransform parent;

  /* properties, guarded by the object lock */
  gchar* strings[N_STRING_PROPS];
  GstDecodiffPublishMethod method;
  GstDecodiffPublishWhich which;
  guint port;
  guint qos;
  gboolean retain;
  guint max_queued;
  guint reconnect_delay;
  guint reconnect_delay_max;
  GstDecodiffSnapshotFormat snapshot_format;
  guint snapshot_max_files;
  guint64 snapshot_max_bytes;
  gboolean started; /* between start() and stop(): settings fixed at start are refused */

  std::mutex* session_lock; /* guards session and last_counters (the counters are read from any thread) */
  PublishSession* session;  /* between start() and stop() */
  PublishCounters* last_counters; /* of the last session, after stop() */
};

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE("{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, I420, NV12, YUY2 }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));

G_DEFINE_TYPE(GstDecodiffPublish, gst_decodiff_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE(decodiffpublish, "decodiffpublish", GST_RANK_NONE,
                                      GST_TYPE_DECODIFF_PUBLISH,
                                      GST_DEBUG_CATEGORY_INIT(gst_decodiff_publish_debug, "decodiffpublish",
                                                              0, "decodiff results to files and MQTT"));

/* ------------------------------------------------------------------------ */
/* settings snapshot                                                          */

static std::string text_or(const gchar* value, const char* fallback) { return value ? value : fallback; }

static PublishSettings take_settings(GstDecodiffPublish* self) {
  PublishSettings s;
  gchar* name = gst_element_get_name(self);
  s.element_name = text_or(name, "");
  g_free(name);
  GST_OBJECT_LOCK(self);
  gchar** t = self->strings;
  s.method = self->method == GST_DECODIFF_PUBLISH_METHOD_FILE ? Method::kFile : Method::kMqtt;
  s.location = text_or(t[PROP_LOCATION], "");
  s.mqtt.address = text_or(t[PROP_ADDRESS], "");
  s.mqtt.port = static_cast<int>(self->port);
  s.mqtt.topic = text_or(t[PROP_TOPIC], "");
  s.mqtt.client_id = text_or(t[PROP_CLIENT_ID], "");
  s.mqtt.qos = static_cast<int>(self->qos);
  s.mqtt.retain = self->retain;
  s.mqtt.username = text_or(t[PROP_USERNAME], "");
  s.mqtt.password = text_or(t[PROP_PASSWORD], "");
  s.mqtt.ca_file = text_or(t[PROP_CA_FILE], "");
  s.mqtt.cert_file = text_or(t[PROP_CERT_FILE], "");
  s.mqtt.key_file = text_or(t[PROP_KEY_FILE], "");
  s.mqtt.max_queued = self->max_queued;
  s.mqtt.reconnect_delay = std::chrono::seconds(self->reconnect_delay);
  s.mqtt.reconnect_delay_max = std::chrono::seconds(self->reconnect_delay_max);
  s.snapshot.dir = text_or(t[PROP_SNAPSHOT_LOCATION], "");
  s.snapshot.format =
      self->snapshot_format == GST_DECODIFF_SNAPSHOT_PNG ? SnapshotFormat::kPng : SnapshotFormat::kJpeg;
  s.snapshot.max_files = self->snapshot_max_files;
  s.snapshot.max_bytes = self->snapshot_max_bytes;
  self->started = TRUE;
  GST_OBJECT_UNLOCK(self);
  return s;
}

static PublishCounters current_counters(GstDecodiffPublish* self) {
  std::lock_guard<std::mutex> lock(*self->session_lock);
  return self->session ? self->session->counters() : *self->last_counters;
}

/* ------------------------------------------------------------------------ */
/* GstBaseTransform vfuncs                                                   */

static gboolean gst_decodiff_publish_stop(GstBaseTransform* trans) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(trans);
  PublishSession* session = self->session; /* only start() and stop() change it */
  if (session) {
    session->close(); /* waits for the queues: not under session_lock */
    std::lock_guard<std::mutex> lock(*self->session_lock);
    *self->last_counters = session->counters();
    self->session = NULL;
  }
  delete session;
  GST_OBJECT_LOCK(self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_decodiff_publish_start(GstBaseTransform* trans) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(trans);
  gst_decodiff_publish_stop(trans);
  auto session = PublishSession::start(GST_ELEMENT(self), take_settings(self));
  if (!session) {
    GST_OBJECT_LOCK(self);
    self->started = FALSE;
    GST_OBJECT_UNLOCK(self);
    return FALSE;
  }
  std::lock_guard<std::mutex> lock(*self->session_lock);
  *self->last_counters = PublishCounters();
  self->session = session.release();
  return TRUE;
}

static gboolean gst_decodiff_publish_set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps* outcaps) {
  (void)outcaps;
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(trans);
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, incaps)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("decodiffpublish: cannot read the caps %" GST_PTR_FORMAT, incaps), (NULL));
    return FALSE;
  }
  if (self->session) self->session->set_format(info);
  return TRUE;
}

static GstFlowReturn gst_decodiff_publish_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(trans);
  if (!self->session) return GST_FLOW_OK;
  GST_OBJECT_LOCK(self);
  const bool anomalies_only = self->which == GST_DECODIFF_PUBLISH_ANOMALIES;
  GST_OBJECT_UNLOCK(self);
  try {
    self->session->handle(buffer, anomalies_only);
  } catch (const std::exception& e) { /* e.g. out of memory: the results are lost, the frame is not */
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("decodiffpublish: a result was not published: %s", e.what()),
                        (NULL));
  }
  return GST_FLOW_OK;
}

static gboolean gst_decodiff_publish_sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(trans);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->session)
    gst_element_post_message(GST_ELEMENT(self),
                             gst_message_new_element(GST_OBJECT(self), self->session->counters_structure()));
  return GST_BASE_TRANSFORM_CLASS(gst_decodiff_publish_parent_class)->sink_event(trans, event);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                   */

static void gst_decodiff_publish_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(object);
  GST_OBJECT_LOCK(self);
  const gboolean started = self->started;
  GST_OBJECT_UNLOCK(self);
  if (gst_decodiff_refuse_while_running(GST_ELEMENT(self), pspec, started)) return;
  GST_OBJECT_LOCK(self);
  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS) {
    g_free(self->strings[prop_id]);
    self->strings[prop_id] = g_value_dup_string(value);
  } else {
    switch (prop_id) {
      case PROP_METHOD:
        self->method = static_cast<GstDecodiffPublishMethod>(g_value_get_enum(value));
        break;
      case PROP_PUBLISH:
        self->which = static_cast<GstDecodiffPublishWhich>(g_value_get_enum(value));
        break;
      case PROP_PORT:
        self->port = g_value_get_uint(value);
        break;
      case PROP_QOS:
        self->qos = g_value_get_uint(value);
        break;
      case PROP_RETAIN:
        self->retain = g_value_get_boolean(value);
        break;
      case PROP_MAX_QUEUED:
        self->max_queued = g_value_get_uint(value);
        break;
      case PROP_RECONNECT_DELAY:
        self->reconnect_delay = g_value_get_uint(value);
        break;
      case PROP_RECONNECT_DELAY_MAX:
        self->reconnect_delay_max = g_value_get_uint(value);
        break;
      case PROP_SNAPSHOT_FORMAT:
        self->snapshot_format = static_cast<GstDecodiffSnapshotFormat>(g_value_get_enum(value));
        break;
      case PROP_SNAPSHOT_MAX_FILES:
        self->snapshot_max_files = g_value_get_uint(value);
        break;
      case PROP_SNAPSHOT_MAX_BYTES:
        self->snapshot_max_bytes = g_value_get_uint64(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_decodiff_publish_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(object);
  if (prop_id >= PROP_SENT) {
    const PublishCounters c = current_counters(self);
    const guint64 counters[] = {c.published.sent,  c.published.dropped, c.published.queued,
                                c.snapshots.saved, c.snapshots.failed,  c.snapshots.dropped};
    g_value_set_uint64(value, counters[prop_id - PROP_SENT]);
    return;
  }
  GST_OBJECT_LOCK(self);
  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS) {
    g_value_set_string(value, self->strings[prop_id]);
  } else {
    switch (prop_id) {
      case PROP_METHOD:
        g_value_set_enum(value, self->method);
        break;
      case PROP_PUBLISH:
        g_value_set_enum(value, self->which);
        break;
      case PROP_PORT:
        g_value_set_uint(value, self->port);
        break;
      case PROP_QOS:
        g_value_set_uint(value, self->qos);
        break;
      case PROP_RETAIN:
        g_value_set_boolean(value, self->retain);
        break;
      case PROP_MAX_QUEUED:
        g_value_set_uint(value, self->max_queued);
        break;
      case PROP_RECONNECT_DELAY:
        g_value_set_uint(value, self->reconnect_delay);
        break;
      case PROP_RECONNECT_DELAY_MAX:
        g_value_set_uint(value, self->reconnect_delay_max);
        break;
      case PROP_SNAPSHOT_FORMAT:
        g_value_set_enum(value, self->snapshot_format);
        break;
      case PROP_SNAPSHOT_MAX_FILES:
        g_value_set_uint(value, self->snapshot_max_files);
        break;
      case PROP_SNAPSHOT_MAX_BYTES:
        g_value_set_uint64(value, self->snapshot_max_bytes);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_decodiff_publish_finalize(GObject* object) {
  GstDecodiffPublish* self = GST_DECODIFF_PUBLISH(object);
  gst_decodiff_publish_stop(GST_BASE_TRANSFORM(object));
  for (gchar* s : self->strings) g_free(s);
  delete self->session_lock;
  delete self->last_counters;
  G_OBJECT_CLASS(gst_decodiff_publish_parent_class)->finalize(object);
}

static void install_string(GObjectClass* klass, guint id, const char* name, const char* nick,
                           const char* blurb, const char* default_value, GParamFlags flags) {
  g_object_class_install_property(klass, id, g_param_spec_string(name, nick, blurb, default_value, flags));
}

static void install_counter(GObjectClass* klass, guint id, const char* name, const char* nick,
                            const char* blurb) {
  g_object_class_install_property(
      klass, id,
      g_param_spec_uint64(name, nick, blurb, 0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

static void gst_decodiff_publish_class_init(GstDecodiffPublishClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const GParamFlags ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  const GParamFlags playing = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING);
  const GParamFlags secret =
      static_cast<GParamFlags>(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  gobject_class->set_property = gst_decodiff_publish_set_property;
  gobject_class->get_property = gst_decodiff_publish_get_property;
  gobject_class->finalize = gst_decodiff_publish_finalize;

  /**
   * GstDecodiffPublish:method:
   *
   * Where the JSON objects go: file (JSON lines appended to
   * #GstDecodiffPublish:location) or mqtt (one message each to the broker at
   * #GstDecodiffPublish:address).
   */
  g_object_class_install_property(
      gobject_class, PROP_METHOD,
      g_param_spec_enum("method", "Method", "Where the results go: file (JSON lines at location) or mqtt",
                        gst_decodiff_publish_method_get_type(), DEFAULT_METHOD, ready));
  /**
   * GstDecodiffPublish:publish:
   *
   * Which inspected frames are published: all of them, or the anomalous ones
   * (failed inspections count as anomalous). Stale carry-overs never are. May
   * change while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_PUBLISH,
      g_param_spec_enum("publish", "Publish", "Which inspected frames are published: all or anomalies",
                        gst_decodiff_publish_which_get_type(), DEFAULT_PUBLISH, playing));
  /**
   * GstDecodiffPublish:location:
   *
   * method=file: the JSON-lines file, truncated at start; one line per
   * result, written with one write() each. Required with method=file.
   */
  install_string(gobject_class, PROP_LOCATION, "location", "Location",
                 "method=file: JSON-lines file (truncated at start)", NULL, ready);
  /**
   * GstDecodiffPublish:address:
   *
   * method=mqtt: the broker's host name or IP address (no scheme, no port).
   */
  install_string(gobject_class, PROP_ADDRESS, "address", "Address",
                 "method=mqtt: broker host name or IP address", DEFAULT_ADDRESS, ready);
  /**
   * GstDecodiffPublish:port:
   *
   * method=mqtt: the broker's port (1883 plain, usually 8883 with TLS).
   */
  g_object_class_install_property(
      gobject_class, PROP_PORT,
      g_param_spec_uint("port", "Port", "method=mqtt: broker port", 1, 65535, DEFAULT_PORT, ready));
  /**
   * GstDecodiffPublish:topic:
   *
   * method=mqtt: the topic of each message; {element} is replaced by the
   * inspecting element's name and {class} by the result's class (each made
   * one topic level: '/', '+' and '#' become '_'). No wildcards.
   */
  install_string(
      gobject_class, PROP_TOPIC, "topic", "Topic",
      "method=mqtt: topic; {element} and {class} are replaced by the inspecting element's name and "
      "the class",
      DEFAULT_TOPIC, ready);
  /**
   * GstDecodiffPublish:client-id:
   *
   * method=mqtt: the MQTT client identifier; unset = a random one.
   */
  install_string(gobject_class, PROP_CLIENT_ID, "client-id", "Client id",
                 "method=mqtt: MQTT client identifier; unset = a random one", NULL, ready);
  /**
   * GstDecodiffPublish:qos:
   *
   * method=mqtt: the MQTT quality of service: 0 at most once, 1 at least
   * once (the broker acknowledges each message), 2 exactly once.
   */
  g_object_class_install_property(
      gobject_class, PROP_QOS,
      g_param_spec_uint("qos", "QoS",
                        "method=mqtt: quality of service: 0 at most once, 1 at least once, 2 "
                        "exactly once",
                        0, 2, DEFAULT_QOS, ready));
  /**
   * GstDecodiffPublish:retain:
   *
   * method=mqtt: ask the broker to keep the last message of each topic for
   * clients that subscribe later.
   */
  g_object_class_install_property(
      gobject_class, PROP_RETAIN,
      g_param_spec_boolean("retain", "Retain", "method=mqtt: the broker keeps the last message of each topic",
                           FALSE, ready));
  /**
   * GstDecodiffPublish:username:
   *
   * method=mqtt: the user name to log in with; unset = none.
   */
  install_string(gobject_class, PROP_USERNAME, "username", "User name",
                 "method=mqtt: user name; unset = none", NULL, ready);
  /**
   * GstDecodiffPublish:password:
   *
   * method=mqtt: the password (needs #GstDecodiffPublish:username). Write only.
   */
  g_object_class_install_property(
      gobject_class, PROP_PASSWORD,
      g_param_spec_string("password", "Password", "method=mqtt: password (needs username; write only)", NULL,
                          secret));
  /**
   * GstDecodiffPublish:ca-file:
   *
   * method=mqtt: PEM file of the certificate authorities the broker's
   * certificate is checked against; setting it turns TLS on. Checked at start.
   */
  install_string(
      gobject_class, PROP_CA_FILE, "ca-file", "CA file",
      "method=mqtt: PEM CA certificates; set = TLS (the broker's certificate and name are checked)", NULL,
      ready);
  /**
   * GstDecodiffPublish:cert-file:
   *
   * method=mqtt with TLS: the client's PEM certificate (with
   * #GstDecodiffPublish:key-file) when the broker asks for one.
   */
  install_string(gobject_class, PROP_CERT_FILE, "cert-file", "Certificate file",
                 "method=mqtt with TLS: client certificate (PEM), with key-file", NULL, ready);
  /**
   * GstDecodiffPublish:key-file:
   *
   * method=mqtt with TLS: the unencrypted PEM private key of
   * #GstDecodiffPublish:cert-file.
   */
  install_string(gobject_class, PROP_KEY_FILE, "key-file", "Key file",
                 "method=mqtt with TLS: client private key (unencrypted PEM), with cert-file", NULL, ready);
  /**
   * GstDecodiffPublish:max-queued:
   *
   * method=mqtt: results kept while the broker is away; beyond, the oldest
   * is dropped and counted in #GstDecodiffPublish:dropped.
   */
  g_object_class_install_property(
      gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint("max-queued", "Max queued",
                        "method=mqtt: results kept while the broker is away (the oldest dropped beyond)", 1,
                        G_MAXINT, DEFAULT_MAX_QUEUED, ready));
  /**
   * GstDecodiffPublish:reconnect-delay:
   *
   * method=mqtt: seconds before the first new attempt when the broker cannot
   * be reached; doubled at each failure up to
   * #GstDecodiffPublish:reconnect-delay-max.
   */
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_DELAY,
      g_param_spec_uint("reconnect-delay", "Reconnect delay",
                        "method=mqtt: seconds before the first retry (doubled per failure)", 1, 3600,
                        DEFAULT_RECONNECT_DELAY, ready));
  /**
   * GstDecodiffPublish:reconnect-delay-max:
   *
   * method=mqtt: the longest wait between two connection attempts, in seconds.
   */
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_DELAY_MAX,
      g_param_spec_uint("reconnect-delay-max", "Reconnect delay max",
                        "method=mqtt: longest wait between connection attempts (seconds)", 1, 3600,
                        DEFAULT_RECONNECT_DELAY_MAX, ready));
  /**
   * GstDecodiffPublish:snapshot-location:
   *
   * A folder (created if missing) where every anomalous inspected frame is
   * saved: &lt;time&gt;_f&lt;frame&gt;_&lt;element&gt;_raw.jpg (the frame),
   * _heatmap.jpg (with the anomaly map and regions) and .json (the published
   * object). Unset = no snapshots.
   */
  install_string(gobject_class, PROP_SNAPSHOT_LOCATION, "snapshot-location", "Snapshot location",
                 "Folder for reject images (frame, heatmap, JSON sidecar) of anomalous frames; unset = none",
                 NULL, ready);
  /**
   * GstDecodiffPublish:snapshot-format:
   *
   * The pictures' format: jpeg (quality 95) or png (lossless).
   */
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_FORMAT,
      g_param_spec_enum("snapshot-format", "Snapshot format", "Reject image format: jpeg or png (lossless)",
                        gst_decodiff_snapshot_format_get_type(), DEFAULT_SNAPSHOT_FORMAT, ready));
  /**
   * GstDecodiffPublish:snapshot-max-files:
   *
   * The most snapshot files (three per reject) kept in the folder; the
   * oldest rejects are removed first. 0 = no limit.
   */
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_MAX_FILES,
      g_param_spec_uint("snapshot-max-files", "Snapshot max files",
                        "Most snapshot files kept (3 per reject; oldest removed first); 0 = no limit", 0,
                        G_MAXUINT, DEFAULT_SNAPSHOT_MAX_FILES, ready));
  /**
   * GstDecodiffPublish:snapshot-max-bytes:
   *
   * The most bytes of snapshot files kept in the folder; the oldest rejects
   * are removed first. 0 = no limit.
   */
  g_object_class_install_property(
      gobject_class, PROP_SNAPSHOT_MAX_BYTES,
      g_param_spec_uint64("snapshot-max-bytes", "Snapshot max bytes",
                          "Most bytes of snapshot files kept (oldest removed first); 0 = no limit", 0,
                          G_MAXUINT64, DEFAULT_SNAPSHOT_MAX_BYTES, ready));
  /**
   * GstDecodiffPublish:sent:
   *
   * Results delivered: written (file), acknowledged by the broker (MQTT QoS
   * 1, 2) or handed to the network (QoS 0). Read only.
   */
  install_counter(gobject_class, PROP_SENT, "sent", "Sent", "Results delivered (read only)");
  /**
   * GstDecodiffPublish:dropped:
   *
   * Results lost: the queue was full while the broker was away, or the file
   * could not be written. Read only.
   */
  install_counter(gobject_class, PROP_DROPPED, "dropped", "Dropped",
                  "Results lost (queue overflow, failed writes) (read only)");
  /**
   * GstDecodiffPublish:queued:
   *
   * Results waiting for the broker or not yet acknowledged. Read only.
   */
  install_counter(gobject_class, PROP_QUEUED, "queued", "Queued",
                  "Results waiting for the broker or its acknowledgement (read only)");
  /**
   * GstDecodiffPublish:snapshots-saved:
   *
   * Rejects saved (pictures and sidecar). Read only.
   */
  install_counter(gobject_class, PROP_SNAPSHOTS_SAVED, "snapshots-saved", "Snapshots saved",
                  "Reject snapshots saved (read only)");
  /**
   * GstDecodiffPublish:snapshots-failed:
   *
   * Rejects that could not be saved (folder not writable, disk full). Read only.
   */
  install_counter(gobject_class, PROP_SNAPSHOTS_FAILED, "snapshots-failed", "Snapshots failed",
                  "Reject snapshots that could not be written (read only)");
  /**
   * GstDecodiffPublish:snapshots-dropped:
   *
   * Rejects not saved because the writer was behind (the oldest waiting one
   * goes). Read only.
   */
  install_counter(gobject_class, PROP_SNAPSHOTS_DROPPED, "snapshots-dropped", "Snapshots dropped",
                  "Reject snapshots skipped because the writer was behind (read only)");

  gst_element_class_set_static_metadata(element_class, "DeCo-Diff result publisher", "Filter/Analyzer/Video",
                                        "Publishes decodiffinspect's results as JSON to a file or an MQTT "
                                        "broker and saves reject images; passes the video through",
                                        "decodiff developers");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->start = GST_DEBUG_FUNCPTR(gst_decodiff_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_decodiff_publish_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_decodiff_publish_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_decodiff_publish_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_decodiff_publish_sink_event);

  gst_type_mark_as_plugin_api(gst_decodiff_publish_method_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_decodiff_publish_which_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_decodiff_snapshot_format_get_type(), static_cast<GstPluginAPIFlags>(0));
}

static void gst_decodiff_publish_init(GstDecodiffPublish* self) {
  for (gchar*& s : self->strings) s = NULL;
  self->strings[PROP_ADDRESS] = g_strdup(DEFAULT_ADDRESS);
  self->strings[PROP_TOPIC] = g_strdup(DEFAULT_TOPIC);
  self->method = DEFAULT_METHOD;
  self->which = DEFAULT_PUBLISH;
  self->port = DEFAULT_PORT;
  self->qos = DEFAULT_QOS;
  self->retain = FALSE;
  self->max_queued = DEFAULT_MAX_QUEUED;
  self->reconnect_delay = DEFAULT_RECONNECT_DELAY;
  self->reconnect_delay_max = DEFAULT_RECONNECT_DELAY_MAX;
  self->snapshot_format = DEFAULT_SNAPSHOT_FORMAT;
  self->snapshot_max_files = DEFAULT_SNAPSHOT_MAX_FILES;
  self->snapshot_max_bytes = DEFAULT_SNAPSHOT_MAX_BYTES;
  self->started = FALSE;
  self->session_lock = new std::mutex();
  self->session = NULL;
  self->last_counters = new PublishCounters();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
