// The mock provider: ExAtlas's behaviour (reference/exatlas.md §15.2), the
// provider conformance suite, and defect 31 (its store owned by the first
// caller) proven absent.
#include "../support/wait.hpp"

#include <atlas/actors/mock_provider.hpp>
#include <atlas/actors/provider_conformance.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

struct live_system {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
};

compute_request h100() {
  compute_request r;
  r.gpu = "h100";
  r.image = "test/image:latest";
  r.ports = {port_spec{8000, port_protocol::http}, port_spec{22, port_protocol::tcp}};
  r.region_hints = {"us-east"};
  return r;
}

} // namespace

TEST_CASE("the mock provider passes the provider conformance suite") {
  live_system ls;
  auto p = spawn_mock_provider(ls.sys);
  check_provider_conformance(ls.sys, p);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE("a mock compute is running with ExAtlas's ports, address, region and gpu name") {
  mock_provider p;
  auto c = p.spawn_compute(h100());
  REQUIRE(c);
  CHECK(c->id.rfind("mock-", 0) == 0);
  CHECK(c->id.size() == 16);
  CHECK(c->status == compute_status::running);
  CHECK(c->public_ip == "203.0.113.1");
  CHECK(c->gpu_type == "h100");
  CHECK(c->region == "us-east");
  CHECK(c->cost_per_hour == 0.0);
  REQUIRE(c->ports.size() == 2);
  CHECK(c->ports[0].url == "https://" + c->id + "-8000.mock.local");
  CHECK(c->ports[1].url == "tcp://203.0.113.1:22");
}

TEST_CASE("a bearer-auth mock compute carries a 43-character key and its SHA-256, never printed") {
  mock_provider p;
  auto r = h100();
  r.auth = auth_scheme::bearer;
  auto c = p.spawn_compute(r);
  REQUIRE(c);
  CHECK(c->auth.scheme == auth_scheme::bearer);
  CHECK(c->auth.token.reveal().size() == 43);
  CHECK(c->auth.hash.size() == 64);
  CHECK(to_string(c->auth.token) == "[REDACTED]");
}

TEST_CASE("list filters by status, and stop, start and terminate move the status") {
  mock_provider p;
  auto a = p.spawn_compute(h100());
  auto b = p.spawn_compute(h100());
  REQUIRE((a && b));
  REQUIRE(p.stop(a->id));
  auto running = p.list_compute(compute_filter::with_status(compute_status::running));
  REQUIRE(running);
  REQUIRE(running->size() == 1);
  CHECK(running->front().id == b->id);
  REQUIRE(p.start(a->id));
  REQUIRE(p.terminate(b->id));
  CHECK(p.get_compute(b->id)->status == compute_status::terminated);
  CHECK(p.stop("mock-nope").error().code() == errc::not_found);
}

TEST_CASE("a mock job echoes its input, streams its output once, and can be cancelled") {
  mock_provider p;
  job_request jr;
  jr.endpoint = "e";
  jr.input = "{\"prompt\":\"hi\"}";
  auto j = p.run_job(jr);
  REQUIRE(j);
  CHECK(j->status == job_status::completed);
  CHECK(j->output == "{\"echo\":{\"prompt\":\"hi\"}}");
  auto chunks = p.stream_job(j->id);
  REQUIRE(chunks);
  CHECK(*chunks == std::vector<std::string>{j->output});
  REQUIRE(p.cancel_job(j->id));
  CHECK(p.get_job(j->id)->status == job_status::cancelled);
  CHECK(p.stream_job("job-none")->empty());
}

TEST_CASE("defect 31: the mock's store outlives the first caller and is shared by later ones") {
  live_system ls;
  auto p = spawn_mock_provider(ls.sys);
  std::string id;
  {
    caf::scoped_actor first{ls.sys, true};
    first->request(p, 10s, compute_spawn_atom_v, h100())
      .receive([&](expected<compute>& c) { REQUIRE(c); id = c->id; }, [](caf::error&) { FAIL("no answer"); });
  } // the first caller is gone
  caf::scoped_actor second{ls.sys, true};
  second->request(p, 10s, compute_get_atom_v, id)
    .receive([&](expected<compute>& c) {
               REQUIRE(c);
               CHECK(c->status == compute_status::running);
             },
             [](caf::error&) { FAIL("no answer"); });
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE("a provider method that throws answers errc::internal and the provider keeps serving") {
  struct throwing final : compute_provider {
    std::string name() const override { return "throwing"; }
    expected<compute> get_compute(const std::string&) override { throw std::runtime_error("boom"); }
  };
  live_system ls;
  auto p = spawn_provider(ls.sys, std::make_shared<throwing>());
  caf::scoped_actor self{ls.sys, true};
  for (int i = 0; i < 2; ++i)
    self->request(p, 10s, compute_get_atom_v, std::string{"x"})
      .receive([&](expected<compute>& c) {
                 REQUIRE_FALSE(c);
                 CHECK(c.error().code() == errc::internal);
                 CHECK(c.error().message().find("boom") != std::string::npos);
               },
               [](caf::error&) { FAIL("no answer"); });
  self->request(p, 10s, compute_spawn_atom_v, h100())
    .receive([&](expected<compute>& c) {
               REQUIRE_FALSE(c);
               CHECK(c.error().code() == errc::unsupported);
               CHECK(c.error().provider() == "throwing");
             },
             [](caf::error&) { FAIL("no answer"); });
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}
