#include "stop_request.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace decodiff::train {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

extern "C" void on_stop_signal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);
  g_stop.store(true);
}

}  // namespace

void request_stop() { g_stop.store(true); }

bool stop_requested() { return g_stop.load(); }

void install_stop_signal_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

StopRequestScope::~StopRequestScope() {
  g_stop = false;
  g_signals = 0;
}

}  // namespace decodiff::train
