#include "step_dump.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <stdexcept>

namespace decodiff::train {

std::vector<at::Tensor> gradients_of(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params)
    out.push_back(p.grad().defined() ? p.grad().detach().to(at::kCPU).clone() : at::zeros_like(p, at::kCPU));
  return out;
}

void write_step_dump(const std::string& path, const std::vector<at::Tensor>& gradients,
                     const std::vector<at::Tensor>& params) {
  if (gradients.size() != params.size())
    throw std::invalid_argument("write_step_dump: one gradient per parameter");
  torch::serialize::OutputArchive archive;
  archive.write("count", at::tensor(static_cast<int64_t>(params.size())));
  for (size_t i = 0; i < params.size(); ++i) {
    archive.write("gradient." + std::to_string(i), gradients[i]);
    archive.write("weight." + std::to_string(i), params[i].detach().to(at::kCPU).clone());
  }
  archive.save_to(path);
}

StepDump read_step_dump(const std::string& path) {
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  at::Tensor count;
  archive.read("count", count);
  StepDump d;
  for (int64_t i = 0; i < count.item<int64_t>(); ++i) {
    at::Tensor g, w;
    archive.read("gradient." + std::to_string(i), g);
    archive.read("weight." + std::to_string(i), w);
    d.gradients.push_back(g);
    d.weights.push_back(w);
  }
  return d;
}

}  // namespace decodiff::train
