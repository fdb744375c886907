// WebSocket: upgrade, echo, bounded per-client queues, stop.
#include "net_fixture.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;
namespace websocket = boost::beast::websocket;

namespace {

struct ws_client {
  boost::asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  ws_client(std::uint16_t port, const std::string& path) {
    ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1:" + std::to_string(port), path);
  }
  std::string read() {
    boost::beast::flat_buffer b;
    ws.read(b);
    return boost::beast::buffers_to_string(b.data());
  }
};

http_router echo_routes(std::vector<websocket_stream>* streams = nullptr, std::mutex* mtx = nullptr) {
  http_router r;
  r.add_websocket("/ws/{room}", [=](const http_server_request& req, websocket_stream s) {
    s.send("welcome to " + req.params.at("room"));
    s.on_message([s](std::string m) { s.send("echo: " + m); });
    if (streams) {
      std::lock_guard g{*mtx};
      streams->push_back(s);
    }
  });
  return r;
}

} // namespace

TEST_CASE("WebSocket: upgrade on a route with parameters, then echo") {
  auto srv = serve(echo_routes());
  ws_client c{srv->port(), "/ws/lobby"};
  CHECK(c.read() == "welcome to lobby");
  c.ws.write(boost::asio::buffer(std::string{"hello"}));
  CHECK(c.read() == "echo: hello");
  c.ws.close(websocket::close_code::normal);
}

TEST_CASE("WebSocket: over TLS with the run-time certificate") {
  auto cert = make_test_certificate();
  auto srv = serve(echo_routes(), &cert);
  boost::asio::io_context ioc;
  boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_client};
  ctx.add_certificate_authority(boost::asio::buffer(cert.cert_pem));
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  websocket::stream<boost::asio::ssl::stream<tcp::socket>> ws{ioc, ctx};
  ws.next_layer().set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
  ws.next_layer().next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), srv->port()});
  ws.next_layer().handshake(boost::asio::ssl::stream_base::client);
  ws.handshake("127.0.0.1", "/ws/secure");
  boost::beast::flat_buffer b;
  ws.read(b);
  CHECK(boost::beast::buffers_to_string(b.data()) == "welcome to secure");
}

TEST_CASE("WebSocket: a plain GET on a WebSocket route is 426") {
  auto srv = serve(echo_routes());
  auto c = *http_client::create();
  auto r = call(*c, get(srv->base_url() + "/ws/lobby"));
  REQUIRE(r);
  CHECK(r->status == 426);
}

TEST_CASE("WebSocket: a client that does not read is closed at the queue bound — a reading one goes on") {
  std::vector<websocket_stream> streams;
  std::mutex mtx;
  http_server_options o;
  o.ws_queue_limit = 8;
  auto srv = serve(echo_routes(&streams, &mtx), nullptr, o);
  ws_client fast{srv->port(), "/ws/a"};
  CHECK(fast.read() == "welcome to a");
  ws_client slow{srv->port(), "/ws/b"}; // never reads again
  REQUIRE(wait_until([&] { std::lock_guard g{mtx}; return streams.size() == 2; }));
  auto fast_s = streams[0];
  auto slow_s = streams[1];
  std::atomic<bool> slow_closed{false};
  slow_s.on_close([&] { slow_closed = true; });
  const std::string payload(64 * 1024, 'x');
  for (int i = 0; i < 400 && slow_s.is_open(); ++i) {
    REQUIRE(fast_s.send(payload));
    slow_s.send(payload);
    CHECK(fast.read().size() == payload.size());
  }
  CHECK_FALSE(slow_s.is_open());
  CHECK(slow_s.overflows() == 1);
  CHECK(wait_until([&] { return slow_closed.load(); }));
  CHECK(fast_s.send("still here"));
  CHECK(fast.read() == "still here");
}

TEST_CASE("WebSocket: the server's stop closes with a normal close frame") {
  auto srv = serve(echo_routes());
  ws_client c{srv->port(), "/ws/x"};
  CHECK(c.read() == "welcome to x");
  std::size_t unanswered = 99;
  std::thread stopper{[&] { unanswered = srv->stop(5s); }};
  boost::beast::flat_buffer b;
  boost::system::error_code ec;
  c.ws.read(b, ec); // answers the server's close frame, as a client does
  stopper.join();
  CHECK(ec == websocket::error::closed);
  CHECK(c.ws.reason().code == websocket::close_code::normal);
  CHECK(unanswered == 0);
}

TEST_CASE("WebSocket: a callback that throws closes that client only — the server goes on") {
  http_router r;
  r.add_websocket("/ws", [](const http_server_request&, websocket_stream s) {
    s.on_message([](std::string) { throw std::runtime_error("boom"); });
    s.on_close([] { throw std::runtime_error("boom again"); });
  });
  r.add_websocket("/echo", [](const http_server_request&, websocket_stream s) {
    s.on_message([s](std::string m) { s.send("echo: " + m); });
  });
  auto srv = serve(std::move(r));
  {
    ws_client c{srv->port(), "/ws"};
    c.ws.write(boost::asio::buffer(std::string{"x"}));
    boost::beast::flat_buffer b;
    boost::system::error_code ec;
    c.ws.read(b, ec);
    CHECK(ec); // closed
  }
  ws_client again{srv->port(), "/echo"}; // the server's thread is alive and serving
  again.ws.write(boost::asio::buffer(std::string{"still there?"}));
  CHECK(again.read() == "echo: still there?");
  again.ws.close(websocket::close_code::normal);
}

TEST_CASE("WebSocket: a message over ws_message_limit closes that client — another goes on echoing") {
  http_server_options o;
  o.ws_message_limit = 1024;
  auto srv = serve(echo_routes(), nullptr, o);
  ws_client other{srv->port(), "/ws/b"};
  CHECK(other.read() == "welcome to b");
  ws_client big{srv->port(), "/ws/a"};
  CHECK(big.read() == "welcome to a");
  big.ws.write(boost::asio::buffer(std::string(2048, 'x')));
  auto e = wait_for_close(big.ws.next_layer()); // the close frame, then the end
  CHECK(e.closed);
  CHECK(e.after < 2s);
  other.ws.write(boost::asio::buffer(std::string(1024, 'y'))); // at the limit: fine
  CHECK(other.read() == "echo: " + std::string(1024, 'y'));
}
