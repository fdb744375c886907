#include <atlas/api/logs.hpp>

#include <atlas/actors/log_messages.hpp>
#include <atlas/actors/log_streamer.hpp>
#include <atlas/actors/request_error.hpp>
#include <atlas/api/detail/deadline.hpp>
#include <atlas/supervisors/logs_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/group_manager.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <atomic>

namespace atlas {

namespace {

using steady = std::chrono::steady_clock;

error disabled(const std::string& app) {
  return error{errc::no_streamer, "logs of " + app + ": the logs tree is disabled (logs.enabled = false)"};
}

expected<std::string> topic_for(const std::string& app, const log_subscription_options& o) {
  if (auto bad = validate_app_name(app); !bad)
    return bad.error();
  for (auto* f : {&o.region, &o.instance})
    if (f->find_first_of(" =") != std::string::npos || (!f->empty() && f->size() > 64))
      return error{errc::validation, "logs of " + app + ": filter \"" + *f
                                       + "\" is not a region code or a machine id"};
  if (o.since_ns < 0)
    return error{errc::validation, "logs of " + app + ": since must be an instant after 1970"};
  return log_topic({app, o.region, o.instance, o.since_ns});
}

// Every call: a disabled tree says no_streamer, a bad app or filter says why.
expected<std::string> checked_topic(const std::shared_ptr<log_services>& svc, const std::string& app,
                                    const log_subscription_options& o) {
  if (!svc)
    return disabled(app);
  return topic_for(app, o);
}

std::uint64_t next_callback_id() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

// Resolve-or-start the topic's streamer, then ask it. A streamer that stops
// between the two (its last subscriber just left) is resolved once more.
template <class... Ts>
expected<void> ask_streamer(caf::actor_system& sys, const log_services& svc,
                            const std::string& topic, bool start, duration deadline, Ts... xs) {
  auto until = steady::now() + (deadline.count() == 0 ? std::chrono::seconds{10} : deadline);
  auto what = "logs of " + topic;
  caf::scoped_actor self{sys, true};
  for (int attempt = 0;; ++attempt) {
    auto streamers = svc.handle(log_role::streamers);
    if (!streamers)
      return error{errc::no_streamer, what + ": the logs subtree is not running"};
    expected<caf::actor> streamer = error{errc::internal, "no answer"};
    auto resolve = [&](auto&&... req) {
      self->request(streamers, detail::time_left(until), req...)
        .receive([&](expected<caf::actor>& h) { streamer = std::move(h); },
                 [&](caf::error& e) { streamer = request_error(sys, e, what, "the logs subtree stopped"); });
    };
    if (start)
      resolve(start_child_atom_v, topic);
    else
      resolve(caf::get_atom_v, topic);
    if (!streamer) {
      if (!start && streamer.error().code() == errc::not_found)
        return error{errc::not_found, what + ": not subscribed (no streamer)"};
      return streamer.error();
    }
    expected<void> out = error{errc::internal, "no answer"};
    bool again = false;
    self->request(*streamer, detail::time_left(until), xs...)
      .receive([&](expected<void>& r) { out = std::move(r); },
               [&](caf::error& e) {
                 again = e == caf::sec::request_receiver_down && attempt < 2;
                 out = request_error(sys, e, what, "the logs subtree stopped");
               });
    if (!again)
      return out;
  }
}

} // namespace

expected<logs> logs::start(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                           duration deadline) {
  auto flags = logs_supervisor_flags();
  flags.telemetry = svc->telemetry;
  auto sup = start_logs_supervisor(sys, svc, flags, deadline);
  if (!sup)
    return sup.error();
  return logs{sys, std::move(svc), *sup};
}

logs::logs(caf::actor_system& sys, std::shared_ptr<log_services> svc, caf::actor supervisor)
  : sys_(&sys), svc_(std::move(svc)), sup_(std::move(supervisor)) {
}

expected<void> logs::subscribe(const caf::actor& subscriber, const std::string& app,
                               const log_subscription_options& opts, duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  if (!subscriber)
    return error{errc::validation, "logs of " + app + ": no subscriber actor"};
  auto max = opts.max_in_flight != 0 ? opts.max_in_flight : svc_->logs.max_in_flight;
  return ask_streamer(*sys_, *svc_, *topic, true, deadline, subscribe_atom_v, subscriber, max);
}

expected<void> logs::unsubscribe(const caf::actor& subscriber, const std::string& app,
                                 const log_subscription_options& opts, duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  return ask_streamer(*sys_, *svc_, *topic, false, deadline, unsubscribe_atom_v, subscriber);
}

expected<std::uint64_t> logs::subscribe(log_callbacks callbacks, const std::string& app,
                                        const log_subscription_options& opts,
                                        duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  auto id = next_callback_id();
  auto cb = std::make_shared<const log_callbacks>(std::move(callbacks));
  auto r = ask_streamer(*sys_, *svc_, *topic, true, deadline, subscribe_atom_v, log_callbacks_ptr{cb}, id);
  if (!r)
    return r.error();
  return id;
}

expected<void> logs::unsubscribe(std::uint64_t callback_id, const std::string& app,
                                 const log_subscription_options& opts, duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  return ask_streamer(*sys_, *svc_, *topic, false, deadline, unsubscribe_atom_v, callback_id);
}

expected<caf::group> logs::subscribe_group(const std::string& app, const log_subscription_options& opts,
                                           duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  auto g = sys_->groups().get_local(log_group_name(*topic));
  auto r = ask_streamer(*sys_, *svc_, *topic, true, deadline, subscribe_atom_v, g);
  if (!r)
    return r.error();
  return g;
}

expected<void> logs::unsubscribe_group(const std::string& app, const log_subscription_options& opts,
                                       duration deadline) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return topic.error();
  auto g = sys_->groups().get_local(log_group_name(*topic));
  return ask_streamer(*sys_, *svc_, *topic, false, deadline, unsubscribe_atom_v, g);
}

void logs::subscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                     const std::string& app, const log_subscription_options& opts,
                     callback<void> then) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return then(topic.error());
  auto streamers = svc_->handle(log_role::streamers);
  if (!streamers)
    return then(error{errc::no_streamer, "logs of " + app + ": the logs subtree is not running"});
  auto max = opts.max_in_flight != 0 ? opts.max_in_flight : svc_->logs.max_in_flight;
  auto what = "logs of " + *topic;
  auto timeout = std::chrono::seconds{10};
  self->request(streamers, timeout, start_child_atom_v, *topic)
    .then(
      [=](expected<caf::actor>& h) {
        if (!h)
          return then(h.error());
        self->request(*h, timeout, subscribe_atom_v, subscriber, max)
          .then([then](expected<void>& r) { then(std::move(r)); },
                [=](caf::error& e) { then(request_error(self->system(), e, what, "the logs subtree stopped")); });
      },
      [=](caf::error& e) { then(request_error(self->system(), e, what, "the logs subtree stopped")); });
}

void logs::unsubscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                       const std::string& app, const log_subscription_options& opts,
                       callback<void> then) const {
  auto topic = checked_topic(svc_, app, opts);
  if (!topic)
    return then(topic.error());
  auto streamers = svc_->handle(log_role::streamers);
  if (!streamers)
    return then(error{errc::no_streamer, "logs of " + app + ": the logs subtree is not running"});
  auto what = "logs of " + *topic;
  auto timeout = std::chrono::seconds{10};
  self->request(streamers, timeout, caf::get_atom_v, *topic)
    .then(
      [=](expected<caf::actor>& h) {
        if (!h) {
          if (h.error().code() == errc::not_found)
            return then(error{errc::not_found, what + ": not subscribed (no streamer)"});
          return then(h.error());
        }
        self->request(*h, timeout, unsubscribe_atom_v, subscriber)
          .then([then](expected<void>& r) { then(std::move(r)); },
                [=](caf::error& e) { then(request_error(self->system(), e, what, "the logs subtree stopped")); });
      },
      [=](caf::error& e) { then(request_error(self->system(), e, what, "the logs subtree stopped")); });
}

expected<void> logs::stop(duration deadline) const {
  if (!sup_)
    return {};
  return stop_supervisor(*sys_, sup_, deadline);
}

log_token_function logs_token_function(tokens t) {
  return [t](caf::event_based_actor* self, const std::string& app, bool refresh,
             std::function<void(expected<secret>)> then) {
    auto done = [then](expected<token_answer> a) {
      if (!a)
        return then(a.error());
      then(std::move(a->token));
    };
    if (refresh)
      t.refresh(self, app, std::move(done));
    else
      t.get(self, app, std::move(done));
  };
}

} // namespace atlas
