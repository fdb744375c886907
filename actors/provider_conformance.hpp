#pragma once
// The conformance suite every compute provider passes: Atlas's own (mock,
// fly_machines against the simulator) and yours. Header-only, doctest-based,
// on a running actor system (blocking requests with deadlines); call it
// inside a TEST_CASE:
//
//   TEST_CASE("my provider conforms") {
//     caf::actor_system_config cfg;
//     caf::actor_system sys{cfg};
//     auto p = atlas::spawn_provider_of<my_provider>(sys);
//     atlas::check_provider_conformance(sys, p);
//     caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
//   }
//
// It spawns resources (with the request below) and terminates each of them.

#include <atlas/actors/provider.hpp>
#include <atlas/core/options.hpp>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace atlas {

/// What check_provider_conformance spawns and how long it waits.
struct provider_conformance_options {
  /// What each spawn asks for; its name gets a suffix per spawn.
  compute_request request = [] {
    compute_request r;
    r.gpu = "h100";
    r.image = "test/image:latest";
    r.ports = {port_spec{8000, port_protocol::http}};
    r.name = "atlas-conformance";
    return r;
  }();
  /// Labels written at spawn come back from get and list (the Reaper's
  /// ownership mark needs this; a provider without labels is never reaped).
  bool keeps_labels = true;
  duration deadline = std::chrono::seconds{60}; ///< the wait for each answer of the provider
};

namespace detail {

/// Sends `xs...` to `p` and waits up to `deadline`; any CAF error becomes errc::timeout.
template <class T, class... Ts>
expected<T> provider_ask(caf::actor_system& sys, const provider_actor& p, duration deadline, Ts... xs) {
  caf::scoped_actor self{sys, true};
  expected<T> out = error{errc::internal, "no answer"};
  self->request(p, deadline, xs...)
    .receive([&](expected<T>& r) { out = std::move(r); },
             [&](caf::error& e) { out = error{errc::timeout, "provider request failed: " + sys.render(e)}; });
  return out;
}

/// True when `v` holds a compute with `id`.
inline bool listed(const std::vector<compute>& v, const std::string& id) {
  return std::any_of(v.begin(), v.end(), [&](const compute& c) { return c.id == id; });
}

} // namespace detail

/// Runs the suite on `p` as doctest checks: capabilities, spawn, get, list (filters),
/// stop/start, terminate, error kinds, labels, jobs and GPU types. Call it inside a TEST_CASE.
inline void check_provider_conformance(caf::actor_system& sys, const provider_actor& p,
                                       const provider_conformance_options& o = {}) {
  using detail::provider_ask;
  REQUIRE(p);
  const auto d = o.deadline;

  // capabilities: a name, and only capabilities Atlas knows.
  provider_info info;
  {
    caf::scoped_actor self{sys, true};
    bool answered = false;
    self->request(p, d, capabilities_atom_v)
      .receive([&](provider_info& i) { info = std::move(i); answered = true; }, [&](caf::error&) {});
    REQUIRE(answered);
  }
  CHECK_FALSE(info.name.empty());
  for (auto& c : info.capabilities)
    CHECK_MESSAGE(capability_from_string(c).has_value(), c);

  // spawn → get → list → terminate (ExAtlas's conformance, and more).
  auto req = o.request;
  req.name = o.request.name + "-a";
  req.labels["atlas_conformance"] = "yes";
  auto c = provider_ask<compute>(sys, p, d, compute_spawn_atom_v, req);
  REQUIRE_MESSAGE(c.has_value(), (c ? std::string{} : to_string(c.error())));
  CHECK_FALSE(c->id.empty());
  CHECK(c->provider == info.name);
  CHECK(c->name.find(o.request.name + "-a") != std::string::npos);
  CHECK(c->status != compute_status::terminated);
  if (o.keeps_labels)
    CHECK(c->labels.count("atlas_conformance") == 1);

  auto got = provider_ask<compute>(sys, p, d, compute_get_atom_v, c->id);
  REQUIRE(got.has_value());
  CHECK(got->id == c->id);
  CHECK(got->name == c->name);
  if (o.keeps_labels)
    CHECK(got->labels == c->labels);

  auto all = provider_ask<std::vector<compute>>(sys, p, d, compute_list_atom_v, compute_filter{});
  REQUIRE(all.has_value());
  CHECK(detail::listed(*all, c->id));
  compute_filter by_name;
  by_name.name = c->name;
  auto named = provider_ask<std::vector<compute>>(sys, p, d, compute_list_atom_v, by_name);
  REQUIRE(named.has_value());
  CHECK(detail::listed(*named, c->id));
  for (auto& x : *named)
    CHECK(x.name == c->name);
  compute_filter by_other_name;
  by_other_name.name = c->name + "-nobody";
  auto none = provider_ask<std::vector<compute>>(sys, p, d, compute_list_atom_v, by_other_name);
  REQUIRE(none.has_value());
  CHECK_FALSE(detail::listed(*none, c->id));

  // stop/start: both supported or both errc::unsupported.
  auto stopped = provider_ask<void>(sys, p, d, compute_stop_atom_v, c->id);
  if (stopped) {
    auto s = provider_ask<compute>(sys, p, d, compute_get_atom_v, c->id);
    REQUIRE(s.has_value());
    CHECK(s->status == compute_status::stopped);
    auto started = provider_ask<void>(sys, p, d, compute_start_atom_v, c->id);
    CHECK(started.has_value());
  } else {
    CHECK(stopped.error().code() == errc::unsupported);
    CHECK(provider_ask<void>(sys, p, d, compute_start_atom_v, c->id).error().code() == errc::unsupported);
  }

  auto t = provider_ask<void>(sys, p, d, compute_terminate_atom_v, c->id);
  REQUIRE_MESSAGE(t.has_value(), (t ? std::string{} : to_string(t.error())));
  auto after = provider_ask<compute>(sys, p, d, compute_get_atom_v, c->id);
  CHECK((!after ? after.error().code() == errc::not_found : after->status == compute_status::terminated));
  auto running = provider_ask<std::vector<compute>>(sys, p, d, compute_list_atom_v,
                                                    compute_filter::with_status(compute_status::running));
  REQUIRE(running.has_value());
  CHECK_FALSE(detail::listed(*running, c->id));

  // Errors are values with the right kinds.
  compute_request bad = o.request;
  bad.gpu.clear();
  auto refused = provider_ask<compute>(sys, p, d, compute_spawn_atom_v, bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == errc::validation);
  auto missing = provider_ask<compute>(sys, p, d, compute_get_atom_v, std::string{"atlas-no-such-id"});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == errc::not_found);
  auto gone = provider_ask<void>(sys, p, d, compute_terminate_atom_v, std::string{"atlas-no-such-id"});
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().code() == errc::not_found);

  // Jobs: serverless providers run them; the others say unsupported.
  bool serverless = std::count(info.capabilities.begin(), info.capabilities.end(), "serverless") > 0;
  job_request jr;
  jr.endpoint = "conformance";
  jr.input = "{\"prompt\":\"hi\"}";
  auto j = provider_ask<job>(sys, p, d, job_run_atom_v, jr);
  if (serverless) {
    REQUIRE(j.has_value());
    CHECK_FALSE(j->id.empty());
    auto again = provider_ask<job>(sys, p, d, job_get_atom_v, j->id);
    REQUIRE(again.has_value());
    CHECK(again->id == j->id);
  } else {
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code() == errc::unsupported);
  }

  // GPU types: a list, or unsupported.
  auto gpus = provider_ask<std::vector<gpu_type>>(sys, p, d, gpu_types_atom_v);
  if (gpus) {
    for (auto& g : *gpus) {
      CHECK_FALSE(g.id.empty());
      CHECK(g.provider == info.name);
    }
  } else {
    CHECK(gpus.error().code() == errc::unsupported);
  }
}

} // namespace atlas
