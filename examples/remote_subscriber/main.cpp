// remote_subscriber: another process that follows an app's logs through an
// Atlas node over CAF's network layer (caf::io's BASP), docs/embedding.md.
// It connects to the node's published logs handle (an atlas::logs_actor:
// `atlas node --caf-port P`, or any program that calls
// atlas::publish_remote, such as examples/embedded_backend
// --publish-port), subscribes an actor of its own and prints every entry
// as `entry<TAB>timestamp_ns<TAB>id<TAB>instance<TAB>message` — the same
// messages, batches and order a subscriber inside the node receives.
//
//   remote_subscriber --port P --app APP [--host 127.0.0.1] [--lines N] [--deadline SECONDS]
//
// Exits 0 after N entries (whole batches), 1 when the node refuses, goes
// away, stops the app's logs or the deadline passes, 2 on bad arguments.

#include <atlas/atlas.hpp>
#include <atlas/core/redact.hpp>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

namespace {

struct args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string app;
  std::uint64_t lines = 10;
  std::chrono::seconds deadline{60};
};

int usage(const std::string& why) {
  std::cerr << "remote_subscriber: " << why << "\n"
            << "usage: remote_subscriber --port P --app APP [--host H] [--lines N] [--deadline SECONDS]\n";
  return 2;
}

struct subscriber_config {
  atlas::logs_actor node;
  std::string app;
  std::uint64_t lines;
  std::chrono::seconds deadline;
  int* exit_code; // written by the actor before it quits, read after it is gone
};

struct subscriber_state {
  static inline const char* name = "remote_subscriber";
  std::uint64_t seen = 0;
};

using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

// Subscribes itself through the remote handle and prints what arrives; the
// node's dispatcher treats it like any local subscriber (acknowledgement,
// eviction, logs_stopped), CAF carries the messages.
caf::behavior subscriber(caf::stateful_actor<subscriber_state>* self, subscriber_config cfg) {
  auto finish = [self, cfg](int code, const std::string& why) {
    if (!why.empty())
      std::cerr << "remote_subscriber: " << why << '\n';
    *cfg.exit_code = code;
    // Leave politely; the node also drops us when the connection closes.
    self->send(cfg.node, atlas::unsubscribe_atom_v, caf::actor_cast<caf::actor>(self), cfg.app,
               atlas::log_subscription_options{});
    self->quit();
  };
  // The node going away (its process ends, the connection drops) is a down message.
  self->monitor(cfg.node);
  self->set_down_handler([finish](caf::down_msg&) { finish(1, "the node went away"); });
  self->delayed_send(self, cfg.deadline, deadline_atom::value);
  self->request(cfg.node, std::chrono::seconds{10}, atlas::subscribe_atom_v,
                caf::actor_cast<caf::actor>(self), cfg.app, atlas::log_subscription_options{})
    .then(
      [self, cfg, finish](atlas::expected<void>& ok) {
        if (!ok)
          return finish(1, "the node refused: " + atlas::to_string(ok.error()));
        caf::aout(self) << "subscribed to the logs of " << cfg.app << std::endl;
      },
      [self, finish](caf::error& e) { finish(1, "subscribe: " + self->system().render(e)); });
  return {
    [self, cfg, finish](atlas::logs_atom, const std::string&, const atlas::log_batch& batch) {
      for (auto& e : batch.entries())
        // Strings, not chars: aout renders a char as its number.
        caf::aout(self) << "entry\t" + std::to_string(e.timestamp_ns) + "\t" + e.id + "\t"
                             + e.instance + "\t" + atlas::redact(e.message)
                        << std::endl;
      self->state.seen += batch.size();
      if (self->state.seen >= cfg.lines)
        finish(0, "");
    },
    [](atlas::logs_gap_atom, const std::string& app, const atlas::log_gap& gap) {
      std::cerr << "logs of " << app << ": lines may be missing (" << gap.reason << ")\n";
    },
    [finish](atlas::logs_stopped_atom, const std::string& app) {
      finish(1, "the logs of " + app + " stopped");
    },
    [finish](atlas::evicted_atom, const std::string& topic) {
      finish(1, "evicted from " + topic + ": too slow");
    },
    [self, finish](deadline_atom) {
      finish(1, "deadline passed after " + std::to_string(self->state.seen) + " entries");
    },
  };
}

} // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc)
      return usage(k + " needs a value");
    std::string v = argv[++i];
    try {
      if (k == "--host")
        a.host = v;
      else if (k == "--port")
        a.port = static_cast<std::uint16_t>(std::stoul(v));
      else if (k == "--app")
        a.app = v;
      else if (k == "--lines")
        a.lines = std::stoull(v);
      else if (k == "--deadline")
        a.deadline = std::chrono::seconds{std::stoll(v)};
      else
        return usage("unknown option " + k);
    } catch (const std::exception&) {
      return usage(k + " " + v + ": not a number");
    }
  }
  if (a.port == 0 || a.app.empty())
    return usage("--port and --app are required");

  // Both ends announce Atlas's message types and load the middleman.
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  atlas::add_message_types(cfg);
  caf::actor_system sys{cfg};

  // remote_actor checks that what is published there is an atlas::logs_actor.
  auto node = sys.middleman().remote_actor<atlas::logs_actor>(a.host, a.port);
  if (!node) {
    std::cerr << "remote_subscriber: cannot reach an Atlas logs handle at " << a.host << ':'
              << a.port << ": " << sys.render(node.error()) << '\n';
    return 1;
  }
  int code = 1;
  sys.spawn(subscriber, subscriber_config{*node, a.app, a.lines, a.deadline, &code});
  sys.await_all_actors_done();
  return code;
}
