#pragma once
// Loopback servers for the net/ tests: Atlas's own server (plain or TLS with
// a certificate made at run time), and a raw one whose every connection a
// test scripts byte by byte (to misbehave: close kept-alive connections,
// never answer, dribble, send too much).

#include "../support/test_certificate.hpp"
#include "../support/wait.hpp"

#include <atlas/net/http_client.hpp>
#include <atlas/net/http_server.hpp>
#include <atlas/net/tls_context.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <future>
#include <thread>

namespace atlas::test {

using tcp = boost::asio::ip::tcp;

/// Sends `req` and waits for the answer (the deadline is generous: the
/// client's own timeouts are what tests exercise).
inline expected<http_response> call(http_client& c, http_request req) {
  auto p = std::make_shared<std::promise<expected<http_response>>>();
  auto f = p->get_future();
  c.request(std::move(req), [p](expected<http_response> r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
  return f.get();
}

inline http_request get(const std::string& url) {
  http_request r;
  r.url = url;
  return r;
}

/// A listener on 127.0.0.1:0; each accepted connection runs `script` on a
/// thread of its own with a blocking socket.
class raw_server {
public:
  using script = std::function<void(tcp::socket&, int connection_no)>;

  explicit raw_server(script s, int backlog = boost::asio::socket_base::max_listen_connections)
    : script_(std::move(s)), acceptor_(ioc_) {
    tcp::endpoint ep{boost::asio::ip::make_address("127.0.0.1"), 0};
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen(backlog);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread{[this] { loop(); }};
  }
  ~raw_server() {
    stopping_ = true;
    boost::system::error_code ec;
    // Wake accept() with a connection of our own, then join everything.
    tcp::socket poke{ioc_};
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
    for (auto& t : workers_)
      t.join();
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::uint16_t port() const { return port_; }
  int connections() const { return accepted_.load(); }

  /// Reads one request's header block (up to the blank line).
  static std::string read_head(tcp::socket& s, boost::asio::streambuf& buf) {
    boost::system::error_code ec;
    auto n = boost::asio::read_until(s, buf, "\r\n\r\n", ec);
    if (ec)
      return {};
    std::string head{boost::asio::buffers_begin(buf.data()),
                     boost::asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n)};
    buf.consume(n);
    return head;
  }
  static void send(tcp::socket& s, const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(s, boost::asio::buffer(bytes), ec);
  }
  /// Blocks until the peer closes (or anything fails).
  static void drain(tcp::socket& s) {
    char b[4096];
    boost::system::error_code ec;
    while (!ec)
      s.read_some(boost::asio::buffer(b), ec);
  }

private:
  void loop() {
    int n = 0;
    while (true) {
      tcp::socket s{ioc_};
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (stopping_ || ec)
        return;
      ++accepted_;
      workers_.emplace_back([this, s = std::move(s), no = n++]() mutable { script_(s, no); });
    }
  }

  script script_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

using clock_type = std::chrono::steady_clock;

/// How a connection ended, as the client sees it, and when.
struct ending {
  bool closed = false;  ///< the server closed it (EOF or reset), not our deadline
  std::size_t bytes = 0; ///< what it still delivered before
  clock_type::duration after{};
};

/// Reads (and drops) whatever comes until the server closes the connection
/// or `deadline` passes. Raw poll/recv: Asio's blocking reads cannot time out.
inline ending wait_for_close(tcp::socket& s, std::chrono::milliseconds deadline = default_deadline) {
  auto start = clock_type::now();
  ending e;
  char b[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(start + deadline - clock_type::now());
    if (left.count() <= 0)
      break;
    pollfd p{s.native_handle(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    auto got = ::recv(s.native_handle(), b, sizeof b, 0);
    if (got > 0) {
      e.bytes += static_cast<std::size_t>(got);
      continue;
    }
    e.closed = got == 0 || errno == ECONNRESET;
    break;
  }
  e.after = clock_type::now() - start;
  return e;
}

/// A client trusting exactly `cert` (and nothing from the system store).
inline std::unique_ptr<http_client> client_trusting(const test_certificate& cert,
                                                    http_client_options o = {}) {
  o.tls.system_store = false;
  o.tls.extra_ca_pem = cert.cert_pem;
  auto c = http_client::create(std::move(o));
  REQUIRE(c);
  return std::move(*c);
}

inline std::unique_ptr<http_server> serve(http_router routes, const test_certificate* cert = nullptr,
                                          http_server_options o = {}) {
  if (cert) {
    auto ctx = make_server_tls_context(cert->cert_pem, cert->key_pem);
    REQUIRE(ctx);
    o.tls = *ctx;
  }
  auto s = http_server::start(std::move(o), std::move(routes));
  REQUIRE(s);
  return std::move(*s);
}

} // namespace atlas::test
