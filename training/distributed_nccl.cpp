// c10d's NCCL backend (built with LibTorch's CUDA part; nccl.h of the NCCL that torch ships).
#include "decodiff_config.h"
#include "distributed_backends.h"

#if DECODIFF_HAVE_TORCH_CUDA
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <stdexcept>

namespace decodiff::train::detail {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int size, std::chrono::milliseconds timeout,
                                                    at::Device device) {
#if DECODIFF_HAVE_TORCH_CUDA
  c10::cuda::set_device(device.index());
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
#else
  (void)store, (void)rank, (void)size, (void)timeout, (void)device;
  throw std::runtime_error("this build has no CUDA: several ranks on GPUs need LibTorch with CUDA");
#endif
}

}  // namespace decodiff::train::detail
