// A fixed-shape tensor function captured once as a CUDA graph and replayed.
//
// At batch 1 a correction (encode, R UNet passes, both decodes) launches a
// few thousand small kernels; on a fast GPU the launches, not the arithmetic,
// bound the latency. Replaying a captured graph submits them all at once.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <vector>

namespace decodiff {

class GraphedFunction {
 public:
  using Fn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>& inputs)>;

  // Runs fn `warmup` times on a side stream (lazy initialisation, cuDNN
  // autotuning), then captures one call. `examples` fix the shapes, dtypes and
  // device of the inputs (all on one CUDA device). fn must not synchronise
  // with the host or copy from pageable host memory. Throws std::runtime_error
  // when capture is impossible (no CUDA in this build, inputs not on CUDA).
  GraphedFunction(Fn fn, const std::vector<at::Tensor>& examples, int warmup = 2);
  ~GraphedFunction();
  GraphedFunction(const GraphedFunction&) = delete;
  GraphedFunction& operator=(const GraphedFunction&) = delete;

  // Copies `inputs` (same shapes as the examples) into the captured inputs,
  // replays on the current stream and returns copies of the outputs (the
  // captured ones are overwritten by the next replay).
  std::vector<at::Tensor> operator()(const std::vector<at::Tensor>& inputs);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace decodiff
