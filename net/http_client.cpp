#include <atlas/net/http_client.hpp>

#include <atlas/core/version.hpp>
#include <atlas/net/detail/transport_stream.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/err.h>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace atlas {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

struct target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;    ///< path and query, as sent
  std::string key;     ///< the pool's key: scheme://host:port
  std::string display; ///< for messages: method scheme://host:port/path, without the query
};

expected<target> parse_target(const http_request& req) {
  auto u = boost::urls::parse_absolute_uri(req.url);
  if (!u)
    return error{errc::validation, "HTTP request URL \"" + req.url.substr(0, 200)
                                     + "\": not an absolute URL (" + u.error().message() + ")"};
  target t;
  auto scheme = std::string{u->scheme()};
  if (scheme != "http" && scheme != "https")
    return error{errc::validation, "HTTP request URL \"" + req.url.substr(0, 200)
                                     + "\": the scheme must be http or https"};
  t.tls = scheme == "https";
  t.host = std::string{u->encoded_host_address()};
  if (u->host_type() == boost::urls::host_type::ipv6 && t.host.size() > 2 && t.host.front() == '[')
    t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty())
    return error{errc::validation, "HTTP request URL \"" + req.url.substr(0, 200) + "\": no host"};
  t.port = u->has_port() ? std::string{u->port()} : (t.tls ? "443" : "80");
  t.path = std::string{u->encoded_path()};
  if (t.path.empty())
    t.path = "/";
  if (u->has_query())
    t.path += "?" + std::string{u->encoded_query()};
  t.key = scheme + "://" + t.host + ":" + t.port;
  t.display = req.method + " " + t.key + std::string{u->encoded_path()};
  return t;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// What a kept-alive connection the server has closed looks like on reuse.
bool is_stale(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof
         || ec == asio::error::connection_reset || ec == asio::error::broken_pipe
         || ec == ssl::error::stream_truncated || ec == http::error::partial_message;
}

// The system's resolver: getaddrinfo, which nothing can interrupt, on a
// detached thread of its own. Asio's resolver runs it on a helper thread the
// io_context joins, so a lookup that hangs would hold up the request past its
// timeout and the client's destructor with it; here a timed-out lookup is
// left to finish on its own, and its answer reaches only `done`, which holds
// nothing that may be gone (see resolve_hosted).
void system_resolve(const std::string& host,
                    std::function<void(expected<std::vector<std::string>>)> done) {
  auto lookup = [host, done] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      done(error{errc::transport, std::string{"getaddrinfo: "} + ::gai_strerror(rc)});
      return;
    }
    std::vector<std::string> out;
    for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
      tcp::endpoint ep;
      if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
        std::memcpy(ep.data(), ai->ai_addr, ai->ai_addrlen);
        auto a = ep.address().to_string();
        if (std::find(out.begin(), out.end(), a) == out.end())
          out.push_back(std::move(a));
      }
    }
    ::freeaddrinfo(res);
    done(std::move(out));
  };
  try {
    std::thread{std::move(lookup)}.detach();
  } catch (const std::system_error& e) {
    done(error{errc::transport, std::string{"no thread for the lookup: "} + e.what()});
  }
}

std::string step_name(int s) {
  static const char* names[] = {"resolve", "connect", "TLS handshake", "write", "read"};
  return names[s];
}

} // namespace

struct connection {
  explicit connection(detail::transport_stream s) : stream(std::move(s)) {}
  detail::transport_stream stream;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return stream.tcp(); }
  void close() { stream.close(); }
};

struct http_client::impl {
  enum step { resolving, connecting, handshaking, writing, reading };

  struct op : std::enable_shared_from_this<op> {
    impl& cl;
    http_request req;
    callback done;
    target t;
    http::request<http::string_body> msg;
    std::shared_ptr<connection> conn;
    bool reused = false;
    std::optional<http::response_parser<http::string_body>> parser;
    asio::steady_timer deadline;
    asio::steady_timer resolve_timer;
    step at = resolving;
    bool retried = false;
    bool deadline_hit = false;
    bool resolve_timed_out = false;
    bool finished = false;

    op(impl& c, http_request r, callback d)
      : cl(c), req(std::move(r)), done(std::move(d)), deadline(c.ioc), resolve_timer(c.ioc) {
    }

    duration step_timeout() const {
      switch (at) {
        case resolving: return cl.opts.resolve_timeout;
        case connecting: return cl.opts.connect_timeout;
        case handshaking: return cl.opts.handshake_timeout;
        case writing: return cl.opts.write_timeout;
        case reading: return cl.opts.read_timeout;
      }
      return cl.opts.read_timeout;
    }

    void start() {
      auto parsed = parse_target(req);
      if (!parsed)
        return finish(parsed.error());
      t = std::move(*parsed);
      msg = {http::string_to_verb(req.method), t.path, 11};
      if (msg.method() == http::verb::unknown)
        return finish(error{errc::validation, "HTTP method \"" + req.method + "\" is not one HTTP/1.1 knows"});
      msg.set(http::field::host, t.host + ((t.port == "80" || t.port == "443") ? "" : ":" + t.port));
      msg.set(http::field::user_agent, cl.user_agent);
      for (const auto& [k, v] : req.headers)
        msg.set(k, v);
      if (!req.authorization.empty())
        msg.set(http::field::authorization, req.authorization.reveal());
      if (!req.body.empty() || !req.content_type.empty()) {
        if (!req.content_type.empty())
          msg.set(http::field::content_type, req.content_type);
        msg.body() = req.body;
      }
      msg.keep_alive(true);
      msg.prepare_payload();
      auto d = req.deadline.count() > 0 ? req.deadline : cl.opts.deadline;
      deadline.expires_after(d);
      deadline.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec)
          self->on_deadline();
      });
      if (auto pooled = cl.take_idle(t.key)) {
        conn = std::move(pooled);
        reused = true;
        return send();
      }
      open();
    }

    void on_deadline() {
      deadline_hit = true;
      abort();
    }

    void abort() {
      resolve_timer.cancel();
      if (conn)
        conn->close();
      else if (at == resolving)
        fail(asio::error::operation_aborted); // a lookup cannot be cancelled: answer now
    }

    void open() {
      at = resolving;
      reused = false;
      conn.reset();
      resolve_timed_out = false;
      if (is_ip_literal(t.host)) {
        auto port = parse_port();
        if (!port)
          return finish(port.error());
        return connect({tcp::endpoint{asio::ip::make_address(t.host), *port}});
      }
      resolve_timer.expires_after(cl.opts.resolve_timeout);
      resolve_timer.async_wait([self = shared_from_this()](error_code ec) {
        if (ec || self->finished || self->at != resolving)
          return;
        // Neither getaddrinfo nor a custom resolver can be interrupted: the
        // request fails now and the late answer is dropped (resolve_hosted).
        self->resolve_timed_out = true;
        self->fail(asio::error::timed_out);
      });
      resolve_hosted();
    }

    expected<std::uint16_t> parse_port() const {
      unsigned long n = 0;
      auto [end, ec] = std::from_chars(t.port.data(), t.port.data() + t.port.size(), n);
      if (ec != std::errc{} || end != t.port.data() + t.port.size() || n == 0 || n > 65535)
        return error{errc::validation, t.display + ": port \"" + t.port + "\" is not a TCP port"};
      return static_cast<std::uint16_t>(n);
    }

    void resolve_hosted() {
      // The resolver (the system's or a custom one) may answer from any
      // thread, late, or after the client is gone: the answer holds neither
      // the operation nor the client, only the gate and a weak reference.
      auto done = [gate = cl.gate, weak = weak_from_this()](expected<std::vector<std::string>> addrs) {
        std::lock_guard g{gate->mtx};
        if (gate->ioc == nullptr)
          return;
        asio::post(*gate->ioc, [weak, addrs = std::move(addrs)] {
          auto self = weak.lock();
          if (!self || self->finished || self->at != resolving || self->resolve_timed_out)
            return; // too late: the timeout or the deadline has answered
          self->resolve_timer.cancel();
          if (!addrs)
            return self->finish(error{errc::transport, self->t.display + ": resolve: "
                                                         + addrs.error().message()});
          auto port = self->parse_port();
          if (!port)
            return self->finish(port.error());
          std::vector<tcp::endpoint> eps;
          for (const auto& a : *addrs) {
            error_code ec;
            auto ip = asio::ip::make_address(a, ec);
            if (!ec)
              eps.emplace_back(ip, *port);
          }
          if (eps.empty())
            return self->finish(error{errc::transport, self->t.display
                                                         + ": resolve: no IP address for the host"});
          self->connect(eps);
        });
      };
      if (cl.opts.resolver)
        cl.opts.resolver(t.host, std::move(done));
      else
        system_resolve(t.host, std::move(done));
    }

    void connect(const std::vector<tcp::endpoint>& results) {
      at = connecting;
      conn = std::make_shared<connection>(
        t.tls ? detail::transport_stream{detail::transport_stream::tls_stream{cl.ioc, *cl.tls}}
              : detail::transport_stream{beast::tcp_stream{cl.ioc}});
      ++cl.counters.connections;
      conn->lowest().expires_after(step_timeout());
      conn->lowest().async_connect(results, [self = shared_from_this()](
                                              error_code ec, const tcp::endpoint&) {
        if (ec)
          return self->fail(ec);
        if (self->t.tls)
          return self->handshake();
        self->send();
      });
    }

    void handshake() {
      at = handshaking;
      auto& tls = *conn->stream.tls();
      // RFC 6066: no SNI for IP literals; the certificate's IP SAN is checked instead.
      if (!is_ip_literal(t.host) && SSL_set_tlsext_host_name(tls.native_handle(), t.host.c_str()) != 1)
        return fail(error_code{static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()});
      tls.set_verify_callback(ssl::host_name_verification(t.host));
      conn->lowest().expires_after(step_timeout());
      tls.async_handshake(ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
        if (ec)
          return self->fail(ec);
        self->send();
      });
    }

    void send() {
      at = writing;
      ++cl.counters.requests;
      if (reused)
        ++cl.counters.reused;
      conn->lowest().expires_after(step_timeout());
      http::async_write(conn->stream, msg, [self = shared_from_this()](error_code ec, std::size_t) {
        if (ec)
          return self->fail(ec);
        self->receive();
      });
    }

    void receive() {
      at = reading;
      parser.emplace();
      parser->body_limit(cl.opts.body_limit);
      parser->header_limit(cl.opts.header_limit);
      conn->lowest().expires_after(step_timeout());
      http::async_read(conn->stream, conn->buffer, *parser,
                       [self = shared_from_this()](error_code ec, std::size_t) {
                         if (ec)
                           return self->fail(ec);
                         self->complete();
                       });
    }

    void complete() {
      auto res = parser->release();
      http_response out;
      out.status = static_cast<int>(res.result_int());
      for (const auto& f : res)
        out.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
      out.body = std::move(res.body());
      out.reused_connection = reused;
      if (res.keep_alive() && !res.need_eof()) {
        conn->lowest().expires_never();
        cl.give_back(t.key, std::move(conn));
      } else {
        conn->close();
      }
      finish(std::move(out));
    }

    void fail(const error_code& ec) {
      if (finished)
        return;
      bool answer_started = at == reading && parser && parser->got_some();
      if (!deadline_hit && !cl.stopping && reused && !retried && req.is_idempotent()
          && (at == writing || (at == reading && !answer_started)) && is_stale(ec)) {
        // The server closed the kept-alive connection while it sat in the pool.
        retried = true;
        ++cl.counters.stale_retries;
        conn->close();
        return open();
      }
      if (conn)
        conn->close();
      finish(describe(ec));
    }

    error describe(const error_code& ec) const {
      auto where = t.display + ": ";
      if (cl.stopping)
        return error{errc::cancelled, where + "the HTTP client is shutting down"};
      if (deadline_hit)
        return error{errc::timeout,
                     where + "no complete answer within the deadline of "
                       + format_duration(req.deadline.count() > 0 ? req.deadline : cl.opts.deadline)};
      if (ec == beast::error::timeout || (at == resolving && resolve_timed_out))
        return error{errc::timeout,
                     where + step_name(at) + " timed out after " + format_duration(step_timeout())};
      if (ec == http::error::body_limit)
        return error{errc::capacity, where + "the response body is larger than the limit of "
                                       + std::to_string(cl.opts.body_limit) + " bytes"};
      if (ec == http::error::header_limit)
        return error{errc::capacity, where + "the response headers are larger than the limit of "
                                       + std::to_string(cl.opts.header_limit) + " bytes"};
      return error{errc::transport, where + step_name(at) + ": " + ec.message()};
    }

    void finish(expected<http_response> r) {
      if (finished)
        return;
      finished = true;
      deadline.cancel();
      resolve_timer.cancel();
      cl.ops.erase(shared_from_this());
      auto cb = std::move(done);
      cb(std::move(r));
    }
  };

  http_client_options opts;
  std::shared_ptr<ssl::context> tls;
  std::string user_agent;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  /// How answers from outside (a custom resolver) reach the I/O thread: closed
  /// when the client stops, so a late answer never touches a destroyed context.
  struct post_gate {
    std::mutex mtx;
    asio::io_context* ioc = nullptr;
  };
  std::shared_ptr<post_gate> gate = std::make_shared<post_gate>();
  std::map<std::string, std::vector<std::shared_ptr<connection>>> idle;
  std::set<std::shared_ptr<op>> ops;
  bool stopping = false;
  statistics counters;
  std::set<std::shared_ptr<asio::steady_timer>> timers; // after(): cancelled on shutdown
  std::thread thread;

  std::shared_ptr<connection> take_idle(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty())
      return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  void give_back(const std::string& key, std::shared_ptr<connection> c) {
    auto& v = idle[key];
    if (stopping || v.size() >= opts.max_idle_per_host)
      return c->close();
    v.push_back(std::move(c));
  }
};

http_client::http_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

expected<std::unique_ptr<http_client>> http_client::create(http_client_options opts) {
  auto p = std::make_unique<impl>();
  auto ctx = make_client_tls_context(opts.tls);
  if (!ctx)
    return ctx.error();
  p->tls = std::move(*ctx);
  p->user_agent = opts.user_agent.empty() ? "atlas/" + std::string{version()} : opts.user_agent;
  p->opts = std::move(opts);
  auto* raw = p.get();
  p->gate->ioc = &p->ioc;
  p->thread = std::thread{[raw] { raw->ioc.run(); }};
  return std::unique_ptr<http_client>{new http_client{std::move(p)}};
}

http_client::~http_client() {
  auto& p = *impl_;
  asio::post(p.ioc, [&p] {
    p.stopping = true;
    for (auto& [key, conns] : p.idle)
      for (auto& c : conns)
        c->close();
    p.idle.clear();
    for (auto& t : p.timers)
      t->cancel();
    auto ops = p.ops; // aborting completes them, which erases them from p.ops
    for (auto& o : ops) {
      o->deadline.cancel();
      o->abort();
    }
  });
  p.work.reset();
  p.thread.join();
  std::lock_guard g{p.gate->mtx};
  p.gate->ioc = nullptr;
}

void http_client::request(http_request req, callback done) {
  auto& p = *impl_;
  asio::post(p.ioc, [&p, req = std::move(req), done = std::move(done)]() mutable {
    if (p.stopping) {
      done(error{errc::cancelled, "the HTTP client is shutting down"});
      return;
    }
    auto o = std::make_shared<impl::op>(p, std::move(req), std::move(done));
    p.ops.insert(o);
    o->start();
  });
}

void http_client::after(duration delay, std::function<void()> fn) {
  auto& p = *impl_;
  asio::post(p.ioc, [&p, delay, fn = std::move(fn)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(p.ioc, delay);
    p.timers.insert(timer);
    timer->async_wait([&p, timer, fn = std::move(fn)](error_code) {
      p.timers.erase(timer);
      fn(); // also when cancelled by shutdown: what it starts is then cancelled at once
    });
  });
}

http_client::statistics http_client::stats() const {
  auto& p = *impl_;
  std::promise<statistics> got;
  auto f = got.get_future();
  asio::post(p.ioc, [&] { got.set_value(p.counters); });
  return f.get();
}

} // namespace atlas
