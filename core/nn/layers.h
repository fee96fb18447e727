// Helpers shared by the UNet and VAE modules.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>

#include <string>

namespace decodiff::nn::detail {

// norm(x) in x's dtype, keeping x's memory layout. On the CPU a channels-last
// x is normalised as a contiguous copy: ATen's channels-last GroupNorm kernel
// is several times slower than the contiguous one at our sizes, far more than
// the two copies cost (benchmarks/README.md, "Tried in the engine").
at::Tensor group_norm(const torch::nn::GroupNorm& norm, const at::Tensor& x);

// GroupNorm evaluated in float32 whatever the input dtype, result cast back to
// the input dtype (the reference UNet's GroupNorm32).
at::Tensor group_norm_f32(const torch::nn::GroupNorm& norm, const at::Tensor& x);

// Sets every parameter of `module` (recursively) to zero, as the reference's
// zero_module() does for the last convolution of residual branches.
void zero_parameters(torch::nn::Module& module);

// "[1, 3, 16, 16] float" for error messages; "none" for an undefined tensor.
std::string describe(const at::Tensor& t);

}  // namespace decodiff::nn::detail
