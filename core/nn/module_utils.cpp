#include "nn/module_utils.h"

namespace decodiff::nn {

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) total += p.numel();
  return total;
}

}  // namespace decodiff::nn
