// The whole Atlas tree in one call (api/runtime.hpp) against the Fly
// simulator over loopback: its shape, the facades it hands back, OTP stop
// order, the root as a child of a user's supervisor, and disabled subtrees.
#include <atlas/atlas.hpp>

#include "../support/fake_env.hpp"
#include "../support/wait.hpp"

#include <atlas/sim/fly_simulator.hpp>
#include <atlas/storage/memory_token_storage.hpp>
#include <atlas/supervisors/supervisor.hpp>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

struct runtime_fixture {
  std::unique_ptr<fly_simulator> sim;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  options opts;
  runtime_parts parts;
  memory_telemetry_sink telemetry;

  runtime_fixture() {
    sim = std::move(*fly_simulator::start());
    REQUIRE(sim->add_app("app-a"));
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    opts.fly.api_base_url = sim->base_url();
    opts.fly.flaps_base_url = sim->base_url();
    opts.fly.access_token = secret{sim->token()};
    opts.fly.access_token_set = true;
    opts.tokens.config_file_enabled = false;
    opts.logs.poll_interval = 20ms;
    parts.storage = std::make_shared<memory_token_storage>();
    parts.telemetry = &telemetry;
    parts.env = fake_env({});
  }
  ~runtime_fixture() {
    sys.reset();
    sim->stop();
  }
};

const tree_node* child(const tree_node& n, const std::string& id) {
  for (auto& c : n.children)
    if (c.id == id)
      return &c;
  return nullptr;
}

std::vector<std::string> ids(const tree_node& n) {
  std::vector<std::string> out;
  for (auto& c : n.children)
    out.push_back(c.id);
  return out;
}

} // namespace

TEST_CASE("runtime: start spawns atlas_sup over fly_sup with the tokens, logs and deploys subtrees") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto tree = rt->tree();
  REQUIRE(tree);
  CHECK(tree->id == "atlas_sup");
  auto fly = child(*tree, "fly_sup");
  REQUIRE(fly);
  CHECK(ids(*fly) == std::vector<std::string>{"tokens_sup", "logs_sup", "deploys"});
  auto toks = child(*fly, "tokens_sup");
  REQUIRE(toks);
  CHECK(toks->children.size() == 5);
  for (auto& c : toks->children)
    CHECK_MESSAGE(c.state == child_state::running, c.id);
  CHECK(rt->stop());
  CHECK_FALSE(rt->root());
}

TEST_CASE("runtime: its facades reach the tree it started") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto tok = rt->tokens().get("app-a");
  REQUIRE(tok);
  CHECK(tok->source == token_source::env);
  auto first = rt->tokens().get("app-a");
  REQUIRE(first);
  CHECK(first->acquirer == token_acquirer::facade);

  std::atomic<std::size_t> seen{0};
  log_callbacks cb;
  cb.on_batch = [&](const std::string&, const log_batch& b) { seen += b.entries().size(); };
  REQUIRE(rt->logs().subscribe(std::move(cb), "app-a"));
  log_entry e;
  e.timestamp_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  e.message = "hello from the runtime";
  REQUIRE(wait_until([&] {
    f.sim->append_log("app-a", e);
    e.timestamp_ns += 1000;
    return seen.load() > 0;
  }));
  CHECK_FALSE(f.telemetry.events("token.acquire").empty());
  CHECK(rt->stop());
}

TEST_CASE("runtime: the tree shows an app server's restart count after it crashed") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  REQUIRE(rt->tokens().get("app-a"));
  auto server = rt->tokens().services()->find_server("app-a");
  REQUIRE(server);
  caf::anon_send_exit(server, caf::exit_reason::kill);
  REQUIRE(wait_until([&] {
    auto t = rt->tree();
    if (!t)
      return false;
    auto fly = child(*t, "fly_sup");
    auto toks = fly ? child(*fly, "tokens_sup") : nullptr;
    auto apps = toks ? child(*toks, "app_servers") : nullptr;
    auto a = apps ? child(*apps, "app-a") : nullptr;
    return a && a->restarts == 1 && a->state == child_state::running;
  }));
  CHECK(rt->stop());
}

TEST_CASE("runtime: stop takes the subtrees down in reverse start order") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto t = rt->tree();
  REQUIRE(t);
  // Watch the three Fly subtrees; their down messages arrive in stop order.
  caf::scoped_actor self{*f.sys, true};
  std::vector<caf::actor> subtrees;
  self->request(rt->root(), 5s, which_children_atom_v)
    .receive(
      [&](std::vector<child_info>& kids) {
        REQUIRE(kids.size() == 1);
        self->request(kids[0].handle, 5s, which_children_atom_v)
          .receive(
            [&](std::vector<child_info>& fly) {
              for (auto& k : fly)
                subtrees.push_back(k.handle);
            },
            [](caf::error&) { FAIL("fly_sup did not answer"); });
      },
      [](caf::error&) { FAIL("atlas_sup did not answer"); });
  REQUIRE(subtrees.size() == 3);
  for (auto& s : subtrees)
    self->monitor(s);
  REQUIRE(rt->stop());
  std::vector<caf::actor_addr> order;
  for (int i = 0; i < 3; ++i)
    self->receive([&](caf::down_msg& d) { order.push_back(d.source); });
  CHECK(order == std::vector<caf::actor_addr>{subtrees[2].address(), subtrees[1].address(),
                                              subtrees[0].address()});
}

TEST_CASE("runtime: as_child puts the Atlas root under the user's own supervisor") {
  runtime_fixture f;
  auto made = runtime::as_child(*f.sys, f.opts, f.parts);
  REQUIRE(made);
  CHECK(made->child.id == "atlas_sup");
  CHECK(made->child.type == child_type::supervisor);
  CHECK_FALSE(made->runtime.root());
  supervisor_flags flags;
  flags.name = "user_sup";
  auto user_sup = start_supervisor(*f.sys, flags, {made->child});
  REQUIRE(user_sup);
  REQUIRE(made->runtime.root());
  auto tok = made->runtime.tokens().get("app-a");
  CHECK(tok);
  auto no = made->runtime.stop();
  REQUIRE_FALSE(no);
  CHECK(no.error().code() == errc::unsupported);
  CHECK(stop_supervisor(*f.sys, *user_sup));
  CHECK(wait_until([&] { return !made->runtime.root(); }));
}

TEST_CASE("runtime: logs.enabled = false leaves out the logs subtree and the facade answers no_streamer") {
  runtime_fixture f;
  f.opts.logs.enabled = false;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto t = rt->tree();
  REQUIRE(t);
  auto fly = child(*t, "fly_sup");
  REQUIRE(fly);
  CHECK(ids(*fly) == std::vector<std::string>{"tokens_sup", "deploys"});
  log_callbacks cb;
  auto r = rt->logs().subscribe(std::move(cb), "app-a");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::no_streamer);
  CHECK(rt->stop());
}

TEST_CASE("runtime: fly.enabled = false starts an empty root and the Fly facades refuse") {
  runtime_fixture f;
  f.opts.fly.enabled = false;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto t = rt->tree();
  REQUIRE_MESSAGE(t, (t ? "" : to_string(t.error())));
  CHECK(t->children.empty());
  auto d = rt->deploys().cancel("t-1");
  REQUIRE_FALSE(d);
  CHECK(d.error().code() == errc::unsupported);
  CHECK(rt->stop());
}

TEST_CASE("runtime: a corrupt manual token store fails start, naming the file") {
  runtime_fixture f;
  f.parts.storage.reset();
  auto dir = std::filesystem::temp_directory_path() / ("atlas-rt-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    f.opts.tokens.storage_dir = dir.string();
    auto rt = runtime::start(*f.sys, f.opts, f.parts); // creates the stores
    REQUIRE(rt);
    REQUIRE(rt->stop());
  }
  auto manual = dir / "manual.mdb";
  std::filesystem::remove(dir / "manual.mdb-lock");
  {
    std::ofstream out{manual, std::ios::binary | std::ios::trunc};
    out << std::string(8192, '\x5a');
  }
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE_FALSE(rt);
  CHECK(rt.error().message().find("atlas_sup did not start") != std::string::npos);
  CHECK(rt.error().message().find(manual.string()) != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("runtime: typed handles answer through the facades, errors as values") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto h = spawn_typed_handles(*rt);
  caf::scoped_actor self{*f.sys, true};
  self->request(h.tokens, 10s, token_get_atom_v, std::string{"app-a"})
    .receive(
      [&](expected<token_reply>& r) {
        REQUIRE(r);
        CHECK(r->source == token_source::env);
        CHECK(r->token.reveal() == f.sim->token());
      },
      [](caf::error&) { FAIL("no answer"); });
  self->request(h.tokens, 10s, token_get_atom_v, std::string{"Not An App"})
    .receive([&](expected<token_reply>& r) {
               REQUIRE_FALSE(r);
               CHECK(r.error().code() == errc::validation);
             },
             [](caf::error&) { FAIL("no answer"); });
  // A subscriber actor through the typed logs handle gets the app's lines.
  auto got = std::make_shared<std::atomic<std::size_t>>(0);
  auto sub = f.sys->spawn([got](caf::event_based_actor*) -> caf::behavior {
    return {[got](logs_atom, const std::string&, const log_batch& b) { *got += b.entries().size(); },
            [](logs_stopped_atom, const std::string&) {}};
  });
  self->request(h.logs, 10s, subscribe_atom_v, sub, std::string{"app-a"}, log_subscription_options{})
    .receive([&](expected<void>& r) { CHECK(r); }, [](caf::error&) { FAIL("no answer"); });
  log_entry e;
  e.timestamp_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  e.message = "typed";
  REQUIRE(wait_until([&] {
    f.sim->append_log("app-a", e);
    e.timestamp_ns += 1000;
    return got->load() > 0;
  }));
  self->request(h.logs, 10s, unsubscribe_atom_v, sub, std::string{"app-a"}, log_subscription_options{})
    .receive([&](expected<void>& r) { CHECK(r); }, [](caf::error&) { FAIL("no answer"); });
  self->request(h.deploys, 10s, deploy_cancel_atom_v, std::string{"no-such-ticket"})
    .receive([&](expected<void>& r) {
               REQUIRE_FALSE(r);
               CHECK(r.error().code() == errc::not_found);
             },
             [](caf::error&) { FAIL("no answer"); });
  caf::anon_send_exit(sub, caf::exit_reason::user_shutdown);
  // The handles stop with the tree, though handles to them remain: nothing
  // left running for the actor system's destructor to wait on.
  self->monitor(h.tokens);
  CHECK(rt->stop());
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
  CHECK(down);
}

TEST_CASE("runtime: the message types announced for CAF's network layer round-trip by name") {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  auto names = message_type_names();
  CHECK(std::find(names.begin(), names.end(), "atlas::log_batch") != names.end());
  CHECK(std::find(names.begin(), names.end(), "atlas::deploy_result") != names.end());
  caf::actor_system sys{cfg};
  for (auto& n : names)
    CHECK_MESSAGE(sys.types().make_value(n) != nullptr, n);
}

TEST_CASE("runtime: a user's own token storage is the one the tokens subtree writes to") {
  runtime_fixture f;
  auto mine = std::make_shared<memory_token_storage>();
  f.parts.storage = mine;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  REQUIRE(rt->tokens().set_manual("app-a", secret{"fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"}));
  auto stored = mine->get("app-a", token_key::manual);
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  CHECK((*stored)->value.reveal() == "fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA");
  CHECK(rt->stop());
}

TEST_CASE("runtime: orchestrator.enabled adds orchestrator_sup after fly_sup, with the mock and fly_machines providers") {
  runtime_fixture f;
  f.opts.orchestrator.enabled = true;
  f.opts.orchestrator.fly_app = "app-a";
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto t = rt->tree();
  REQUIRE(t);
  CHECK(ids(*t) == std::vector<std::string>{"fly_sup", "orchestrator_sup"});
  auto& svc = rt->orchestrator().services();
  REQUIRE(svc);
  CHECK(svc->provider("mock"));
  CHECK(svc->provider("fly_machines"));
  compute_request req;
  req.gpu = "none";
  req.name = "worker";
  auto c = rt->orchestrator().spawn("mock", req);
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  CHECK(rt->orchestrator().list_ids() == std::vector<std::string>{c->id});
  CHECK(rt->stop());
}

TEST_CASE("runtime: without orchestrator.enabled the orchestrator facade refuses") {
  runtime_fixture f;
  auto rt = runtime::start(*f.sys, f.opts, f.parts);
  REQUIRE(rt);
  auto r = rt->orchestrator().touch("x");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::unsupported);
  CHECK(rt->stop());
}
