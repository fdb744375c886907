#include <atlas/cli/compute_command.hpp>

#include <atlas/actors/fly_machines_provider.hpp>
#include <atlas/actors/mock_provider.hpp>
#include <atlas/api/orchestrator.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/net/http_message.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <boost/json.hpp>

#include <condition_variable>
#include <csignal>
#include <future>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace atlas::cli {

namespace {

struct compute_args {
  std::string config_file;
  std::string provider = "mock";
  bool json = false;
  // spawn
  std::string gpu = "none";
  std::string image;
  std::string name;
  std::vector<std::string> regions;
  std::vector<std::string> ports;
  std::vector<std::string> env;
  std::vector<std::string> opts;
  int volume_gb = 0;
  std::string idle_ttl;
  bool track = false;
  // list
  std::string status;
  // touch / stop / terminate
  std::string id;
  std::string node;
};

int fail(const char* what, const error& e) {
  std::cerr << "atlas compute " << what << ": " << to_string(e) << '\n';
  switch (e.code()) {
    case errc::validation: return compute_bad_input;
    case errc::no_token_available: return compute_no_token;
    case errc::not_found: return compute_not_found;
    default: return compute_failed;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v)
    out.append(out.empty() ? "" : ",").append(s);
  return out;
}

void print(const compute& c, bool json) {
  if (json) {
    std::cout << to_json(c) << '\n';
    return;
  }
  std::cout << c.id << '\t' << to_string(c.status) << '\t' << (c.name.empty() ? "-" : c.name) << '\t'
            << (c.region.empty() ? "-" : c.region) << '\t' << (c.gpu_type.empty() ? "-" : c.gpu_type) << '\n';
}

/// A runtime for one command: the actor system, the provider asked for
/// (registered in the services under its name) and an orchestrator facade.
struct session {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::unique_ptr<http_client> http;
  std::optional<tokens> toks;
  std::shared_ptr<orchestrator_services> svc;
  provider_actor p;
  orchestrator orch;

  ~session() {
    (void) orch.stop();
    if (p)
      caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    if (toks)
      (void) toks->stop();
  }
};

expected<void> open(session& s, const compute_args& a, const options& opts, bool start_tree) {
  s.svc = make_orchestrator_services(opts);
  if (a.provider == "mock") {
    s.p = spawn_mock_provider(s.sys);
  } else if (a.provider == "fly_machines") {
    auto http = http_client::create();
    if (!http)
      return http.error();
    s.http = std::move(*http);
    auto toks = tokens::start(s.sys, make_token_services(opts, std::make_shared<process_runner>()));
    if (!toks)
      return toks.error();
    s.toks = *toks;
    fly_machines_provider_config c;
    c.app = opts.orchestrator.fly_app.empty() ? opts.orchestrator.name_prefix + "compute" : opts.orchestrator.fly_app;
    c.org = opts.fly.org.empty() ? "personal" : opts.fly.org;
    c.name_prefix = opts.orchestrator.name_prefix;
    c.machines.base_url = opts.fly.flaps_base_url;
    auto token = s.toks->get(c.app);
    if (!token)
      return token.error();
    s.p = spawn_fly_machines_provider(s.sys, *s.http, token->token, c);
  } else {
    return error{errc::validation, "--provider \"" + a.provider + "\": expected mock or fly_machines"};
  }
  s.svc->add_provider(a.provider, s.p);
  if (start_tree) {
    auto o = orchestrator::start(s.sys, s.svc);
    if (!o)
      return o.error();
    s.orch = *o;
  } else {
    s.orch = orchestrator{s.sys, s.svc};
  }
  return {};
}

expected<compute_request> request_of(const compute_args& a) {
  std::map<std::string, std::string> f{{"gpu", a.gpu}, {"image", a.image}};
  if (!a.name.empty())
    f["name"] = a.name;
  if (!a.regions.empty())
    f["region_hints"] = join(a.regions);
  if (!a.ports.empty())
    f["ports"] = join(a.ports);
  if (!a.env.empty())
    f["env"] = join(a.env);
  if (!a.opts.empty())
    f["provider_opts"] = join(a.opts);
  if (a.volume_gb > 0)
    f["volume_gb"] = std::to_string(a.volume_gb);
  if (!a.idle_ttl.empty()) {
    auto d = parse_duration(a.idle_ttl);
    if (!d)
      return error{errc::validation, "--idle-ttl \"" + a.idle_ttl + "\": " + d.error().message()};
    f["idle_ttl_ms"] = std::to_string(d->count());
  }
  return make_compute_request(f);
}

/// --track: the resource lives while this command runs; Ctrl-C or its idle
/// end terminates it (the tracker's own path, events printed on stderr).
int track(session& s, const compute_args& a, const compute_request& req) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  struct waitbox {
    std::mutex mtx;
    std::condition_variable cv;
    bool done = false;
    bool interrupted = false;
    std::string id;
  };
  auto box = std::make_shared<waitbox>();
  auto sub = s.orch.subscribe(
    [box](const std::string& id, const compute_event& ev) {
      std::cerr << to_json(ev, id) << '\n';
      std::lock_guard g{box->mtx};
      if (id == box->id && ((ev.kind == compute_event_kind::status && ev.status == compute_status::terminated)
                            || (ev.kind == compute_event_kind::terminate_failed && ev.final))) {
        box->done = true;
        box->cv.notify_all();
      }
    },
    1);
  if (!sub)
    return fail("spawn", sub.error());
  auto c = s.orch.spawn(a.provider, req, "cli");
  if (!c)
    return fail("spawn", c.error());
  {
    std::lock_guard g{box->mtx};
    box->id = c->id;
  }
  print(*c, a.json);
  std::cout << std::flush;
  std::thread waiter{[box, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::lock_guard g{box->mtx};
    box->interrupted = true;
    box->cv.notify_all();
  }};
  {
    std::unique_lock lock{box->mtx};
    box->cv.wait(lock, [&] { return box->done || box->interrupted || !s.svc->registry->contains(box->id); });
  }
  int code = compute_ok;
  if (s.svc->registry->contains(c->id)) {
    auto r = s.orch.stop_tracked(c->id);
    if (!r)
      code = fail("spawn", r.error());
  }
  {
    std::lock_guard g{box->mtx};
    if (!box->interrupted)
      pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  return code;
}

int run(const std::string& sub, const compute_args& a) {
  auto opts = load_options({.config_file = a.config_file});
  if (!opts) {
    std::cerr << "atlas: " << opts.error().message() << '\n';
    return compute_bad_input;
  }
  (void) set_log_level(opts->log_level == "info" ? "warn" : opts->log_level);
  if (sub == "touch") {
    if (a.node.empty())
      return fail("touch", error{errc::validation, "touch restarts a tracker's idle clock, and a CLI process tracks "
                                                   "nothing once it exits: pass --node http://HOST:PORT of a "
                                                   "running `atlas node`"});
  }
  if (!a.node.empty()) {
    // The node's routes (docs/orchestrator.md): POST /v1/compute/{id}/{touch|stop|terminate}.
    auto http = http_client::create();
    if (!http)
      return fail(sub.c_str(), http.error());
    http_request r;
    r.method = "POST";
    auto base = a.node;
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    r.url = base + "/v1/compute/" + a.id + "/" + sub;
    if (auto t = process_environment()("ATLAS_NODE_TOKEN"); t && !t->empty())
      r.authorization = secret{"Bearer " + *t};
    r.deadline = std::chrono::minutes{3};
    std::promise<expected<http_response>> done;
    auto f = done.get_future();
    (*http)->request(r, [&done](expected<http_response> x) { done.set_value(std::move(x)); });
    auto res = check_status(f.get(), "atlas node");
    if (!res)
      return fail(sub.c_str(), res.error());
    if (a.json)
      std::cout << res->body << '\n';
    return compute_ok;
  }

  auto blocked = [] {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  };
  if (sub == "spawn" && a.track)
    blocked(); // before any thread starts: only sigwait sees Ctrl-C
  session s;
  if (auto ok = open(s, a, *opts, sub == "spawn" && a.track); !ok)
    return fail(sub.c_str(), ok.error());

  if (sub == "spawn") {
    auto req = request_of(a);
    if (!req)
      return fail("spawn", req.error());
    if (a.track)
      return track(s, a, *req);
    // Untracked: the name gets the prefix, but no ownership mark, so no
    // Reaper ever takes it: `atlas compute terminate` does.
    req->name = with_prefix(opts->orchestrator.name_prefix, req->name.empty() ? "cli" : req->name);
    auto p = s.orch.provider(a.provider);
    if (!p)
      return fail("spawn", p.error());
    caf::scoped_actor self{s.sys, true};
    expected<compute> c = error{errc::internal, "no answer"};
    self->request(*p, opts->orchestrator.spawn_timeout, compute_spawn_atom_v, *req)
      .receive([&](expected<compute>& r) { c = std::move(r); },
               [&](caf::error& e) { c = error{errc::timeout, "spawn: " + s.sys.render(e)}; });
    if (!c)
      return fail("spawn", c.error());
    print(*c, a.json);
    return compute_ok;
  }
  if (sub == "list") {
    compute_filter f;
    if (!a.status.empty()) {
      auto st = compute_status_from_string(a.status);
      if (!st)
        return fail("list", error{errc::validation, "--status \"" + a.status
                                                      + "\": expected provisioning, running, stopped, terminated or failed"});
      f = compute_filter::with_status(*st);
    }
    auto list = s.orch.list_compute(a.provider, f);
    if (!list)
      return fail("list", list.error());
    for (auto& c : *list)
      print(c, a.json);
    return compute_ok;
  }
  if (sub == "stop" || sub == "terminate") {
    auto p = s.orch.provider(a.provider);
    if (!p)
      return fail(sub.c_str(), p.error());
    caf::scoped_actor self{s.sys, true};
    expected<void> r = error{errc::internal, "no answer"};
    auto on_reply = [&](expected<void>& x) { r = std::move(x); };
    auto on_error = [&](caf::error& e) { r = error{errc::timeout, sub + ": " + s.sys.render(e)}; };
    if (sub == "stop")
      self->request(*p, std::chrono::minutes{5}, compute_stop_atom_v, a.id).receive(on_reply, on_error);
    else
      self->request(*p, std::chrono::minutes{5}, compute_terminate_atom_v, a.id).receive(on_reply, on_error);
    if (!r)
      return fail(sub.c_str(), r.error());
    std::cerr << sub << ": " << a.id << " ok\n";
    return compute_ok;
  }
  return compute_bad_input;
}

} // namespace

void add_compute_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("compute", "Spawn, list, touch, stop and terminate compute on a provider");
  cmd->require_subcommand(1);
  cmd->footer("A CLI process tracks nothing after it exits: `spawn` is untracked unless --track, and "
              "`touch` (and --node) talk to a running `atlas node`. Exit status: 0 ok, 1 failed, 2 bad "
              "input, 3 no token, 4 not found. See docs/orchestrator.md.");
  auto common = [](CLI::App* sub, const std::shared_ptr<compute_args>& a) {
    sub->add_option("-p,--provider", a->provider, "mock or fly_machines")->capture_default_str();
    sub->add_flag("--json", a->json, "JSON output");
    sub->add_option("--config", a->config_file, "atlas.toml to read");
  };
  {
    auto a = std::make_shared<compute_args>();
    auto* s = cmd->add_subcommand("spawn", "Spawn a resource (named with the safety prefix)");
    common(s, a);
    s->add_option("--gpu", a->gpu, "canonical GPU (h100, a100_80g, l40s, ...) or none")->capture_default_str();
    s->add_option("--image", a->image, "the image to run")->required();
    s->add_option("--name", a->name, "name (the prefix is added)");
    s->add_option("--region", a->regions, "region hints, in order of preference");
    s->add_option("--port", a->ports, "PORT/http or PORT/tcp");
    s->add_option("--env", a->env, "K=V");
    s->add_option("--opt", a->opts, "provider option K=V (Fly: cpus, memory_mb, cpu_kind, restart, auto_destroy)");
    s->add_option("--volume-gb", a->volume_gb, "a volume of this size");
    s->add_option("--idle-ttl", a->idle_ttl, "with --track: terminate after this long idle (30m)");
    s->add_flag("--track", a->track, "track it while this command runs; Ctrl-C terminates it");
    s->callback([a, &exit_code] { exit_code = run("spawn", *a); });
  }
  {
    auto a = std::make_shared<compute_args>();
    auto* s = cmd->add_subcommand("list", "List a provider's resources");
    common(s, a);
    s->add_option("--status", a->status, "only this status");
    s->callback([a, &exit_code] { exit_code = run("list", *a); });
  }
  for (auto [name, help] : {std::pair{"touch", "Restart a tracked resource's idle clock (needs --node)"},
                            std::pair{"stop", "Stop a resource (keeps it)"},
                            std::pair{"terminate", "Terminate (destroy) a resource"}}) {
    auto a = std::make_shared<compute_args>();
    auto* s = cmd->add_subcommand(name, help);
    common(s, a);
    s->add_option("id", a->id, "the resource's id")->required();
    s->add_option("--node", a->node, "a running `atlas node` (http://HOST:PORT): act on its tracked resource");
    s->callback([a, &exit_code, n = std::string{name}] { exit_code = run(n, *a); });
  }
}

} // namespace atlas::cli
