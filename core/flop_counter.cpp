#include "flop_counter.h"

#include <ATen/ATen.h>

#include <string>

namespace decodiff {
namespace {

thread_local int64_t g_flops = 0;
thread_local int g_attention_depth = 0;  // matrix products inside attention are counted by the attention op

int64_t numel(const c10::IValue& v) { return v.isTensor() ? v.toTensor().numel() : 0; }

int64_t dim_size(const c10::IValue& v, int64_t d) {
  if (!v.isTensor()) return 0;
  const auto& t = v.toTensor();
  return d < t.dim() ? t.size(d < 0 ? t.dim() + d : d) : 0;
}

// Inputs are only valid while the op starts; the MACs per output element are
// taken then and the output size at the end.
struct ConvContext : at::ObserverContext {
  int64_t macs_per_output = 0;
};

bool is_attention(const std::string& name) { return name.find("scaled_dot_product") != std::string::npos; }

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  if (is_attention(name)) {
    if (g_attention_depth++ == 0) {
      const auto in = fn.inputs();
      // q [B, H, Lq, D], k [B, H, Lk, D]: QK^T and PV
      if (in.size() >= 2 && in[0].isTensor() && in[1].isTensor()) {
        const auto& q = in[0].toTensor();
        const int64_t lk = dim_size(in[1], -2);
        g_flops += 4 * (q.numel() / q.size(-1)) * lk * q.size(-1);
      }
    }
    return nullptr;
  }
 if (g_attention_depth > 0) return nullptr;
  const auto in = fn.inputs();
  if (name == "aten::convolution" && in.size() >= 2 && in[1].isTensor()) {
    const auto& w = in[1].toTensor();  // [Cout, Cin/groups, kh, kw]
    auto ctx = std::make_unique<ConvContext>();
    ctx->macs_per_output = w.size(0) ? w.numel() / w.size(0) : 0;
    return ctx;
  }
  if (name == "aten::mm" && in.size() >= 2) {
    g_flops += 2 * numel(in[0]) * dim_size(in[1], 1);
  } else if (name == "aten::addmm" && in.size() >= 3) {
    g_flops += 2 * numel(in[1]) * dim_size(in[2], 1);
  } else if ((name == "aten::bmm" && in.size() >= 2) || (name == "aten::baddbmm" && in.size() >= 3)) {
    const size_t a = name == "aten::bmm" ? 0 : 1;
    g_flops += 2 * numel(in[a]) * dim_size(in[a + 1], 2);
  }
  return nullptr;
}

void on_exit(const at::RecordFunction& fn, at::ObserverContext* context) {
  const std::string name = fn.name();
  if (is_attention(name)) {
    --g_attention_depth;
    return;
  }
  auto* conv = dynamic_cast<ConvContext*>(context);
  if (!conv) return;
  const auto out = fn.outputs();
  if (out.empty() || !out[0].isTensor()) return;
  g_flops += 2 * out[0].toTensor().numel() * conv->macs_per_output;
}

}  // namespace

FlopCounter::FlopCounter() {
  g_flops = 0;
  g_attention_depth = 0;
  handle_ = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_enter, on_exit).needsInputs(true).needsOutputs(true).scopes({at::RecordScope::FUNCTION}));
}

FlopCounter::~FlopCounter() { at::removeCallback(handle_); }

int64_t FlopCounter::flops() const { return g_flops; }

}  // namespace decodiff
