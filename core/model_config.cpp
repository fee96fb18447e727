#include "model_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <type_traits>

#include "schedule.h"

namespace decodiff {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxLevels = 8;           // entries of channel_mult / block_out_channels
constexpr int kMaxDiffusionSteps = 10000;  // T; the released models use 10

// nlohmann's get<int> casts whatever number it finds (1e300, 4294967306, -1 for an unsigned): integers
// are checked to be integers within the target type first, so none wraps around or overflows.
template <typename T>
struct IntegerTarget : std::is_integral<T> {
  using type = T;
};
template <>
struct IntegerTarget<bool> : std::false_type {};
template <typename T>
struct IntegerTarget<std::vector<T>> : IntegerTarget<T> {
  using type = T;
};

template <typename I>
bool integer_fits(const json& v) {
  if (v.is_number_unsigned())
    return v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<I>::max());
  if (!v.is_number_integer()) return false;
  const int64_t n = v.get<int64_t>();
  if (n >= 0) return static_cast<uint64_t>(n) <= static_cast<uint64_t>(std::numeric_limits<I>::max());
  if constexpr (std::is_signed_v<I>) {
    return n >= static_cast<int64_t>(std::numeric_limits<I>::min());
  } else {
    return false;
  }
}

// True when every number `v` holds is an integer that fits in T (an integer type or a vector of one).
// Other types than numbers are left to nlohmann's type errors.
template <typename T>
bool integers_fit(const json& v) {
  if constexpr (std::is_integral_v<T>) {
    return integer_fits<T>(v);
  } else {
    if (!v.is_array()) return true;
    return std::all_of(v.begin(), v.end(), integer_fits<typename IntegerTarget<T>::type>);
  }
}

template <typename T>
std::string integer_range() {
  using I = typename IntegerTarget<T>::type;
  const std::string range = "an integer in " + std::to_string(std::numeric_limits<I>::min()) + ".." +
                            std::to_string(std::numeric_limits<I>::max());
  return std::is_integral_v<T> ? range : "a list of integers, each " + range.substr(3);
}

class Reader {
 public:
  Reader(const json& doc, std::string source) : doc_(doc), source_(std::move(source)) {}

  const json& section(const char* name) const {
    if (!doc_.contains(name) || !doc_[name].is_object()) fail(std::string("missing section '") + name + "'");
    return doc_[name];
  }
  template <typename T>
  T get(const json& obj, const char* section, const char* key) const {
    if (!obj.contains(key)) fail(std::string("missing key '") + section + "." + key + "'");
    const json& value = obj[key];
    if constexpr (IntegerTarget<T>::value) {
      if (!integers_fit<T>(value))
        fail(std::string("key '") + section + "." + key + "' must be " + integer_range<T>() + ", got " +
             value.dump());
    }
    try {
      return value.get<T>();
    } catch (const json::exception&) {
      fail(std::string("key '") + section + "." + key + "' has the wrong type: " + value.dump());
    }
  }
  template <typename T>
  T get_or(const json& obj, const char* section, const char* key, T fallback) const {
    return obj.contains(key) ? get<T>(obj, section, key) : fallback;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFileError(source_ + ": model metadata: " + what);
  }

 private:
  const json& doc_;
  std::string source_;
};

}  // namespace

ModelConfig ModelConfig::from_json(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw ModelFileError(source + ": model metadata 'decodiff' is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw ModelFileError(source + ": model metadata 'decodiff' is not a JSON object");
  Reader r(doc, source);
  ModelConfig c;
  if (!doc.contains("format_version")) r.fail("missing key 'format_version'");
  c.format_version = r.get<int>(doc, "", "format_version");
  if (c.format_version != kFormatVersion)
    r.fail("format_version " + std::to_string(c.format_version) +
           " is not supported (this build reads version " + std::to_string(kFormatVersion) + ")");

  const json& u = r.section("unet");
  c.unet.model_channels = r.get<int64_t>(u, "unet", "model_channels");
  c.unet.num_heads = r.get<int64_t>(u, "unet", "num_heads");
  c.unet.num_res_blocks = r.get<int64_t>(u, "unet", "num_res_blocks");
  c.unet.channel_mult = r.get<std::vector<int64_t>>(u, "unet", "channel_mult");
  c.unet.attention_resolutions = r.get<std::vector<int64_t>>(u, "unet", "attention_resolutions");
  c.unet.context_dim = r.get<int64_t>(u, "unet", "context_dim");
  c.unet.transformer_depth = r.get_or<int64_t>(u, "unet", "transformer_depth", 1);
  c.unet.ncls = r.get<int64_t>(u, "unet", "ncls");
  c.unet.in_channels = r.get_or<int64_t>(u, "unet", "in_channels", 4);
  c.unet.out_channels = r.get_or<int64_t>(u, "unet", "out_channels", 4);

  const json& v = r.section("vae");
  c.vae.block_out_channels = r.get<std::vector<int64_t>>(v, "vae", "block_out_channels");
  c.vae.layers_per_block = r.get<int64_t>(v, "vae", "layers_per_block");
  c.vae.latent_channels = r.get<int64_t>(v, "vae", "latent_channels");
  c.vae.norm_num_groups = r.get<int64_t>(v, "vae", "norm_num_groups");
  c.vae.scaling_factor = r.get<double>(v, "vae", "scaling_factor");
  c.vae.in_channels = r.get_or<int64_t>(v, "vae", "in_channels", 3);
  c.vae.out_channels = r.get_or<int64_t>(v, "vae", "out_channels", 3);

  const json& d = r.section("diffusion");
  c.diffusion.steps = r.get<int>(d, "diffusion", "steps");
  c.diffusion.schedule = r.get<std::string>(d, "diffusion", "schedule");
  c.diffusion.reverse_steps = r.get<int>(d, "diffusion", "reverse_steps");

  const json& in = r.section("input");
  c.input.resize = r.get<int>(in, "input", "resize");
  c.input.crop = r.get<int>(in, "input", "crop");

  if (!doc.contains("classes")) r.fail("missing key 'classes'");
  c.classes = r.get<std::vector<std::string>>(doc, "", "classes");

  if (doc.contains("anomaly_map")) {
    const json& a = r.section("anomaly_map");
    c.anomaly_map.pixel_clip = r.get_or<double>(a, "anomaly_map", "pixel_clip", 0.4);
    c.anomaly_map.pixel_sigma = r.get_or<double>(a, "anomaly_map", "pixel_sigma", 3.0);
    c.anomaly_map.latent_clip = r.get_or<double>(a, "anomaly_map", "latent_clip", 0.2);
    c.anomaly_map.latent_sigma = r.get_or<double>(a, "anomaly_map", "latent_sigma", 1.0);
    c.anomaly_map.fusion = r.get_or<std::string>(a, "anomaly_map", "fusion", "geometric");
  }
  if (doc.contains("calibration")) c.calibration = Calibration::from_json(r.section("calibration"), source);
  if (doc.contains("training")) c.training = doc["training"];
  if (doc.contains("fingerprint")) c.fingerprint = Fingerprint::from_json(r.section("fingerprint"), source);
  c.validate(source);
  return c;
}

void ModelConfig::validate(const std::string& source) const {
  auto fail = [&](const std::string& what) { throw ModelFileError(source + ": model metadata: " + what); };
  if (classes.empty()) fail("'classes' is empty");
  if (static_cast<int64_t>(classes.size()) > unet.ncls)
    fail(std::to_string(classes.size()) + " classes but unet.ncls is " + std::to_string(unet.ncls));
  if (unet.model_channels <= 0 || unet.num_heads <= 0 || unet.model_channels % unet.num_heads)
    fail("unet.model_channels must be a positive multiple of unet.num_heads");
  // Each level halves the resolution (the factors below are shifts by the level count); 8 levels already
  // reduce 128-fold, and an unbounded count would overflow the shift.
  if (vae.block_out_channels.empty() || vae.block_out_channels.size() > kMaxLevels)
    fail("vae.block_out_channels must have 1.." + std::to_string(kMaxLevels) + " entries");
  if (unet.channel_mult.empty() || unet.channel_mult.size() > kMaxLevels)
    fail("unet.channel_mult must have 1.." + std::to_string(kMaxLevels) + " entries");
  if (diffusion.steps < 1 || diffusion.steps > kMaxDiffusionSteps)
    fail("diffusion.steps must be in 1.." + std::to_string(kMaxDiffusionSteps) + ", got " +
         std::to_string(diffusion.steps));
  if (input.crop <= 0 || input.resize < input.crop) fail("input.resize must be >= input.crop > 0");
  const int64_t factor = vae_downsample_factor();
  const int64_t unet_factor = int64_t{1} << (unet.channel_mult.size() - 1);
  if (input.crop % (factor * unet_factor))
    fail("input.crop " + std::to_string(input.crop) + " must be a multiple of " +
         std::to_string(factor * unet_factor) + " (VAE x UNet downsampling)");
  if (anomaly_map.fusion != "geometric" && anomaly_map.fusion != "arithmetic")
    fail("anomaly_map.fusion must be 'geometric' or 'arithmetic', not '" + anomaly_map.fusion + "'");
  try {
    NoiseSchedule schedule(diffusion.steps, diffusion.schedule);
    respaced_timesteps(diffusion.steps, diffusion.reverse_steps);
  } catch (const std::exception& e) {
    fail(std::string("diffusion: ") + e.what());
  }
  if (fingerprint && fingerprint->supported()) {
    if (std::find(classes.begin(), classes.end(), fingerprint->class_name) == classes.end())
      fail("fingerprint.probe.class '" + fingerprint->class_name + "' is not one of the model's classes");
    try {
      respaced_timesteps(diffusion.steps, fingerprint->reverse_steps);
    } catch (const std::exception& e) {
      fail(std::string("fingerprint.probe.reverse_steps: ") + e.what());
    }
  }
}

std::string ModelConfig::to_json() const {
  json doc;
  doc["format_version"] = format_version;
  doc["unet"] = {{"model_channels", unet.model_channels},
                 {"num_heads", unet.num_heads},
                 {"num_res_blocks", unet.num_res_blocks},
                 {"channel_mult", unet.channel_mult},
                 {"attention_resolutions", unet.attention_resolutions},
                 {"context_dim", unet.context_dim},
                 {"transformer_depth", unet.transformer_depth},
                 {"ncls", unet.ncls},
                 {"in_channels", unet.in_channels},
                 {"out_channels", unet.out_channels}};
  doc["vae"] = {{"block_out_channels", vae.block_out_channels},
                {"layers_per_block", vae.layers_per_block},
                {"latent_channels", vae.latent_channels},
                {"norm_num_groups", vae.norm_num_groups},
                {"scaling_factor", vae.scaling_factor}};
  doc["diffusion"] = {{"steps", diffusion.steps},
                      {"schedule", diffusion.schedule},
                      {"reverse_steps", diffusion.reverse_steps}};
  doc["input"] = {{"resize", input.resize}, {"crop", input.crop}};
  doc["classes"] = classes;
  doc["anomaly_map"] = {{"pixel_clip", anomaly_map.pixel_clip},
                        {"pixel_sigma", anomaly_map.pixel_sigma},
                        {"latent_clip", anomaly_map.latent_clip},
                        {"latent_sigma", anomaly_map.latent_sigma},
                        {"fusion", anomaly_map.fusion}};
  if (calibration.image_threshold || calibration.pixel_threshold) {
    json k = calibration.provenance.is_object() ? calibration.provenance : json::object();
    if (calibration.image_threshold) k["image_threshold"] = *calibration.image_threshold;
    if (calibration.pixel_threshold) k["pixel_threshold"] = *calibration.pixel_threshold;
    if (!calibration.method.empty()) k["method"] = calibration.method;
    if (!calibration.per_class.empty()) {
      json pc = json::object();
      for (const auto& [name, t] : calibration.per_class) {
        json entry = json::object();
        if (t.image_threshold) entry["image_threshold"] = *t.image_threshold;
        if (t.pixel_threshold) entry["pixel_threshold"] = *t.pixel_threshold;
        pc[name] = entry;
      }
      k["per_class"] = pc;
    }
    doc["calibration"] = k;
  }
  if (!training.is_null()) doc["training"] = training;
  if (fingerprint) doc["fingerprint"] = fingerprint->to_json();
  return doc.dump();
}

Calibration Calibration::from_json(const nlohmann::json& k, const std::string& source) {
  const json doc = {{"calibration", k}};
  const Reader r(doc, source);
  Calibration c;
  if (k.contains("image_threshold")) c.image_threshold = r.get<double>(k, "calibration", "image_threshold");
  if (k.contains("pixel_threshold")) c.pixel_threshold = r.get<double>(k, "calibration", "pixel_threshold");
  c.method = r.get_or<std::string>(k, "calibration", "method", "");
  if (k.contains("per_class")) {
    const json& pc = k["per_class"];
    if (!pc.is_object()) r.fail("key 'calibration.per_class' must be an object, got " + pc.dump());
    for (const auto& [name, t] : pc.items()) {
      const std::string where = "calibration.per_class." + name;
      if (!t.is_object()) r.fail("key '" + where + "' must be an object, got " + t.dump());
      Thresholds th;
      if (t.contains("image_threshold"))
        th.image_threshold = r.get<double>(t, where.c_str(), "image_threshold");
      if (t.contains("pixel_threshold"))
        th.pixel_threshold = r.get<double>(t, where.c_str(), "pixel_threshold");
      c.per_class[name] = th;
    }
  }
  c.provenance = k;
  for (const char* key : {"image_threshold", "pixel_threshold", "method", "per_class"})
    c.provenance.erase(key);
  return c;
}

Fingerprint Fingerprint::from_json(const nlohmann::json& f, const std::string& source) {
  const json doc = {{"fingerprint", f}};
  const Reader r(doc, source);
  Fingerprint fp;
  fp.version = r.get<int>(f, "fingerprint", "version");
  if (fp.version != kVersion) {
    fp.unsupported = f;
    return fp;
  }
  auto object = [&](const char* key) -> const json& {
    if (!f.contains(key) || !f[key].is_object())
      r.fail(std::string("missing section 'fingerprint.") + key + "'");
    return f[key];
  };
  auto finite = [&](const json& obj, const char* section, const char* key, bool non_negative) {
    const double v = r.get<double>(obj, section, key);
    if (!std::isfinite(v) || (non_negative && v < 0))
      r.fail(std::string("key '") + section + "." + key + "' must be a finite" +
             (non_negative ? " non-negative" : "") + " number, got " + obj[key].dump());
    return v;
  };
  const json& probe = object("probe");
  fp.seed = r.get<uint64_t>(probe, "fingerprint.probe", "seed");
  fp.class_name = r.get<std::string>(probe, "fingerprint.probe", "class");
  fp.reverse_steps = r.get<int>(probe, "fingerprint.probe", "reverse_steps");
  const json& e = object("expected");
  fp.expected.score = finite(e, "fingerprint.expected", "score", false);
  fp.expected.map_mean = finite(e, "fingerprint.expected", "map_mean", false);
  fp.expected.map_std = finite(e, "fingerprint.expected", "map_std", false);
  fp.expected.vae_error = finite(e, "fingerprint.expected", "vae_error", false);
  fp.expected.latent_change = finite(e, "fingerprint.expected", "latent_change", false);
  const json& t = object("tolerance");
  fp.tolerance.float32 = finite(t, "fingerprint.tolerance", "fp32", true);
  fp.tolerance.reduced_precision = finite(t, "fingerprint.tolerance", "reduced_precision", true);
  fp.provenance = f;
  for (const char* key : {"version", "probe", "expected", "tolerance"}) fp.provenance.erase(key);
  return fp;
}

nlohmann::json Fingerprint::to_json() const {
  if (!supported()) return unsupported;
  json f = provenance.is_object() ? provenance : json::object();
  f["version"] = version;
  f["probe"] = {{"seed", seed}, {"class", class_name}, {"reverse_steps", reverse_steps}};
  f["expected"] = {{"score", expected.score},
                   {"map_mean", expected.map_mean},
                   {"map_std", expected.map_std},
                   {"vae_error", expected.vae_error},
                   {"latent_change", expected.latent_change}};
  f["tolerance"] = {{"fp32", tolerance.float32}, {"reduced_precision", tolerance.reduced_precision}};
  return f;
}

Thresholds Calibration::for_class(const std::string& class_name) const {
  Thresholds t{image_threshold, pixel_threshold};
  const auto it = per_class.find(class_name);
  if (it != per_class.end()) {
    if (it->second.image_threshold) t.image_threshold = it->second.image_threshold;
    if (it->second.pixel_threshold) t.pixel_threshold = it->second.pixel_threshold;
  }
  return t;
}

int ModelConfig::class_id(const std::string& name_or_id) const {
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i] == name_or_id) return static_cast<int>(i);
  if (!name_or_id.empty() && std::all_of(name_or_id.begin(), name_or_id.end(), ::isdigit) &&
      name_or_id.size() < 9) {
    const int id = std::stoi(name_or_id);
    if (id < static_cast<int>(classes.size())) return id;
  }
  std::string known;
  for (size_t i = 0; i < classes.size(); ++i) known += (i ? ", " : "") + std::to_string(i) + "=" + classes[i];
  throw std::invalid_argument("unknown class '" + name_or_id + "'; this model knows: " + known);
}

std::string ModelConfig::class_name(int id) const {
  if (id < 0 || id >= static_cast<int>(classes.size()))
    throw std::invalid_argument("class id " + std::to_string(id) + " outside 0.." +
                                std::to_string(classes.size() - 1));
  return classes[id];
}

}  // namespace decodiff
