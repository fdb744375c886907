// machines: Fly Machines API calls per second through Atlas's client
// (fly_machines_client: JSON, typed answers, retry wrapper, Authorization)
// against the Fly simulator in a child process, so the CPU measured is the
// client's alone. Rate limits are off on both sides: this measures the
// client, not Fly's 1–5 requests/s per machine.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/net/fly_machines_client.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>

namespace atlas::bench {

namespace {

const char* const bench_token = "fo1_atlasbenchsimulatortoken0123456789";

std::pair<pid_t, std::uint16_t> fork_simulator() {
  return fork_server_process([]() -> std::uint16_t {
    fly_simulator_options o;
    o.tokens = {bench_token};
    o.enforce_rate_limits = false;
    auto sim = fly_simulator::start(o);
    if (!sim || !(*sim)->add_app("bench"))
      return 0;
    auto url = (*sim)->base_url();
    auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    (void) sim->release(); // serves until the process ends
    return port;
  });
}

struct outcome {
  double per_second = 0;
  double cpu_us = 0;
  long failures = 0;
};

outcome run(fly_machines_client& fly, const std::vector<std::string>& ids, int n) {
  std::mutex mtx;
  std::condition_variable cv;
  auto loops = static_cast<int>(ids.size());
  int left = loops;
  long failures = 0;
  std::vector<int> remaining(ids.size(), n / loops);
  std::function<void(std::size_t)> next = [&](std::size_t loop) {
    fly.get_machine("bench", ids[loop], [&, loop](expected<fly_machine> m) {
      if (!m || m->state.empty())
        ++failures;
      if (--remaining[loop] > 0)
        return next(loop);
      std::lock_guard g{mtx};
      if (--left == 0)
        cv.notify_all();
    });
  };
  auto t0 = std::chrono::steady_clock::now();
  double cpu0 = cpu_seconds();
  for (std::size_t l = 0; l < ids.size(); ++l)
    next(l);
  {
    std::unique_lock lock{mtx};
    cv.wait(lock, [&] { return left == 0; });
  }
  double secs = seconds_since(t0);
  int total = (n / loops) * loops;
  return {total / secs, (cpu_seconds() - cpu0) / total * 1e6, failures};
}

} // namespace

int machines_api(int n, int concurrent) {
  auto [pid, port] = fork_simulator();
  if (pid <= 0 || port == 0) {
    std::fprintf(stderr, "machines: the simulator did not start\n");
    return 1;
  }
  int code = 0;
  {
    http_client_options ho;
    ho.max_idle_per_host = static_cast<std::size_t>(concurrent);
    auto http = http_client::create(ho);
    fly_machines_options fo;
    fo.base_url = "http://127.0.0.1:" + std::to_string(port);
    fo.pace = false;
    fly_machines_client fly{**http, secret{bench_token}, fo};
    std::vector<std::string> ids;
    for (int i = 0; i < concurrent; ++i) {
      fly_machine_request req;
      req.config = {{"image", "registry.fly.io/app:deployment-01"}, {"guest", {{"cpus", 1}, {"memory_mb", 256}}}};
      std::promise<expected<fly_machine>> p;
      fly.create_machine("bench", req, [&p](expected<fly_machine> m) { p.set_value(std::move(m)); });
      auto m = p.get_future().get();
      if (!m) {
        std::fprintf(stderr, "machines: create: %s\n", to_string(m.error()).c_str());
        code = 1;
        break;
      }
      ids.push_back(m->id);
    }
    if (code == 0) {
      run(fly, ids, concurrent * 50); // warm: connections made
      auto r = run(fly, ids, n);
      figure("machines_get", r.per_second, "calls/s",
             "(n=" + std::to_string(n) + " concurrent=" + std::to_string(concurrent)
               + " failures=" + std::to_string(r.failures) + ")");
      figure("machines_get_cpu", r.cpu_us, "us/call", "(client process: user + system)");
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  return code;
}

} // namespace atlas::bench
