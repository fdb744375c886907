// The logs handle on CAF's network layer (node/remote_publication.hpp): a
// second actor system in this process connects over 127.0.0.1 as another
// process would, and its subscriber receives every entry a local one does.
#include <atlas/node/remote_publication.hpp>

#include <atlas/atlas.hpp>

#include "../support/fake_env.hpp"
#include "../support/wait.hpp"

#include <atlas/sim/fly_simulator.hpp>
#include <atlas/storage/memory_token_storage.hpp>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <mutex>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

// What one subscriber actor has received, readable from the test thread.
struct received {
  std::mutex mtx;
  std::vector<log_entry> entries;
  std::vector<std::string> stopped;

  std::size_t size() {
    std::lock_guard g{mtx};
    return entries.size();
  }
  std::vector<log_entry> copy() {
    std::lock_guard g{mtx};
    return entries;
  }
};

caf::behavior collector(caf::event_based_actor*, std::shared_ptr<received> r) {
  return {
    [r](logs_atom, const std::string&, const log_batch& b) {
      std::lock_guard g{r->mtx};
      r->entries.insert(r->entries.end(), b.entries().begin(), b.entries().end());
    },
    [r](logs_stopped_atom, const std::string& app) {
      std::lock_guard g{r->mtx};
      r->stopped.push_back(app);
    },
    [](logs_gap_atom, const std::string&, const log_gap&) {},
    [](evicted_atom, const std::string&) {},
  };
}

caf::actor_system_config& networked(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.load<caf::io::middleman>();
  return add_message_types(cfg);
}

// A node (simulator, runtime, publication) and a remote actor system.
struct remote_fixture {
  std::unique_ptr<fly_simulator> sim;
  caf::actor_system_config node_cfg;
  std::unique_ptr<caf::actor_system> node_sys;
  caf::actor_system_config remote_cfg;
  std::unique_ptr<caf::actor_system> remote_sys;
  options opts;
  std::optional<runtime> rt;
  std::vector<caf::actor> spawned; // stopped first: a system waits for its actors

  remote_fixture() {
    sim = std::move(*fly_simulator::start());
    REQUIRE(sim->add_app("app-a"));
    node_sys = std::make_unique<caf::actor_system>(networked(node_cfg));
    remote_sys = std::make_unique<caf::actor_system>(networked(remote_cfg));
    opts.fly.api_base_url = sim->base_url();
    opts.fly.flaps_base_url = sim->base_url();
    opts.fly.access_token = secret{sim->token()};
    opts.fly.access_token_set = true;
    opts.tokens.config_file_enabled = false;
    opts.logs.poll_interval = 20ms;
    runtime_parts parts;
    parts.storage = std::make_shared<memory_token_storage>();
    parts.env = fake_env({});
    auto started = runtime::start(*node_sys, opts, std::move(parts));
    REQUIRE(started);
    rt = std::move(*started);
  }
  ~remote_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    if (rt)
      (void) rt->stop();
    rt.reset();
    remote_sys.reset();
    node_sys.reset();
    sim->stop();
  }

  // The remote side's subscribe, as examples/remote_subscriber does it.
  expected<void> subscribe_remotely(std::uint16_t port, const caf::actor& who) {
    auto logs = remote_sys->middleman().remote_actor<logs_actor>("127.0.0.1", port);
    if (!logs)
      return error{errc::transport, remote_sys->render(logs.error())};
    caf::scoped_actor self{*remote_sys};
    expected<void> result = error{errc::timeout, "no answer"};
    self->request(*logs, 10s, subscribe_atom_v, who, std::string{"app-a"}, log_subscription_options{})
      .receive([&](expected<void>& r) { result = std::move(r); },
               [&](caf::error& e) { result = error{errc::transport, remote_sys->render(e)}; });
    return result;
  }

  caf::actor collect(caf::actor_system& sys, std::shared_ptr<received> r) {
    spawned.push_back(sys.spawn(collector, std::move(r)));
    return spawned.back();
  }

  // After subscribing, one answered poll: lines appended before the
  // streamer's first page would be older than it (the latest lines).
  void settle() {
    auto before = sim->count("GET", "/api/v1/apps/{app}/logs", 200);
    REQUIRE(wait_until([&] { return sim->count("GET", "/api/v1/apps/{app}/logs", 200) > before; }));
  }

  // New lines, stamped now: the streamer's cursor starts at the present.
  void append(int from, int to) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    for (int i = from; i < to; ++i) {
      log_entry e;
      e.timestamp_ns = now + i;
      e.instance = "0123456789abcd";
      e.region = "ams";
      e.level = "info";
      e.message = "line " + std::to_string(i);
      sim->append_log("app-a", e);
    }
  }
};

} // namespace

TEST_CASE("remote_publication: a subscriber in another actor system receives every entry a local subscriber receives, in order") {
  remote_fixture f;
  auto pub = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
  REQUIRE(pub);
  CHECK(pub->active());
  CHECK(pub->port() != 0);
  CHECK(pub->bind() == "127.0.0.1");

  auto local = std::make_shared<received>();
  auto remote = std::make_shared<received>();
  auto local_actor = f.collect(*f.node_sys, local);
  auto remote_actor = f.collect(*f.remote_sys, remote);
  REQUIRE(f.rt->logs().subscribe(local_actor, "app-a"));
  REQUIRE(f.subscribe_remotely(pub->port(), remote_actor));
  f.settle();

  // Several polls' worth, so the entries come in several batches.
  f.append(0, 40);
  REQUIRE(wait_until([&] { return local->size() >= 40 && remote->size() >= 40; }));
  f.settle(); // the next lines come in later polls
  f.append(40, 100);
  REQUIRE(wait_until([&] { return local->size() >= 100 && remote->size() >= 100; }));
  auto l = local->copy();
  auto r = remote->copy();
  CHECK(l.size() == 100);
  CHECK(r == l); // the same entries, none lost or repeated, every field intact
  CHECK(r.front().message == "line 0");
  CHECK(r.back().message == "line 99");
}

TEST_CASE("remote_publication: a remote subscriber gets logs_stopped when the node's logs tree stops") {
  remote_fixture f;
  auto pub = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
  REQUIRE(pub);
  auto remote = std::make_shared<received>();
  auto remote_actor = f.collect(*f.remote_sys, remote);
  REQUIRE(f.subscribe_remotely(pub->port(), remote_actor));
  f.settle();
  f.append(0, 5);
  REQUIRE(wait_until([&] { return remote->size() >= 5; }));
  REQUIRE(f.rt->stop());
  f.rt.reset();
  CHECK(wait_until([&] {
    std::lock_guard g{remote->mtx};
    return remote->stopped == std::vector<std::string>{"app-a"};
  }));
}

TEST_CASE("remote_publication: the published actor answers the logs interface only, never a token request") {
  remote_fixture f;
  auto pub = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
  REQUIRE(pub);
  // A client that drops the type and asks for a token anyway.
  auto typed = f.remote_sys->middleman().remote_actor<logs_actor>("127.0.0.1", pub->port());
  REQUIRE(typed);
  auto raw = caf::actor_cast<caf::actor>(*typed);
  caf::scoped_actor self{*f.remote_sys};
  bool answered_with_token = false;
  std::optional<caf::error> refused;
  self->request(raw, 10s, token_get_atom_v, std::string{"app-a"})
    .receive([&](const expected<token_reply>&) { answered_with_token = true; },
             [&](caf::error& e) { refused = e; });
  CHECK_FALSE(answered_with_token);
  REQUIRE(refused);
  CHECK(*refused == caf::sec::unexpected_message);
}

TEST_CASE("remote_publication: stop closes the port, and a new connection is refused") {
  remote_fixture f;
  auto pub = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
  REQUIRE(pub);
  auto port = pub->port();
  REQUIRE(f.remote_sys->middleman().remote_actor<logs_actor>("127.0.0.1", port));
  pub->stop();
  CHECK_FALSE(pub->active());
  CHECK(pub->port() == 0);
  caf::actor_system_config other_cfg;
  caf::actor_system other{networked(other_cfg)}; // a fresh system: no cached connection
  CHECK_FALSE(other.middleman().remote_actor<logs_actor>("127.0.0.1", port));
}

TEST_CASE("remote_publication: a port already in use is errc::validation naming the address") {
  remote_fixture f;
  auto first = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
  REQUIRE(first);
  auto second = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", first->port()});
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == errc::validation);
  CHECK(second.error().message().find("127.0.0.1:" + std::to_string(first->port())) != std::string::npos);
}

TEST_CASE("publish_remote: node.caf_port 0 publishes nothing, and a system without a middleman is errc::unsupported") {
  remote_fixture f;
  node_options off;
  CHECK(off.caf_port == 0);
  CHECK(off.caf_bind == "127.0.0.1");
  auto none = publish_remote(*f.node_sys, *f.rt, off);
  REQUIRE(none);
  CHECK_FALSE(none->active());
  CHECK(none->port() == 0);

  caf::actor_system_config plain_cfg;
  plain_cfg.set("scheduler.max-threads", 2);
  caf::actor_system plain{plain_cfg};
  node_options on;
  on.caf_port = 1; // never bound: refused before any bind
  auto refused = publish_remote(plain, *f.rt, on);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::unsupported);
  CHECK(refused.error().message().find("middleman") != std::string::npos);
}

TEST_CASE("publish_remote: node.caf_port and node.caf_bind decide where it listens") {
  remote_fixture f;
  // A free port, found by publishing on 0 and closing it again.
  std::uint16_t port = 0;
  {
    auto probe = remote_publication::publish(*f.node_sys, *f.rt, {"127.0.0.1", 0});
    REQUIRE(probe);
    port = probe->port();
  }
  node_options o;
  o.caf_port = port;
  auto pub = publish_remote(*f.node_sys, *f.rt, o);
  REQUIRE(pub);
  CHECK(pub->port() == port);
  CHECK(pub->bind() == "127.0.0.1");
  CHECK(f.remote_sys->middleman().remote_actor<logs_actor>("127.0.0.1", port));
}
