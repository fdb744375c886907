#pragma once
// What every workload of atlas_bench uses: a clock, the process's resident
// memory, and the one output format, `name value unit [details]`.

#include <caf/actor_system_config.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace atlas::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// This process's CPU time so far, user + system, in seconds.
inline double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

/// Resident set size of this process in bytes (VmRSS of /proc/self/status).
inline long long rss_bytes() {
  std::ifstream in{"/proc/self/status"};
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long long kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::getline(in, key);
  }
  return -1;
}

/// The actor system's configuration for every workload: one scheduler thread
/// per core, as the BEAM runs by default (+S = cores) and as the OTP reference
/// is measured; CAF's own default, max(cores, 4), oversubscribes a 2-core
/// machine. ATLAS_BENCH_THREADS=N overrides it.
inline void configure(caf::actor_system_config& cfg) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  if (const char* n = std::getenv("ATLAS_BENCH_THREADS"))
    threads = std::atoi(n);
  if (threads > 0)
    cfg.set("scheduler.max-threads", threads);
}

/// One figure: "w6_restart 123456.7 restarts/s (n=10000 ...)".
inline void figure(const std::string& name, double value, const std::string& unit,
                   const std::string& details = {}) {
  std::printf("%s %.1f %s%s%s\n", name.c_str(), value, unit.c_str(), details.empty() ? "" : " ",
              details.c_str());
  std::fflush(stdout);
}

} // namespace atlas::bench
