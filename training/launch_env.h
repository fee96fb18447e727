// The process's place in a torchrun launch (env:// rendezvous): RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Without RANK and WORLD_SIZE
// the process runs alone (rank 0 of 1).
#pragma once

#include <functional>
#include <string>

namespace decodiff::train {

struct LaunchEnvironment {
  int rank = 0, world_size = 1;
  int local_rank = 0, local_world_size = 1;
  std::string master_addr;  // rendezvous host (the TCPStore)
  int master_port = 0;
  bool agent_store = false;  // torchrun's agent already serves the store (TORCHELASTIC_USE_AGENT_STORE)
  bool distributed() const { return world_size > 1; }
};

// Reads the variables through `get` (getenv by default; tests pass their own).
// Throws std::invalid_argument with one line naming the bad variable.
LaunchEnvironment read_launch_environment(const std::function<const char*(const char*)>& get = nullptr);

}  // namespace decodiff::train
