#include <atlas/node/node_server.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/core/redact.hpp>
#include <atlas/fly/app_discovery.hpp>
#include <atlas/net/http_server.hpp>
#include <atlas/net/tls_context.hpp>
#include <atlas/node/api_error.hpp>
#include <atlas/node/auth.hpp>
#include <atlas/node/compute_routes.hpp>
#include <atlas/node/deploy_board.hpp>
#include <atlas/node/log_hub.hpp>
#include <atlas/core/version.hpp>
#include <atlas/node/dashboard_assets.hpp>
#include <atlas/node/dashboard_page.hpp>
#include <atlas/node/metrics_registry.hpp>
#include <atlas/node/signed_url.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace atlas {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using done_atom = caf::atom_constant<caf::atom("ndone")>;

using steady = std::chrono::steady_clock;

// Runs `f(self, finish)` in a short-lived actor, for the facades'
// asynchronous calls: `finish()` ends it once the answer is sent.
template <class F>
void in_actor(caf::actor_system& sys, F f) {
  sys.spawn([f = std::move(f)](caf::event_based_actor* self) -> caf::behavior {
    auto handle = caf::actor_cast<caf::actor>(self);
    f(self, [handle] { caf::anon_send(handle, done_atom::value); });
    return {[self](done_atom) { self->quit(); }};
  });
}

// Runs `f()` on a thread that may block (a detached CAF actor): disk scans.
template <class F>
void blocking(caf::actor_system& sys, F f) {
  sys.spawn([f = std::move(f)](caf::blocking_actor*) mutable { f(); });
}

std::string rfc3339(token_record::clock::time_point t) {
  return format_timestamp(
    std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

json::value expiry(token_record::clock::time_point t) {
  if (t == token_record::never)
    return nullptr;
  return json::value(rfc3339(t));
}

json::object tree_json(const tree_node& n) {
  json::array children;
  for (auto& c : n.children)
    children.push_back(tree_json(c));
  return {{"id", n.id},
          {"type", std::string{to_string(n.type)}},
          {"state", std::string{to_string(n.state)}},
          {"restarts", n.restarts},
          {"children", std::move(children)}};
}

expected<json::object> json_body(const http_server_request& req) {
  if (req.body.empty())
    return json::object{};
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec)
    return error{errc::validation, "the request body is not JSON: " + ec.message()};
  if (!v.is_object())
    return error{errc::validation, "the request body must be a JSON object"};
  return std::move(v.as_object());
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string())
    return std::string{v->as_string()};
  return std::nullopt;
}

struct listen_address {
  std::string host;
  std::uint16_t port = 0;
};

expected<listen_address> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  auto bad = error{errc::validation, "node.listen = \"" + text
                                       + "\": expected HOST:PORT with an IP address, e.g. "
                                         "127.0.0.1:4600 or [::1]:4600"};
  if (colon == std::string::npos || colon == 0)
    return bad;
  listen_address a;
  a.host = text.substr(0, colon);
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  unsigned port = 0;
  auto p = text.data() + colon + 1;
  auto [end, ec] = std::from_chars(p, text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port > 65535)
    return bad;
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

expected<std::string> read_text(const std::string& path, const char* key) {
  std::ifstream in{path};
  if (!in)
    return error{errc::validation, std::string{key} + " = \"" + path + "\": cannot be read"};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Signed URLs are for the routes a browser opens without headers.
bool signable(std::string_view path) {
  std::vector<std::string_view> segs;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    auto seg = path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (!seg.empty())
      segs.push_back(seg);
    if (j == std::string_view::npos)
      break;
    i = j + 1;
  }
  if (segs.size() == 5 && segs[0] == "v1" && segs[1] == "apps" && segs[3] == "logs")
    return segs[4] == "sse" || segs[4] == "ws";
  if (segs.size() == 4 && segs[0] == "v1" && segs[1] == "deploys")
    return segs[3] == "sse";
  return segs.size() == 2 && segs[0] == "ui" && segs[1] == "login";
}

} // namespace

node_config node_config_from(const options& o) {
  node_config c;
  c.node = o.node;
  c.auth_file = node_auth_file(o);
  c.secret_file = node_secret_file(o);
  return c;
}

struct node_server::impl {
  caf::actor_system& sys;
  runtime rt;
  node_config cfg;
  std::shared_ptr<node_auth> auth;
  std::unique_ptr<log_hub> hub;
  std::unique_ptr<deploy_board> board;
  std::unique_ptr<http_server> server;
  std::atomic<bool> stopping{false};
  bool tls = false;

  impl(caf::actor_system& s, runtime r, node_config c) : sys(s), rt(std::move(r)), cfg(std::move(c)) {}

  void observe(std::string_view method, std::string_view route, int status, steady::time_point t0) {
    if (cfg.metrics != nullptr)
      cfg.metrics->observe_http(route, method, status, steady::now() - t0); // sub-ms kept
  }

  // A JSON route: authenticated unless `open`, observed in the metrics by
  // its pattern, never by its raw path.
  template <class Handler>
  void route(http_router& r, const std::string& method, const std::string& pattern, bool open,
             Handler h) {
    r.add(method, pattern, [this, method, pattern, open, h](const http_server_request& req,
                                                            http_responder reply) {
      auto t0 = steady::now();
      auto observed = [this, method, pattern, t0, reply](http_server_response res) {
        observe(method, pattern, res.status, t0);
        reply(std::move(res));
      };
      if (!open)
        if (auto ok = auth->check(req, false); !ok)
          return observed(error_response(ok.error()));
      h(req, observed);
    });
  }

  // The guard of a stream route: credentials (a signed URL will do), then
  // `check` (the app name, the ticket); refusals are observed here, an
  // accepted stream as 200.
  template <class Check>
  http_router::stream_guard guard(std::string pattern, Check check) {
    return [this, pattern, check](const http_server_request& req) -> std::optional<http_server_response> {
      auto t0 = steady::now();
      if (stopping)
        return refuse(pattern, t0, error{errc::shutdown, "the node is stopping"});
      if (auto ok = auth->check(req, true); !ok)
        return refuse(pattern, t0, ok.error());
      if (auto ok = check(req); !ok)
        return refuse(pattern, t0, ok.error());
      observe("GET", pattern, 200, t0);
      return std::nullopt;
    };
  }

  http_server_response refuse(const std::string& pattern, steady::time_point t0, const error& e) {
    auto res = error_response(e);
    observe("GET", pattern, res.status, t0);
    return res;
  }

  static log_stream_filter filter_of(const http_server_request& req) {
    return {req.query_param("region").value_or(""), req.query_param("instance").value_or("")};
  }

  static std::string last_event_id_of(const http_server_request& req) {
    if (const auto* h = req.header("Last-Event-ID"))
      return *h;
    return req.query_param(node_auth::resume_param).value_or("");
  }

  http_router routes();
  void apps(const http_server_request&, http_responder reply);
  void token(const http_server_request& req, http_responder reply, bool refresh);
  void start_deploy(const http_server_request& req, http_responder reply);
  void signed_url(const http_server_request& req, http_responder reply);
  void login(const http_server_request& req, http_responder reply);
  void dashboard(http_responder reply);
  static http_server_response signed_out_page(const error& e);
};

http_router node_server::impl::routes() {
  http_router r;
  route(r, "GET", "/healthz", true, [](const http_server_request&, http_responder reply) {
    reply(http_server_response::json(200, json::object{{"status", "ok"}}));
  });
  route(r, "GET", "/readyz", false, [this](const http_server_request&, http_responder reply) {
    if (stopping)
      return reply(http_server_response::json(503, json::object{{"status", "stopping"}}));
    rt.tree([reply](expected<tree_node> t) {
      if (t && t->state == child_state::running)
        return reply(http_server_response::json(200, json::object{{"status", "ready"}}));
      reply(http_server_response::json(
        503, json::object{{"status", "starting"},
                          {"detail", t ? std::string{to_string(t->state)} : redact(t.error().message())}}));
    });
  });
  route(r, "GET", "/metrics", false, [this](const http_server_request&, http_responder reply) {
    if (cfg.metrics == nullptr)
      return reply(error_response(503, errc::unsupported, "this node was started without metrics"));
    // The tree's restart counts as of this scrape, then the text.
    rt.tree([m = cfg.metrics, reply](expected<tree_node> t) {
      if (t) {
        std::function<void(const tree_node&, const std::string&)> walk = [&](const tree_node& n,
                                                                             const std::string& parent) {
          auto path = parent.empty() ? n.id : parent + "/" + n.id;
          m->set_supervisor_restarts(path, n.restarts);
          for (auto& c : n.children)
            walk(c, path);
        };
        walk(*t, "");
      }
      http_server_response res;
      res.status = 200;
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      res.body = m->render();
      reply(std::move(res));
    });
  });
  route(r, "GET", "/v1/apps", false,
        [this](const http_server_request& req, http_responder reply) { apps(req, std::move(reply)); });
  route(r, "GET", "/v1/apps/{app}/token", false,
        [this](const http_server_request& req, http_responder reply) { token(req, std::move(reply), false); });
  route(r, "POST", "/v1/apps/{app}/token/refresh", false,
        [this](const http_server_request& req, http_responder reply) { token(req, std::move(reply), true); });

  auto app_check = [](const http_server_request& req) { return validate_app_name(req.params.at("app")); };
  r.add_sse(
    "/v1/apps/{app}/logs/sse",
    [this](const http_server_request& req, sse_stream s) {
      hub->attach(req.params.at("app"), filter_of(req), std::move(s), last_event_id_of(req));
    },
    guard("/v1/apps/{app}/logs/sse", app_check));
  r.add_websocket(
    "/v1/apps/{app}/logs/ws",
    [this](const http_server_request& req, websocket_stream ws) {
      hub->attach(req.params.at("app"), filter_of(req), std::move(ws), last_event_id_of(req));
    },
    guard("/v1/apps/{app}/logs/ws", app_check));

  route(r, "POST", "/v1/deploys", false,
        [this](const http_server_request& req, http_responder reply) { start_deploy(req, std::move(reply)); });
  route(r, "GET", "/v1/deploys", false, [this](const http_server_request&, http_responder reply) {
    reply(http_server_response::json(200, json::object{{"deploys", board->list()}}));
  });
  route(r, "GET", "/v1/deploys/{ticket}", false, [this](const http_server_request& req, http_responder reply) {
    auto d = board->get(req.params.at("ticket"));
    reply(d ? http_server_response::json(200, *d) : error_response(d.error()));
  });
  r.add_sse(
    "/v1/deploys/{ticket}/sse",
    [this](const http_server_request& req, sse_stream s) {
      board->attach(req.params.at("ticket"), std::move(s), last_event_id_of(req));
    },
    guard("/v1/deploys/{ticket}/sse", [this](const http_server_request& req) -> expected<void> {
      if (!board->known(req.params.at("ticket")))
        return error{errc::not_found, "no deploy has ticket \"" + req.params.at("ticket") + "\""};
      return {};
    }));
  route(r, "POST", "/v1/deploys/{ticket}/cancel", false,
        [this](const http_server_request& req, http_responder reply) {
          auto ticket = req.params.at("ticket");
          board->cancel(ticket, [reply, ticket](expected<void> ok) {
            reply(ok ? http_server_response::json(202, json::object{{"ticket", ticket}})
                     : error_response(ok.error()));
          });
        });
  route(r, "GET", "/v1/tree", false, [this](const http_server_request&, http_responder reply) {
    rt.tree([reply](expected<tree_node> t) {
      reply(t ? http_server_response::json(200, tree_json(*t)) : error_response(t.error()));
    });
  });
  route(r, "POST", "/v1/signed-urls", false,
        [this](const http_server_request& req, http_responder reply) { signed_url(req, std::move(reply)); });
  route(r, "GET", "/ui/login", true,
        [this](const http_server_request& req, http_responder reply) { login(req, std::move(reply)); });
  // The dashboard: the page needs a session (or a token); its static
  // assets hold nothing secret and load without one.
  route(r, "GET", "/", true, [this](const http_server_request& req, http_responder reply) {
    if (auto ok = auth->check(req, false); !ok)
      return reply(signed_out_page(ok.error()));
    dashboard(std::move(reply));
  });
  route(r, "GET", "/assets/{file}", true, [](const http_server_request& req, http_responder reply) {
    if (auto res = dashboard_asset_response(req))
      return reply(std::move(*res));
    reply(error_response(error{errc::not_found, "no dashboard asset " + req.path}));
  });
  // /v1/compute... (node/compute_routes.hpp, issue #12).
  add_compute_routes(r, {.sys = &sys,
                         .orch = rt.orchestrator(),
                         .add_json = [this, &r](const std::string& m, const std::string& p,
                                                http_handler h) { route(r, m, p, false, std::move(h)); },
                         .stream_guard = [this](const std::string& p) {
                           return guard(p, [](const http_server_request&) -> expected<void> { return {}; });
                         }});
  return r;
}

void node_server::impl::apps(const http_server_request&, http_responder reply) {
  auto root = cfg.node.project_root;
  auto toks = rt.tokens();
  // The scan reads the disk: on a thread that may block.
  blocking(sys, [root, toks, reply] {
    auto found = discover_apps(root);
    std::map<std::string, std::string> dirs; // app → dir ("" when only the token tree knows it)
    for (auto& a : found.apps)
      dirs.emplace(a.app, a.dir);
    for (auto& app : toks.services()->server_apps())
      dirs.emplace(app, "");
    json::array apps;
    for (auto& [app, dir] : dirs) {
      json::object token{{"source", "none"}, {"expires_at", nullptr}};
      if (auto rec = toks.services()->cache->get(app)) {
        token["source"] = std::string{to_string(rec->source)};
        token["expires_at"] = expiry(rec->expires_at);
      }
      json::object o{{"name", app}, {"token", std::move(token)}};
      o["dir"] = dir.empty() ? json::value{} : json::value(dir);
      apps.push_back(std::move(o));
    }
    json::array problems;
    for (auto& p : found.problems)
      problems.push_back(json::object{{"path", p.path}, {"reason", p.reason}});
    reply(http_server_response::json(200, json::object{{"apps", std::move(apps)},
                                                       {"problems", std::move(problems)}}));
  });
}

void node_server::impl::token(const http_server_request& req, http_responder reply, bool refresh) {
  auto app = req.params.at("app");
  if (auto ok = validate_app_name(app); !ok)
    return reply(error_response(ok.error()));
  auto toks = rt.tokens();
  in_actor(sys, [toks, app, reply, refresh](caf::event_based_actor* self, auto finish) {
    auto answer = [app, reply, finish](expected<token_answer> r) {
      if (!r)
        reply(error_response(r.error()));
      else
        // Never the value: where it came from, who answered, until when.
        reply(http_server_response::json(200, json::object{{"app", app},
                                                           {"source", std::string{to_string(r->source)}},
                                                           {"acquirer", std::string{to_string(r->acquirer)}},
                                                           {"expires_at", expiry(r->expires_at)}}));
      finish();
    };
    if (refresh)
      toks.refresh(self, app, answer);
    else
      toks.get(self, app, answer);
  });
}

void node_server::impl::start_deploy(const http_server_request& req, http_responder reply) {
  auto body = json_body(req);
  if (!body)
    return reply(error_response(body.error()));
  auto dir = string_field(*body, "dir").value_or("");
  auto app = string_field(*body, "app").value_or("");
  if (dir.empty() && app.empty())
    return reply(error_response(error{errc::validation, "POST /v1/deploys needs \"dir\" (a project "
                                                        "directory under node.project_root) or \"app\""}));
  if (!app.empty())
    if (auto ok = validate_app_name(app); !ok)
      return reply(error_response(ok.error()));
  auto root = cfg.node.project_root;
  auto b = board.get();
  blocking(sys, [root, dir, app, reply, b] {
    std::error_code ec;
    auto canon_root = fs::weakly_canonical(root, ec);
    std::string where = dir;
    if (where.empty()) {
      // The app's directory, as discovery finds it.
      for (auto& a : discover_apps(root).apps)
        if (a.app == app) {
          where = a.dir;
          break;
        }
      if (where.empty())
        return reply(error_response(error{errc::not_found, "app " + app + " has no fly.toml under "
                                                             "node.project_root (" + root + ")"}));
    }
    auto path = fs::path{where}.is_absolute() ? fs::path{where} : canon_root / where;
    auto canon = fs::weakly_canonical(path, ec);
    auto rel = canon.lexically_relative(canon_root);
    // Only projects under the root: an API client never picks an arbitrary
    // directory of the node's machine to run flyctl in.
    if (ec || rel.empty() || *rel.begin() == "..")
      return reply(error_response(error{errc::validation, "dir \"" + dir + "\" is not under node.project_root ("
                                                            + root + ")"}));
    if (!fs::is_directory(canon, ec))
      return reply(error_response(error{errc::not_found, "dir \"" + where + "\" is not a directory"}));
    b->start(canon.string(), app, [reply](expected<std::string> ticket) {
      reply(ticket ? http_server_response::json(202, json::object{{"ticket", *ticket}})
                   : error_response(ticket.error()));
    });
  });
}

void node_server::impl::signed_url(const http_server_request& req, http_responder reply) {
  auto body = json_body(req);
  if (!body)
    return reply(error_response(body.error()));
  auto path = string_field(*body, "path");
  if (!path || path->empty() || path->front() != '/')
    return reply(error_response(error{errc::validation, "\"path\" must be a path starting with '/', e.g. "
                                                        "/v1/apps/APP/logs/sse"}));
  if (!signable(std::string_view{*path}.substr(0, path->find('?'))))
    return reply(error_response(error{errc::validation,
                                      "\"" + *path + "\" is not a route a signed URL opens (logs/sse, "
                                                     "logs/ws, deploys/TICKET/sse, /ui/login)"}));
  duration ttl = std::chrono::minutes{5};
  if (auto t = string_field(*body, "ttl")) {
    auto d = parse_duration(*t);
    if (!d || *d < std::chrono::seconds{1} || *d > std::chrono::hours{24})
      return reply(error_response(error{errc::validation, "\"ttl\" = \"" + *t
                                                            + "\": a duration from 1s to 24h, e.g. 5m"}));
    ttl = *d;
  }
  auto url = auth->sign(*path, ttl);
  auto expires = unix_now() + std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  reply(http_server_response::json(200, json::object{{"url", url}, {"expires_at", expires}}));
}

void node_server::impl::login(const http_server_request& req, http_responder reply) {
  if (auto ok = auth->check_signed(req); !ok) {
    // A login URL without a signature at all is a missing credential.
    auto params = decode_query(req.query);
    if (!params.contains("sig") && !params.contains("exp"))
      return reply(error_response(error{errc::unauthorized, "open the URL `atlas node dashboard-url` prints"}));
    return reply(error_response(ok.error()));
  }
  http_server_response res;
  res.status = 303;
  res.content_type = "";
  res.headers.emplace_back("Location", "/");
  res.headers.emplace_back("Set-Cookie", auth->session_cookie(cfg.node.session_ttl, tls));
  res.headers.emplace_back("Cache-Control", "no-store");
  reply(std::move(res));
}

http_server_response node_server::impl::signed_out_page(const error& e) {
  http_server_response res;
  res.status = http_status_for(e.code());
  res.content_type = "text/html; charset=utf-8";
  res.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Atlas node: sign in"
             "</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body><main><h1>Atlas node</h1>"
             "<p>" + html_escape(e.message()) + "</p><p>Open the URL that <code>atlas node dashboard-url</code> "
             "prints (or the one <code>atlas node</code> printed at start) to sign in.</p></main></body></html>\n";
  return res;
}

// GET /: everything the page shows, gathered without blocking the server's
// thread (the tree walk answers on a CAF thread, discovery runs detached).
void node_server::impl::dashboard(http_responder reply) {
  auto root = cfg.node.project_root;
  auto toks = rt.tokens();
  auto deploys_now = board->list();
  auto* h = hub.get();
  auto r = rt;
  blocking(sys, [root, toks, deploys_now, h, r, reply] {
    dashboard_snapshot s;
    s.node_version = std::string{version()};
    auto found = discover_apps(root);
    std::map<std::string, std::string> dirs;
    for (auto& a : found.apps)
      dirs.emplace(a.app, a.dir);
    for (auto& app : toks.services()->server_apps())
      dirs.emplace(app, "");
    for (auto& [app, dir] : dirs) {
      dashboard_app a{app, dir};
      if (auto rec = toks.services()->cache->get(app)) {
        a.token_source = std::string{to_string(rec->source)};
        if (rec->expires_at != token_record::never)
          a.token_expires_at = rfc3339(rec->expires_at);
      }
      s.apps.push_back(std::move(a));
      dashboard_app_logs logs{app, {}};
      for (auto& l : h->recent(app, 20))
        logs.lines.push_back({l.timestamp, l.region, l.instance, l.level, l.message});
      if (!logs.lines.empty())
        s.logs.push_back(std::move(logs));
    }
    for (auto& p : found.problems)
      s.notices.push_back(p.path + ": " + p.reason);
    for (auto& d : deploys_now) {
      auto& o = d.as_object();
      dashboard_deploy dd;
      dd.ticket = std::string{o.at("ticket").as_string()};
      dd.app = std::string{o.at("app").as_string()};
      dd.dir = std::string{o.at("dir").as_string()};
      dd.state = std::string{o.at("state").as_string()};
      dd.started_at = std::string{o.at("started_at").as_string()};
      if (o.at("result").is_object()) {
        auto& res = o.at("result").as_object();
        dd.result = std::string{res.at("status").as_string()};
        if (dd.result == "exit_status")
          dd.result += " " + std::to_string(res.at("exit_code").as_int64());
        else if (!res.at("reason").as_string().empty())
          dd.result += " (" + std::string{res.at("reason").as_string()} + ")";
      }
      s.deploys.push_back(std::move(dd));
    }
    auto t = r.tree();
    if (t)
      s.tree = dashboard_tree_rows(*t);
    else
      s.notices.push_back("the supervision tree did not answer: " + redact(t.error().message()));
    s.compute = compute_dashboard_rows(r.orchestrator());
    if (auto rss = process_rss_bytes(); rss >= 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(rss) / (1024.0 * 1024.0));
      s.metrics.push_back({"RSS", buf});
    }
    s.metrics.push_back({"live log clients", std::to_string(h->clients())});
    s.metrics.push_back({"log streams", std::to_string(h->topics())});
    s.metrics.push_back({"deploys listed", std::to_string(s.deploys.size())});
    http_server_response res;
    res.status = 200;
    res.content_type = "text/html; charset=utf-8";
    res.headers.emplace_back("Cache-Control", "no-store");
    res.body = render_dashboard_page(s);
    reply(std::move(res));
  });
}

node_server::node_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

node_server::~node_server() {
  if (impl_ && impl_->server)
    (void) stop(duration{0});
}

expected<std::unique_ptr<node_server>> node_server::start(caf::actor_system& sys, runtime rt,
                                                          node_config cfg) {
  auto where = parse_listen(cfg.node.listen);
  if (!where)
    return where.error();
  http_server_options so;
  so.host = where->host;
  so.port = where->port;
  if (cfg.node.tls_cert.empty() != cfg.node.tls_key.empty())
    return error{errc::validation, "node.tls_cert and node.tls_key go together: set both for HTTPS, "
                                   "or neither"};
  if (!cfg.node.tls_cert.empty()) {
    auto cert = read_text(cfg.node.tls_cert, "node.tls_cert");
    if (!cert)
      return cert.error();
    auto key = read_text(cfg.node.tls_key, "node.tls_key");
    if (!key)
      return key.error();
    auto ctx = make_server_tls_context(*cert, *key);
    if (!ctx)
      return ctx.error();
    so.tls = *ctx;
  }
  so.read_timeout = cfg.node.read_timeout;
  so.write_timeout = cfg.node.write_timeout;
  so.idle_timeout = cfg.node.idle_timeout;
  so.max_connections = cfg.node.max_connections;
  so.sse_heartbeat = cfg.node.sse_heartbeat;
  so.sse_queue_limit = cfg.node.sse_queue_limit;
  so.ws_queue_limit = cfg.node.sse_queue_limit;
  so.body_limit = 64 * 1024; // the API's bodies are a few fields
  so.error_body = [](int status, const std::string& message) {
    errc kind = status == 404 ? errc::not_found
                : status == 405 || status == 426 || status == 400 || status == 413 || status == 431
                  ? errc::validation
                  : errc::internal;
    return error_response(status, kind, message);
  };

  auto secret_key = load_or_create_node_secret(cfg.secret_file);
  if (!secret_key)
    return secret_key.error();
  auto p = std::make_unique<impl>(sys, rt, cfg);
  p->tls = so.tls != nullptr;
  p->auth = std::make_shared<node_auth>(std::make_shared<token_store>(cfg.auth_file), std::move(*secret_key));
  p->hub = std::make_unique<log_hub>(sys, rt.logs(),
                                     log_hub_options{cfg.node.sse_buffer, cfg.node.sse_linger},
                                     cfg.metrics);
  p->board = std::make_unique<deploy_board>(sys, rt.deploys());
  auto server = http_server::start(std::move(so), p->routes());
  if (!server)
    return server.error();
  p->server = std::move(*server);
  return std::unique_ptr<node_server>{new node_server{std::move(p)}};
}

std::uint16_t node_server::port() const {
  return impl_->server->port();
}

std::string node_server::base_url() const {
  return impl_->server->base_url();
}

std::string node_server::dashboard_url() const {
  return base_url() + impl_->auth->sign("/ui/login", impl_->cfg.node.session_ttl);
}

expected<void> node_server::stop(duration deadline) {
  auto& p = *impl_;
  if (!p.server)
    return {};
  auto until = steady::now() + deadline;
  p.stopping = true;
  auto left = [&] {
    return std::max(duration{0}, std::chrono::duration_cast<duration>(until - steady::now()));
  };
  // Final events first, while the server still writes them; then the server
  // (whose own stop would drop what is queued).
  p.hub->stop(left());
  p.board->stop(left());
  auto unanswered = p.server->stop(left());
  p.server.reset();
  if (unanswered > 0)
    return error{errc::timeout, std::to_string(unanswered)
                                  + " request(s) were still unanswered at the shutdown deadline"};
  return {};
}

} // namespace atlas
