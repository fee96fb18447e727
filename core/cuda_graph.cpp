#include "cuda_graph.h"

#include <stdexcept>

#include "decodiff_config.h"
#if DECODIFF_HAVE_TORCH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace decodiff {

#if DECODIFF_HAVE_TORCH_CUDA

struct GraphedFunction::State {
  std::vector<at::Tensor> inputs;
  std::vector<at::Tensor> outputs;
  at::cuda::CUDAGraph graph;
};

GraphedFunction::GraphedFunction(Fn fn, const std::vector<at::Tensor>& examples, int warmup)
    : state_(std::make_unique<State>()) {
  if (examples.empty()) throw std::runtime_error("CUDA graph: no inputs");
  const at::Device device = examples.front().device();
  for (const auto& e : examples)
    if (!e.is_cuda() || e.device() != device)
      throw std::runtime_error("CUDA graph: every input must be on the same CUDA device");
  c10::cuda::CUDAGuard device_guard(device);
  for (const auto& e : examples) state_->inputs.push_back(e.clone());
  // Capture must not happen on the legacy default stream; the side stream
  // starts after everything queued so far (the input clones included).
  c10::cuda::getCurrentCUDAStream().synchronize();
  c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index());
  {
    c10::cuda::CUDAStreamGuard stream_guard(side);
    for (int i = 0; i < warmup; ++i) fn(state_->inputs);
    side.synchronize();
    // Thread-local: other engines' threads may keep using CUDA while this one captures.
    state_->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    try {
      state_->outputs = fn(state_->inputs);
    } catch (...) {
      // End the capture so the stream is usable again; the error is the one the user needs.
      try {
        state_->graph.capture_end();
      } catch (...) {
      }
      throw;
    }
    state_->graph.capture_end();
    side.synchronize();
  }
}

std::vector<at::Tensor> GraphedFunction::operator()(const std::vector<at::Tensor>& inputs) {
  if (inputs.size() != state_->inputs.size())
    throw std::invalid_argument("CUDA graph: wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].sizes() != state_->inputs[i].sizes())
      throw std::invalid_argument("CUDA graph: input shapes differ from the captured ones");
    state_->inputs[i].copy_(inputs[i], /*non_blocking=*/true);
  }
  state_->graph.replay();
  std::vector<at::Tensor> out;
  out.reserve(state_->outputs.size());
  for (const auto& t : state_->outputs) out.push_back(t.clone());
  return out;
}

#else

struct GraphedFunction::State {};

GraphedFunction::GraphedFunction(Fn, const std::vector<at::Tensor>&, int) {
  throw std::runtime_error("CUDA graphs need a LibTorch build with CUDA");
}

std::vector<at::Tensor> GraphedFunction::operator()(const std::vector<at::Tensor>&) {
  throw std::runtime_error("CUDA graphs need a LibTorch build with CUDA");
}

#endif

GraphedFunction::~GraphedFunction() = default;

}  // namespace decodiff
