// The logs facade over a real logs subtree, polling the Fly simulator over
// loopback HTTP on CAF's threaded scheduler: ordering, no loss and no
// repeat across pages with shared instants and a streamer crash, faults,
// concurrent first subscribers, stopping, eviction, callbacks, and the
// ExAtlas defects 8 and 20 (reference/exatlas.md §20).
#include <atlas/api/logs.hpp>

#include "../support/wait.hpp"

#include <atlas/actors/log_streamer.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/sim/fly_simulator.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <thread>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

/// What a subscriber's handlers saw; shared with the test thread.
struct inbox {
  mutable std::mutex mtx;
  std::vector<log_entry> lines;
  std::size_t stopped = 0;
  std::size_t evicted = 0;

  std::size_t size() const {
    std::lock_guard g{mtx};
    return lines.size();
  }
  std::vector<log_entry> copy() const {
    std::lock_guard g{mtx};
    return lines;
  }
};

caf::actor spawn_inbox(caf::actor_system& sys, std::shared_ptr<inbox> in) {
  return sys.spawn([in](caf::event_based_actor*) -> caf::behavior {
    return {
      [in](logs_atom, const std::string&, const log_batch& b) {
        std::lock_guard g{in->mtx};
        in->lines.insert(in->lines.end(), b.entries().begin(), b.entries().end());
      },
      [in](logs_stopped_atom, const std::string&) {
        std::lock_guard g{in->mtx};
        ++in->stopped;
      },
      [in](evicted_atom, const std::string&) {
        std::lock_guard g{in->mtx};
        ++in->evicted;
      },
      [](logs_gap_atom, const std::string&, const log_gap&) {},
    };
  });
}

struct logs_fixture {
  std::unique_ptr<fly_simulator> sim;
  std::unique_ptr<http_client> http;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<log_services> svc;
  std::atomic<int> refreshes{0};
  std::optional<logs> facade;

  explicit logs_fixture(std::string endpoint = "jsonapi") {
    sim = std::move(*fly_simulator::start());
    REQUIRE(sim->add_app("app-a"));
    http = std::move(*http_client::create());
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    options o;
    o.fly.api_base_url = sim->base_url();
    o.fly.flaps_base_url = sim->base_url();
    o.logs.endpoint = std::move(endpoint);
    o.logs.poll_interval = 20ms;
    auto token = sim->token();
    svc = make_log_services(o, *http, [this, token](caf::event_based_actor*, const std::string&, bool refresh,
                                                    std::function<void(expected<secret>)> then) {
      refreshes += refresh ? 1 : 0;
      then(secret{token});
    });
    svc->min_interval = 1ms;
    auto started = logs::start(*sys, svc);
    REQUIRE(started);
    facade = *started;
  }
  ~logs_fixture() {
    CHECK(facade->stop());
    sys.reset();
    sim->stop();
  }

  caf::actor streamer(const std::string& topic = "app-a") const {
    caf::scoped_actor self{*sys, true};
    caf::actor out;
    self->request(svc->handle(log_role::streamers), 5s, caf::get_atom_v, topic)
      .receive([&](expected<caf::actor>& h) {
        if (h)
          out = *h;
      },
               [](caf::error&) {});
    return out;
  }

  std::int64_t now_ns() const { return svc->now(); }

  /// Subscribes `who` and waits for the streamer's first answered poll:
  /// lines appended before it would be older than the first page (the
  /// latest lines) and, as with Fly, not all of them would come.
  void subscribe_and_settle(const caf::actor& who, const std::string& route = "/api/v1/apps/{app}/logs") {
    auto before = sim->count("GET", route, 200);
    REQUIRE(facade->subscribe(who, "app-a"));
    REQUIRE(wait_until([&] { return sim->count("GET", route, 200) > before; }));
  }

  /// n lines from `t`, every third one sharing the previous one's instant.
  void append(std::size_t n, std::int64_t& t, std::size_t& seq) {
    for (std::size_t k = 0; k < n; ++k, ++seq) {
      if (seq % 3 != 2)
        t += 1000;
      log_entry e;
      e.timestamp_ns = t;
      e.message = "line " + std::to_string(seq);
      sim->append_log("app-a", std::move(e));
    }
  }
};

std::vector<std::string> messages_of(const std::vector<log_entry>& lines) {
  std::vector<std::string> out;
  for (auto& e : lines)
    out.push_back(e.message);
  return out;
}

std::vector<std::string> numbered(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back("line " + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE("10,000 lines with shared instants reach a subscriber in order, once each, across a streamer crash") {
  for (auto endpoint : {"jsonapi", "ndjson"}) {
    CAPTURE(endpoint);
    logs_fixture fx{endpoint};
    auto in = std::make_shared<inbox>();
    auto route = std::string{endpoint} == "ndjson" ? "/v1/apps/{app}/logs" : "/api/v1/apps/{app}/logs";
    fx.subscribe_and_settle(spawn_inbox(*fx.sys, in), route);
    auto t = fx.now_ns();
    std::size_t seq = 0;
    fx.append(5'000, t, seq);
    REQUIRE(wait_until([&] { return in->size() >= 2'000; }, 30s));
    // A crash in the middle: the supervisor restarts the streamer, which
    // resumes from the cursor table; the dispatcher kept the subscriber.
    auto s = fx.streamer();
    REQUIRE(s);
    caf::anon_send_exit(s, caf::exit_reason::unhandled_exception);
    REQUIRE(wait_until([&] { auto n = fx.streamer(); return n && n != s; }));
    fx.append(5'000, t, seq);
    REQUIRE(wait_until([&] { return in->size() >= 10'000; }, 60s));
    // Nothing more comes: wait for two more polls to have run.
    auto polls = fx.sim->count("GET", route);
    REQUIRE(wait_until([&] { return fx.sim->count("GET", route) >= polls + 2; }));
    CHECK(messages_of(in->copy()) == numbered(10'000));
  }
}

TEST_CASE("a 401 once gets a fresh token and the lines still arrive") {
  logs_fixture fx;
  auto in = std::make_shared<inbox>();
  fx.subscribe_and_settle(spawn_inbox(*fx.sys, in));
  fx.sim->inject("GET", "/api/v1/apps/{app}/logs", {fly_fault::kind::status, 401});
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(3, t, seq);
  REQUIRE(wait_until([&] { return in->size() >= 3; }));
  CHECK(fx.refreshes >= 1);
  CHECK(messages_of(in->copy()) == numbered(3));
}

TEST_CASE("429 and 5xx are backed off and retried: nothing is lost") {
  logs_fixture fx;
  auto in = std::make_shared<inbox>();
  fx.subscribe_and_settle(spawn_inbox(*fx.sys, in));
  fly_fault busy{fly_fault::kind::status, 429};
  busy.retry_after = 0ms;
  busy.times = 3;
  fx.sim->inject("GET", "/api/v1/apps/{app}/logs", busy);
  fx.sim->inject("GET", "/api/v1/apps/{app}/logs", {fly_fault::kind::status, 503, 3});
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(250, t, seq);
  bool all = wait_until([&] { return in->size() >= 250; }, 30s);
  CAPTURE(in->size());
  CAPTURE(fx.sim->count("GET", "/api/v1/apps/{app}/logs", 200));
  CAPTURE(fx.sim->count("GET", "/api/v1/apps/{app}/logs", 503));
  REQUIRE(all);
  CHECK(fx.sim->count("GET", "/api/v1/apps/{app}/logs", 429) == 3);
  CHECK(messages_of(in->copy()) == numbered(250));
}

TEST_CASE("a truncated NDJSON page loses and repeats nothing") {
  logs_fixture fx{"ndjson"};
  auto in = std::make_shared<inbox>();
  fx.subscribe_and_settle(spawn_inbox(*fx.sys, in), "/v1/apps/{app}/logs");
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(150, t, seq);
  fx.sim->inject("GET", "/v1/apps/{app}/logs", {fly_fault::kind::truncate, 200, 2});
  fx.append(150, t, seq);
  bool all = wait_until([&] { return in->size() >= 300; }, 30s);
  CAPTURE(in->size());
  REQUIRE(all);
  auto polls = fx.sim->count("GET", "/v1/apps/{app}/logs");
  REQUIRE(wait_until([&] { return fx.sim->count("GET", "/v1/apps/{app}/logs") >= polls + 2; }));
  CHECK(messages_of(in->copy()) == numbered(300));
}

TEST_CASE("concurrent first subscribers all succeed and share one streamer (defect 8)") {
  logs_fixture fx;
  std::vector<std::shared_ptr<inbox>> ins;
  std::vector<caf::actor> subs;
  for (int i = 0; i < 8; ++i) {
    ins.push_back(std::make_shared<inbox>());
    subs.push_back(spawn_inbox(*fx.sys, ins.back()));
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (auto& s : subs)
    threads.emplace_back([&, s] { ok += fx.facade->subscribe(s, "app-a") ? 1 : 0; });
  for (auto& t : threads)
    t.join();
  CHECK(ok == 8);
  caf::scoped_actor self{*fx.sys, true};
  self->request(fx.svc->handle(log_role::streamers), 5s, count_children_atom_v)
    .receive([](const child_counts& c) { CHECK(c.active == 1); }, [](caf::error&) { FAIL("no answer"); });
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(5, t, seq);
  for (auto& in : ins)
    REQUIRE(wait_until([&] { return in->size() == 5; }));
}

TEST_CASE("the last subscriber leaving stops the streamer; a new subscriber starts a new one") {
  logs_fixture fx;
  auto in = std::make_shared<inbox>();
  auto sub = spawn_inbox(*fx.sys, in);
  REQUIRE(fx.facade->subscribe(sub, "app-a"));
  auto s = fx.streamer();
  REQUIRE(s);
  REQUIRE(fx.facade->unsubscribe(sub, "app-a"));
  REQUIRE(wait_until([&] { return !fx.streamer(); }));
  CHECK(fx.facade->unsubscribe(sub, "app-a").error().code() == errc::not_found);
  REQUIRE(fx.facade->subscribe(sub, "app-a"));
  CHECK(fx.streamer());
}

TEST_CASE("an app that goes away ends the topic with logs_stopped") {
  logs_fixture fx;
  auto in = std::make_shared<inbox>();
  REQUIRE(fx.facade->subscribe(spawn_inbox(*fx.sys, in), "app-a"));
  fx.sim->inject("GET", "/api/v1/apps/{app}/logs", {fly_fault::kind::status, 404, 1000});
  REQUIRE(wait_until([&] { std::lock_guard g{in->mtx}; return in->stopped == 1; }));
  REQUIRE(wait_until([&] { return !fx.streamer(); }));
}

TEST_CASE("a subscriber that never handles its batches is evicted while a fast one gets everything") {
  logs_fixture fx;
  auto fast = std::make_shared<inbox>();
  fx.subscribe_and_settle(spawn_inbox(*fx.sys, fast));
  caf::scoped_actor slow{*fx.sys, true}; // never receives
  log_subscription_options o;
  o.max_in_flight = 2;
  REQUIRE(fx.facade->subscribe(slow, "app-a", o));
  auto t = fx.now_ns();
  std::size_t seq = 0;
  for (int round = 0; round < 6; ++round) {
    fx.append(10, t, seq);
    REQUIRE(wait_until([&] { return fast->size() >= seq; }));
  }
  CHECK(messages_of(fast->copy()) == numbered(60));
  bool evicted = false;
  std::size_t batches = 0;
  for (bool more = true; more;)
    slow->receive([&](logs_atom, const std::string&, const log_batch&) { ++batches; },
                  [&](evicted_atom, const std::string&) { evicted = true; },
                  caf::after(0s) >> [&] { more = false; });
  CHECK(evicted);
  CHECK(batches <= 2);
}

TEST_CASE("a callback that throws is logged; the next batch still reaches it and others") {
  logs_fixture fx;
  std::atomic<int> calls{0};
  log_callbacks cb;
  cb.on_batch = [&](const std::string&, const log_batch&) {
    ++calls;
    throw std::runtime_error{"user code"};
  };
  auto id = fx.facade->subscribe(cb, "app-a");
  REQUIRE(id);
  auto in = std::make_shared<inbox>();
  REQUIRE(fx.facade->subscribe(spawn_inbox(*fx.sys, in), "app-a"));
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(1, t, seq);
  REQUIRE(wait_until([&] { return in->size() == 1; }));
  fx.append(1, t, seq);
  REQUIRE(wait_until([&] { return in->size() == 2; }));
  CHECK(calls >= 2);
  CHECK(fx.facade->unsubscribe(*id, "app-a"));
}

TEST_CASE("a disabled logs tree answers no_streamer instead of raising (defect 20)") {
  logs none;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys, true};
  auto r = subscribe_logs(none, self, "app-a");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::no_streamer);
  CHECK(unsubscribe_logs(none, self, "app-a").error().code() == errc::no_streamer);
  CHECK(none.subscribe(log_callbacks{}, "app-a").error().code() == errc::no_streamer);
}

TEST_CASE("subscribe refuses a bad app name and a bad filter, naming them") {
  logs_fixture fx;
  caf::scoped_actor self{*fx.sys, true};
  auto bad = fx.facade->subscribe(self, "Not_An_App");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  log_subscription_options o;
  o.region = "iad instance=x";
  auto f = fx.facade->subscribe(self, "app-a", o);
  REQUIRE_FALSE(f);
  CHECK(f.error().message().find("iad instance=x") != std::string::npos);
}

TEST_CASE("a group subscription receives the app's batches") {
  logs_fixture fx;
  auto g = fx.facade->subscribe_group("app-a");
  REQUIRE(g);
  auto in = std::make_shared<inbox>();
  auto member = fx.sys->spawn([in](caf::event_based_actor* self) -> caf::behavior {
    return {[in](logs_atom, const std::string&, const log_batch& b) {
      std::lock_guard lk{in->mtx};
      in->lines.insert(in->lines.end(), b.entries().begin(), b.entries().end());
    },
            [self](caf::group& grp) { self->join(grp); return caf::ok_atom_v; }};
  });
  {
    caf::scoped_actor self{*fx.sys, true};
    self->request(member, 5s, *g).receive([](caf::ok_atom) {}, [](caf::error&) { FAIL("no join"); });
  }
  auto t = fx.now_ns();
  std::size_t seq = 0;
  fx.append(4, t, seq);
  REQUIRE(wait_until([&] { return in->size() == 4; }));
  CHECK(fx.facade->unsubscribe_group("app-a"));
  caf::anon_send_exit(member, caf::exit_reason::kill);
}
