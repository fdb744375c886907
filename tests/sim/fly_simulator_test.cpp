// The Fly simulator against reference/fly_api.md §1.2–1.3, through Atlas's
// own Machines client: each call gives the documented status and shape,
// errors included.
#include "sim_test_values.hpp"
#include "../support/sync_call.hpp"
#include "../support/fake_env.hpp"
#include "../support/wait.hpp"

#include <atlas/net/fly_api_options.hpp>
#include <atlas/net/fly_logs_client.hpp>
#include <atlas/net/fly_machines_client.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <future>
#include <set>

using namespace atlas;
using namespace atlas::test;
using namespace atlas::sim_test;
using namespace std::chrono_literals;

namespace {

struct sim_fixture {
  std::unique_ptr<fly_simulator> sim;
  std::unique_ptr<http_client> http = *http_client::create();
  std::unique_ptr<fly_machines_client> fly;

  /// Fly's own rate limits only where a test is about them: at 1 request/s
  /// per action and machine, the functional tests would mostly wait.
  static fly_simulator_options fast(fly_simulator_options o = {}) {
    o.rate_limits = {};
    o.default_rate_limit = bucket_spec{1000, 100};
    return o;
  }

  explicit sim_fixture(fly_simulator_options o = fast()) {
    auto limits = o.rate_limits;
    auto default_limit = o.default_rate_limit;
    auto s = fly_simulator::start(std::move(o));
    REQUIRE(s);
    sim = std::move(*s);
    fly_machines_options fo;
    fo.base_url = sim->base_url();
    fo.limits = limits;
    fo.default_limit = default_limit;
    fly = std::make_unique<fly_machines_client>(*http, secret{sim->token()}, fo);
  }

  /// A raw request with the simulator's token, for what the client never sends.
  expected<http_response> raw(std::string method, std::string path, std::string body = {},
                              std::string auth = "default") {
    http_request r;
    r.method = std::move(method);
    r.url = sim->base_url() + path;
    r.authorization = secret{auth == "default" ? "Bearer " + sim->token() : auth};
    if (!body.empty()) {
      r.body = std::move(body);
      r.content_type = "application/json";
    }
    auto p = std::make_shared<std::promise<expected<http_response>>>();
    auto f = p->get_future();
    http->request(std::move(r), [p](expected<http_response> res) { p->set_value(std::move(res)); });
    REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
    return f.get();
  }

  fly_app make_app(const std::string& name) {
    auto a = sync<fly_app>([&](auto cb) { fly->create_app(name, "personal", cb); });
    REQUIRE(a);
    return *a;
  }

  fly_machine make_machine(const std::string& app, bool skip_launch = false) {
    fly_machine_request req;
    req.region = "ams";
    req.config = {{"image", "registry-1.docker.io/library/nginx:latest"}, {"guest", {{"cpus", 1}, {"memory_mb", 256}}}};
    req.skip_launch = skip_launch;
    auto m = sync<fly_machine>([&](auto cb) { fly->create_machine(app, req, cb); });
    REQUIRE(m);
    return *m;
  }
};

fly_fault fault(fly_fault::kind what, int status = 500, std::uint32_t times = 1,
                std::chrono::milliseconds retry_after = 0ms) {
  fly_fault f;
  f.what = what;
  f.status = status;
  f.times = times;
  f.retry_after = retry_after;
  return f;
}

} // namespace

TEST_CASE("apps: create 201, get, list by org, duplicate 422 name_taken, unknown 404, delete 202") {
  sim_fixture f;
  auto created = f.make_app("web-1");
  CHECK(created.id.size() == 16);
  CHECK(f.sim->count("POST", "/v1/apps", 201) == 1);

  auto got = sync<fly_app>([&](auto cb) { f.fly->get_app("web-1", cb); });
  REQUIRE(got);
  CHECK(got->name == "web-1");
  CHECK(got->id == created.id);
  CHECK(got->org_slug == "personal");
  CHECK(got->status == "pending");

  auto list = sync<std::vector<fly_app>>([&](auto cb) { f.fly->list_apps("personal", cb); });
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().name == "web-1");

  auto dup = sync<fly_app>([&](auto cb) { f.fly->create_app("web-1", "personal", cb); });
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code() == errc::conflict);
  CHECK(dup.error().http_status() == 422);
  CHECK(dup.error().message().find("Name has already been taken (name_taken)") != std::string::npos);

  auto missing = sync<fly_app>([&](auto cb) { f.fly->get_app("nope", cb); });
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == errc::not_found);
  CHECK(missing.error().message().find("app not found") != std::string::npos);

  auto raw = f.raw("POST", "/v1/apps", R"({"name":"Bad_Name","org_slug":"personal"})");
  REQUIRE(raw);
  CHECK(raw->status == 422);

  auto no_org = f.raw("GET", "/v1/apps");
  REQUIRE(no_org);
  CHECK(no_org->status == 400);

  auto del = sync<void>([&](auto cb) { f.fly->delete_app("web-1", cb); });
  CHECK(del);
  CHECK(f.sim->count("DELETE", "/v1/apps/{app}", 202) == 1);
  auto gone = sync<fly_app>([&](auto cb) { f.fly->get_app("web-1", cb); });
  CHECK(gone.error().code() == errc::not_found);
}

TEST_CASE("machines: create, then created → starting → started — get, list, filters") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api");
  CHECK(m.state == "created");
  CHECK(m.id.size() == 14);
  CHECK(m.instance_id.size() == 26);
  CHECK(m.region == "ams");
  CHECK(m.private_ip.rfind("fdaa:", 0) == 0);
  CHECK(m.config.at("image").as_string() == "registry-1.docker.io/library/nginx:latest");

  auto w = sync<fly_wait_result>([&](auto cb) { f.fly->wait_machine("api", m.id, "started", 10s, cb); });
  REQUIRE(w);
  CHECK(w->state == "started");
  CHECK(w->version == m.version);

  auto got = sync<fly_machine>([&](auto cb) { f.fly->get_machine("api", m.id, cb); });
  REQUIRE(got);
  CHECK(got->state == "started");

  auto parked = f.make_machine("api", true);
  auto list = sync<std::vector<fly_machine>>([&](auto cb) { f.fly->list_machines("api", cb); });
  REQUIRE(list);
  CHECK(list->size() == 2);
  auto started = f.raw("GET", "/v1/apps/api/machines?state=started");
  REQUIRE(started);
  REQUIRE(body_of(*started).as_array().size() == 1);
  CHECK(body_of(*started).as_array()[0].at("id").as_string() == m.id);
  auto still = sync<fly_machine>([&](auto cb) { f.fly->get_machine("api", parked.id, cb); });
  CHECK(still->state == "created"); // skip_launch: it stays created

  auto unknown = sync<fly_machine>([&](auto cb) { f.fly->get_machine("api", "0000deadbeef00", cb); });
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == errc::not_found);
  CHECK(unknown.error().message().find("Machine not found") != std::string::npos);
  auto no_app = sync<std::vector<fly_machine>>([&](auto cb) { f.fly->list_machines("ghost", cb); });
  CHECK(no_app.error().code() == errc::not_found);
  auto no_image = f.raw("POST", "/v1/apps/api/machines", R"({"config":{}})");
  REQUIRE(no_image);
  CHECK(no_image->status == 400);
}

TEST_CASE("machines: stop, start, suspend, restart, signal, update, destroy with their states") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api");
  auto wait_for = [&](const std::string& state, std::string id = {}) {
    if (id.empty())
      id = m.id;
    auto w = sync<fly_wait_result>([&](auto cb) { f.fly->wait_machine("api", id, state, 5s, cb); });
    REQUIRE(w);
    CHECK(w->state == state);
  };
  wait_for("started");

  CHECK(sync<void>([&](auto cb) { f.fly->stop_machine("api", m.id, cb); }));
  wait_for("stopped");
  auto start = f.raw("POST", "/v1/apps/api/machines/" + m.id + "/start");
  REQUIRE(start);
  CHECK(start->status == 200);
  CHECK(body_of(*start).at("previous_state").as_string() == "stopped");
  wait_for("started");

  CHECK(sync<void>([&](auto cb) { f.fly->suspend_machine("api", m.id, cb); }));
  wait_for("suspended");
  auto again = sync<void>([&](auto cb) { f.fly->suspend_machine("api", m.id, cb); });
  REQUIRE_FALSE(again); // only a started machine suspends
  CHECK(again.error().http_status() == 412);
  CHECK(sync<void>([&](auto cb) { f.fly->start_machine("api", m.id, cb); }));
  wait_for("started");
  CHECK(sync<void>([&](auto cb) { f.fly->restart_machine("api", m.id, cb); }));
  wait_for("started");

  auto bad_signal = sync<void>([&](auto cb) { f.fly->signal_machine("api", m.id, "SIGNOPE", cb); });
  CHECK(bad_signal.error().http_status() == 400);
  CHECK(sync<void>([&](auto cb) { f.fly->signal_machine("api", m.id, "SIGUSR1", cb); }));

  fly_machine_request upd;
  upd.config = {{"image", "registry-1.docker.io/library/nginx:1.27"}};
  auto updated = sync<fly_machine>([&](auto cb) { f.fly->update_machine("api", m.id, upd, cb); });
  REQUIRE(updated);
  CHECK(updated->version != m.version);
  CHECK(updated->config.at("image").as_string() == "registry-1.docker.io/library/nginx:1.27");
  wait_for("started");
  auto moved = f.raw("POST", "/v1/apps/api/machines/" + m.id, R"({"region":"syd","config":{"image":"nginx"}})");
  CHECK(moved->status == 400); // a region is immutable
  auto partial = f.raw("POST", "/v1/apps/api/machines/" + m.id, R"({"config":{"env":{"A":"1"}}})");
  CHECK(partial->status == 400); // no partial updates: the full config, image included

  auto running = sync<void>([&](auto cb) { f.fly->destroy_machine("api", m.id, false, cb); });
  REQUIRE_FALSE(running); // a running machine is not destroyed without force
  CHECK(running.error().http_status() == 412);
  CHECK(sync<void>([&](auto cb) { f.fly->destroy_machine("api", m.id, true, cb); }));
  wait_for("destroyed");
  auto list = sync<std::vector<fly_machine>>([&](auto cb) { f.fly->list_machines("api", cb); });
  CHECK(list->empty());
  auto with_deleted = f.raw("GET", "/v1/apps/api/machines?include_deleted=true");
  CHECK(body_of(*with_deleted).as_array().size() == 1);
  // flyctl sends kill=true rather than force=true: both are accepted
  auto other = f.make_machine("api");
  wait_for("started", other.id);
  auto kill = f.raw("DELETE", "/v1/apps/api/machines/" + other.id + "?kill=true");
  CHECK(kill->status == 200);
}

TEST_CASE("wait: timeout outside 1–60 s is 400, an elapsed wait is 408, the client loops to its deadline") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api", true); // stays created
  for (const char* t : {"0", "61", "abc"}) {
    auto r = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/wait?state=started&timeout=" + t);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(*r).at("error").as_string().find("invalid_argument") == 0);
  }
  auto bad_state = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/wait?state=running");
  CHECK(bad_state->status == 400);

  auto elapsed = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/wait?state=started&timeout=1");
  REQUIRE(elapsed);
  CHECK(elapsed->status == 408);

  auto overall = sync<fly_wait_result>([&](auto cb) { f.fly->wait_machine("api", m.id, "started", 1500ms, cb); });
  REQUIRE_FALSE(overall);
  CHECK(overall.error().code() == errc::timeout);
  CHECK(f.sim->count("GET", "/v1/apps/{app}/machines/{id}/wait", 408) >= 2); // looped

  // "settled" and comma lists: any of them
  auto settled = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/wait?state=stopped,failed&timeout=1");
  CHECK(settled->status == 408);
  CHECK(sync<void>([&](auto cb) { f.fly->start_machine("api", m.id, cb); }));
  auto any = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/wait?state=settled&timeout=5");
  REQUIRE(any);
  CHECK(any->status == 200);
}

TEST_CASE("leases: acquire 201 with a nonce, a second holder 409, acts need the nonce, release") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api");
  auto lease = sync<fly_lease>([&](auto cb) { f.fly->acquire_lease("api", m.id, 60s, cb); });
  REQUIRE(lease);
  CHECK(lease->nonce.size() == 12);
  CHECK(lease->expires_at > 0);
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}/lease", 201) == 1);

  auto second = sync<fly_lease>([&](auto cb) { f.fly->acquire_lease("api", m.id, 60s, cb); });
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == errc::conflict);
  CHECK(second.error().http_status() == 409);

  fly_machine_request upd;
  upd.config = {{"image", "nginx:2"}};
  auto without = sync<fly_machine>([&](auto cb) { f.fly->update_machine("api", m.id, upd, cb); });
  CHECK(without.error().http_status() == 409);
  auto with = sync<fly_machine>([&](auto cb) { f.fly->update_machine("api", m.id, upd, cb, lease->nonce); });
  CHECK(with);

  auto shown = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/lease");
  REQUIRE(shown);
  CHECK(shown->status == 200);
  CHECK_FALSE(body_of(*shown).at("data").as_object().contains("nonce")); // the holder's secret

  auto wrong = sync<void>([&](auto cb) { f.fly->release_lease("api", m.id, "000000000000", cb); });
  CHECK(wrong.error().http_status() == 409);
  CHECK(sync<void>([&](auto cb) { f.fly->release_lease("api", m.id, lease->nonce, cb); }));
  auto none = f.raw("GET", "/v1/apps/api/machines/" + m.id + "/lease");
  CHECK(none->status == 404);
}

TEST_CASE("metadata: set 204, get, delete 204") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api");
  CHECK(sync<void>([&](auto cb) { f.fly->set_metadata("api", m.id, "fly_process_group", "app", cb); }));
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}/metadata/{key}", 204) == 1);
  auto md = sync<std::map<std::string, std::string>>([&](auto cb) { f.fly->get_metadata("api", m.id, cb); });
  REQUIRE(md);
  CHECK(md->at("fly_process_group") == "app");
  auto filtered = f.raw("GET", "/v1/apps/api/machines?metadata.fly_process_group=app");
  CHECK(body_of(*filtered).as_array().size() == 1);
  CHECK(sync<void>([&](auto cb) { f.fly->delete_metadata("api", m.id, "fly_process_group", cb); }));
  md = sync<std::map<std::string, std::string>>([&](auto cb) { f.fly->get_metadata("api", m.id, cb); });
  CHECK(md->empty());
}

TEST_CASE("tokens: Bearer, FlyV1 and Bearer FlyV1 pass — a bad or missing token is 401 with Fly's body") {
  auto o = sim_fixture::fast();
  o.tokens = {"fm2_c2ltdWxhdGVkbWFjYXJvb24="};
  sim_fixture f{o};
  for (std::string auth : {"Bearer fm2_c2ltdWxhdGVkbWFjYXJvb24=", "FlyV1 fm2_c2ltdWxhdGVkbWFjYXJvb24=",
                           "Bearer FlyV1 fm2_c2ltdWxhdGVkbWFjYXJvb24=",
                           "FlyV1 fm2_b3RoZXI=,fm2_c2ltdWxhdGVkbWFjYXJvb24="}) {
    CAPTURE(auth);
    auto r = f.raw("GET", "/v1/apps?org_slug=personal", {}, auth);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  for (std::string auth : {"Bearer fm2_wrong", "", "Basic fm2_c2ltdWxhdGVkbWFjYXJvb24="}) {
    CAPTURE(auth);
    auto r = f.raw("GET", "/v1/apps?org_slug=personal", {}, auth);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->body == R"({"error":"Authenticate: token validation error"})");
  }
  // the client sends a macaroon as FlyV1, as flyctl does; the record keeps the scheme, never the token
  auto apps = sync<std::vector<fly_app>>([&](auto cb) { f.fly->list_apps("personal", cb); });
  CHECK(apps);
  auto rec = f.sim->requests();
  CHECK(rec.back().auth_scheme == "FlyV1");
  CHECK(rec[1].auth_scheme == "FlyV1");
  CHECK(rec[2].auth_scheme == "Bearer FlyV1");
  auto bad = sync<std::vector<fly_app>>([&](auto cb) {
    fly_machines_options other_opts;
    other_opts.base_url = f.sim->base_url();
    fly_machines_client other{*f.http, secret{"fo1_notthetoken"}, other_opts};
    other.list_apps("personal", cb);
  });
  CHECK(bad.error().code() == errc::unauthorized);
}

TEST_CASE("rate limits: past a burst Fly answers 429 with Retry-After") {
  sim_fixture f{fly_simulator_options{}}; // Fly's documented limits
  f.make_app("api");
  int limited = 0;
  for (int i = 0; i < 5; ++i) { // get_app: 1 req/s, bursts of 3
    auto r = f.raw("GET", "/v1/apps/api");
    REQUIRE(r);
    if (r->status == 429) {
      ++limited;
      CHECK(r->header("retry-after") != nullptr);
    }
  }
  CHECK(limited >= 1);
}

TEST_CASE("fault injection: status, reset and delay per route, from the API and the control endpoint") {
  sim_fixture f;
  f.make_app("api");
  f.sim->inject("GET", "/v1/apps/{app}", fault(fly_fault::kind::status, 503, 1, 1000ms));
  auto r = f.raw("GET", "/v1/apps/api");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(*r->header("retry-after") == "1");

  // twice: a GET reset on a kept-alive connection is sent once more on a new one
  f.sim->inject("GET", "/v1/apps/{app}", fault(fly_fault::kind::reset, 500, 2));
  auto reset = f.raw("GET", "/v1/apps/api");
  REQUIRE_FALSE(reset);
  CHECK(reset.error().code() == errc::transport);

  auto ctl = f.raw("POST", "/__sim/faults", R"({"method":"GET","route":"/v1/apps","status":500,"times":2})");
  REQUIRE(ctl);
  CHECK(ctl->status == 200);
  CHECK(f.raw("GET", "/v1/apps?org_slug=personal")->status == 500);
  CHECK(f.raw("DELETE", "/__sim/faults")->status == 200);
  CHECK(f.raw("GET", "/v1/apps?org_slug=personal")->status == 200);
  auto bad = f.raw("POST", "/__sim/faults", R"({"kind":"explode"})");
  CHECK(bad->status == 400);

  auto recorded = f.raw("GET", "/__sim/requests");
  REQUIRE(recorded);
  CHECK(body_of(*recorded).as_array().size() == f.sim->requests().size());
}

TEST_CASE("the client retries injected 429 and 5xx and paces a burst: 100 updates, no 429 to the caller") {
  fly_simulator_options o;
  // Fly's shape (bursts of 3) at a rate a test can wait for; client and
  // simulator use the same table, as in production.
  o.rate_limits = {{"get_machine", bucket_spec{50, 10}}};
  o.default_rate_limit = bucket_spec{40, 3};
  sim_fixture f{o};
  fly_machines_options fo;
  fo.base_url = f.sim->base_url();
  fo.limits = o.rate_limits;
  fo.default_limit = o.default_rate_limit;
  fo.retry.base_delay = 20ms;
  fly_machines_client fly{*f.http, secret{f.sim->token()}, fo};
  f.make_app("api");
  std::vector<fly_machine> machines;
  for (int i = 0; i < 4; ++i)
    machines.push_back(f.make_machine("api", true));
  f.sim->inject("POST", "/v1/apps/{app}/machines/{id}", fault(fly_fault::kind::status, 429, 3, 1000ms));
  f.sim->inject("POST", "/v1/apps/{app}/machines/{id}", fault(fly_fault::kind::status, 502, 2));

  std::mutex mtx;
  std::vector<expected<fly_machine>> results;
  event all_done;
  for (int i = 0; i < 100; ++i) {
    fly_machine_request upd;
    upd.config = {{"image", "nginx:" + std::to_string(i)}};
    upd.skip_launch = true;
    fly.update_machine("api", machines[i % 4].id, upd, [&](expected<fly_machine> r) {
      std::lock_guard g{mtx};
      results.push_back(std::move(r));
      if (results.size() == 100)
        all_done.set();
    });
  }
  REQUIRE(all_done.wait(30s));
  for (auto& r : results) {
    CHECK(r);
    if (!r)
      MESSAGE(to_string(r.error()));
  }
  // the injected ones were retried; pacing (retries included) kept the
  // rest inside the limits: every 429 the simulator sent was an injected one
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}", 200) == 100);
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}", 429) == 3);
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}", 502) == 2);
  CHECK(f.sim->count("POST", "/v1/apps/{app}/machines/{id}") == 105);
}

TEST_CASE("add_app seeds apps without a request — a taken or bad name is refused") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("seeded"));
  auto got = sync<fly_app>([&](auto cb) { f.fly->get_app("seeded", cb); });
  CHECK(got);
  CHECK(f.sim->add_app("seeded").error().code() == errc::conflict);
  CHECK(f.sim->add_app("Not_Valid").error().code() == errc::validation);
  CHECK(f.sim->count("POST", "/v1/apps") == 0);
}

namespace {

struct logs_fixture : sim_fixture {
  fly_logs_client jsonapi{*http, secret{sim->token()}, options(fly_logs_form::jsonapi)};
  fly_logs_client ndjson{*http, secret{sim->token()}, options(fly_logs_form::ndjson)};

  fly_logs_options options(fly_logs_form form) const {
    fly_logs_options o;
    o.api_base_url = sim->base_url();
    o.flaps_base_url = sim->base_url();
    o.form = form;
    return o;
  }

  expected<fly_logs_page> page(const fly_logs_client& c, fly_logs_query q) {
    return sync<fly_logs_page>([&](auto cb) { c.fetch(q, cb); });
  }
};

} // namespace

TEST_CASE("logs, JSON:API: pages of 100 from an inclusive next_token — equal timestamps repeat, none is lost") {
  logs_fixture f;
  REQUIRE(f.sim->add_app("demo"));
  // 150 lines; 99, 100 and 101 (0-based) share one timestamp across the page cut
  for (int i = 0; i < 150; ++i) {
    log_entry e;
    e.timestamp_ns = t0 + (i >= 99 && i <= 101 ? 99 : i);
    e.message = "line " + std::to_string(i);
    f.sim->append_log("demo", e);
  }
  auto p1 = f.page(f.jsonapi, {"demo", t0});
  REQUIRE(p1);
  REQUIRE(p1->entries.size() == 100);
  CHECK(p1->entries.front().message == "line 0");
  CHECK(p1->next_cursor_ns == t0 + 99);
  auto p2 = f.page(f.jsonapi, {"demo", p1->next_cursor_ns});
  REQUIRE(p2);
  std::set<std::string> ids, messages;
  for (auto* p : {&*p1, &*p2})
    for (auto& e : p->entries) {
      ids.insert(e.id);
      messages.insert(e.message);
    }
  CHECK(messages.size() == 150); // every line, once told apart by id
  CHECK(ids.size() == 150);
  CHECK(p2->entries.front().timestamp_ns == t0 + 99); // the boundary comes again
  auto p3 = f.page(f.jsonapi, {"demo", p2->next_cursor_ns});
  CHECK(p3->entries.size() == 1); // only the last line, at the cursor itself

  // the latest page without a cursor; region and instance filters
  auto latest = f.page(f.jsonapi, {"demo"});
  REQUIRE(latest);
  CHECK(latest->entries.size() == 100);
  CHECK(latest->entries.back().message == "line 149");
  log_entry other;
  other.timestamp_ns = t0 + 1000;
  other.region = "syd";
  other.instance = "0123456789abcd";
  other.message = "from sydney";
  f.sim->append_log("demo", other);
  auto syd = f.page(f.jsonapi, {"demo", t0, "syd"});
  REQUIRE(syd->entries.size() == 1);
  CHECK(syd->entries[0].message == "from sydney");
  auto by_machine = f.page(f.jsonapi, {"demo", t0, "", "0123456789abcd"});
  CHECK(by_machine->entries.size() == 1);
}

TEST_CASE("logs, NDJSON: start_time in ns — a truncated page skips its cut line — 404, 401") {
  logs_fixture f;
  REQUIRE(f.sim->add_app("demo"));
  for (int i = 0; i < 10; ++i) {
    log_entry e;
    e.timestamp_ns = t0 + i;
    e.message = "line " + std::to_string(i);
    f.sim->append_log("demo", e);
  }
  auto p = f.page(f.ndjson, {"demo", t0 + 5});
  REQUIRE(p);
  REQUIRE(p->entries.size() == 5);
  CHECK(p->entries[0].message == "line 5");
  CHECK(p->entries[0].app == "demo");
  CHECK(p->next_cursor_ns == t0 + 9);
  CHECK(p->malformed == 0);

  f.sim->inject("GET", "/v1/apps/{app}/logs", fault(fly_fault::kind::truncate));
  auto cut = f.page(f.ndjson, {"demo", t0});
  REQUIRE(cut);
  CHECK(cut->malformed == 1);
  CHECK(cut->entries.size() < 10);
  CHECK_FALSE(cut->entries.empty());

  auto missing = f.page(f.ndjson, {"nope", t0});
  CHECK(missing.error().code() == errc::not_found);
  fly_logs_client stranger{*f.http, secret{"fo1_wrong"}, f.options(fly_logs_form::jsonapi)};
  auto denied = f.page(stranger, {"demo", t0});
  CHECK(denied.error().code() == errc::unauthorized);
  auto bad_cursor = f.raw("GET", "/api/v1/apps/demo/logs?next_token=yesterday");
  CHECK(bad_cursor->status == 400);
}

TEST_CASE("logs: the generator makes lines at the configured rate, some with equal timestamps") {
  logs_fixture f;
  REQUIRE(f.sim->add_app("busy"));
  f.sim->set_log_rate("busy", 2000); // lines per second
  std::vector<log_entry> seen;
  std::set<std::string> ids;
  std::int64_t cursor = 0;
  auto deadline = std::chrono::steady_clock::now() + default_deadline;
  while (seen.size() < 300 && std::chrono::steady_clock::now() < deadline) {
    auto p = f.page(f.jsonapi, {"busy", cursor});
    REQUIRE(p);
    for (auto& e : p->entries)
      if (ids.insert(e.id).second)
        seen.push_back(e);
    cursor = p->next_cursor_ns;
  }
  REQUIRE(seen.size() >= 300);
  bool equal_pair = false;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i].timestamp_ns >= seen[i - 1].timestamp_ns);
    equal_pair = equal_pair || seen[i].timestamp_ns == seen[i - 1].timestamp_ns;
  }
  CHECK(equal_pair);
  CHECK(seen[0].instance.size() == 14);
  CHECK(seen[0].region.size() == 3);
}

TEST_CASE("volumes: create, list, get, update, extend (grow only) with needs_restart, snapshots, delete") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("db"));
  fly_volume_request req;
  req.name = "pg_data";
  req.region = "ams";
  req.size_gb = 10;
  auto v = sync<fly_volume>([&](auto cb) { f.fly->create_volume("db", req, cb); });
  REQUIRE(v);
  CHECK(v->id.rfind("vol_", 0) == 0);
  CHECK(v->state == "created");
  CHECK(v->size_gb == 10);
  CHECK(v->encrypted);
  CHECK(v->snapshot_retention == 5);
  auto list = sync<std::vector<fly_volume>>([&](auto cb) { f.fly->list_volumes("db", cb); });
  REQUIRE(list);
  CHECK(list->size() == 1);
  auto got = sync<fly_volume>([&](auto cb) { f.fly->get_volume("db", v->id, cb); });
  CHECK(got->name == "pg_data");

  auto upd = f.raw("PUT", "/v1/apps/db/volumes/" + v->id, R"({"snapshot_retention":14})");
  CHECK(upd->status == 200);
  CHECK(body_of(*upd).at("snapshot_retention").as_int64() == 14);
  CHECK(f.raw("PUT", "/v1/apps/db/volumes/" + v->id, R"({"snapshot_retention":61})")->status == 400);

  auto grown = sync<std::pair<fly_volume, bool>>([&](auto cb) { f.fly->extend_volume("db", v->id, 20, cb); });
  REQUIRE(grown);
  CHECK(grown->first.size_gb == 20);
  CHECK_FALSE(grown->second);
  auto shrink = sync<std::pair<fly_volume, bool>>([&](auto cb) { f.fly->extend_volume("db", v->id, 5, cb); });
  CHECK(shrink.error().http_status() == 400);

  CHECK(f.raw("POST", "/v1/apps/db/volumes/" + v->id + "/snapshots")->status == 200);
  auto snaps = f.raw("GET", "/v1/apps/db/volumes/" + v->id + "/snapshots");
  REQUIRE(body_of(*snaps).as_array().size() == 1);
  CHECK(body_of(*snaps).as_array()[0].at("id").as_string().starts_with("vs_"));

  auto gone = sync<fly_volume>([&](auto cb) { f.fly->delete_volume("db", v->id, cb); });
  REQUIRE(gone);
  CHECK(gone->state == "destroyed");
  auto after = sync<std::vector<fly_volume>>([&](auto cb) { f.fly->list_volumes("db", cb); });
  CHECK(after->empty());
  auto unknown = sync<fly_volume>([&](auto cb) { f.fly->get_volume("db", "vol_nope", cb); });
  CHECK(unknown.error().code() == errc::not_found);
  CHECK(f.raw("POST", "/v1/apps/db/volumes", R"({"name":"Bad Name"})")->status == 400);
}

TEST_CASE("secrets: {\"values\"} sets and unsets in one call, versions count, values only when asked") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("web"));
  std::map<std::string, std::optional<secret>> values{{"DATABASE_URL", secret{"postgres://u:p@h/db"}},
                                                      {"API_KEY", secret{"k-123"}}};
  auto v1 = sync<std::int64_t>([&](auto cb) { f.fly->set_secrets("web", values, cb); });
  REQUIRE(v1);
  CHECK(*v1 == 1);
  auto hidden = sync<std::vector<fly_secret>>([&](auto cb) { f.fly->list_secrets("web", false, cb); });
  REQUIRE(hidden);
  REQUIRE(hidden->size() == 2);
  CHECK(hidden->front().name == "API_KEY");
  CHECK_FALSE(hidden->front().digest.empty());
  CHECK(hidden->front().value.reveal().empty());
  auto shown = sync<std::vector<fly_secret>>([&](auto cb) { f.fly->list_secrets("web", true, cb); });
  CHECK(shown->front().value.reveal() == "k-123");

  std::map<std::string, std::optional<secret>> unset{{"API_KEY", std::nullopt}};
  auto v2 = sync<std::int64_t>([&](auto cb) { f.fly->set_secrets("web", unset, cb); });
  CHECK(*v2 == 2);
  auto one = f.raw("POST", "/v1/apps/web/secrets/SENTRY_DSN", R"({"value":"https://x@sentry"})");
  CHECK(one->status == 201);
  CHECK(body_of(*one).at("version").as_int64() == 3);
  CHECK(f.raw("GET", "/v1/apps/web/secrets/SENTRY_DSN")->status == 200);
  auto v4 = sync<std::int64_t>([&](auto cb) { f.fly->delete_secret("web", "SENTRY_DSN", cb); });
  CHECK(*v4 == 4);
  auto missing = sync<std::int64_t>([&](auto cb) { f.fly->delete_secret("web", "SENTRY_DSN", cb); });
  CHECK(missing.error().code() == errc::not_found);
  CHECK(f.raw("POST", "/v1/apps/web/secrets", R"({"secrets":[{"key":"A","value":"x"}]})")->status == 400);
  CHECK(f.raw("POST", "/v1/apps/web/secrets", R"({"values":{"9LIVES":"x"}})")->status == 400);
}

TEST_CASE("certificates by hostname: ACME 201 pending, custom, check, list, get, delete 204 — 422 and 404") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("web"));
  auto acme = f.raw("POST", "/v1/apps/web/certificates/acme", R"({"hostname":"example.com"})");
  REQUIRE(acme);
  CHECK(acme->status == 201);
  auto d = body_of(*acme);
  CHECK(d.at("configured").as_bool() == false);
  CHECK(d.at("acme_requested").as_bool());
  CHECK(d.at("status").as_string() == "pending_validation");
  CHECK(d.at("certificates").as_array().empty());
  CHECK(d.at("dns_requirements").at("cname").as_string() == "web.fly.dev");
  CHECK(d.at("dns_requirements").at("acme_challenge").at("name").as_string() == "_acme-challenge.example.com");
  CHECK(f.raw("POST", "/v1/apps/web/certificates/acme", R"({"hostname":"example.com"})")->status == 422);
  CHECK(f.raw("POST", "/v1/apps/web/certificates/acme", R"({"hostname":"not a host"})")->status == 422);
  CHECK(f.raw("POST", "/v1/apps/web/certificates/custom", R"({"hostname":"api.example.com"})")->status == 422);
  auto custom = f.raw("POST", "/v1/apps/web/certificates/custom",
                      R"({"hostname":"api.example.com","fullchain":"-----BEGIN CERTIFICATE-----","private_key":"k"})");
  CHECK(custom->status == 201);
  CHECK(body_of(*custom).at("certificates").as_array()[0].at("source").as_string() == "custom");
  auto check = f.raw("POST", "/v1/apps/web/certificates/example.com/check");
  REQUIRE(check);
  CHECK(check->status == 200);
  CHECK(body_of(*check).at("status").as_string() == "active");
  auto list = f.raw("GET", "/v1/apps/web/certificates");
  CHECK(body_of(*list).at("total_count").as_int64() == 2);
  CHECK(f.raw("GET", "/v1/apps/web/certificates/example.com")->status == 200);
  CHECK(f.raw("DELETE", "/v1/apps/web/certificates/example.com")->status == 204);
  CHECK(f.raw("GET", "/v1/apps/web/certificates/example.com")->status == 404);
}

TEST_CASE("IP assignments: v4, shared_v4, v6, private_v6 — list — release by IP 204 — bad type 400") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("web"));
  auto v4 = f.raw("POST", "/v1/apps/web/ip_assignments", R"({"type":"shared_v4"})");
  REQUIRE(v4);
  CHECK(v4->status == 200);
  CHECK(body_of(*v4).at("shared").as_bool());
  auto v6 = f.raw("POST", "/v1/apps/web/ip_assignments", R"({"type":"v6","region":"global"})");
  auto ip6 = std::string{body_of(*v6).at("ip").as_string()};
  CHECK(ip6.find(':') != std::string::npos);
  auto priv = f.raw("POST", "/v1/apps/web/ip_assignments", R"({"type":"private_v6"})");
  CHECK(body_of(*priv).at("ip").as_string().starts_with("fdaa:"));
  CHECK(f.raw("POST", "/v1/apps/web/ip_assignments", R"({"type":"v5"})")->status == 400);
  auto list = f.raw("GET", "/v1/apps/web/ip_assignments");
  CHECK(body_of(*list).at("ips").as_array().size() == 3);
  CHECK(f.raw("DELETE", "/v1/apps/web/ip_assignments/" + ip6)->status == 204);
  CHECK(f.raw("DELETE", "/v1/apps/web/ip_assignments/" + ip6)->status == 404);
}

TEST_CASE("certificates and IP assignments through the client") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("web"));
  auto c = sync<fly_certificate>([&](auto cb) { f.fly->request_certificate("web", "shop.example.com", cb); });
  REQUIRE(c);
  CHECK(c->status == "pending_validation");
  CHECK(c->acme_requested);
  auto checked = sync<fly_certificate>([&](auto cb) { f.fly->check_certificate("web", "shop.example.com", cb); });
  CHECK(checked->configured);
  auto list = sync<std::vector<fly_certificate>>([&](auto cb) { f.fly->list_certificates("web", cb); });
  CHECK(list->size() == 1);
  CHECK(sync<void>([&](auto cb) { f.fly->delete_certificate("web", "shop.example.com", cb); }));
  auto gone = sync<fly_certificate>([&](auto cb) { f.fly->get_certificate("web", "shop.example.com", cb); });
  CHECK(gone.error().code() == errc::not_found);

  auto ip = sync<fly_ip_assignment>([&](auto cb) { f.fly->assign_ip("web", "v6", "", cb); });
  REQUIRE(ip);
  CHECK(ip->region == "global");
  auto ips = sync<std::vector<fly_ip_assignment>>([&](auto cb) { f.fly->list_ip_assignments("web", cb); });
  CHECK(ips->size() == 1);
  CHECK(sync<void>([&](auto cb) { f.fly->release_ip("web", ip->ip, cb); }));
  auto bad = sync<fly_ip_assignment>([&](auto cb) { f.fly->assign_ip("web", "v5", "", cb); });
  CHECK(bad.error().code() == errc::validation);
}

TEST_CASE("volume update, snapshots (create, list) and custom certificates through the client") {
  sim_fixture f;
  REQUIRE(f.sim->add_app("db"));
  fly_volume_request req;
  req.name = "pg_data";
  auto v = sync<fly_volume>([&](auto cb) { f.fly->create_volume("db", req, cb); });
  REQUIRE(v);

  fly_volume_update upd;
  upd.snapshot_retention = 14;
  upd.auto_backup_enabled = false;
  auto updated = sync<fly_volume>([&](auto cb) { f.fly->update_volume("db", v->id, upd, cb); });
  REQUIRE(updated);
  CHECK(updated->snapshot_retention == 14);
  CHECK_FALSE(updated->auto_backup_enabled);
  CHECK(f.sim->count("PUT", "/v1/apps/{app}/volumes/{volume}", 200) == 1);
  fly_volume_update only_retention;
  only_retention.snapshot_retention = 30;
  auto kept = sync<fly_volume>([&](auto cb) { f.fly->update_volume("db", v->id, only_retention, cb); });
  REQUIRE(kept);
  CHECK(kept->snapshot_retention == 30);
  CHECK_FALSE(kept->auto_backup_enabled); // an unset field is not sent, so not changed
  fly_volume_update too_long;
  too_long.snapshot_retention = 61;
  auto refused = sync<fly_volume>([&](auto cb) { f.fly->update_volume("db", v->id, too_long, cb); });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::validation);
  CHECK(refused.error().http_status() == 400);

  auto none = sync<std::vector<fly_volume_snapshot>>([&](auto cb) { f.fly->list_snapshots("db", v->id, cb); });
  REQUIRE(none);
  CHECK(none->empty());
  REQUIRE(sync<void>([&](auto cb) { f.fly->create_snapshot("db", v->id, cb); }));
  REQUIRE(sync<void>([&](auto cb) { f.fly->create_snapshot("db", v->id, cb); }));
  auto snaps = sync<std::vector<fly_volume_snapshot>>([&](auto cb) { f.fly->list_snapshots("db", v->id, cb); });
  REQUIRE(snaps);
  REQUIRE(snaps->size() == 2);
  CHECK(snaps->front().id.rfind("vs_", 0) == 0);
  CHECK(snaps->front().id != snaps->back().id);
  CHECK(snaps->front().status == "created");
  CHECK(snaps->front().retention_days == 30);
  CHECK(snaps->front().volume_size == std::int64_t{3} * 1024 * 1024 * 1024);
  CHECK_FALSE(snaps->front().created_at.empty());
  auto missing = sync<std::vector<fly_volume_snapshot>>([&](auto cb) { f.fly->list_snapshots("db", "vol_nope", cb); });
  CHECK(missing.error().code() == errc::not_found);

  REQUIRE(f.sim->add_app("web"));
  const std::string chain = "-----BEGIN CERTIFICATE-----\nMIIBsimulated\n-----END CERTIFICATE-----\n";
  const secret key{"-----BEGIN PRIVATE KEY-----\nMIIEsimulatedkey\n-----END PRIVATE KEY-----\n"};
  auto c = sync<fly_certificate>(
    [&](auto cb) { f.fly->upload_custom_certificate("web", "api.example.com", chain, key, cb); });
  REQUIRE(c);
  CHECK(c->hostname == "api.example.com");
  CHECK(c->has_custom_certificate);
  CHECK_FALSE(c->acme_requested);
  CHECK(f.sim->count("POST", "/v1/apps/{app}/certificates/custom", 201) == 1);
  auto got = sync<fly_certificate>([&](auto cb) { f.fly->get_certificate("web", "api.example.com", cb); });
  REQUIRE(got);
  CHECK(got->has_custom_certificate);
  auto no_chain = sync<fly_certificate>(
    [&](auto cb) { f.fly->upload_custom_certificate("web", "b.example.com", "", key, cb); });
  REQUIRE_FALSE(no_chain);
  CHECK(no_chain.error().http_status() == 422);
  CHECK(no_chain.error().message().find("MIIEsimulatedkey") == std::string::npos);
}

TEST_CASE("leases through the client: get shows no nonce, refresh with the nonce extends it, others get 409") {
  sim_fixture f;
  f.make_app("api");
  auto m = f.make_machine("api");
  auto nothing = sync<fly_lease>([&](auto cb) { f.fly->get_lease("api", m.id, cb); });
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().code() == errc::not_found);

  auto lease = sync<fly_lease>([&](auto cb) { f.fly->acquire_lease("api", m.id, 60s, cb); });
  REQUIRE(lease);
  auto shown = sync<fly_lease>([&](auto cb) { f.fly->get_lease("api", m.id, cb); });
  REQUIRE(shown);
  CHECK(shown->nonce.empty()); // the holder's secret
  CHECK(shown->expires_at == lease->expires_at);
  CHECK(shown->owner == lease->owner);

  auto refreshed = sync<fly_lease>([&](auto cb) { f.fly->refresh_lease("api", m.id, lease->nonce, 600s, cb); });
  REQUIRE(refreshed);
  CHECK(refreshed->nonce == lease->nonce);
  CHECK(refreshed->expires_at >= lease->expires_at + 500);
  auto after = sync<fly_lease>([&](auto cb) { f.fly->get_lease("api", m.id, cb); });
  REQUIRE(after);
  CHECK(after->expires_at == refreshed->expires_at);

  auto other = sync<fly_lease>([&](auto cb) { f.fly->refresh_lease("api", m.id, "000000000000", 600s, cb); });
  REQUIRE_FALSE(other);
  CHECK(other.error().http_status() == 409);
  CHECK(sync<void>([&](auto cb) { f.fly->release_lease("api", m.id, lease->nonce, cb); }));
  auto released = sync<fly_lease>([&](auto cb) { f.fly->get_lease("api", m.id, cb); });
  CHECK(released.error().code() == errc::not_found);
}

TEST_CASE("FLY_FLAPS_BASE_URL and FLY_API_BASE_URL, loaded as options, point the clients at the simulator") {
  auto sim = *fly_simulator::start(sim_fixture::fast());
  REQUIRE(sim->add_app("web"));
  sim->append_log("web", log_entry{});
  auto o = load_options({.config_file = "",
                         .env = fake_env({{"FLY_FLAPS_BASE_URL", sim->base_url()},
                                          {"FLY_API_BASE_URL", sim->base_url() + "/"}})});
  REQUIRE(o);
  auto http = *http_client::create();
  fly_machines_client fly{*http, secret{sim->token()}, fly_machines_options_from(o->fly)};
  auto app = sync<fly_app>([&](auto cb) { fly.get_app("web", cb); });
  REQUIRE(app);
  CHECK(app->name == "web");
  CHECK(sim->count("GET", "/v1/apps/{app}", 200) == 1);

  fly_logs_client logs{*http, secret{sim->token()}, fly_logs_options_from(o->fly)};
  auto page = sync<fly_logs_page>([&](auto cb) { logs.fetch(fly_logs_query{"web"}, cb); });
  REQUIRE(page);
  CHECK(page->entries.size() == 1);
  CHECK(sim->count("GET", "/api/v1/apps/{app}/logs", 200) == 1);
}

TEST_CASE("wait_machine loops capped waits: several 408 rounds, then the state it waited for") {
  sim_fixture f;
  fly_machines_options fo;
  fo.base_url = f.sim->base_url();
  fo.pace = false;
  fo.max_wait_per_request = 1s; // Fly's minimum: a round per second
  fly_machines_client fly{*f.http, secret{f.sim->token()}, fo};
  f.make_app("api");
  auto m = f.make_machine("api", true); // stays created until started
  const std::string route = "/v1/apps/{app}/machines/{id}/wait";

  auto p = std::make_shared<std::promise<expected<fly_wait_result>>>();
  auto result = p->get_future();
  fly.wait_machine("api", m.id, "started", 60s, [p](expected<fly_wait_result> r) { p->set_value(std::move(r)); });
  // Two rounds elapse (408 each) before the machine is started; the loop goes on.
  REQUIRE(wait_until([&] { return f.sim->count("GET", route, 408) >= 2; }));
  CHECK(result.wait_for(0ms) == std::future_status::timeout);
  REQUIRE(sync<void>([&](auto cb) { f.fly->start_machine("api", m.id, cb); }));
  REQUIRE(result.wait_for(default_deadline) == std::future_status::ready);
  auto r = result.get();
  REQUIRE(r);
  CHECK(r->state == "started");
  CHECK(f.sim->count("GET", route, 200) == 1);
  for (auto& rec : f.sim->requests())
    if (rec.route == route)
      CHECK(rec.query.find("timeout=1") != std::string::npos); // the cap, not the 60 s left

  // and to a deadline: 2.5 s in rounds of at most 1 s is three rounds (two
  // if the machine is slow enough that a round takes over 1.25 s), then errc::timeout
  auto m2 = f.make_machine("api", true);
  auto before = f.sim->count("GET", route, 408);
  auto late = sync<fly_wait_result>([&](auto cb) { fly.wait_machine("api", m2.id, "started", 2500ms, cb); });
  REQUIRE_FALSE(late);
  CHECK(late.error().code() == errc::timeout);
  auto rounds = f.sim->count("GET", route, 408) - before;
  CHECK(rounds >= 2);
  CHECK(rounds <= 3);
}

TEST_CASE("an injected 401 answers Fly's real 401 body once, then the route serves again") {
  sim_fixture f;
  f.make_app("api");
  f.sim->inject("GET", "/v1/apps/{app}", fault(fly_fault::kind::status, 401));
  auto r = f.raw("GET", "/v1/apps/api");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(body_of(*r) == boost::json::parse(R"({"error":"Authenticate: token validation error"})"));
  auto through = sync<fly_app>([&](auto cb) { f.fly->get_app("api", cb); });
  REQUIRE(through); // once only
  f.sim->inject("GET", "/v1/apps/{app}", fault(fly_fault::kind::status, 401));
  auto refused = sync<fly_app>([&](auto cb) { f.fly->get_app("api", cb); });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::unauthorized);
  CHECK(refused.error().message().find("Authenticate: token validation error") != std::string::npos);
}

TEST_CASE("a delay fault answers normally but late, and a client deadline shorter than the delay times out") {
  sim_fixture f;
  f.make_app("api");
  fly_fault slow;
  slow.what = fly_fault::kind::delay;
  slow.delay = 400ms;
  f.sim->inject("GET", "/v1/apps/{app}", slow);
  auto t0 = std::chrono::steady_clock::now();
  auto r = f.raw("GET", "/v1/apps/api");
  auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(*r).at("name").as_string() == "api");
  CHECK(took >= 400ms);
  CHECK(f.sim->count("GET", "/v1/apps/{app}", 200) == 1);

  slow.delay = 1s;
  f.sim->inject("GET", "/v1/apps/{app}", slow);
  http_request req;
  req.method = "GET";
  req.url = f.sim->base_url() + "/v1/apps/api";
  req.authorization = secret{"Bearer " + f.sim->token()};
  req.deadline = 200ms;
  auto p = std::make_shared<std::promise<expected<http_response>>>();
  auto fut = p->get_future();
  f.http->request(std::move(req), [p](expected<http_response> res) { p->set_value(std::move(res)); });
  REQUIRE(fut.wait_for(default_deadline) == std::future_status::ready);
  auto timed_out = fut.get();
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code() == errc::timeout);
}

TEST_CASE("an insufficient_capacity fault answers Fly's status word, over the API and the control endpoint, and the client says errc::capacity") {
  sim_fixture f;
  f.make_app("cap-app");
  auto cap = fault(fly_fault::kind::status, 412, 1);
  cap.fly_status = "insufficient_capacity";
  f.sim->inject("POST", "/v1/apps/{app}/machines", cap);
  auto raw = f.raw("POST", "/v1/apps/cap-app/machines", R"({"config":{"image":"nginx"}})");
  REQUIRE(raw);
  CHECK(raw->status == 412);
  CHECK(body_of(*raw).as_object().at("status").as_string() == "insufficient_capacity");
  auto ctl = f.raw("POST", "/__sim/faults",
                   R"({"method":"POST","route":"/v1/apps/{app}/machines","status":412,"fly_status":"insufficient_capacity"})");
  REQUIRE(ctl);
  fly_machine_request req;
  req.config = {{"image", "nginx"}};
  auto m = sync<fly_machine>([&](auto cb) { f.fly->create_machine("cap-app", req, cb); });
  REQUIRE_FALSE(m);
  CHECK(m.error().code() == errc::capacity);
  CHECK(m.error().message().find("insufficient_capacity") != std::string::npos);
  auto ok = sync<fly_machine>([&](auto cb) { f.fly->create_machine("cap-app", req, cb); });
  CHECK(ok.has_value()); // the fault was for one request only
}
