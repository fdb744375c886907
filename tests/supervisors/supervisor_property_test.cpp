// Property: for random trees and random sequences of child exits, the live
// supervisor does exactly what a small model of OTP's rules says, after
// every step: which children run, and the order of every stop and start.
#include "supervision_fixture.hpp"

#include <rapidcheck.h>

using namespace atlas;
using namespace atlas::test;

namespace {

struct model_child {
  std::string id;
  restart_type restart;
  bool alive = true;
  bool removed = false;
};

// OTP's supervisor:restart/2 and terminate_children/2, reduced to the log
// they produce (reference/runtime.md §3.4).
struct otp_model {
  restart_strategy strategy;
  std::vector<model_child> kids;
  strings starts, stops;

  void exit(std::size_t i, bool abnormal) {
    auto& c = kids[i];
    stops.push_back(c.id);
    c.alive = false;
    bool again = c.restart == restart_type::permanent
                 || (c.restart == restart_type::transient && abnormal);
    if (!again) {
      c.removed = c.restart == restart_type::temporary;
      return;
    }
    std::size_t first = strategy == restart_strategy::one_for_all ? 0 : i;
    if (strategy == restart_strategy::one_for_one) {
      start(i);
      return;
    }
    for (std::size_t j = kids.size(); j-- > first;) {
      if (j == i || !kids[j].alive)
        continue;
      stops.push_back(kids[j].id);
      kids[j].alive = false;
      kids[j].removed = kids[j].restart == restart_type::temporary;
    }
    for (std::size_t j = first; j < kids.size(); ++j)
      if (!kids[j].removed)
        start(j);
  }

  void start(std::size_t j) {
    starts.push_back(kids[j].id);
    kids[j].alive = true;
  }

  strings running() const {
    strings out;
    for (auto& c : kids)
      if (c.alive)
        out.push_back(c.id);
    return out;
  }
};

} // namespace

TEST_CASE("property: the live tree matches OTP's rules after every random child exit") {
  auto ok = rc::check([] {
    auto strategy = *rc::gen::element(restart_strategy::one_for_one,
                                      restart_strategy::rest_for_one,
                                      restart_strategy::one_for_all);
    auto n = *rc::gen::inRange<std::size_t>(1, 6);
    auto types = *rc::gen::container<std::vector<restart_type>>(
      n, rc::gen::element(restart_type::permanent, restart_type::transient,
                          restart_type::temporary));
    // Each event: which child (modulo the live ones) and whether it crashes.
    auto events = *rc::gen::container<std::vector<std::pair<std::size_t, bool>>>(
      rc::gen::pair(rc::gen::inRange<std::size_t>(0, 100), rc::gen::arbitrary<bool>()));

    supervision_fixture fx;
    otp_model model{strategy, {}, {}, {}};
    std::vector<child_spec> specs;
    for (std::size_t i = 0; i < n; ++i) {
      auto id = "c" + std::to_string(i);
      specs.push_back(probe_spec(fx.log, id, types[i]));
      model.kids.push_back({id, types[i]});
      model.starts.push_back(id);
    }
    fx.start(flags(strategy, 100000), specs);
    RC_ASSERT(fx.log->starts == model.starts);

    for (auto [pick, abnormal] : events) {
      std::vector<std::size_t> alive;
      for (std::size_t i = 0; i < n; ++i)
        if (model.kids[i].alive)
          alive.push_back(i);
      if (alive.empty())
        break;
      auto i = alive[pick % alive.size()];
      if (abnormal)
        fx.crash(model.kids[i].id);
      else
        fx.exit_normal(model.kids[i].id);
      model.exit(i, abnormal);
      RC_ASSERT(fx.log->stops == model.stops);
      RC_ASSERT(fx.log->starts == model.starts);
      RC_ASSERT(fx.running() == model.running());
      RC_ASSERT_FALSE(fx.sup_down);
    }
  });
  CHECK(ok);
}
