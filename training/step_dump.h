// Tests of data-parallel training (docs/training.md, "Several processes"): the gradients an
// optimiser step used (after the ranks' sum) and the weights it left, written to a file and
// read back, so that a test can compare N ranks with one process at the step itself.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace decodiff::train {

struct StepDump {
  std::vector<at::Tensor> gradients;  // per parameter, in the module's order (zeros where none)
  std::vector<at::Tensor> weights;    // per parameter, after the step
};

// The parameters' current gradients (copies, on the CPU).
std::vector<at::Tensor> gradients_of(const std::vector<at::Tensor>& params);

// Writes `gradients` and the current values of `params` to `path` (replaced if present).
void write_step_dump(const std::string& path, const std::vector<at::Tensor>& gradients,
                     const std::vector<at::Tensor>& params);
StepDump read_step_dump(const std::string& path);

}  // namespace decodiff::train
