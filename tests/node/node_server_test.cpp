// The node's HTTP API against a node on 127.0.0.1 with the simulator
// (docs/node.md): every route's success and error shapes, authentication,
// SSE resume without loss or duplicates, slow clients, graceful shutdown.

#include "node_fixture.hpp"

#include <atlas/node/signed_url.hpp>

#include <set>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Appends warm-up lines until the client has received one: from then on the
// app's streamer is polling for this client, and every later line reaches it.
void warm_up(node_fixture& f, const sse_client& c, const std::string& app = "app-a") {
  int n = 0;
  REQUIRE(c.wait_for([&](const sse_client& cl) {
    if (!messages_of(cl.events()).empty())
      return true;
    f.log(app, "warm-up-" + std::to_string(n++));
    return false;
  }));
}

std::vector<std::string> after_warm_up(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  for (auto& m : messages)
    if (!m.starts_with("warm-up-"))
      out.push_back(m);
  return out;
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

std::string sse_path(const std::string& app = "app-a") {
  return "/v1/apps/" + app + "/logs/sse";
}

} // namespace

TEST_CASE("GET /healthz answers 200 without a token") {
  node_fixture f;
  auto r = f.call("GET", "/healthz", {}, "");
  CHECK(r.status == 200);
  CHECK(node_fixture::json_of(r).at("status") == "ok");
}

TEST_CASE("every route but /healthz without a token is 401 unauthorized in the error shape") {
  node_fixture f;
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/v1/apps"}, {"GET", "/v1/apps/app-a/token"},
         {"POST", "/v1/apps/app-a/token/refresh"}, {"GET", "/v1/deploys"}, {"POST", "/v1/deploys"},
         {"GET", "/v1/deploys/deploy-1-1"}, {"POST", "/v1/deploys/deploy-1-1/cancel"},
         {"GET", "/v1/tree"}, {"POST", "/v1/signed-urls"}, {"GET", "/v1/apps/app-a/logs/sse"},
         {"GET", "/v1/apps/app-a/logs/ws"}, {"GET", "/v1/deploys/deploy-1-1/sse"}, {"GET", "/ui/login"}}) {
    CAPTURE(method);
    CAPTURE(target);
    auto r = f.call(method, target, {}, "");
    CHECK(r.status == 401);
    CHECK(node_fixture::kind_of(r) == "unauthorized");
  }
}

TEST_CASE("a wrong token and a revoked token are 401, a valid one is let in") {
  node_fixture f;
  CHECK(f.call("GET", "/v1/apps", {}, "Bearer not-a-token").status == 401);
  token_store store{f.cfg.auth_file};
  auto t = store.create("to revoke");
  REQUIRE(t);
  CHECK(f.call("GET", "/v1/apps", {}, "Bearer " + t->token.reveal()).status == 200);
  REQUIRE(store.revoke(t->info.id));
  auto r = f.call("GET", "/v1/apps", {}, "Bearer " + t->token.reveal());
  CHECK(r.status == 401);
  CHECK(node_fixture::kind_of(r) == "unauthorized");
  CHECK(f.call("GET", "/v1/apps").status == 200); // the other token still works
}

TEST_CASE("GET /readyz is 200 ready once the tree is up") {
  node_fixture f;
  auto r = f.call("GET", "/readyz");
  CHECK(r.status == 200);
  CHECK(node_fixture::json_of(r).at("status") == "ready");
}

TEST_CASE("GET /metrics is Prometheus text: requests by route and status, token acquisitions, RSS, restarts") {
  node_fixture f;
  REQUIRE(f.call("GET", "/v1/apps/app-a/token").status == 200);
  (void) f.call("GET", "/v1/apps", {}, "");
  auto r = f.call("GET", "/metrics");
  CHECK(r.status == 200);
  REQUIRE(r.header("Content-Type") != nullptr);
  CHECK(r.header("Content-Type")->starts_with("text/plain; version=0.0.4"));
  CHECK(r.body.find(R"(atlas_http_requests_total{route="/v1/apps/{app}/token",method="GET",status="200"} 1)")
        != std::string::npos);
  CHECK(r.body.find(R"(atlas_http_requests_total{route="/v1/apps",method="GET",status="401"} 1)")
        != std::string::npos);
  CHECK(r.body.find("atlas_token_acquisitions_total{source=\"cli\"") != std::string::npos);
  CHECK(r.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(r.body.find(R"(atlas_supervisor_restarts{child="atlas_sup/fly_sup/tokens_sup"} 0)") != std::string::npos);
  CHECK(r.body.find(f.sim->token()) == std::string::npos);
}

TEST_CASE("GET /v1/apps lists the discovered apps with their token status and never a token") {
  node_fixture f;
  auto first = node_fixture::json_of(f.call("GET", "/v1/apps"));
  auto& apps = first.at("apps").as_array();
  REQUIRE(apps.size() == 2);
  CHECK(apps[0].at("name") == "app-a");
  CHECK(apps[0].at("dir").as_string().ends_with("app-a"));
  CHECK(apps[0].at("token").at("source") == "none"); // not acquired yet
  CHECK(apps[0].at("token").at("expires_at").is_null());
  REQUIRE(f.call("GET", "/v1/apps/app-a/token").status == 200);
  auto r = f.call("GET", "/v1/apps");
  CHECK(r.body.find(f.sim->token()) == std::string::npos);
  auto after = node_fixture::json_of(r);
  CHECK(after.at("apps").as_array()[0].at("token").at("source") == "cli");
  CHECK(after.at("apps").as_array()[0].at("token").at("expires_at").is_string());
}

TEST_CASE("GET /v1/apps/{app}/token acquires through the chain and shows source and expiry, never the value") {
  node_fixture f;
  auto r = f.call("GET", "/v1/apps/app-a/token");
  REQUIRE(r.status == 200);
  CHECK(r.body.find(f.sim->token()) == std::string::npos);
  auto o = node_fixture::json_of(r);
  CHECK(o.at("app") == "app-a");
  CHECK(o.at("source") == "cli");
  CHECK(o.at("acquirer") == "app_server");
  CHECK(o.at("expires_at").is_string());
  auto again = node_fixture::json_of(f.call("GET", "/v1/apps/app-a/token"));
  CHECK(again.at("acquirer") == "facade"); // a cache hit
  auto refreshed = f.call("POST", "/v1/apps/app-a/token/refresh");
  CHECK(refreshed.status == 200);
  CHECK(node_fixture::json_of(refreshed).at("source") == "cli");
}

TEST_CASE("a bad app name is 400 validation on every app route") {
  node_fixture f;
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/apps/Bad_App/token"}, {"POST", "/v1/apps/Bad_App/token/refresh"},
         {"GET", "/v1/apps/Bad_App/logs/sse"}, {"GET", "/v1/apps/Bad_App/logs/ws"}}) {
    CAPTURE(target);
    auto r = f.call(method, target);
    CHECK(r.status == 400);
    CHECK(node_fixture::kind_of(r) == "validation");
  }
}

TEST_CASE("an unknown route is 404 and a wrong method 405, in the node's error shape") {
  node_fixture f;
  auto r = f.call("GET", "/v1/nothing");
  CHECK(r.status == 404);
  CHECK(node_fixture::kind_of(r) == "not_found");
  auto m = f.call("DELETE", "/v1/apps");
  CHECK(m.status == 405);
  CHECK(node_fixture::kind_of(m) == "validation");
  REQUIRE(m.header("Allow") != nullptr);
}

TEST_CASE("GET /v1/tree is the supervision tree with states and restart counts") {
  node_fixture f;
  auto o = node_fixture::json_of(f.call("GET", "/v1/tree"));
  CHECK(o.at("id") == "atlas_sup");
  CHECK(o.at("type") == "supervisor");
  CHECK(o.at("state") == "running");
  CHECK(o.at("restarts").is_number());
  std::set<std::string> ids;
  std::function<void(const json::value&)> walk = [&](const json::value& n) {
    ids.insert(std::string{n.at("id").as_string()});
    for (auto& c : n.at("children").as_array())
      walk(c);
  };
  walk(o);
  CHECK(ids.contains("fly_sup"));
  CHECK(ids.contains("tokens_sup"));
  CHECK(ids.contains("logs_sup"));
}

TEST_CASE("the SSE log stream sends one numbered logs event per batch, with the entries") {
  node_fixture f;
  sse_client c{f.port(), sse_path(), f.bearer()};
  warm_up(f, c);
  CHECK(c.status() == 200);
  CHECK(c.raw().find("Content-Type: text/event-stream") != std::string::npos);
  for (auto& m : numbered("line-", 1, 5))
    f.log("app-a", m);
  REQUIRE(c.wait_for([](const sse_client& cl) { return after_warm_up(messages_of(cl.events())).size() == 5; }));
  CHECK(after_warm_up(messages_of(c.events())) == numbered("line-", 1, 5));
  auto events = c.events("logs");
  std::uint64_t last = 0;
  for (auto& e : events) {
    auto dash = e.id.find('-');
    REQUIRE(dash != std::string::npos);
    auto n = std::stoull(e.id.substr(dash + 1));
    CHECK(n == last + 1); // one more per event
    last = n;
    auto data = json::parse(e.data);
    CHECK(data.at("app") == "app-a");
    auto& entry = data.at("entries").as_array().at(0);
    CHECK(entry.at("region") == "ams");
    CHECK(entry.at("instance") == "m1");
    CHECK(entry.at("timestamp").is_string());
  }
  auto text = f.metrics.render();
  CHECK(text.find(R"(atlas_log_lag_seconds_count{app="app-a"})") != std::string::npos);
  CHECK(text.find(R"(atlas_log_stream_clients{transport="sse"} 1)") != std::string::npos);
}

TEST_CASE("SSE resume with Last-Event-ID replays what was missed: no loss, no duplicates") {
  node_fixture f;
  std::vector<std::string> first_seen;
  std::string last_id;
  {
    sse_client c{f.port(), sse_path(), f.bearer()};
    warm_up(f, c);
    for (auto& m : numbered("a-", 1, 20))
      f.log("app-a", m);
    REQUIRE(c.wait_for([](const sse_client& cl) {
      auto m = after_warm_up(messages_of(cl.events()));
      return !m.empty() && m.back() == "a-20";
    }));
    first_seen = after_warm_up(messages_of(c.events()));
    last_id = c.events("logs").back().id;
    c.leave();
  }
  // Lines while nobody watches: the topic lingers and keeps them.
  for (auto& m : numbered("b-", 1, 20))
    f.log("app-a", m);
  // A marker the second client can wait for, appended once it is attached.
  sse_client again{f.port(), sse_path(), {{"Authorization", "Bearer " + f.token}, {"Last-Event-ID", last_id}}};
  REQUIRE(again.wait_for([](const sse_client& cl) { return cl.status() == 200; }));
  f.log("app-a", "c-1");
  REQUIRE(again.wait_for([](const sse_client& cl) {
    auto m = messages_of(cl.events());
    return !m.empty() && m.back() == "c-1";
  }));
  CHECK(again.events("gap").empty());
  auto all = first_seen;
  for (auto& m : messages_of(again.events()))
    all.push_back(m);
  auto want = numbered("a-", 1, 20);
  for (auto& m : numbered("b-", 1, 20))
    want.push_back(m);
  want.push_back("c-1");
  CHECK(all == want);
}

TEST_CASE("a Last-Event-ID no longer buffered, or from another subscription, gets event: gap first") {
  node_fixture f{{.sse_buffer = 2}};
  sse_client watcher{f.port(), sse_path(), f.bearer()}; // keeps the topic and sees each event
  warm_up(f, watcher);
  auto old_id = watcher.events("logs").back().id;
  // More events than the buffer keeps, one poll each.
  for (int i = 1; i <= 4; ++i) {
    f.log("app-a", "x-" + std::to_string(i));
    REQUIRE(watcher.wait_for([&](const sse_client& cl) {
      auto m = messages_of(cl.events());
      return !m.empty() && m.back() == "x-" + std::to_string(i);
    }));
  }
  sse_client late{f.port(), sse_path(), {{"Authorization", "Bearer " + f.token}, {"Last-Event-ID", old_id}}};
  REQUIRE(late.wait_for([](const sse_client& cl) { return cl.events().size() >= 3; }));
  CHECK(late.events().front().event == "gap");
  CHECK(messages_of(late.events()) == std::vector<std::string>{"x-3", "x-4"}); // what the buffer kept
  sse_client foreign{f.port(), sse_path(), {{"Authorization", "Bearer " + f.token}, {"Last-Event-ID", "1-1"}}};
  REQUIRE(foreign.wait_event("gap"));
  CHECK(json::parse(foreign.events("gap").front().data).at("reason").as_string().find("earlier subscription")
        != std::string::npos);
}

TEST_CASE("a signed URL opens the SSE stream, an expired or tampered one is 403") {
  node_fixture f;
  auto r = f.call("POST", "/v1/signed-urls", R"({"path": "/v1/apps/app-a/logs/sse", "ttl": "5m"})");
  REQUIRE(r.status == 200);
  auto url = std::string{node_fixture::json_of(r).at("url").as_string()};
  CHECK(url.starts_with("/v1/apps/app-a/logs/sse?exp="));
  sse_client ok{f.port(), url};
  warm_up(f, ok);
  CHECK(ok.status() == 200);

  auto tampered = url;
  tampered.replace(tampered.find("app-a"), 5, "app-b");
  auto t = f.call("GET", tampered, {}, "");
  CHECK(t.status == 403);
  CHECK(node_fixture::kind_of(t) == "forbidden");

  auto key = load_or_create_node_secret(f.cfg.secret_file);
  REQUIRE(key);
  auto expired = sign_url("/v1/apps/app-a/logs/sse", key->reveal(), 10, unix_now() - 100);
  auto e = f.call("GET", expired, {}, "");
  CHECK(e.status == 403);
  CHECK(node_fixture::kind_of(e) == "forbidden");
  // A signed URL is no key to the JSON routes.
  auto other = f.call("GET", "/v1/apps?" + url.substr(url.find('?') + 1), {}, "");
  CHECK(other.status == 401);
}

TEST_CASE("POST /v1/signed-urls refuses a route it cannot open and a bad ttl with 400") {
  node_fixture f;
  auto r = f.call("POST", "/v1/signed-urls", R"({"path": "/v1/apps"})");
  CHECK(r.status == 400);
  CHECK(node_fixture::kind_of(r) == "validation");
  CHECK(f.call("POST", "/v1/signed-urls", R"({"path": "/v1/apps/a/logs/sse", "ttl": "2d"})").status == 400);
  CHECK(f.call("POST", "/v1/signed-urls", "not json").status == 400);
}

TEST_CASE("the dashboard login sets a session cookie that the API accepts") {
  node_fixture f;
  auto login = f.node->dashboard_url().substr(f.node->base_url().size());
  auto r = f.call("GET", login, {}, "");
  CHECK(r.status == 303);
  REQUIRE(r.header("Set-Cookie") != nullptr);
  auto cookie = r.header("Set-Cookie")->substr(0, r.header("Set-Cookie")->find(';'));
  CHECK(r.header("Set-Cookie")->find("HttpOnly") != std::string::npos);
  CHECK(f.call("GET", "/v1/apps", {}, "", {{"Cookie", cookie}}).status == 200);
  auto forged = cookie;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK(f.call("GET", "/v1/apps", {}, "", {{"Cookie", forged}}).status == 403);
  auto tampered = login;
  tampered[tampered.size() - 1] = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(f.call("GET", tampered, {}, "").status == 403);
}

TEST_CASE("the WebSocket log stream sends logs frames with ids, and a signed URL opens it") {
  node_fixture f;
  ws_client ws{f.port(), "/v1/apps/app-a/logs/ws", f.bearer()};
  REQUIRE(ws.open());
  int n = 0;
  REQUIRE(wait_until([&] {
    if (!ws.frames().empty())
      return true;
    f.log("app-a", "ws-" + std::to_string(n++));
    return false;
  }));
  auto frame = ws.frames().front();
  CHECK(frame.at("type") == "logs");
  CHECK(frame.at("id").is_string());
  CHECK(frame.at("entries").as_array().size() >= 1);
  auto url = node_fixture::json_of(f.call("POST", "/v1/signed-urls", R"({"path": "/v1/apps/app-a/logs/ws"})"))
               .at("url")
               .as_string();
  ws_client signed_ws{f.port(), std::string{url}};
  CHECK(signed_ws.open());
  ws_client anonymous{f.port(), "/v1/apps/app-a/logs/ws"};
  CHECK_FALSE(anonymous.open());
}

TEST_CASE("a slow SSE client is closed while the others get every line") {
  node_fixture f{{.sse_queue_limit = 4, .write_timeout = 300ms}};
  sse_client fast{f.port(), sse_path(), f.bearer()};
  sse_client slow{f.port(), sse_path(), f.bearer(), false}; // never reads
  warm_up(f, fast);
  // Several MiB of lines: far more than the slow client's socket holds.
  for (auto& m : numbered("big-", 1, 600))
    f.log("app-a", m, 16 * 1024);
  f.log("app-a", "last");
  REQUIRE(fast.wait_for([](const sse_client& c) {
    auto m = messages_of(c.events());
    return !m.empty() && m.back() == "last";
  }, 30s));
  auto got = after_warm_up(messages_of(fast.events()));
  auto want = numbered("big-", 1, 600);
  want.push_back("last");
  std::vector<std::string> stripped;
  for (auto& m : got)
    stripped.push_back(m.substr(0, m.find('.')));
  CHECK(stripped == want);
  CHECK_FALSE(fast.ended());
  // The slow one was closed by the server: what it still had, then the end.
  CHECK(slow.drain_until_closed());
  auto slow_got = messages_of(slow.events());
  CHECK((slow_got.empty() || slow_got.back().substr(0, 4) != "last"));
}

TEST_CASE("POST /v1/deploys streams flyctl's lines as SSE, then the exit; status and list follow") {
  node_fixture f;
  auto start = f.call("POST", "/v1/deploys", R"({"app": "app-a"})");
  REQUIRE(start.status == 202);
  auto ticket = std::string{node_fixture::json_of(start).at("ticket").as_string()};
  sse_client c{f.port(), "/v1/deploys/" + ticket + "/sse", f.bearer()};
  REQUIRE(c.wait_event("exit"));
  REQUIRE(c.wait_ended());
  auto lines = c.events("line");
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.front().id == "1"); // a late joiner gets every line from the first
  CHECK(json::parse(c.events("exit").front().data).at("status") == "ok");
  auto one = node_fixture::json_of(f.call("GET", "/v1/deploys/" + ticket));
  CHECK(one.at("ticket").as_string() == ticket);
  CHECK(one.at("app") == "app-a");
  CHECK(one.at("state") == "ok");
  CHECK(one.at("result").at("exit_code") == 0);
  auto list = node_fixture::json_of(f.call("GET", "/v1/deploys"));
  CHECK(list.at("deploys").as_array().at(0).at("ticket").as_string() == ticket);
  // Resuming after line 2 replays from line 3.
  sse_client resumed{f.port(), "/v1/deploys/" + ticket + "/sse",
                     {{"Authorization", "Bearer " + f.token}, {"Last-Event-ID", "2"}}};
  REQUIRE(resumed.wait_event("exit"));
  CHECK(resumed.events("line").front().id == "3");
  auto cancel = f.call("POST", "/v1/deploys/" + ticket + "/cancel");
  CHECK(cancel.status == 409);
  CHECK(node_fixture::kind_of(cancel) == "conflict");
}

TEST_CASE("a running deploy can be cancelled, its stream ends with exit status cancelled") {
  node_fixture f{{.deploy_step_ms = 2000}};
  auto start = f.call("POST", "/v1/deploys", R"({"dir": "app-a"})");
  REQUIRE(start.status == 202);
  auto ticket = std::string{node_fixture::json_of(start).at("ticket").as_string()};
  sse_client c{f.port(), "/v1/deploys/" + ticket + "/sse", f.bearer()};
  auto cancel = f.call("POST", "/v1/deploys/" + ticket + "/cancel");
  CHECK(cancel.status == 202);
  CHECK(node_fixture::json_of(cancel).at("ticket").as_string() == ticket);
  REQUIRE(c.wait_event("exit"));
  CHECK(json::parse(c.events("exit").front().data).at("status") == "cancelled");
}

TEST_CASE("deploy errors: unknown ticket 404, dir outside the project root 400, no dir or app 400") {
  node_fixture f;
  auto unknown = f.call("GET", "/v1/deploys/deploy-1-1");
  CHECK(unknown.status == 404);
  CHECK(node_fixture::kind_of(unknown) == "not_found");
  CHECK(f.call("POST", "/v1/deploys/deploy-1-1/cancel").status == 404);
  CHECK(f.call("GET", "/v1/deploys/deploy-1-1/sse").status == 404);
  auto outside = f.call("POST", "/v1/deploys", R"({"dir": "/etc"})");
  CHECK(outside.status == 400);
  CHECK(node_fixture::kind_of(outside) == "validation");
  CHECK(f.call("POST", "/v1/deploys", R"({"dir": "../.."})").status == 400);
  CHECK(f.call("POST", "/v1/deploys", "{}").status == 400);
  CHECK(f.call("POST", "/v1/deploys", R"({"app": "no-such-app"})").status == 404);
}

TEST_CASE("graceful stop: every stream gets its final event and ends, within the deadline") {
  node_fixture f;
  sse_client logs{f.port(), sse_path(), f.bearer()};
  warm_up(f, logs);
  ws_client ws{f.port(), "/v1/apps/app-b/logs/ws", f.bearer()};
  REQUIRE(ws.open());
  auto t0 = std::chrono::steady_clock::now();
  auto stopped = f.node->stop(3s);
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(stopped);
  CHECK(took < 3s);
  REQUIRE(logs.wait_ended());
  REQUIRE_FALSE(logs.events().empty());
  CHECK(logs.events().back().event == "stopped");
  REQUIRE(wait_until([&] { return ws.ended(); }));
  CHECK(ws.closed_normally());
  REQUIRE_FALSE(ws.frames().empty());
  CHECK(ws.frames().back().at("type") == "stopped");
  f.node.reset();
}

TEST_CASE("GET / is the dashboard page for a session, a sign-in page without one; assets need none") {
  node_fixture f;
  auto anonymous = f.call("GET", "/", {}, "");
  CHECK(anonymous.status == 401);
  REQUIRE(anonymous.header("Content-Type") != nullptr);
  CHECK(anonymous.header("Content-Type")->starts_with("text/html"));
  CHECK(anonymous.body.find("atlas node dashboard-url") != std::string::npos);
  auto login = f.call("GET", f.node->dashboard_url().substr(f.node->base_url().size()), {}, "");
  auto cookie = login.header("Set-Cookie")->substr(0, login.header("Set-Cookie")->find(';'));
  auto page = f.call("GET", "/", {}, "", {{"Cookie", cookie}});
  CHECK(page.status == 200);
  CHECK(page.header("Content-Type")->starts_with("text/html"));
  CHECK(page.body.find("app-a") != std::string::npos);    // the apps table
  CHECK(page.body.find("atlas_sup") != std::string::npos); // the tree
  CHECK(page.body.find("/assets/app.js") != std::string::npos);
  auto js = f.call("GET", "/assets/app.js", {}, "");
  CHECK(js.status == 200);
  CHECK(js.header("Content-Type")->find("javascript") != std::string::npos);
  auto missing = f.call("GET", "/assets/nothing.js", {}, "");
  CHECK(missing.status == 404);
  CHECK(node_fixture::kind_of(missing) == "not_found");
}
