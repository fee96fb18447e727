#include "engine.h"

#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "cuda_graph.h"
#include "deviation_sampler.h"
#include "fingerprint.h"
#include "host_transfer.h"
#include "nn/module_utils.h"
#include "pillow_resize.h"
#include "preprocess.h"

namespace decodiff {

Precision parse_precision(const std::string& name) {
  if (name == "fp32" || name == "float32" || name == "float") return Precision::kFloat32;
  if (name == "fp16" || name == "float16" || name == "half") return Precision::kFloat16;
  if (name == "bf16" || name == "bfloat16") return Precision::kBFloat16;
  throw std::invalid_argument("unknown precision '" + name + "' (use fp32, fp16 or bf16)");
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::kFloat16:
      return "fp16";
    case Precision::kBFloat16:
      return "bf16";
    default:
      return "fp32";
  }
}

Layout parse_layout(const std::string& name) {
  if (name == "auto") return Layout::kAuto;
  if (name == "contiguous") return Layout::kContiguous;
  if (name == "channels-last" || name == "channels_last") return Layout::kChannelsLast;
  throw std::invalid_argument("unknown layout '" + name + "' (use auto, contiguous or channels-last)");
}

std::string to_string(Layout layout) {
  switch (layout) {
    case Layout::kContiguous:
      return "contiguous";
    case Layout::kChannelsLast:
      return "channels-last";
    default:
      return "auto";
  }
}

namespace {

at::ScalarType scalar_type(Precision p) {
  switch (p) {
    case Precision::kFloat16:
      return at::kHalf;
    case Precision::kBFloat16:
      return at::kBFloat16;
    default:
      return at::kFloat;
  }
}

}  // namespace

at::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (name == "cpu") return at::kCPU;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (name.size() > 5) {
      const std::string digits = name.substr(5);
      if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
        throw std::invalid_argument("bad device '" + name + "' (use auto, cpu, cuda or cuda:N)");
      index = std::stoi(digits);
    }
    const int count = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
    if (count == 0)
      throw std::invalid_argument("device '" + name + "' requested but no CUDA GPU is available here");
    if (index >= count)
      throw std::invalid_argument("device '" + name + "' requested but only " + std::to_string(count) +
                                  " CUDA device(s) exist");
    return at::Device(at::kCUDA, static_cast<at::DeviceIndex>(index));
  }
  throw std::invalid_argument("bad device '" + name + "' (use auto, cpu, cuda or cuda:N)");
}

namespace {

// The device of `options`, after checking that the precision runs there. On
// CUDA in fp32, TF32 is switched off (process-wide): cuDNN would otherwise run
// fp32 convolutions in TF32 on Ampere and later GPUs, about 1e-3 away from the
// reference's numbers; fp16/bf16 are the fast modes.
at::Device prepare_device(const EngineOptions& options) {
  const at::Device device = resolve_device(options.device);
  if (device.is_cpu() && options.precision == Precision::kFloat16)
    throw std::invalid_argument("fp16 is not supported on the CPU (use fp32 or bf16)");
  if (!device.is_cuda() && (options.cuda_graphs || options.cudnn_benchmark || options.pinned_copies))
    throw std::invalid_argument("CUDA graphs, cuDNN benchmarking and pinned copies need a CUDA device, not " +
                                device.str());
  if (device.is_cuda() && options.precision == Precision::kFloat32) {
    for (at::Float32Op op : {at::Float32Op::CONV, at::Float32Op::MATMUL})
      at::globalContext().setFloat32Precision(at::Float32Backend::CUDA, op, at::Float32Precision::IEEE);
  }
  return device;
}

}  // namespace

std::shared_ptr<Engine> Engine::load(const std::string& model_path, const EngineOptions& options) {
  const at::Device device = prepare_device(options);
  LoadedModel model = load_model_file(model_path, device, scalar_type(options.precision));
  std::shared_ptr<Engine> engine(new Engine(std::move(model), model_path, device, options));
  if (!options.verify_fingerprint) return engine;
  const std::optional<Fingerprint>& fingerprint = engine->config().fingerprint;
  if (!fingerprint) {
    engine->load_warnings_.push_back(
        model_path +
        ": the model has no fingerprint, so loading cannot check that it computes what it was trained to "
        "(add one: scripts/add-fingerprint.sh " +
        model_path + ")");
  } else if (!fingerprint->supported()) {
    engine->load_warnings_.push_back(model_path + ": fingerprint version " +
                                     std::to_string(fingerprint->version) + " is not read by this build (" +
                                     std::to_string(Fingerprint::kVersion) + "); not checked");
  } else {
    verify_fingerprint(*engine, *fingerprint, model_path);
  }
  return engine;
}

std::shared_ptr<Engine> Engine::from_model(LoadedModel model, const EngineOptions& options,
                                           const std::string& label) {
  const at::Device device = prepare_device(options);
  model.config.validate(label);
  model.unet->eval();
  model.vae->eval();
  model.unet->to(device, scalar_type(options.precision));
  model.vae->to(device, scalar_type(options.precision));
  return std::shared_ptr<Engine>(new Engine(std::move(model), label, device, options));
}

struct Engine::DeviceIo {
  DeviceIo(at::Device device, bool pinned) : transfer(device, pinned) {}
  HostTransfer transfer;
  std::map<std::pair<int64_t, int>, std::unique_ptr<GraphedFunction>> graphs;  // by (batch, steps)
};

Engine::Engine(LoadedModel model, std::string model_path, at::Device device, const EngineOptions& options)
    : model_(std::move(model)),
      model_path_(std::move(model_path)),
      device_(device),
      options_(options),
      io_(std::make_unique<DeviceIo>(device, options.pinned_copies)) {
  if (options_.layout == Layout::kAuto) options_.layout = Layout::kContiguous;
  if (options_.cudnn_benchmark) at::globalContext().setBenchmarkCuDNN(true);
  const bool channels_last = options_.layout == Layout::kChannelsLast;
  nn::set_weight_layout(*model_.unet, channels_last);
  nn::set_weight_layout(*model_.vae, channels_last);
}

Engine::~Engine() = default;

EngineOutputs Engine::run(const at::Tensor& input, const at::Tensor& class_ids, int reverse_steps,
                          bool keep_steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_locked(input, class_ids, reverse_steps, keep_steps);
}

EngineOutputs Engine::run_locked(const at::Tensor& input, const at::Tensor& class_ids, int reverse_steps,
                                 bool keep_steps) {
  c10::InferenceMode guard;
  const auto& cfg = model_.config;
  const int crop = cfg.input.crop;
  if (input.dim() != 4 || input.size(1) != 3 || input.size(2) != crop || input.size(3) != crop) {
    std::ostringstream msg;
    msg << "input must be [B, 3, " << crop << ", " << crop << "], got " << input.sizes();
    throw std::invalid_argument(msg.str());
  }
  if (class_ids.dim() != 1 || class_ids.size(0) != input.size(0))
    throw std::invalid_argument("class_ids must be [B] with B = " + std::to_string(input.size(0)));
  auto ids = class_ids.to(at::kLong);
  const int64_t n_classes = static_cast<int64_t>(cfg.classes.size());
  if (ids.numel() && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= n_classes))
    throw std::invalid_argument("class id outside 0.." + std::to_string(n_classes - 1));
  ids = ids.to(device_);
  const int steps = reverse_steps > 0 ? reverse_steps : cfg.diffusion.reverse_steps;
  // Fails here, before any capture, when the step count cannot be respaced.
  respaced_timesteps(cfg.diffusion.steps, steps);

  EngineOutputs out;
  out.input = input.to(device_, at::kFloat);
  std::vector<at::Tensor> r;
  const int64_t b = input.size(0);
  constexpr size_t kMaxGraphs = 8;  // each holds its own activation memory
  const auto key = std::make_pair(b, steps);
  auto& graphs = io_->graphs;
  if (options_.cuda_graphs && !keep_steps && (graphs.count(key) || graphs.size() < kMaxGraphs)) {
    auto it = graphs.find(key);
    if (it == graphs.end()) {
      auto fn = [this, steps](const std::vector<at::Tensor>& in) {
        return correct_and_decode(in[0], in[1], steps, {});
      };
      it = graphs.emplace(key, std::make_unique<GraphedFunction>(fn, std::vector<at::Tensor>{out.input, ids}))
               .first;
    }
    r = (*it->second)({out.input, ids});
  } else {
    DeviationSampler::StepObserver keep;
    if (keep_steps) keep = [&out](int, const at::Tensor& x) { out.step_latents.push_back(x); };
    r = correct_and_decode(out.input, ids, steps, keep);
  }
  out.latent = r[0];
  out.latent_rec = r[1];
  out.image_rec = r[2].narrow(0, 0, b);
  out.image_x0 = r[2].narrow(0, b, b);
  out.maps = compute_anomaly_maps(out.image_rec, out.image_x0, out.latent_rec, out.latent, cfg.anomaly_map);
  return out;
}

std::vector<at::Tensor> Engine::correct_and_decode(const at::Tensor& input, const at::Tensor& ids, int steps,
                                                   const DeviationSampler::StepObserver& after_step) {
  const auto& cfg = model_.config;
  const DeviationSampler sampler(NoiseSchedule(cfg.diffusion.steps, cfg.diffusion.schedule), steps);
  const float scaling = static_cast<float>(cfg.vae.scaling_factor);
  auto moments = model_.vae->encode_moments(input.to(scalar_type(options_.precision)));
  auto latent = moments.narrow(1, 0, cfg.vae.latent_channels) * scaling;
  auto latent_rec = sampler.correct(model_.unet, latent, ids, after_step);
  // Both decodes in one batched call: [rec ; x0].
  auto decoded = model_.vae->decode(at::cat({latent_rec, latent}) / scaling);
  return {latent, latent_rec, decoded};
}

at::Tensor Engine::preprocess(const std::vector<InspectRequest>& requests) {
  const auto& in = model_.config.input;
  std::vector<at::Tensor> batch;
  for (const auto& r : requests) {
    const ImageView& f = r.frame;
    if (const std::string problem = image_view_problem(f); !problem.empty())
      throw std::invalid_argument("frame: " + problem);
    if (f.channels != 3) throw std::invalid_argument("a frame has three channels (R, G, B)");
    const Rect roi = r.roi.empty() ? Rect{0, 0, f.width, f.height} : r.roi;
    if (roi.x < 0 || roi.y < 0 || int64_t{roi.x} + roi.width > f.width ||
        int64_t{roi.y} + roi.height > f.height)
      throw std::invalid_argument("roi " + std::to_string(roi.x) + "," + std::to_string(roi.y) + "," +
                                  std::to_string(roi.width) + "," + std::to_string(roi.height) +
                                  " is outside the " + std::to_string(f.width) + "x" +
                                  std::to_string(f.height) + " frame");
    if (device_.is_cpu()) {
      // Pillow's resize, exactly, straight from the frame's bytes.
      auto rgb = pillow_resize_bicubic(f.region(roi), in.resize, in.resize);
      auto resized =
          at::from_blob(rgb.data(), {1, in.resize, in.resize, 3}, at::TensorOptions().dtype(at::kByte))
              .permute({0, 3, 1, 2});
      batch.push_back(crop_normalize(resized, in.crop));
      continue;
    }
    // On a GPU the region goes up as it is (one host copy, into the staging
    // buffer) and the channels are picked and the frame resized there.
    auto host = at::from_blob(const_cast<uint8_t*>(f.data), {f.height, f.width, f.pixel_stride},
                              {f.row_stride, f.pixel_stride, 1}, at::TensorOptions().dtype(at::kByte));
    auto region = io_->transfer.upload(host.narrow(0, roi.y, roi.height).narrow(1, roi.x, roi.width));
    auto rgb = at::stack({region.select(2, f.channel_offset[0]), region.select(2, f.channel_offset[1]),
                          region.select(2, f.channel_offset[2])})
                   .unsqueeze(0);
    batch.push_back(resize_crop_normalize(rgb, in.resize, in.crop));
  }
  return at::cat(batch);
}

std::vector<InspectResult> Engine::inspect(const std::vector<InspectRequest>& requests,
                                           const InspectOptions& options) {
  std::vector<InspectResult> results;
  if (requests.empty()) return results;
  // On a CPU nothing here is shared between calls (no graphs, no staging
  // buffers): calls may run side by side, one per core (docs/element.md,
  // "Several cameras on one engine"). A GPU sees one call at a time.
  std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
  if (!device_.is_cpu()) lock.lock();
  c10::InferenceMode guard;
  auto input = preprocess(requests);
  std::vector<int64_t> ids;
  for (const auto& r : requests) ids.push_back(r.class_id);
  auto out =
      run_locked(input, at::tensor(ids, at::TensorOptions().dtype(at::kLong)), options.reverse_steps, false);
  auto fused = io_->transfer.download(out.maps.fused).contiguous();
  auto scores = io_->transfer.download(out.maps.score);
  at::Tensor rec;
  if (options.want_reconstruction)
    rec = io_->transfer.download(
        ((out.image_rec.to(at::kFloat).clamp(-1, 1) * 127.5 + 127.5).to(at::kByte)).permute({0, 2, 3, 1}));

  const auto& in = model_.config.input;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    InspectResult res;
    res.class_id = r.class_id;
    res.score = scores[i].item<float>();
    res.anomaly_map = fused[i];
    if (rec.defined()) res.reconstruction = rec[i].contiguous();
    res.inspected = r.roi.empty() ? Rect{0, 0, r.frame.width, r.frame.height} : r.roi;
    // The crop's footprint on the inspected region (the resize squashes both axes).
    const double sx = static_cast<double>(res.inspected.width) / in.resize;
    const double sy = static_cast<double>(res.inspected.height) / in.resize;
    const int off = center_crop_offset(in.resize, in.crop);
    const int x0 = static_cast<int>(std::lround(off * sx)), y0 = static_cast<int>(std::lround(off * sy));
    const int w = std::max(1, static_cast<int>(std::lround(in.crop * sx)));
    const int h = std::max(1, static_cast<int>(std::lround(in.crop * sy)));
    res.crop_in_frame = Rect{res.inspected.x + x0, res.inspected.y + y0, w, h};
    if (options.want_frame_map) {
      auto map = at::zeros({res.inspected.height, res.inspected.width}, at::kFloat);
      auto scaled =
          at::upsample_bilinear2d(res.anomaly_map.view({1, 1, in.crop, in.crop}), {h, w}, false).view({h, w});
      const int hh = std::min(h, res.inspected.height - y0), ww = std::min(w, res.inspected.width - x0);
      map.narrow(0, y0, hh).narrow(1, x0, ww).copy_(scaled.narrow(0, 0, hh).narrow(1, 0, ww));
      res.frame_map = map;
    }
    results.push_back(std::move(res));
  }
  return results;
}

}  // namespace decodiff
