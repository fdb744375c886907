#pragma once
// The orchestrator's actors on virtual time: services with the mock
// provider, an event dispatcher, and a recorder subscribed to
// "atlas:compute" (the dashboard's topic) that keeps every event in order.

#include "../support/deterministic_fixture.hpp"

#include <atlas/actors/compute_events.hpp>
#include <atlas/actors/compute_server.hpp>
#include <atlas/actors/mock_provider.hpp>
#include <atlas/actors/orchestrator_services.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace atlas::test {

struct seen_event {
  std::string id;
  compute_event ev;
};

inline std::vector<std::string> kinds(const std::vector<seen_event>& v, const std::string& id = {}) {
  std::vector<std::string> out;
  for (auto& s : v)
    if (id.empty() || s.id == id)
      out.emplace_back(to_string(s.ev.kind));
  return out;
}

struct orchestrator_fixture : deterministic_fixture {
  std::shared_ptr<mock_store> store = std::make_shared<mock_store>();
  std::shared_ptr<orchestrator_services> svc;
  provider_actor mock;
  caf::actor events;
  std::shared_ptr<std::vector<seen_event>> seen = std::make_shared<std::vector<seen_event>>();
  caf::actor recorder;

  static options test_options() {
    options o;
    o.orchestrator.enabled = true;
    o.orchestrator.idle_ttl = std::chrono::minutes{10};
    o.orchestrator.heartbeat = std::chrono::minutes{1};
    o.orchestrator.terminate_timeout = std::chrono::seconds{30};
    o.orchestrator.terminate_attempts = 3;
    o.orchestrator.terminate_backoff = std::chrono::seconds{1};
    o.orchestrator.reap_interval = std::chrono::minutes{1};
    o.orchestrator.owner = "node-a";
    return o;
  }

  explicit orchestrator_fixture(options o = test_options()) {
    svc = make_orchestrator_services(o);
    mock = spawn_mock_provider(sys, store);
    svc->add_provider("mock", mock);
    events = spawn_compute_event_dispatcher(sys);
    svc->publish(orchestrator_role::events, events);
    auto log = seen;
    recorder = sys.spawn([log](caf::event_based_actor*) -> caf::behavior {
      return {[log](compute_event_atom, const std::string& id, const compute_event& ev) {
        log->push_back({id, ev});
      }};
    });
    self->send(events, compute_subscribe_atom_v, std::string{compute_all_topic}, recorder);
    run();
    self->receive([](expected<void>& r) { REQUIRE(r); }, caf::after(std::chrono::seconds{0}) >> [] { FAIL("no answer"); });
  }

  std::vector<caf::actor> servers; ///< killed at the end (a kill terminates nothing), or ~actor_system waits

  ~orchestrator_fixture() {
    for (auto& s : servers)
      caf::anon_send_exit(s, caf::exit_reason::kill);
    run();
    for (auto& [name, p] : svc->providers())
      caf::anon_send_exit(caf::actor_cast<caf::actor>(p), caf::exit_reason::user_shutdown);
    for (auto& a : {events, recorder})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  /// A resource spawned on the mock, named with the prefix and the owner mark.
  compute mock_resource(const std::string& name, bool owner_mark = true) {
    mock_provider p{store};
    compute_request r;
    r.gpu = "h100";
    r.image = "test/image:latest";
    r.name = name;
    if (owner_mark)
      r.labels[std::string{owner_label}] = svc->owner;
    auto c = p.spawn_compute(r);
    REQUIRE(c);
    return *c;
  }

  /// Tracks `c` in the registry as of now (virtual time).
  void track(const compute& c, duration idle_ttl = std::chrono::minutes{10},
             duration heartbeat = std::chrono::minutes{1}, const std::string& provider = "mock") {
    tracked_compute row;
    row.resource = c;
    row.provider = provider;
    row.idle_ttl = idle_ttl;
    row.heartbeat = heartbeat;
    row.last_activity = now();
    row.tracked_since = now();
    REQUIRE(svc->registry->insert(c.id, row));
  }

  caf::actor server_for(const compute& c) {
    auto s = spawn_compute_server(sys, svc, c.id);
    REQUIRE(s);
    servers.push_back(*s);
    run();
    return *s;
  }

  compute_status mock_status(const std::string& id) {
    auto c = store->get(id);
    REQUIRE(c);
    return c->status;
  }

  template <class T, class... Ts>
  expected<T> ask(const caf::actor& a, Ts... xs) {
    self->send(a, xs...);
    run();
    expected<T> out = error{errc::internal, "no answer"};
    self->receive([&](expected<T>& r) { out = std::move(r); }, caf::after(std::chrono::seconds{0}) >> [] {});
    return out;
  }

  bool alive(const caf::actor& a) {
    bool down = false;
    self->monitor(a);
    run();
    self->receive([&](caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds{0}) >> [] {});
    return !down;
  }
};

/// A provider whose terminate answers only when the test says so: a slow
/// provider API (ExAtlas's RunPod: 30 s and retries).
class held_terminate_provider final : public compute_provider {
public:
  std::string name() const override { return "held"; }
  expected<compute> spawn_compute(const compute_request& r) override {
    compute c;
    c.id = "held-" + std::to_string(++spawned);
    c.provider = "held";
    c.name = r.name;
    c.status = compute_status::running;
    c.labels = r.labels;
    return c;
  }
  void terminate_async(const std::string& id, reply<void> done) override {
    std::lock_guard g{mtx};
    held.emplace_back(id, std::move(done));
  }
  expected<std::vector<compute>> list_compute(const compute_filter&) override { return std::vector<compute>{}; }
  /// Answers the oldest held terminate.
  bool release(expected<void> r = {}) {
    reply<void> done;
    {
      std::lock_guard g{mtx};
      if (held.empty())
        return false;
      done = std::move(held.front().second);
      held.erase(held.begin());
    }
    done(std::move(r));
    return true;
  }
  std::size_t waiting() {
    std::lock_guard g{mtx};
    return held.size();
  }
  std::mutex mtx;
  std::vector<std::pair<std::string, reply<void>>> held;
  int spawned = 0;
};

} // namespace atlas::test
