#include <atlas/core/logger.hpp>
#include <atlas/net/detail/http_server_impl.hpp>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>

namespace atlas {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

namespace {

struct ws_state : bounded_stream::state {
  std::weak_ptr<detail::websocket_connection> session;
  std::function<void(std::string)> on_message_; // guarded by mtx

  template <class F>
  void on_server(F f) {
    post([w = session, f = std::move(f)]() mutable {
      if (auto s = w.lock())
        f(*s);
    });
  }
  void message(std::string text) {
    std::function<void(std::string)> fn;
    {
      std::lock_guard g{mtx};
      fn = on_message_;
    }
    if (fn)
      fn(std::move(text)); // may throw: the session catches it
  }
};

struct websocket_session final : detail::websocket_connection,
                                 std::enable_shared_from_this<websocket_session> {
  http_server::impl& srv;
  beast::websocket::stream<detail::transport_stream> ws;
  beast::flat_buffer buffer;
  std::shared_ptr<ws_state> st = std::make_shared<ws_state>();
  std::deque<std::string> out;
  bool writing = false;
  bool closing = false;
  bool draining = false; ///< websocket_stream::close(): queued messages first, then the close
  bool done = false;

  websocket_session(http_server::impl& s, detail::transport_stream stream)
    : srv(s), ws(std::move(stream)) {}

  void run(http::request<http::string_body> req, const websocket_handler& handler,
           http_server_request areq) {
    st->session = weak_from_this();
    st->server = srv.weak_from_this();
    st->limit = srv.opts.ws_queue_limit;
    ws.next_layer().tcp().expires_never(); // the websocket has its own timeouts
    ws.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(srv.opts.ws_message_limit);
    auto r = std::make_shared<http::request<http::string_body>>(std::move(req));
    ws.async_accept(*r, [self = shared_from_this(), r, &handler,
                         areq = std::move(areq)](error_code ec) {
      if (ec)
        return self->finish();
      try {
        handler(areq, websocket_stream{self->st});
      } catch (const std::exception& e) {
        log().error("WebSocket handler for {} threw: {}", areq.path, e.what());
        return self->close_now();
      }
      self->read();
      self->pump();
    });
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec)
        return self->finish();
      auto text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      try {
        self->st->message(std::move(text));
      } catch (const std::exception& e) {
        // A throwing callback must not take the server's thread down.
        log().error("WebSocket on_message callback threw: {}", e.what());
        return self->close_now();
      }
      self->read();
    });
  }

  void enqueue(std::string text) override {
    if (closing || done)
      return;
    out.push_back(std::move(text));
    pump();
  }

  void pump() {
    if (writing || closing || done || out.empty() || !ws.is_open())
      return;
    writing = true;
    auto msg = std::make_shared<std::string>(std::move(out.front()));
    out.pop_front();
    ws.text(true);
    ws.async_write(asio::buffer(*msg), [self = shared_from_this(), msg](error_code ec, std::size_t) {
      self->writing = false;
      --self->st->queued;
      if (ec)
        return self->finish();
      if (self->closing)
        return self->send_close();
      if (self->draining && self->out.empty()) {
        self->closing = true;
        return self->send_close();
      }
      self->pump();
    });
  }

  void close_gracefully() override {
    if (closing || done)
      return;
    closing = true;
    out.clear();
    if (!writing)
      send_close();
  }

  void drain_and_close() override {
    if (closing || done || draining)
      return;
    draining = true;
    if (!writing && out.empty()) {
      closing = true;
      send_close();
    }
  }

  void send_close() {
    ws.async_close(beast::websocket::close_code::normal,
                   [self = shared_from_this()](error_code) { self->finish(); });
  }

  void close_now() override {
    ws.next_layer().close();
    finish();
  }

  void finish() {
    if (std::exchange(done, true))
      return;
    ws.next_layer().close();
    {
      std::lock_guard g{st->mtx};
      st->on_message_ = nullptr;
    }
    st->ended();
    srv.websockets.erase(shared_from_this());
    srv.stream_closed();
  }
};

} // namespace

namespace detail {

void start_websocket_session(http_server::impl& server, transport_stream stream,
                             http::request<http::string_body> req, const websocket_handler& handler,
                             http_server_request areq) {
  auto s = std::make_shared<websocket_session>(server, std::move(stream));
  server.websockets.insert(s);
  server.stream_opened();
  s->run(std::move(req), handler, std::move(areq));
}

} // namespace detail

bool websocket_stream::send(std::string text) const {
  auto* st = static_cast<ws_state*>(s_.get());
  if (!st || st->closed)
    return false;
  if (!st->reserve()) {
    st->on_server([](detail::websocket_connection& w) { w.close_now(); }); // too slow to keep up: evicted at once
    return false;
  }
  st->on_server([text = std::move(text)](detail::websocket_connection& w) mutable { w.enqueue(std::move(text)); });
  return true;
}

void websocket_stream::close() const {
  auto* st = static_cast<ws_state*>(s_.get());
  if (!st || st->closed.exchange(true))
    return;
  st->on_server([](detail::websocket_connection& w) { w.drain_and_close(); });
}

void websocket_stream::on_message(std::function<void(std::string)> fn) const {
  auto* st = static_cast<ws_state*>(s_.get());
  if (!st)
    return;
  std::lock_guard g{st->mtx};
  st->on_message_ = std::move(fn);
}

} // namespace atlas
