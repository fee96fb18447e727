// One rank of the data-parallel tests (test_distributed.cpp): trains the tiny model of
// those tests with train_model(), as decodiff-train would under torchrun, but every rank
// writes its own checkpoint (rank r > 0 to <out>.rank<r>) so the test can compare them.
//   train-rank DATA OUT BATCH_PER_RANK EPOCHS
#include <cstdlib>
#include <iostream>
#include <string>

#include "error_text.h"
#include "trainer.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: train-rank DATA OUT BATCH_PER_RANK EPOCHS\n";
    return 2;
  }
  decodiff::train::TrainOptions o;
  o.data_root = argv[1];
  o.out = argv[2];
  o.batch_size = std::atoi(argv[3]);
  o.epochs = std::atoi(argv[4]);
  o.resize = 40;
  o.crop = 32;
  o.train_vae = true;
  o.vae_channels = {8, 16};
  o.vae_norm_groups = 8;
  o.vae_epochs = 1;
  o.vae_lr = 2e-3;
  o.model_channels = 32;
  o.num_heads = 2;
  o.context_dim = 16;
  o.num_res_blocks = 1;
  o.channel_mult = {1, 2};
  o.lr = 1e-3;
  o.warmup_epochs = 0;
  o.seed = 3;
  o.threads = 1;
  o.device = "cpu";
  o.progress = false;
  o.checkpoint_every = 1000;
  o.dist_timeout_s = 60;
  o.every_rank_writes = true;
  o.rank_random_stream = true;  // the one-process reference draws as the ranks do
  if (const char* log = std::getenv("TRAIN_RANK_LOG")) o.log_path = log;
  if (const char* dump = std::getenv("TRAIN_RANK_DUMP")) o.first_step_dump = dump;
  if (const char* resume = std::getenv("TRAIN_RANK_RESUME")) o.resume = resume;
  if (const char* dropout = std::getenv("TRAIN_RANK_DROPOUT")) o.unet_dropout = std::atof(dropout);
  o.log_every = 1;
  try {
    auto r = decodiff::train::train_model(o);
    std::cout << "rank " << r.rank << " of " << r.world_size << " steps " << r.steps_done << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train-rank: error: " << decodiff::error_text(e) << "\n";
    return 1;
  }
}
