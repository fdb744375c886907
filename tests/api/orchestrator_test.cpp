// The orchestrator facade on a real actor system: the Fly provider's whole
// path (spawn → started → idle → terminated) against the simulator with
// faults, the blocking calls and their errors, JSON for the node, and
// events on the dashboard's topic.
#include "../support/wait.hpp"

#include <atlas/actors/fly_machines_provider.hpp>
#include <atlas/actors/mock_provider.hpp>
#include <atlas/api/orchestrator.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <mutex>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

struct event_log {
  std::mutex mtx;
  std::vector<std::pair<std::string, compute_event>> events;
  void add(const std::string& id, const compute_event& e) {
    std::lock_guard g{mtx};
    events.emplace_back(id, e);
  }
  std::vector<std::string> kinds(const std::string& id) {
    std::lock_guard g{mtx};
    std::vector<std::string> out;
    for (auto& [i, e] : events)
      if (i == id)
        out.emplace_back(std::string{to_string(e.kind)} + (e.kind == compute_event_kind::terminating ? ":" + e.reason : "")
                         + (e.kind == compute_event_kind::status ? ":" + std::string{to_string(e.status)} : ""));
    return out;
  }
};

struct live_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<orchestrator_services> svc;
  std::vector<provider_actor> providers;
  orchestrator orch;

  explicit live_fixture(duration idle_ttl = 10min, duration heartbeat = 1min) {
    options o;
    o.orchestrator.enabled = true;
    o.orchestrator.idle_ttl = idle_ttl;
    o.orchestrator.heartbeat = heartbeat;
    o.orchestrator.owner = "node-a";
    o.orchestrator.terminate_timeout = 10s;
    svc = make_orchestrator_services(o);
  }
  void add(const std::string& name, provider_actor p) {
    svc->add_provider(name, p);
    providers.push_back(p);
  }
  void start() {
    auto o = orchestrator::start(sys, svc);
    REQUIRE(o);
    orch = *o;
  }
  ~live_fixture() {
    CHECK(orch.stop());
    for (auto& p : providers)
      caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  }
};

compute_request fly_request() {
  compute_request r;
  r.gpu = "none";
  r.image = "registry.fly.io/worker:1";
  r.name = "burst";
  r.region_hints = {"iad", "ord"};
  return r;
}

} // namespace

TEST_CASE("Fly: spawn → started → idle → terminated against the simulator, through 429, 503 and insufficient capacity") {
  fly_simulator_options so;
  so.rate_limits = {};
  so.default_rate_limit = bucket_spec{1000, 100};
  auto sim = fly_simulator::start(so);
  REQUIRE(sim);
  auto http = *http_client::create();
  live_fixture fx{600ms, 100ms};
  fly_machines_provider_config c;
  c.app = "atlas-compute";
  c.machines.base_url = (*sim)->base_url();
  c.machines.limits = {};
  c.machines.default_limit = bucket_spec{1000, 100};
  c.machines.retry.base_delay = 10ms;
  c.start_timeout = 20s;
  fx.add("fly_machines", spawn_fly_machines_provider(fx.sys, *http, secret{(*sim)->token()}, c));
  fx.start();
  auto log = std::make_shared<event_log>();
  REQUIRE(fx.orch.subscribe([log](const std::string& id, const compute_event& e) { log->add(id, e); }, 1));

  fly_fault capacity{fly_fault::kind::status, 412, 1};
  capacity.fly_status = "insufficient_capacity";
  (*sim)->inject("POST", "/v1/apps/{app}/machines", fly_fault{fly_fault::kind::status, 429, 1, 20ms});
  (*sim)->inject("POST", "/v1/apps/{app}/machines", capacity);
  (*sim)->inject("GET", "/v1/apps/{app}/machines/{id}/wait", fly_fault{fly_fault::kind::status, 503, 1});
  auto m = fx.orch.spawn("fly_machines", fly_request(), "user-7");
  REQUIRE_MESSAGE(m, (m ? "" : to_string(m.error())));
  CHECK(m->status == compute_status::running);
  CHECK(m->region == "ord"); // iad had no capacity
  CHECK(m->name == "atlas-burst");
  CHECK(m->labels.at("atlas_owner") == "node-a");
  auto info = fx.orch.info(m->id);
  REQUIRE(info);
  CHECK(info->provider == "fly_machines");
  CHECK(info->user_id == "user-7");

  // Idle: the machine is destroyed through the provider, and tracking ends.
  REQUIRE(wait_until([&] { return !fx.svc->registry->contains(m->id); }, 20s));
  auto after = fx.orch.get_compute("fly_machines", m->id);
  CHECK((!after || after->status == compute_status::terminated));
  CHECK((*sim)->count("DELETE", "/v1/apps/{app}/machines/{id}") == 1);
  REQUIRE(wait_until([&] { return !log->kinds(m->id).empty() && log->kinds(m->id).back() == "status:terminated"; }));
  auto k = log->kinds(m->id);
  CHECK(k.front() == "status:running");
  CHECK(std::count(k.begin(), k.end(), "terminating:idle_timeout") == 1);
  CHECK((*sim)->count("POST", "/v1/apps/{app}/machines", 429) == 1);
}

TEST_CASE("the facade's tracked calls answer not_found for an untracked id and work for a tracked one") {
  live_fixture fx;
  auto store = std::make_shared<mock_store>();
  fx.add("mock", spawn_mock_provider(fx.sys, store));
  fx.start();
  CHECK(fx.orch.touch("mock-nope").error().code() == errc::not_found);
  CHECK(fx.orch.info("mock-nope").error().code() == errc::not_found);
  CHECK(fx.orch.stop_tracked("mock-nope").error().code() == errc::not_found);
  compute_request r;
  r.gpu = "h100";
  r.image = "x";
  auto c = fx.orch.spawn("mock", r);
  REQUIRE(c);
  CHECK(c->name.rfind("atlas-", 0) == 0); // a name made up, with the prefix
  CHECK(fx.orch.list_ids() == std::vector<std::string>{c->id});
  REQUIRE(fx.orch.touch(c->id));
  REQUIRE(fx.orch.stop_resource(c->id));
  CHECK(fx.orch.info(c->id)->resource.status == compute_status::stopped);
  REQUIRE(fx.orch.start_resource(c->id));
  auto json = boost::json::parse(to_json(*fx.orch.info(c->id))).as_object();
  CHECK(json.at("id").as_string() == c->id);
  CHECK(json.at("status").as_string() == "running");
  CHECK(json.at("provider").as_string() == "mock");
  CHECK(json.at("compute").as_object().at("name").as_string() == c->name); // a string, not a one-element array
  CHECK(json.at("compute").as_object().at("public_ip").as_string() == "203.0.113.1");
  CHECK(json.at("compute").as_object().at("labels").as_object().at("atlas_owner").as_string() == "node-a");
  REQUIRE(fx.orch.stop_tracked(c->id));
  CHECK(fx.orch.list_ids().empty());
  CHECK(store->get(c->id)->status == compute_status::terminated);
  auto rep = fx.orch.reap_now();
  REQUIRE(rep);
  CHECK(rep->terminated.empty());
}

TEST_CASE("compute_request_from_json takes the node's JSON and names a bad field") {
  auto r = compute_request_from_json(
    R"({"gpu":"a100_80g","image":"x","ports":[{"port":8000,"protocol":"http"},"22/tcp"],"env":{"A":"1"},"region_hints":["iad"],"spot":true,"gpu_count":2})");
  REQUIRE_MESSAGE(r, (r ? "" : to_string(r.error())));
  CHECK(r->ports.size() == 2);
  CHECK(r->ports[1].protocol == port_protocol::tcp);
  CHECK(r->env.at("A") == "1");
  CHECK(r->spot);
  CHECK(r->gpu_count == 2);
  auto bad = compute_request_from_json(R"({"gpu":"h100","colour":"red"})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("unknown key \"colour\"") != std::string::npos);
  CHECK(compute_request_from_json("[1]").error().code() == errc::validation);
}

TEST_CASE("a bearer-auth compute's JSON has its hash and never its token") {
  mock_provider p;
  compute_request r;
  r.gpu = "h100";
  r.auth = auth_scheme::bearer;
  auto c = p.spawn_compute(r);
  REQUIRE(c);
  auto text = to_json(*c);
  CHECK(text.find(c->auth.token.reveal()) == std::string::npos);
  CHECK(text.find(c->auth.hash) != std::string::npos);
}

TEST_CASE("a default-constructed orchestrator answers unsupported") {
  orchestrator o;
  CHECK(o.touch("x").error().code() == errc::unsupported);
  CHECK(o.list_ids().empty());
}
