#pragma once
// Atlas's HTTP/1.1 server on Boost.Beast (reference/runtime.md §4.2): plain
// or TLS, a small router, JSON answers, limits on what a client may send and
// how slowly, and a graceful stop. `atlas node`, the Fly simulator and the
// tests stand on it. It runs on a thread of its own; handlers are called
// there and answer through a responder, at once or later from any thread.

#include <atlas/net/http_message.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atlas {

/// A request as a handler sees it.
struct http_server_request {
  std::string method; ///< as sent ("GET", "POST", ...)
  std::string target; ///< as sent: path and query
  std::string path;   ///< decoded
  std::string query;  ///< encoded, without '?'
  http_headers headers{}; ///< all of them, in the order sent
  std::string body{};     ///< at most http_server_options::body_limit bytes
  std::map<std::string, std::string> params{}; ///< from the route: "/apps/{app}" → params["app"]
  std::string remote{};                        ///< the client's address

  /// The first header called `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  /// A query parameter's decoded value, or nothing.
  std::optional<std::string> query_param(std::string_view name) const;
};

/// A handler's answer.
struct http_server_response {
  int status = 200;       ///< HTTP status code
  http_headers headers{}; ///< extra headers; a Content-Type here replaces `content_type`
  std::string body{};     ///< sent as it is
  std::string content_type = "application/json"; ///< sent only with a non-empty body

  /// `status` with `v` serialized as the body (application/json).
  static http_server_response json(int status, const boost::json::value& v);
  bool reset_connection = false; ///< see reset()

  /// {"error": message}, the shape Fly's API uses.
  static http_server_response error(int status, const std::string& message);
  /// No answer: the connection is reset (TCP RST). For fault injection.
  static http_server_response reset();
};

/// Answers a request, exactly once, from any thread. A responder dropped
/// without answering answers 500 itself, so no client waits forever.
using http_responder = std::function<void(http_server_response)>;
/// A route's handler: runs on the server's thread, must not block, answers through the responder.
using http_handler = std::function<void(const http_server_request&, http_responder)>;

/// What the SSE and WebSocket handles share: a client's bounded queue
/// (SObjectizer's counted limit: at most http_server_options::sse_queue_limit
/// or ws_queue_limit messages, then the client is closed, never buffered
/// without bound) and the end of its connection. Cheap, thread-safe handles.
class bounded_stream {
public:
  struct state;

  /// False once the stream has ended or was closed for any reason (and
  /// always for a default handle).
  bool is_open() const;
  /// Runs once, on the server's thread, when the stream ends for any reason
  /// (closed here, by the client, by overflow, by the server's stop); at
  /// once, on the caller's thread, when it has ended already.
  void on_close(std::function<void()> fn) const;
  /// Messages refused because the queue was full (the client was then closed).
  std::uint64_t overflows() const;

protected:
  /// For the server: a handle on one client's stream state.
  explicit bounded_stream(std::shared_ptr<state> s) : s_(std::move(s)) {}
  std::shared_ptr<state> s_; ///< shared with the server's connection; null: no stream
};

/// One client's Server-Sent Events stream (`atlas node` live logs). An idle
/// stream gets a heartbeat comment (": ping") every sse_heartbeat.
class sse_stream : public bounded_stream {
public:
  /// Made by the server for an sse_handler, not by users.
  explicit sse_stream(std::shared_ptr<state> s) : bounded_stream(std::move(s)) {}

  /// Queues one event (`data` may hold newlines: one `data:` line each).
  /// False when the stream is closed, or was just closed because its queue
  /// was full.
  bool send(const std::string& data, const std::string& event = {}, const std::string& id = {}) const;
  /// Ends the stream after the events already queued (so a final event sent
  /// just before goes out), then the connection. The server's stop() does
  /// not wait for queued events.
  void close() const;
};
/// An event-stream route's handler: gets the request and its client's stream, on the server's thread.
using sse_handler = std::function<void(const http_server_request&, sse_stream)>;

/// One WebSocket client (text messages).
class websocket_stream : public bounded_stream {
public:
  /// Made by the server for a websocket_handler, not by users.
  explicit websocket_stream(std::shared_ptr<state> s) : bounded_stream(std::move(s)) {}

  /// Queues a text message; false when closed, or just closed for overflow.
  bool send(std::string text) const;
  /// A normal close handshake, after the messages already queued.
  void close() const;
  /// Each message from the client, on the server's thread. Set it in the
  /// handler: messages start to be read once the handler has returned.
  void on_message(std::function<void(std::string)> fn) const;
};
/// A WebSocket route's handler: gets the upgraded request and its client's stream, on the server's thread.
using websocket_handler = std::function<void(const http_server_request&, websocket_stream)>;

/// Method + path pattern → handler. Patterns are literal segments and
/// `{name}` parameters ("/v1/apps/{app}/machines/{id}"); the first match in
/// order of addition wins. Paths are split into segments by Boost.URL and
/// each decoded alone: "/items/a%2Fb" gives {id} = "a/b". An unknown path is 404, a known path with another
/// method 405 (with Allow).
class http_router {
public:
  /// Runs before a stream starts, on the server's thread (it must not
  /// block): an answer refuses the stream with it (401, 403, 400...),
  /// nothing lets it start.
  using stream_guard = std::function<std::optional<http_server_response>(const http_server_request&)>;

  /// A route for `method` ("GET", "POST", ...; compared as sent, case and all) on `pattern`.
  void add(std::string method, std::string pattern, http_handler handler);
  /// A GET route answered with an event stream.
  void add_sse(std::string pattern, sse_handler handler, stream_guard guard = {});
  /// A GET route that upgrades to a WebSocket (others get 426).
  void add_websocket(std::string pattern, websocket_handler handler, stream_guard guard = {});

  /// The route find() chose: exactly one handler pointer is set, or none
  /// when no route matched (then `allowed` lists the path's other methods,
  /// if any). Points into the router.
  struct match {
    const http_handler* handler = nullptr;       ///< a plain route
    const sse_handler* sse = nullptr;            ///< an event-stream route
    const websocket_handler* websocket = nullptr; ///< a WebSocket route
    const stream_guard* guard = nullptr;         ///< the stream route's guard, when it has one
    std::map<std::string, std::string> params{}; ///< the pattern's `{name}` segments, decoded
    std::vector<std::string> allowed{}; ///< methods of the path, when the method did not match
  };
  /// `encoded_path`: the path as sent, percent-encoding and all.
  match find(std::string_view method, std::string_view encoded_path) const;

private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    http_handler handler;
    sse_handler sse{};
    websocket_handler websocket{};
    stream_guard guard{};
  };
  std::vector<route> routes_;
};

/// Where an http_server listens, and its limits and timeouts.
struct http_server_options {
  std::string host = "127.0.0.1"; ///< an IP address to listen on (not a host name)
  std::uint16_t port = 0; ///< 0: any free port (see port())
  std::shared_ptr<boost::asio::ssl::context> tls{}; ///< null: plain HTTP
  std::size_t body_limit = 1024 * 1024;             ///< larger: 413, connection closed
  std::uint32_t header_limit = 16 * 1024;           ///< larger: 431, connection closed
  duration handshake_timeout = std::chrono::seconds{10}; ///< TLS handshake of a new connection
  duration read_timeout = std::chrono::seconds{30};  ///< a request, once its first byte arrived
  duration idle_timeout = std::chrono::seconds{60};  ///< a kept-alive connection between requests
  duration write_timeout = std::chrono::seconds{30}; ///< each write of an answer, event or message
  std::size_t max_connections = 1024; ///< more are accepted and closed at once
  std::size_t sse_queue_limit = 256;  ///< events queued per SSE client before it is closed
  duration sse_heartbeat = std::chrono::seconds{15}; ///< a ": ping" comment after this long without an event
  std::size_t ws_queue_limit = 256;          ///< messages queued per WebSocket client
  std::size_t ws_message_limit = 1024 * 1024; ///< larger incoming messages close the connection
  /// The server's own errors (404, 405, 413, 426, 431, 500...); unset:
  /// http_server_response::error, Fly's {"error": message}.
  std::function<http_server_response(int status, const std::string& message)> error_body{};
};

/// An HTTP/1.1 server (plain or TLS) on a thread of its own, serving one
/// router's routes until stop().
class http_server {
public:
  /// Listens and serves; errc::transport when the address cannot be bound.
  static expected<std::unique_ptr<http_server>> start(http_server_options opts, http_router routes);
  /// stop(0) if not stopped.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port it listens on: the one bound when the options said 0.
  std::uint16_t port() const noexcept;
  /// "http://127.0.0.1:PORT" or "https://...".
  std::string base_url() const;

  /// Graceful stop: no new connections; idle connections closed; requests
  /// in flight are answered (their connections close after), event streams
  /// get their last chunk and WebSockets a normal close, until `deadline`;
  /// then everything is closed. Blocks until the server's
  /// thread has ended; not from a handler. Returns how many requests were
  /// still unanswered at the deadline.
  std::size_t stop(duration deadline = std::chrono::seconds{10});

  struct impl;

private:
  explicit http_server(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

} // namespace atlas
