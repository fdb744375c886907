// The HTTP client against loopback servers, TLS verification on.
#include "net_fixture.hpp"

#include "../support/sample_tokens.hpp"

#include <boost/asio/ssl/stream.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

http_router hello_routes() {
  http_router r;
  r.add("GET", "/hello", [](const http_server_request& req, http_responder reply) {
    auto res = http_server_response::json(200, {{"hello", req.header("User-Agent") ? *req.header("User-Agent") : ""}});
    res.headers.emplace_back("X-Test", "yes");
    reply(std::move(res));
  });
  r.add("POST", "/echo", [](const http_server_request& req, http_responder reply) {
    http_server_response res;
    res.body = req.body;
    res.content_type = "text/plain";
    reply(std::move(res));
  });
  r.add("GET", "/missing", [](const http_server_request&, http_responder reply) {
    reply(http_server_response::error(404, "app not found"));
  });
  r.add("GET", "/echo-auth", [](const http_server_request& req, http_responder reply) {
    reply(http_server_response::error(401, "bad credentials: " + *req.header("Authorization")));
  });
  return r;
}

const std::string plain_ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

} // namespace

TEST_CASE("plain HTTP: status, headers and body — the user agent names Atlas") {
  auto srv = serve(hello_routes());
  auto c = http_client::create();
  REQUIRE(c);
  auto r = call(**c, get(srv->base_url() + "/hello"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("atlas/") != std::string::npos);
  REQUIRE(r->header("x-test"));
  CHECK(*r->header("x-test") == "yes");
}

TEST_CASE("TLS with full verification against the run-time certificate — keep-alive reuses the connection") {
  auto cert = make_test_certificate();
  auto srv = serve(hello_routes(), &cert);
  auto c = client_trusting(cert);
  auto first = call(*c, get(srv->base_url() + "/hello"));
  REQUIRE_MESSAGE(first, (first ? "" : to_string(first.error())));
  CHECK_FALSE(first->reused_connection);
  auto second = call(*c, get(srv->base_url() + "/hello"));
  REQUIRE(second);
  CHECK(second->reused_connection);
  auto st = c->stats();
  CHECK(st.connections == 1);
  CHECK(st.reused == 1);
}

TEST_CASE("TLS by host name: localhost is in the certificate") {
  auto cert = make_test_certificate();
  auto srv = serve(hello_routes(), &cert);
  auto c = client_trusting(cert);
  auto r = call(*c, get("https://localhost:" + std::to_string(srv->port()) + "/hello"));
  REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
  CHECK(r->status == 200);
}

TEST_CASE("a certificate for another host name is rejected") {
  auto cert = make_test_certificate("elsewhere.test", "DNS:elsewhere.test");
  auto srv = serve(hello_routes(), &cert);
  auto c = client_trusting(cert);
  auto r = call(*c, get(srv->base_url() + "/hello"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::transport);
  CHECK(r.error().message().find("TLS handshake") != std::string::npos);
  CHECK(r.error().message().find("certificate verify failed") != std::string::npos);
}

TEST_CASE("an untrusted certificate is rejected") {
  auto cert = make_test_certificate();
  auto other = make_test_certificate();
  auto srv = serve(hello_routes(), &cert);
  auto c = client_trusting(other);
  auto r = call(*c, get(srv->base_url() + "/hello"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::transport);
  CHECK(r.error().message().find("certificate verify failed") != std::string::npos);
}

TEST_CASE("a stale kept-alive connection: an idempotent request is sent once more on a new one") {
  raw_server srv{[](tcp::socket& s, int) {
    boost::asio::streambuf buf;
    if (!raw_server::read_head(s, buf).empty())
      raw_server::send(s, plain_ok); // keep-alive by HTTP/1.1 default...
    s.close();                      // ...and closed anyway
  }};
  auto c = *http_client::create();
  REQUIRE(call(*c, get(srv.url())));
  REQUIRE(wait_until([&] { return srv.connections() == 1; }));
  auto again = call(*c, get(srv.url()));
  REQUIRE_MESSAGE(again, (again ? "" : to_string(again.error())));
  CHECK(again->status == 200);
  CHECK(c->stats().stale_retries == 1);
  CHECK(srv.connections() == 2);
}

TEST_CASE("a stale kept-alive TLS connection: an idempotent request is sent once more on a new one") {
  auto cert = make_test_certificate();
  auto server_tls = make_server_tls_context(cert.cert_pem, cert.key_pem);
  REQUIRE(server_tls);
  auto ctx = *server_tls;
  raw_server srv{[ctx](tcp::socket& s, int) {
    boost::asio::ssl::stream<tcp::socket&> tls{s, *ctx};
    boost::system::error_code ec;
    tls.handshake(boost::asio::ssl::stream_base::server, ec);
    if (ec)
      return;
    boost::asio::streambuf buf;
    if (boost::asio::read_until(tls, buf, "\r\n\r\n", ec) > 0)
      boost::asio::write(tls, boost::asio::buffer(plain_ok), ec); // keep-alive by default...
    s.close();                                                   // ...and closed anyway, no close_notify
  }};
  auto c = client_trusting(cert);
  auto url = "https://127.0.0.1:" + std::to_string(srv.port()) + "/";
  auto first = call(*c, get(url));
  REQUIRE_MESSAGE(first, (first ? "" : to_string(first.error())));
  auto again = call(*c, get(url));
  REQUIRE_MESSAGE(again, (again ? "" : to_string(again.error())));
  CHECK(again->status == 200);
  CHECK(c->stats().stale_retries == 1);
  CHECK(srv.connections() == 2);
}

TEST_CASE("a stale kept-alive connection: a POST is not sent twice") {
  raw_server srv{[](tcp::socket& s, int) {
    boost::asio::streambuf buf;
    if (!raw_server::read_head(s, buf).empty())
      raw_server::send(s, plain_ok);
    s.close();
  }};
  auto c = *http_client::create();
  REQUIRE(call(*c, get(srv.url())));
  http_request post = get(srv.url());
  post.method = "POST";
  post.body = "x";
  auto r = call(*c, post);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::transport);
  CHECK(c->stats().stale_retries == 0);
}

TEST_CASE("read timeout: a server that never answers") {
  raw_server srv{[](tcp::socket& s, int) { raw_server::drain(s); }};
  http_client_options o;
  o.read_timeout = 200ms;
  auto c = *http_client::create(o);
  auto r = call(*c, get(srv.url()));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("read timed out after 200ms") != std::string::npos);
}

TEST_CASE("the deadline bounds the whole exchange") {
  raw_server srv{[](tcp::socket& s, int) { raw_server::drain(s); }};
  http_client_options o;
  o.read_timeout = 30s;
  auto c = *http_client::create(o);
  auto req = get(srv.url());
  req.deadline = 200ms;
  auto r = call(*c, req);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("deadline of 200ms") != std::string::npos);
}

TEST_CASE("TLS handshake timeout: a server that accepts and stays silent") {
  raw_server srv{[](tcp::socket& s, int) { raw_server::drain(s); }};
  auto cert = make_test_certificate();
  http_client_options o;
  o.handshake_timeout = 200ms;
  auto c = client_trusting(cert, o);
  auto r = call(*c, get("https://127.0.0.1:" + std::to_string(srv.port()) + "/"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("TLS handshake timed out") != std::string::npos);
}

TEST_CASE("write timeout: a server that does not read a large body") {
  std::promise<void> release;
  auto released = release.get_future().share();
  raw_server srv{[released](tcp::socket& s, int) {
    released.wait(); // reads nothing until the test is over
    raw_server::drain(s);
  }};
  http_client_options o;
  o.write_timeout = 200ms;
  auto c = *http_client::create(o);
  auto req = get(srv.url());
  req.method = "PUT";
  req.body = std::string(64 * 1024 * 1024, 'x');
  auto r = call(*c, req);
  release.set_value();
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("write timed out") != std::string::npos);
}

TEST_CASE("connect timeout: a listener whose queue is full") {
  // Nobody accepts and the accept queue is full: Linux drops the SYN, so
  // the connection never completes.
  boost::asio::io_context ioc;
  tcp::acceptor full{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  full.listen(0);
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 4; ++i) {
    // Started, never completed here: ioc never runs.
    auto s = std::make_unique<tcp::socket>(ioc);
    s->async_connect(full.local_endpoint(), [](boost::system::error_code) {});
    fillers.push_back(std::move(s));
  }
  http_client_options o;
  o.connect_timeout = 300ms;
  auto c = *http_client::create(o);
  auto r = call(*c, get("http://127.0.0.1:" + std::to_string(full.local_endpoint().port()) + "/"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("connect timed out after 300ms") != std::string::npos);
}

TEST_CASE("a refused connection is a transport error naming the step") {
  std::uint16_t port;
  {
    raw_server gone{[](tcp::socket&, int) {}};
    port = gone.port();
  }
  auto c = *http_client::create();
  auto r = call(*c, get("http://127.0.0.1:" + std::to_string(port) + "/"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::transport);
  CHECK(r.error().message().find("connect") != std::string::npos);
}

TEST_CASE("the body limit and the header limit") {
  raw_server srv{[](tcp::socket& s, int no) {
    boost::asio::streambuf buf;
    raw_server::read_head(s, buf);
    if (no == 0)
      raw_server::send(s, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    else
      raw_server::send(s, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'h')
                            + "\r\nContent-Length: 0\r\n\r\n");
    raw_server::drain(s);
  }};
  http_client_options o;
  o.body_limit = 1000;
  o.header_limit = 8 * 1024;
  auto c = *http_client::create(o);
  auto body = call(*c, get(srv.url()));
  REQUIRE_FALSE(body);
  CHECK(body.error().code() == errc::capacity);
  CHECK(body.error().message().find("limit of 1000 bytes") != std::string::npos);
  auto head = call(*c, get(srv.url()));
  REQUIRE_FALSE(head);
  CHECK(head.error().code() == errc::capacity);
  CHECK(head.error().message().find("headers") != std::string::npos);
}

TEST_CASE("check_status: the kind from the status, the server's text, never the Authorization header") {
  auto srv = serve(hello_routes());
  auto c = *http_client::create();
  auto missing = check_status(call(*c, get(srv->base_url() + "/missing")), "fly");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == errc::not_found);
  CHECK(missing.error().http_status() == 404);
  CHECK(missing.error().message() == "HTTP 404: app not found");
  CHECK(missing.error().provider() == "fly");

  auto req = get(srv->base_url() + "/echo-auth");
  req.authorization = secret{"FlyV1 " + sample_macaroon_1};
  auto echoed = check_status(call(*c, req));
  REQUIRE_FALSE(echoed);
  CHECK(echoed.error().code() == errc::unauthorized);
  CHECK(echoed.error().message().find(sample_macaroon_1) == std::string::npos);
}

TEST_CASE("errc_for_status maps Fly's statuses") {
  CHECK(errc_for_status(401) == errc::unauthorized);
  CHECK(errc_for_status(403) == errc::forbidden);
  CHECK(errc_for_status(404) == errc::not_found);
  CHECK(errc_for_status(408) == errc::timeout);
  CHECK(errc_for_status(409) == errc::conflict);
  CHECK(errc_for_status(422) == errc::conflict);
  CHECK(errc_for_status(429) == errc::rate_limited);
  CHECK(errc_for_status(400) == errc::validation);
  CHECK(errc_for_status(500) == errc::provider);
  CHECK(errc_for_status(503) == errc::provider);
}

TEST_CASE("bad URLs are refused with errc::validation naming them") {
  auto c = *http_client::create();
  for (const char* bad : {"not a url", "ftp://127.0.0.1/x", "/relative"}) {
    auto r = call(*c, get(bad));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::validation);
  }
}

TEST_CASE("destroying the client cancels what is in flight: every callback runs once") {
  raw_server srv{[](tcp::socket& s, int) { raw_server::drain(s); }};
  std::atomic<int> cancelled{0};
  {
    auto c = *http_client::create();
    for (int i = 0; i < 3; ++i)
      c->request(get(srv.url()), [&](expected<http_response> r) {
        if (!r && r.error().code() == errc::cancelled)
          ++cancelled;
      });
    REQUIRE(wait_until([&] { return srv.connections() == 3; }));
  }
  CHECK(cancelled == 3);
}

TEST_CASE("resolve timeout: a resolver that never answers") {
  std::vector<std::function<void(expected<std::vector<std::string>>)>> pending;
  std::mutex mtx;
  http_client_options o;
  o.resolve_timeout = 200ms;
  o.resolver = [&](const std::string&, std::function<void(expected<std::vector<std::string>>)> done) {
    std::lock_guard g{mtx};
    pending.push_back(std::move(done)); // never called, until too late
  };
  auto c = *http_client::create(o);
  auto r = call(*c, get("http://api.machines.dev/v1/apps"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::timeout);
  CHECK(r.error().message().find("resolve timed out after 200ms") != std::string::npos);
  std::lock_guard g{mtx};
  for (auto& d : pending)
    d(std::vector<std::string>{"127.0.0.1"}); // a late answer is ignored
}

TEST_CASE("resolve timeout: a lookup that blocks its thread, like getaddrinfo, fails the request at once — the client is destroyed while it blocks and the late answer is harmless") {
  // The system resolver runs getaddrinfo on a thread of its own and answers
  // through the same path as this one; a hanging getaddrinfo cannot be made
  // without network, so a resolver thread blocked on a promise stands in.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::vector<std::thread> lookups;
  std::mutex mtx;
  http_client_options o;
  o.resolve_timeout = 200ms;
  o.resolver = [&](const std::string&, std::function<void(expected<std::vector<std::string>>)> done) {
    std::lock_guard g{mtx};
    lookups.emplace_back([released, done = std::move(done)] {
      released.wait();
      done(std::vector<std::string>{"127.0.0.1"});
    });
  };
  auto started = std::chrono::steady_clock::now();
  std::atomic<bool> answered{false};
  {
    auto c = *http_client::create(o);
    auto r = call(*c, get("http://api.machines.dev/v1/apps"));
    auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::timeout);
    CHECK(r.error().message().find("resolve timed out after 200ms") != std::string::npos);
    CHECK(took < 2s);

    auto req = get("http://api.machines.dev/v1/apps");
    req.deadline = 100ms; // the deadline, too, answers without the lookup
    auto d = call(*c, req);
    REQUIRE_FALSE(d);
    CHECK(d.error().code() == errc::timeout);
    CHECK(d.error().message().find("deadline of 100ms") != std::string::npos);

    c->request(get("http://api.machines.dev/v1/apps"), [&](expected<http_response> x) {
      answered = !x && x.error().code() == errc::cancelled;
    });
    REQUIRE(wait_until([&] { std::lock_guard g{mtx}; return lookups.size() == 3; }));
  } // the destructor returns with three lookups still blocked
  CHECK(answered);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  release.set_value(); // the late answers reach a client that is gone
  std::lock_guard g{mtx};
  for (auto& t : lookups)
    t.join();
}

TEST_CASE("the system resolver: localhost resolves without Asio's resolver") {
  auto srv = serve(hello_routes());
  auto c = *http_client::create();
  auto r = call(*c, get("http://localhost:" + std::to_string(srv->port()) + "/hello"));
  REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
  CHECK(r->status == 200);
}

TEST_CASE("a custom resolver serves Fly's host names on loopback — TLS still checks the name") {
  auto cert = make_test_certificate("api.machines.dev", "DNS:api.machines.dev");
  auto srv = serve(hello_routes(), &cert);
  http_client_options o;
  o.resolver = [](const std::string& host, std::function<void(expected<std::vector<std::string>>)> done) {
    if (host == "api.machines.dev")
      done(std::vector<std::string>{"127.0.0.1"});
    else
      done(error{errc::not_found, "unknown host " + host});
  };
  auto c = client_trusting(cert, o);
  auto port = std::to_string(srv->port());
  auto ok = call(*c, get("https://api.machines.dev:" + port + "/hello"));
  REQUIRE_MESSAGE(ok, (ok ? "" : to_string(ok.error())));
  CHECK(ok->status == 200);
  auto wrong = call(*c, get("https://127.0.0.1:" + port + "/hello")); // not the certificate's name
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message().find("certificate verify failed") != std::string::npos);
  auto unknown = call(*c, get("https://elsewhere.test:" + port + "/hello"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == errc::transport);
  CHECK(unknown.error().message().find("unknown host elsewhere.test") != std::string::npos);
}

TEST_CASE("an extra CA file is trusted — a file that does not load is errc::validation naming it") {
  auto cert = make_test_certificate();
  auto srv = serve(hello_routes(), &cert);
  auto dir = std::filesystem::temp_directory_path() / ("atlas-ca-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream{dir / "ca.pem"} << cert.cert_pem;
  std::ofstream{dir / "bad.pem"} << "not a certificate";
  http_client_options o;
  o.tls.system_store = false;
  o.tls.extra_ca_file = (dir / "ca.pem").string();
  auto c = http_client::create(o);
  REQUIRE(c);
  auto r = call(**c, get(srv->base_url() + "/hello"));
  CHECK(r);
  o.tls.extra_ca_file = (dir / "bad.pem").string();
  auto bad = http_client::create(o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  CHECK(bad.error().message().find("bad.pem") != std::string::npos);
  std::filesystem::remove_all(dir);
}
