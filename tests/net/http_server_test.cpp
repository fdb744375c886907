// The HTTP server: routing, limits, slow clients, graceful stop.
#include "net_fixture.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

http_router app_routes() {
  http_router r;
  r.add("GET", "/v1/apps/{app}/machines/{id}", [](const http_server_request& req, http_responder reply) {
    reply(http_server_response::json(200, {{"app", req.params.at("app")},
                                           {"id", req.params.at("id")},
                                           {"state", req.query_param("state").value_or("")}}));
  });
  r.add("DELETE", "/v1/apps/{app}/machines/{id}", [](const http_server_request&, http_responder reply) {
    reply(http_server_response::json(200, {{"ok", true}}));
  });
  r.add("POST", "/v1/echo", [](const http_server_request& req, http_responder reply) {
    http_server_response res;
    res.body = req.body;
    reply(std::move(res));
  });
  return r;
}

tcp::socket connect_raw(boost::asio::io_context& ioc, std::uint16_t port) {
  tcp::socket s{ioc};
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  return s;
}

/// One request on `s` and its answer (blocking: the server under test answers).
boost::beast::http::response<boost::beast::http::string_body>
exchange(tcp::socket& s, boost::beast::flat_buffer& buf, const std::string& path) {
  raw_server::send(s, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  boost::beast::http::response<boost::beast::http::string_body> res;
  boost::beast::http::read(s, buf, res);
  return res;
}

} // namespace

TEST_CASE("routes match literal segments and {parameters} — the query is decoded") {
  auto srv = serve(app_routes());
  auto c = *http_client::create();
  auto r = call(*c, get(srv->base_url() + "/v1/apps/my-app/machines/17?state=started%20now"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == R"({"app":"my-app","id":"17","state":"started now"})");
  CHECK(*r->header("content-type") == "application/json");
}

TEST_CASE("an unknown path is 404, a known path with another method 405 with Allow") {
  auto srv = serve(app_routes());
  auto c = *http_client::create();
  auto nf = call(*c, get(srv->base_url() + "/v1/nothing"));
  REQUIRE(nf);
  CHECK(nf->status == 404);
  CHECK(nf->body == R"({"error":"no route for GET /v1/nothing"})");
  auto req = get(srv->base_url() + "/v1/apps/a/machines/1");
  req.method = "PUT";
  auto na = call(*c, req);
  REQUIRE(na);
  CHECK(na->status == 405);
  CHECK(*na->header("allow") == "GET, DELETE");
}

TEST_CASE("a request body over the limit is 413 and the connection closes") {
  http_server_options o;
  o.body_limit = 1000;
  auto srv = serve(app_routes(), nullptr, o);
  auto c = *http_client::create();
  auto req = get(srv->base_url() + "/v1/echo");
  req.method = "POST";
  req.body = std::string(500, 'x');
  auto small = call(*c, req);
  REQUIRE(small);
  CHECK(small->body == req.body);
  req.body = std::string(5000, 'x');
  auto big = call(*c, req);
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(*big->header("connection") == "close");
}

TEST_CASE("request headers over the limit are 431") {
  http_server_options o;
  o.header_limit = 2048;
  auto srv = serve(app_routes(), nullptr, o);
  auto c = *http_client::create();
  auto req = get(srv->base_url() + "/v1/apps/a/machines/1");
  req.headers.emplace_back("X-Big", std::string(4096, 'h'));
  auto r = call(*c, req);
  REQUIRE(r);
  CHECK(r->status == 431);
}

TEST_CASE("a slow client that never finishes its request is disconnected after the read timeout") {
  http_server_options o;
  o.read_timeout = 200ms;
  auto srv = serve(app_routes(), nullptr, o);
  boost::asio::io_context ioc;
  tcp::socket s{ioc};
  s.connect({boost::asio::ip::make_address("127.0.0.1"), srv->port()});
  raw_server::send(s, "GET /v1/apps/a/machines/1 HTTP/1.1\r\nHost: x\r\n"); // no blank line
  auto e = wait_for_close(s);
  CHECK(e.closed);
  CHECK(e.bytes == 0);
  CHECK(e.after >= 150ms);
  CHECK(e.after < 2s);
}

TEST_CASE("read_timeout bounds the whole request once, header and body — it is not re-armed when the header is in") {
  http_server_options o;
  o.read_timeout = 1s;
  auto srv = serve(app_routes(), nullptr, o);
  boost::asio::io_context ioc;
  auto s = connect_raw(ioc, srv->port());
  auto first_byte = clock_type::now();
  raw_server::send(s, "POST /v1/echo HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(700ms); // a slow client, not a wait: the header ends late...
  raw_server::send(s, "Content-Length: 10\r\n\r\n"); // ...and the body never comes
  auto e = wait_for_close(s);
  auto since_first_byte = clock_type::now() - first_byte;
  CHECK(e.closed);
  CHECK(since_first_byte >= 900ms);
  CHECK(since_first_byte < 1600ms); // a re-armed timer would close it at ~1.7 s
}

TEST_CASE("read_timeout counts from a request's first byte — before it the connection is idle, under idle_timeout") {
  http_server_options o;
  o.read_timeout = 200ms;
  o.idle_timeout = 10s;
  auto srv = serve(app_routes(), nullptr, o);
  boost::asio::io_context ioc;
  auto s = connect_raw(ioc, srv->port());
  std::this_thread::sleep_for(500ms); // connected and silent for longer than read_timeout
  boost::beast::flat_buffer buf;
  auto res = exchange(s, buf, "/v1/apps/a/machines/1");
  CHECK(res.result_int() == 200);
}

TEST_CASE("handshake_timeout: a TLS client that connects and never handshakes is closed within the timeout") {
  auto cert = make_test_certificate();
  http_server_options o;
  o.handshake_timeout = 200ms;
  auto srv = serve(app_routes(), &cert, o);
  boost::asio::io_context ioc;
  auto s = connect_raw(ioc, srv->port());
  auto e = wait_for_close(s);
  CHECK(e.closed);
  CHECK(e.after >= 150ms);
  CHECK(e.after < 2s);
}

TEST_CASE("idle_timeout: a kept-alive connection that sends nothing more is closed") {
  http_server_options o;
  o.idle_timeout = 300ms;
  o.read_timeout = 10s;
  auto srv = serve(app_routes(), nullptr, o);
  boost::asio::io_context ioc;
  auto s = connect_raw(ioc, srv->port());
  boost::beast::flat_buffer buf;
  auto res = exchange(s, buf, "/v1/apps/a/machines/1");
  REQUIRE(res.result_int() == 200);
  REQUIRE(res.keep_alive());
  auto e = wait_for_close(s);
  CHECK(e.closed);
  CHECK(e.after >= 250ms);
  CHECK(e.after < 3s);
}

TEST_CASE("max_connections: the connection over the limit is closed at once, the others are served") {
  http_server_options o;
  o.max_connections = 2;
  auto srv = serve(app_routes(), nullptr, o);
  boost::asio::io_context ioc;
  auto a = connect_raw(ioc, srv->port());
  auto b = connect_raw(ioc, srv->port());
  boost::beast::flat_buffer abuf, bbuf;
  REQUIRE(exchange(a, abuf, "/v1/apps/a/machines/1").result_int() == 200); // both are sessions now
  REQUIRE(exchange(b, bbuf, "/v1/apps/b/machines/1").result_int() == 200);
  auto over = connect_raw(ioc, srv->port());
  auto e = wait_for_close(over);
  CHECK(e.closed);
  CHECK(e.bytes == 0);
  CHECK(e.after < 2s);
  CHECK(exchange(a, abuf, "/v1/apps/a/machines/2").result_int() == 200);
  CHECK(exchange(b, bbuf, "/v1/apps/b/machines/2").result_int() == 200);
}

TEST_CASE("write_timeout: a client that never reads a large answer is closed — its slot is free again") {
  http_router r;
  r.add("GET", "/big", [](const http_server_request&, http_responder reply) {
    http_server_response res;
    res.body = std::string(32 * 1024 * 1024, 'x');
    reply(std::move(res));
  });
  r.add("GET", "/small", [](const http_server_request&, http_responder reply) {
    reply(http_server_response::json(200, {}));
  });
  http_server_options o;
  o.write_timeout = 300ms;
  o.max_connections = 1; // a probe is served only once the reader-less client is gone
  auto srv = serve(std::move(r), nullptr, o);
  boost::asio::io_context ioc;
  tcp::socket s{ioc};
  s.open(tcp::v4());
  s.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  s.connect({boost::asio::ip::make_address("127.0.0.1"), srv->port()});
  auto sent = clock_type::now();
  raw_server::send(s, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); // and reads nothing
  auto c = *http_client::create();
  REQUIRE(wait_until([&] {
    auto probe = call(*c, get(srv->base_url() + "/small"));
    return probe && probe->status == 200;
  }));
  CHECK(clock_type::now() - sent < 3s);
  auto e = wait_for_close(s); // what the server had sent before it gave up, then the end
  CHECK(e.closed);
  CHECK(e.bytes < 32u * 1024 * 1024);
}

TEST_CASE("a %2F inside a {parameter} stays in that parameter — segments are decoded one by one") {
  http_router r;
  r.add("GET", "/items/{id}", [](const http_server_request& req, http_responder reply) {
    reply(http_server_response::json(200, {{"id", req.params.at("id")}}));
  });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  auto slash = call(*c, get(srv->base_url() + "/items/a%2Fb"));
  REQUIRE(slash);
  CHECK(slash->status == 200);
  CHECK(slash->body == R"({"id":"a/b"})");
  auto space = call(*c, get(srv->base_url() + "/items/two%20words"));
  REQUIRE(space);
  CHECK(space->body == R"({"id":"two words"})");
  auto two = call(*c, get(srv->base_url() + "/items/a/b")); // a real slash: two segments
  REQUIRE(two);
  CHECK(two->status == 404);
}

TEST_CASE("TLS serving with the run-time certificate") {
  auto cert = make_test_certificate();
  auto srv = serve(app_routes(), &cert);
  CHECK(srv->base_url().rfind("https://127.0.0.1:", 0) == 0);
  auto c = client_trusting(cert);
  auto r = call(*c, get(srv->base_url() + "/v1/apps/a/machines/1"));
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a handler may answer later, from another thread") {
  std::thread later;
  http_router r;
  r.add("GET", "/slow", [&](const http_server_request&, http_responder reply) {
    later = std::thread{[reply] { reply(http_server_response::json(200, {{"late", true}})); }};
  });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  auto res = call(*c, get(srv->base_url() + "/slow"));
  later.join();
  REQUIRE(res);
  CHECK(res->body == R"({"late":true})");
}

TEST_CASE("a handler that drops its responder unanswered: the client gets 500, not silence") {
  http_router r;
  r.add("GET", "/drop", [](const http_server_request&, http_responder) {});
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  auto res = call(*c, get(srv->base_url() + "/drop"));
  REQUIRE(res);
  CHECK(res->status == 500);
}

TEST_CASE("graceful stop: a request in flight is answered — new connections are refused") {
  std::promise<http_responder> held;
  std::atomic<bool> first{true};
  http_router r;
  r.add("GET", "/held", [&](const http_server_request&, http_responder reply) {
    if (first.exchange(false))
      held.set_value(reply);
    else
      reply(http_server_response::error(503, "stopping")); // a probe that came in before the stop
  });
  auto srv = serve(std::move(r));
  auto url = srv->base_url();
  auto c = *http_client::create();
  auto answer = std::make_shared<std::promise<expected<http_response>>>();
  c->request(get(url + "/held"), [answer](expected<http_response> res) { answer->set_value(std::move(res)); });
  auto reply = held.get_future().get();
  std::size_t unanswered = 99;
  std::thread stopper{[&] { unanswered = srv->stop(5s); }};
  // Once stopping, the server takes no new connection.
  auto c2 = *http_client::create();
  REQUIRE(wait_until([&] {
    auto r2 = call(*c2, get(url + "/held"));
    return !r2 && r2.error().code() == errc::transport;
  }));
  reply(http_server_response::json(200, {{"drained", true}}));
  stopper.join();
  CHECK(unanswered == 0);
  auto res = answer->get_future().get();
  REQUIRE(res);
  CHECK(res->body == R"({"drained":true})");
}

TEST_CASE("graceful stop: what is still unanswered at the deadline is counted and closed") {
  std::promise<http_responder> held;
  http_router r;
  r.add("GET", "/held", [&](const http_server_request&, http_responder reply) { held.set_value(reply); });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  auto answer = std::make_shared<std::promise<expected<http_response>>>();
  c->request(get(srv->base_url() + "/held"),
             [answer](expected<http_response> res) { answer->set_value(std::move(res)); });
  auto reply = held.get_future().get();
  CHECK(srv->stop(100ms) == 1);
  auto res = answer->get_future().get();
  CHECK_FALSE(res); // closed without an answer
  reply(http_server_response::json(200, {})); // too late: goes nowhere, harmlessly
}

TEST_CASE("a handler that throws answers 500 and the server goes on") {
  http_router r;
  r.add("GET", "/throw", [](const http_server_request&, http_responder) {
    throw std::runtime_error("boom");
  });
  r.add("GET", "/ok", [](const http_server_request&, http_responder reply) {
    reply(http_server_response::json(200, {}));
  });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  auto bad = call(*c, get(srv->base_url() + "/throw"));
  REQUIRE(bad);
  CHECK(bad->status == 500);
  auto ok = call(*c, get(srv->base_url() + "/ok"));
  REQUIRE(ok);
  CHECK(ok->status == 200);
}
