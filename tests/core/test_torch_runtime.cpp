// Proves the LibTorch we link runs on a machine without GPU or driver, and
// that its CUDA backend is linked in (so the same binary uses a GPU where one is).
#include <gtest/gtest.h>
#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "decodiff_config.h"

TEST(TorchRuntime, CpuTensorMath) {
  auto a = at::arange(6, at::kFloat).reshape({2, 3});
  auto b = at::ones({3, 2});
  auto c = at::matmul(a, b);
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(c[1][1].item<float>(), 12.0f);
}

TEST(TorchRuntime, CudaAvailabilityAnswersWithoutCrashing) {
  const bool available = torch::cuda::is_available();
  if (!available) {
    EXPECT_EQ(torch::cuda::device_count(), 0);
    EXPECT_THROW(at::zeros({1}, at::Device(at::kCUDA, 0)), c10::Error);
  } else {
    auto x = at::ones({4}, at::Device(at::kCUDA, 0));
    EXPECT_FLOAT_EQ(x.sum().item<float>(), 4.0f);
  }
}

TEST(TorchRuntime, CudaLibrariesAreLinked) {
#if DECODIFF_HAVE_TORCH_CUDA
  // ldd of this test binary must show libtorch_cuda.so resolved to a file.
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("ldd " + std::filesystem::read_symlink("/proc/self/exe").string()).c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe.get())) out += buf;
  const auto pos = out.find("libtorch_cuda.so => /");
  EXPECT_NE(pos, std::string::npos) << out;
  EXPECT_EQ(out.find("not found"), std::string::npos) << out;
#else
  GTEST_SKIP() << "built with -Dcuda=disabled or a CPU-only LibTorch";
#endif
}
