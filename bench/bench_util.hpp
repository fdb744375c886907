#pragma once
// What every workload of atlas_bench uses: a clock, the process's resident
// memory, and the one output format, `name value unit [details]`.

#include <caf/actor_system_config.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

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

/// Runs a server in a child process, so that what the parent measures is its
/// own work alone: `serve` starts it and returns its port (0: it failed),
/// then the child waits for the parent's SIGTERM. Returns the child's pid
/// and the port.
template <class Serve>
std::pair<pid_t, std::uint16_t> fork_server_process(Serve serve) {
  int fds[2];
  if (::pipe(fds) != 0)
    return {-1, 0};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::uint16_t port = serve();
    (void) !::write(fds[1], &port, sizeof port);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::uint16_t port = 0;
  (void) !::read(fds[0], &port, sizeof port);
  ::close(fds[0]);
  return {pid, port};
}

/// CPU seconds (user + system) of each of this process's threads so far,
/// summed by thread name (/proc/self/task/*/comm): where a workload's CPU goes.
inline std::map<std::string, double> cpu_seconds_by_thread_name() {
  std::map<std::string, double> out;
  static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator{"/proc/self/task", ec}) {
    std::ifstream in{t.path() / "stat"};
    std::string stat{std::istreambuf_iterator<char>{in}, {}};
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos)
      continue;
    std::istringstream rest{stat.substr(close + 2)};
    std::string field;
    double utime = 0, stime = 0;
    // After "(comm) ": state is field 3; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14)
        utime = std::atof(field.c_str());
      if (i == 15)
        stime = std::atof(field.c_str());
    }
    out[stat.substr(open + 1, close - open - 1)] += (utime + stime) / tick;
  }
  return out;
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
  // ATLAS_BENCH_MAX_THROUGHPUT=N: an actor handles at most N messages before
  // its worker runs the next actor (CAF's default: no limit).
  if (const char* n = std::getenv("ATLAS_BENCH_MAX_THROUGHPUT"))
    cfg.set("scheduler.max-throughput", static_cast<std::size_t>(std::strtoul(n, nullptr, 10)));
  // ATLAS_BENCH_IDLE_POLL=A,M: an idle worker polls its queue A times, then
  // M times 50 us apart, before it waits on its condition variable (CAF's
  // defaults: 100 and 500).
  if (const char* p = std::getenv("ATLAS_BENCH_IDLE_POLL")) {
    char* end = nullptr;
    auto a = std::strtoul(p, &end, 10);
    auto m = *end == ',' ? std::strtoul(end + 1, nullptr, 10) : 0ul;
    cfg.set("work-stealing.aggressive-poll-attempts", static_cast<std::size_t>(a));
    cfg.set("work-stealing.moderate-poll-attempts", static_cast<std::size_t>(m));
  }
}

/// One figure: "w6_restart 123456.7 restarts/s (n=10000 ...)".
inline void figure(const std::string& name, double value, const std::string& unit,
                   const std::string& details = {}) {
  std::printf("%s %.1f %s%s%s\n", name.c_str(), value, unit.c_str(), details.empty() ? "" : " ",
              details.c_str());
  std::fflush(stdout);
}

} // namespace atlas::bench
