// Frames up, maps down. Plain copies by default; with `pinned` (CUDA only)
// data is staged in page-locked host memory, uploads run asynchronously on a
// dedicated copy stream that the compute stream waits for (so an upload
// overlaps the work still queued on the compute stream), and downloads are
// asynchronous copies into page-locked memory.
#pragma once

#include <ATen/ATen.h>

#include <memory>

namespace decodiff {

class HostTransfer {
 public:
  // Throws std::invalid_argument when pinned is asked for a non-CUDA device.
  HostTransfer(at::Device device, bool pinned);
  ~HostTransfer();
  HostTransfer(const HostTransfer&) = delete;
  HostTransfer& operator=(const HostTransfer&) = delete;

  bool pinned() const { return pinned_; }
  // A device copy of a host tensor, ready for use on the current stream.
  at::Tensor upload(const at::Tensor& host);
  // A host copy of a device tensor, complete on return.
  at::Tensor download(const at::Tensor& device_tensor);

 private:
  struct CopyStream;
  at::Device device_;
  bool pinned_;
  std::unique_ptr<CopyStream> stream_;
};

}  // namespace decodiff
