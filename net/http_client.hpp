#pragma once
// Atlas's HTTP/1.1 client on Boost.Beast (reference/runtime.md §4.1): TLS
// with the peer and its host name verified, plain HTTP for loopback, a
// keep-alive pool per host, a timeout for each step and a deadline for the
// whole exchange. It runs on a thread of its own and reports through
// callbacks (DESIGN.md §1: net/ knows no actors).

#include <atlas/net/http_message.hpp>
#include <atlas/net/tls_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace atlas {

/// Resolves a host name to IP addresses instead of the system's resolver
/// (IP literals are never passed to it):
/// calls `done` once, from any thread, with the addresses ("127.0.0.1",
/// "::1") or an error. For the simulator (Fly's host names served on
/// loopback, TLS names still checked) and for tests; resolve_timeout and the
/// deadline apply to it as to the system's.
using resolve_function = std::function<void(
  const std::string& host, std::function<void(expected<std::vector<std::string>>)> done)>;

/// An http_client's timeouts, limits, pool, TLS trust and resolver.
struct http_client_options {
  duration resolve_timeout = std::chrono::seconds{5};   ///< the name lookup, the system's or `resolver`
  duration connect_timeout = std::chrono::seconds{5};   ///< the TCP connect
  duration handshake_timeout = std::chrono::seconds{5}; ///< the TLS handshake
  duration write_timeout = std::chrono::seconds{10};    ///< sending the request
  duration read_timeout = std::chrono::seconds{30}; ///< for the whole response, once written
  duration deadline = std::chrono::seconds{60};     ///< the whole exchange, retries included
  std::size_t body_limit = 8 * 1024 * 1024;         ///< larger responses fail with errc::capacity
  std::uint32_t header_limit = 16 * 1024;           ///< bytes of the response's header block; larger: errc::capacity
  std::size_t max_idle_per_host = 8; ///< kept-alive connections kept for reuse, per host
  client_tls_options tls{}; ///< what https:// peers are verified against
  std::string user_agent{}; ///< empty: "atlas/<version>"
  resolve_function resolver{}; ///< unset: the system's (getaddrinfo on a detached thread per lookup)
};

/// An HTTP/1.1 and HTTPS client with its own I/O thread; requests may be
/// made from any thread.
class http_client {
public:
  /// Gets the response or the error, exactly once, on the client's thread; must not block.
  using callback = std::function<void(expected<http_response>)>;

  /// errc::validation when the TLS trust store cannot be built.
  static expected<std::unique_ptr<http_client>> create(http_client_options opts = {});
  /// Cancels what is in flight (each callback gets errc::cancelled) and joins.
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `req`; `done` runs exactly once on the client's thread with the
  /// response (any status: see check_status()) or an error:
  /// errc::validation (bad URL), errc::timeout (naming the step that ran
  /// out: resolve, connect, handshake, write, read, or the deadline),
  /// errc::capacity (body or header limit), errc::transport (refused,
  /// reset, TLS failure such as an untrusted certificate or a host name
  /// mismatch), errc::cancelled (the client is being destroyed). A request
  /// that may be repeated and fails on a reused connection before any byte
  /// of the answer is sent once more on a new connection. Any thread.
  void request(http_request req, callback done);

  /// Runs `fn` on the client's thread after `delay` (retry back-off).
  void after(duration delay, std::function<void()> fn);

  /// Counters since the client was created.
  struct statistics {
    std::uint64_t requests = 0;    ///< exchanges started (retries included)
    std::uint64_t connections = 0; ///< connections opened
    std::uint64_t reused = 0;      ///< exchanges over a kept-alive connection
    std::uint64_t stale_retries = 0; ///< requests sent again because a pooled connection had been closed by the server
  };
  /// A snapshot; from any thread but the client's own (it asks that thread).
  statistics stats() const;

  struct impl;

private:
  explicit http_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace atlas
