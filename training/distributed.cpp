#include "distributed.h"

#include <netdb.h>
#include <sys/socket.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <c10/util/Logging.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "distributed_backends.h"

namespace decodiff::train {
namespace {

// The first line of an exception's text, without c10's backtrace.
std::string first_line(const std::exception& e) {
  std::string s;
  if (auto* c10e = dynamic_cast<const c10::Error*>(&e))
    s = c10e->what_without_backtrace();
  else
    s = e.what();
  s = s.substr(0, s.find('\n'));
  if (!s.empty() && s[0] == '[' && s.find("] ") != std::string::npos)
    s = s.substr(s.find("] ") + 2);  // [file:line]
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string seconds(std::chrono::milliseconds t) {
  char b[32];
  std::snprintf(b, sizeof b, "%gs", static_cast<double>(t.count()) / 1000.0);
  return b;
}

// While the ranks meet, c10d logs every failed connection attempt with a C++ backtrace; our
// one line says what failed. TORCH_CPP_LOG_LEVEL, when set, is left alone.
class QuietTorchLog {
 public:
  QuietTorchLog() : saved_(FLAGS_caffe2_log_level) {
    const char* level = std::getenv("TORCH_CPP_LOG_LEVEL");
    if (!level || !*level) FLAGS_caffe2_log_level = 3;  // FATAL only
  }
  ~QuietTorchLog() { FLAGS_caffe2_log_level = saved_; }
  QuietTorchLog(const QuietTorchLog&) = delete;
  QuietTorchLog& operator=(const QuietTorchLog&) = delete;

 private:
  int saved_;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Tensors grouped into buckets of at most `bucket_bytes` (one dtype and device each).
std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes) {
  std::map<std::pair<int, std::string>, std::vector<std::vector<at::Tensor>>> by_kind;
  std::map<std::pair<int, std::string>, int64_t> filled;
  std::vector<std::vector<at::Tensor>> out;
  std::vector<std::pair<int, std::string>> order;
  for (const auto& t : tensors) {
    if (!t.defined()) throw std::invalid_argument("Communicator: an undefined tensor");
    const std::pair<int, std::string> kind{static_cast<int>(t.scalar_type()), t.device().str()};
    auto& list = by_kind[kind];
    const int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    if (list.empty() || filled[kind] + bytes > bucket_bytes) {
      if (list.empty()) order.push_back(kind);
      list.emplace_back();
      filled[kind] = 0;
    }
    list.back().push_back(t);
    filled[kind] += bytes;
  }
  for (const auto& kind : order)
    for (auto& b : by_kind[kind]) out.push_back(std::move(b));
  return out;
}

at::Tensor flatten(const std::vector<at::Tensor>& ts) {
  std::vector<at::Tensor> flat;
  flat.reserve(ts.size());
  for (const auto& t : ts) flat.push_back(t.detach().reshape({-1}));
  return at::cat(flat);
}

void unflatten(const at::Tensor& flat, const std::vector<at::Tensor>& ts) {
  at::NoGradGuard ng;
  int64_t offset = 0;
  for (const auto& t : ts) {
    t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

Communicator::Communicator(const LaunchEnvironment& env, at::Device device, std::chrono::milliseconds timeout)
    : rank_(env.rank),
      size_(env.world_size),
      device_(device),
      timeout_(timeout),
      impl_(std::make_unique<Impl>()) {
  if (!env.distributed()) throw std::invalid_argument("Communicator: a world of one process needs none");
  if (timeout.count() <= 0) throw std::invalid_argument("the distributed timeout must be positive");
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  const std::string who = "rank " + std::to_string(rank_) + " of " + std::to_string(size_);
  // A name that does not resolve fails at once, not after the timeout.
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(env.master_addr.c_str(), nullptr, &hints, &found);
  if (rc != 0)
    throw DistributedError(who + ": cannot resolve the rendezvous address MASTER_ADDR='" + env.master_addr +
                           "' (" + gai_strerror(rc) + ")");
  freeaddrinfo(found);
  QuietTorchLog quiet;
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(env.master_port);
  so.isServer = rank_ == 0 && !env.agent_store;
  so.waitWorkers = false;
  so.timeout = timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
  } catch (const std::exception& e) {
    throw DistributedError(who + ": " + (so.isServer ? "cannot serve" : "cannot reach") +
                           " the rendezvous at " + where + " within " + seconds(timeout) + " (" +
                           first_line(e) + ")");
  }
  auto store = c10::make_intrusive<c10d::PrefixStore>("decodiff", impl_->store);
  try {
    if (device.is_cuda()) {
      backend_name_ = "nccl";
      impl_->backend = detail::make_nccl_backend(store, rank_, size_, timeout, device);
    } else {
      backend_name_ = "gloo";
      impl_->backend = detail::make_gloo_backend(store, rank_, size_, timeout,
                                                 is_loopback(env.master_addr) ? env.master_addr : "");
    }
  } catch (const std::exception& e) {
    throw DistributedError(who + ": the " + backend_name_ + " process group at " + where +
                           " did not form within " + seconds(timeout) +
                           " (a rank missing or exited?): " + first_line(e));
  }
}

Communicator::Communicator() = default;
Communicator::~Communicator() = default;

void Communicator::wait(const char* what, const std::function<void()>& collective) {
  try {
    collective();
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + what +
                           " failed: another rank exited, hangs or lost its connection (--dist-timeout " +
                           seconds(timeout_) + "): " + first_line(e));
  }
}

void Communicator::broadcast_from_main(const std::vector<at::Tensor>& tensors) {
  if (size_ == 1) return;
  wait("the broadcast of rank 0's weights", [&] {
    for (const auto& bucket : buckets(tensors, bucket_bytes)) {
      std::vector<at::Tensor> flat{flatten(bucket)};
      c10d::BroadcastOptions opts;
      opts.rootRank = 0;
      impl_->backend->broadcast(flat, opts)->wait();
      if (rank_ != 0) unflatten(flat[0], bucket);
    }
  });
}

void Communicator::sum(const std::vector<at::Tensor>& tensors) {
  if (size_ == 1) return;
  wait("the gradient all-reduce", [&] {
    auto groups = buckets(tensors, bucket_bytes);
    std::vector<std::vector<at::Tensor>> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& bucket : groups) {
      flats.push_back({flatten(bucket)});
      works.push_back(impl_->backend->allreduce(flats.back(), c10d::AllreduceOptions()));
    }
    for (size_t i = 0; i < works.size(); ++i) {
      works[i]->wait();
      unflatten(flats[i][0], groups[i]);
    }
  });
}

std::vector<double> Communicator::sum(const std::vector<double>& values) {
  if (size_ == 1) return values;
  std::vector<at::Tensor> t{at::tensor(values, at::kDouble).to(device_)};
  wait("the all-reduce of the losses",
       [&] { impl_->backend->allreduce(t, c10d::AllreduceOptions())->wait(); });
  auto cpu = t[0].cpu();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

at::Tensor Communicator::gather_rows(const at::Tensor& local, const std::vector<int64_t>& rows) {
  if (static_cast<int>(rows.size()) != size_ || local.size(0) != rows[rank_])
    throw std::invalid_argument("Communicator::gather_rows: the row counts do not match");
  if (size_ == 1) return local;
  const int64_t most = *std::max_element(rows.begin(), rows.end());
  auto shape = local.sizes().vec();
  shape[0] = most;
  auto padded = at::zeros(shape, local.options());
  if (local.size(0) > 0) padded.narrow(0, 0, local.size(0)).copy_(local);
  std::vector<at::Tensor> in{padded};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < size_; ++r) out[0].push_back(at::empty(shape, local.options()));
  wait("the gathering of the latents", [&] { impl_->backend->allgather(out, in)->wait(); });
  std::vector<at::Tensor> parts;
  for (int r = 0; r < size_; ++r)
    if (rows[r] > 0) parts.push_back(out[0][r].narrow(0, 0, rows[r]));
  return at::cat(parts);
}

RowRange shard_rows(int64_t global_rows, int64_t per_rank, int rank) {
  RowRange r;
  r.begin = std::min(global_rows, per_rank * rank);
  r.end = std::min(global_rows, r.begin + per_rank);
  return r;
}

}  // namespace decodiff::train
