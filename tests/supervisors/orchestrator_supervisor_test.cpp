// The orchestrator subtree on virtual time: its order and strategy, the
// spawn-then-track path, and ExAtlas's defects 25, 26 and 27
// (reference/exatlas.md §20) at the level where they happened: a
// supervisor's shutdown budget, a crash under a supervisor, a tracker that
// cannot start.
#include "../actors/orchestrator_fixture.hpp"

#include <atlas/supervisors/orchestrator_supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

struct tree_fixture : orchestrator_fixture {
  caf::actor sup;

  tree_fixture() {
    auto spec = orchestrator_supervisor_child(svc);
    auto s = spec.start(sys, spec.id);
    REQUIRE(s);
    sup = *s;
    run();
    events = svc->handle(orchestrator_role::events);
    REQUIRE(events);
    REQUIRE(ask<void>(events, compute_subscribe_atom_v, std::string{compute_all_topic}, recorder));
  }
  ~tree_fixture() {
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    run();
  }

  expected<compute> spawn(const std::string& provider, compute_request r) {
    return ask<compute>(svc->handle(orchestrator_role::registry), compute_spawn_atom_v, provider, std::move(r),
                        std::string{"user-1"});
  }

  caf::actor server(const std::string& id) {
    auto h = ask<caf::actor>(svc->handle(orchestrator_role::servers), caf::get_atom_v, id);
    REQUIRE(h);
    return *h;
  }

  static compute_request request(std::int64_t idle_ttl_ms = 0) {
    compute_request r;
    r.gpu = "h100";
    r.image = "test/image:latest";
    r.name = "job";
    r.idle_ttl_ms = idle_ttl_ms;
    return r;
  }
};

} // namespace

TEST_CASE("the orchestrator subtree starts registry, compute_servers, events and reaper in that order, rest_for_one") {
  tree_fixture fx;
  fx.self->send(fx.sup, which_children_atom_v);
  fx.run();
  std::vector<std::string> ids;
  fx.self->receive([&](std::vector<child_info>& cs) {
                     for (auto& c : cs)
                       ids.push_back(c.id);
                   },
                   caf::after(0s) >> [] { FAIL("no answer"); });
  CHECK(ids == std::vector<std::string>{"compute_registry", "compute_servers", "events", "reaper"});
  CHECK(orchestrator_supervisor_flags().strategy == restart_strategy::rest_for_one);
  CHECK(compute_server_child(fx.svc).shutdown->timeout == fx.svc->terminate_budget());
}

TEST_CASE("spawn names the resource with the prefix, marks its owner, tracks it, and idle ends it through the tree") {
  tree_fixture fx;
  auto c = fx.spawn("mock", tree_fixture::request(120'000));
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  CHECK(c->name == "atlas-job");
  CHECK(c->labels.at("atlas_owner") == "node-a");
  auto row = fx.svc->registry->get(c->id);
  REQUIRE(row);
  CHECK(row->user_id == "user-1");
  CHECK(row->idle_ttl == 2min);
  fx.advance(1min);
  CHECK(fx.mock_status(c->id) == compute_status::running);
  fx.advance(1min);
  CHECK(fx.mock_status(c->id) == compute_status::terminated);
  CHECK_FALSE(fx.svc->registry->contains(c->id));
  CHECK(kinds(*fx.seen, c->id).back() == "status");
}

TEST_CASE("spawn on an unknown provider is errc::not_found listing the registered ones") {
  tree_fixture fx;
  auto c = fx.spawn("runpod", tree_fixture::request());
  REQUIRE_FALSE(c);
  CHECK(c.error().code() == errc::not_found);
  CHECK(c.error().message().find("registered: mock") != std::string::npos);
}

TEST_CASE("defect 26: a crashed compute server is restarted by its supervisor and keeps tracking its live resource") {
  tree_fixture fx;
  auto c = fx.spawn("mock", tree_fixture::request(600'000));
  REQUIRE(c);
  auto first = fx.server(c->id);
  fx.advance(5min);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  fx.run();
  auto second = fx.server(c->id);
  CHECK(second != first);
  CHECK(fx.mock_status(c->id) == compute_status::running); // ExAtlas destroyed it here
  CHECK(fx.svc->registry->get(c->id)->server_starts == 2);
  fx.advance(4min);
  CHECK(fx.mock_status(c->id) == compute_status::running);
  fx.advance(1min);
  CHECK(fx.mock_status(c->id) == compute_status::terminated);
}

TEST_CASE("defect 27: when its compute server cannot start, the fresh resource is terminated and spawn says so") {
  tree_fixture fx;
  fx.svc->start_server = [](caf::event_based_actor*, const std::string&, std::function<void(expected<void>)> then) {
    then(error{errc::capacity, "compute_servers: max_children reached"});
  };
  auto c = fx.spawn("mock", tree_fixture::request());
  REQUIRE_FALSE(c);
  CHECK(c.error().code() == errc::capacity);
  CHECK(c.error().message().find("the fresh resource was terminated") != std::string::npos);
  auto all = fx.store->all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].status == compute_status::terminated);
  CHECK(fx.svc->registry->size() == 0);
}

TEST_CASE("defect 25: stop_tracked waits for a terminate slower than 5 s instead of killing the server") {
  tree_fixture fx;
  auto held = std::make_shared<held_terminate_provider>();
  fx.svc->add_provider("held", spawn_provider(fx.sys, held));
  auto c = fx.spawn("held", tree_fixture::request());
  REQUIRE(c);
  auto servers = fx.svc->handle(orchestrator_role::servers);
  fx.self->send(servers, terminate_child_atom_v, c->id);
  fx.run();
  REQUIRE(held->waiting() == 1);
  fx.advance(20s); // past ExAtlas's 5 s shutdown budget
  fx.self->receive([](expected<void>&) { FAIL("terminate_child answered before the provider"); },
                   caf::after(0s) >> [] {});
  CHECK(held->release());
  fx.run();
  bool answered = false;
  fx.self->receive([&](expected<void>& r) { answered = r.has_value(); }, caf::after(0s) >> [] {});
  CHECK(answered);
  CHECK(fx.seen->back().ev.status == compute_status::terminated);
  CHECK(fx.svc->registry->size() == 0);
}

TEST_CASE("stopping the subtree terminates every tracked resource before it exits") {
  tree_fixture fx;
  auto a = fx.spawn("mock", tree_fixture::request());
  auto b = fx.spawn("mock", [] {
    auto r = tree_fixture::request();
    r.name = "other";
    return r;
  }());
  REQUIRE((a && b));
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.mock_status(a->id) == compute_status::terminated);
  CHECK(fx.mock_status(b->id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(fx.sup));
}
