// Server-Sent Events: framing, heartbeats, bounded per-client queues.
#include "net_fixture.hpp"

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

// A raw SSE client: reads everything the server sends on a thread of its own.
class sse_reader {
public:
  sse_reader(std::uint16_t port, const std::string& path, bool reading = true) : sock_(ioc_) {
    sock_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    raw_server::send(sock_, "GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
    if (reading)
      thread_ = std::thread{[this] { loop(); }};
  }
  ~sse_reader() {
    boost::system::error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    if (thread_.joinable())
      thread_.join();
    sock_.close(ec);
  }
  std::string text() const {
    std::lock_guard g{mtx_};
    return text_;
  }
  bool has(const std::string& s) const { return text().find(s) != std::string::npos; }
  bool ended() const { return ended_; }

private:
  void loop() {
    char b[65536];
    boost::system::error_code ec;
    while (true) {
      auto n = sock_.read_some(boost::asio::buffer(b), ec);
      if (ec)
        break;
      std::lock_guard g{mtx_};
      text_.append(b, n);
    }
    ended_ = true;
  }
  boost::asio::io_context ioc_;
  tcp::socket sock_;
  std::thread thread_;
  mutable std::mutex mtx_;
  std::string text_;
  std::atomic<bool> ended_{false};
};

struct stream_box {
  std::mutex mtx;
  std::vector<sse_stream> streams;
  void add(sse_stream s) {
    std::lock_guard g{mtx};
    streams.push_back(std::move(s));
  }
  std::size_t size() {
    std::lock_guard g{mtx};
    return streams.size();
  }
  sse_stream at(std::size_t i) {
    std::lock_guard g{mtx};
    return streams.at(i);
  }
};

} // namespace

TEST_CASE("SSE: event-stream headers, events as data lines, a heartbeat when idle") {
  stream_box box;
  http_router r;
  r.add_sse("/v1/apps/{app}/logs", [&](const http_server_request& req, sse_stream s) {
    s.send("hello " + req.params.at("app"), "greeting", "1");
    box.add(s);
  });
  http_server_options o;
  o.sse_heartbeat = 100ms;
  auto srv = serve(std::move(r), nullptr, o);
  sse_reader client{srv->port(), "/v1/apps/my-app/logs"};
  REQUIRE(wait_until([&] { return box.size() == 1; }));
  CHECK(box.at(0).send("two\nlines"));
  REQUIRE(wait_until([&] { return client.has("data: two\ndata: lines\n\n"); }));
  auto t = client.text();
  CHECK(t.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(t.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(t.find("event: greeting\nid: 1\ndata: hello my-app\n\n") != std::string::npos);
  CHECK(wait_until([&] { return client.has(": ping\n\n"); }));
}

TEST_CASE("SSE: a client that cannot keep up is closed while a fast client keeps receiving") {
  stream_box box;
  http_router r;
  r.add_sse("/events", [&](const http_server_request&, sse_stream s) { box.add(s); });
  http_server_options o;
  o.sse_queue_limit = 8;
  o.write_timeout = 30s; // the slow client is evicted by its queue, not by a timeout
  auto srv = serve(std::move(r), nullptr, o);
  sse_reader fast{srv->port(), "/events"};
  REQUIRE(wait_until([&] { return box.size() == 1; }));
  sse_reader slow{srv->port(), "/events", false}; // never reads
  REQUIRE(wait_until([&] { return box.size() == 2; }));
  auto fast_s = box.at(0);
  auto slow_s = box.at(1);
  std::atomic<bool> slow_closed{false};
  slow_s.on_close([&] { slow_closed = true; });
  const std::string payload(64 * 1024, 'x');
  int sent_to_slow = 0;
  for (int i = 0; i < 400 && slow_s.is_open(); ++i) {
    auto id = std::to_string(i);
    REQUIRE(fast_s.send(payload, {}, id));
    if (slow_s.send(payload, {}, id))
      ++sent_to_slow;
    REQUIRE(wait_until([&] { return fast.has("id: " + id + "\n"); }));
  }
  CHECK_FALSE(slow_s.is_open());
  CHECK(slow_s.overflows() == 1);
  CHECK(wait_until([&] { return slow_closed.load(); }));
  CHECK(sent_to_slow >= 8);
  CHECK(fast_s.is_open());
  CHECK(fast_s.send("still here", {}, "last"));
  CHECK(wait_until([&] { return fast.has("data: still here\n\n"); }));
}

TEST_CASE("SSE: close() ends the stream with the last chunk — on_close runs once") {
  stream_box box;
  http_router r;
  r.add_sse("/events", [&](const http_server_request&, sse_stream s) { box.add(s); });
  auto srv = serve(std::move(r));
  sse_reader client{srv->port(), "/events"};
  REQUIRE(wait_until([&] { return box.size() == 1; }));
  std::atomic<int> closes{0};
  box.at(0).on_close([&] { ++closes; });
  box.at(0).send("bye");
  box.at(0).close();
  CHECK_FALSE(box.at(0).send("after"));
  REQUIRE(wait_until([&] { return client.ended(); }));
  CHECK(client.has("data: bye\n\n"));
  CHECK(client.has("0\r\n\r\n"));
  // The client may see the end before the server's thread has run on_close.
  REQUIRE(wait_until([&] { return closes.load() >= 1; }));
  CHECK(closes == 1);
}

TEST_CASE("SSE: a client that leaves is noticed — the server's stop ends the others") {
  stream_box box;
  http_router r;
  r.add_sse("/events", [&](const http_server_request&, sse_stream s) { box.add(s); });
  auto srv = serve(std::move(r));
  std::atomic<bool> left{false};
  {
    sse_reader leaving{srv->port(), "/events"};
    REQUIRE(wait_until([&] { return box.size() == 1; }));
    box.at(0).on_close([&] { left = true; });
  }
  CHECK(wait_until([&] { return left.load(); }));
  sse_reader staying{srv->port(), "/events"};
  REQUIRE(wait_until([&] { return box.size() == 2; }));
  CHECK(srv->stop(5s) == 0);
  CHECK(wait_until([&] { return staying.ended(); }));
  CHECK_FALSE(box.at(1).is_open());
}
