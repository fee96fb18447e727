// Small helpers over torch::nn::Module shared by the networks, trainer and benchmarks.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>

namespace decodiff::nn {

// Number of scalar values in all parameters of `module` and its descendants.
int64_t parameter_count(const torch::nn::Module& module);

// Stores every 4-D parameter (convolution weights) channels-last, or back in
// the default contiguous layout. Convolutions follow their weight's layout, so
// activations flow channels-last through the whole network after this.
void set_weight_layout(torch::nn::Module& module, bool channels_last);

}  // namespace decodiff::nn
