// reference/fly_api.md §1.2–1.7 and §2 as one table: each row names the
// path it covers, sets up a fresh simulator (127.0.0.1, port 0), makes one
// call through Atlas's clients and says what comes back — the typed answer
// and its shape, or the atlas::errc with Fly's HTTP status and error text.
// Paths no client call sends are raw requests (the client never sends a wait
// timeout outside 1–60 s, for one). A last test keeps the table honest: every
// public call of fly_machines_client has a row, so a new call without one fails.
#include "sim_test_values.hpp"
#include "../support/sync_call.hpp"
#include "../support/wait.hpp"

#include <atlas/net/fly_logs_client.hpp>
#include <atlas/net/fly_machines_client.hpp>
#include <atlas/net/http_message.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <fstream>
#include <future>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <type_traits>

using namespace atlas;
using namespace atlas::test;
using namespace atlas::sim_test;
using namespace std::chrono_literals;

namespace {

const std::string image = "registry-1.docker.io/library/nginx:latest";

/// What one row runs against: a simulator of its own and clients on it.
struct world {
  std::unique_ptr<fly_simulator> sim;
  std::unique_ptr<http_client> http = *http_client::create();
  std::unique_ptr<fly_machines_client> fly;
  std::unique_ptr<fly_machines_client> other; ///< a wrong token, or no pacing: the rows that need one
  // what a setup made, for the call and its check
  fly_machine machine{};
  fly_volume volume{};
  fly_lease lease{};
  std::string ip{};

  explicit world(fly_simulator_options o) {
    auto s = fly_simulator::start(std::move(o));
    REQUIRE(s);
    sim = std::move(*s);
    fly = std::make_unique<fly_machines_client>(*http, secret{sim->token()}, client_options());
  }

  /// Pacing as fast as the simulator's limits in the table's rows.
  fly_machines_options client_options() const {
    fly_machines_options fo;
    fo.base_url = sim->base_url();
    fo.limits = {};
    fo.default_limit = bucket_spec{1000, 100};
    return fo;
  }

  fly_logs_client logs(fly_logs_form form, const std::string& token = {}) const {
    fly_logs_options o;
    o.api_base_url = sim->base_url();
    o.flaps_base_url = sim->base_url();
    o.form = form;
    return fly_logs_client{*http, secret{token.empty() ? sim->token() : token}, o};
  }

  /// A raw request with the simulator's token, for a path no client call sends.
  expected<http_response> raw(std::string method, std::string path, std::string body = {}) {
    http_request r;
    r.method = std::move(method);
    r.url = sim->base_url() + path;
    r.authorization = secret{"Bearer " + sim->token()};
    if (!body.empty()) {
      r.body = std::move(body);
      r.content_type = "application/json";
    }
    return sync<http_response>([&](auto cb) { http->request(std::move(r), cb); });
  }

  void app(const std::string& name = "web") { REQUIRE(sim->add_app(name)); }

  void wait_for(const std::string& state) {
    auto w = sync<fly_wait_result>([&](auto cb) { fly->wait_machine("web", machine.id, state, 5s, cb); });
    REQUIRE(w);
    REQUIRE(w->state == state);
  }

  /// App "web" with one machine, started unless `skip_launch`.
  void with_machine(bool skip_launch = false) {
    app();
    fly_machine_request req;
    req.region = "ams";
    req.config = {{"image", image}, {"guest", {{"cpus", 1}, {"memory_mb", 256}}}};
    req.skip_launch = skip_launch;
    auto m = sync<fly_machine>([&](auto cb) { fly->create_machine("web", req, cb); });
    REQUIRE(m);
    machine = *m;
    if (!skip_launch)
      wait_for("started");
  }

  void with_lease() {
    with_machine();
    auto l = sync<fly_lease>([&](auto cb) { fly->acquire_lease("web", machine.id, 60s, cb); });
    REQUIRE(l);
    lease = *l;
  }

  void with_volume() {
    app();
    fly_volume_request req;
    req.name = "pg_data";
    req.region = "ams";
    req.size_gb = 10;
    auto v = sync<fly_volume>([&](auto cb) { fly->create_volume("web", req, cb); });
    REQUIRE(v);
    volume = *v;
  }

  void with_secrets() {
    app();
    std::map<std::string, std::optional<secret>> values{{"API_KEY", secret{"k-123"}},
                                                        {"DATABASE_URL", secret{"postgres://u:p@h/db"}}};
    REQUIRE(sync<std::int64_t>([&](auto cb) { fly->set_secrets("web", values, cb); }));
  }

  void with_certificate() {
    app();
    REQUIRE(sync<fly_certificate>([&](auto cb) { fly->request_certificate("web", "shop.example.com", cb); }));
  }

  void with_ip() {
    app();
    auto a = sync<fly_ip_assignment>([&](auto cb) { fly->assign_ip("web", "v6", "", cb); });
    REQUIRE(a);
    ip = a->ip;
  }

  void with_logs() {
    app();
    for (int i = 0; i < 10; ++i) {
      log_entry e;
      e.timestamp_ns = t0 + i;
      e.message = "line " + std::to_string(i);
      e.region = i % 2 == 0 ? "ams" : "syd";
      e.instance = "0123456789abcd";
      sim->append_log("web", e);
    }
  }
};

/// What a row's call gave: an error, or a check of the typed answer.
struct outcome {
  std::optional<error> err{};
  std::function<void(world&)> check{};
};

/// A client call's answer as an outcome; `shape` checks a success.
template <class T, class Start, class Shape>
outcome answer(Start start, Shape shape) {
  auto r = sync<T>(std::move(start));
  if (!r)
    return {r.error(), {}};
  if constexpr (std::is_void_v<T>)
    return {std::nullopt, [shape](world& w) { shape(w); }};
  else
    return {std::nullopt, [shape, v = std::move(*r)](world& w) { shape(w, v); }};
}

/// A raw answer as an outcome: non-2xx as check_status() makes it (Fly's text included).
template <class Shape>
outcome raw_answer(expected<http_response> r, Shape shape) {
  REQUIRE(r);
  auto checked = check_status(r);
  if (!checked)
    return {checked.error(), {}};
  return {std::nullopt, [shape, res = *r](world& w) { shape(w, res); }};
}

/// A success with no shape to check (or a row that fails).
const auto nothing = [](world&, const auto&...) {};

struct failure {
  errc code;
  int status;
  std::string text; ///< Fly's error text, found in the message
};

struct row {
  std::string name; ///< the fly_api.md method and path, then the call
  std::string call; ///< the fly_machines_client call it covers ("" for a raw request or the logs client)
  std::function<void(world&)> setup;
  std::function<outcome(world&)> run;
  std::optional<failure> fails{}; ///< nothing: a success whose shape `run` checks
  std::function<void(fly_simulator_options&)> sim_options{};
};

/// Fly's rate limits only in the row about them: at 1 request/s per action
/// and machine, the other rows would mostly wait.
fly_simulator_options fast() {
  fly_simulator_options o;
  o.rate_limits = {};
  o.default_rate_limit = bucket_spec{1000, 100};
  return o;
}

const std::vector<row>& table() {
  static const std::vector<row> rows = {
    // §1.2 apps
    {"POST /v1/apps — create_app 201", "create_app", nothing,
     [](world& w) {
       return answer<fly_app>([&](auto cb) { w.fly->create_app("web-1", "personal", cb); },
                              [](world& w2, const fly_app& a) {
                                CHECK(a.id.size() == 16);
                                CHECK(a.name == "web-1");
                                CHECK(w2.sim->count("POST", "/v1/apps", 201) == 1);
                              });
     }},
    {"POST /v1/apps — create_app of a taken name 422 name_taken", "create_app", [](world& w) { w.app(); },
     [](world& w) { return answer<fly_app>([&](auto cb) { w.fly->create_app("web", "personal", cb); }, nothing); },
     failure{errc::conflict, 422, "Name has already been taken (name_taken)"}},
    {"GET /v1/apps/{app} — get_app", "get_app", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_app>([&](auto cb) { w.fly->get_app("web", cb); }, [](world&, const fly_app& a) {
         CHECK(a.name == "web");
         CHECK(a.id.size() == 16);
         CHECK(a.status == "pending");
         CHECK(a.org_slug == "personal");
         CHECK(a.machine_count == 0);
       });
     }},
    {"GET /v1/apps/{app} — get_app of an unknown app 404", "get_app", nothing,
     [](world& w) { return answer<fly_app>([&](auto cb) { w.fly->get_app("nope", cb); }, nothing); },
     failure{errc::not_found, 404, "app not found"}},
    {"GET /v1/apps?org_slug= — list_apps", "list_apps",
     [](world& w) {
       w.app("web");
       w.app("api");
     },
     [](world& w) {
       return answer<std::vector<fly_app>>([&](auto cb) { w.fly->list_apps("personal", cb); },
                                           [](world&, const std::vector<fly_app>& apps) {
                                             REQUIRE(apps.size() == 2);
                                             std::set<std::string> names{apps[0].name, apps[1].name};
                                             CHECK(names == std::set<std::string>{"api", "web"});
                                           });
     }},
    {"GET /v1/apps without org_slug — raw 400", "", nothing,
     [](world& w) { return raw_answer(w.raw("GET", "/v1/apps"), [](world&, const http_response&) {}); },
     failure{errc::validation, 400, "org_slug is required"}},
    {"DELETE /v1/apps/{app} — delete_app 202", "delete_app", [](world& w) { w.app(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->delete_app("web", cb); }, [](world& w2) {
         CHECK(w2.sim->count("DELETE", "/v1/apps/{app}", 202) == 1);
         auto gone = sync<fly_app>([&](auto cb) { w2.fly->get_app("web", cb); });
         CHECK_FALSE(gone);
       });
     }},
    {"DELETE /v1/apps/{app} — delete_app of an unknown app 404", "delete_app", nothing,
     [](world& w) { return answer<void>([&](auto cb) { w.fly->delete_app("nope", cb); }, nothing); },
     failure{errc::not_found, 404, "app not found"}},

    // §1.3 machines
    {"GET /v1/apps/{app}/machines — list_machines", "list_machines", [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<std::vector<fly_machine>>([&](auto cb) { w.fly->list_machines("web", cb); },
                                               [](world& w2, const std::vector<fly_machine>& ms) {
                                                 REQUIRE(ms.size() == 1);
                                                 CHECK(ms[0].id == w2.machine.id);
                                                 CHECK(ms[0].state == "started");
                                               });
     }},
    {"GET /v1/apps/{app}/machines — list_machines of an unknown app 404", "list_machines", nothing,
     [](world& w) {
       return answer<std::vector<fly_machine>>([&](auto cb) { w.fly->list_machines("ghost", cb); }, nothing);
     },
     failure{errc::not_found, 404, "app not found"}},
    {"POST /v1/apps/{app}/machines — create_machine", "create_machine", [](world& w) { w.app(); },
     [](world& w) {
       fly_machine_request req;
       req.region = "ams";
       req.config = {{"image", image}};
       return answer<fly_machine>([&](auto cb) { w.fly->create_machine("web", req, cb); },
                                  [](world&, const fly_machine& m) {
                                    CHECK(m.id.size() == 14);
                                    CHECK(m.instance_id.size() == 26);
                                    CHECK(m.version.size() == 26);
                                    CHECK(m.state == "created");
                                    CHECK(m.region == "ams");
                                    CHECK_FALSE(m.name.empty());
                                    CHECK(m.private_ip.starts_with("fdaa:"));
                                    CHECK_FALSE(m.created_at.empty());
                                    CHECK(m.config.at("image").as_string() == image);
                                  });
     }},
    {"POST /v1/apps/{app}/machines without an image — raw 400", "", [](world& w) { w.app(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/machines", R"({"config":{}})"),
                         [](world&, const http_response&) {});
     },
     failure{errc::validation, 400, "image"}},
    {"GET /v1/apps/{app}/machines/{id} — get_machine", "get_machine", [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<fly_machine>([&](auto cb) { w.fly->get_machine("web", w.machine.id, cb); },
                                  [](world& w2, const fly_machine& m) {
                                    CHECK(m.id == w2.machine.id);
                                    CHECK(m.state == "started");
                                    CHECK(m.instance_id == w2.machine.instance_id);
                                  });
     }},
    {"GET /v1/apps/{app}/machines/{id} — get_machine of an unknown machine 404", "get_machine",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_machine>([&](auto cb) { w.fly->get_machine("web", "0000deadbeef00", cb); }, nothing);
     },
     failure{errc::not_found, 404, "Machine not found"}},
    {"POST /v1/apps/{app}/machines/{id} — update_machine, a new version", "update_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       fly_machine_request upd;
       upd.config = {{"image", "registry-1.docker.io/library/nginx:1.27"}};
       return answer<fly_machine>([&](auto cb) { w.fly->update_machine("web", w.machine.id, upd, cb); },
                                  [](world& w2, const fly_machine& m) {
                                    CHECK(m.id == w2.machine.id);
                                    CHECK(m.version != w2.machine.version);
                                    CHECK(m.config.at("image").as_string() == "registry-1.docker.io/library/nginx:1.27");
                                  });
     }},
    {"POST /v1/apps/{app}/machines/{id} — update_machine of a leased machine without the nonce 409",
     "update_machine", [](world& w) { w.with_lease(); },
     [](world& w) {
       fly_machine_request upd;
       upd.config = {{"image", "nginx:2"}};
       return answer<fly_machine>([&](auto cb) { w.fly->update_machine("web", w.machine.id, upd, cb); }, nothing);
     },
     failure{errc::conflict, 409, "is leased by another holder"}},
    {"POST /v1/apps/{app}/machines/{id} — update_machine with the lease nonce", "update_machine",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       fly_machine_request upd;
       upd.config = {{"image", "nginx:2"}};
       return answer<fly_machine>(
         [&](auto cb) { w.fly->update_machine("web", w.machine.id, upd, cb, w.lease.nonce); },
         [](world&, const fly_machine& m) { CHECK(m.config.at("image").as_string() == "nginx:2"); });
     }},
    {"DELETE /v1/apps/{app}/machines/{id}?force=true — destroy_machine", "destroy_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->destroy_machine("web", w.machine.id, true, cb); }, [](world& w2) {
         w2.wait_for("destroyed");
         auto list = sync<std::vector<fly_machine>>([&](auto cb) { w2.fly->list_machines("web", cb); });
         REQUIRE(list);
         CHECK(list->empty());
       });
     }},
    {"DELETE /v1/apps/{app}/machines/{id} — destroy_machine of a running machine without force 412",
     "destroy_machine", [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->destroy_machine("web", w.machine.id, false, cb); }, nothing);
     },
     failure{errc::validation, 412, "failed_precondition: unable to destroy machine"}},
    {"POST /v1/apps/{app}/machines/{id}/start — start_machine", "start_machine",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->start_machine("web", w.machine.id, cb); },
                           [](world& w2) { w2.wait_for("started"); });
     }},
    {"POST /v1/apps/{app}/machines/{id}/stop — stop_machine", "stop_machine", [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->stop_machine("web", w.machine.id, cb); },
                           [](world& w2) { w2.wait_for("stopped"); });
     }},
    {"POST /v1/apps/{app}/machines/{id}/restart — restart_machine", "restart_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->restart_machine("web", w.machine.id, cb); },
                           [](world& w2) { w2.wait_for("started"); });
     }},
    {"POST /v1/apps/{app}/machines/{id}/suspend — suspend_machine", "suspend_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->suspend_machine("web", w.machine.id, cb); },
                           [](world& w2) { w2.wait_for("suspended"); });
     }},
    {"POST /v1/apps/{app}/machines/{id}/signal — signal_machine SIGUSR1", "signal_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->signal_machine("web", w.machine.id, "SIGUSR1", cb); },
                           [](world& w2) { CHECK(w2.sim->count("POST", "/v1/apps/{app}/machines/{id}/signal", 200) == 1); });
     }},
    {"POST /v1/apps/{app}/machines/{id}/signal — signal_machine of an unknown signal 400", "signal_machine",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->signal_machine("web", w.machine.id, "SIGNOPE", cb); }, nothing);
     },
     failure{errc::validation, 400, "invalid signal"}},
    {"GET /v1/apps/{app}/machines/{id}/wait — wait_machine started", "wait_machine",
     [](world& w) { w.with_machine(true); REQUIRE(sync<void>([&](auto cb) { w.fly->start_machine("web", w.machine.id, cb); })); },
     [](world& w) {
       return answer<fly_wait_result>([&](auto cb) { w.fly->wait_machine("web", w.machine.id, "started", 5s, cb); },
                                      [](world& w2, const fly_wait_result& r) {
                                        CHECK(r.state == "started");
                                        CHECK(r.version == w2.machine.version);
                                        CHECK(w2.sim->count("GET", "/v1/apps/{app}/machines/{id}/wait", 200) == 1);
                                      });
     }},
    {"GET /v1/apps/{app}/machines/{id}/wait — wait_machine past its deadline 408", "wait_machine",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return answer<fly_wait_result>([&](auto cb) { w.fly->wait_machine("web", w.machine.id, "started", 1s, cb); },
                                      [](world&, const fly_wait_result&) {});
     },
     failure{errc::timeout, 408, "did not reach started"}},
    {"GET /v1/apps/{app}/machines/{id}/wait — wait_machine for an unknown state 400", "wait_machine",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return answer<fly_wait_result>([&](auto cb) { w.fly->wait_machine("web", w.machine.id, "running", 5s, cb); },
                                      [](world&, const fly_wait_result&) {});
     },
     failure{errc::validation, 400, "invalid_argument"}},
    {"GET /v1/apps/{app}/machines/{id}/wait?timeout=61 — raw 400 invalid_argument (the client clamps to 1–60)", "",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/wait?state=started&timeout=61"),
                         [](world&, const http_response&) {});
     },
     failure{errc::validation, 400, "invalid_argument"}},
    {"GET /v1/apps/{app}/machines/{id}/wait?timeout=0 — raw 400 invalid_argument", "",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/wait?state=started&timeout=0"),
                         [](world&, const http_response&) {});
     },
     failure{errc::validation, 400, "invalid_argument"}},
    {"GET /v1/apps/{app}/machines/{id}/wait?timeout=1 — raw 408 when it elapses", "",
     [](world& w) { w.with_machine(true); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/wait?state=started&timeout=1"),
                         [](world&, const http_response&) {});
     },
     failure{errc::timeout, 408, "deadline_exceeded"}},

    // §1.3 leases
    {"POST /v1/apps/{app}/machines/{id}/lease — acquire_lease 201", "acquire_lease",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->acquire_lease("web", w.machine.id, 60s, cb); },
                                [](world& w2, const fly_lease& l) {
                                  CHECK(l.nonce.size() == 12);
                                  CHECK(l.expires_at > 0);
                                  CHECK_FALSE(l.owner.empty());
                                  CHECK(w2.sim->count("POST", "/v1/apps/{app}/machines/{id}/lease", 201) == 1);
                                });
     }},
    {"POST /v1/apps/{app}/machines/{id}/lease — acquire_lease of a leased machine 409", "acquire_lease",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->acquire_lease("web", w.machine.id, 60s, cb); },
                                [](world&, const fly_lease&) {});
     },
     failure{errc::conflict, 409, "is leased by another holder"}},
    {"POST /v1/apps/{app}/machines/{id}/lease with the nonce — refresh_lease", "refresh_lease",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->refresh_lease("web", w.machine.id, w.lease.nonce, 600s, cb); },
                                [](world& w2, const fly_lease& l) {
                                  CHECK(l.nonce == w2.lease.nonce);
                                  CHECK(l.expires_at >= w2.lease.expires_at + 500);
                                });
     }},
    {"POST /v1/apps/{app}/machines/{id}/lease with another nonce — refresh_lease 409", "refresh_lease",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->refresh_lease("web", w.machine.id, "000000000000", 600s, cb); },
                                [](world&, const fly_lease&) {});
     },
     failure{errc::conflict, 409, "is leased by another holder"}},
    {"GET /v1/apps/{app}/machines/{id}/lease — get_lease shows no nonce", "get_lease",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->get_lease("web", w.machine.id, cb); },
                                [](world& w2, const fly_lease& l) {
                                  CHECK(l.nonce.empty());
                                  CHECK(l.owner == w2.lease.owner);
                                  CHECK(l.expires_at == w2.lease.expires_at);
                                });
     }},
    {"GET /v1/apps/{app}/machines/{id}/lease — get_lease without a lease 404", "get_lease",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<fly_lease>([&](auto cb) { w.fly->get_lease("web", w.machine.id, cb); },
                                [](world&, const fly_lease&) {});
     },
     failure{errc::not_found, 404, "lease not found"}},
    {"DELETE /v1/apps/{app}/machines/{id}/lease — release_lease", "release_lease", [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->release_lease("web", w.machine.id, w.lease.nonce, cb); },
                           [](world& w2) {
                             auto none = sync<fly_lease>([&](auto cb) { w2.fly->get_lease("web", w2.machine.id, cb); });
                             CHECK_FALSE(none);
                           });
     }},
    {"DELETE /v1/apps/{app}/machines/{id}/lease — release_lease with another nonce 409", "release_lease",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->release_lease("web", w.machine.id, "000000000000", cb); }, nothing);
     },
     failure{errc::conflict, 409, "is leased by another holder"}},

    // §1.3 metadata
    {"GET /v1/apps/{app}/machines/{id}/metadata — get_metadata", "get_metadata",
     [](world& w) {
       w.with_machine();
       REQUIRE(sync<void>([&](auto cb) { w.fly->set_metadata("web", w.machine.id, "fly_process_group", "app", cb); }));
     },
     [](world& w) {
       return answer<std::map<std::string, std::string>>(
         [&](auto cb) { w.fly->get_metadata("web", w.machine.id, cb); },
         [](world&, const std::map<std::string, std::string>& md) {
           CHECK(md == std::map<std::string, std::string>{{"fly_process_group", "app"}});
         });
     }},
    {"POST /v1/apps/{app}/machines/{id}/metadata/{key} — set_metadata 204", "set_metadata",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->set_metadata("web", w.machine.id, "role", "worker", cb); },
                           [](world& w2) {
                             CHECK(w2.sim->count("POST", "/v1/apps/{app}/machines/{id}/metadata/{key}", 204) == 1);
                             auto md = sync<std::map<std::string, std::string>>(
                               [&](auto cb) { w2.fly->get_metadata("web", w2.machine.id, cb); });
                             REQUIRE(md);
                             CHECK(md->at("role") == "worker");
                           });
     }},
    {"DELETE /v1/apps/{app}/machines/{id}/metadata/{key} — delete_metadata 204", "delete_metadata",
     [](world& w) {
       w.with_machine();
       REQUIRE(sync<void>([&](auto cb) { w.fly->set_metadata("web", w.machine.id, "role", "worker", cb); }));
     },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->delete_metadata("web", w.machine.id, "role", cb); },
                           [](world& w2) {
                             CHECK(w2.sim->count("DELETE", "/v1/apps/{app}/machines/{id}/metadata/{key}", 204) == 1);
                             auto md = sync<std::map<std::string, std::string>>(
                               [&](auto cb) { w2.fly->get_metadata("web", w2.machine.id, cb); });
                             REQUIRE(md);
                             CHECK(md->empty());
                           });
     }},

    // §1.4 volumes
    {"GET /v1/apps/{app}/volumes — list_volumes", "list_volumes", [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<std::vector<fly_volume>>([&](auto cb) { w.fly->list_volumes("web", cb); },
                                              [](world& w2, const std::vector<fly_volume>& vs) {
                                                REQUIRE(vs.size() == 1);
                                                CHECK(vs[0].id == w2.volume.id);
                                              });
     }},
    {"POST /v1/apps/{app}/volumes — create_volume", "create_volume", [](world& w) { w.app(); },
     [](world& w) {
       fly_volume_request req;
       req.name = "pg_data";
       req.region = "ams";
       req.size_gb = 10;
       return answer<fly_volume>([&](auto cb) { w.fly->create_volume("web", req, cb); },
                                 [](world&, const fly_volume& v) {
                                   CHECK(v.id.starts_with("vol_"));
                                   CHECK(v.name == "pg_data");
                                   CHECK(v.state == "created");
                                   CHECK(v.region == "ams");
                                   CHECK_FALSE(v.zone.empty());
                                   CHECK(v.size_gb == 10);
                                   CHECK(v.encrypted);
                                   CHECK(v.snapshot_retention == 5);
                                   CHECK(v.auto_backup_enabled);
                                   CHECK(v.attached_machine_id.empty());
                                 });
     }},
    {"POST /v1/apps/{app}/volumes — create_volume of a bad name 400", "create_volume", [](world& w) { w.app(); },
     [](world& w) {
       fly_volume_request req;
       req.name = "Bad Name";
       return answer<fly_volume>([&](auto cb) { w.fly->create_volume("web", req, cb); }, [](world&, const fly_volume&) {});
     },
     failure{errc::validation, 400, "name: lowercase letters, digits and underscores"}},
    {"GET /v1/apps/{app}/volumes/{id} — get_volume", "get_volume", [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<fly_volume>([&](auto cb) { w.fly->get_volume("web", w.volume.id, cb); },
                                 [](world& w2, const fly_volume& v) {
                                   CHECK(v.id == w2.volume.id);
                                   CHECK(v.name == "pg_data");
                                   CHECK(v.size_gb == 10);
                                 });
     }},
    {"GET /v1/apps/{app}/volumes/{id} — get_volume of an unknown volume 404", "get_volume", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_volume>([&](auto cb) { w.fly->get_volume("web", "vol_nope", cb); }, [](world&, const fly_volume&) {});
     },
     failure{errc::not_found, 404, "Volume not found"}},
    {"PUT /v1/apps/{app}/volumes/{id} — update_volume", "update_volume", [](world& w) { w.with_volume(); },
     [](world& w) {
       fly_volume_update upd;
       upd.snapshot_retention = 14;
       upd.auto_backup_enabled = false;
       return answer<fly_volume>([&](auto cb) { w.fly->update_volume("web", w.volume.id, upd, cb); },
                                 [](world&, const fly_volume& v) {
                                   CHECK(v.snapshot_retention == 14);
                                   CHECK_FALSE(v.auto_backup_enabled);
                                 });
     }},
    {"PUT /v1/apps/{app}/volumes/{id} — update_volume of a retention over 60 days 400", "update_volume",
     [](world& w) { w.with_volume(); },
     [](world& w) {
       fly_volume_update upd;
       upd.snapshot_retention = 61;
       return answer<fly_volume>([&](auto cb) { w.fly->update_volume("web", w.volume.id, upd, cb); },
                                 [](world&, const fly_volume&) {});
     },
     failure{errc::validation, 400, "snapshot_retention: days from 1 to 60"}},
    {"DELETE /v1/apps/{app}/volumes/{id} — delete_volume answers it destroyed", "delete_volume",
     [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<fly_volume>([&](auto cb) { w.fly->delete_volume("web", w.volume.id, cb); },
                                 [](world& w2, const fly_volume& v) {
                                   CHECK(v.id == w2.volume.id);
                                   CHECK(v.state == "destroyed");
                                 });
     }},
    {"PUT /v1/apps/{app}/volumes/{id}/extend — extend_volume", "extend_volume", [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<std::pair<fly_volume, bool>>([&](auto cb) { w.fly->extend_volume("web", w.volume.id, 20, cb); },
                                                  [](world&, const std::pair<fly_volume, bool>& r) {
                                                    CHECK(r.first.size_gb == 20);
                                                    CHECK_FALSE(r.second); // no machine attached
                                                  });
     }},
    {"PUT /v1/apps/{app}/volumes/{id}/extend — extend_volume to a smaller size 400", "extend_volume",
     [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<std::pair<fly_volume, bool>>([&](auto cb) { w.fly->extend_volume("web", w.volume.id, 5, cb); },
                                                  [](world&, const std::pair<fly_volume, bool>&) {});
     },
     failure{errc::validation, 400, "a volume only grows"}},
    {"GET /v1/apps/{app}/volumes/{id}/snapshots — list_snapshots", "list_snapshots",
     [](world& w) {
       w.with_volume();
       REQUIRE(sync<void>([&](auto cb) { w.fly->create_snapshot("web", w.volume.id, cb); }));
     },
     [](world& w) {
       return answer<std::vector<fly_volume_snapshot>>(
         [&](auto cb) { w.fly->list_snapshots("web", w.volume.id, cb); },
         [](world&, const std::vector<fly_volume_snapshot>& s) {
           REQUIRE(s.size() == 1);
           CHECK(s[0].id.starts_with("vs_"));
           CHECK(s[0].status == "created");
           CHECK(s[0].retention_days == 5);
           CHECK(s[0].volume_size == std::int64_t{10} * 1024 * 1024 * 1024);
           CHECK_FALSE(s[0].created_at.empty());
         });
     }},
    {"GET /v1/apps/{app}/volumes/{id}/snapshots — list_snapshots of an unknown volume 404", "list_snapshots",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<std::vector<fly_volume_snapshot>>([&](auto cb) { w.fly->list_snapshots("web", "vol_nope", cb); },
                                                       [](world&, const std::vector<fly_volume_snapshot>&) {});
     },
     failure{errc::not_found, 404, "Volume not found"}},
    {"POST /v1/apps/{app}/volumes/{id}/snapshots — create_snapshot", "create_snapshot",
     [](world& w) { w.with_volume(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->create_snapshot("web", w.volume.id, cb); }, [](world& w2) {
         CHECK(w2.sim->count("POST", "/v1/apps/{app}/volumes/{volume}/snapshots", 200) == 1);
       });
     }},

    // §1.5 secrets
    {"GET /v1/apps/{app}/secrets — list_secrets without values", "list_secrets", [](world& w) { w.with_secrets(); },
     [](world& w) {
       return answer<std::vector<fly_secret>>([&](auto cb) { w.fly->list_secrets("web", false, cb); },
                                              [](world&, const std::vector<fly_secret>& s) {
                                                REQUIRE(s.size() == 2);
                                                CHECK(s[0].name == "API_KEY");
                                                CHECK_FALSE(s[0].digest.empty());
                                                CHECK_FALSE(s[0].created_at.empty());
                                                CHECK(s[0].value.reveal().empty());
                                              });
     }},
    {"GET /v1/apps/{app}/secrets?show_secrets=true — list_secrets with values", "list_secrets",
     [](world& w) { w.with_secrets(); },
     [](world& w) {
       return answer<std::vector<fly_secret>>([&](auto cb) { w.fly->list_secrets("web", true, cb); },
                                              [](world&, const std::vector<fly_secret>& s) {
                                                REQUIRE(s.size() == 2);
                                                CHECK(s[0].value.reveal() == "k-123");
                                              });
     }},
    {"POST /v1/apps/{app}/secrets — set_secrets sets and unsets, answers the version", "set_secrets",
     [](world& w) { w.with_secrets(); },
     [](world& w) {
       std::map<std::string, std::optional<secret>> values{{"API_KEY", std::nullopt}, {"SENTRY_DSN", secret{"x"}}};
       return answer<std::int64_t>([&](auto cb) { w.fly->set_secrets("web", values, cb); },
                                   [](world& w2, std::int64_t version) {
                                     CHECK(version == 2);
                                     auto s = sync<std::vector<fly_secret>>(
                                       [&](auto cb) { w2.fly->list_secrets("web", false, cb); });
                                     REQUIRE(s);
                                     REQUIRE(s->size() == 2);
                                     CHECK(s->at(0).name == "DATABASE_URL");
                                     CHECK(s->at(1).name == "SENTRY_DSN");
                                   });
     }},
    {"POST /v1/apps/{app}/secrets — set_secrets of a bad name 400", "set_secrets", [](world& w) { w.app(); },
     [](world& w) {
       std::map<std::string, std::optional<secret>> values{{"9LIVES", secret{"x"}}};
       return answer<std::int64_t>([&](auto cb) { w.fly->set_secrets("web", values, cb); }, [](world&, std::int64_t) {});
     },
     failure{errc::validation, 400, "not starting with a digit"}},
    {"GET /v1/apps/{app}/secrets/{name} — raw 200", "", [](world& w) { w.with_secrets(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/secrets/API_KEY"), [](world&, const http_response& r) {
         CHECK(r.status == 200);
         CHECK(body_of(r).at("name").as_string() == "API_KEY");
       });
     }},
    {"POST /v1/apps/{app}/secrets/{name} — raw 201 with the version", "", [](world& w) { w.with_secrets(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/secrets/SENTRY_DSN", R"({"value":"https://x@sentry"})"),
                         [](world&, const http_response& r) {
                           CHECK(r.status == 201);
                           CHECK(body_of(r).at("version").as_int64() == 2);
                         });
     }},
    {"DELETE /v1/apps/{app}/secrets/{name} — delete_secret answers the version", "delete_secret",
     [](world& w) { w.with_secrets(); },
     [](world& w) {
       return answer<std::int64_t>([&](auto cb) { w.fly->delete_secret("web", "API_KEY", cb); },
                                   [](world&, std::int64_t version) { CHECK(version == 2); });
     }},
    {"DELETE /v1/apps/{app}/secrets/{name} — delete_secret of an unknown secret 404", "delete_secret",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<std::int64_t>([&](auto cb) { w.fly->delete_secret("web", "NOPE", cb); }, [](world&, std::int64_t) {});
     },
     failure{errc::not_found, 404, "secret not found"}},

    // §1.6 certificates
    {"GET /v1/apps/{app}/certificates — list_certificates", "list_certificates",
     [](world& w) { w.with_certificate(); },
     [](world& w) {
       return answer<std::vector<fly_certificate>>([&](auto cb) { w.fly->list_certificates("web", cb); },
                                                   [](world&, const std::vector<fly_certificate>& cs) {
                                                     REQUIRE(cs.size() == 1);
                                                     CHECK(cs[0].hostname == "shop.example.com");
                                                     CHECK(cs[0].status == "pending_validation");
                                                   });
     }},
    {"POST /v1/apps/{app}/certificates/acme — request_certificate 201 pending", "request_certificate",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_certificate>([&](auto cb) { w.fly->request_certificate("web", "shop.example.com", cb); },
                                      [](world& w2, const fly_certificate& c) {
                                        CHECK(c.hostname == "shop.example.com");
                                        CHECK(c.status == "pending_validation");
                                        CHECK_FALSE(c.configured);
                                        CHECK(c.acme_requested);
                                        CHECK_FALSE(c.has_custom_certificate);
                                        CHECK(w2.sim->count("POST", "/v1/apps/{app}/certificates/acme", 201) == 1);
                                      });
     }},
    {"POST /v1/apps/{app}/certificates/acme — request_certificate of a taken hostname 422", "request_certificate",
     [](world& w) { w.with_certificate(); },
     [](world& w) {
       return answer<fly_certificate>([&](auto cb) { w.fly->request_certificate("web", "shop.example.com", cb); },
                                      [](world&, const fly_certificate&) {});
     },
     failure{errc::conflict, 422, "already has a certificate"}},
    {"POST /v1/apps/{app}/certificates/custom — upload_custom_certificate 201", "upload_custom_certificate",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_certificate>(
         [&](auto cb) {
           w.fly->upload_custom_certificate("web", "api.example.com",
                                            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                                            secret{"-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n"},
                                            cb);
         },
         [](world& w2, const fly_certificate& c) {
           CHECK(c.hostname == "api.example.com");
           CHECK(c.has_custom_certificate);
           CHECK_FALSE(c.acme_requested);
           CHECK(w2.sim->count("POST", "/v1/apps/{app}/certificates/custom", 201) == 1);
         });
     }},
    {"POST /v1/apps/{app}/certificates/custom — upload_custom_certificate without a chain 422",
     "upload_custom_certificate", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_certificate>(
         [&](auto cb) { w.fly->upload_custom_certificate("web", "api.example.com", "", secret{"MIIEkey"}, cb); },
         [](world&, const fly_certificate&) {});
     },
     failure{errc::conflict, 422, "needs \"fullchain\" and \"private_key\""}},
    {"GET /v1/apps/{app}/certificates/{hostname} — get_certificate", "get_certificate",
     [](world& w) { w.with_certificate(); },
     [](world& w) {
       return answer<fly_certificate>([&](auto cb) { w.fly->get_certificate("web", "shop.example.com", cb); },
                                      [](world&, const fly_certificate& c) {
                                        CHECK(c.hostname == "shop.example.com");
                                        CHECK(c.acme_requested);
                                      });
     }},
    {"GET /v1/apps/{app}/certificates/{hostname} — get_certificate of an unknown hostname 404", "get_certificate",
     [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_certificate>([&](auto cb) { w.fly->get_certificate("web", "nope.example.com", cb); },
                                      [](world&, const fly_certificate&) {});
     },
     failure{errc::not_found, 404, "certificate not found"}},
    {"POST /v1/apps/{app}/certificates/{hostname}/check — check_certificate", "check_certificate",
     [](world& w) { w.with_certificate(); },
     [](world& w) {
       return answer<fly_certificate>([&](auto cb) { w.fly->check_certificate("web", "shop.example.com", cb); },
                                      [](world&, const fly_certificate& c) {
                                        CHECK(c.configured);
                                        CHECK(c.status == "active");
                                      });
     }},
    {"DELETE /v1/apps/{app}/certificates/{hostname} — delete_certificate 204", "delete_certificate",
     [](world& w) { w.with_certificate(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->delete_certificate("web", "shop.example.com", cb); }, [](world& w2) {
         CHECK(w2.sim->count("DELETE", "/v1/apps/{app}/certificates/{hostname}", 204) == 1);
       });
     }},

    // §1.7 IP assignments
    {"GET /v1/apps/{app}/ip_assignments — list_ip_assignments", "list_ip_assignments", [](world& w) { w.with_ip(); },
     [](world& w) {
       return answer<std::vector<fly_ip_assignment>>([&](auto cb) { w.fly->list_ip_assignments("web", cb); },
                                                     [](world& w2, const std::vector<fly_ip_assignment>& ips) {
                                                       REQUIRE(ips.size() == 1);
                                                       CHECK(ips[0].ip == w2.ip);
                                                     });
     }},
    {"POST /v1/apps/{app}/ip_assignments — assign_ip v6", "assign_ip", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_ip_assignment>([&](auto cb) { w.fly->assign_ip("web", "v6", "", cb); },
                                        [](world&, const fly_ip_assignment& a) {
                                          CHECK(a.ip.find(':') != std::string::npos);
                                          CHECK(a.region == "global");
                                          CHECK_FALSE(a.shared);
                                          CHECK_FALSE(a.egress);
                                        });
     }},
    {"POST /v1/apps/{app}/ip_assignments — assign_ip shared_v4", "assign_ip", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_ip_assignment>([&](auto cb) { w.fly->assign_ip("web", "shared_v4", "", cb); },
                                        [](world&, const fly_ip_assignment& a) {
                                          CHECK(a.ip.find('.') != std::string::npos);
                                          CHECK(a.shared);
                                        });
     }},
    {"POST /v1/apps/{app}/ip_assignments — assign_ip private_v6", "assign_ip", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_ip_assignment>([&](auto cb) { w.fly->assign_ip("web", "private_v6", "", cb); },
                                        [](world&, const fly_ip_assignment& a) { CHECK(a.ip.starts_with("fdaa:")); });
     }},
    {"POST /v1/apps/{app}/ip_assignments — assign_ip of an unknown type 400", "assign_ip", [](world& w) { w.app(); },
     [](world& w) {
       return answer<fly_ip_assignment>([&](auto cb) { w.fly->assign_ip("web", "v5", "", cb); },
                                        [](world&, const fly_ip_assignment&) {});
     },
     failure{errc::validation, 400, "type \"v5\""}},
    {"DELETE /v1/apps/{app}/ip_assignments/{ip} — release_ip 204", "release_ip", [](world& w) { w.with_ip(); },
     [](world& w) {
       return answer<void>([&](auto cb) { w.fly->release_ip("web", w.ip, cb); }, [](world& w2) {
         CHECK(w2.sim->count("DELETE", "/v1/apps/{app}/ip_assignments/{ip}", 204) == 1);
       });
     }},
    {"DELETE /v1/apps/{app}/ip_assignments/{ip} — release_ip of an unassigned IP 404", "release_ip",
     [](world& w) { w.app(); },
     [](world& w) { return answer<void>([&](auto cb) { w.fly->release_ip("web", "2a09:8280:1::dead", cb); }, nothing); },
     failure{errc::not_found, 404, "IP assignment not found"}},

    // §2 logs, both forms
    {"GET /api/v1/apps/{app}/logs?next_token= — fetch JSON:API", "", [](world& w) { w.with_logs(); },
     [](world& w) {
       auto c = w.logs(fly_logs_form::jsonapi);
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"web", t0 + 5}, cb); },
                                    [](world& w2, const fly_logs_page& p) {
                                      REQUIRE(p.entries.size() == 5);
                                      CHECK(p.entries[0].message == "line 5");
                                      CHECK(p.entries[0].timestamp_ns == t0 + 5);
                                      CHECK(p.entries[0].instance == "0123456789abcd");
                                      CHECK_FALSE(p.entries[0].id.empty());
                                      CHECK(p.next_cursor_ns == t0 + 9);
                                      CHECK(w2.sim->count("GET", "/api/v1/apps/{app}/logs", 200) == 1);
                                    });
     }},
    {"GET /api/v1/apps/{app}/logs?region= — fetch JSON:API of one region", "", [](world& w) { w.with_logs(); },
     [](world& w) {
       auto c = w.logs(fly_logs_form::jsonapi);
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"web", t0, "syd"}, cb); },
                                    [](world&, const fly_logs_page& p) {
                                      REQUIRE(p.entries.size() == 5);
                                      for (auto& e : p.entries)
                                        CHECK(e.region == "syd");
                                    });
     }},
    {"GET /api/v1/apps/{app}/logs — fetch JSON:API of an unknown app 404", "", nothing,
     [](world& w) {
       auto c = w.logs(fly_logs_form::jsonapi);
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"nope", t0}, cb); }, [](world&, const fly_logs_page&) {});
     },
     failure{errc::not_found, 404, "app not found"}},
    {"GET /v1/apps/{app}/logs?start_time= — fetch NDJSON", "", [](world& w) { w.with_logs(); },
     [](world& w) {
       auto c = w.logs(fly_logs_form::ndjson);
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"web", t0 + 5}, cb); },
                                    [](world& w2, const fly_logs_page& p) {
                                      REQUIRE(p.entries.size() == 5);
                                      CHECK(p.entries[0].message == "line 5");
                                      CHECK(p.entries[0].app == "web");
                                      CHECK(p.next_cursor_ns == t0 + 9);
                                      CHECK(p.malformed == 0);
                                      CHECK(w2.sim->count("GET", "/v1/apps/{app}/logs", 200) == 1);
                                    });
     }},
    {"GET /v1/apps/{app}/logs — fetch NDJSON of an unknown app 404", "", nothing,
     [](world& w) {
       auto c = w.logs(fly_logs_form::ndjson);
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"nope", t0}, cb); }, [](world&, const fly_logs_page&) {});
     },
     failure{errc::not_found, 404, "app not found"}},
    {"GET /api/v1/apps/{app}/logs — fetch with a wrong token 401", "", [](world& w) { w.with_logs(); },
     [](world& w) {
       auto c = w.logs(fly_logs_form::jsonapi, "fo1_wrong");
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"web", t0}, cb); }, [](world&, const fly_logs_page&) {});
     },
     failure{errc::unauthorized, 401, "Authenticate: token validation error"}},
    {"GET /v1/apps/{app}/logs — fetch NDJSON with a wrong token 401", "", [](world& w) { w.with_logs(); },
     [](world& w) {
       auto c = w.logs(fly_logs_form::ndjson, "fo1_wrong");
       return answer<fly_logs_page>([&](auto cb) { c.fetch({"web", t0}, cb); }, [](world&, const fly_logs_page&) {});
     },
     failure{errc::unauthorized, 401, "Authenticate: token validation error"}},

    // §1.2–1.3 request and answer shapes only a raw request shows
    {"POST /v1/apps with DOCS' app_name field — raw 201", "", nothing,
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps", R"({"app_name":"web-2","org_slug":"personal"})"),
                         [](world&, const http_response& r) {
                           CHECK(r.status == 201);
                           CHECK(body_of(r).at("id").as_string().size() == 16);
                         });
     }},
    {"GET /v1/apps/{app}/machines?state=started — raw, the filter", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       fly_machine_request req;
       req.config = {{"image", image}};
       req.skip_launch = true;
       REQUIRE(sync<fly_machine>([&](auto cb) { w.fly->create_machine("web", req, cb); }));
       return raw_answer(w.raw("GET", "/v1/apps/web/machines?state=started"), [](world& w2, const http_response& r) {
         auto a = body_of(r).as_array();
         REQUIRE(a.size() == 1);
         CHECK(a[0].at("id").as_string() == w2.machine.id);
       });
     }},
    {"POST /v1/apps/{app}/machines/{id}/start — raw 200 with previous_state", "", [](world& w) { w.with_machine(true); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/machines/" + w.machine.id + "/start"),
                         [](world&, const http_response& r) {
                           CHECK(r.status == 200);
                           CHECK(body_of(r).at("previous_state").as_string() == "created");
                         });
     }},
    {"DELETE /v1/apps/{app}/machines/{id}?kill=true — raw 200 ok, flyctl's spelling of force", "",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("DELETE", "/v1/apps/web/machines/" + w.machine.id + "?kill=true"),
                         [](world&, const http_response& r) {
                           CHECK(r.status == 200);
                           CHECK(body_of(r).at("ok").as_bool());
                         });
     }},
    {"GET /v1/apps/{app}/machines/{id}/wait?state=settled — raw 200 on any settled state", "",
     [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/wait?state=settled&timeout=5"),
                         [](world&, const http_response& r) {
                           CHECK(r.status == 200);
                           CHECK(body_of(r).at("ok").as_bool());
                           CHECK(body_of(r).at("state").as_string() == "started");
                         });
     }},
    {"GET /v1/apps/{app}/machines/{id}/lease — raw, success envelope without the nonce", "",
     [](world& w) { w.with_lease(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/lease"),
                         [](world&, const http_response& r) {
                           auto b = body_of(r);
                           CHECK(b.at("status").as_string() == "success");
                           CHECK(b.at("data").as_object().contains("expires_at"));
                           CHECK_FALSE(b.at("data").as_object().contains("nonce"));
                         });
     }},

    // fly_api.md paths the simulator does not serve (and no client call
    // sends): rows of current behaviour, the router's 404 (405 where the path
    // serves another method), until they are
    // simulated — a row then fails and is turned into a success row.
    {"POST /v1/apps/{app}/deploy_token — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/deploy_token", R"({"expiry":"720h"})"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for POST"}},
    {"POST /v1/apps/{app}/machines/{id}/cordon — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/machines/" + w.machine.id + "/cordon"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for POST"}},
    {"POST /v1/apps/{app}/machines/{id}/uncordon — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/machines/" + w.machine.id + "/uncordon"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for POST"}},
    {"PUT /v1/apps/{app}/machines/{id}/metadata — not simulated, 405 as the path serves GET", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("PUT", "/v1/apps/web/machines/" + w.machine.id + "/metadata", R"({"metadata":{"role":"worker"}})"), [](world&, const http_response&) {});
     },
     failure{errc::validation, 405, "PUT is not allowed on"}},
    {"PATCH /v1/apps/{app}/machines/{id}/metadata — not simulated, 405 as the path serves GET", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("PATCH", "/v1/apps/web/machines/" + w.machine.id + "/metadata", R"({"metadata":{"role":"worker"}})"), [](world&, const http_response&) {});
     },
     failure{errc::validation, 405, "PATCH is not allowed on"}},
    {"GET /v1/apps/{app}/machines/{id}/events — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/events?limit=5"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for GET"}},
    {"GET /v1/apps/{app}/machines/{id}/versions — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/versions"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for GET"}},
    {"GET /v1/apps/{app}/machines/{id}/ps — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("GET", "/v1/apps/web/machines/" + w.machine.id + "/ps"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for GET"}},
    {"POST /v1/apps/{app}/machines/{id}/exec — not simulated, 404 no route", "", [](world& w) { w.with_machine(); },
     [](world& w) {
       return raw_answer(w.raw("POST", "/v1/apps/web/machines/" + w.machine.id + "/exec", R"({"command":["true"]})"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for POST"}},
    {"DELETE /v1/apps/{app}/certificates/{hostname}/acme — not simulated, 404 no route", "", [](world& w) { w.with_certificate(); },
     [](world& w) {
       return raw_answer(w.raw("DELETE", "/v1/apps/web/certificates/shop.example.com/acme"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for DELETE"}},
    {"DELETE /v1/apps/{app}/certificates/{hostname}/custom — not simulated, 404 no route", "", [](world& w) { w.with_certificate(); },
     [](world& w) {
       return raw_answer(w.raw("DELETE", "/v1/apps/web/certificates/shop.example.com/custom"), [](world&, const http_response&) {});
     },
     failure{errc::not_found, 404, "no route for DELETE"}},

    // §1.1 errors any path can give
    {"GET /v1/apps/{app} — get_app with a wrong token 401", "get_app",
     [](world& w) {
       w.app();
       auto o = w.client_options();
       o.retry.max_attempts = 1;
       w.other = std::make_unique<fly_machines_client>(*w.http, secret{"fo1_notthetoken"}, o);
     },
     [](world& w) { return answer<fly_app>([&](auto cb) { w.other->get_app("web", cb); }, [](world&, const fly_app&) {}); },
     failure{errc::unauthorized, 401, "Authenticate: token validation error"}},
    {"GET /v1/apps/{app} — get_app past the rate limit with pacing off 429", "get_app",
     [](world& w) {
       w.app();
       auto o = w.client_options();
       o.pace = false;
       o.retry.max_attempts = 1; // a 429 is retried otherwise
       w.other = std::make_unique<fly_machines_client>(*w.http, secret{w.sim->token()}, o);
       REQUIRE(sync<fly_app>([&](auto cb) { w.other->get_app("web", cb); })); // the burst of one
     },
     [](world& w) { return answer<fly_app>([&](auto cb) { w.other->get_app("web", cb); }, [](world&, const fly_app&) {}); },
     failure{errc::rate_limited, 429, "rate limit exceeded"},
     [](fly_simulator_options& o) {
       // a tight limit on this route only: one request, then one a minute
       o.rate_limits = {{"get_app", bucket_spec{1.0 / 60, 1}}};
     }},
  };
  return rows;
}

/// The public calls of fly_machines_client as its header declares them.
std::set<std::string> declared_calls() {
  std::ifstream in{ATLAS_MACHINES_CLIENT_HPP};
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  auto begin = text.find("class fly_machines_client {");
  REQUIRE(begin != std::string::npos);
  auto end = text.find("private:", begin);
  REQUIRE(end != std::string::npos);
  auto cls = text.substr(begin, end - begin);
  std::set<std::string> calls;
  static const std::regex decl{R"(\n\s+void ([a-z_]+)\()"};
  for (auto it = std::sregex_iterator(cls.begin(), cls.end(), decl); it != std::sregex_iterator(); ++it)
    calls.insert((*it)[1].str());
  return calls;
}

} // namespace

TEST_CASE("fly_api.md §1.2–1.7 and §2, row by row: each client call's status and shape, errors included") {
  for (const auto& r : table()) {
    SUBCASE(r.name.c_str()) {
      auto o = fast();
      if (r.sim_options)
        r.sim_options(o);
      world w{std::move(o)};
      r.setup(w);
      auto out = r.run(w);
      if (!r.fails) {
        if (out.err)
          FAIL_CHECK(to_string(*out.err));
        REQUIRE_FALSE(out.err);
        out.check(w);
      } else {
        REQUIRE(out.err);
        CAPTURE(to_string(*out.err));
        CHECK(out.err->code() == r.fails->code);
        CHECK(out.err->http_status() == r.fails->status);
        CHECK(out.err->message().find(r.fails->text) != std::string::npos);
      }
    }
  }
}

TEST_CASE("the table names every public call of fly_machines_client") {
  // kept by hand: a call added to the client and not here fails the count
  static const std::set<std::string> calls = {
    "create_app", "get_app", "list_apps", "delete_app", "list_machines", "create_machine", "get_machine",
    "update_machine", "start_machine", "stop_machine", "suspend_machine", "restart_machine", "signal_machine",
    "destroy_machine", "wait_machine", "acquire_lease", "refresh_lease", "get_lease", "release_lease",
    "get_metadata", "set_metadata", "delete_metadata", "list_volumes", "create_volume", "get_volume",
    "extend_volume", "delete_volume", "update_volume", "list_snapshots", "create_snapshot", "list_secrets",
    "set_secrets", "delete_secret", "list_certificates", "request_certificate", "upload_custom_certificate",
    "get_certificate", "check_certificate", "delete_certificate", "list_ip_assignments", "assign_ip", "release_ip",
  };
  CHECK(calls.size() == 42);
  CHECK(declared_calls() == calls); // the header declares no call this list lacks
  std::set<std::string> covered;
  std::set<std::string> names;
  for (const auto& r : table()) {
    CHECK_MESSAGE(names.insert(r.name).second, "two rows named " << r.name);
    CHECK_MESSAGE(r.name.find(';') == std::string::npos, r.name);
    if (!r.call.empty()) {
      CHECK_MESSAGE(calls.contains(r.call), "a row names no client call: " << r.call);
      covered.insert(r.call);
    }
  }
  for (const auto& c : calls)
    CHECK_MESSAGE(covered.contains(c), "no row calls " << c);
  CHECK(covered.size() == calls.size());
}
