// Forward-pass behaviour of the networks: reference initialisation, the
// single-token cross-attention shortcut, input checks, and parity with the
// reference PyTorch outputs stored in tests/fixtures/golden/tiny_*.safetensors.
#include "../../common/paths.h"
#include "io/safetensors.h"
#include "nn/autoencoder_kl.h"
#include "nn/spatial_transformer.h"
#include "nn/unet.h"
#include "tiny_configs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

namespace dn = decodiff::nn;

namespace {

using decodiff::nn::testing::tiny_unet;
using decodiff::nn::testing::tiny_vae;

std::string golden(const std::string& file) { return decodiff::testing::golden_path(file); }

// Copies `prefix + name` tensors into the module's parameters; every parameter must be present with
// its shape and no tensor under `prefix` may be left over.
template <typename NameMap>
void load_prefixed(torch::nn::Module& m, const std::map<std::string, at::Tensor>& tensors,
                   const std::string& prefix, NameMap canonical) {
  std::map<std::string, at::Tensor> mine;
  for (const auto& [name, t] : tensors) {
    if (name.rfind(prefix, 0) == 0) mine[canonical(name.substr(prefix.size()))] = t;
  }
  at::NoGradGuard no_grad;
  size_t used = 0;
  for (auto& p : m.named_parameters(true)) {
    auto it = mine.find(p.key());
    ASSERT_NE(it, mine.end()) << "golden file lacks " << prefix << p.key();
    ASSERT_EQ(it->second.sizes(), p.value().sizes()) << p.key();
    p.value().copy_(it->second);
    ++used;
  }
  EXPECT_EQ(used, mine.size()) << "golden file has tensors under " << prefix << " the module does not";
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST(UNetNumerics, FreshModelOutputsZeroLikeReferenceInit) {
  // The reference zero-initialises the final convolution, so an untrained UNet predicts exactly 0.
  torch::manual_seed(0);
  dn::UNetModel m(tiny_unet());
  m->eval();
  at::NoGradGuard no_grad;
  at::Tensor out = m->forward(at::randn({2, 4, 16, 16}), at::tensor({0, 9}), at::tensor({0, 2}));
  EXPECT_EQ(out.sizes(), (at::IntArrayRef{2, 4, 16, 16}));
  EXPECT_EQ(out.abs().max().item<float>(), 0.0f);
}

TEST(UNetNumerics, SingleTokenCrossAttentionEqualsFullAttention) {
  // Two identical keys give softmax weights 1/2 + 1/2: the full path must then agree with the one-key
  // shortcut.
  torch::manual_seed(1);
  dn::CrossAttention attn(96, 64, 3, 26);  // inner width 78 < query width 96, as in UNet_XL
  at::NoGradGuard no_grad;
  at::Tensor x = at::randn({2, 10, 96});
  at::Tensor ctx = at::randn({2, 1, 64});
  at::Tensor one = attn->forward(x, ctx);
  at::Tensor two = attn->forward(x, at::cat({ctx, ctx}, 1));
  EXPECT_EQ(one.sizes(), (at::IntArrayRef{2, 10, 96}));
  EXPECT_LT(max_abs_diff(one, two), 1e-5);
  // And the shortcut is not trivially constant: another context changes the output.
  EXPECT_GT(max_abs_diff(one, attn->forward(x, at::randn({2, 1, 64}))), 1e-3);
}

TEST(UNetNumerics, RejectsBadInputsWithClearErrors) {
  dn::UNetModel m(tiny_unet());
  m->eval();
  at::NoGradGuard no_grad;
  const at::Tensor x = at::randn({1, 4, 16, 16});
  EXPECT_THROW(m->forward(at::randn({1, 3, 16, 16}), at::tensor({1}), at::tensor({0})),
               std::invalid_argument);
  EXPECT_THROW(m->forward(at::randn({1, 4, 18, 16}), at::tensor({1}), at::tensor({0})),
               std::invalid_argument);
  EXPECT_THROW(m->forward(x, at::tensor({1, 2}), at::tensor({0})), std::invalid_argument);
  EXPECT_THROW(m->forward(x, at::tensor({1}), at::tensor({0.5})), std::invalid_argument);
  try {
    m->forward(x, at::tensor({1}), at::tensor({3}));
    FAIL() << "no exception for class id 3 with ncls 3";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("class id 3"), std::string::npos) << e.what();
  }
  dn::AutoencoderKL vae(tiny_vae());
  EXPECT_THROW(vae->encode_moments(at::randn({1, 4, 16, 16})), std::invalid_argument);
  EXPECT_THROW(vae->decode(at::randn({1, 8, 4, 4})), std::invalid_argument);
}

TEST(Parity, TinyNetworksMatchReferenceOutputs) {
  const std::string model_path = golden("tiny_model.safetensors"),
                    expected_path = golden("tiny_expected.safetensors");
  if (!std::filesystem::exists(model_path) || !std::filesystem::exists(expected_path)) {
    GTEST_SKIP() << "golden files missing: " << model_path << ", " << expected_path;
  }
  const auto model = decodiff::io::read_safetensors(model_path);
  const auto expected = decodiff::io::read_safetensors(expected_path).tensors;
  auto get = [&](const std::string& name) {
    auto it = expected.find(name);
    if (it == expected.end()) throw std::runtime_error(expected_path + " lacks tensor " + name);
    return it->second;
  };

  dn::UNetModel unet(tiny_unet());
  load_prefixed(*unet, model.tensors, "unet.", [](const std::string& n) { return n; });
  dn::AutoencoderKL vae(tiny_vae());
  load_prefixed(*vae, model.tensors, "vae.", [](const std::string& n) { return dn::canonical_vae_name(n); });
  unet->eval();
  vae->eval();
  at::NoGradGuard no_grad;

  const at::Tensor unet_out = unet->forward(get("unet_x"), get("unet_t"), get("unet_y"));
  const double d_unet = max_abs_diff(unet_out, get("unet_out"));
  const double d_moments = max_abs_diff(vae->encode_moments(get("input")), get("vae_moments"));
  const at::Tensor z = get("unet_x") / vae->config().scaling_factor;
  const double d_decoded = max_abs_diff(vae->decode(z), get("vae_decoded"));
  std::ostringstream figures;
  figures << std::scientific << std::setprecision(2) << "max|diff| unet_out " << d_unet << ", vae_moments "
          << d_moments << ", vae_decoded " << d_decoded;
  RecordProperty("max_abs_diff", figures.str());
  std::cout << figures.str() << "\n";
  EXPECT_LE(d_unet, 1e-4);
  EXPECT_LE(d_moments, 1e-4);
  EXPECT_LE(d_decoded, 1e-4);
  // The references are not trivial (a zero or constant output would hide a broken network).
  EXPECT_GT(get("unet_out").std().item<double>(), 1e-3);
  EXPECT_GT(get("vae_decoded").std().item<double>(), 1e-3);
}
