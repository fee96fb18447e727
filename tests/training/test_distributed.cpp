// Data-parallel decodiff-train on c10d (training/distributed.h), on the CPU path (Gloo) with
// two ranks on loopback: the launch environment, the sharded batches, two ranks equal to one
// process with the doubled batch, a dead, a hanging rank and a bad rendezvous address, and
// the real torchrun with the `--` that keeps decodiff-train's options (--log) its own.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../common/paths.h"
#include "../common/temp_dir.h"
#include "distributed.h"
#include "launch_env.h"
#include "model_file.h"
#include "step_dump.h"
#include "training_images.h"

using namespace decodiff;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A few smooth 40 px colour images (one class, a plain folder).
void write_images(const fs::path& dir, int n) {
  fs::create_directories(dir);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    cv::Mat img(40, 40, CV_8UC3);
    cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::GaussianBlur(img, img, cv::Size(9, 9), 3);
    cv::circle(img, cv::Point(rng() % 40, rng() % 40), 6, cv::Scalar(rng() % 255, 40, 200), -1);
    cv::imwrite((dir / ("part" + std::to_string(i) + ".png")).string(), img);
  }
}

int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

struct Child {
  pid_t pid = -1;
  int err = -1;  // read end of its stderr
  std::string text;
};

// Starts argv with extra environment variables; its stderr comes back through a pipe.
Child spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  c.err = fds[0];
  return c;
}

// Reads the child's stderr until `needle` appears (true), or the stream ends or the deadline
// passes (false; `closed` tells which).
bool read_until(Child& c, const std::string& needle, double seconds, bool* closed = nullptr) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  char buf[4096];
  if (closed) *closed = false;
  while (c.text.find(needle) == std::string::npos) {
    const int left = static_cast<int>(std::chrono::duration<double, std::milli>(end - Clock::now()).count());
    if (left <= 0) return false;
    pollfd p{c.err, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    const ssize_t n = read(c.err, buf, sizeof buf);
    if (n <= 0) {
      if (closed) *closed = true;
      return false;
    }
    c.text.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Waits for the child's exit (collecting its stderr); -1 and a SIGKILL when it outlives the deadline.
int finish(Child& c, double seconds) {
  bool closed = false;
  read_until(c, "\x01never\x01", seconds, &closed);  // until its stderr closes (it exits) or the deadline
  int status = 0;
  if (!closed) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, &status, 0);
    close(c.err);
    return -1;
  }
  waitpid(c.pid, &status, 0);
  close(c.err);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::map<std::string, std::string> rank_env(int rank, int world, int port,
                                            const std::string& addr = "127.0.0.1") {
  return {{"RANK", std::to_string(rank)},
          {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)},
          {"LOCAL_WORLD_SIZE", std::to_string(world)},
          {"MASTER_ADDR", addr},
          {"MASTER_PORT", std::to_string(port)}};
}

// The largest over all tensors of max|a - b| / max|b|.
double max_relative_difference(const LoadedModel& a, const LoadedModel& b) {
  double worst = 0;
  auto compare = [&](const torch::nn::Module& x, const torch::nn::Module& y) {
    auto px = x.named_parameters(true), py = y.named_parameters(true);
    EXPECT_EQ(px.size(), py.size());
    for (const auto& p : px) {
      const auto& q = py[p.key()];
      const double scale = std::max(q.abs().max().item<double>(), 1e-12);
      const double d = (p.value() - q).abs().max().item<double>() / scale;
      worst = std::max(worst, d);
    }
  };
  compare(*a.unet, *b.unet);
  compare(*a.vae, *b.vae);
  return worst;
}

std::string train_binary() { return decodiff::testing::build_path("tools/train/decodiff-train"); }
std::string rank_binary() { return decodiff::testing::build_path("tests/training/train-rank"); }

// decodiff-train's tiny configuration for the fault tests (a long run that the test cuts short).
std::vector<std::string> tiny_train_args(const fs::path& data, const fs::path& out, double timeout_s) {
  return {train_binary(),
          "--data",
          data.string(),
          "--resize",
          "40",
          "--crop",
          "32",
          "--train-vae",
          "--vae-channels",
          "8,16",
          "--vae-norm-groups",
          "8",
          "--vae-epochs",
          "1",
          "--model-channels",
          "32",
          "--num-heads",
          "2",
          "--context-dim",
          "16",
          "--num-res-blocks",
          "1",
          "--channel-mult",
          "1,2",
          "--epochs",
          "200",
          "--batch-size",
          "2",
          "--threads",
          "1",
          "--device",
          "cpu",
          "--log-every",
          "1",
          "--checkpoint-every",
          "1000",
          "--dist-timeout",
          std::to_string(timeout_s),
          "--out",
          out.string()};
}

// Two ranks of a tiny training on 6 images in `dir`, with --dist-timeout `timeout_s`.
std::pair<Child, Child> two_training_ranks(const fs::path& dir, double timeout_s) {
  write_images(dir / "parts", 6);
  const int port = free_port();
  const auto out = dir / "m.safetensors";
  return {spawn(tiny_train_args(dir / "parts", out, timeout_s), rank_env(0, 2, port)),
          spawn(tiny_train_args(dir / "parts", out, timeout_s), rank_env(1, 2, port))};
}

}  // namespace

TEST(LaunchEnvironment, ReadsTorchrunsVariables) {
  std::map<std::string, std::string> env{{"RANK", "3"},
                                         {"WORLD_SIZE", "4"},
                                         {"LOCAL_RANK", "1"},
                                         {"LOCAL_WORLD_SIZE", "2"},
                                         {"MASTER_ADDR", "node7"},
                                         {"MASTER_PORT", "29400"},
                                         {"TORCHELASTIC_USE_AGENT_STORE", "True"}};
  auto get = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto e = train::read_launch_environment(get);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 2);
  EXPECT_EQ(e.master_addr, "node7");
  EXPECT_EQ(e.master_port, 29400);
  EXPECT_TRUE(e.agent_store);
  EXPECT_TRUE(e.distributed());
  env["RANK"] = "4";  // not below WORLD_SIZE
  EXPECT_THROW(train::read_launch_environment(get), std::invalid_argument);
  env["RANK"] = "1x";
  EXPECT_THROW(train::read_launch_environment(get), std::invalid_argument);
  env["RANK"] = "1";
  env.erase("MASTER_PORT");
  EXPECT_THROW(train::read_launch_environment(get), std::invalid_argument);
  env.clear();
  auto alone = train::read_launch_environment(get);
  EXPECT_FALSE(alone.distributed());
  EXPECT_EQ(alone.rank, 0);
}

// Rank r's rows of each global batch are rows [r*B, (r+1)*B) of the unsharded loader's batch
// of 2B rows: the same images, augmentation and keys, including a short last batch where
// rank 1 gets fewer rows (or none).
TEST(ShardedBatches, TwoShardsMakeTheDoubledBatch) {
  for (int n : {10, 9, 7}) {
    auto images = std::make_shared<std::vector<train::TrainingImage>>();
    std::mt19937 rng(n);
    for (int i = 0; i < n; ++i) {
      cv::Mat m(40, 40, CV_8UC3);
      cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
      images->push_back({m, i % 2});
    }
    train::AugmentOptions aug;
    aug.rotate180_prob = 0.5;
    const int b = 4;
    train::BatchLoader whole(images, 32, aug, 2 * b, 11, 0, 4);
    train::BatchLoader r0(images, 32, aug, b, 11, 0, 4, 0, 2), r1(images, 32, aug, b, 11, 0, 4, 1, 2);
    ASSERT_EQ(whole.batches_per_epoch(), r0.batches_per_epoch());
    for (int64_t i = 0; i < 2 * whole.batches_per_epoch(); ++i) {  // two epochs
      auto w = whole.next();
      auto a = r0.next(), c = r1.next();
      EXPECT_EQ(a.global_size, w.images.size(0));
      EXPECT_EQ(a.offset, 0);
      EXPECT_EQ(c.offset, a.images.size(0));
      EXPECT_EQ(a.images.size(0) + c.images.size(0), w.images.size(0));
      EXPECT_EQ(c.images.size(0), train::shard_rows(w.images.size(0), b, 1).size());
      EXPECT_TRUE(at::equal(at::cat({a.images, c.images}), w.images)) << "n " << n << " batch " << i;
      std::vector<int64_t> keys = a.keys;
      keys.insert(keys.end(), c.keys.begin(), c.keys.end());
      EXPECT_EQ(keys, w.keys);
      EXPECT_TRUE(at::equal(at::cat({a.class_ids, c.class_ids}), w.class_ids));
      EXPECT_EQ(a.last_in_epoch, w.last_in_epoch);
    }
  }
}

// The loss of every optimiser step (VAE, then UNet) of a JSONL log.
std::vector<double> step_losses(const std::string& log) {
  std::vector<double> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("step") && !j.contains("event")) out.push_back(j["loss"].get<double>());
  }
  return out;
}

// The root mean square of the weight differences over that of the weights.
double relative_rms_difference(const LoadedModel& a, const LoadedModel& b) {
  double diff = 0, norm = 0;
  const auto pb = b.unet->named_parameters(true);
  for (const auto& p : a.unet->named_parameters(true)) {
    const auto& q = pb[p.key()];
    diff += (p.value() - q).pow(2).sum().item<double>();
    norm += q.pow(2).sum().item<double>();
  }
  return std::sqrt(diff / norm);
}

// Two ranks with batch 4 each against one process with batch 8, on the same data order:
// 10 images make global batches of 8 and 2 (rank 1 has no rows in the second), a VAE
// epoch (2 steps) then 3 UNet epochs (6 steps).
TEST(DataParallel, TwoRanksEqualOneProcessWithTheDoubledBatch) {
  decodiff::testing::TempDir tmp("dist-equal");
  write_images(tmp.path() / "parts", 10);
  const int port = free_port();
  const std::string data = (tmp.path() / "parts").string();
  const std::string two = (tmp.path() / "two.safetensors").string();
  const std::string one = (tmp.path() / "one.safetensors").string();
  std::vector<Child> ranks;
  for (int r = 0; r < 2; ++r) {
    auto env = rank_env(r, 2, port);
    env["TRAIN_RANK_LOG"] = two + ".jsonl";  // rank 0 alone writes it
    ranks.push_back(spawn({rank_binary(), data, two, "4", "3"}, env));
  }
  Child alone = spawn({rank_binary(), data, one, "8", "3"}, {{"TRAIN_RANK_LOG", one + ".jsonl"}});
  for (auto* c : {&ranks[0], &ranks[1], &alone}) {
    const int rc = finish(*c, 240);
    ASSERT_EQ(rc, 0) << c->text;
  }
  auto m0 = load_model_file(two), m1 = load_model_file(two + ".rank1"), single = load_model_file(one);
  EXPECT_EQ(m0.config.training["state"]["steps_done"], 6);
  EXPECT_EQ(single.config.training["state"]["steps_done"], 6);
  EXPECT_EQ(m0.config.training["world_size"], 2);
  EXPECT_EQ(max_relative_difference(m0, m1), 0.0) << "the ranks' weights differ";
  // The same objective on the same data: the losses of the 2 VAE steps and of the first 2 UNet
  // steps (each one a function of all the updates before it) agree to 1e-5. Later the runs
  // drift apart (docs/training.md): each rank draws the UNet's dropout masks for its own rows
  // (the first UNet step does not see them: the residual blocks' output convolutions start
  // at zero), and AdamW's per-element normalisation turns differences of near-zero gradient
  // elements into full-size steps: the later losses within 1e-2, the weights within 3e-2
  // (root mean square). AveragedGradientIsTheDoubledBatchsGradient checks the step itself.
  const auto l2 = step_losses(two + ".jsonl"), l1 = step_losses(one + ".jsonl");
  ASSERT_EQ(l2.size(), 8u);
  ASSERT_EQ(l1.size(), 8u);
  for (size_t i = 0; i < l1.size(); ++i) {
    const double rel = std::abs(l2[i] - l1[i]) / l1[i];
    std::cerr << "step " << i + 1 << (i < 2 ? " (vae)" : " (unet)") << ": loss " << l2[i] << " (2 ranks) "
              << l1[i] << " (1 process), relative difference " << rel << "\n";
    EXPECT_LE(rel, i < 4 ? 1e-5 : 1e-2) << "step " << i + 1;
  }
  const double rms = relative_rms_difference(m0, single);
  std::cerr << "weights after 6 UNet steps: relative RMS difference " << rms
            << ", largest per-tensor relative "
            << "difference " << max_relative_difference(m0, single) << "\n";
  EXPECT_LE(rms, 3e-2);
}

// max|a - b| / scale of each pair of tensors, the largest, where scale is max|b| of the pair
// but at least `floor` times the largest |b| of all of them (0: each tensor on its own; a
// tensor that is zero in b must then be zero in a).
double worst_relative_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b,
                                 double floor = 0) {
  EXPECT_EQ(a.size(), b.size());
  double largest = 0;
  for (const auto& t : b) largest = std::max(largest, t.abs().max().item<double>());
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double scale = std::max({b[i].abs().max().item<double>(), floor * largest, 1e-12});
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>() / scale);
  }
  return worst;
}

// The claim of data parallelism at the step itself: from the same weights and on the same
// rows, the gradient that 2 ranks x 4 rows average is the gradient of one process with the 8
// rows, and so are the weights after that first optimiser step. The UNet (dropout off here:
// each rank draws the masks of its own rows, docs/training.md): every tensor within 1e-5 of
// its largest element. The VAE has tensors whose gradient is zero but for rounding (biases
// under a GroupNorm that has one or two channels per group, ~1e-9) and an L1 loss; its
// gradients are held to 1e-4 of max(the tensor's largest, 1e-3 of the network's largest), and
// its weights after AdamW's first step (lr * g / (|g| + 1e-8): a rounding-level gradient moves
// its weight by up to lr) to 1e-3 of each tensor's largest.
TEST(DataParallel, AveragedGradientIsTheDoubledBatchsGradient) {
  decodiff::testing::TempDir tmp("dist-grad");
  write_images(tmp.path() / "parts", 10);
  const int port = free_port();
  const std::string data = (tmp.path() / "parts").string();
  const std::string two = (tmp.path() / "two").string(), one = (tmp.path() / "one").string();
  std::vector<Child> ranks;
  for (int r = 0; r < 2; ++r) {
    auto env = rank_env(r, 2, port);
    env["TRAIN_RANK_DUMP"] = two;
    env["TRAIN_RANK_DROPOUT"] = "0";
    ranks.push_back(spawn({rank_binary(), data, two + ".safetensors", "4", "1"}, env));
  }
  Child alone = spawn({rank_binary(), data, one + ".safetensors", "8", "1"},
                      {{"TRAIN_RANK_DUMP", one}, {"TRAIN_RANK_DROPOUT", "0"}});
  for (auto* c : {&ranks[0], &ranks[1], &alone}) {
    const int rc = finish(*c, 240);
    ASSERT_EQ(rc, 0) << c->text;
  }
  struct Bound {
    std::string phase;
    double floor, gradient, weight;
  };
  for (const auto& bound : {Bound{"unet", 0.0, 1e-5, 1e-5}, Bound{"vae", 1e-3, 1e-4, 1e-3}}) {
    const auto a = train::read_step_dump(two + "." + bound.phase + ".pt");
    const auto b = train::read_step_dump(one + "." + bound.phase + ".pt");
    ASSERT_EQ(a.gradients.size(), b.gradients.size());
    ASSERT_FALSE(b.gradients.empty());
    // not a vacuous comparison: the step has gradients (one rank's alone would be half of them)
    double norm = 0;
    for (const auto& g : b.gradients) norm += g.abs().sum().item<double>();
    ASSERT_GT(norm, 0.0) << bound.phase << ": no gradient at all";
    const double grad = worst_relative_difference(a.gradients, b.gradients, bound.floor);
    const double weight = worst_relative_difference(a.weights, b.weights);
    std::cerr << bound.phase << ": first step, largest relative difference of the averaged gradient " << grad
              << ", of the weights after the step " << weight << "\n";
    EXPECT_LE(grad, bound.gradient) << bound.phase;
    EXPECT_LE(weight, bound.weight) << bound.phase;
  }
}

// --resume with another world size: 2 ranks of batch 4 train 2 epochs (2 steps each: global
// batches of 8 and 2), one process of batch 8 continues to 4 epochs from their checkpoint,
// and 2 ranks continue that to 5 epochs. The step counter, the epochs and the optimiser state
// carry over; the model records the world size of the run that wrote it.
TEST(DataParallel, ResumeWithAnotherWorldSize) {
  decodiff::testing::TempDir tmp("dist-resume");
  write_images(tmp.path() / "parts", 10);
  const std::string data = (tmp.path() / "parts").string();
  const std::string out = (tmp.path() / "m.safetensors").string();
  auto run_ranks = [&](const std::string& epochs, const std::string& resume) {
    const int port = free_port();
    std::vector<Child> ranks;
    for (int r = 0; r < 2; ++r) {
      auto env = rank_env(r, 2, port);
      if (!resume.empty()) env["TRAIN_RANK_RESUME"] = resume;
      ranks.push_back(spawn({rank_binary(), data, out, "4", epochs}, env));
    }
    for (auto& c : ranks) ASSERT_EQ(finish(c, 240), 0) << c.text;
  };
  run_ranks("2", "");
  const auto two = load_model_file(out);
  EXPECT_EQ(two.config.training["state"]["steps_done"], 4);
  EXPECT_EQ(two.config.training["world_size"], 2);

  Child alone = spawn({rank_binary(), data, out, "8", "4"}, {{"TRAIN_RANK_RESUME", out}});
  ASSERT_EQ(finish(alone, 240), 0) << alone.text;
  const auto one = load_model_file(out);
  EXPECT_EQ(one.config.training["state"]["epochs_done"], 4);
  EXPECT_EQ(one.config.training["state"]["steps_done"], 8);
  EXPECT_FALSE(one.config.training.contains("world_size"));
  EXPECT_GT(relative_rms_difference(one, two), 1e-4) << "the resumed process did not train";

  run_ranks("5", out);
  const auto again = load_model_file(out);
  EXPECT_EQ(again.config.training["state"]["epochs_done"], 5);
  EXPECT_EQ(again.config.training["state"]["steps_done"], 10);
  EXPECT_EQ(again.config.training["world_size"], 2);
  EXPECT_EQ(max_relative_difference(again, load_model_file(out + ".rank1")), 0.0)
      << "the ranks' weights differ";
}

// A rank killed during training: the other exits non-zero within the timeout, with one line.
TEST(DataParallel, KilledRankStopsTheOtherWithinTheTimeout) {
  decodiff::testing::TempDir tmp("dist-kill");
  auto [r0, r1] = two_training_ranks(tmp.path(), 5);
  ASSERT_TRUE(read_until(r0, " step ", 120)) << r0.text;
  kill(r1.pid, SIGKILL);
  const auto t0 = Clock::now();
  const int rc = finish(r0, 30);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  finish(r1, 5);
  EXPECT_EQ(rc, 1) << r0.text;
  EXPECT_LT(took, 5 + 5.0) << "rank 0 outlived the --dist-timeout of 5 s by far";
  const auto last = r0.text.substr(r0.text.rfind("decodiff-train: error:"));
  EXPECT_NE(last.find("rank 0 of 2"), std::string::npos) << r0.text;
  EXPECT_NE(last.find("another rank exited, hangs or lost its connection"), std::string::npos) << r0.text;
  EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1) << "one line: " << last;
}

// A rank that hangs (stopped): the other exits non-zero once the timeout has passed.
TEST(DataParallel, HangingRankStopsTheOtherAfterTheTimeout) {
  decodiff::testing::TempDir tmp("dist-hang");
  auto [r0, r1] = two_training_ranks(tmp.path(), 4);
  ASSERT_TRUE(read_until(r0, " step ", 120)) << r0.text;
  kill(r1.pid, SIGSTOP);
  const auto t0 = Clock::now();
  const int rc = finish(r0, 40);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  kill(r1.pid, SIGKILL);
  finish(r1, 5);
  EXPECT_EQ(rc, 1) << r0.text;
  EXPECT_LT(took, 4 + 8.0) << r0.text;
  EXPECT_NE(r0.text.find("decodiff-train: error: rank 0 of 2"), std::string::npos) << r0.text;
}

// A rendezvous address that does not resolve fails at once with one line.
TEST(DataParallel, BadRendezvousAddressFailsFast) {
  decodiff::testing::TempDir tmp("dist-addr");
  write_images(tmp.path() / "parts", 2);
  const auto t0 = Clock::now();
  Child r1 = spawn(tiny_train_args(tmp.path() / "parts", tmp.path() / "m.safetensors", 60),
                   rank_env(1, 2, 29999, "no-such-host.invalid"));
  const int rc = finish(r1, 60);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(rc, 1) << r1.text;
  EXPECT_LT(took, 20.0);
  EXPECT_NE(r1.text.find("decodiff-train: error: rank 1 of 2: cannot resolve the rendezvous address "
                         "MASTER_ADDR='no-such-host.invalid'"),
            std::string::npos)
      << r1.text;
  EXPECT_EQ(std::count(r1.text.begin(), r1.text.end(), '\n'), 1) << r1.text;
}

// The real torchrun: `torchrun --no-python ... decodiff-train -- <its usual arguments>` with
// --log (which torchrun alone would take for an abbreviation of its --log-dir).
TEST(DataParallel, TorchrunRunsTheUsualCommandLineAfterDoubleDash) {
  const char* torchrun = std::getenv("DECODIFF_TORCHRUN");
  if (!torchrun || !fs::exists(torchrun)) GTEST_SKIP() << "no torchrun (DECODIFF_TORCHRUN) on this machine";
  decodiff::testing::TempDir tmp("dist-torchrun");
  write_images(tmp.path() / "parts", 6);
  const auto out = tmp.path() / "m.safetensors";
  const auto log = tmp.path() / "losses.jsonl";
  auto args = tiny_train_args(tmp.path() / "parts", out, 60);
  args[std::find(args.begin(), args.end(), "--epochs") - args.begin() + 1] = "2";
  args.insert(args.end(), {"--log", log.string()});
  std::vector<std::string> cmd{
      std::string(torchrun), "--no-python", "--standalone", "--nproc-per-node", "2", args[0], "--"};
  cmd.insert(cmd.end(), args.begin() + 1, args.end());
  Child c = spawn(cmd, {{"OMP_NUM_THREADS", "1"}});
  const int rc = finish(c, 240);
  ASSERT_EQ(rc, 0) << c.text;
  auto m = load_model_file(out.string());
  EXPECT_EQ(m.config.training["world_size"], 2);
  EXPECT_EQ(m.config.training["state"]["steps_done"], 4);  // 6 images, 2 x 2 per step: 2 steps per epoch
  std::ifstream in(log);
  std::string line;
  int unet_lines = 0;
  while (std::getline(in, line))
    if (nlohmann::json::parse(line).value("phase", "") == "unet" &&
        !nlohmann::json::parse(line).contains("event"))
      ++unet_lines;
  EXPECT_EQ(unet_lines, 4) << "rank 0 alone logs, one line per step";
  EXPECT_NE(c.text.find("decodiff-train: wrote"), std::string::npos) << c.text;
  EXPECT_EQ(c.text.find("rank 1"), std::string::npos) << c.text;
}
