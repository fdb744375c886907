#include <atlas/api/deploys.hpp>

#include <atlas/actors/request_error.hpp>
#include <atlas/supervisors/deploys_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>

namespace atlas {

namespace {

constexpr auto kAskTimeout = std::chrono::seconds{10};

error fly_tree_disabled() {
  return error{errc::unsupported, "deploys: the Fly tree is disabled (fly.enabled = false)"};
}

expected<void> check_ticket(const std::string& ticket) {
  if (ticket.empty() || ticket.size() > 200)
    return error{errc::validation, "deploy ticket \"" + ticket + "\" must be 1-200 characters"};
  for (unsigned char c : ticket)
    if (c < 0x20 || c == 0x7f)
      return error{errc::validation, "deploy ticket \"" + ticket + "\" holds a control character"};
  return {};
}

// Asks the supervisor for the ticket's runner (starting one when `start`),
// then asks the runner.
template <class... Ts>
expected<void> ask_runner(caf::actor_system& sys, const deploy_services& svc, const std::string& ticket,
                          bool start, Ts... xs) {
  auto what = "deploy " + ticket;
  auto sup = svc.runners();
  if (!sup)
    return error{errc::shutdown, what + ": the deploys subtree is not running"};
  caf::scoped_actor self{sys, true};
  expected<caf::actor> runner = error{errc::internal, "no answer"};
  auto got = [&](expected<caf::actor>& h) { runner = std::move(h); };
  auto failed = [&](caf::error& e) { runner = request_error(sys, e, what, "not running", errc::not_found); };
  if (start)
    self->request(sup, kAskTimeout, start_child_atom_v, ticket).receive(got, failed);
  else
    self->request(sup, kAskTimeout, caf::get_atom_v, ticket).receive(got, failed);
  if (!runner) {
    if (runner.error().code() == errc::not_found)
      return error{errc::not_found, what + ": no such deploy running"};
    return runner.error();
  }
  expected<void> out = error{errc::internal, "no answer"};
  self->request(*runner, kAskTimeout, xs...)
    .receive([&](expected<void>& r) { out = std::move(r); },
             [&](caf::error& e) { out = request_error(sys, e, what, "not running", errc::not_found); });
  return out;
}

// The same two requests, for an actor: answered in its context.
template <class... Ts>
void ask_runner_async(caf::event_based_actor* self, const deploy_services& svc, const std::string& ticket,
                      bool start, std::function<void(expected<void>)> then, Ts... xs) {
  auto what = "deploy " + ticket;
  auto sup = svc.runners();
  if (!sup)
    return then(error{errc::shutdown, what + ": the deploys subtree is not running"});
  auto failed = [=](caf::error& e) {
    auto err = request_error(self->system(), e, what, "not running", errc::not_found);
    then(err.code() == errc::not_found ? error{errc::not_found, what + ": no such deploy running"} : err);
  };
  auto got = [=](expected<caf::actor>& h) {
    if (!h) {
      if (h.error().code() == errc::not_found)
        return then(error{errc::not_found, what + ": no such deploy running"});
      return then(h.error());
    }
    self->request(*h, kAskTimeout, xs...)
      .then([then](expected<void>& r) { then(std::move(r)); }, failed);
  };
  if (start)
    self->request(sup, kAskTimeout, start_child_atom_v, ticket).then(got, failed);
  else
    self->request(sup, kAskTimeout, caf::get_atom_v, ticket).then(got, failed);
}

deploy_spec spec_for(const std::string& dir, const deploy_options& o) {
  deploy_spec s;
  s.dir = dir;
  s.app = o.app;
  s.config = o.config;
  s.timeout_ms = o.timeout.count();
  s.activity_timeout_ms = o.activity_timeout.count();
  return s;
}

} // namespace

std::string new_deploy_ticket() {
  static std::atomic<std::uint64_t> n{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch()).count();
  return "deploy-" + std::to_string(ms) + "-" + std::to_string(++n);
}

expected<deploys> deploys::start(caf::actor_system& sys, std::shared_ptr<deploy_services> svc) {
  auto sup = start_deploys_supervisor(sys, svc);
  if (!sup)
    return sup.error();
  return deploys{sys, std::move(svc), *sup};
}

deploys::deploys(caf::actor_system& sys, std::shared_ptr<deploy_services> svc, caf::actor supervisor)
  : sys_(&sys), svc_(std::move(svc)), sup_(std::move(supervisor)) {
}

expected<void> deploys::stream_deploy(const caf::actor& subscriber, const std::string& dir,
                                      const std::string& ticket, const deploy_options& o) const {
  if (!svc_)
    return fly_tree_disabled();
  if (auto ok = check_ticket(ticket); !ok)
    return ok;
  if (o.timeout.count() < 0 || o.activity_timeout.count() < 0)
    return error{errc::validation, "deploy " + ticket + ": timeouts must not be negative"};
  return ask_runner(*sys_, *svc_, ticket, true, deploy_run_atom_v, spec_for(dir, o), subscriber);
}

expected<void> deploys::subscribe(const caf::actor& subscriber, const std::string& ticket) const {
  if (!svc_)
    return fly_tree_disabled();
  if (!subscriber)
    return error{errc::validation, "deploy " + ticket + ": no subscriber actor"};
  return ask_runner(*sys_, *svc_, ticket, false, deploy_subscribe_atom_v, subscriber);
}

expected<void> deploys::unsubscribe(const caf::actor& subscriber, const std::string& ticket) const {
  if (!svc_)
    return fly_tree_disabled();
  return ask_runner(*sys_, *svc_, ticket, false, deploy_unsubscribe_atom_v, subscriber);
}

expected<void> deploys::cancel(const std::string& ticket) const {
  if (!svc_)
    return fly_tree_disabled();
  return ask_runner(*sys_, *svc_, ticket, false, deploy_cancel_atom_v);
}

void deploys::stream_deploy(caf::event_based_actor* self, const caf::actor& subscriber,
                            const std::string& dir, const std::string& ticket, const deploy_options& o,
                            callback<void> then) const {
  if (!svc_)
    return then(fly_tree_disabled());
  if (auto ok = check_ticket(ticket); !ok)
    return then(ok);
  if (o.timeout.count() < 0 || o.activity_timeout.count() < 0)
    return then(error{errc::validation, "deploy " + ticket + ": timeouts must not be negative"});
  ask_runner_async(self, *svc_, ticket, true, std::move(then), deploy_run_atom_v, spec_for(dir, o),
                   subscriber);
}

void deploys::subscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                        const std::string& ticket, callback<void> then) const {
  if (!svc_)
    return then(fly_tree_disabled());
  if (!subscriber)
    return then(error{errc::validation, "deploy " + ticket + ": no subscriber actor"});
  ask_runner_async(self, *svc_, ticket, false, std::move(then), deploy_subscribe_atom_v, subscriber);
}

void deploys::unsubscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                          const std::string& ticket, callback<void> then) const {
  if (!svc_)
    return then(fly_tree_disabled());
  ask_runner_async(self, *svc_, ticket, false, std::move(then), deploy_unsubscribe_atom_v, subscriber);
}

void deploys::cancel(caf::event_based_actor* self, const std::string& ticket, callback<void> then) const {
  if (!svc_)
    return then(fly_tree_disabled());
  ask_runner_async(self, *svc_, ticket, false, std::move(then), deploy_cancel_atom_v);
}

expected<deploy_result> deploys::deploy_result_of(const std::string& dir, const deploy_options& o) const {
  if (!svc_)
    return fly_tree_disabled();
  auto ticket = new_deploy_ticket();
  auto opts = o;
  if (opts.timeout.count() == 0)
    opts.timeout = svc_->deploys.timeout; // ExAtlas's deploy/2: 15 min, no activity timer
  if (opts.activity_timeout.count() == 0)
    opts.activity_timeout = std::chrono::hours{24 * 365};
  caf::scoped_actor self{*sys_, true};
  if (auto ok = stream_deploy(self, dir, ticket, opts); !ok)
    return ok.error();
  // flyctl is stopped by its own timer; this bound only guards against a
  // runner that never answers.
  auto until = std::chrono::steady_clock::now() + opts.timeout + 2 * svc_->deploys.stop_grace
               + std::chrono::seconds{30};
  std::optional<deploy_result> result;
  bool lost = false;
  while (!result && !lost) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    self->receive(
      [&](deploy_line_atom, const std::string&, const std::string&) {},
      [&](deploy_exit_atom, const std::string& t, deploy_result& r) {
        if (t == ticket)
          result = std::move(r);
      },
      caf::after(std::max(left, std::chrono::milliseconds{1})) >> [&] { lost = true; });
  }
  if (!result) {
    (void)cancel(ticket);
    return error{errc::timeout, "deploy " + ticket + ": no exit from the deploy runner in time"};
  }
  return std::move(*result);
}

expected<std::string> deploys::deploy(const std::string& dir, const deploy_options& o) const {
  auto r = deploy_result_of(dir, o);
  if (!r)
    return r.error();
  if (!r->ok())
    return to_error(*r, "of " + dir);
  return std::move(r->output);
}

expected<void> deploys::stop(duration deadline) const {
  if (!sup_)
    return {};
  return stop_supervisor(*sys_, sup_, deadline);
}

} // namespace atlas
