// The token facade over a real tokens subtree: CAF's threaded scheduler,
// LMDB in a temporary directory, and stand-in `fly` scripts.
#include <atlas/api/tokens.hpp>

#include "../support/log_capture.hpp"
#include "../support/sample_tokens.hpp"
#include "../support/stand_in_fly.hpp"
#include "../support/wait.hpp"

#include <atlas/storage/lmdb_token_storage.hpp>
#include <atlas/storage/memory_token_storage.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <thread>

namespace fs = std::filesystem;
using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

const std::string minted = "FlyV1 " + sample_macaroon_1 + "," + sample_macaroon_2;
const std::string minted_normalised = sample_macaroon_1 + "," + sample_macaroon_2;

// A `fly` that counts its runs, takes `delay` seconds, then prints the token.
std::string counting_fly(const std::string& delay = "0.3") {
  return "echo run >> \"$(dirname \"$0\")/runs\"\nsleep " + delay + "\necho '" + minted + "'";
}

struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("atlas-tokens-test-" + std::to_string(rd()));
    fs::create_directories(path / "flyconfig");
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct tree_fixture {
  scratch_dir dir;
  std::unique_ptr<stand_in> fly;
  memory_telemetry_sink telemetry;
  std::shared_ptr<process_runner> runner = std::make_shared<process_runner>();
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  options opts;
  std::shared_ptr<token_storage> storage; ///< the user's own; empty: LMDB in the scratch dir
  std::shared_ptr<token_services> svc;
  std::optional<tokens> api;

  explicit tree_fixture(const std::string& fly_body = counting_fly()) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    if (!fly_body.empty())
      fly = std::make_unique<stand_in>(fly_body);
    opts.fly.org = "acme";
    opts.fly.cli_path = fly ? fly->path() : (dir.path / "no-such-fly").string();
    opts.fly.config_dir = (dir.path / "flyconfig").string();
    opts.tokens.storage_dir = (dir.path / "store").string();
  }

  ~tree_fixture() {
    if (api)
      CHECK(api->stop());
    api.reset();
    svc.reset();
    sys.reset();
  }

  expected<tokens> try_start() {
    svc = make_token_services(opts, runner, storage);
    svc->telemetry = &telemetry;
    return tokens::start(*sys, svc);
  }

  void start() {
    auto t = try_start();
    REQUIRE_MESSAGE(t, (t ? "" : to_string(t.error())));
    api = *t;
  }

  int fly_runs() const {
    std::ifstream in{fly->dir / "runs"};
    int n = 0;
    for (std::string line; std::getline(in, line);)
      ++n;
    return n;
  }

  std::vector<child_info> children() {
    caf::scoped_actor self{*sys};
    std::vector<child_info> out;
    self->request(api->supervisor(), 5s, which_children_atom_v)
      .receive([&](std::vector<child_info>& c) { out = std::move(c); },
               [](caf::error&) { FAIL("no answer from tokens_sup"); });
    return out;
  }

  caf::actor child(const std::string& id) {
    for (auto& c : children())
      if (c.id == id)
        return c.handle;
    return {};
  }

  caf::actor app_server(const std::string& app) {
    caf::scoped_actor self{*sys};
    caf::actor out;
    self->request(svc->handle(token_role::app_servers), 5s, caf::get_atom_v, app)
      .receive([&](expected<caf::actor>& h) { out = h ? *h : caf::actor{}; },
               [](caf::error&) {});
    return out;
  }

  // Every earlier write of the app has reached storage once a synchronous
  // write through the same writer returns.
  void flush_writes(const std::string& app) {
    REQUIRE(api->set_manual(app, secret{sample_legacy}));
  }
};

bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

pid_t read_pid(const fs::path& p) {
  std::ifstream in{p};
  pid_t pid = 0;
  in >> pid;
  return pid;
}

} // namespace

TEST_CASE("get runs the chain through the tree — a later get is a cache hit read by the facade") {
  tree_fixture fx;
  fx.start();
  auto first = fx.api->get("app-a");
  REQUIRE(first);
  CHECK(first->token.reveal() == minted_normalised);
  CHECK(first->source == token_source::cli);
  CHECK(first->acquirer == token_acquirer::app_server);
  auto second = fx.api->get("app-a");
  REQUIRE(second);
  CHECK(second->source == token_source::cache);
  CHECK(second->acquirer == token_acquirer::facade);
  CHECK(fx.fly_runs() == 1);
}

TEST_CASE("N concurrent callers from plain threads: exactly one CLI run, every caller answered") {
  tree_fixture fx;
  fx.start();
  constexpr int callers = 8;
  std::vector<expected<token_answer>> results(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i)
    threads.emplace_back([&, i] { results[i] = fx.api->get("app-a"); });
  for (auto& t : threads)
    t.join();
  int from_the_run = 0;
  for (auto& r : results) {
    REQUIRE(r);
    CHECK(r->token.reveal() == minted_normalised);
    // Either it waited for the one CLI run (the server answers it), or it
    // came after the token reached the cache (read by the facade, or by the
    // server if the facade missed it just before): never anything else.
    if (r->source == token_source::cli) {
      CHECK(r->acquirer == token_acquirer::app_server);
      ++from_the_run;
    } else {
      CHECK(r->source == token_source::cache);
    }
    if (r->acquirer == token_acquirer::facade)
      CHECK(r->source == token_source::cache);
  }
  CHECK(from_the_run >= 1);
  CHECK(fx.fly_runs() == 1);
  auto events = fx.telemetry.events("token.acquire");
  REQUIRE(events.size() == static_cast<std::size_t>(callers));
  CHECK(std::count_if(events.begin(), events.end(),
                      [](auto& e) { return e.label("source") == "cli"; })
        == from_the_run);
}

TEST_CASE("apps of one org share the minted token: one CLI run for several apps") {
  tree_fixture fx;
  fx.start();
  std::vector<std::thread> threads;
  std::vector<expected<token_answer>> results(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] { results[i] = fx.api->get("app-" + std::to_string(i)); });
  for (auto& t : threads)
    t.join();
  for (auto& r : results)
    CHECK(r);
  CHECK(fx.fly_runs() == 1);
}

TEST_CASE("acquisition telemetry: source, acquirer and duration, never the token") {
  tree_fixture fx;
  fx.start();
  REQUIRE(fx.api->get("app-a"));
  REQUIRE(fx.api->get("app-a"));
  auto events = fx.telemetry.events("token.acquire");
  REQUIRE(events.size() == 2);
  CHECK(events[0].label("app") == "app-a");
  CHECK(events[0].label("source") == "cli");
  CHECK(events[0].label("acquirer") == "app_server");
  CHECK(events[0].label("outcome") == "ok");
  CHECK(events[0].measurement("duration_us") > 0);
  CHECK(events[1].label("source") == "cache");
  CHECK(events[1].label("acquirer") == "facade");
  for (auto& e : fx.telemetry.events())
    for (auto& [k, v] : e.metadata)
      CHECK(v.find("fm2_") == std::string::npos);
}

TEST_CASE("the asynchronous facade answers in the calling actor's context") {
  tree_fixture fx;
  fx.start();
  event done;
  expected<token_answer> got = error{errc::internal, "none"};
  auto api = *fx.api;
  fx.sys->spawn([&, api](caf::event_based_actor* self) {
    api.get(self, "app-a", [&, self](expected<token_answer> r) {
      got = std::move(r);
      self->quit();
      done.set();
    });
  });
  REQUIRE(done.wait());
  REQUIRE(got);
  CHECK(got->source == token_source::cli);
}

TEST_CASE("the asynchronous facade's set_manual, invalidate and refresh answer in the calling actor") {
  tree_fixture fx;
  fx.start();
  struct results {
    expected<void> manual = error{errc::internal, "none"};
    expected<token_answer> first = error{errc::internal, "none"};
    expected<void> invalidated = error{errc::internal, "none"};
    expected<token_answer> refreshed = error{errc::internal, "none"};
    expected<void> bad_manual = error{errc::internal, "none"};
    expected<void> bad_name = error{errc::internal, "none"};
    std::vector<std::string> order;
    event done;
  } res;
  auto api = *fx.api;
  auto* out = &res;
  fx.sys->spawn([out, api](caf::event_based_actor* self) {
    api.set_manual(self, "app-a", secret{sample_legacy}, [=](expected<void> m) {
      out->order.push_back("set_manual");
      out->manual = m;
      api.get(self, "app-a", [=](expected<token_answer> g) {
        out->order.push_back("get");
        out->first = std::move(g);
        api.invalidate(self, "app-a", [=](expected<void> i) {
          out->order.push_back("invalidate");
          out->invalidated = i;
          api.refresh(self, "app-a", [=](expected<token_answer> r) {
            out->order.push_back("refresh");
            out->refreshed = std::move(r);
            api.set_manual(self, "app-a", secret{"fm2_" + std::string(8, 'A')},
                           [=](expected<void> bad) {
                             out->order.push_back("bad set_manual");
                             out->bad_manual = bad;
                             api.invalidate(self, "Bad_Name", [=](expected<void> b) {
                               out->order.push_back("bad invalidate");
                               out->bad_name = b;
                               self->quit();
                               out->done.set();
                             });
                           });
          });
        });
      });
    });
  });
  REQUIRE(res.done.wait());
  CHECK(res.order == std::vector<std::string>{"set_manual", "get", "invalidate", "refresh",
                                              "bad set_manual", "bad invalidate"});
  CHECK(res.manual);
  REQUIRE(res.first);
  CHECK(res.first->source == token_source::cli); // the CLI comes before the manual token
  CHECK(res.invalidated);
  REQUIRE(res.refreshed);
  CHECK(res.refreshed->source == token_source::cli);
  CHECK(res.refreshed->acquirer == token_acquirer::app_server);
  CHECK(fx.fly_runs() == 2); // the refresh minted anew
  REQUIRE_FALSE(res.bad_manual);
  CHECK(res.bad_manual.error().code() == errc::validation);
  REQUIRE_FALSE(res.bad_name);
  CHECK(res.bad_name.error().code() == errc::validation);
  CHECK(fx.api->get("app-a")->source == token_source::cache); // the refreshed token
}

TEST_CASE("acquisition telemetry names every source: storage, env, config, manual and none") {
  auto only_event = [](tree_fixture& fx) {
    auto events = fx.telemetry.events("token.acquire");
    REQUIRE(events.size() == 1);
    CHECK(events[0].label("acquirer") == "app_server");
    return std::pair{events[0].label("source"), events[0].label("outcome")};
  };
  using labels = std::pair<std::string, std::string>;
  {
    tree_fixture fx{""};
    auto mem = std::make_shared<memory_token_storage>();
    REQUIRE(mem->put("app-a", token_key::cached,
                     token_record{secret{sample_oauth}, token_source::cli,
                                  token_record::clock::now() + 2h}));
    fx.storage = mem;
    fx.start();
    REQUIRE(fx.api->get("app-a"));
    CHECK(only_event(fx) == labels{"storage", "ok"});
  }
  {
    tree_fixture fx{""};
    fx.opts.fly.access_token = secret{"fo1_ZW52aXJvbm1lbnR0b2tlbnZhbHVlMTIz"};
    fx.opts.fly.access_token_set = true;
    fx.start();
    REQUIRE(fx.api->get("app-a"));
    CHECK(only_event(fx) == labels{"env", "ok"});
  }
  {
    tree_fixture fx{""};
    fx.opts.fly.access_token_set = false;
    std::ofstream{fx.dir.path / "flyconfig" / "config.yml"} << "access_token: " << sample_oauth
                                                            << "\n";
    fx.start();
    REQUIRE(fx.api->get("app-a"));
    CHECK(only_event(fx) == labels{"config", "ok"});
  }
  {
    tree_fixture fx{""}; // no `fly`: the chain reaches the manual token
    fx.opts.fly.access_token_set = false;
    fx.start();
    REQUIRE(fx.api->set_manual("app-a", secret{sample_legacy}));
    REQUIRE(fx.api->get("app-a"));
    CHECK(only_event(fx) == labels{"manual", "ok"});
  }
  {
    tree_fixture fx{""};
    fx.opts.fly.access_token_set = false;
    fx.start();
    REQUIRE_FALSE(fx.api->get("app-a"));
    CHECK(only_event(fx) == labels{"none", "no_token_available"});
  }
}

TEST_CASE("bad app names are refused with errc::validation naming the rule") {
  tree_fixture fx;
  fx.start();
  for (const char* bad : {"", "App", "app_a", "a/b"}) {
    auto r = fx.api->get(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::validation);
    CHECK(r.error().message().find("lowercase letters, digits and '-'") != std::string::npos);
  }
  CHECK(fx.api->invalidate("UPPER").error().code() == errc::validation);
}

TEST_CASE("the CLI timeout kills a stand-in fly that sleeps, and its children (ExAtlas defect 14)") {
  tree_fixture fx{"echo $$ > \"$(dirname \"$0\")/pid\"\nsleep 300 &\necho $! > \"$(dirname \"$0\")/child\"\nwait"};
  fx.opts.tokens.cli_timeout = 300ms;
  fx.start();
  auto r = fx.api->get("app-a");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::no_token_available);
  CHECK(r.error().message().find("cli:") != std::string::npos);
  auto pid = read_pid(fx.fly->dir / "pid");
  auto child = read_pid(fx.fly->dir / "child");
  REQUIRE(pid > 0);
  REQUIRE(child > 0);
  CHECK(wait_until([&] { return !process_alive(pid) && !process_alive(child); }));
}

TEST_CASE("fly missing: the chain falls through to the manual token (ExAtlas defect 13)") {
  tree_fixture fx{""};
  fx.start();
  REQUIRE(fx.api->set_manual("app-a", secret{sample_legacy}));
  auto r = fx.api->get("app-a");
  REQUIRE(r);
  CHECK(r->source == token_source::manual);
  CHECK(r->token.reveal() == sample_legacy);
}

TEST_CASE("invalidate and set_manual answer while a CLI run is in progress (ExAtlas defect 15)") {
  tree_fixture fx{counting_fly("2")};
  fx.start();
  event got;
  std::thread slow([&] {
    CHECK(fx.api->get("app-a"));
    got.set();
  });
  REQUIRE(wait_until([&] { return fx.fly_runs() == 1; }));
  CHECK(fx.api->set_manual("app-a", secret{sample_oauth}));
  CHECK(fx.api->invalidate("app-a"));
  CHECK_FALSE(got.is_set()); // both answered while the get still waits for `fly`
  slow.join();
}

TEST_CASE("an app server's crash keeps the cache — the next caller reaches a new server") {
  tree_fixture fx;
  fx.start();
  REQUIRE(fx.api->get("app-a"));
  auto server = fx.app_server("app-a");
  REQUIRE(server);
  caf::anon_send_exit(server, caf::exit_reason::kill);
  REQUIRE(wait_until([&] { auto s = fx.app_server("app-a"); return s && s != server; }));
  auto hit = fx.api->get("app-a");
  REQUIRE(hit);
  CHECK(hit->source == token_source::cache);
  CHECK(fx.api->refresh("app-a")); // served by the restarted server
  CHECK(fx.fly_runs() == 2);
}

TEST_CASE("a cache owner's crash rebuilds the subtree — LMDB's tokens come back intact") {
  tree_fixture fx;
  fx.start();
  REQUIRE(fx.api->get("app-a"));
  fx.flush_writes("app-a");
  auto owner = fx.child("token_cache_owner");
  auto servers = fx.svc->handle(token_role::app_servers);
  REQUIRE(owner);
  caf::anon_send_exit(owner, caf::exit_reason::kill);
  REQUIRE(wait_until([&] {
    auto s = fx.svc->handle(token_role::app_servers);
    return s && s != servers;
  }));
  CHECK(fx.svc->cache->size() == 0);
  auto r = fx.api->get("app-a");
  REQUIRE(r);
  CHECK(r->source == token_source::storage);
  CHECK(r->token.reveal() == minted_normalised);
  CHECK(fx.fly_runs() == 1);
}

TEST_CASE("the storage directory is 0700 and its files 0600") {
  tree_fixture fx;
  fx.start();
  auto mode = [](const fs::path& p) {
    struct stat st{};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  auto store = fx.dir.path / "store";
  CHECK(mode(store) == 0700);
  for (const char* f : {"cached.mdb", "manual.mdb"})
    CHECK(mode(store / f) == 0600);
}

TEST_CASE("a corrupt cached store is recreated — the subtree starts") {
  tree_fixture fx;
  fs::create_directories(fx.dir.path / "store");
  std::ofstream{fx.dir.path / "store" / "cached.mdb"} << std::string(4096, 'x');
  fx.start();
  CHECK(fx.api->get("app-a"));
}

TEST_CASE("a corrupt manual store stops the start with an error naming it, and is left untouched") {
  tree_fixture fx;
  auto manual = fx.dir.path / "store" / "manual.mdb";
  fs::create_directories(manual.parent_path());
  const std::string garbage(4096, 'x');
  std::ofstream{manual} << garbage;
  auto t = fx.try_start();
  REQUIRE_FALSE(t);
  CHECK(to_string(t.error()).find("token_storage_owner") != std::string::npos);
  CHECK(to_string(t.error()).find(manual.string()) != std::string::npos);
  std::ifstream in{manual};
  std::string kept{std::istreambuf_iterator<char>{in}, {}};
  CHECK(kept == garbage);
}

TEST_CASE("each subtree writes to its own storage instance (ExAtlas defect 17)") {
  tree_fixture a{""};
  tree_fixture b{""};
  a.start();
  b.start();
  REQUIRE(a.api->set_manual("app-a", secret{sample_legacy}));
  CHECK(a.api->get("app-a")->source == token_source::manual);
  auto other = b.api->get("app-a");
  REQUIRE_FALSE(other);
  CHECK(other.error().code() == errc::no_token_available);
}

TEST_CASE("no token value reaches any log output, on success and failure paths") {
  log_capture logs;
  {
    tree_fixture fx;
    fx.opts.fly.access_token_set = false;
    fx.start();
    CHECK(fx.api->get("app-a"));
    CHECK(fx.api->refresh("app-a"));
    CHECK(fx.api->invalidate("app-a"));
    CHECK(fx.api->set_manual("app-b", secret{sample_oauth}));
    CHECK_FALSE(fx.api->set_manual("app-b", secret{"fm2_" + std::string(8, 'A')}));
  }
  {
    // A `fly` that fails, printing a token on stderr, and one that times out.
    tree_fixture fx{"echo 'Error: bad token " + minted + "' >&2\nexit 1"};
    fx.start();
    CHECK_FALSE(fx.api->get("app-a"));
  }
  {
    tree_fixture fx{"sleep 5"};
    fx.opts.tokens.cli_timeout = 100ms;
    fx.opts.fly.access_token = secret{"fm2_short"};
    fx.opts.fly.access_token_set = true;
    fx.start();
    CHECK_FALSE(fx.api->get("app-a"));
  }
  auto text = logs.text();
  CHECK_FALSE(text.empty()); // the flow did log: the scan below means something
  for (const auto& t : {sample_macaroon_1, sample_macaroon_2, sample_oauth, sample_legacy,
                        std::string{"fm2_short"}})
    CHECK_MESSAGE(text.find(t) == std::string::npos, "a token reached the log");
}
