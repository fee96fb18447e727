// c10d's Gloo backend. ProcessGroupGloo.hpp includes Gloo's headers (Debian's libgloo-dev),
// but only names Gloo types through pointers: the Gloo code that runs is the copy inside
// libtorch_cpu, and the class layout this file sees does not depend on the Gloo version
// of the headers (docs/training.md, "How the ranks talk").
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <cstdlib>

#include "distributed_backends.h"

namespace decodiff::train::detail {

c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                    int size, std::chrono::milliseconds timeout,
                                                    const std::string& hostname) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
  if (iface && *iface)
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
  else if (!hostname.empty())
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

}  // namespace decodiff::train::detail
