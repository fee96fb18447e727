// End to end: synthetic data (2 categories, 64 px) -> training with a self-trained
// VAE -> the model loads in the Engine and scores defects higher than good parts.
// Also: resume, an interrupted decodiff-train run, and its clear input errors.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../common/paths.h"
#include "../common/temp_dir.h"
#include "dataset_index.h"
#include "engine.h"
#include "model_file.h"
#include "synth_dataset.h"
#include "trainer.h"

using namespace decodiff;
namespace fs = std::filesystem;

namespace {

std::string train_binary() { return decodiff::testing::build_path("tools/train/decodiff-train"); }

// Per-epoch UNet losses of a JSONL log.
std::vector<double> epoch_losses(const std::string& log) {
  std::vector<double> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.value("phase", "") == "unet" && j.value("event", "") == "epoch")
      out.push_back(j["loss"].get<double>());
  }
  return out;
}

// Runs a command; returns (exit code, combined output).
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  const int status = p ? pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The small configuration of these tests (docs/training.md, "Test-sized models").
train::TrainOptions small_options(const std::string& data, const std::string& out) {
  train::TrainOptions o;
  o.data_root = data;
  o.resize = 72;
  o.crop = 64;
  o.train_vae = true;
  o.vae_channels = {32, 32, 64};
  o.vae_layers_per_block = 1;
  o.vae_norm_groups = 16;
  o.vae_epochs = 8;
  o.vae_lr = 2e-3;
  o.model_channels = 32;
  o.num_heads = 4;
  o.context_dim = 32;
  o.num_res_blocks = 1;
  o.channel_mult = {1, 2};
  o.epochs = 16;
  o.batch_size = 8;
  o.lr = 2e-3;
  o.seed = 1;
  o.out = out;
  o.log_path = out + ".jsonl";
  o.checkpoint_every = 4;
  o.progress = false;
  o.threads = 1;  // OpenMP threads spin-wait on a loaded machine; one thread is faster there
  return o;
}

}  // namespace

class TrainEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new decodiff::testing::TempDir("e2e");
    data::SynthOptions s;
    s.seed = 3;
    s.image_size = 64;
    s.train_per_class = 16;
    s.test_good_per_class = 4;
    s.test_defect_per_kind = 1;
    s.categories = {"nut", "weave"};
    data::write_synthetic_dataset(dir_->path() / "synth", s);
    model_ = (dir_->path() / "model.safetensors").string();
    const auto start = std::chrono::steady_clock::now();
    result_ = train::train_model(small_options((dir_->path() / "synth").string(), model_));
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  static void TearDownTestSuite() { delete dir_; }
  static decodiff::testing::TempDir* dir_;
  static std::string model_;
  static train::TrainResult result_;
  static double seconds_;
};
decodiff::testing::TempDir* TrainEndToEnd::dir_ = nullptr;
std::string TrainEndToEnd::model_;
train::TrainResult TrainEndToEnd::result_;
double TrainEndToEnd::seconds_ = 0;

TEST_F(TrainEndToEnd, LossFallsAndTheModelDetectsDefects) {
  std::cout << "training took " << seconds_ << " s; epoch loss " << result_.first_loss << " -> "
            << result_.last_loss << "\n";
  EXPECT_EQ(result_.epochs_done, 16);
  EXPECT_FALSE(result_.interrupted);
  // The UNet's epoch loss falls by at least a factor 1.4 from the first to the last
  // epoch (the measured losses: docs/training.md).
  EXPECT_LT(result_.last_loss * 1.4, result_.first_loss);

  auto cfg = read_model_config(model_);
  EXPECT_EQ(cfg.classes, (std::vector<std::string>{"nut", "weave"}));
  EXPECT_EQ(cfg.input.crop, 64);
  EXPECT_EQ(cfg.training["state"]["phase"], "done");
  EXPECT_GT(cfg.vae.scaling_factor, 0.0);
  EXPECT_NE(cfg.vae.scaling_factor, 0.18215);  // 1/std of the trained VAE's latents

  auto engine = Engine::load(model_, {"cpu"});
  auto index = data::index_dataset((dir_->path() / "synth").string(), {}, engine->config().classes);
  double good = 0, bad = 0;
  int n_good = 0, n_bad = 0;
  for (const auto& s : index.test) {
    cv::Mat bgr = cv::imread(s.image, cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty());
    InspectRequest req;
    req.frame =
        decodiff::color_view(bgr.data, bgr.cols, bgr.rows, static_cast<int64_t>(bgr.step), 3, 2, 1, 0);
    req.class_id = s.class_id;
    const double score = engine->inspect({req})[0].score;
    (s.anomalous ? bad : good) += score;
    (s.anomalous ? n_bad : n_good) += 1;
  }
  ASSERT_GT(n_good, 0);
  ASSERT_GT(n_bad, 0);
  std::cout << "mean score good " << good / n_good << " defect " << bad / n_bad << "\n";
  EXPECT_GT(bad / n_bad, good / n_good);
}

TEST_F(TrainEndToEnd, ResumeContinuesTheLossCurve) {
  const auto first = epoch_losses(model_ + ".jsonl");
  ASSERT_EQ(first.size(), 16u);
  const std::string resumed = (dir_->path() / "resumed.safetensors").string();
  fs::copy_file(model_, resumed);
  fs::copy_file(model_ + ".optim.pt", resumed + ".optim.pt");
  auto o = small_options((dir_->path() / "synth").string(), resumed);
  o.resume = resumed;
  o.epochs = 18;
  o.log_path = resumed + ".jsonl";
  auto r = train::train_model(o);
  EXPECT_EQ(r.epochs_done, 18);
  const auto next = epoch_losses(resumed + ".jsonl");
  ASSERT_EQ(next.size(), 2u);
  // No jump: the resumed epochs stay near the end of the curve, far below its start.
  const double end = (first[14] + first[15]) / 2;
  EXPECT_LT(next[0], end * 1.3) << "resumed " << next[0] << " vs end " << end;
  EXPECT_LT(next[0], first[0] * 0.6);
  EXPECT_EQ(read_model_config(resumed).training["state"]["epochs_done"], 18);
}

TEST_F(TrainEndToEnd, InterruptedRunLeavesALoadableCheckpoint) {
  const std::string out = (dir_->path() / "interrupted.safetensors").string();
  const std::string log = out + ".jsonl";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The e2e model doubles as a pretrained VAE (--vae accepts our model files).
    execl(train_binary().c_str(), "decodiff-train", "--data", (dir_->path() / "synth").c_str(), "--vae",
          model_.c_str(), "--resize", "72", "--crop", "64", "--model-channels", "32", "--num-heads", "4",
          "--context-dim", "32", "--num-res-blocks", "1", "--channel-mult", "1,2", "--epochs", "1000",
          "--batch-size", "4", "--log-every", "1", "--log", log.c_str(), "--out", out.c_str(), "--threads",
          "1", "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for a few logged steps, then ask it to stop as a user would (Ctrl-C / kill).
  bool logging = false;
  for (int i = 0; i < 600 && !logging; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::ifstream in(log);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) ++lines;
    logging = lines >= 2;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) FAIL() << "decodiff-train exited early with status " << status;
  }
  ASSERT_TRUE(logging) << "decodiff-train logged nothing";
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  auto model = load_model_file(out);
  EXPECT_EQ(model.config.training["state"]["phase"], "unet");
  EXPECT_TRUE(fs::exists(out + ".optim.pt"));
  EXPECT_EQ(model.config.vae.scaling_factor, read_model_config(model_).vae.scaling_factor);
}

TEST(TrainCli, OneClearErrorPerBadInput) {
  decodiff::testing::TempDir dir("cli-errors");
  fs::create_directories(dir.path() / "empty/a");
  fs::create_directories(dir.path() / "bad/a");
  std::ofstream(dir.path() / "bad/a/broken.png") << "not an image";
  std::ofstream(dir.path() / "clip.mp4") << "not a video";
  const std::string bin = train_binary() + " --train-vae --resize 72 --crop 64 --quiet --out " +
                          (dir.path() / "m.safetensors").string();
  struct Case {
    std::string args, expect;
  } cases[] = {
      {"--data " + (dir.path() / "empty").string(), "holds no images"},
      {"--data " + (dir.path() / "bad").string(), "broken.png"},
      {"--video " + (dir.path() / "clip.mp4").string(), "cannot open video"},
      {"--video " + (dir.path() / "none.mp4").string(), "none.mp4"},
  };
  for (const auto& c : cases) {
    auto [code, out] = run(bin + " " + c.args);
    EXPECT_EQ(code, 1) << c.args << ": " << out;
    EXPECT_NE(out.find(c.expect), std::string::npos) << c.args << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << c.args << ": " << out;
    EXPECT_EQ(out.rfind("decodiff-train: error: ", 0), 0u) << out;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "m.safetensors"));
}
