#include <atlas/api/runtime.hpp>

#include <atlas/actors/deploy_services.hpp>
#include <atlas/actors/fly_machines_provider.hpp>
#include <atlas/actors/mock_provider.hpp>
#include <atlas/actors/orchestrator_services.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/net/fly_api_options.hpp>
#include <atlas/supervisors/orchestrator_supervisor.hpp>
#include <atlas/actors/log_services.hpp>
#include <atlas/actors/token_services.hpp>
#include <atlas/fly/subprocess.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/supervisors/deploys_supervisor.hpp>
#include <atlas/supervisors/logs_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/tokens_supervisor.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <future>
#include <mutex>

namespace atlas {

struct runtime::state {
  caf::actor_system* sys = nullptr;
  options opts;
  // Declared first, destroyed last: the subtrees' I/O runs on these.
  std::shared_ptr<http_client> http;
  std::shared_ptr<process_runner> runner;
  std::shared_ptr<token_services> token_svc;
  std::shared_ptr<log_services> log_svc;
  std::shared_ptr<deploy_services> deploy_svc;
  atlas::tokens tokens_api;
  atlas::logs logs_api;
  atlas::deploys deploys_api;
  std::shared_ptr<orchestrator_services> orch_svc;
  atlas::orchestrator orchestrator_api;
  std::vector<std::string> own_providers; // spawned here, stopped with the tree
  bool owns_root = false; // start() spawned it; stop() and the destructor may stop it

  mutable std::mutex mtx;
  caf::weak_actor_ptr root;
  // start()'s root is held strongly here: nothing else may reference a
  // supervisor whose children are all disabled, and CAF destroys an actor
  // nobody references. (The tree's actors hold only services, never this.)
  caf::actor owned_root;
  bool stopped = false;

  state(caf::actor_system& s, const options& o, std::shared_ptr<token_services> t)
    : sys(&s), opts(o), token_svc(t), tokens_api(s, std::move(t)) {}

  caf::actor root_handle() const {
    std::lock_guard g{mtx};
    if (stopped)
      return {};
    return caf::actor_cast<caf::actor>(root.lock());
  }

  // The providers the runtime spawned outlive the subtree (the services
  // hold them, and so may a timer still pending): they stop after it.
  void stop_own_providers() {
    if (!orch_svc)
      return;
    for (auto& name : own_providers)
      if (auto p = orch_svc->provider(name)) {
        orch_svc->remove_provider(name);
        caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
      }
    own_providers.clear();
  }

  ~state() {
    // The last copy of a runtime that start() made: the tree must not
    // outlive the HTTP client and process runner it runs on.
    if (!owns_root)
      return;
    if (auto r = root_handle(); r && !stopped)
      (void) stop_supervisor(*sys, r, std::chrono::seconds{60});
    stop_own_providers();
  }
};

supervisor_flags atlas_supervisor_flags() {
  supervisor_flags f;
  f.name = "atlas_sup";
  f.strategy = restart_strategy::one_for_one;
  f.intensity = 3;
  f.period = std::chrono::seconds{5};
  return f;
}

namespace {

supervisor_flags fly_supervisor_flags() {
  supervisor_flags f;
  f.name = "fly_sup";
  f.strategy = restart_strategy::one_for_one;
  f.intensity = 3;
  f.period = std::chrono::seconds{5};
  return f;
}

struct assembled {
  std::shared_ptr<runtime::state> st;
  supervisor_flags flags;
  std::vector<child_spec> children;
};

expected<assembled> assemble(caf::actor_system& sys, const options& opts, runtime_parts parts) {
  auto http = parts.http;
  if (!http) {
    auto made = http_client::create();
    if (!made)
      return made.error();
    http = std::shared_ptr<http_client>(std::move(*made));
  }
  auto runner = std::make_shared<process_runner>();
  auto token_svc = make_token_services(opts, runner, parts.storage, parts.env);
  token_svc->telemetry = parts.telemetry;
  auto st = std::make_shared<runtime::state>(sys, opts, token_svc);
  st->http = http;
  st->runner = runner;

  std::vector<child_spec> fly_children;
  if (opts.fly.enabled) {
    auto tf = tokens_supervisor_flags();
    tf.telemetry = parts.telemetry;
    fly_children.push_back(tokens_supervisor_child(token_svc, tf));
    if (opts.logs.enabled) {
      st->log_svc = make_log_services(opts, *http, logs_token_function(st->tokens_api));
      st->log_svc->telemetry = parts.telemetry;
      // The streamers poll through `http`: they keep it alive, whichever
      // goes last, the runtime or the tree.
      st->log_svc->fetch = [http, inner = std::move(st->log_svc->fetch)](
                             const fly_logs_query& q, const secret& token,
                             std::function<void(expected<fly_logs_page>)> done) {
        inner(q, token, std::move(done));
      };
      auto lf = logs_supervisor_flags();
      lf.telemetry = parts.telemetry;
      fly_children.push_back(logs_supervisor_child(st->log_svc, lf));
      st->logs_api = atlas::logs{sys, st->log_svc};
    }
    st->deploy_svc = make_deploy_services(opts, parts.telemetry);
    auto df = deploys_supervisor_flags();
    df.telemetry = parts.telemetry;
    fly_children.push_back(deploys_supervisor_child(st->deploy_svc, df));
    st->deploys_api = atlas::deploys{sys, st->deploy_svc};
  }

  std::vector<child_spec> root_children;
  if (!fly_children.empty()) {
    auto ff = fly_supervisor_flags();
    ff.telemetry = parts.telemetry;
    root_children.push_back(supervisor_child(ff.name, ff, std::move(fly_children)));
  }
  if (opts.orchestrator.enabled) {
    st->orch_svc = make_orchestrator_services(opts, parts.telemetry);
    st->orch_svc->add_provider("mock", spawn_mock_provider(sys));
    st->own_providers.push_back("mock");
    for (auto& [name, p] : parts.providers)
      st->orch_svc->add_provider(name, p);
    auto of = orchestrator_supervisor_flags();
    of.telemetry = parts.telemetry;
    root_children.push_back(orchestrator_supervisor_child(st->orch_svc, of));
    st->orchestrator_api = atlas::orchestrator{sys, st->orch_svc};
  }
  auto af = atlas_supervisor_flags();
  af.telemetry = parts.telemetry;
  return assembled{std::move(st), std::move(af), std::move(root_children)};
}

// Fly Machines needs the token of the app that holds Atlas's machines, so
// it joins once the tokens subtree is up. Without a token (no Fly account)
// the orchestrator runs without it, and says so.
void add_fly_machines_provider(runtime::state& s) {
  fly_machines_provider_config c;
  c.app = s.opts.orchestrator.fly_app.empty() ? s.opts.orchestrator.name_prefix + "compute"
                                              : s.opts.orchestrator.fly_app;
  c.org = s.opts.fly.org.empty() ? "personal" : s.opts.fly.org;
  c.name_prefix = s.opts.orchestrator.name_prefix;
  c.machines = fly_machines_options_from(s.opts.fly);
  auto token = s.tokens_api.get(c.app, std::chrono::seconds{30});
  if (!token) {
    log().warn("orchestrator: no fly_machines provider (no Fly token for app {}: {})", c.app,
             to_string(token.error()));
    return;
  }
  s.orch_svc->add_provider("fly_machines", spawn_fly_machines_provider(*s.sys, *s.http, token->token, c));
  s.own_providers.push_back("fly_machines");
}

void set_root(runtime::state& s, const caf::actor& h) {
  std::lock_guard g{s.mtx};
  s.root = caf::actor_cast<caf::weak_actor_ptr>(h);
}

// One request per supervisor, all in flight at once; the tree is filled in
// place (a node's children are appended once, before any is visited).
struct walk_state {
  tree_node root;
  std::function<void(expected<tree_node>)> done;
  int pending = 0;
};

void visit(caf::event_based_actor* self, const caf::actor& sup, tree_node* node,
           const std::shared_ptr<walk_state>& st, duration deadline) {
  ++st->pending;
  auto finish_one = [self, st] {
    if (--st->pending == 0) {
      st->done(std::move(st->root));
      self->quit();
    }
  };
  self->request(sup, deadline, which_children_atom_v)
    .then(
      [=](std::vector<child_info>& kids) {
        node->children.reserve(kids.size());
        for (auto& k : kids)
          node->children.push_back(tree_node{k.id, k.type, k.state, k.restarts, {}});
        for (std::size_t i = 0; i < kids.size(); ++i)
          if (kids[i].type == child_type::supervisor && kids[i].handle)
            visit(self, kids[i].handle, &node->children[i], st, deadline);
        finish_one();
      },
      [=](caf::error&) {
        // Gone between its parent's answer and this request: shown as it
        // is, stopping, rather than failing the whole picture.
        node->state = child_state::terminating;
        finish_one();
      });
}

} // namespace

expected<runtime> runtime::start(caf::actor_system& sys, const options& opts, runtime_parts parts,
                                 duration deadline) {
  auto a = assemble(sys, opts, std::move(parts));
  if (!a)
    return a.error();
  auto sup = start_supervisor(sys, a->flags, std::move(a->children), deadline);
  if (!sup)
    return error{sup.error().code(), "atlas_sup did not start: " + sup.error().message()};
  set_root(*a->st, *sup);
  a->st->owned_root = *sup;
  a->st->owns_root = true;
  if (a->st->orch_svc && opts.fly.enabled && !a->st->orch_svc->provider("fly_machines"))
    add_fly_machines_provider(*a->st);
  return runtime{std::move(a->st)};
}

expected<runtime::child_and_runtime> runtime::as_child(caf::actor_system& sys, const options& opts,
                                                       runtime_parts parts) {
  auto a = assemble(sys, opts, std::move(parts));
  if (!a)
    return a.error();
  auto weak = std::weak_ptr<runtime::state>{a->st};
  auto name = a->flags.name;
  auto spec = on_started(supervisor_child(name, std::move(a->flags), std::move(a->children)),
                         [weak](const caf::actor& h) {
                           if (auto s = weak.lock())
                             set_root(*s, h);
                         });
  return child_and_runtime{std::move(spec), runtime{std::move(a->st)}};
}

expected<void> runtime::stop(duration deadline) const {
  if (!s_->owns_root)
    return error{errc::unsupported, "this runtime runs as a child of the caller's supervisor: "
                                    "stop that supervisor (or terminate its atlas_sup child)"};
  auto r = s_->root_handle();
  if (!r)
    return {};
  auto result = stop_supervisor(*s_->sys, r, deadline);
  if (result)
    s_->stop_own_providers();
  if (result) {
    std::lock_guard g{s_->mtx};
    s_->stopped = true;
    s_->owned_root = nullptr;
  }
  return result;
}

const atlas::tokens& runtime::tokens() const { return s_->tokens_api; }
const atlas::logs& runtime::logs() const { return s_->logs_api; }
const atlas::deploys& runtime::deploys() const { return s_->deploys_api; }
const atlas::orchestrator& runtime::orchestrator() const { return s_->orchestrator_api; }
caf::actor runtime::root() const { return s_->root_handle(); }
const options& runtime::config() const { return s_->opts; }
caf::actor_system& runtime::system() const { return *s_->sys; }

void runtime::tree(std::function<void(expected<tree_node>)> done, duration deadline) const {
  auto r = s_->root_handle();
  if (!r)
    return done(error{errc::shutdown, "the Atlas tree is not running"});
  auto st = std::make_shared<walk_state>();
  st->root = tree_node{atlas_supervisor_flags().name, child_type::supervisor, child_state::running, 0, {}};
  st->done = std::move(done);
  s_->sys->spawn([r, st, deadline](caf::event_based_actor* self) {
    visit(self, r, &st->root, st, deadline);
  });
}

expected<tree_node> runtime::tree(duration deadline) const {
  auto p = std::make_shared<std::promise<expected<tree_node>>>();
  auto f = p->get_future();
  tree([p](expected<tree_node> t) { p->set_value(std::move(t)); }, deadline);
  if (f.wait_for(deadline + std::chrono::seconds{1}) != std::future_status::ready)
    return error{errc::timeout, "the supervision tree did not answer within " + format_duration(deadline)};
  return f.get();
}

} // namespace atlas
