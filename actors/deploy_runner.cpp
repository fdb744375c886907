#include <atlas/actors/deploy_runner.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/fly/deploy_command.hpp>
#include <atlas/fly/deploy_events.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <algorithm>

namespace atlas {

namespace {

using line_in_atom = caf::atom_constant<caf::atom("dplinein")>;
using exited_atom = caf::atom_constant<caf::atom("dpexited")>;
constexpr line_in_atom line_in_atom_v{};
constexpr exited_atom exited_atom_v{};

using process_result_ptr = std::shared_ptr<const process_result>;

} // namespace
} // namespace atlas

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atlas::process_result_ptr)

namespace atlas {

std::string_view to_string(deploy_status s) noexcept {
  switch (s) {
    case deploy_status::ok: return "ok";
    case deploy_status::exit_status: return "exit_status";
    case deploy_status::timeout: return "timeout";
    case deploy_status::cancelled: return "cancelled";
    case deploy_status::not_found: return "not_found";
    case deploy_status::failed: return "failed";
  }
  return "invalid_deploy_status";
}

error to_error(const deploy_result& r, const std::string& ticket) {
  auto what = "deploy " + ticket;
  auto tail = [&] {
    auto out = std::string_view{r.output};
    if (!out.empty() && out.back() == '\n')
      out.remove_suffix(1);
    auto cut = out.size() > 2000 ? out.size() - 2000 : 0;
    return std::string{out.substr(cut)};
  };
  switch (r.status) {
    case deploy_status::ok: return error{errc::internal, what + ": succeeded (not an error)"};
    case deploy_status::exit_status:
      return error{errc::exit_status, what + ": fly deploy failed with exit status "
                                        + std::to_string(r.exit_code) + ":\n" + tail()};
    case deploy_status::timeout:
      return error{errc::timeout, what + ": fly deploy hit its " + r.reason + " timeout after "
                                    + format_duration(duration{r.duration_ms}) + "; stopped by "
                                    + r.stopped_by + ":\n" + tail()};
    case deploy_status::cancelled:
      return error{errc::cancelled, what + ": cancelled; stopped by " + r.stopped_by};
    case deploy_status::not_found: return error{errc::not_found, what + ": " + r.reason};
    case deploy_status::failed: return error{errc::validation, what + ": " + r.reason};
  }
  return error{errc::internal, what + ": unknown status"};
}

namespace {

class deploy_runner_actor : public caf::event_based_actor {
public:
  deploy_runner_actor(caf::actor_config& cfg, std::shared_ptr<deploy_services> svc, std::string ticket)
    : caf::event_based_actor(cfg), svc_(std::move(svc)), ticket_(std::move(ticket)) {
  }

  const char* name() const override { return "atlas.deploy_runner"; }

  void on_exit() override {
    // Killed outright (or stopped before flyctl ended): flyctl still gets
    // the ladder, so no machine stays leased and no process outlives us.
    if (handle_ && !finished_)
      handle_->cancel();
    caf::event_based_actor::on_exit();
  }

  caf::behavior make_behavior() override {
    set_down_handler([this](const caf::down_msg& m) {
      subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                        [&](const caf::actor& a) { return a.address() == m.source; }),
                         subscribers_.end());
    });
    set_exit_handler([this](const caf::exit_msg& m) {
      if (!handle_ || finished_)
        return quit(m.reason);
      // A supervisor's shutdown: stop flyctl lease-safely, then go (the
      // child spec's shutdown timeout leaves room for the whole ladder).
      shutdown_reason_ = m.reason;
      cancel_requested_ = true;
      handle_->cancel();
    });
    return {
      [this](deploy_run_atom, const deploy_spec& spec, const caf::actor& who) -> expected<void> {
        return run(spec, who);
      },
      [this](deploy_subscribe_atom, const caf::actor& who) -> expected<void> {
        add_subscriber(who);
        return {};
      },
      [this](deploy_unsubscribe_atom, const caf::actor& who) -> expected<void> {
        auto it = std::find(subscribers_.begin(), subscribers_.end(), who);
        if (it == subscribers_.end())
          return error{errc::not_found, "deploy " + ticket_ + ": not subscribed"};
        demonitor(who);
        subscribers_.erase(it);
        return {};
      },
      [this](deploy_cancel_atom) -> expected<void> {
        if (!handle_)
          return error{errc::not_found, "deploy " + ticket_ + ": not running"};
        cancel_requested_ = true;
        handle_->cancel();
        return {};
      },
      [this](line_in_atom, std::string& line) { on_line(std::move(line)); },
      [this](exited_atom, const process_result_ptr& r) { on_process_exit(*r); },
    };
  }

private:
  void add_subscriber(const caf::actor& who) {
    if (!who || std::find(subscribers_.begin(), subscribers_.end(), who) != subscribers_.end())
      return;
    monitor(who);
    subscribers_.push_back(who);
  }

  expected<void> run(const deploy_spec& spec, const caf::actor& who) {
    if (started_)
      return error{errc::validation, "deploy " + ticket_ + ": this ticket is already deploying"};
    started_ = true;
    deploy_request req;
    req.cli_path = svc_->cli_path;
    req.dir = spec.dir;
    req.app = spec.app;
    req.config = spec.config;
    req.timeout = spec.timeout_ms > 0 ? duration{spec.timeout_ms} : svc_->deploys.absolute_timeout;
    req.activity_timeout = spec.activity_timeout_ms > 0 ? duration{spec.activity_timeout_ms}
                                                        : svc_->deploys.activity_timeout;
    req.grace = svc_->deploys.stop_grace;
    req.max_line = svc_->max_line;
    req.env = svc_->env;
    timeout_ = req.timeout;
    activity_timeout_ = req.activity_timeout;
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(this);
    deploy_callbacks cb;
    // Both run on the process runner's thread, in output order: back into
    // the mailbox, never the state (reference/runtime.md §1.12).
    cb.on_line = [weak](std::string line) {
      if (auto self = caf::actor_cast<caf::actor>(weak))
        caf::anon_send(self, line_in_atom_v, std::move(line));
    };
    cb.on_exit = [weak](const process_result& r) {
      if (auto self = caf::actor_cast<caf::actor>(weak))
        caf::anon_send(self, exited_atom_v, std::make_shared<const process_result>(r));
    };
    auto h = start_deploy(*svc_->runner, req, std::move(cb));
    if (!h) {
      log().error("deploy {}: {}", ticket_, h.error().message());
      quit();
      return h.error();
    }
    handle_ = *h;
    add_subscriber(who);
    log().info("deploy {}: fly deploy started in {} (pid {})", ticket_, spec.dir, h->pid());
    return {};
  }

  void on_line(std::string line) {
    ++result_.lines;
    summary_.add(parse_deploy_line(line));
    if (result_.output.size() + line.size() + 1 <= svc_->max_output) {
      result_.output += line;
      result_.output += '\n';
    } else {
      result_.truncated = true;
    }
    emit(svc_->telemetry, {"deploy.line", {{"count", 1.0}}, {{"ticket", ticket_}}});
    for (auto& s : subscribers_)
      send(s, deploy_line_atom_v, ticket_, line);
  }

  void on_process_exit(const process_result& r) {
    finished_ = true;
    result_.exit_code = r.exit_code;
    result_.stopped_by = stop_step_name(r);
    result_.duration_ms = r.elapsed.count();
    switch (r.end) {
      case process_end::exited:
        result_.status = r.exit_code == 0 ? deploy_status::ok : deploy_status::exit_status;
        break;
      case process_end::signaled:
        result_.status = deploy_status::exit_status;
        result_.reason = "ended by signal " + std::to_string(r.signal);
        break;
      case process_end::timeout:
        result_.status = deploy_status::timeout;
        result_.reason = "absolute (" + format_duration(timeout_) + ")";
        break;
      case process_end::activity_timeout:
        result_.status = deploy_status::timeout;
        result_.reason = "activity (" + format_duration(activity_timeout_) + ")";
        break;
      case process_end::cancelled:
        result_.status = deploy_status::cancelled;
        result_.reason = shutdown_reason_ ? "shutdown" : "cancelled";
        break;
    }
    result_.image = summary_.image;
    result_.machines_done = summary_.machines_done;
    result_.machines_total = summary_.machines_total;
    if (r.end == process_end::exited)
      result_.contradiction = summary_.contradiction(r.exit_code);
    if (!result_.contradiction.empty())
      log().warn("deploy {}: {}", ticket_, result_.contradiction);
    log().info("deploy {}: {} (exit {}, {} lines, {})", ticket_, to_string(result_.status),
               result_.exit_code, result_.lines, format_duration(r.elapsed));
    emit(svc_->telemetry,
         {"deploy.exit",
          {{"duration_ms", double(result_.duration_ms)}, {"exit_code", double(result_.exit_code)},
           {"lines", double(result_.lines)}},
          {{"ticket", ticket_}, {"status", std::string{to_string(result_.status)}},
           {"stopped_by", result_.stopped_by}}});
    for (auto& s : subscribers_)
      send(s, deploy_exit_atom_v, ticket_, result_);
    quit(shutdown_reason_ ? *shutdown_reason_ : caf::error{});
  }

  std::shared_ptr<deploy_services> svc_;
  std::string ticket_;
  std::vector<caf::actor> subscribers_;
  std::optional<process_handle> handle_;
  deploy_summary summary_;
  deploy_result result_;
  duration timeout_{0}, activity_timeout_{0};
  std::optional<caf::error> shutdown_reason_;
  bool started_ = false;
  bool finished_ = false;
  bool cancel_requested_ = false;
};

} // namespace

caf::actor spawn_deploy_runner(caf::actor_system& sys, std::shared_ptr<deploy_services> svc,
                               const std::string& ticket) {
  return sys.spawn<deploy_runner_actor>(std::move(svc), ticket);
}

} // namespace atlas
