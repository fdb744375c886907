#include "backend_actors.hpp"

#include <atlas/core/redact.hpp>

#include <caf/all.hpp>

#include <iostream>

namespace backend {

struct log_watcher_state {
  static inline const char* name = "log_watcher";
  bool subscribed = false;
};

std::string entry_line(const atlas::log_entry& e) {
  // Messages are redacted as Atlas prints them: a log line may carry a token.
  return "entry\t" + std::to_string(e.timestamp_ns) + '\t' + e.id + '\t' + e.instance + '\t'
         + atlas::redact(e.message);
}

namespace {

// Asynchronous subscribe from inside the actor: the blocking overload would
// stall this actor's thread (docs/embedding.md, threading rules).
void subscribe(caf::stateful_actor<log_watcher_state>* self, const log_watcher_config& cfg) {
  auto seen = cfg.seen;
  cfg.logs.subscribe(self, caf::actor_cast<caf::actor>(self), cfg.app, {},
                          [self, seen, app = cfg.app](atlas::expected<void> r) {
                            if (!r) {
                              seen->update([&](progress& p) { p.failure = r.error(); });
                              self->quit();
                              return;
                            }
                            self->state.subscribed = true;
                            caf::aout(self) << "subscribed to the logs of " << app << std::endl;
                          });
}

caf::behavior log_watcher(caf::stateful_actor<log_watcher_state>* self, log_watcher_config cfg);
caf::behavior deploy_watcher(caf::event_based_actor* self, deploy_watcher_config cfg);

} // namespace

caf::actor spawn_log_watcher(caf::actor_system& sys, log_watcher_config cfg) {
  return sys.spawn(log_watcher, std::move(cfg));
}

caf::actor spawn_deploy_watcher(caf::actor_system& sys, deploy_watcher_config cfg) {
  return sys.spawn(deploy_watcher, std::move(cfg));
}

namespace {

caf::behavior log_watcher(caf::stateful_actor<log_watcher_state>* self, log_watcher_config cfg) {
  auto seen = cfg.seen;
  // A typed request: the compiler checks the message against tokens_actor,
  // and the answer comes back in this actor's context. Atlas's errors are
  // values (expected); a caf::error means the request itself failed.
  self->request(cfg.handles.tokens, std::chrono::seconds{60}, atlas::token_get_atom_v, cfg.app)
    .then(
      [self, seen, cfg](atlas::expected<atlas::token_reply>& t) {
        if (!t) {
          seen->update([&](progress& p) { p.failure = t.error(); });
          self->quit();
          return;
        }
        // The source only: a token is never printed.
        auto source = std::string{atlas::to_string(t->source)};
        caf::aout(self) << "token of " << cfg.app << ": source " << source << std::endl;
        seen->update([&](progress& p) { p.token_source = source; });
        subscribe(self, cfg);
      },
      [self, seen](caf::error& e) {
        seen->update([&](progress& p) {
          p.failure = atlas::error{atlas::errc::transport, "token request: " + self->system().render(e)};
        });
        self->quit();
      });
  return {
    [=](atlas::logs_atom, const std::string&, const atlas::log_batch& batch) {
      for (auto& e : batch.entries())
        caf::aout(self) << entry_line(e) << std::endl;
      seen->update([&](progress& p) {
        p.lines += batch.size();
        ++p.batches;
      });
    },
    [=](atlas::logs_gap_atom, const std::string& app, const atlas::log_gap& gap) {
      std::cerr << "logs of " << app << ": lines may be missing from "
                << atlas::format_timestamp(gap.from_ns) << " to "
                << atlas::format_timestamp(gap.to_ns) << " (" << gap.reason << ")\n";
      seen->update([](progress& p) { ++p.gaps; });
    },
    [=](atlas::logs_stopped_atom, const std::string& app) {
      std::cerr << "logs of " << app << ": the stream stopped\n";
      seen->update([](progress& p) { p.logs_stopped = true; });
    },
    [=](atlas::evicted_atom, const std::string& topic) {
      // Too slow for the dispatcher: it dropped us. Catch up by subscribing
      // again (the dispatcher never waits for a slow subscriber).
      std::cerr << "evicted from " << topic << "; subscribing again\n";
      seen->update([](progress& p) { ++p.evictions; });
      subscribe(self, cfg);
    },
  };
}

caf::behavior deploy_watcher(caf::event_based_actor* self, deploy_watcher_config cfg) {
  auto seen = cfg.seen;
  auto ticket = atlas::new_deploy_ticket();
  auto fail = [self, seen](atlas::error e) {
    seen->update([&](progress& p) { p.failure = std::move(e); });
    self->quit();
  };
  self->request(cfg.handles.deploys, std::chrono::seconds{30}, atlas::deploy_run_atom_v,
                caf::actor_cast<caf::actor>(self), ticket, atlas::deploy_run_request{cfg.dir, {}})
    .then(
      [self, fail, ticket](atlas::expected<void>& started) {
        if (!started)
          return fail(started.error());
        caf::aout(self) << "deploy " << ticket << " started" << std::endl;
      },
      [self, fail](caf::error& e) {
        fail(atlas::error{atlas::errc::transport, "deploy request: " + self->system().render(e)});
      });
  return {
    [=](atlas::deploy_line_atom, const std::string&, const std::string& line) {
      caf::aout(self) << "deploy\t" << line << std::endl;
    },
    [=](atlas::deploy_exit_atom, const std::string& ticket, const atlas::deploy_result& r) {
      caf::aout(self) << "deploy " << ticket << " exit: " << std::string{atlas::to_string(r.status)}
                      << " (code " << r.exit_code << ", " << r.lines << " lines)" << std::endl;
      seen->update([&](progress& p) { p.deploy = r; });
      self->quit();
    },
  };
}

} // namespace

} // namespace backend
