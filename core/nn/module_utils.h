// Small helpers over torch::nn::Module shared by the networks, trainer and benchmarks.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>

namespace decodiff::nn {

// Number of scalar values in all parameters of `module` and its descendants.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace decodiff::nn
