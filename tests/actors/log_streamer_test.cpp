// The log streamer of one app with its dispatcher, on virtual time: first
// page, dedupe at the cursor, crashes, errors, 401, gaps, stopping; and the
// ExAtlas defects 1-9 and 19-20 it must not have (reference/exatlas.md §20).
#include "log_fixture.hpp"

#include <caf/exit_reason.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

log_entry line(std::int64_t t, std::string id, std::string msg) {
  log_entry e;
  e.timestamp_ns = t;
  e.id = std::move(id);
  e.message = std::move(msg);
  return e;
}

fly_logs_page page_of(std::vector<log_entry> es, std::int64_t next) {
  fly_logs_page p;
  p.entries = std::move(es);
  p.next_cursor_ns = next;
  return p;
}

constexpr std::int64_t t0 = 1'700'000'000'000'000'000; // above 2^53 on purpose

} // namespace

TEST_CASE("the first page (the app's latest lines) reaches the first subscriber (defect 3)") {
  log_fixture fx;
  auto r = std::make_shared<received>();
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  REQUIRE(fx.fetches.size() == 1);
  CHECK(fx.fetches.front().query.cursor_ns == 0);
  fx.answer(page_of({line(t0, "a", "one"), line(t0 + 1, "b", "two")}, t0 + 1));
  CHECK(messages_of(r->lines) == std::vector<std::string>{"one", "two"});
  CHECK(r->batches == 1);
}

TEST_CASE("lines that share the cursor's instant are delivered once, across pages") {
  log_fixture fx;
  auto r = std::make_shared<received>();
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(page_of({line(t0, "a", "a"), line(t0 + 5, "b", "b")}, t0 + 5));
  fx.advance(fx.svc->logs.poll_interval);
  REQUIRE(fx.fetches.size() == 1);
  CHECK(fx.fetches.front().query.cursor_ns == t0 + 5); // 64-bit, never through a double
  // The cursor is inclusive: "b" comes again, with a line that shares its instant.
  fx.answer(page_of({line(t0 + 5, "b", "b"), line(t0 + 5, "c", "c"), line(t0 + 9, "d", "d")}, t0 + 9));
  CHECK(messages_of(r->lines) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("without ids (NDJSON), lines at one instant are told apart by content (defect 5)") {
  log_fixture fx;
  auto r = std::make_shared<received>();
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(page_of({line(t0 + 123'456'001, "", "x")}, t0 + 123'456'001));
  fx.advance(fx.svc->logs.poll_interval);
  // Same microsecond, a later nanosecond: ExAtlas's µs cursor fetched "x" twice.
  fx.answer(page_of({line(t0 + 123'456'001, "", "x"), line(t0 + 123'456'001, "", "y"),
                     line(t0 + 123'456'002, "", "z")},
                    t0 + 123'456'002));
  CHECK(messages_of(r->lines) == std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("no line is lost or repeated over 10,000 lines with shared instants and a crash in the middle") {
  log_fixture fx;
  scripted_log log;
  log.add(10'000);
  log.page = 100;
  // Start from the beginning: the first page of a cursor-less poll is the
  // latest; seed a cursor so the whole log is read.
  fx.svc->cursors->put("app-a", log_cursor{log.lines.front().timestamp_ns, 0, {}, false});
  auto r = std::make_shared<received>();
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.serve(log, 50);
  // A crash mid-way: the streamer's successor resumes from the table.
  caf::anon_send_exit(s, caf::exit_reason::unhandled_exception);
  fx.run();
  fx.fetches.clear(); // the dead one's fetch answers nobody
  auto s2 = fx.streamer();
  fx.serve(log, 500);
  REQUIRE(r->lines.size() == log.lines.size());
  for (std::size_t i = 0; i < log.lines.size(); ++i)
    REQUIRE(r->lines[i].id == log.lines[i].id);
  (void)s2;
}

TEST_CASE("a subscriber that never handles its batches is evicted at max_in_flight; a fast one gets everything") {
  log_fixture fx;
  auto fast = std::make_shared<received>();
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(fast)));
  caf::scoped_actor slow{fx.sys, true}; // never receives: its handler never runs
  REQUIRE(fx.subscribe(s, slow, 4));
  std::int64_t t = t0;
  for (int i = 0; i < 10; ++i) {
    if (fx.fetches.empty())
      fx.advance(fx.svc->logs.poll_interval);
    REQUIRE(fx.fetches.size() == 1);
    fx.answer(page_of({line(t, "id" + std::to_string(i), "m" + std::to_string(i))}, t));
    t += 10;
  }
  CHECK(fast->lines.size() == 10);
  CHECK(fast->evicted.empty());
  // Four in flight, the fifth publish evicted it: one notice, then nothing.
  std::size_t batches = 0, evictions = 0;
  for (bool more = true; more;)
    slow->receive([&](logs_atom, const std::string&, const log_batch&) { ++batches; },
                  [&](evicted_atom, const std::string& topic) {
                    ++evictions;
                    CHECK(topic == "app-a");
                  },
                  caf::after(0s) >> [&] { more = false; });
  CHECK(batches == 4);
  CHECK(evictions == 1);
}

TEST_CASE("a batch counts as in flight until the handler has run, not while it is kept") {
  auto meter = std::make_shared<delivery_meter>();
  log_batch shared{std::make_shared<const log_batch::lines>(1)};
  std::optional<log_batch> kept;
  {
    auto delivered = shared.counted(meter);
    CHECK(meter->in_flight == 1);
    kept = delivered; // a handler keeping the lines
  }
  CHECK(meter->in_flight == 0);
  CHECK(meter->handled == 1);
  CHECK(kept->size() == 1);
}

TEST_CASE("subscribe is answered while a poll is in flight (defect 7)") {
  log_fixture fx;
  auto s = fx.streamer();
  REQUIRE(fx.fetches.size() == 1); // in flight, never answered here
  auto r = std::make_shared<received>();
  CHECK(fx.subscribe(s, fx.recorder(r)));
}

TEST_CASE("the streamer stops when its last subscriber leaves, and is not restarted (defect 1, 9)") {
  log_fixture fx;
  auto s = fx.streamer();
  auto a = fx.recorder(std::make_shared<received>());
  auto b = fx.recorder(std::make_shared<received>());
  REQUIRE(fx.subscribe(s, a));
  REQUIRE(fx.subscribe(s, b));
  fx.self->monitor(s);
  fx.self->send(s, unsubscribe_atom_v, a);
  fx.run();
  bool down = false;
  fx.self->receive([](const expected<void>& r) { CHECK(r); });
  fx.self->receive([&](const caf::down_msg&) { down = true; }, caf::after(0s) >> [] {});
  CHECK_FALSE(down); // b is still there
  caf::anon_send_exit(b, caf::exit_reason::kill);
  fx.run();
  fx.self->receive([&](const caf::down_msg& m) {
    down = true;
    CHECK(!m.reason); // normal: a transient child stays stopped
  },
                   caf::after(0s) >> [] {});
  CHECK(down);
  CHECK_FALSE(fx.svc->cursors->get("app-a"));
}

TEST_CASE("unsubscribe detaches: no batch reaches the subscriber afterwards (defect 9)") {
  log_fixture fx;
  auto s = fx.streamer();
  auto ra = std::make_shared<received>();
  auto rb = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(ra)));
  REQUIRE(fx.subscribe(s, fx.recorder(rb)));
  fx.self->send(s, unsubscribe_atom_v, fx.actors.back());
  fx.run();
  fx.self->receive([](const expected<void>& r) { CHECK(r); });
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  CHECK(ra->lines.size() == 1);
  CHECK(rb->lines.empty());
}

TEST_CASE("a supervisor's shutdown sends logs_stopped to every subscriber (defect 2)") {
  log_fixture fx;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(r->stopped == 1);
}

TEST_CASE("404 ends the topic with logs_stopped; the streamer does not poll again") {
  log_fixture fx;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(error{errc::not_found, "app not found"});
  CHECK(r->stopped == 1);
  fx.advance(10min);
  CHECK(fx.fetches.empty());
}

TEST_CASE("401 gets a fresh token and exactly one retry; a second 401 in a row stops") {
  log_fixture fx;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(error{errc::unauthorized, "401"});
  REQUIRE(fx.fetches.size() == 1); // the retry, at once
  CHECK(fx.refreshes == 1);
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  CHECK(r->lines.size() == 1);
  fx.advance(fx.svc->logs.poll_interval);
  fx.answer(error{errc::unauthorized, "401"});
  CHECK(fx.refreshes == 2);
  fx.answer(error{errc::unauthorized, "401"});
  CHECK(r->stopped == 1);
  CHECK(fx.fetches.empty());
}

TEST_CASE("transient errors back off by doubling up to max_backoff, and never stop the streamer") {
  log_fixture fx;
  fx.svc->logs.poll_interval = 1s;
  fx.svc->max_backoff = 8s;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  std::vector<duration> waits;
  for (int i = 0; i < 6; ++i) {
    fx.answer(error{i % 2 ? errc::rate_limited : errc::transport, "boom"});
    duration waited{0};
    while (fx.fetches.empty()) {
      fx.advance(100ms);
      waited += 100ms;
    }
    waits.push_back(waited);
  }
  CHECK(waits == std::vector<duration>{1s, 2s, 4s, 8s, 8s, 8s});
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  CHECK(r->lines.size() == 1);
}

TEST_CASE("a full page is followed by the next poll at once, a short one after poll_interval") {
  log_fixture fx;
  scripted_log log;
  log.add(250);
  fx.svc->cursors->put("app-a", log_cursor{log.lines.front().timestamp_ns, 0, {}, false});
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(std::make_shared<received>())));
  fx.answer(log.read(fx.fetches.front().query.cursor_ns)); // 100: full
  CHECK(fx.fetches.empty());
  fx.advance(fx.svc->min_interval);
  REQUIRE(fx.fetches.size() == 1);
}

TEST_CASE("a cursor older than Fly's retention is reported as a gap, then moved") {
  log_fixture fx;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  fx.wall = t0 + std::chrono::duration_cast<std::chrono::nanoseconds>(8 * 24h).count();
  fx.advance(fx.svc->logs.poll_interval);
  REQUIRE(r->gaps.size() == 1);
  auto oldest = fx.wall - std::chrono::duration_cast<std::chrono::nanoseconds>(7 * 24h).count();
  CHECK(r->gaps[0].from_ns == t0);
  CHECK(r->gaps[0].to_ns == oldest);
  REQUIRE(fx.fetches.size() == 1);
  CHECK(fx.fetches.front().query.cursor_ns == oldest);
}

TEST_CASE("a topic with filters polls with them") {
  log_fixture fx;
  fx.streamer("app-a region=iad instance=e784079b449483");
  REQUIRE(fx.fetches.size() == 1);
  CHECK(fx.fetches.front().query.app == "app-a");
  CHECK(fx.fetches.front().query.region == "iad");
  CHECK(fx.fetches.front().query.instance == "e784079b449483");
}

TEST_CASE("malformed lines are counted, the cursor never resets (defect 4, 6)") {
  log_fixture fx;
  auto s = fx.streamer();
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  fx.advance(fx.svc->logs.poll_interval);
  auto p = page_of({}, t0);
  p.malformed = 3; // a page of lines that did not parse
  fx.answer(p);
  fx.advance(fx.svc->logs.poll_interval);
  REQUIRE(fx.fetches.size() == 1);
  CHECK(fx.fetches.front().query.cursor_ns == t0);
  fx.self->send(s, stats_atom_v);
  fx.run();
  fx.self->receive([](const log_streamer_stats& st) { CHECK(st.malformed == 3); });
}

TEST_CASE("a callback subscriber that throws is logged and never takes the streamer down") {
  log_fixture fx;
  auto s = fx.streamer();
  auto cb = std::make_shared<log_callbacks>();
  int calls = 0;
  cb->on_batch = [&](const std::string&, const log_batch&) {
    ++calls;
    throw std::runtime_error{"user code"};
  };
  fx.self->send(s, subscribe_atom_v, log_callbacks_ptr{cb}, std::uint64_t{1});
  fx.run();
  fx.self->receive([](const expected<void>& r) { CHECK(r); });
  auto r = std::make_shared<received>();
  REQUIRE(fx.subscribe(s, fx.recorder(r)));
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  fx.advance(fx.svc->logs.poll_interval);
  fx.answer(page_of({line(t0 + 1, "b", "b")}, t0 + 1));
  CHECK(calls == 2);
  CHECK(r->lines.size() == 2);
}

TEST_CASE("a streamer nobody subscribes to stops after idle_grace (ExAtlas's polled forever)") {
  log_fixture fx;
  auto s = fx.streamer();
  fx.self->monitor(s);
  fx.answer(page_of({line(t0, "a", "a")}, t0));
  fx.advance(fx.svc->idle_grace);
  bool down = false;
  fx.self->receive([&](const caf::down_msg&) { down = true; }, caf::after(0s) >> [] {});
  CHECK(down);
}

TEST_CASE("every poll emits logs.fetch with the app, the status, the count and the duration, never a line") {
  log_fixture fx;
  memory_telemetry_sink sink;
  fx.svc->telemetry = &sink;
  auto s = fx.streamer();
  REQUIRE(fx.subscribe(s, fx.recorder(std::make_shared<received>())));
  fx.answer(page_of({line(t0, "a", "secret-looking message fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA")}, t0));
  fx.advance(fx.svc->logs.poll_interval);
  fx.answer(error{errc::transport, "reset"});
  auto ev = sink.events("logs.fetch");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].label("app") == "app-a");
  CHECK(ev[0].label("status") == "ok");
  CHECK(ev[0].measurement("count") == 1);
  CHECK(ev[0].measurement("duration_us") >= 0);
  CHECK(ev[1].label("status") == "transport");
  CHECK(ev[1].measurement("count") == 0);
  for (auto& e : ev)
    for (auto& [k, v] : e.metadata)
      CHECK(v.find("secret-looking") == std::string::npos);
}
