#pragma once
// The logs subtree's actors on virtual time: a dispatcher, streamers whose
// fetches the test answers by hand (or from a scripted log), subscribers that
// record what reaches their handlers.

#include "../support/deterministic_fixture.hpp"
#include "../support/sample_tokens.hpp"

#include <atlas/actors/log_dispatcher.hpp>
#include <atlas/actors/log_messages.hpp>
#include <atlas/actors/log_streamer.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

#include <deque>

namespace atlas::test {

/// What one subscriber's handlers saw, in order.
struct received {
  std::vector<log_entry> lines;
  std::size_t batches = 0;
  std::vector<log_gap> gaps;
  std::size_t stopped = 0;
  std::vector<std::string> evicted;
  std::vector<std::string> order; ///< "logs", "gap", "stopped", "evicted"
};

inline caf::actor spawn_recorder(caf::actor_system& sys, std::shared_ptr<received> r) {
  return sys.spawn([r](caf::event_based_actor*) -> caf::behavior {
    return {
      [r](logs_atom, const std::string&, const log_batch& b) {
        r->lines.insert(r->lines.end(), b.entries().begin(), b.entries().end());
        ++r->batches;
        r->order.push_back("logs");
      },
      [r](logs_gap_atom, const std::string&, const log_gap& g) {
        r->gaps.push_back(g);
        r->order.push_back("gap");
      },
      [r](logs_stopped_atom, const std::string&) {
        ++r->stopped;
        r->order.push_back("stopped");
      },
      [r](evicted_atom, const std::string& topic) {
        r->evicted.push_back(topic);
        r->order.push_back("evicted");
      },
    };
  });
}

/// A scripted app log served as Fly does: pages of at most 100 lines at or
/// after the cursor (inclusive), next_token = the last line's instant.
struct scripted_log {
  std::vector<log_entry> lines; ///< ascending timestamps
  std::size_t page = 100;

  fly_logs_page read(std::int64_t cursor) const {
    fly_logs_page p;
    p.next_cursor_ns = cursor;
    std::size_t i = 0;
    if (cursor == 0)
      i = lines.size() > page ? lines.size() - page : 0;
    else
      while (i < lines.size() && lines[i].timestamp_ns < cursor)
        ++i;
    for (; i < lines.size() && p.entries.size() < page; ++i)
      p.entries.push_back(lines[i]);
    if (!p.entries.empty())
      p.next_cursor_ns = p.entries.back().timestamp_ns;
    return p;
  }

  /// n lines from `t0`, every other pair sharing an instant.
  void add(std::size_t n, std::int64_t t0 = 1'700'000'000'000'000'000) {
    std::int64_t t = lines.empty() ? t0 : lines.back().timestamp_ns;
    for (std::size_t k = 0; k < n; ++k) {
      if (lines.empty() || k % 3 != 2)
        t += 1000;
      log_entry e;
      e.timestamp_ns = t;
      e.id = "id-" + std::to_string(lines.size());
      e.app = "app-a";
      e.instance = "e784079b449483";
      e.region = "iad";
      e.level = "info";
      e.message = "line " + std::to_string(lines.size());
      lines.push_back(std::move(e));
    }
  }
};

struct pending_fetch {
  fly_logs_query query;
  std::function<void(expected<fly_logs_page>)> done;
};

struct log_fixture : deterministic_fixture {
  std::shared_ptr<log_services> svc = std::make_shared<log_services>();
  std::deque<pending_fetch> fetches;
  std::size_t token_calls = 0;
  std::size_t refreshes = 0;
  std::int64_t wall = 1'700'000'100'000'000'000;
  caf::actor dispatcher;

  log_fixture() {
    svc->fetch = [this](const fly_logs_query& q, const secret&,
                        std::function<void(expected<fly_logs_page>)> done) {
      fetches.push_back({q, std::move(done)});
    };
    svc->token = [this](caf::event_based_actor*, const std::string&, bool refresh,
                        std::function<void(expected<secret>)> then) {
      ++token_calls;
      refreshes += refresh ? 1 : 0;
      then(secret{sample_oauth});
    };
    svc->now_ns = [this] { return wall; };
    dispatcher = spawn_log_dispatcher(sys);
    svc->publish(log_role::dispatcher, dispatcher);
  }
  ~log_fixture() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    caf::anon_send_exit(dispatcher, caf::exit_reason::kill);
    run();
  }

  caf::actor streamer(const std::string& topic = "app-a") {
    auto s = spawn_log_streamer(sys, svc, topic);
    actors.push_back(s);
    run();
    return s;
  }

  caf::actor recorder(std::shared_ptr<received> r) {
    auto a = spawn_recorder(sys, std::move(r));
    actors.push_back(a);
    return a;
  }

  expected<void> subscribe(const caf::actor& streamer, const caf::actor& who, std::uint32_t max = 64) {
    expected<void> out{error{errc::timeout, "no answer"}};
    self->send(streamer, subscribe_atom_v, who, max);
    run();
    self->receive([&](const expected<void>& r) { out = r; },
                  [&](const caf::error& e) { out = error{errc::transport, to_string(e)}; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    if (!out)
      MESSAGE("subscribe: " << out.error().message());
    return out;
  }

  /// Answers the oldest fetch with `r`, then runs what follows.
  void answer(expected<fly_logs_page> r) {
    REQUIRE_FALSE(fetches.empty());
    auto f = std::move(fetches.front());
    fetches.pop_front();
    f.done(std::move(r));
    run();
  }

  /// Answers every fetch from `log` until none is pending, moving time on
  /// by the streamer's wait each time; at most `rounds` fetches.
  void serve(const scripted_log& log, std::size_t rounds) {
    for (std::size_t i = 0; i < rounds; ++i) {
      if (fetches.empty())
        advance(svc->logs.poll_interval);
      if (fetches.empty())
        return;
      auto c = fetches.front().query.cursor_ns;
      answer(log.read(c));
    }
  }

  std::vector<caf::actor> actors;
};

inline std::vector<std::string> messages_of(const std::vector<log_entry>& lines) {
  std::vector<std::string> out;
  for (auto& e : lines)
    out.push_back(e.message);
  return out;
}

} // namespace atlas::test
