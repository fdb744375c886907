// embedded_backend: a small CAF application that embeds Atlas
// (docs/embedding.md). It starts the Atlas tree in its own actor_system with
// a token storage of its own, and with actors of its own it
//   - gets an app's token through Atlas (printing only where it came from),
//   - follows the app's logs (entries, gaps, logs_stopped, eviction),
//   - runs a deploy of a project directory and follows its lines,
// then stops Atlas in OTP order and exits 0 — or non-zero, saying why, when
// something failed or the deadline passed. With --publish-port it also
// publishes its logs handle on CAF's network layer for remote_subscriber and
// serves until SIGINT or SIGTERM.
//
// Configuration is Atlas's own (atlas.toml, ATLAS_*, FLY_API_BASE_URL,
// FLY_FLAPS_BASE_URL, FLY_API_TOKEN, ATLAS_FLY_CLI_PATH: docs/configuration.md).
//
//   embedded_backend --app APP [--lines N] [--deploy-dir DIR]
//                    [--token-file PATH] [--deadline SECONDS] [--publish-port P]

#include "backend_actors.hpp"
#include "file_token_storage.hpp"

#include <atlas/atlas.hpp>
#include <atlas/node/remote_publication.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_ostream.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct args {
  std::string app;
  std::uint64_t lines = 10;
  std::string deploy_dir;
  std::string token_file;
  std::chrono::seconds deadline{60};
  std::optional<std::uint16_t> publish_port;
};

int usage(const std::string& why) {
  std::cerr << "embedded_backend: " << why << "\n"
            << "usage: embedded_backend --app APP [--lines N] [--deploy-dir DIR] [--token-file PATH]\n"
            << "                        [--deadline SECONDS] [--publish-port PORT]\n";
  return 2;
}

std::optional<args> parse(int argc, char** argv, int& code) {
  args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) {
      code = usage(k + " needs a value");
      return std::nullopt;
    }
    std::string v = argv[++i];
    try {
      if (k == "--app")
        a.app = v;
      else if (k == "--lines")
        a.lines = std::stoull(v);
      else if (k == "--deploy-dir")
        a.deploy_dir = v;
      else if (k == "--token-file")
        a.token_file = v;
      else if (k == "--deadline")
        a.deadline = std::chrono::seconds{std::stoll(v)};
      else if (k == "--publish-port")
        a.publish_port = static_cast<std::uint16_t>(std::stoul(v));
      else {
        code = usage("unknown option " + k);
        return std::nullopt;
      }
    } catch (const std::exception&) {
      code = usage(k + " " + v + ": not a number");
      return std::nullopt;
    }
  }
  if (a.app.empty()) {
    code = usage("--app is required");
    return std::nullopt;
  }
  if (a.token_file.empty())
    a.token_file = (std::filesystem::temp_directory_path()
                    / ("embedded_backend-tokens-" + std::to_string(::getuid())))
                     .string();
  return a;
}

// stdout is shared with the actors, which print through CAF's printer
// (caf::aout); the main thread goes through it too, so lines never mix.
void say(caf::actor_system& sys, const std::string& line) {
  caf::scoped_actor self{sys};
  caf::aout(self) << line << std::endl;
}

int fail(const std::string& what) {
  std::cerr << "embedded_backend: " << what << '\n';
  return 1;
}

int run(const args& a, const sigset_t& stop_signals) {
  auto opts = atlas::load_options();
  if (!opts)
    return fail(atlas::to_string(opts.error()));

  // Atlas's messages can cross CAF's network layer only when announced;
  // the middleman is needed only to publish.
  caf::actor_system_config cfg;
  atlas::add_message_types(cfg);
  if (a.publish_port)
    cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};

  // The backend's own durable token storage, supervised inside Atlas's
  // tokens subtree like the built-in LMDB one.
  auto storage = backend::file_token_storage::open(a.token_file);
  if (!storage)
    return fail(atlas::to_string(storage.error()));
  atlas::runtime_parts parts;
  parts.storage = std::shared_ptr<atlas::token_storage>{std::move(*storage)};

  auto rt = atlas::runtime::start(sys, *opts, std::move(parts));
  if (!rt)
    return fail("atlas did not start: " + atlas::to_string(rt.error()));

  // Typed CAF handles on the runtime's facades, for the backend's actors.
  auto handles = atlas::spawn_typed_handles(*rt);
  auto seen = std::make_shared<backend::progress>();
  auto watcher = backend::spawn_log_watcher(sys, {rt->logs(), handles, a.app, seen});
  // Whatever way run() returns, the backend's actors stop before the system
  // is destroyed (its destructor waits for every actor).
  struct stop_on_return {
    std::vector<caf::actor> actors;
    ~stop_on_return() {
      for (auto& h : actors)
        caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    }
  } stopper{{watcher, caf::actor_cast<caf::actor>(handles.tokens)}};

  atlas::remote_publication publication;
  if (a.publish_port) {
    // Port 0: any free one. (`atlas node` calls atlas::publish_remote with
    // its options instead, where node.caf_port 0 means "do not publish".)
    auto p = atlas::remote_publication::publish(sys, *rt, {opts->node.caf_bind, *a.publish_port});
    if (!p)
      return fail("publish: " + atlas::to_string(p.error()));
    publication = std::move(*p);
    // scripts/test_examples reads this line to find the port.
    say(sys, "caf_port=" + std::to_string(publication.port()));
  }

  if (!a.deploy_dir.empty())
    stopper.actors.push_back(
      backend::spawn_deploy_watcher(sys, {handles, a.deploy_dir, seen}));

  // The main thread waits for what the actors report, with a deadline.
  auto until = std::chrono::steady_clock::now() + a.deadline;
  int code = 0;
  {
    std::unique_lock lock{seen->mtx};
    auto done = [&] {
      return seen->failure || seen->logs_stopped
             || (seen->lines >= a.lines && (a.deploy_dir.empty() || seen->deploy));
    };
    if (!seen->cv.wait_until(lock, until, done)) {
      code = fail("deadline of " + std::to_string(a.deadline.count()) + " s passed with "
                  + std::to_string(seen->lines) + " of " + std::to_string(a.lines)
                  + " lines and " + (seen->deploy ? "the" : "no") + " deploy exit");
    } else if (seen->failure) {
      code = fail(atlas::to_string(*seen->failure));
    } else if (seen->logs_stopped && seen->lines < a.lines) {
      code = fail("the logs of " + a.app + " stopped after " + std::to_string(seen->lines) + " lines");
    } else if (seen->deploy && !seen->deploy->ok()) {
      code = fail("deploy failed: " + std::string{atlas::to_string(seen->deploy->status)} + " "
                  + seen->deploy->reason);
    }
  }

  // Publishing: serve remote subscribers until told to stop.
  if (code == 0 && publication.active()) {
    say(sys, "serving until SIGINT or SIGTERM");
    auto left = until - std::chrono::steady_clock::now();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(left).count();
    timespec ts{secs > 0 ? secs : 0, 0};
    if (sigtimedwait(&stop_signals, nullptr, &ts) < 0)
      code = fail("deadline passed while serving; no SIGINT or SIGTERM came");
  }

  {
    std::lock_guard g{seen->mtx};
    say(sys, "summary: lines=" + std::to_string(seen->lines) + " batches="
               + std::to_string(seen->batches) + " gaps=" + std::to_string(seen->gaps)
               + " evictions=" + std::to_string(seen->evictions) + " token_source="
               + seen->token_source + " deploy="
               + std::string{seen->deploy ? atlas::to_string(seen->deploy->status) : "none"});
  }
  // A blocking helper: fine here, on the main thread; never in a handler.
  (void) rt->logs().unsubscribe(watcher, a.app);
  publication.stop();
  if (auto ok = rt->stop(); !ok)
    code = fail("stop: " + atlas::to_string(ok.error()));
  return code;
}

} // namespace

int main(int argc, char** argv) {
  int code = 0;
  auto a = parse(argc, argv, code);
  if (!a)
    return code;
  // SIGINT and SIGTERM are taken by sigtimedwait, so block them before any
  // thread (CAF's) starts: every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return run(*a, stop_signals);
}
