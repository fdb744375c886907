// OTP's supervisor semantics, row by row (docs/supervision.md, reference/runtime.md §3.4).
#include "supervision_fixture.hpp"

#include <atlas/core/telemetry.hpp>

using namespace std::chrono_literals;
using namespace atlas;
using namespace atlas::test;

TEST_CASE("children start in list order and all run") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  CHECK(fx.log->starts == strings{"a", "b", "c"});
  CHECK(fx.running() == strings{"a", "b", "c"});
  CHECK(fx.ask<caf::ok_atom>(fx.sup, init_atom_v) == caf::ok_atom_v);
}

TEST_CASE("one_for_one restarts only the failed child") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  fx.clear_logs();
  fx.crash("b");
  CHECK(fx.log->stops == strings{"b"});
  CHECK(fx.log->starts == strings{"b"});
  CHECK(fx.running() == strings{"a", "b", "c"});
}

TEST_CASE("rest_for_one stops the children after the failed one in reverse order, then restarts "
          "from the failed one in start order") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::rest_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c"),
            probe_spec(fx.log, "d")});
  fx.clear_logs();
  fx.crash("b");
  CHECK(fx.log->stops == strings{"b", "d", "c"});
  CHECK(fx.log->starts == strings{"b", "c", "d"});
  CHECK(fx.running() == strings{"a", "b", "c", "d"});
}

TEST_CASE("one_for_all stops every other child in reverse order, then restarts all in order") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_all),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  fx.clear_logs();
  fx.crash("b");
  CHECK(fx.log->stops == strings{"b", "c", "a"});
  CHECK(fx.log->starts == strings{"a", "b", "c"});
  CHECK(fx.running() == strings{"a", "b", "c"});
}

TEST_CASE("a permanent child is restarted even after a normal exit") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a")});
  fx.clear_logs();
  fx.exit_normal("a");
  CHECK(fx.log->starts == strings{"a"});
  fx.exit_shutdown("a");
  CHECK(fx.log->starts == strings{"a", "a"});
}

TEST_CASE("a transient child is restarted after an abnormal exit only") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "n", restart_type::transient),
            probe_spec(fx.log, "s", restart_type::transient),
            probe_spec(fx.log, "x", restart_type::transient)});
  fx.clear_logs();
  fx.exit_normal("n");
  fx.exit_shutdown("s");
  fx.crash("x");
  CHECK(fx.log->starts == strings{"x"});
  CHECK(fx.running() == strings{"x"});
  auto kids = fx.children();
  REQUIRE(kids.size() == 3); // n and s stay as specs, not running
  CHECK(kids[0].state == child_state::stopped);
  CHECK(kids[1].state == child_state::stopped);
}

TEST_CASE("a temporary child is never restarted and is removed when it exits") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "t", restart_type::temporary)});
  fx.clear_logs();
  fx.crash("t");
  CHECK(fx.log->starts.empty());
  auto kids = fx.children();
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == "a");
}

TEST_CASE("a temporary child stopped by a sibling's restart is removed, not restarted") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::rest_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "t", restart_type::temporary),
            probe_spec(fx.log, "c")});
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.log->stops == strings{"a", "c", "t"});
  CHECK(fx.log->starts == strings{"a", "c"});
  CHECK(fx.running() == strings{"a", "c"});
}

TEST_CASE("rest_for_one and one_for_all restart a transient sibling that had exited normally") {
  // OTP: the round restarts every child in its range that is not temporary.
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_all),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "tr", restart_type::transient)});
  fx.exit_normal("tr");
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.log->starts == strings{"a", "tr"});
}

TEST_CASE("intensity: exactly `intensity` restarts within `period` are allowed") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 3, 5s), {probe_spec(fx.log, "a")});
  for (int i = 0; i < 3; ++i)
    fx.crash("a");
  CHECK_FALSE(fx.sup_down);
  CHECK(fx.running() == strings{"a"});
}

TEST_CASE("intensity: one restart more within `period` and the supervisor gives up with "
          "shutdown, stopping every child in reverse order") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 3, 5s),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  for (int i = 0; i < 3; ++i)
    fx.crash("b");
  fx.clear_logs();
  fx.crash("b");
  CHECK(fx.sup_down);
  CHECK(fx.sup_exit == caf::exit_reason::user_shutdown);
  CHECK(fx.log->stops == strings{"b", "c", "a"});
  CHECK(fx.log->starts.empty());
}

TEST_CASE("intensity: restarts older than `period` slide out of the window") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 1, 5s), {probe_spec(fx.log, "a")});
  fx.crash("a");
  fx.advance(5001ms);
  fx.crash("a");
  CHECK_FALSE(fx.sup_down);
  fx.advance(2s);
  fx.crash("a"); // two within 5 s: one too many
  CHECK(fx.sup_down);
}

TEST_CASE("intensity 0 means never restart") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 0), {probe_spec(fx.log, "a")});
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.sup_down);
  CHECK(fx.log->starts.empty());
}

TEST_CASE("a one_for_all round counts as one restart") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_all, 1),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  fx.crash("a");
  CHECK_FALSE(fx.sup_down);
  CHECK(fx.running() == strings{"a", "b", "c"});
}

TEST_CASE("shutdown timeout: a child that ignores shutdown is killed when its timeout passes") {
  supervision_fixture fx;
  fx.log->trap_shutdown["stubborn"] = true;
  auto spec = probe_spec(fx.log, "stubborn");
  spec.shutdown = shutdown_spec::after(2s);
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a"), spec});
  fx.clear_logs();
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.log->stops.empty()); // stubborn first (reverse order), still there
  fx.advance(1999ms);
  CHECK(fx.log->stops.empty());
  fx.advance(1ms);
  CHECK(fx.log->stops == strings{"stubborn", "a"}); // killed, then a in order
  CHECK(fx.sup_down);
  CHECK(fx.sup_exit == caf::exit_reason::user_shutdown);
}

TEST_CASE("brutal_kill stops a child at once, even one that ignores shutdown") {
  supervision_fixture fx;
  fx.log->trap_shutdown["k"] = true;
  auto spec = probe_spec(fx.log, "k");
  spec.shutdown = shutdown_spec::brutal_kill();
  fx.start(flags(restart_strategy::one_for_one), {spec});
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.log->stops == strings{"k"});
  CHECK(fx.sup_down);
}

TEST_CASE("the kill overtakes a child's backlog: it is enqueued with high priority") {
  for (bool brutal : {true, false}) {
    supervision_fixture fx;
    fx.log->trap_shutdown["busy"] = true;
    auto spec = probe_spec(fx.log, "busy");
    spec.shutdown = brutal ? shutdown_spec::brutal_kill() : shutdown_spec::after(1s);
    fx.start(flags(restart_strategy::one_for_one), {spec});
    auto busy = fx.log->current["busy"];
    if (!brutal) {
      caf::anon_send(fx.sup, terminate_child_atom_v, std::string{"busy"});
      fx.run(); // the polite exit is trapped and ignored; the timer is armed
    }
    for (int i = 0; i < 100; ++i)
      caf::anon_send(busy, caf::tick_atom_v); // a backlog, not yet handled
    if (brutal) {
      caf::anon_send(fx.sup, terminate_child_atom_v, std::string{"busy"});
      fx.sched.prioritize(fx.sup);
      fx.sched.try_run_once(); // only the supervisor runs: it sends the kill
    } else {
      fx.sched.clock().advance_time(1s); // the timeout fires: the kill is sent
      fx.sched.prioritize(fx.sup);
      fx.sched.try_run_once();
    }
    fx.run();
    CHECK_MESSAGE(fx.log->ticks["busy"] == 0, (brutal ? "brutal_kill" : "timeout"));
    CHECK(fx.log->stops == strings{"busy"});
  }
}

TEST_CASE("shutdown infinity waits as long as the child takes") {
  supervision_fixture fx;
  fx.log->trap_shutdown["slow"] = true;
  auto spec = probe_spec(fx.log, "slow");
  spec.shutdown = shutdown_spec::infinity();
  fx.start(flags(restart_strategy::one_for_one), {spec});
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  fx.advance(24h);
  CHECK_FALSE(fx.sup_down);
  fx.exit_shutdown("slow");
  CHECK(fx.sup_down);
}

TEST_CASE("a failed start stops the children already started in reverse order and fails the "
          "supervisor's start with the reason") {
  supervision_fixture fx;
  fx.log->failing_starts["c"] = 1;
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c"),
            probe_spec(fx.log, "d")});
  CHECK(fx.log->starts == strings{"a", "b"});
  CHECK(fx.log->stops == strings{"b", "a"});
  REQUIRE(fx.sup_down);
  auto text = fx.sys.render(fx.sup_exit);
  CHECK(text.find("c failed to start") != std::string::npos);
  CHECK(text.find("refused to start") != std::string::npos);
}

TEST_CASE("a factory that throws is a failed start, not a crash of the supervisor's caller") {
  supervision_fixture fx;
  child_spec spec;
  spec.id = "thrower";
  spec.start = [](caf::actor_system&, const std::string&) -> expected<caf::actor> {
    throw std::runtime_error("constructor failed");
  };
  fx.start(flags(restart_strategy::one_for_one), {spec});
  REQUIRE(fx.sup_down);
  CHECK(fx.sys.render(fx.sup_exit).find("constructor failed") != std::string::npos);
}

TEST_CASE("a failed restart is retried through a message to self, each retry counted") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 10), {probe_spec(fx.log, "a")});
  fx.log->failing_starts["a"] = 3;
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.log->starts == strings{"a"}); // three failures, then it came up
  auto kids = fx.children();
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].restarts == 4);
  CHECK_FALSE(fx.sup_down);
}

TEST_CASE("a restart that keeps failing trips the intensity limit") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one, 3), {probe_spec(fx.log, "a")});
  fx.log->failing_starts["a"] = 100;
  fx.crash("a");
  CHECK(fx.sup_down);
  CHECK(fx.sup_exit == caf::exit_reason::user_shutdown);
}

TEST_CASE("a failed restart in a rest_for_one round redoes the round from the failed child") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::rest_for_one, 10),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b"), probe_spec(fx.log, "c")});
  fx.log->failing_starts["b"] = 1;
  fx.clear_logs();
  fx.crash("a");
  CHECK(fx.log->starts == strings{"a", "b", "c"});
  CHECK(fx.running() == strings{"a", "b", "c"});
}

TEST_CASE("auto_shutdown any_significant: a significant child's exit stops the supervisor") {
  supervision_fixture fx;
  auto f = flags(restart_strategy::one_for_one);
  f.auto_shutdown = auto_shutdown::any_significant;
  auto sig = probe_spec(fx.log, "job", restart_type::transient);
  sig.significant = true;
  fx.start(f, {probe_spec(fx.log, "a"), sig});
  fx.exit_normal("job");
  CHECK(fx.sup_down);
  CHECK(fx.sup_exit == caf::exit_reason::user_shutdown);
}

TEST_CASE("auto_shutdown all_significant: the supervisor stops when the last significant child "
          "has exited") {
  supervision_fixture fx;
  auto f = flags(restart_strategy::one_for_one);
  f.auto_shutdown = auto_shutdown::all_significant;
  auto j1 = probe_spec(fx.log, "j1", restart_type::temporary);
  auto j2 = probe_spec(fx.log, "j2", restart_type::transient);
  j1.significant = j2.significant = true;
  fx.start(f, {probe_spec(fx.log, "a"), j1, j2});
  fx.exit_normal("j1");
  CHECK_FALSE(fx.sup_down);
  fx.crash("j2"); // abnormal: restarted, still significant and alive
  CHECK_FALSE(fx.sup_down);
  fx.exit_normal("j2");
  CHECK(fx.sup_down);
}

TEST_CASE("auto_shutdown never: significant exits change nothing") {
  supervision_fixture fx;
  auto sig = probe_spec(fx.log, "job", restart_type::transient);
  sig.significant = true;
  fx.start(flags(restart_strategy::one_for_one), {sig});
  fx.exit_normal("job");
  CHECK_FALSE(fx.sup_down);
}

TEST_CASE("nested: a child supervisor that gives up is restarted by a permanent parent") {
  supervision_fixture fx;
  auto inner = supervisor_child("inner", flags(restart_strategy::one_for_one, 0),
                                {probe_spec(fx.log, "w")});
  fx.start(flags(restart_strategy::one_for_one, 5), {probe_spec(fx.log, "a"), inner});
  CHECK(fx.log->starts == strings{"a", "w"});
  fx.clear_logs();
  fx.crash("w"); // inner gives up (intensity 0) with shutdown; parent restarts it
  CHECK(fx.log->stops == strings{"w"});
  CHECK(fx.log->starts == strings{"w"});
  CHECK(fx.running() == strings{"a", "inner"});
  auto kids = fx.children();
  CHECK(kids[1].type == child_type::supervisor);
  CHECK(kids[1].restarts == 1);
}

TEST_CASE("nested: a transient child supervisor that gives up is not restarted") {
  supervision_fixture fx;
  auto inner = supervisor_child("inner", flags(restart_strategy::one_for_one, 0),
                                {probe_spec(fx.log, "w")}, restart_type::transient);
  fx.start(flags(restart_strategy::one_for_one, 5), {probe_spec(fx.log, "a"), inner});
  fx.clear_logs();
  fx.crash("w");
  CHECK(fx.log->starts.empty());
  CHECK(fx.running() == strings{"a"});
}

TEST_CASE("nested: a child supervisor's failed start fails the parent's start") {
  supervision_fixture fx;
  fx.log->failing_starts["w2"] = 1;
  auto inner = supervisor_child("inner", flags(restart_strategy::one_for_one),
                                {probe_spec(fx.log, "w1"), probe_spec(fx.log, "w2")});
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a"), inner,
                                                  probe_spec(fx.log, "z")});
  CHECK(fx.log->starts == strings{"a", "w1"});
  CHECK(fx.log->stops == strings{"w1", "a"});
  CHECK(fx.sup_down);
}

TEST_CASE("nested: stopping the parent stops the inner tree depth-first in reverse order") {
  supervision_fixture fx;
  auto inner = supervisor_child("inner", flags(restart_strategy::one_for_one),
                                {probe_spec(fx.log, "w1"), probe_spec(fx.log, "w2")});
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), inner, probe_spec(fx.log, "z")});
  fx.clear_logs();
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.log->stops == strings{"z", "w2", "w1", "a"});
  CHECK(fx.sup_down);
}

TEST_CASE("a supervisor that crashes takes its children with it") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a"), probe_spec(fx.log, "b")});
  caf::anon_send_exit(fx.sup, caf::exit_reason::kill);
  fx.run();
  CHECK(fx.sup_down);
  CHECK(fx.log->stops.size() == 2);
}

TEST_CASE("a child's exit never kills its supervisor, not even a kill from outside") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a")});
  caf::anon_send_exit(fx.log->current["a"], caf::exit_reason::kill);
  fx.run();
  CHECK_FALSE(fx.sup_down);
  CHECK(fx.log->starts == strings{"a", "a"});
}

TEST_CASE("init handshake: the next child starts only after the previous one acknowledged") {
  supervision_fixture fx;
  fx.log->handshake["slow"] = handshake_mode::silent;
  auto slow = probe_spec(fx.log, "slow");
  slow.init_handshake = true;
  slow.init_timeout = 3s;
  fx.start(flags(restart_strategy::one_for_one), {slow, probe_spec(fx.log, "next")});
  CHECK(fx.log->starts == strings{"slow"});
  fx.advance(3s); // never acknowledged: a failed start
  CHECK(fx.log->starts == strings{"slow"});
  CHECK(fx.log->stops == strings{"slow"});
  REQUIRE(fx.sup_down);
  CHECK(fx.sys.render(fx.sup_exit).find("no init acknowledgement") != std::string::npos);
}

TEST_CASE("init handshake: an acknowledged child lets the start go on — a refusal fails it") {
  supervision_fixture fx;
  auto a = probe_spec(fx.log, "a");
  a.init_handshake = true;
  fx.log->handshake["b"] = handshake_mode::refuse;
  auto b = probe_spec(fx.log, "b");
  b.init_handshake = true;
  fx.start(flags(restart_strategy::one_for_one), {a, b, probe_spec(fx.log, "c")});
  CHECK(fx.log->starts == strings{"a", "b"});
  CHECK(fx.log->stops == strings{"b", "a"});
  CHECK(fx.sys.render(fx.sup_exit).find("not ready") != std::string::npos);
}

TEST_CASE("back-off: a restart waits its delay, which grows, and counts against intensity when "
          "it happens") {
  supervision_fixture fx;
  auto spec = probe_spec(fx.log, "dep");
  spec.backoff = backoff_spec{.min = 1s, .max = 8s, .multiplier = 2, .jitter = 0,
                              .reset_after = 60s};
  fx.start(flags(restart_strategy::one_for_one, 2, 5s), {spec});
  fx.clear_logs();
  fx.crash("dep");
  CHECK(fx.log->starts.empty());
  fx.advance(999ms);
  CHECK(fx.log->starts.empty());
  fx.advance(1ms);
  CHECK(fx.log->starts == strings{"dep"}); // after 1 s
  fx.crash("dep");
  fx.advance(1s);
  CHECK(fx.log->starts.size() == 1);
  fx.advance(1s);
  CHECK(fx.log->starts.size() == 2); // after 2 s
  fx.crash("dep");
  fx.advance(4s); // the third restart: restarts at t=1, 3 and 7 s; only 2 in any 5 s
  CHECK(fx.log->starts.size() == 3);
  CHECK_FALSE(fx.sup_down);
}

TEST_CASE("back-off: without it a burst of failures trips intensity — with it the same burst "
          "does not") {
  for (bool with_backoff : {false, true}) {
    supervision_fixture fx;
    auto spec = probe_spec(fx.log, "dep");
    if (with_backoff)
      spec.backoff = backoff_spec{.min = 2s, .max = 30s, .multiplier = 2, .jitter = 0.2};
    fx.start(flags(restart_strategy::one_for_one, 3, 5s), {spec});
    // Each crash comes the moment the child is back: a dependency that is down.
    for (int i = 0; i < 6 && !fx.sup_down; ++i) {
      auto before = fx.log->starts.size();
      fx.crash("dep");
      for (int tick = 0; tick < 600 && fx.log->starts.size() == before && !fx.sup_down; ++tick)
        fx.advance(100ms);
    }
    CHECK(fx.sup_down == !with_backoff);
  }
}

TEST_CASE("back-off: the delay starts over after the child ran stably") {
  supervision_fixture fx;
  auto spec = probe_spec(fx.log, "dep");
  spec.backoff = backoff_spec{.min = 1s, .max = 60s, .multiplier = 4, .jitter = 0,
                              .reset_after = 10s};
  fx.start(flags(restart_strategy::one_for_one, 100, 1s), {spec});
  fx.crash("dep");
  fx.advance(1s); // step 0: 1 s
  fx.crash("dep");
  fx.advance(4s); // step 1: 4 s
  fx.clear_logs();
  fx.advance(10s); // stable
  fx.crash("dep");
  fx.advance(1s);
  CHECK(fx.log->starts == strings{"dep"}); // back to 1 s, not 16 s
}

TEST_CASE("back-off: a shutdown during the delay cancels the restart") {
  supervision_fixture fx;
  auto spec = probe_spec(fx.log, "dep");
  spec.backoff = backoff_spec{.min = 5s, .max = 5s};
  fx.start(flags(restart_strategy::one_for_one), {spec});
  fx.clear_logs();
  fx.crash("dep");
  caf::anon_send_exit(fx.sup, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.sup_down);
  fx.advance(10s);
  CHECK(fx.log->starts.empty());
}

TEST_CASE("terminate_child keeps the spec, restart_child starts it again, delete_child forgets it") {
  supervision_fixture fx;
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a"), probe_spec(fx.log, "b")});
  CHECK(fx.ask<expected<void>>(fx.sup, terminate_child_atom_v, std::string{"b"}));
  CHECK(fx.running() == strings{"a"});
  CHECK(fx.children().size() == 2);
  CHECK(fx.ask<expected<void>>(fx.sup, delete_child_atom_v, std::string{"a"}).error().code()
        == errc::conflict);
  auto again = fx.ask<expected<caf::actor>>(fx.sup, restart_child_atom_v, std::string{"b"});
  REQUIRE(again);
  CHECK(*again == fx.log->current["b"]);
  CHECK(fx.ask<expected<void>>(fx.sup, terminate_child_atom_v, std::string{"b"}));
  CHECK(fx.ask<expected<void>>(fx.sup, delete_child_atom_v, std::string{"b"}));
  CHECK(fx.children().size() == 1);
  CHECK(fx.ask<expected<void>>(fx.sup, terminate_child_atom_v, std::string{"zz"}).error().code()
        == errc::not_found);
}

TEST_CASE("count_children counts specs, live children, supervisors and workers") {
  supervision_fixture fx;
  auto inner = supervisor_child("inner", flags(restart_strategy::one_for_one), {});
  fx.start(flags(restart_strategy::one_for_one),
           {probe_spec(fx.log, "a"), probe_spec(fx.log, "b", restart_type::transient), inner});
  fx.exit_normal("b");
  CHECK(fx.ask<child_counts>(fx.sup, count_children_atom_v)
        == child_counts{.specs = 3, .active = 2, .supervisors = 1, .workers = 2});
}

TEST_CASE("bad specs are refused before anything starts, naming the child and the field") {
  atlas::test::deterministic_fixture fx;
  auto log = std::make_shared<probe_log>();
  auto dup = spawn_supervisor(fx.sys, flags(restart_strategy::one_for_one),
                              {probe_spec(log, "a"), probe_spec(log, "a")});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message().find("two children have the id 'a'") != std::string::npos);
  auto sig = probe_spec(log, "p");
  sig.significant = true;
  auto bad = spawn_supervisor(fx.sys, flags(restart_strategy::one_for_one), {sig});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("permanent child cannot be significant") != std::string::npos);
  auto noid = probe_spec(log, "");
  CHECK_FALSE(spawn_supervisor(fx.sys, flags(restart_strategy::one_for_one), {noid}));
  CHECK(log->starts.empty());
}

TEST_CASE("restarts, give-ups and shutdowns are reported to telemetry") {
  supervision_fixture fx;
  memory_telemetry_sink sink;
  auto f = flags(restart_strategy::one_for_one, 1);
  f.telemetry = &sink;
  fx.start(f, {probe_spec(fx.log, "a")});
  fx.crash("a");
  fx.crash("a");
  auto restarts = sink.events("supervisor.restart");
  REQUIRE(restarts.size() == 1);
  CHECK(restarts[0].label("supervisor") == "test_sup");
  CHECK(restarts[0].label("child") == "a");
  CHECK(sink.events("supervisor.child_terminated").size() == 2);
  CHECK(sink.events("supervisor.reached_max_restart_intensity").size() == 1);
  CHECK(sink.events("supervisor.shutdown").size() == 1);
}

TEST_CASE("which_children answers while a child is slow to stop: nothing blocks the supervisor") {
  supervision_fixture fx;
  fx.log->trap_shutdown["slow"] = true;
  auto slow = probe_spec(fx.log, "slow");
  slow.shutdown = shutdown_spec::after(10s);
  fx.start(flags(restart_strategy::one_for_one), {probe_spec(fx.log, "a"), slow});
  fx.self->send(fx.sup, terminate_child_atom_v, std::string{"slow"});
  fx.run();
  auto kids = fx.children();
  REQUIRE(kids.size() == 2);
  CHECK(kids[1].state == child_state::terminating);
  fx.advance(10s);
  CHECK(fx.running() == strings{"a"});
}
