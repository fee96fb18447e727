#include "host_transfer.h"

#include <stdexcept>

#include "decodiff_config.h"
#if DECODIFF_HAVE_TORCH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace decodiff {

#if DECODIFF_HAVE_TORCH_CUDA
struct HostTransfer::CopyStream {
  explicit CopyStream(at::Device device) : stream(c10::cuda::getStreamFromPool(false, device.index())) {}
  c10::cuda::CUDAStream stream;
};
#else
struct HostTransfer::CopyStream {};
#endif

HostTransfer::HostTransfer(at::Device device, bool pinned) : device_(device), pinned_(pinned) {
  if (!pinned_) return;
  if (!device_.is_cuda()) throw std::invalid_argument("pinned copies need a CUDA device");
#if DECODIFF_HAVE_TORCH_CUDA
  stream_ = std::make_unique<CopyStream>(device_);
#endif
}

HostTransfer::~HostTransfer() = default;

at::Tensor HostTransfer::upload(const at::Tensor& host) {
  if (!pinned_ || !stream_) return host.contiguous().to(device_);
#if DECODIFF_HAVE_TORCH_CUDA
  auto staged = at::empty(host.sizes(), host.options().pinned_memory(true));
  staged.copy_(host);
  c10::cuda::CUDAGuard device_guard(device_);
  const c10::cuda::CUDAStream compute = c10::cuda::getCurrentCUDAStream(device_.index());
  at::Tensor on_device;
  {
    c10::cuda::CUDAStreamGuard copy_guard(stream_->stream);
    on_device = staged.to(device_, /*non_blocking=*/true);
  }
  at::cuda::CUDAEvent copied;
  copied.record(stream_->stream);
  copied.block(compute);
  // The memory was allocated on the copy stream but is used on the compute stream.
  c10::cuda::CUDACachingAllocator::recordStream(on_device.storage().data_ptr(), compute);
  return on_device;
#else
  return host.to(device_);
#endif
}

at::Tensor HostTransfer::download(const at::Tensor& device_tensor) {
  if (!pinned_ || !device_tensor.is_cuda()) return device_tensor.to(at::kCPU);
#if DECODIFF_HAVE_TORCH_CUDA
  auto host = at::empty(device_tensor.sizes(), device_tensor.options().device(at::kCPU).pinned_memory(true));
  host.copy_(device_tensor, /*non_blocking=*/true);
  c10::cuda::getCurrentCUDAStream(device_tensor.device().index()).synchronize();
  return host;
#else
  return device_tensor.to(at::kCPU);
#endif
}

}  // namespace decodiff
