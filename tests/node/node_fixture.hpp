#pragma once
// A node on 127.0.0.1:0 with the Fly simulator behind it, for HTTP-level
// tests: the runtime (tokens minted by the stand-in flyctl, logs polled from
// the simulator, deploys run by the stand-in), a project root with fly.toml
// apps, an API token, and clients for JSON, SSE and WebSocket.

#include "../support/fake_env.hpp"
#include "../support/test_certificate.hpp"
#include "../support/sync_call.hpp"
#include "../support/wait.hpp"

#include <atlas/api/runtime.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/node/auth.hpp>
#include <atlas/node/metrics_registry.hpp>
#include <atlas/node/node_server.hpp>
#include <atlas/node/token_store.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <thread>

namespace atlas::test {

namespace fs = std::filesystem;

/// One parsed Server-Sent Event.
struct sse_event {
  std::string event; ///< "" for a plain message
  std::string id;
  std::string data;
};

/// A raw SSE client on a thread of its own: headers as given, the chunked
/// body decoded and split into events; or, `reading = false`, a client that
/// never reads (a slow one), with a small receive buffer.
class sse_client {
public:
  sse_client(std::uint16_t port, const std::string& target, http_headers headers = {},
             bool reading = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (!reading) {
      int small = 4096;
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (auto& [k, v] : headers)
      req += k + ": " + v + "\r\n";
    req += "\r\n";
    REQUIRE(::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    if (reading)
      thread_ = std::thread{[this] { loop(); }};
  }
  ~sse_client() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable())
      thread_.join();
    ::close(fd_);
  }
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  /// Closes the connection now, as a browser tab does.
  void leave() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable())
      thread_.join();
  }

  int status() const {
    std::lock_guard g{mtx_};
    return status_;
  }
  std::string raw() const {
    std::lock_guard g{mtx_};
    return raw_;
  }
  std::vector<sse_event> events() const {
    std::lock_guard g{mtx_};
    return events_;
  }
  std::vector<sse_event> events(const std::string& name) const {
    std::vector<sse_event> out;
    for (auto& e : events())
      if (e.event == name)
        out.push_back(e);
    return out;
  }
  bool ended() const { return ended_; }

  bool wait_for(const std::function<bool(const sse_client&)>& pred,
                std::chrono::milliseconds deadline = default_deadline) const {
    return wait_until([&] { return pred(*this); }, deadline);
  }
  bool wait_event(const std::string& name, std::chrono::milliseconds deadline = default_deadline) const {
    return wait_for([&](const sse_client& c) { return !c.events(name).empty(); }, deadline);
  }
  bool wait_ended(std::chrono::milliseconds deadline = default_deadline) const {
    return wait_until([&] { return ended_.load(); }, deadline);
  }

  /// For a client that did not read: reads everything until the server
  /// closes the connection (true) or the deadline passes (false).
  bool drain_until_closed(std::chrono::milliseconds deadline = default_deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    char b[65536];
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      auto n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0)
        return true;
      feed(std::string_view{b, static_cast<std::size_t>(n)});
    }
    return false;
  }

private:
  void loop() {
    char b[65536];
    while (true) {
      auto n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0)
        break;
      feed(std::string_view{b, static_cast<std::size_t>(n)});
    }
    ended_ = true;
  }

  void feed(std::string_view bytes) {
    std::lock_guard g{mtx_};
    raw_.append(bytes);
    if (!head_done_) {
      auto end = raw_.find("\r\n\r\n");
      if (end == std::string::npos)
        return;
      auto sp = raw_.find(' ');
      status_ = std::atoi(raw_.c_str() + sp + 1);
      head_done_ = true;
      chunked_ = raw_.substr(end + 4);
    } else {
      chunked_.append(bytes);
    }
    // Chunks: "SIZE\r\nDATA\r\n".
    while (true) {
      auto eol = chunked_.find("\r\n");
      if (eol == std::string::npos)
        break;
      auto size = std::strtoul(chunked_.substr(0, eol).c_str(), nullptr, 16);
      if (chunked_.size() < eol + 2 + size + 2)
        break;
      body_.append(chunked_, eol + 2, size);
      chunked_.erase(0, eol + 2 + size + 2);
    }
    // Events: blocks separated by a blank line.
    for (auto blank = body_.find("\n\n"); blank != std::string::npos; blank = body_.find("\n\n")) {
      auto block = body_.substr(0, blank);
      body_.erase(0, blank + 2);
      sse_event e;
      bool any = false;
      std::size_t i = 0;
      while (i <= block.size()) {
        auto j = block.find('\n', i);
        auto line = block.substr(i, j == std::string::npos ? std::string::npos : j - i);
        i = j == std::string::npos ? block.size() + 1 : j + 1;
        if (line.starts_with(":"))
          continue; // a heartbeat comment
        auto colon = line.find(':');
        auto field = line.substr(0, colon);
        auto value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (value.starts_with(" "))
          value.erase(0, 1);
        if (field == "event")
          e.event = value, any = true;
        else if (field == "id")
          e.id = value, any = true;
        else if (field == "data")
          e.data += (e.data.empty() ? "" : "\n") + value, any = true;
      }
      if (any)
        events_.push_back(std::move(e));
    }
  }

  int fd_ = -1;
  std::thread thread_;
  mutable std::mutex mtx_;
  std::string raw_;
  bool head_done_ = false;
  int status_ = 0;
  std::string chunked_;
  std::string body_;
  std::vector<sse_event> events_;
  std::atomic<bool> ended_{false};
};

/// A WebSocket client reading text frames on a thread of its own.
class ws_client {
public:
  ws_client(std::uint16_t port, const std::string& target, http_headers headers = {})
    : ws_(ioc_) {
    namespace ws = boost::beast::websocket;
    ws_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    ws_.set_option(ws::stream_base::decorator([headers](ws::request_type& req) {
      for (auto& [k, v] : headers)
        req.set(k, v);
    }));
    boost::system::error_code ec;
    ws_.handshake("127.0.0.1", target, ec);
    open_ = !ec;
    if (open_)
      thread_ = std::thread{[this] { loop(); }};
  }
  ~ws_client() {
    boost::system::error_code ec;
    ws_.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    if (thread_.joinable())
      thread_.join();
  }
  bool open() const { return open_; }
  std::vector<boost::json::object> frames() const {
    std::lock_guard g{mtx_};
    return frames_;
  }
  bool closed_normally() const { return closed_normally_; }
  bool ended() const { return ended_; }
  bool wait_type(const std::string& type, std::chrono::milliseconds deadline = default_deadline) const {
    return wait_until([&] {
      for (auto& f : frames())
        if (f.at("type").as_string() == type)
          return true;
      return false;
    }, deadline);
  }

private:
  void loop() {
    while (true) {
      boost::beast::flat_buffer buf;
      boost::system::error_code ec;
      ws_.read(buf, ec);
      if (ec) {
        closed_normally_ = ec == boost::beast::websocket::error::closed;
        break;
      }
      auto v = boost::json::parse(boost::beast::buffers_to_string(buf.data()));
      std::lock_guard g{mtx_};
      frames_.push_back(v.as_object());
    }
    ended_ = true;
  }
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  bool open_ = false;
  std::thread thread_;
  mutable std::mutex mtx_;
  std::vector<boost::json::object> frames_;
  std::atomic<bool> closed_normally_{false};
  std::atomic<bool> ended_{false};
};

struct node_fixture_options {
  std::uint32_t sse_buffer = 1024;
  std::uint32_t sse_queue_limit = 256;
  duration write_timeout = std::chrono::seconds{30};
  duration sse_linger = std::chrono::minutes{1};
  long deploy_step_ms = 5;
  bool tls = false; ///< serve HTTPS with a certificate made for the test
  /// Last word on the options before the runtime starts (e.g. orchestrator.enabled).
  std::function<void(options&)> configure{};
};

/// The whole node, started in the constructor, stopped in the destructor.
struct node_fixture {
  fs::path dir = fs::temp_directory_path() / ("atlas-node-test-" + std::to_string(std::random_device{}()));
  std::unique_ptr<fly_simulator> sim;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::optional<runtime> rt;
  metrics_registry metrics; ///< the runtime's telemetry sink and the node's /metrics
  node_config cfg;
  std::unique_ptr<node_server> node;
  std::shared_ptr<http_client> http;
  std::string token; ///< a valid API bearer token
  options opts;

  explicit node_fixture(node_fixture_options fo = {}) {
    fs::create_directories(dir / "projects" / "app-a");
    fs::create_directories(dir / "projects" / "app-b");
    std::ofstream{dir / "projects" / "app-a" / "fly.toml"} << "app = \"app-a\"\n";
    std::ofstream{dir / "projects" / "app-b" / "fly.toml"} << "app = \"app-b\"\n";
    sim = fly_simulator::start({}).value();
    REQUIRE(sim->add_app("app-a"));
    REQUIRE(sim->add_app("app-b"));
    // The stand-in flyctl mints the simulator's token (inherited environment).
    ::setenv("ATLAS_SIM_TOKEN", sim->token().c_str(), 1);
    ::setenv("ATLAS_FAKE_FLY_UPDATE_NOTICE", "0", 1);
    ::setenv("ATLAS_FAKE_FLY_DEPLOY_STEP_MS", std::to_string(fo.deploy_step_ms).c_str(), 1);
    opts.fly.api_base_url = sim->base_url();
    opts.fly.flaps_base_url = sim->base_url();
    opts.fly.cli_path = ATLAS_FAKE_FLY;
    opts.fly.org = "personal";
    opts.fly.config_dir = (dir / "fly").string();
    opts.tokens.config_file_enabled = false;
    opts.tokens.storage_dir = (dir / "tokens").string();
    opts.logs.poll_interval = std::chrono::milliseconds{20};
    opts.deploys.stop_grace = std::chrono::milliseconds{200};
    opts.node.listen = "127.0.0.1:0";
    opts.node.project_root = (dir / "projects").string();
    opts.node.sse_buffer = fo.sse_buffer;
    opts.node.sse_queue_limit = fo.sse_queue_limit;
    opts.node.write_timeout = fo.write_timeout;
    opts.node.sse_linger = fo.sse_linger;
    opts.node.sse_heartbeat = std::chrono::seconds{15};
    std::string trusted_pem;
    if (fo.tls) {
      auto cert = make_test_certificate();
      std::ofstream{dir / "cert.pem"} << cert.cert_pem;
      std::ofstream{dir / "key.pem"} << cert.key_pem;
      opts.node.tls_cert = (dir / "cert.pem").string();
      opts.node.tls_key = (dir / "key.pem").string();
      trusted_pem = cert.cert_pem;
    }
    if (fo.configure)
      fo.configure(opts);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    runtime_parts parts;
    parts.env = fake_env({});
    parts.telemetry = &metrics;
    auto r = runtime::start(*sys, opts, std::move(parts));
    REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
    rt = std::move(*r);
    cfg = node_config_from(opts);
    cfg.metrics = &metrics;
    auto n = node_server::start(*sys, *rt, cfg);
    REQUIRE_MESSAGE(n, (n ? "" : to_string(n.error())));
    node = std::move(*n);
    auto minted = token_store{cfg.auth_file}.create("test");
    REQUIRE(minted);
    token = minted->token.reveal();
    http_client_options ho;
    ho.tls.extra_ca_pem = trusted_pem;
    http = http_client::create(ho).value();
  }

  ~node_fixture() {
    http.reset();
    if (node)
      (void) node->stop(std::chrono::seconds{5});
    node.reset();
    if (rt)
      (void) rt->stop();
    rt.reset();
    sys.reset();
    sim->stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::uint16_t port() const { return node->port(); }

  http_headers bearer() const { return {{"Authorization", "Bearer " + token}}; }

  /// One request; `auth`: the bearer header's value ("" for none).
  http_response call(const std::string& method, const std::string& target, const std::string& body = {},
                     std::optional<std::string> auth = std::nullopt, http_headers headers = {}) {
    http_request req;
    req.method = method;
    req.url = node->base_url() + target;
    req.body = body;
    if (!body.empty())
      req.content_type = "application/json";
    auto a = auth.value_or("Bearer " + token);
    if (!a.empty())
      req.authorization = secret{a};
    req.headers = std::move(headers);
    auto r = sync<http_response>([&](auto done) { http->request(req, done); });
    REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
    return *r;
  }

  static boost::json::object json_of(const http_response& r) {
    auto v = boost::json::parse(r.body);
    REQUIRE(v.is_object());
    return v.as_object();
  }

  /// The error kind of an error answer ({"error":{"kind","message"}}).
  static std::string kind_of(const http_response& r) {
    auto o = json_of(r);
    REQUIRE(o.contains("error"));
    REQUIRE(o.at("error").as_object().at("message").is_string());
    return std::string{o.at("error").as_object().at("kind").as_string()};
  }

  void log(const std::string& app, const std::string& message, std::size_t pad = 0) {
    log_entry e;
    e.message = message + std::string(pad, '.');
    e.instance = "m1";
    e.region = "ams";
    e.level = "info";
    sim->append_log(app, std::move(e));
  }
};

/// The messages of the `logs` events a client got, in order.
inline std::vector<std::string> messages_of(const std::vector<sse_event>& events) {
  std::vector<std::string> out;
  for (auto& e : events) {
    if (e.event != "logs")
      continue;
    auto v = boost::json::parse(e.data);
    for (auto& entry : v.at("entries").as_array())
      out.emplace_back(entry.at("message").as_string());
  }
  return out;
}

} // namespace atlas::test
