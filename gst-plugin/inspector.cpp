#include "inspector.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "engine.h"
#include "schedule.h"

namespace decodiff::gst {
namespace {

// model-instance-id -> engine. Weak pointers: the engine lives as long as one
// element holds it, and the next element with the id after that reloads.
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<Engine>> engines;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: elements may outlive static destruction
  return *r;
}

cv::Mat to_mat(const at::Tensor& t) {
  if (!t.defined() || t.dim() != 2) return {};
  at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
  cv::Mat m(static_cast<int>(c.size(0)), static_cast<int>(c.size(1)), CV_32F);
  std::memcpy(m.data, c.data_ptr<float>(), sizeof(float) * c.numel());
  return m;
}

std::shared_ptr<Engine> load_engine(const InspectorOptions& o) {
  std::error_code ec;
  if (o.model.empty()) throw std::invalid_argument("no model: set the model property to a .safetensors file");
  if (!std::filesystem::is_regular_file(o.model, ec))
    throw std::invalid_argument("model file " + o.model + " does not exist or is not a file");
  EngineOptions eo;
  eo.device = o.device.empty() ? "auto" : o.device;
  eo.precision = parse_precision(o.precision.empty() ? "fp32" : o.precision);
  return Engine::load(o.model, eo);
}

}  // namespace

std::shared_ptr<Inspector> Inspector::open(const InspectorOptions& options, bool* loaded) {
  if (loaded) *loaded = false;
  if (options.instance_id.empty()) {
    auto engine = load_engine(options);
    if (loaded) *loaded = true;
    return std::shared_ptr<Inspector>(new Inspector(std::move(engine)));
  }
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);  // held while loading: a second element waits and shares
  auto it = r.engines.find(options.instance_id);
  if (it != r.engines.end()) {
    if (auto engine = it->second.lock()) {
      std::error_code ec;
      bool same_file = std::filesystem::equivalent(engine->model_path(), options.model, ec);
      if (!same_file || engine->device() != resolve_device(options.device.empty() ? "auto" : options.device))
        throw std::invalid_argument("model-instance-id '" + options.instance_id +
                                    "' is already used for model " + engine->model_path() + " on " +
                                    engine->device().str() +
                                    "; give this element another id or the same model and device");
      return std::shared_ptr<Inspector>(new Inspector(std::move(engine)));
    }
  }
  auto engine = load_engine(options);
  r.engines[options.instance_id] = engine;
  if (loaded) *loaded = true;
  return std::shared_ptr<Inspector>(new Inspector(std::move(engine)));
}

int Inspector::resolve_class(const std::string& name_or_id) const {
  return engine_->resolve_class(name_or_id);
}

std::string Inspector::class_name(int id) const { return engine_->config().class_name(id); }

std::optional<double> Inspector::calibrated_threshold(int class_id) const {
  return engine_->image_threshold(class_id);
}

void Inspector::check_steps(int steps) const {
  if (steps == 0) return;
  respaced_timesteps(engine_->config().diffusion.steps, steps);  // throws naming the legal values
}

std::string Inspector::device_name() const { return engine_->device().str(); }

unsigned Inspector::parallel_calls() const {
  if (!engine_->device().is_cpu()) return 1;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max(1u, cores / static_cast<unsigned>(std::max(1, at::get_num_threads())));
}

std::vector<std::string> Inspector::load_warnings() const { return engine_->load_warnings(); }

std::vector<Inspection> Inspector::inspect(const std::vector<InspectRequest>& requests, int steps) {
  InspectOptions io;
  io.reverse_steps = steps;
  io.want_frame_map = true;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<InspectResult> results = engine_->inspect(requests, io);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::vector<Inspection> out;
  out.reserve(results.size());
  for (const InspectResult& r : results) {
    Inspection i;
    i.score = r.score;
    i.class_id = r.class_id;
    i.anomaly_map = to_mat(r.anomaly_map);
    i.map_rect = r.crop_in_frame;
    i.frame_map = to_mat(r.frame_map);
    i.inspected = r.inspected;
    i.latency_ms = ms;
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace decodiff::gst
