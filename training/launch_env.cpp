#include "launch_env.h"

#include <cstdlib>
#include <stdexcept>

namespace decodiff::train {
namespace {

int parse_int(const char* name, const char* text, int min, int max) {
  const std::string s(text);
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || v < min || v > max)
    throw std::invalid_argument("bad launch environment: " + std::string(name) + "='" + s +
                                "' (expected an integer in " + std::to_string(min) + ".." +
                                std::to_string(max) + ")");
  return static_cast<int>(v);
}

}  // namespace

LaunchEnvironment read_launch_environment(const std::function<const char*(const char*)>& get_fn) {
  auto get = [&](const char* name) -> const char* {
    const char* v = get_fn ? get_fn(name) : std::getenv(name);
    return v && *v ? v : nullptr;
  };
  LaunchEnvironment e;
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (!rank && !world) return e;
  if (!rank || !world)
    throw std::invalid_argument(std::string("bad launch environment: ") + (rank ? "RANK" : "WORLD_SIZE") +
                                " is set but " + (rank ? "WORLD_SIZE" : "RANK") +
                                " is not (start the ranks with torchrun)");
  e.world_size = parse_int("WORLD_SIZE", world, 1, 1 << 20);
  e.rank = parse_int("RANK", rank, 0, e.world_size - 1);
  const char* local_world = get("LOCAL_WORLD_SIZE");
  e.local_world_size =
      local_world ? parse_int("LOCAL_WORLD_SIZE", local_world, 1, e.world_size) : e.world_size;
  const char* local = get("LOCAL_RANK");
  e.local_rank = local ? parse_int("LOCAL_RANK", local, 0, e.local_world_size - 1) : e.rank;
  const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
  e.agent_store = agent && (std::string(agent) == "True" || std::string(agent) == "1");
  if (!e.distributed()) return e;
  const char* addr = get("MASTER_ADDR");
  const char* port = get("MASTER_PORT");
  if (!addr || !port)
    throw std::invalid_argument(std::string("bad launch environment: WORLD_SIZE=") + world + " but " +
                                (addr ? "MASTER_PORT" : "MASTER_ADDR") + " is not set");
  e.master_addr = addr;
  e.master_port = parse_int("MASTER_PORT", port, 1, 65535);
  return e;
}

}  // namespace decodiff::train
