// sse_fanout [CLIENTS=1000] [SECONDS=10] [RATE=2] [POLL_MS=2000]: issue #10's SSE fan-out.
// A node (node_server over an atlas::runtime against the in-process Fly
// simulator, whose log generator makes RATE lines per second for app
// "bench", the rate `atlas node --sim` uses by default; the streamer polls
// every POLL_MS, logs.poll_interval's default; metrics on) runs
// in a child process, so what is measured of it is its own work: its CPU
// (user + system over the window, /proc/PID/stat) and its RSS at the end
// (/proc/PID/statm). This process opens CLIENTS concurrent SSE connections
// to GET /v1/apps/bench/logs/sse (raw Asio sockets on one io thread, bearer
// auth) and counts the `logs` events and the entries they carry, over
// SECONDS once every client has its stream's headers.
//
// Figures: sse_fanout_events events/s (all clients together),
// sse_fanout_entries entries/s, sse_fanout_cpu_pct % (of one core, the
// node), sse_fanout_rss bytes (the node). No Erlang/OTP counterpart: the
// reference has no HTTP node.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/api/runtime.hpp>
#include <atlas/node/metrics_registry.hpp>
#include <atlas/node/node_server.hpp>
#include <atlas/node/token_store.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <array>
#include <cstring>
#include <memory>
#include <string_view>

namespace atlas::bench {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// What all clients have seen; one io thread, so plain integers.
struct tally {
  std::size_t connecting = 0;
  std::size_t streaming = 0; ///< got "200" and the end of the headers
  std::size_t failed = 0;
  std::size_t closed = 0; ///< the node ended a stream
  std::uint64_t events = 0;
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
};

/// One SSE client: sends the request, then reads forever, counting
/// "event: logs" lines and, in their data, the entries' "timestamp" keys.
/// Each SSE event is one HTTP chunk (net/http_server.cpp), so the chunk
/// framing never splits a line; a read may, and a short tail is kept.
class client : public std::enable_shared_from_this<client> {
public:
  client(asio::io_context& io, tally& t, std::string request)
      : socket_(io), tally_(t), request_(std::move(request)) {}

  void start(const tcp::endpoint& ep) {
    ++tally_.connecting;
    socket_.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec)
        return self->fail();
      asio::async_write(self->socket_, asio::buffer(self->request_),
                        [self](boost::system::error_code ec2, std::size_t) {
                          if (ec2)
                            return self->fail();
                          self->read();
                        });
    });
  }

  void stop() {
    stopping_ = true;
    boost::system::error_code ec;
    socket_.close(ec);
  }

private:
  void fail() {
    --tally_.connecting;
    ++tally_.failed;
  }

  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](boost::system::error_code ec,
                                                                             std::size_t n) {
      if (ec) {
        if (self->stopping_)
          return;
        if (self->streaming_)
          ++self->tally_.closed;
        else
          self->fail();
        return;
      }
      self->consume(std::string_view{self->buf_.data(), n});
      self->read();
    });
  }

  void consume(std::string_view chunk) {
    tally_.bytes += chunk.size();
    text_.append(chunk);
    if (!streaming_) {
      auto end = text_.find("\r\n\r\n");
      if (end == std::string::npos)
        return;
      if (!text_.starts_with("HTTP/1.1 200")) {
        fail();
        stop();
        return;
      }
      streaming_ = true;
      --tally_.connecting;
      ++tally_.streaming;
      text_.erase(0, end + 4);
    }
    static constexpr std::string_view event = "event: logs\n";
    static constexpr std::string_view entry = "\"timestamp\"";
    std::size_t at = 0;
    while ((at = text_.find(event, at)) != std::string::npos) {
      ++tally_.events;
      at += event.size();
    }
    at = 0;
    while ((at = text_.find(entry, at)) != std::string::npos) {
      ++tally_.entries;
      at += entry.size();
    }
    // Keep what could be the start of a marker split by this read.
    constexpr std::size_t keep = 16;
    if (text_.size() > keep)
      text_.erase(0, text_.size() - keep);
    // ...but never count a kept marker twice: a whole one cannot fit in the
    // tail without having been counted, so drop through its end.
    for (auto m : {event, entry})
      if (auto p = text_.rfind(m); p != std::string::npos)
        text_.erase(0, p + m.size());
  }

  tcp::socket socket_;
  tally& tally_;
  std::string request_;
  std::array<char, 16384> buf_{};
  std::string text_;
  bool streaming_ = false;
  bool stopping_ = false;
};

/// utime + stime of a process, in seconds (/proc/PID/stat fields 14, 15).
double process_cpu(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream rest{stat.substr(close + 1)};
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::atof(field.c_str());
    if (i == 15)
      stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long long process_rss(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/statm"};
  long long size = 0, resident = 0;
  if (!(in >> size >> resident))
    return -1;
  return resident * static_cast<long long>(::sysconf(_SC_PAGESIZE));
}

/// The node, in the child: simulator, actor system, runtime, server; none
/// of it is ever torn down (the parent kills the child). Writes the port
/// (0: failed) and the bearer token to `out`.
void serve_node(int out, const std::string& dir, double rate, int poll_ms, std::size_t clients) {
  auto fail = [out](const std::string& why) {
    std::fprintf(stderr, "sse_fanout: node: %s\n", why.c_str());
    std::uint16_t zero = 0;
    (void) !::write(out, &zero, sizeof zero);
  };
  fly_simulator_options so;
  so.log_rate = 0; // set for "bench" alone, below
  so.enforce_rate_limits = false;
  auto sim = fly_simulator::start(so);
  if (!sim)
    return fail("simulator: " + to_string(sim.error()));
  if (auto ok = (*sim)->add_app("bench"); !ok)
    return fail(to_string(ok.error()));
  (*sim)->set_log_rate("bench", rate);

  static caf::actor_system_config cfg;
  configure(cfg);
  auto* sys = new caf::actor_system{cfg};
  auto* metrics = new metrics_registry{};
  options o;
  o.fly.api_base_url = (*sim)->base_url();
  o.fly.flaps_base_url = (*sim)->base_url();
  o.fly.cli_path = dir + "/no-fly";
  o.tokens.config_file_enabled = false;
  o.tokens.storage_dir = dir + "/tokens";
  o.logs.poll_interval = std::chrono::milliseconds{poll_ms};
  // The simulator's token as if from FLY_API_TOKEN (the chain's env link).
  o.fly.access_token = secret{(*sim)->token()};
  o.fly.access_token_set = true;
  runtime_parts parts;
  parts.telemetry = metrics;
  parts.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto rt = runtime::start(*sys, o, std::move(parts));
  if (!rt)
    return fail("runtime: " + to_string(rt.error()));
  node_config nc;
  nc.node.listen = "127.0.0.1:0";
  nc.node.max_connections = static_cast<std::uint32_t>(clients + 64);
  nc.auth_file = dir + "/node_tokens.json";
  nc.secret_file = dir + "/node_secret";
  nc.metrics = metrics;
  auto minted = token_store{nc.auth_file}.create("sse_fanout");
  if (!minted)
    return fail("token: " + to_string(minted.error()));
  auto server = node_server::start(*sys, *rt, nc);
  if (!server)
    return fail("server: " + to_string(server.error()));
  std::uint16_t port = (*server)->port();
  std::string token{minted->token.reveal()};
  std::uint32_t len = static_cast<std::uint32_t>(token.size());
  (void) !::write(out, &port, sizeof port);
  (void) !::write(out, &len, sizeof len);
  (void) !::write(out, token.data(), len);
  (void) server->release(); // lives until the parent's SIGKILL
  (void) sim->release();
}

/// 1,000 sockets on each side need more than the usual soft limit of 1,024.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

} // namespace

int sse_fanout(int clients, int seconds, int rate, int poll_ms) {
  raise_fd_limit();
  char dir_template[] = "/tmp/atlas-sse-fanout-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr)
    return 1;
  const std::string dir = dir_template;
  int fds[2];
  if (::pipe(fds) != 0)
    return 1;
  // Forked before this process has a thread: the child starts its own.
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    serve_node(fds[1], dir, double(rate), poll_ms, static_cast<std::size_t>(clients));
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::uint16_t port = 0;
  std::uint32_t len = 0;
  std::string token;
  if (::read(fds[0], &port, sizeof port) == sizeof port && port != 0 &&
      ::read(fds[0], &len, sizeof len) == sizeof len && len < 4096) {
    token.resize(len);
    if (::read(fds[0], token.data(), len) != static_cast<ssize_t>(len))
      port = 0;
  } else {
    port = 0;
  }
  ::close(fds[0]);
  auto end_child = [pid, dir] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  if (port == 0) {
    std::fprintf(stderr, "sse_fanout: the node did not start\n");
    end_child();
    return 1;
  }

  asio::io_context io;
  tally t;
  tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port};
  std::string request = "GET /v1/apps/bench/logs/sse HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n";
  std::vector<std::shared_ptr<client>> all;
  all.reserve(static_cast<std::size_t>(clients));
  for (int i = 0; i < clients; ++i) {
    all.push_back(std::make_shared<client>(io, t, request));
    all.back()->start(ep);
  }
  // Until every client streams (or failed), then the measured window.
  auto setup_deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (t.connecting > 0 && std::chrono::steady_clock::now() < setup_deadline)
    io.run_for(std::chrono::milliseconds{50});
  if (t.streaming == 0) {
    std::fprintf(stderr, "sse_fanout: no client got a stream (%zu failed)\n", t.failed);
    end_child();
    return 1;
  }
  auto events0 = t.events, entries0 = t.entries;
  auto cpu0 = process_cpu(pid);
  auto t0 = std::chrono::steady_clock::now();
  io.run_for(std::chrono::seconds{seconds});
  double wall = seconds_since(t0);
  double cpu = process_cpu(pid) - cpu0;
  auto rss = process_rss(pid);
  auto events = t.events - events0, entries = t.entries - entries0;
  for (auto& c : all)
    c->stop();
  io.run_for(std::chrono::milliseconds{200});
  end_child();

  std::string details = "(clients=" + std::to_string(clients) + " streaming=" + std::to_string(t.streaming) +
                        " failed=" + std::to_string(t.failed) + " closed=" + std::to_string(t.closed) +
                        " rate=" + std::to_string(rate) + "/s poll=" + std::to_string(poll_ms) +
                        "ms secs=" + std::to_string(seconds) + ")";
  figure("sse_fanout_events", double(events) / wall, "events/s", details);
  figure("sse_fanout_entries", double(entries) / wall, "entries/s");
  figure("sse_fanout_cpu_pct", 100.0 * cpu / wall, "%", "(the node process, one core = 100)");
  figure("sse_fanout_rss", double(rss), "bytes", "(the node process)");
  return t.streaming == static_cast<std::size_t>(clients) && t.closed == 0 ? 0 : 1;
}

} // namespace atlas::bench
