// The fly_machines provider against the Fly simulator on loopback: the
// conformance suite, what a spawn sends (app, secrets, volume, machine with
// its config, /wait), and faults: 429, 5xx, insufficient capacity.
#include "../support/wait.hpp"

#include <atlas/actors/fly_machines_provider.hpp>
#include <atlas/actors/provider_conformance.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

#include <future>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

struct fly_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::unique_ptr<fly_simulator> sim;
  std::unique_ptr<http_client> http = *http_client::create();
  provider_actor p;

  fly_fixture() {
    fly_simulator_options so;
    so.rate_limits = {}; // Fly's real limits only where a test is about them
    so.default_rate_limit = bucket_spec{1000, 100};
    auto s = fly_simulator::start(so);
    REQUIRE(s);
    sim = std::move(*s);
    fly_machines_provider_config c;
    c.app = "atlas-compute";
    c.machines.base_url = sim->base_url();
    c.machines.limits = {};
    c.machines.default_limit = bucket_spec{1000, 100};
    c.machines.retry.base_delay = 10ms;
    c.start_timeout = 20s;
    p = spawn_fly_machines_provider(sys, *http, secret{sim->token()}, c);
  }
  ~fly_fixture() { caf::anon_send_exit(p, caf::exit_reason::user_shutdown); }

  template <class T, class... Ts>
  expected<T> ask(Ts... xs) {
    caf::scoped_actor self{sys, true};
    expected<T> out = error{errc::internal, "no answer"};
    self->request(p, 30s, xs...)
      .receive([&](expected<T>& r) { out = std::move(r); },
               [&](caf::error& e) { out = error{errc::timeout, sys.render(e)}; });
    return out;
  }

  boost::json::object machine_config(const std::string& id) {
    http_request r;
    r.method = "GET";
    r.url = sim->base_url() + "/v1/apps/atlas-compute/machines/" + id;
    r.authorization = secret{"Bearer " + sim->token()};
    auto p2 = std::make_shared<std::promise<expected<http_response>>>();
    auto f = p2->get_future();
    http->request(r, [p2](expected<http_response> x) { p2->set_value(std::move(x)); });
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    auto res = f.get();
    REQUIRE(res);
    auto v = boost::json::parse(res->body);
    return v.as_object().at("config").as_object();
  }
};

compute_request machine_request() {
  compute_request r;
  r.gpu = "none";
  r.image = "registry.fly.io/worker:1";
  r.name = "worker";
  r.ports = {port_spec{8080, port_protocol::http}};
  r.env = {{"MODE", "batch"}};
  r.labels = {{"atlas_owner", "node-a"}};
  return r;
}

} // namespace

TEST_CASE("the fly_machines provider passes the provider conformance suite against the simulator") {
  fly_fixture fx;
  provider_conformance_options o;
  o.request = machine_request();
  o.request.name = "atlas-conformance";
  check_provider_conformance(fx.sys, fx.p, o);
}

TEST_CASE("a Fly spawn creates the app, sets secrets, creates the volume and the machine, and waits until started") {
  fly_fixture fx;
  auto r = machine_request();
  r.volume_gb = 3;
  r.region_hints = {"ord"};
  r.secrets = {{"API_KEY", secret{"s3cr3t-value-never-logged"}}};
  r.provider_opts = {{"cpus", "2"}, {"memory_mb", "1024"}, {"restart", "no"}, {"auto_destroy", "true"}};
  auto c = fx.ask<compute>(compute_spawn_atom_v, r);
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  CHECK(c->status == compute_status::running);
  CHECK(c->name == "atlas-worker"); // the safety prefix
  CHECK(c->region == "ord");
  CHECK(c->labels.at("atlas_owner") == "node-a");
  CHECK(fx.sim->count("POST", "/v1/apps", 201) + fx.sim->count("POST", "/v1/apps", 200) == 1);
  CHECK(fx.sim->count("POST", "/v1/apps/{app}/secrets") == 1);
  CHECK(fx.sim->count("POST", "/v1/apps/{app}/volumes") == 1);
  CHECK(fx.sim->count("POST", "/v1/apps/{app}/machines") == 1);
  CHECK(fx.sim->count("GET", "/v1/apps/{app}/machines/{id}/wait") >= 1);
  auto cfg = fx.machine_config(c->id);
  CHECK(cfg.at("metadata").as_object().at("atlas_owner").as_string() == "node-a");
  CHECK(cfg.at("env").as_object().at("MODE").as_string() == "batch");
  CHECK(cfg.at("guest").as_object().at("cpus").as_int64() == 2);
  CHECK(cfg.at("guest").as_object().at("memory_mb").as_int64() == 1024);
  CHECK(cfg.at("restart").as_object().at("policy").as_string() == "no");
  CHECK(cfg.at("auto_destroy").as_bool());
  CHECK(cfg.at("mounts").as_array().at(0).as_object().at("path").as_string() == "/data");
  CHECK(cfg.at("services").as_array().at(0).as_object().at("internal_port").as_int64() == 8080);
  for (auto& rec : fx.sim->requests())
    CHECK(rec.path.find("s3cr3t") == std::string::npos);
  // A second spawn finds the app and does not create it again.
  auto d = fx.ask<compute>(compute_spawn_atom_v, machine_request());
  REQUIRE(d);
  CHECK(fx.sim->count("POST", "/v1/apps") == 1);
}

TEST_CASE("a Fly spawn rides out 429 and 503 answers through the client's retries") {
  fly_fixture fx;
  fx.sim->inject("POST", "/v1/apps/{app}/machines", fly_fault{fly_fault::kind::status, 429, 1, 20ms});
  fx.sim->inject("GET", "/v1/apps/{app}/machines/{id}/wait", fly_fault{fly_fault::kind::status, 503, 1});
  auto c = fx.ask<compute>(compute_spawn_atom_v, machine_request());
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  CHECK(c->status == compute_status::running);
  CHECK(fx.sim->count("POST", "/v1/apps/{app}/machines", 429) == 1);
  CHECK(fx.sim->count("GET", "/v1/apps/{app}/machines/{id}/wait", 503) == 1);
}

TEST_CASE("insufficient capacity in one region moves the spawn to the next region hint, and with none left it is errc::capacity") {
  fly_fixture fx;
  fly_fault capacity{fly_fault::kind::status, 412, 1};
  capacity.fly_status = "insufficient_capacity";
  fx.sim->inject("POST", "/v1/apps/{app}/machines", capacity);
  auto r = machine_request();
  r.region_hints = {"iad", "ord"};
  auto c = fx.ask<compute>(compute_spawn_atom_v, r);
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  CHECK(c->region == "ord");
  fx.sim->inject("POST", "/v1/apps/{app}/machines", capacity);
  r.region_hints = {"iad"};
  auto none = fx.ask<compute>(compute_spawn_atom_v, r);
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == errc::capacity);
  CHECK(none.error().provider() == "fly_machines");
}

TEST_CASE("a Fly spawn refuses a bad request before any call: no image, an unknown option, a GPU Fly lacks") {
  fly_fixture fx;
  auto r = machine_request();
  r.image.clear();
  CHECK(fx.ask<compute>(compute_spawn_atom_v, r).error().code() == errc::validation);
  r = machine_request();
  r.provider_opts = {{"cpu", "2"}};
  auto bad = fx.ask<compute>(compute_spawn_atom_v, r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("\"cpu\"") != std::string::npos);
  r = machine_request();
  r.gpu = "h100";
  CHECK(fx.ask<compute>(compute_spawn_atom_v, r).error().code() == errc::unsupported);
  CHECK(fx.sim->requests().empty());
}

TEST_CASE("a Fly machine that never starts is destroyed before the spawn fails") {
  fly_fixture fx;
  fx.sim->inject("GET", "/v1/apps/{app}/machines/{id}/wait", fly_fault{fly_fault::kind::status, 400, 1});
  auto c = fx.ask<compute>(compute_spawn_atom_v, machine_request());
  REQUIRE_FALSE(c);
  CHECK(c.error().message().find("it was destroyed") != std::string::npos);
  CHECK(fx.sim->count("DELETE", "/v1/apps/{app}/machines/{id}") == 1);
}
