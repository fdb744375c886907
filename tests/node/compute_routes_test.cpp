// The orchestrator's routes on the node (docs/node.md "Compute") against a
// node on 127.0.0.1 with the simulator and orchestrator.enabled: every
// route's success and error shapes, credentials, 501 when disabled, the
// mock's spawn → touch → stop → terminate path, the live event stream
// (ExAtlas defect 29) and the server-rendered table.

#include "node_fixture.hpp"

#include <algorithm>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

node_fixture_options with_orchestrator() {
  node_fixture_options fo;
  fo.configure = [](options& o) {
    o.orchestrator.enabled = true;
    o.orchestrator.owner = "compute-routes-test";
  };
  return fo;
}

const std::string spawn_body =
  R"({"provider": "mock", "request": {"gpu": "none", "name": "worker", "region_hints": ["ams"]}, "user_id": "u1"})";

json::object spawned(node_fixture& f, const std::string& body = spawn_body) {
  auto r = f.call("POST", "/v1/compute", body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return node_fixture::json_of(r);
}

std::string status_of(node_fixture& f, const std::string& id) {
  auto r = f.call("GET", "/v1/compute/" + id);
  if (r.status != 200)
    return "http " + std::to_string(r.status);
  return std::string{node_fixture::json_of(r).at("status").as_string()};
}

std::vector<std::string> ids_listed(node_fixture& f) {
  auto r = f.call("GET", "/v1/compute");
  REQUIRE(r.status == 200);
  std::vector<std::string> out;
  auto listed = node_fixture::json_of(r); // the loop below reads into it
  for (auto& c : listed.at("compute").as_array())
    out.emplace_back(c.at("id").as_string());
  return out;
}

// The events of `c` about resource `id`, as "kind" or "kind:detail".
std::vector<std::string> events_about(const sse_client& c, const std::string& id) {
  std::vector<std::string> out;
  for (auto& e : c.events()) {
    if (e.event == "ready" || e.event.empty())
      continue;
    auto v = json::parse(e.data).as_object();
    if (v.at("id").as_string() != id)
      continue;
    std::string s{v.at("event").as_string()};
    if (e.event != s)
      out.push_back("mismatch:" + e.event);
    if (s == "status")
      s += ":" + std::string{v.at("status").as_string()};
    else if (s == "terminating")
      s += ":" + std::string{v.at("reason").as_string()};
    out.push_back(s);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

TEST_CASE("compute routes: POST /v1/compute spawns on the named provider, tracks it and answers 201 with the compute") {
  node_fixture f{with_orchestrator()};
  auto r = f.call("POST", "/v1/compute", spawn_body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  auto c = node_fixture::json_of(r);
  std::string id{c.at("id").as_string()};
  CHECK_FALSE(id.empty());
  CHECK(c.at("provider") == "mock");
  CHECK(c.at("status") == "running");
  // The safety prefix and the ownership mark (docs/orchestrator.md "Tracking").
  CHECK(std::string{c.at("name").as_string()}.starts_with("atlas-"));
  CHECK(c.at("labels").as_object().at("atlas_owner") == "compute-routes-test");
  REQUIRE(r.header("Location") != nullptr);
  CHECK(*r.header("Location") == "/v1/compute/" + id);
  CHECK(f.rt->orchestrator().list_ids() == std::vector<std::string>{id});
}

TEST_CASE("compute routes: GET /v1/compute lists compute_info sorted by id and GET /v1/compute/{id} reads one") {
  node_fixture f{with_orchestrator()};
  auto r0 = f.call("GET", "/v1/compute");
  REQUIRE(r0.status == 200);
  CHECK(node_fixture::json_of(r0).at("compute").as_array().empty());

  std::string a{spawned(f).at("id").as_string()};
  std::string b{spawned(f).at("id").as_string()};
  auto want = std::vector<std::string>{a, b};
  std::sort(want.begin(), want.end());
  CHECK(ids_listed(f) == want);

  auto one = f.call("GET", "/v1/compute/" + a);
  REQUIRE(one.status == 200);
  auto i = node_fixture::json_of(one);
  CHECK(i.at("id").as_string() == a);
  CHECK(i.at("provider") == "mock");
  CHECK(i.at("status") == "running");
  CHECK(i.at("user_id") == "u1");
  CHECK(i.at("terminating").as_bool() == false);
  CHECK(i.at("idle_ttl_ms").as_int64() == 30 * 60 * 1000);
  CHECK(i.at("idle_ms").as_int64() >= 0);
  CHECK(i.at("compute").as_object().at("id").as_string() == a);
  CHECK(i.at("compute").as_object().at("region") == "ams");
}

TEST_CASE("compute routes: a bad spawn body is 400 naming the field, an unknown provider 404") {
  node_fixture f{with_orchestrator()};
  struct bad {
    std::string body, names;
  };
  for (auto& [body, names] : std::vector<bad>{
         {"not json", "JSON object"},
         {R"({"request": {"gpu": "none"}})", "provider"},
         {R"({"provider": "mock"})", "request"},
         {R"({"provider": "mock", "request": {"gpu": "none"}, "colour": "red"})", "colour"},
         {R"({"provider": "mock", "request": {"gpu": "none", "gpu_count": -1}})", "gpu_count"},
         {R"({"provider": "mock", "request": {"gpu": "none", "flavour": "x"}})", "flavour"},
         {R"({"provider": "mock", "request": {"gpu": "none"}, "user_id": 7})", "user_id"},
       }) {
    CAPTURE(body);
    auto r = f.call("POST", "/v1/compute", body);
    CHECK(r.status == 400);
    CHECK(node_fixture::kind_of(r) == "validation");
    CHECK(r.body.find(names) != std::string::npos);
  }
  auto r = f.call("POST", "/v1/compute", R"({"provider": "nope", "request": {"gpu": "none"}})");
  CHECK(r.status == 404);
  CHECK(node_fixture::kind_of(r) == "not_found");
  CHECK(r.body.find("nope") != std::string::npos);
  CHECK(f.rt->orchestrator().list_ids().empty());
}

TEST_CASE("compute routes: an untracked id is 404 not_found on read, touch, stop and terminate") {
  node_fixture f{with_orchestrator()};
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/compute/ghost"},
         {"POST", "/v1/compute/ghost/touch"},
         {"POST", "/v1/compute/ghost/stop"},
         {"POST", "/v1/compute/ghost/terminate"}}) {
    CAPTURE(target);
    auto r = f.call(method, target);
    CHECK(r.status == 404);
    CHECK(node_fixture::kind_of(r) == "not_found");
    CHECK(r.body.find("ghost") != std::string::npos);
  }
}

TEST_CASE("compute routes: every compute route without credentials is 401 unauthorized and does nothing") {
  node_fixture f{with_orchestrator()};
  std::string id{spawned(f).at("id").as_string()};
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/compute"},
         {"POST", "/v1/compute"},
         {"GET", "/v1/compute/" + id},
         {"POST", "/v1/compute/" + id + "/touch"},
         {"POST", "/v1/compute/" + id + "/stop"},
         {"POST", "/v1/compute/" + id + "/terminate"}}) {
    CAPTURE(target);
    for (auto auth : {std::string{}, std::string{"Bearer atlas_wrong"}}) {
      auto r = f.call(method, target, method == "POST" && target == "/v1/compute" ? spawn_body : "", auth);
      CHECK(r.status == 401);
      CHECK(node_fixture::kind_of(r) == "unauthorized");
    }
  }
  sse_client c{f.port(), "/v1/compute/events"};
  REQUIRE(c.wait_for([](const sse_client& cl) { return cl.status() != 0; }));
  CHECK(c.status() == 401);
  CHECK(f.rt->orchestrator().list_ids() == std::vector<std::string>{id});
  CHECK(status_of(f, id) == "running");
}

TEST_CASE("compute routes: with the orchestrator disabled every compute route answers 501 unsupported") {
  node_fixture f; // orchestrator.enabled = false, the default
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/compute"},
         {"POST", "/v1/compute"},
         {"GET", "/v1/compute/x"},
         {"POST", "/v1/compute/x/touch"},
         {"POST", "/v1/compute/x/stop"},
         {"POST", "/v1/compute/x/terminate"}}) {
    CAPTURE(target);
    auto r = f.call(method, target, method == "POST" && target == "/v1/compute" ? spawn_body : "");
    CHECK(r.status == 501);
    CHECK(node_fixture::kind_of(r) == "unsupported");
    CHECK(r.body.find("orchestrator") != std::string::npos);
  }
  sse_client c{f.port(), "/v1/compute/events", f.bearer()};
  REQUIRE(c.wait_for([](const sse_client& cl) { return cl.status() != 0; }));
  CHECK(c.status() == 501);
  // The server-rendered table says so too.
  auto page = f.call("GET", "/");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("orchestrator disabled") != std::string::npos);
}

TEST_CASE("compute routes: spawn, touch, stop (stopped and still tracked), then terminate on mock") {
  node_fixture f{with_orchestrator()};
  std::string id{spawned(f).at("id").as_string()};

  auto touch = f.call("POST", "/v1/compute/" + id + "/touch");
  CHECK(touch.status == 204);
  CHECK(touch.body.empty());
  auto info = node_fixture::json_of(f.call("GET", "/v1/compute/" + id));
  CHECK(info.at("idle_ms").as_int64() < 30 * 60 * 1000);

  auto stop = f.call("POST", "/v1/compute/" + id + "/stop");
  CHECK_MESSAGE(stop.status == 204, stop.body);
  // Through its own provider: the provider's resource is stopped too.
  REQUIRE(wait_until([&] { return status_of(f, id) == "stopped"; }));
  auto at_provider = f.rt->orchestrator().get_compute("mock", id);
  REQUIRE(at_provider);
  CHECK(at_provider->status == compute_status::stopped);
  CHECK(ids_listed(f) == std::vector<std::string>{id}); // still tracked

  auto term = f.call("POST", "/v1/compute/" + id + "/terminate");
  CHECK_MESSAGE(term.status == 204, term.body);
  CHECK(ids_listed(f).empty());
  CHECK(f.call("GET", "/v1/compute/" + id).status == 404);
  auto gone = f.rt->orchestrator().get_compute("mock", id);
  CHECK((!gone || gone->status == compute_status::terminated));
  CHECK(f.call("POST", "/v1/compute/" + id + "/terminate").status == 404);
}

TEST_CASE("compute routes: defect 29: a client on /v1/compute/events receives the status and terminating events "
          "of a resource it did not create") {
  node_fixture f{with_orchestrator()};
  sse_client watcher{f.port(), "/v1/compute/events", f.bearer()};
  REQUIRE(watcher.wait_event("ready"));
  CHECK(watcher.status() == 200);
  CHECK(json::parse(watcher.events("ready").front().data).at("compute").as_array().empty());

  // Spawned, stopped and terminated by others: the embedding code and another HTTP client.
  compute_request req;
  req.gpu = "none";
  req.name = "someone-elses";
  auto c = f.rt->orchestrator().spawn("mock", req, "other-user");
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  REQUIRE(watcher.wait_for([&](const sse_client& w) { return has(events_about(w, c->id), "status:running"); }));

  CHECK(f.call("POST", "/v1/compute/" + c->id + "/stop").status == 204);
  REQUIRE(watcher.wait_for([&](const sse_client& w) { return has(events_about(w, c->id), "status:stopped"); }));

  CHECK(f.call("POST", "/v1/compute/" + c->id + "/terminate").status == 204);
  REQUIRE(watcher.wait_for([&](const sse_client& w) { return has(events_about(w, c->id), "status:terminated"); }));
  auto seen = events_about(watcher, c->id);
  CHECK(seen.front() == "status:running");
  CHECK(seen.back() == "status:terminated");
  REQUIRE(seen.size() >= 4);
  CHECK(seen[seen.size() - 2].starts_with("terminating:"));
  CHECK(std::none_of(seen.begin(), seen.end(), [](const std::string& e) { return e.starts_with("mismatch:"); }));
  // Numbered events, in order.
  std::vector<long> numbers;
  for (auto& e : watcher.events())
    if (e.event != "ready")
      numbers.push_back(std::stol(e.id));
  CHECK(std::is_sorted(numbers.begin(), numbers.end()));
  CHECK(std::adjacent_find(numbers.begin(), numbers.end()) == numbers.end());

  // A client arriving later starts with what is tracked now.
  auto d = f.rt->orchestrator().spawn("mock", req, "other-user");
  REQUIRE(d);
  sse_client late{f.port(), "/v1/compute/events", f.bearer()};
  REQUIRE(late.wait_event("ready"));
  auto listed = json::parse(late.events("ready").front().data).at("compute").as_array();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("id").as_string() == d->id);
}

TEST_CASE("compute routes: the server-rendered dashboard lists the tracked resources") {
  node_fixture f{with_orchestrator()};
  std::string id{spawned(f).at("id").as_string()};
  auto page = f.call("GET", "/");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("data-id=\"" + id + "\"") != std::string::npos);
  CHECK(page.body.find("nothing tracked") == std::string::npos);
  CHECK(page.body.find("user u1") != std::string::npos);

}
