// http: Atlas's HTTP client over keep-alive against a loopback server, plain
// and TLS: requests/s and the client's CPU per request. The server runs in a
// child process, so the CPU measured is the client's alone.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/net/http_client.hpp>
#include <atlas/net/http_server.hpp>
#include <atlas/net/self_signed_certificate.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <mutex>

namespace atlas::bench {

namespace {

// Forks a server (plain or TLS) that answers GET /machine with a
// Machine-sized JSON body; returns its pid and port.
std::pair<pid_t, std::uint16_t> fork_server(const certificate_pem* cert) {
  return fork_server_process([cert]() -> std::uint16_t {
    http_router r;
    std::string body = R"({"id":"17811953c92e18","name":"atlas-bench","state":"started","region":"ams",)"
                       R"("instance_id":"01H3JK6Q9XW3YB5S2R9E3Z4T7N","private_ip":"fdaa:0:1:a7b:8c31:1:2:3",)"
                       R"("config":{"image":"registry.fly.io/app:deployment-01","guest":{"cpus":1,"memory_mb":256}}})";
    r.add("GET", "/machine", [body](const http_server_request&, http_responder reply) {
      http_server_response res;
      res.body = body;
      reply(std::move(res));
    });
    http_server_options o;
    if (cert)
      o.tls = *make_server_tls_context(cert->cert_pem, cert->key_pem);
    auto srv = http_server::start(std::move(o), std::move(r));
    if (!srv)
      return 0;
    auto port = (*srv)->port();
    (void) srv->release(); // serves until the process ends
    return port;
  });
}

struct run_result {
  double per_second = 0;
  double cpu_us = 0;
  std::uint64_t connections = 0;
  long failures = 0;
};

run_result run(http_client& client, const std::string& url, int loops, int n) {
  std::mutex mtx;
  std::condition_variable cv;
  int left = loops;
  long failures = 0;
  std::function<void(int)> next;
  auto t0 = std::chrono::steady_clock::now();
  double cpu0 = cpu_seconds();
  std::vector<int> remaining(static_cast<std::size_t>(loops), n / loops);
  next = [&](int loop) {
    http_request req;
    req.url = url;
    client.request(std::move(req), [&, loop](expected<http_response> r) {
      if (!r || r->status != 200)
        ++failures;
      if (--remaining[static_cast<std::size_t>(loop)] > 0)
        return next(loop);
      std::lock_guard g{mtx};
      if (--left == 0)
        cv.notify_all();
    });
  };
  for (int l = 0; l < loops; ++l)
    next(l);
  {
    std::unique_lock lock{mtx};
    cv.wait(lock, [&] { return left == 0; });
  }
  double secs = seconds_since(t0);
  double cpu = cpu_seconds() - cpu0;
  int total = (n / loops) * loops;
  return {total / secs, cpu / total * 1e6, client.stats().connections, failures};
}

} // namespace

int http_keepalive(int n, int loops) {
  auto cert = make_self_signed_certificate();
  if (!cert) {
    std::fprintf(stderr, "http: %s\n", to_string(cert.error()).c_str());
    return 1;
  }
  for (bool tls : {false, true}) {
    auto [pid, port] = fork_server(tls ? &*cert : nullptr);
    if (pid <= 0 || port == 0) {
      std::fprintf(stderr, "http: the server did not start\n");
      return 1;
    }
    http_client_options o;
    o.max_idle_per_host = static_cast<std::size_t>(loops);
    o.tls.system_store = false;
    o.tls.extra_ca_pem = cert->cert_pem;
    auto client = http_client::create(o);
    std::string url = std::string{tls ? "https" : "http"} + "://127.0.0.1:" + std::to_string(port) + "/machine";
    run(**client, url, loops, loops * 50); // warm: connections and handshakes made
    auto r = run(**client, url, loops, n);
    std::string name = tls ? "http_client_tls" : "http_client_plain";
    auto details = "(n=" + std::to_string(n) + " concurrent=" + std::to_string(loops)
                   + " connections=" + std::to_string(r.connections)
                   + " failures=" + std::to_string(r.failures) + ")";
    figure(name, r.per_second, "requests/s", details);
    figure(name + "_cpu", r.cpu_us, "us/request", "(client process: user + system)");
    client->reset(); // the client goes before its server
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  return 0;
}

} // namespace atlas::bench
