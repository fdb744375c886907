#include <atlas/net/http_server.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/net/detail/http_server_impl.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_path.hpp>

#include <algorithm>
#include <deque>
#include <optional>

namespace atlas {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// The decoded segments of an encoded path, by Boost.URL: each segment is
// decoded on its own, so "/items/a%2Fb" is two segments, "items" and "a/b".
// Empty segments are skipped, so "/a/", "//a" and "/a" route alike. A path
// Boost.URL cannot parse has no segments and matches nothing.
std::optional<std::vector<std::string>> path_segments(std::string_view encoded_path) {
  auto p = boost::urls::parse_path(encoded_path);
  if (!p)
    return std::nullopt;
  std::vector<std::string> out;
  for (auto seg : *p) {
    auto decoded = seg.decode();
    if (!decoded.empty())
      out.push_back(std::move(decoded));
  }
  return out;
}

// A route pattern is our own template syntax, not a URL ("{name}" is no
// valid path character): its segments are what lies between the slashes.
std::vector<std::string> pattern_segments(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    auto j = std::min(pattern.find('/', i), pattern.size());
    if (j > i)
      out.emplace_back(pattern.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

} // namespace

// -- request, response, router ----------------------------------------------------------

const std::string* http_server_request::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string> http_server_request::query_param(std::string_view name) const {
  auto text = "/?" + query; // the view below points into it
  auto u = boost::urls::parse_origin_form(text);
  if (!u)
    return std::nullopt;
  for (auto p : u->params())
    if (p.key == name)
      return std::string(p.value.begin(), p.value.end());
  return std::nullopt;
}

http_server_response http_server_response::json(int status, const boost::json::value& v) {
  http_server_response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

http_server_response http_server_response::error(int status, const std::string& message) {
  return json(status, boost::json::object{{"error", message}});
}

http_server_response http_server_response::reset() {
  http_server_response r;
  r.reset_connection = true;
  return r;
}

void http_router::add(std::string method, std::string pattern, http_handler handler) {
  routes_.push_back({std::move(method), pattern_segments(pattern), std::move(handler)});
}

void http_router::add_sse(std::string pattern, sse_handler handler, stream_guard guard) {
  routes_.push_back({"GET", pattern_segments(pattern), {}, std::move(handler), {}, std::move(guard)});
}

void http_router::add_websocket(std::string pattern, websocket_handler handler, stream_guard guard) {
  routes_.push_back({"GET", pattern_segments(pattern), {}, {}, std::move(handler), std::move(guard)});
}

http_router::match http_router::find(std::string_view method, std::string_view encoded_path) const {
  match m;
  auto parsed = path_segments(encoded_path);
  if (!parsed)
    return m;
  const auto& segs = *parsed;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size())
      continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segs.size(); ++i) {
      const auto& want = r.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}')
        params[want.substr(1, want.size() - 2)] = segs[i];
      else
        ok = want == segs[i];
    }
    if (!ok)
      continue;
    if (r.method != method) {
      m.allowed.push_back(r.method);
      continue;
    }
    if (r.guard)
      m.guard = &r.guard;
    if (r.sse)
      m.sse = &r.sse;
    else if (r.websocket)
      m.websocket = &r.websocket;
    else
      m.handler = &r.handler;
    m.params = std::move(params);
    m.allowed.clear();
    return m;
  }
  return m;
}

// The server's own error answers, in the shape its user chose.
static http_server_response error_of(const http_server_options& o, int status, const std::string& message) {
  return o.error_body ? o.error_body(status, message) : http_server_response::error(status, message);
}

struct sse_state : bounded_stream::state {
  std::weak_ptr<http_server::impl::session> session;

  template <class F>
  void on_server(F f) {
    post([w = session, f = std::move(f)]() mutable {
      if (auto s = w.lock())
        f(*s);
    });
  }
};

struct http_server::impl::session : std::enable_shared_from_this<session> {
  impl& srv;
  detail::transport_stream stream;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::string remote;
  bool busy = false;       ///< a request is with its handler or being written
  bool keep_alive = true;
  std::uint64_t request_no = 0;
  // Server-Sent Events: once streaming, the connection carries only events.
  std::shared_ptr<sse_state> sse;
  std::deque<std::string> frames;
  bool header_sent = false;
  bool writing = false;
  bool ending = false;
  bool draining = false; ///< close() asked: the last chunk follows the queued events
  std::optional<asio::steady_timer> heartbeat;
  char sink[256]; // the client sends nothing; reading only notices it leave

  session(impl& s, tcp::socket sock) : srv(s), stream(open_stream(s, std::move(sock))) {
    error_code ec;
    auto ep = lowest().socket().remote_endpoint(ec);
    remote = ec ? "" : ep.address().to_string();
  }

  static detail::transport_stream open_stream(impl& s, tcp::socket sock) {
    if (s.opts.tls)
      return detail::transport_stream{detail::transport_stream::tls_stream{std::move(sock), *s.opts.tls}};
    return detail::transport_stream{beast::tcp_stream{std::move(sock)}};
  }

  beast::tcp_stream& lowest() { return stream.tcp(); }

  void close() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
    if (heartbeat)
      heartbeat->cancel();
    if (sse && !sse->ended_once)
      srv.stream_closed();
    if (sse)
      sse->ended();
    srv.sessions.erase(shared_from_this());
  }

  // The connection leaves this session for a websocket session of its own.
  void upgrade(http::request<http::string_body> msg, const websocket_handler& handler,
               http_server_request req) {
    detail::start_websocket_session(srv, std::move(stream), std::move(msg), handler, std::move(req));
    srv.sessions.erase(shared_from_this());
  }

  void start_sse(const sse_handler& handler, const http_server_request& req) {
    sse = std::make_shared<sse_state>();
    srv.stream_opened();
    sse->session = weak_from_this();
    sse->server = srv.weak_from_this();
    sse->limit = srv.opts.sse_queue_limit;
    heartbeat.emplace(srv.ioc);
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::ok, 11);
    res->set(http::field::server, "atlas");
    res->set(http::field::content_type, "text/event-stream");
    res->set(http::field::cache_control, "no-cache");
    res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    lowest().expires_after(srv.opts.write_timeout);
    http::async_write_header(stream, *sr, [self = shared_from_this(), res, sr](error_code ec,
                                                                               std::size_t) {
      if (ec)
        return self->close();
      self->lowest().expires_never();
      self->header_sent = true;
      self->watch_client();
      self->arm_heartbeat();
      self->pump();
      if (self->draining && !self->writing)
        self->finish_sse();
    });
    try {
      handler(req, sse_stream{sse});
    } catch (const std::exception& e) {
      log().error("SSE handler for {} threw: {}", req.path, e.what());
      close();
    }
  }

  void watch_client() {
    stream.async_read_some(asio::buffer(sink), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec)
        return self->close();
      self->watch_client();
    });
  }

  void arm_heartbeat() {
    heartbeat->expires_after(srv.opts.sse_heartbeat);
    heartbeat->async_wait([self = shared_from_this()](error_code ec) {
      if (ec || !self->sse || self->sse->closed)
        return;
      if (!self->writing && !self->ending && self->frames.empty()) {
        ++self->sse->queued;
        self->frames.push_back(": ping\n\n");
        self->pump();
      }
      self->arm_heartbeat();
    });
  }

  void enqueue(std::string frame) {
    if (ending)
      return;
    frames.push_back(std::move(frame));
    pump();
  }

  void pump() {
    if (writing || ending || frames.empty() || !header_sent)
      return;
    writing = true;
    auto f = std::make_shared<std::string>(std::move(frames.front()));
    frames.pop_front();
    lowest().expires_after(srv.opts.write_timeout);
    asio::async_write(stream, http::make_chunk(asio::buffer(*f)),
                      [self = shared_from_this(), f](error_code ec, std::size_t) {
                        self->writing = false;
                        --self->sse->queued;
                        if (ec)
                          return self->close();
                        self->lowest().expires_never();
                        if (self->ending || (self->draining && self->frames.empty()))
                          return self->finish_sse();
                        self->pump();
                      });
  }

  // Graceful: what is being written finishes, the queue is dropped, the
  // last chunk goes out, then the connection closes.
  void end_sse() {
    if (!header_sent)
      return close();
    ending = true;
    frames.clear();
    if (!writing)
      finish_sse();
  }

  // sse_stream::close(): the events queued before it still go out (a
  // stream's final event), then the last chunk.
  void drain_sse() {
    if (ending || draining)
      return;
    draining = true;
    if (header_sent && !writing && frames.empty())
      finish_sse();
  }

  void finish_sse() {
    writing = true;
    lowest().expires_after(srv.opts.write_timeout);
    asio::async_write(stream, http::make_chunk_last(),
                      [self = shared_from_this()](error_code, std::size_t) { self->close(); });
  }

  void start() {
    if (stream.tls() == nullptr)
      return read();
    lowest().expires_after(srv.opts.handshake_timeout);
    stream.tls()->async_handshake(ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
      if (ec)
        return self->close();
      self->read();
    });
  }

  // Until the first byte of a request the connection is idle (idle_timeout,
  // also before a connection's first request); from that byte read_timeout
  // bounds the whole request, header and body, once: it is not re-armed
  // between the two, so no request takes more than one read_timeout.
  void read() {
    if (srv.stopping)
      return close();
    parser.emplace();
    parser->body_limit(srv.opts.body_limit);
    parser->header_limit(srv.opts.header_limit);
    if (buffer.size() > 0)
      return read_request(); // the next request's first bytes came with the last one
    lowest().expires_after(srv.opts.idle_timeout);
    stream.async_read_some(buffer.prepare(4096), [self = shared_from_this()](error_code ec,
                                                                              std::size_t n) {
      if (ec)
        return self->close();
      self->buffer.commit(n);
      if (n == 0)
        return self->read();
      self->read_request();
    });
  }

  void read_request() {
    lowest().expires_after(srv.opts.read_timeout);
    http::async_read(stream, buffer, *parser, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec)
        return self->on_read_error(ec);
      self->dispatch();
    });
  }

  void on_read_error(error_code ec) {
    // Answer what a client can act on; anything else just ends the connection.
    if (ec == http::error::body_limit)
      return reject(413, "request body larger than " + std::to_string(srv.opts.body_limit) + " bytes");
    if (ec == http::error::header_limit)
      return reject(431, "request headers larger than " + std::to_string(srv.opts.header_limit) + " bytes");
    if (ec == http::error::bad_method || ec == http::error::bad_target
        || ec == http::error::bad_version || ec == http::error::bad_field
        || ec == http::error::bad_value || ec == http::error::bad_content_length
        || ec == http::error::bad_chunk)
      return reject(400, "malformed request: " + ec.message());
    close();
  }

  void reject(int status, const std::string& why) {
    keep_alive = false;
    busy = true;
    write(error_of(srv.opts, status, why), false);
  }

  void dispatch() {
    ++request_no;
    auto msg = parser->release();
    keep_alive = msg.keep_alive() && !srv.stopping;
    http_server_request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    req.remote = remote;
    for (const auto& f : msg)
      req.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
    req.body = std::move(msg.body());
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) {
      busy = true;
      return write(error_of(srv.opts, 400, "malformed request target"), false);
    }
    req.path = std::string{url->path()};
    req.query = std::string{url->encoded_query()};
    auto m = srv.routes.find(req.method, url->encoded_path());
    busy = true;
    if (m.guard != nullptr && (m.sse != nullptr || m.websocket != nullptr)) {
      req.params = m.params;
      std::optional<http_server_response> refused;
      try {
        refused = (*m.guard)(req);
      } catch (const std::exception& e) {
        log().error("stream guard for {} threw: {}", req.path, e.what());
        refused = error_of(srv.opts, 500, "internal error");
      }
      if (refused)
        return write(std::move(*refused), false);
    }
    if (m.sse != nullptr) {
      req.params = std::move(m.params);
      return start_sse(*m.sse, req);
    }
    if (m.websocket != nullptr) {
      if (!beast::websocket::is_upgrade(msg)) {
        auto r = error_of(srv.opts, 426, req.path + " is a WebSocket: upgrade required");
        r.headers.emplace_back("Upgrade", "websocket");
        return write(std::move(r), false);
      }
      req.params = std::move(m.params);
      return upgrade(std::move(msg), *m.websocket, std::move(req));
    }
    if (m.handler == nullptr) {
      if (m.allowed.empty())
        return write(error_of(srv.opts, 404, "no route for " + req.method + " " + req.path), false);
      auto r = error_of(srv.opts, 405, req.method + " is not allowed on " + req.path);
      std::string allow;
      for (auto& a : m.allowed)
        allow += (allow.empty() ? "" : ", ") + a;
      r.headers.emplace_back("Allow", allow);
      return write(std::move(r), false);
    }
    req.params = std::move(m.params);
    {
      std::lock_guard g{srv.mtx};
      ++srv.in_flight;
    }
    auto reply = responder();
    try {
      (*m.handler)(req, reply);
    } catch (const std::exception& e) {
      // A throwing handler must not take the server's thread down.
      log().error("HTTP handler for {} {} threw: {}", req.method, req.path, e.what());
      reply(error_of(srv.opts, 500, "internal error"));
    } catch (...) {
      reply(error_of(srv.opts, 500, "internal error"));
    }
  }

  // The responder may run on any thread and may be dropped unanswered: its
  // shared state answers 500 in that case. It holds the server weakly: an
  // answer after the server is gone goes nowhere.
  http_responder responder() {
    struct state {
      std::weak_ptr<session> s;
      std::weak_ptr<impl> srv;
      std::atomic<bool> answered{false};
      void answer(http_server_response r) {
        if (answered.exchange(true))
          return;
        auto server = srv.lock();
        if (!server)
          return;
        asio::post(server->ioc, [s = s, srv = srv, r = std::move(r)]() mutable {
          if (auto self = s.lock())
            self->write(std::move(r), true);
          else if (auto server = srv.lock())
            server->request_done();
        });
      }
      ~state() {
        if (!answered)
          answer(http_server_response::error(500, "the handler dropped the request unanswered"));
      }
    };
    auto st = std::make_shared<state>();
    st->s = weak_from_this();
    st->srv = srv.weak_from_this();
    return [st](http_server_response r) { st->answer(std::move(r)); };
  }

  // `counted`: the answer of a handler, counted in flight until written.
  void write(http_server_response r, bool counted) {
    if (r.reset_connection) {
      busy = false;
      if (counted)
        srv.request_done();
      error_code ignored;
      lowest().socket().set_option(asio::socket_base::linger(true, 0), ignored); // RST, not FIN
      return close();
    }
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "atlas");
    if (!r.content_type.empty() && !r.body.empty())
      res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive && !srv.stopping);
    res->prepare_payload();
    lowest().expires_after(srv.opts.write_timeout);
    http::async_write(stream, *res, [self = shared_from_this(), res, counted](error_code ec,
                                                                              std::size_t) {
      self->busy = false;
      if (counted)
        self->srv.request_done();
      if (ec || !res->keep_alive())
        return self->close();
      self->read();
    });
  }
};

void http_server::impl::accept() {
  // `this`, not shared_from_this(): the handler lives in this impl's own
  // io_context, so a strong reference would be a cycle that leaks the server
  // whenever stop() leaves the aborted accept unrun (the context destroys
  // unrun handlers with itself).
  acceptor.async_accept([self = this](error_code ec, tcp::socket sock) {
    if (ec) {
      if (!self->stopping && ec != asio::error::operation_aborted)
        self->accept();
      return;
    }
    if (self->sessions.size() >= self->opts.max_connections) {
      error_code ignored;
      sock.close(ignored);
    } else {
      auto s = std::make_shared<session>(*self, std::move(sock));
      self->sessions.insert(s);
      s->start();
    }
    self->accept();
  });
}

void http_server::impl::begin_stop() {
  stopping = true;
  error_code ec;
  acceptor.close(ec);
  auto sockets = websockets;
  for (auto& w : sockets)
    w->close_gracefully();
  auto all = sessions;
  for (auto& s : all) {
    if (s->sse)
      s->end_sse(); // event streams are not requests in flight: they end now
    else if (!s->busy)
      s->close(); // idle: waiting for the next request
  }
}

http_server::http_server(std::shared_ptr<impl> p) : impl_(std::move(p)) {
}

expected<std::unique_ptr<http_server>> http_server::start(http_server_options opts,
                                                          http_router routes) {
  auto p = std::make_shared<impl>();
  p->opts = std::move(opts);
  p->routes = std::move(routes);
  error_code ec;
  auto addr = asio::ip::make_address(p->opts.host, ec);
  if (ec)
    return error{errc::validation, "HTTP server: \"" + p->opts.host + "\" is not an IP address"};
  tcp::endpoint ep{addr, p->opts.port};
  p->acceptor.open(ep.protocol(), ec);
  if (!ec)
    p->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    p->acceptor.bind(ep, ec);
  if (!ec)
    p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return error{errc::transport, "HTTP server: cannot listen on " + p->opts.host + ":"
                                    + std::to_string(p->opts.port) + ": " + ec.message()};
  p->bound_port = p->acceptor.local_endpoint().port();
  p->accept();
  p->thread = std::thread{[raw = p.get()] { raw->ioc.run(); }};
  return std::unique_ptr<http_server>{new http_server{std::move(p)}};
}

http_server::~http_server() {
  stop(duration{0});
}

std::uint16_t http_server::port() const noexcept {
  return impl_->bound_port;
}

std::string http_server::base_url() const {
  auto host = impl_->opts.host.find(':') != std::string::npos ? "[" + impl_->opts.host + "]"
                                                              : impl_->opts.host;
  return std::string{impl_->opts.tls ? "https" : "http"} + "://" + host + ":"
         + std::to_string(impl_->bound_port);
}

bool bounded_stream::is_open() const {
  return s_ && !s_->closed;
}

void bounded_stream::on_close(std::function<void()> fn) const {
  if (!s_)
    return;
  {
    std::lock_guard g{s_->mtx};
    if (!s_->ended_once) {
      s_->on_close_ = std::move(fn);
      return;
    }
  }
  if (fn)
    fn(); // it has ended already: now, here
}

std::uint64_t bounded_stream::overflows() const {
  return s_ ? s_->overflows.load() : 0;
}

bool sse_stream::send(const std::string& data, const std::string& event,
                      const std::string& id) const {
  auto* st = static_cast<sse_state*>(s_.get());
  if (!st || st->closed)
    return false;
  if (!st->reserve()) {
    // Too slow to keep up: evicted at once.
    st->on_server([](http_server::impl::session& s) { s.close(); });
    return false;
  }
  std::string frame;
  if (!event.empty())
    frame += "event: " + event + "\n";
  if (!id.empty())
    frame += "id: " + id + "\n";
  std::size_t i = 0;
  do {
    auto j = data.find('\n', i);
    frame += "data: " + data.substr(i, j == std::string::npos ? std::string::npos : j - i) + "\n";
    i = j == std::string::npos ? data.size() + 1 : j + 1;
  } while (i <= data.size());
  frame += "\n";
  st->on_server([frame = std::move(frame)](http_server::impl::session& s) mutable {
    s.enqueue(std::move(frame));
  });
  return true;
}

void sse_stream::close() const {
  auto* st = static_cast<sse_state*>(s_.get());
  if (!st || st->closed.exchange(true))
    return;
  st->on_server([](http_server::impl::session& s) { s.drain_sse(); });
}

std::size_t http_server::stop(duration deadline) {
  auto& p = *impl_;
  if (!p.thread.joinable())
    return 0;
  asio::post(p.ioc, [&p] { p.begin_stop(); });
  std::size_t unanswered = 0;
  {
    std::unique_lock lock{p.mtx};
    // Requests in flight get their answers; event streams and WebSockets
    // their closing frames.
    if (!p.cv.wait_for(lock, deadline, [&] { return p.in_flight == 0 && p.streams == 0; }))
      unanswered = p.in_flight;
  }
  // Answers already written drain; whatever is left is closed.
  asio::post(p.ioc, [&p] {
    auto all = p.sessions;
    for (auto& s : all)
      s->close();
    auto sockets = p.websockets;
    for (auto& w : sockets)
      w->close_now();
    p.work.reset();
    p.ioc.stop();
  });
  p.thread.join();
  // Handlers still queued hold the server (shared_from_this) and would keep it
  // alive forever: run them out now; with every socket closed each one only
  // sees its operation aborted.
  p.ioc.restart();
  p.ioc.run_for(std::chrono::seconds{1});
  return unanswered;
}

} // namespace atlas
