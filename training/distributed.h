// Data-parallel training across processes on PyTorch's c10d engine (docs/training.md,
// "Several processes"): a TCPStore for the rendezvous (env://, as torchrun sets it up),
// NCCL between GPUs, Gloo between CPU processes; the collectives the trainer needs:
// broadcast of rank 0's weights, the bucketed sum of gradients, the gathering of
// per-rank rows and a small sum of scalars (losses, stop votes).
// A rank that dies or hangs makes every collective of the others fail within the
// timeout with one std::runtime_error line (DistributedError).
#pragma once

#include <ATen/ATen.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "launch_env.h"

namespace c10d {
class Backend;
}

namespace decodiff::train {

// A failed or timed-out rendezvous or collective (a lost or hanging rank).
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  // One process alone: every collective is the identity.
  Communicator();
  // Joins the process group of `env` (env.distributed() must hold): NCCL when `device`
  // is a CUDA device, Gloo otherwise. `timeout` bounds the rendezvous and every
  // collective. Throws DistributedError (unreachable or unresolvable rendezvous
  // address, a rank missing at the rendezvous) or std::invalid_argument.
  Communicator(const LaunchEnvironment& env, at::Device device, std::chrono::milliseconds timeout);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_main() const { return rank_ == 0; }

  // Every rank's tensors get rank 0's values (in place; all ranks pass tensors of the same
  // shapes and dtypes in the same order). Packed into buckets of bucket_bytes.
  void broadcast_from_main(const std::vector<at::Tensor>& tensors);
  // Element-wise sum over the ranks, in place, flattened into buckets of bucket_bytes per
  // dtype (all buckets in flight at once). Undefined tensors are not allowed.
  void sum(const std::vector<at::Tensor>& tensors);
  // The sum over the ranks of a few doubles (losses, votes).
  std::vector<double> sum(const std::vector<double>& values);
  // Rows of every rank, concatenated along dim 0 in rank order: rank r contributes
  // rows[r] rows (its `local`, whose first dimension is rows[rank()]; the others' shapes
  // agree after dim 0).
  at::Tensor gather_rows(const at::Tensor& local, const std::vector<int64_t>& rows);

  int64_t bucket_bytes = int64_t{25} << 20;  // as DDP's default bucket_cap_mb

 private:
  void wait(const char* what, const std::function<void()>& collective);
  int rank_ = 0, size_ = 1;
  at::Device device_{at::kCPU};
  std::chrono::milliseconds timeout_{0};
  std::string backend_name_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Which rows of a global batch of `global_rows` rank `rank` of `ranks` takes when every
// rank gets up to `per_rank` rows: [begin, end) (empty at the end of an epoch).
struct RowRange {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
RowRange shard_rows(int64_t global_rows, int64_t per_rank, int rank);

}  // namespace decodiff::train
