#pragma once
// A deterministic fixture with probes and a supervisor under test.

#include "../support/deterministic_fixture.hpp"
#include "probe_child.hpp"

#include <atlas/supervisors/supervisor.hpp>

#include <doctest/doctest.h>

namespace atlas::test {

using strings = std::vector<std::string>;

struct supervision_fixture : deterministic_fixture {
  std::shared_ptr<probe_log> log = std::make_shared<probe_log>();
  caf::actor sup;
  caf::error sup_exit; ///< the supervisor's exit reason, once it has exited
  bool sup_down = false;

  // The probes and the log refer to each other (the log keeps each probe's
  // handle, each probe's stop hook keeps the log), so tear down explicitly:
  // stop the supervisor, then anything left, or ~actor_system waits forever.
  ~supervision_fixture() {
    if (sup)
      caf::anon_send_exit(sup, caf::exit_reason::kill);
    run();
    for (auto& [id, h] : log->current)
      caf::anon_send_exit(h, caf::exit_reason::kill);
    log->current.clear();
    sup = nullptr;
    run();
  }

  caf::actor start(supervisor_flags flags, std::vector<child_spec> specs) {
    auto s = spawn_supervisor(sys, std::move(flags), std::move(specs));
    REQUIRE(s);
    watch(*s);
    sup = *s;
    run();
    return sup;
  }

  // Records the supervisor's exit reason without keeping it alive.
  void watch(const caf::actor& s) {
    s->attach_functor([this](const caf::error& reason) {
      sup_exit = reason;
      sup_down = true;
    });
  }

  void send_to(const std::string& id, caf::message msg) {
    REQUIRE(log->current.count(id) == 1);
    caf::anon_send(log->current[id], std::move(msg));
    run();
  }
  void crash(const std::string& id) { send_to(id, caf::make_message(crash_atom::value)); }
  void exit_normal(const std::string& id) { send_to(id, caf::make_message(exit_normal_atom::value)); }
  void exit_shutdown(const std::string& id) {
    send_to(id, caf::make_message(exit_shutdown_atom::value));
  }

  /// Sends `xs` to `dest`, runs everything, and returns the one answer of type T.
  template <class T, class... Ts>
  T ask(const caf::actor& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    T out{};
    bool got = false;
    self->receive([&](T& x) { out = std::move(x); got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE_MESSAGE(got, "no answer of the expected type");
    return out;
  }

  std::vector<child_info> children() { return ask<std::vector<child_info>>(sup, which_children_atom_v); }

  strings running() {
    strings out;
    for (auto& c : children())
      if (c.state == child_state::running)
        out.push_back(c.id);
    return out;
  }

  void clear_logs() {
    log->starts.clear();
    log->stops.clear();
  }
};

inline supervisor_flags flags(restart_strategy s, std::uint32_t intensity = 10,
                              duration period = std::chrono::seconds{5}) {
  supervisor_flags f;
  f.name = "test_sup";
  f.strategy = s;
  f.intensity = intensity;
  f.period = period;
  return f;
}

} // namespace atlas::test
