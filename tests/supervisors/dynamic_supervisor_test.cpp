// The dynamic supervisor: children from one template, keyed, one_for_one.
#include "supervision_fixture.hpp"

#include <atlas/supervisors/dynamic_supervisor.hpp>

using namespace std::chrono_literals;
using namespace atlas;
using namespace atlas::test;

namespace {

struct dynamic_fixture : supervision_fixture {
  void start_dynamic(child_spec tmpl, std::uint32_t max_children = 0, std::uint32_t intensity = 10) {
    auto s = spawn_dynamic_supervisor(sys, flags(restart_strategy::one_for_one, intensity),
                                      std::move(tmpl), max_children);
    REQUIRE(s);
    watch(*s);
    sup = *s;
    run();
  }
  expected<caf::actor> start_child(const std::string& key) {
    return ask<expected<caf::actor>>(sup, start_child_atom_v, key);
  }
};

} // namespace

TEST_CASE("start_child starts a child from the template with its key") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  CHECK(fx.log->starts.empty());
  auto a = fx.start_child("app-a");
  REQUIRE(a);
  CHECK(*a == fx.log->current["app-a"]);
  CHECK(fx.start_child("app-b"));
  CHECK(fx.log->starts == strings{"app-a", "app-b"});
  CHECK(fx.running() == strings{"app-a", "app-b"});
}

TEST_CASE("start_child for a key already running returns that child: resolve-or-start") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  auto first = fx.start_child("app-a");
  auto second = fx.start_child("app-a");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first == *second);
  CHECK(fx.log->starts == strings{"app-a"});
  auto found = fx.ask<expected<caf::actor>>(fx.sup, caf::get_atom_v, std::string{"app-a"});
  REQUIRE(found);
  CHECK(*found == *first);
  CHECK(fx.ask<expected<caf::actor>>(fx.sup, caf::get_atom_v, std::string{"nope"}).error().code()
        == errc::not_found);
}

TEST_CASE("anonymous children (empty key) are new every time") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  CHECK(fx.start_child(""));
  CHECK(fx.start_child(""));
  CHECK(fx.ask<child_counts>(fx.sup, count_children_atom_v).active == 2);
}

TEST_CASE("max_children is enforced with errc::capacity") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log), 2);
  CHECK(fx.start_child("a"));
  CHECK(fx.start_child("b"));
  auto c = fx.start_child("c");
  REQUIRE_FALSE(c);
  CHECK(c.error().code() == errc::capacity);
  CHECK(c.error().message().find("max_children (2)") != std::string::npos);
  CHECK(fx.start_child("a")); // resolving an existing child is not a new one
}

TEST_CASE("a crashed dynamic child is restarted alone, under the same key") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  auto a = fx.start_child("a");
  CHECK(fx.start_child("b"));
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.log->stops == strings{"a"});
  CHECK(fx.log->starts == strings{"a"});
  auto again = fx.ask<expected<caf::actor>>(fx.sup, caf::get_atom_v, std::string{"a"});
  REQUIRE(again);
  CHECK(*again != *a);
}

TEST_CASE("a dynamic child that is not restarted is forgotten") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log, restart_type::transient));
  CHECK(fx.start_child("a"));
  fx.exit_normal("a");
  CHECK(fx.children().empty());
  CHECK(fx.start_child("a")); // the key is free again
}

TEST_CASE("terminate_child stops and forgets a dynamic child") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  CHECK(fx.start_child("a"));
  CHECK(fx.ask<expected<void>>(fx.sup, terminate_child_atom_v, std::string{"a"}));
  CHECK(fx.log->stops == strings{"a"});
  CHECK(fx.children().empty());
}

TEST_CASE("a failed dynamic start returns the error and keeps nothing") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log));
  fx.log->failing_starts["a"] = 1;
  auto a = fx.start_child("a");
  REQUIRE_FALSE(a);
  CHECK(a.error().message().find("refused to start") != std::string::npos);
  CHECK(fx.children().empty());
  CHECK(fx.start_child("a"));
}

TEST_CASE("shutdown stops every dynamic child at once and kills the ones that overstay") {
  dynamic_fixture fx;
  auto tmpl = probe_template(fx.log);
  tmpl.shutdown = shutdown_spec::after(3s);
  fx.start_dynamic(tmpl);
  fx.log->trap_shutdown["stubborn"] = true;
  CHECK(fx.start_child("a"));
  CHECK(fx.start_child("stubborn"));
  CHECK(fx.start_child("b"));
  fx.clear_logs();
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.log->stops.size() == 2); // a and b at once, in no particular order
  CHECK_FALSE(fx.sup_down);
  fx.advance(3s);
  CHECK(fx.log->stops.size() == 3);
  CHECK(fx.sup_down);
}

TEST_CASE("intensity applies across all dynamic children") {
  dynamic_fixture fx;
  fx.start_dynamic(probe_template(fx.log), 0, 2);
  CHECK(fx.start_child("a"));
  CHECK(fx.start_child("b"));
  fx.crash("a");
  fx.crash("b");
  CHECK_FALSE(fx.sup_down);
  fx.crash("a");
  CHECK(fx.sup_down);
}

TEST_CASE("a dynamic supervisor must be one_for_one and have a valid template") {
  deterministic_fixture fx;
  auto log = std::make_shared<probe_log>();
  auto bad = spawn_dynamic_supervisor(fx.sys, flags(restart_strategy::rest_for_one),
                                      probe_template(log));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("one_for_one") != std::string::npos);
  child_spec no_factory;
  no_factory.id = "x";
  CHECK_FALSE(spawn_dynamic_supervisor(fx.sys, flags(restart_strategy::one_for_one), no_factory));
}

TEST_CASE("a static supervisor refuses start_child with errc::unsupported") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a")});
  auto r = fx.ask<expected<caf::actor>>(fx.sup, start_child_atom_v, std::string{"b"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::unsupported);
}
