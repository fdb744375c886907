#pragma once
// The HTTP server's insides, shared by its translation units
// (http_server.cpp: connections, requests, event streams;
// websocket_session.cpp: WebSocket connections). Used on the server's thread
// only, except where a member says otherwise.

#include <atlas/core/logger.hpp>
#include <atlas/net/detail/transport_stream.hpp>
#include <atlas/net/http_server.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace atlas {

namespace detail {

/// A WebSocket connection as the server sees it: what a handle sends to it
/// and how a stopping server closes it.
struct websocket_connection {
  virtual ~websocket_connection() = default;
  virtual void enqueue(std::string text) = 0;
  virtual void close_gracefully() = 0;
  virtual void drain_and_close() = 0; ///< what is queued goes out first
  virtual void close_now() = 0;
};

} // namespace detail

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  struct session;

  http_server_options opts;
  http_router routes;
  boost::asio::io_context ioc{1};
  // Keeps run() going while a handler holds a request and nothing else is
  // pending (a stopping server has no accept in flight).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  std::uint16_t bound_port = 0;
  std::set<std::shared_ptr<session>> sessions;
  std::set<std::shared_ptr<detail::websocket_connection>> websockets;
  bool stopping = false;
  std::thread thread;
  // In-flight requests, counted for stop(): written on the server's thread.
  std::mutex mtx;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  std::size_t streams = 0; ///< SSE and WebSocket connections, which stop() closes gracefully

  void accept();
  void begin_stop();
  void request_done() {
    std::lock_guard g{mtx};
    --in_flight;
    cv.notify_all();
  }
  void stream_opened() {
    std::lock_guard g{mtx};
    ++streams;
  }
  void stream_closed() {
    std::lock_guard g{mtx};
    --streams;
    cv.notify_all();
  }
};

struct bounded_stream::state {
  std::weak_ptr<http_server::impl> server;
  std::size_t limit = 0;
  std::atomic<std::size_t> queued{0};
  std::atomic<bool> closed{false};
  std::atomic<bool> ended_once{false};
  std::atomic<std::uint64_t> overflows{0};
  std::mutex mtx;
  std::function<void()> on_close_; // guarded by mtx

  virtual ~state() = default;

  template <class F>
  void post(F f) {
    if (auto srv = server.lock())
      boost::asio::post(srv->ioc, std::move(f));
  }
  /// Takes a place in the queue; false (and counted) when it is full.
  bool reserve() {
    if (queued.fetch_add(1) < limit)
      return true;
    --queued;
    ++overflows;
    closed = true;
    return false;
  }
  void ended() {
    closed = true;
    if (ended_once.exchange(true))
      return;
    std::function<void()> fn;
    {
      std::lock_guard g{mtx};
      fn = std::exchange(on_close_, nullptr);
    }
    if (!fn)
      return;
    try {
      fn();
    } catch (const std::exception& e) {
      log().error("on_close callback of a stream threw: {}", e.what());
    }
  }
};

namespace detail {

/// Takes over an upgraded connection: the WebSocket handshake answers `req`,
/// then `handler` gets the client's handle.
void start_websocket_session(http_server::impl& server, transport_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> req,
                             const websocket_handler& handler, http_server_request areq);

} // namespace detail
} // namespace atlas
