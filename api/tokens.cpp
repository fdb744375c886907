#include <atlas/api/tokens.hpp>

#include <atlas/actors/request_error.hpp>
#include <atlas/api/detail/deadline.hpp>
#include <atlas/actors/token_messages.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>
#include <atlas/supervisors/tokens_supervisor.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>

namespace atlas {

namespace {

using steady = std::chrono::steady_clock;

duration default_deadline(const token_services& svc, bool acquires) {
  return acquires ? svc.tokens.cli_timeout + std::chrono::seconds{30} : duration{std::chrono::seconds{5}};
}

token_answer answer_of(token_record rec, token_acquirer by) {
  return {std::move(rec.value), rec.source, by, rec.expires_at};
}

void report(const token_services& svc, const std::string& app, const expected<token_answer>& r,
            token_acquirer by, steady::time_point t0) {
  if (svc.telemetry == nullptr)
    return;
  auto us = std::chrono::duration<double, std::micro>(steady::now() - t0).count();
  emit(svc.telemetry,
       {.name = "token.acquire",
        .measurements = {{"duration_us", us}},
        .metadata = {{"app", app},
                     {"source", std::string{to_string(r ? r->source : token_source::none)}},
                     {"acquirer", std::string{to_string(r ? r->acquirer : by)}},
                     {"outcome", r ? "ok" : std::string{to_string(r.error().code())}}}});
}

std::optional<token_answer> cache_hit(const token_services& svc, const std::string& app) {
  auto hit = svc.cache->get(app, svc.now());
  if (!hit)
    return std::nullopt;
  hit->source = token_source::cache;
  return answer_of(std::move(*hit), token_acquirer::facade);
}

// One request to the app's server: a running one is found in the services'
// registry; otherwise its supervisor resolves or starts it first. A server
// that stops before it answers (a crash) is resolved once more through the
// supervisor, which restarts it.
template <class R, class Send>
expected<R> call_blocking(caf::actor_system& sys, const token_services& svc,
                          const std::string& app, duration deadline, const char* what,
                          Send send) {
  auto until = steady::now() + deadline;
  caf::scoped_actor self{sys};
  for (int attempt = 0;; ++attempt) {
    expected<caf::actor> server = error{errc::internal, "no answer"};
    if (auto running = attempt == 0 ? svc.find_server(app) : caf::actor{}) {
      server = std::move(running);
    } else {
      auto servers = svc.handle(token_role::app_servers);
      if (!servers)
        return error{errc::shutdown, std::string{what} + " for app " + app
                                       + ": the tokens subtree is not running"};
      self->request(servers, detail::time_left(until), start_child_atom_v, app)
        .receive([&](expected<caf::actor>& h) { server = std::move(h); },
                 [&](caf::error& e) { server = request_error(sys, e, std::string{what} + " for app " + app, "its server stopped"); });
    }
    if (!server)
      return server.error();
    expected<R> out = error{errc::internal, "no answer"};
    bool again = false;
    send(self, *server, detail::time_left(until))
      .receive([&](expected<R>& r) { out = std::move(r); },
               [&](caf::error& e) {
                 again = e == caf::sec::request_receiver_down && attempt == 0;
                 out = request_error(sys, e, std::string{what} + " for app " + app, "its server stopped");
               });
    if (!again)
      return out;
  }
}

template <class R, class Send>
void call_async(caf::event_based_actor* self, std::shared_ptr<token_services> svc,
                const std::string& app, duration deadline, const char* what, Send send,
                std::function<void(expected<R>)> then, int attempt = 0) {
  auto until = steady::now() + deadline;
  auto ask = [=](const caf::actor& server) {
    send(self, server, detail::time_left(until))
      .then([then](expected<R>& r) { then(std::move(r)); },
            [=](caf::error& e) {
              if (e == caf::sec::request_receiver_down && attempt == 0)
                call_async<R>(self, svc, app, std::chrono::duration_cast<duration>(detail::time_left(until)),
                              what, send, then, attempt + 1);
              else
                then(request_error(self->system(), e, std::string{what} + " for app " + app, "its server stopped"));
            });
  };
  if (attempt == 0)
    if (auto running = svc->find_server(app))
      return ask(running);
  auto servers = svc->handle(token_role::app_servers);
  if (!servers) {
    then(error{errc::shutdown, std::string{what} + " for app " + app
                                 + ": the tokens subtree is not running"});
    return;
  }
  self->request(servers, detail::time_left(until), start_child_atom_v, app)
    .then(
      [=](expected<caf::actor>& server) {
        if (server)
          ask(*server);
        else
          then(server.error());
      },
      [=](caf::error& e) { then(request_error(self->system(), e, std::string{what} + " for app " + app, "its server stopped")); });
}

auto send_acquire = [](auto& self, const caf::actor& server, caf::timespan t) {
  return self->request(server, t, acquire_atom_v);
};
auto send_refresh = [](auto& self, const caf::actor& server, caf::timespan t) {
  return self->request(server, t, refresh_atom_v);
};
auto send_invalidate = [](auto& self, const caf::actor& server, caf::timespan t) {
  return self->request(server, t, invalidate_atom_v);
};

expected<token_answer> to_answer(expected<token_record> r) {
  if (!r)
    return r.error();
  return answer_of(std::move(*r), token_acquirer::app_server);
}

// An app server's answer, turned into the facade's, reported, then handed on.
std::function<void(expected<token_record>)>
answered(std::shared_ptr<token_services> svc, std::string app, steady::time_point t0,
         std::function<void(expected<token_answer>)> then) {
  return [svc = std::move(svc), app = std::move(app), t0,
          then = std::move(then)](expected<token_record> rec) {
    auto r = to_answer(std::move(rec));
    report(*svc, app, r, token_acquirer::app_server, t0);
    then(std::move(r));
  };
}

} // namespace

std::string_view to_string(token_acquirer a) noexcept {
  return a == token_acquirer::facade ? "facade" : "app_server";
}

expected<void> validate_app_name(const std::string& app) {
  auto ok_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
  if (app.empty() || app.size() > 63 || !std::all_of(app.begin(), app.end(), ok_char))
    return error{errc::validation,
                 "app name \"" + app.substr(0, 80)
                   + "\": a Fly app name has 1 to 63 characters: lowercase letters, digits and '-'"};
  return {};
}

expected<tokens> tokens::start(caf::actor_system& sys, std::shared_ptr<token_services> svc,
                               duration deadline) {
  auto flags = tokens_supervisor_flags();
  flags.telemetry = svc->telemetry;
  auto sup = start_tokens_supervisor(sys, svc, flags, deadline);
  if (!sup)
    return sup.error();
  return tokens{sys, std::move(svc), *sup};
}

tokens::tokens(caf::actor_system& sys, std::shared_ptr<token_services> svc, caf::actor supervisor)
  : sys_(&sys), svc_(std::move(svc)), sup_(std::move(supervisor)) {
}

expected<token_answer> tokens::get(const std::string& app, duration deadline) const {
  auto t0 = steady::now();
  if (auto bad = validate_app_name(app); !bad)
    return bad.error();
  expected<token_answer> r = error{errc::internal, "no answer"};
  if (auto hit = cache_hit(*svc_, app)) {
    r = std::move(*hit);
  } else {
    auto d = deadline.count() > 0 ? deadline : default_deadline(*svc_, true);
    r = to_answer(call_blocking<token_record>(*sys_, *svc_, app, d, "get token", send_acquire));
  }
  report(*svc_, app, r, token_acquirer::app_server, t0);
  return r;
}

expected<token_answer> tokens::refresh(const std::string& app, duration deadline) const {
  auto t0 = steady::now();
  if (auto bad = validate_app_name(app); !bad)
    return bad.error();
  auto d = deadline.count() > 0 ? deadline : default_deadline(*svc_, true);
  auto r = to_answer(
    call_blocking<token_record>(*sys_, *svc_, app, d, "refresh token", send_refresh));
  report(*svc_, app, r, token_acquirer::app_server, t0);
  return r;
}

expected<void> tokens::invalidate(const std::string& app, duration deadline) const {
  if (auto bad = validate_app_name(app); !bad)
    return bad;
  auto d = deadline.count() > 0 ? deadline : default_deadline(*svc_, false);
  return call_blocking<void>(*sys_, *svc_, app, d, "invalidate token", send_invalidate);
}

expected<void> tokens::set_manual(const std::string& app, const secret& token,
                                  duration deadline) const {
  if (auto bad = validate_app_name(app); !bad)
    return bad;
  auto d = deadline.count() > 0 ? deadline : default_deadline(*svc_, false);
  return call_blocking<void>(*sys_, *svc_, app, d, "set manual token",
                             [&token](auto& self, const caf::actor& server, caf::timespan t) {
                               return self->request(server, t, set_manual_atom_v, token);
                             });
}

void tokens::get(caf::event_based_actor* self, const std::string& app,
                 callback<token_answer> then) const {
  auto t0 = steady::now();
  if (auto bad = validate_app_name(app); !bad)
    return then(bad.error());
  if (auto hit = cache_hit(*svc_, app)) {
    expected<token_answer> r{std::move(*hit)};
    report(*svc_, app, r, token_acquirer::facade, t0);
    return then(std::move(r));
  }
  call_async<token_record>(self, svc_, app, default_deadline(*svc_, true), "get token",
                           send_acquire, answered(svc_, app, t0, std::move(then)));
}

void tokens::refresh(caf::event_based_actor* self, const std::string& app,
                     callback<token_answer> then) const {
  auto t0 = steady::now();
  if (auto bad = validate_app_name(app); !bad)
    return then(bad.error());
  call_async<token_record>(self, svc_, app, default_deadline(*svc_, true), "refresh token",
                           send_refresh, answered(svc_, app, t0, std::move(then)));
}

void tokens::invalidate(caf::event_based_actor* self, const std::string& app,
                        callback<void> then) const {
  if (auto bad = validate_app_name(app); !bad)
    return then(bad);
  call_async<void>(self, svc_, app, default_deadline(*svc_, false), "invalidate token",
                   send_invalidate, std::move(then));
}

void tokens::set_manual(caf::event_based_actor* self, const std::string& app,
                        const secret& token, callback<void> then) const {
  if (auto bad = validate_app_name(app); !bad)
    return then(bad);
  call_async<void>(self, svc_, app, default_deadline(*svc_, false), "set manual token",
                   [token](auto& self, const caf::actor& server, caf::timespan t) {
                     return self->request(server, t, set_manual_atom_v, token);
                   },
                   std::move(then));
}

expected<void> tokens::stop(duration deadline) const {
  if (!sup_)
    return {};
  return stop_supervisor(*sys_, sup_, deadline);
}

} // namespace atlas
