#include "mqtt_publisher.h"

#include <mosquitto.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "mqtt_topic.h"

namespace decodiff::gst::publish {
namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string reason(int rc, int error_number) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(error_number);
  return mosquitto_strerror(rc);
}

// Encrypted keys would make OpenSSL ask for a pass phrase on the terminal.
int no_pass_phrase(char*, int, int, void*) { return 0; }

}  // namespace

MqttPublisher::MqttPublisher(const MqttSettings& settings, PublisherEvents events)
    : settings_(settings), events_(std::move(events)), queue_(settings.max_queued) {
  init_library();
  mosq_ = mosquitto_new(settings_.client_id.empty() ? nullptr : settings_.client_id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error(std::string("cannot create an MQTT client: ") + std::strerror(errno));
  auto fail = [this](const std::string& what, int rc) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    throw std::runtime_error(what + ": " + mosquitto_strerror(rc));
  };
  int rc = mosquitto_threaded_set(mosq_, true);
  if (rc != MOSQ_ERR_SUCCESS) fail("cannot set up the MQTT client", rc);
  if (!settings_.username.empty()) {
    rc = mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                   settings_.password.empty() ? nullptr : settings_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) fail("cannot use username/password", rc);
  }
  if (!settings_.ca_file.empty()) {
    rc = mosquitto_tls_set(mosq_, settings_.ca_file.c_str(), nullptr,
                           settings_.cert_file.empty() ? nullptr : settings_.cert_file.c_str(),
                           settings_.key_file.empty() ? nullptr : settings_.key_file.c_str(), no_pass_phrase);
    if (rc != MOSQ_ERR_SUCCESS) fail("cannot use the TLS files", rc);
  }
  mosquitto_connect_callback_set(mosq_, on_connect);
  mosquitto_disconnect_callback_set(mosq_, on_disconnect);
  mosquitto_publish_callback_set(mosq_, on_publish);
  thread_ = std::thread([this] { run(); });
}

MqttPublisher::~MqttPublisher() { close(std::chrono::milliseconds(0)); }

std::string MqttPublisher::where() const { return settings_.address + ":" + std::to_string(settings_.port); }

void MqttPublisher::publish(Publication publication) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
  }
  queue_.push(std::move(publication));
  pump();
}

void MqttPublisher::pump() {
  std::lock_guard<std::mutex> pumping(pump_mutex_);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!connected_ || stopping_ || in_flight_.size() >= kMaxInFlight) return;
    }
    std::optional<Publication> p = queue_.pop();
    if (!p) return;
    const std::string topic = expand_topic(settings_.topic, p->class_name, p->element);
    int mid = 0;
    const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(p->payload.size()),
                                     p->payload.data(), settings_.qos, settings_.retain);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      changed_.notify_all();
      if (rc == MOSQ_ERR_SUCCESS) {
        if (early_confirms_.erase(mid))
          ++sent_;
        else
          in_flight_.insert(mid);
        continue;
      }
      if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
        queue_.push_front(std::move(*p));  // back in line for the next connection
        return;
      }
      ++lost_;  // e.g. too large for the broker: it would never go through
    }
    // Events are reported without our lock: a handler may read the counters.
    events_({PublisherEvent::Kind::kWarning,
             "MQTT broker " + where() + ": cannot publish a result to \"" + topic +
                 "\": " + mosquitto_strerror(rc) + "; it is dropped",
             ""});
  }
}

void MqttPublisher::on_connect(struct mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttPublisher*>(self_ptr);
  bool announce = false, refused = false;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (rc == 0) {
      self->connected_ = true;
      announce = self->warned_;
      self->warned_ = false;
      self->ever_connected_ = true;
    } else if (!self->warned_) {
      self->warned_ = refused = true;
    }
    self->changed_.notify_all();
  }
  if (refused)
    self->events_(
        {PublisherEvent::Kind::kWarning,
         "MQTT broker " + self->where() + " refused the connection: " + mosquitto_connack_string(rc) +
             "; retrying, results are queued (max-queued " + std::to_string(self->settings_.max_queued) + ")",
         ""});
  if (announce)
    self->events_({PublisherEvent::Kind::kInfo,
                   "Connected to the MQTT broker " + self->where() + "; sending the queued results", ""});
}

void MqttPublisher::on_disconnect(struct mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttPublisher*>(self_ptr);
  bool warn = false;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    const bool was_connected = self->connected_;
    self->connected_ = false;
    if (self->settings_.qos == 0) {
      // libmosquitto forgets QoS 0 messages it had not written yet.
      self->lost_ += self->in_flight_.size();
      self->in_flight_.clear();
    }
    self->changed_.notify_all();
    warn = was_connected && rc != 0 && !self->stopping_ && !self->warned_;
    if (warn) self->warned_ = true;
  }
  if (warn)
    self->events_({PublisherEvent::Kind::kWarning,
                   "Lost the connection to the MQTT broker " + self->where() + " (" + mosquitto_strerror(rc) +
                       "); reconnecting, results are queued (max-queued " +
                       std::to_string(self->settings_.max_queued) + ", the oldest dropped beyond)",
                   ""});
}

void MqttPublisher::on_publish(struct mosquitto*, void* self_ptr, int mid) {
  auto* self = static_cast<MqttPublisher*>(self_ptr);
  std::lock_guard<std::mutex> lock(self->mutex_);
  if (self->in_flight_.erase(mid))
    ++self->sent_;
  else
    self->early_confirms_.insert(mid);
  self->changed_.notify_all();
}

void MqttPublisher::connection_failed(int rc, int error_number) {
  bool first_time = false, ever = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first_time = !warned_ && !stopping_;
    if (first_time) warned_ = true;
    ever = ever_connected_;
  }
  if (!first_time) return;
  events_({PublisherEvent::Kind::kWarning,
           std::string(ever ? "Cannot reconnect to" : "Cannot connect to") + " the MQTT broker " + where() +
               ": " + reason(rc, error_number) + "; retrying (back-off up to " +
               std::to_string(settings_.reconnect_delay_max.count()) +
               " s), results are queued (max-queued " + std::to_string(settings_.max_queued) +
               ", the oldest dropped beyond)",
           ""});
}

void MqttPublisher::run() {
  bool first = true;
  std::chrono::seconds delay = settings_.reconnect_delay;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    errno = 0;
    int rc = first ? mosquitto_connect_async(mosq_, settings_.address.c_str(), settings_.port,
                                             settings_.keepalive_s)
                   : mosquitto_reconnect_async(mosq_);
    first = false;
    int error_number = errno;
    bool was_up = false;
    if (rc == MOSQ_ERR_SUCCESS) {
      for (;;) {
        rc = mosquitto_loop(mosq_, 100, 1);
        error_number = errno;
        if (rc != MOSQ_ERR_SUCCESS) break;
        bool stop = false;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          stop = stopping_;
          was_up = was_up || connected_;
        }
        if (stop) return;
        pump();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      connected_ = false;
    }
    if (was_up) delay = settings_.reconnect_delay;  // the back-off starts again after a good connection
    if (!was_up) connection_failed(rc, error_number);
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, delay, [this] { return stopping_; });
    if (!was_up) delay = std::min(delay * 2, settings_.reconnect_delay_max);
  }
}

PublisherCounters MqttPublisher::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  PublisherCounters c;
  c.sent = sent_;
  c.dropped = queue_.dropped() + lost_;
  c.queued = queue_.size() + in_flight_.size();
  return c;
}

void MqttPublisher::close(std::chrono::milliseconds drain) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    changed_.wait_for(lock, drain,
                      [this] { return !connected_ || (queue_.size() == 0 && in_flight_.empty()); });
    stopping_ = true;
    changed_.notify_all();
  }
  if (mosq_) mosquitto_disconnect(mosq_);  // wakes the loop thread
  if (thread_.joinable()) thread_.join();
  if (mosq_) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
  }
}

}  // namespace decodiff::gst::publish
