#include "bench_runner.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <sys/resource.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "decodiff_config.h"
#include "deviation_sampler.h"
#include "flop_counter.h"
#include "nn/module_utils.h"
#if DECODIFF_HAVE_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace decodiff::bench {
namespace {

using Clock = std::chrono::steady_clock;

void sync(const at::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int64_t peak_memory_bytes(const at::Device& d) {
#if DECODIFF_HAVE_TORCH_CUDA
  if (d.is_cuda()) {
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(d.index());
    return stats.allocated_bytes[0].peak;
  }
#endif
  (void)d;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace

LoadedModel preset_model(const std::string& preset, int size, int ncls) {
  at::manual_seed(0);  // the same weights for every variant of one run
  LoadedModel m;
  m.config.unet = nn::unet_preset(preset, ncls);
  m.config.vae = nn::VaeConfig{};  // Stable Diffusion's
  m.config.input.crop = size;
  m.config.input.resize = size * 9 / 8;
  for (int i = 0; i < ncls; ++i) m.config.classes.push_back("class" + std::to_string(i));
  m.unet = nn::UNetModel(m.config.unet);
  m.vae = nn::AutoencoderKL(m.config.vae);
  // The reference initialises the UNet's last convolutions to zero, which would
  // make the correction a no-op and a precision comparison meaningless.
  at::NoGradGuard no_grad;
  for (auto& p : m.unet->parameters())
    if (p.dim() == 4 && p.abs().max().item<float>() == 0) p.normal_(0, 0.02);
  return m;
}

double max_map_difference(Engine& engine, Engine& reference, int batch) {
  c10::InferenceMode guard;
  const int crop = engine.config().input.crop;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1234);
  auto input = at::rand({batch, 3, crop, crop}, gen) * 2 - 1;
  auto ids = at::arange(batch, at::kLong).remainder(static_cast<int64_t>(engine.config().classes.size()));
  auto a = engine.run(input, ids).maps.fused.to(at::kCPU, at::kDouble);
  auto b = reference.run(input, ids).maps.fused.to(at::kCPU, at::kDouble);
  return (a - b).abs().max().item<double>();
}

nlohmann::json run_case(Engine& engine, const BenchCase& c,
                        const std::function<void(const std::string&)>& log) {
  c10::InferenceMode guard;
  auto& model = engine.model();
  const auto& cfg = model.config;
  const at::Device dev = engine.device();
  const int steps = c.steps > 0 ? c.steps : cfg.diffusion.reverse_steps;
  const int fw = c.frame_width > 0 ? c.frame_width : cfg.input.resize;
  const int fh = c.frame_height > 0 ? c.frame_height : cfg.input.resize;
  const float scaling = static_cast<float>(cfg.vae.scaling_factor);
  const at::ScalarType dtype = model.unet->parameters().front().scalar_type();

  // Camera-like uint8 frames in host memory.
  auto frames = (at::rand({c.batch, fh, fw, 3}) * 255).to(at::kByte).contiguous();
  std::vector<InspectRequest> requests(c.batch);
  for (int b = 0; b < c.batch; ++b) {
    requests[b].frame = decodiff::color_view(frames[b].data_ptr<uint8_t>(), fw, fh, int64_t{fw} * 3);
    requests[b].class_id = b % static_cast<int>(cfg.classes.size());
  }
  auto ids = at::arange(c.batch, at::kLong).remainder(static_cast<int64_t>(cfg.classes.size())).to(dev);
  const NoiseSchedule schedule(cfg.diffusion.steps, cfg.diffusion.schedule);
  DeviationSampler sampler(schedule, steps);

  std::vector<double> t_pre, t_enc, t_dec, t_map, t_down, t_total, t_e2e;
  std::vector<std::vector<double>> t_unet(steps);
  for (int it = 0; it < c.warmup + c.iterations; ++it) {
    const bool keep = it >= c.warmup;
    sync(dev);
    auto t0 = Clock::now();
    auto t = t0;
    auto input = engine.preprocess(requests);
    sync(dev);
    if (keep) t_pre.push_back(ms_since(t));
    t = Clock::now();
    auto z = model.vae->encode_moments(input.to(dtype)).narrow(1, 0, cfg.vae.latent_channels) * scaling;
    sync(dev);
    if (keep) t_enc.push_back(ms_since(t));
    t = Clock::now();
    // The engine's own correction loop, timed step by step.
    const at::Tensor x = sampler.correct(model.unet, z, ids, [&](int step, const at::Tensor&) {
      sync(dev);
      if (keep) t_unet[static_cast<size_t>(step)].push_back(ms_since(t));
      t = Clock::now();
    });
    t = Clock::now();
    auto decoded = model.vae->decode(at::cat({x, z}) / scaling);
    sync(dev);
    if (keep) t_dec.push_back(ms_since(t));
    t = Clock::now();
    auto maps = compute_anomaly_maps(decoded.narrow(0, 0, c.batch), decoded.narrow(0, c.batch, c.batch), x, z,
                                     cfg.anomaly_map);
    sync(dev);
    if (keep) t_map.push_back(ms_since(t));
    t = Clock::now();
    auto host = maps.fused.to(at::kCPU);
    if (keep) t_down.push_back(ms_since(t));
    if (keep) t_total.push_back(ms_since(t0));
    // End to end: the engine's own path, one synchronisation at the end.
    t = Clock::now();
    auto out = engine.run(input, ids, steps);
    auto score = out.maps.score.to(at::kCPU);
    if (keep) t_e2e.push_back(ms_since(t) + t_pre.back());
    if (log)
      log("iteration " + std::to_string(it + 1) + "/" + std::to_string(c.warmup + c.iterations) +
          (keep ? "" : " (warm-up)"));
  }

  int64_t flops = 0;
  {
    auto input = engine.preprocess(requests);
    FlopCounter counter;
    engine.run(input, ids, steps, /*keep_steps=*/true);  // eager even with CUDA graphs, so every op is seen
    flops = counter.flops();
  }
  const Stats e2e = Stats::of(t_e2e);
  const double per_frame = e2e.median / c.batch;
  nlohmann::json stages = {{"preprocess", Stats::of(t_pre).to_json()},
                           {"encode", Stats::of(t_enc).to_json()},
                           {"decode_both", Stats::of(t_dec).to_json()},
                           {"anomaly_map", Stats::of(t_map).to_json()},
                           {"download", Stats::of(t_down).to_json()}};
  nlohmann::json unet_steps = nlohmann::json::array();
  for (auto& s : t_unet) unet_steps.push_back(Stats::of(s).to_json());
  stages["unet_steps"] = unet_steps;
  return {{"device", dev.str()},
          {"precision", to_string(engine.precision())},
          {"layout", to_string(engine.layout())},
          {"cuda_graphs", engine.options().cuda_graphs},
          {"cudnn_benchmark", engine.options().cudnn_benchmark},
          {"pinned_copies", engine.options().pinned_copies},
          {"batch", c.batch},
          {"steps", steps},
          {"crop", cfg.input.crop},
          {"frame_width", fw},
          {"frame_height", fh},
          {"iterations", c.iterations},
          {"end_to_end", e2e.to_json()},
          {"staged_total", Stats::of(t_total).to_json()},
          {"ms_per_frame_median", per_frame},
          {"frames_per_s", 1000.0 / per_frame},
          {"flops_per_frame", static_cast<double>(flops) / c.batch},
          {"gflops_per_s", static_cast<double>(flops) / c.batch / per_frame * 1e-6},
          {"peak_memory_bytes", peak_memory_bytes(dev)},
          {"unet_parameters", nn::parameter_count(*model.unet)},
          {"vae_parameters", nn::parameter_count(*model.vae)},
          {"stages", stages}};
}

}  // namespace decodiff::bench
