// The c10d backends behind Communicator (training/distributed.h); internal to training/.
#pragma once

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <string>

namespace decodiff::train::detail {

// Gloo over TCP. `hostname`: the address this rank's Gloo device binds to ("" = the
// host's name, as torch.distributed's default device; GLOO_SOCKET_IFNAME wins when set).
c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int size, std::chrono::milliseconds timeout,
                                                    const std::string& hostname);

// NCCL on `device` (a CUDA device). Throws std::runtime_error in a build without CUDA.
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int size, std::chrono::milliseconds timeout,
                                                    at::Device device);

}  // namespace decodiff::train::detail
