#include <atlas/api/orchestrator.hpp>

#include <atlas/actors/request_error.hpp>
#include <atlas/supervisors/orchestrator_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>

namespace atlas {

namespace json = boost::json;

namespace {

error orchestrator_disabled() {
  return error{errc::unsupported, "orchestrator: not started (orchestrator.enabled = false)"};
}

std::int64_t ms(duration d) {
  return d.count();
}

json::object compute_json(const compute& c) {
  json::array ports;
  for (auto& p : c.ports)
    ports.push_back(json::object{{"internal", p.internal},
                                 {"external", p.external == 0 ? json::value{} : json::value(p.external)},
                                 {"protocol", to_string(p.protocol)},
                                 {"url", p.url.empty() ? json::value{} : json::value(p.url)}});
  json::object labels;
  for (auto& [k, v] : c.labels)
    labels[k] = v;
  json::value auth; // null: none
  if (c.auth.scheme != auth_scheme::none)
    auth = json::object{{"scheme", to_string(c.auth.scheme)}, {"header", c.auth.header}, {"hash", c.auth.hash}};
  auto opt = [](const std::string& s) { return s.empty() ? json::value{} : json::value(s); };
  return json::object{{"id", c.id},
                      {"provider", c.provider},
                      {"status", to_string(c.status)},
                      {"name", opt(c.name)},
                      {"public_ip", opt(c.public_ip)},
                      {"ports", std::move(ports)},
                      {"gpu_type", opt(c.gpu_type)},
                      {"gpu_count", c.gpu_count},
                      {"cost_per_hour", c.cost_per_hour < 0 ? json::value{} : json::value(c.cost_per_hour)},
                      {"region", opt(c.region)},
                      {"image", opt(c.image)},
                      {"auth", std::move(auth)},
                      {"created_at_ms", c.created_at_ms == 0 ? json::value{} : json::value(c.created_at_ms)},
                      {"labels", std::move(labels)}};
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v)
    a.emplace_back(s);
  return a;
}

} // namespace

std::string to_json(const compute& c) {
  return json::serialize(compute_json(c));
}

std::string to_json(const compute_info& i) {
  json::object o{{"id", i.resource.id},
                 {"provider", i.provider},
                 {"status", to_string(i.resource.status)},
                 {"user_id", i.user_id.empty() ? json::value{} : json::value(i.user_id)},
                 {"idle_ms", i.idle_ms},
                 {"idle_ttl_ms", i.idle_ttl_ms},
                 {"heartbeat_ms", i.heartbeat_ms},
                 {"tracked_ms", i.tracked_ms},
                 {"terminating", i.terminating},
                 {"terminate_reason", i.terminate_reason.empty() ? json::value{} : json::value(i.terminate_reason)},
                 {"server_starts", i.server_starts},
                 {"compute", compute_json(i.resource)}};
  return json::serialize(o);
}

std::string to_json(const reap_report& r) {
  json::object o{{"dry_run", r.dry_run},
                 {"terminated", strings(r.terminated)},
                 {"would_terminate", strings(r.would_terminate)},
                 {"failed", strings(r.failed)},
                 {"spared_tracked", r.spared_tracked},
                 {"spared_unmarked", r.spared_unmarked},
                 {"provider_errors", strings(r.provider_errors)},
                 {"duration_us", r.duration_us}};
  return json::serialize(o);
}

std::string to_json(const compute_event& ev, const std::string& id) {
  json::object o{{"id", id}, {"event", to_string(ev.kind)}};
  switch (ev.kind) {
    case compute_event_kind::status: o["status"] = to_string(ev.status); break;
    case compute_event_kind::heartbeat: o["at_ms"] = ev.at_ms; break;
    case compute_event_kind::terminating: o["reason"] = ev.reason; break;
    case compute_event_kind::terminate_failed:
      o["error"] = to_string(ev.failure);
      o["attempt"] = ev.attempt;
      o["final"] = ev.final;
      break;
  }
  return json::serialize(o);
}

expected<compute_request> compute_request_from_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return error{errc::validation, "compute request: expected a JSON object with compute_request's fields"};
  std::map<std::string, std::string> fields;
  auto join = [](const json::array& a, auto each) {
    std::string out;
    for (auto& x : a)
      out.append(out.empty() ? "" : ",").append(each(x));
    return out;
  };
  auto scalar = [](const json::value& x) -> std::string {
    if (x.is_string())
      return std::string{x.as_string()};
    if (x.is_bool())
      return x.as_bool() ? "true" : "false";
    if (x.is_null())
      return "";
    return json::serialize(x);
  };
  for (auto& [k, x] : v.as_object()) {
    std::string key{k};
    if (x.is_array()) {
      fields[key] = join(x.as_array(), [&](const json::value& e) -> std::string {
        if (e.is_object() && key == "ports") {
          auto* port = e.as_object().if_contains("port");
          auto* proto = e.as_object().if_contains("protocol");
          return (port ? scalar(*port) : "") + "/" + (proto ? scalar(*proto) : "http");
        }
        return scalar(e);
      });
    } else if (x.is_object()) {
      std::string out;
      for (auto& [mk, mv] : x.as_object())
        out.append(out.empty() ? "" : ",").append(std::string{mk}).append("=").append(scalar(mv));
      fields[key] = out;
    } else {
      fields[key] = scalar(x);
    }
  }
  return make_compute_request(fields);
}

// -- orchestrator ------------------------------------------------------------------------------

expected<orchestrator> orchestrator::start(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc) {
  auto sup = start_orchestrator_supervisor(sys, svc);
  if (!sup)
    return sup.error();
  orchestrator o{sys, std::move(svc), *sup};
  o.owned_ = true;
  return o;
}

orchestrator::orchestrator(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc, caf::actor supervisor)
  : sys_(&sys), svc_(std::move(svc)), sup_(std::move(supervisor)) {
}

expected<compute> orchestrator::spawn(const std::string& provider, const compute_request& req,
                                      const std::string& user_id, duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  auto reg = svc_->handle(orchestrator_role::registry);
  if (!reg)
    return error{errc::shutdown, "orchestrator: the compute registry is not running"};
  if (deadline.count() == 0)
    deadline = svc_->orch.spawn_timeout + svc_->terminate_budget() + std::chrono::seconds{10};
  caf::scoped_actor self{*sys_, true};
  expected<compute> out = error{errc::internal, "no answer"};
  self->request(reg, deadline, compute_spawn_atom_v, provider, req, user_id)
    .receive([&](expected<compute>& c) { out = std::move(c); },
             [&](caf::error& e) { out = request_error(*sys_, e, "spawn on " + provider); });
  return out;
}

namespace {

template <class... Ts>
expected<void> ask_server(caf::actor_system& sys, const orchestrator_services& svc, const std::string& id,
                          duration deadline, Ts... xs) {
  auto what = "compute " + id;
  if (!svc.registry->contains(id))
    return error{errc::not_found, what + " is not tracked"};
  auto sup = svc.handle(orchestrator_role::servers);
  if (!sup)
    return error{errc::shutdown, "orchestrator: the compute servers are not running"};
  caf::scoped_actor self{sys, true};
  expected<caf::actor> server = error{errc::internal, "no answer"};
  self->request(sup, deadline, caf::get_atom_v, id)
    .receive([&](expected<caf::actor>& h) { server = std::move(h); },
             [&](caf::error& e) { server = request_error(sys, e, what); });
  if (!server)
    return server.error().code() == errc::not_found ? error{errc::not_found, what + " is not tracked"}
                                                     : server.error();
  expected<void> out = error{errc::internal, "no answer"};
  self->request(*server, deadline, xs...)
    .receive([&](expected<void>& r) { out = std::move(r); }, [&](caf::error& e) { out = request_error(sys, e, what); });
  return out;
}

compute_info info_of(caf::actor_system& sys, const tracked_compute& row) {
  compute_info i;
  i.resource = row.resource;
  i.provider = row.provider;
  i.user_id = row.user_id;
  auto now = sys.clock().now();
  i.idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - row.last_activity).count();
  i.tracked_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - row.tracked_since).count();
  i.idle_ttl_ms = ms(row.idle_ttl);
  i.heartbeat_ms = ms(row.heartbeat);
  i.terminating = row.terminating;
  i.terminate_reason = row.terminate_reason;
  i.server_starts = row.server_starts;
  return i;
}

} // namespace

expected<void> orchestrator::touch(const std::string& id, duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_server(*sys_, *svc_, id, deadline, compute_touch_atom_v);
}

expected<compute_info> orchestrator::info(const std::string& id) const {
  if (!svc_)
    return orchestrator_disabled();
  auto row = svc_->registry->get(id);
  if (!row)
    return error{errc::not_found, "compute " + id + " is not tracked"};
  return info_of(*sys_, *row);
}

std::vector<compute_info> orchestrator::list() const {
  std::vector<compute_info> out;
  if (!svc_)
    return out;
  for (auto& row : svc_->registry->rows())
    out.push_back(info_of(*sys_, row));
  std::sort(out.begin(), out.end(), [](const compute_info& a, const compute_info& b) { return a.resource.id < b.resource.id; });
  return out;
}

std::vector<std::string> orchestrator::list_ids() const {
  return svc_ ? svc_->registry->ids() : std::vector<std::string>{};
}

expected<void> orchestrator::stop_tracked(const std::string& id, duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  if (!svc_->registry->contains(id))
    return error{errc::not_found, "compute " + id + " is not tracked"};
  auto sup = svc_->handle(orchestrator_role::servers);
  if (!sup)
    return error{errc::shutdown, "orchestrator: the compute servers are not running"};
  if (deadline.count() == 0)
    deadline = svc_->terminate_budget() + std::chrono::seconds{10};
  caf::scoped_actor self{*sys_, true};
  expected<void> out = error{errc::internal, "no answer"};
  self->request(sup, deadline, terminate_child_atom_v, id)
    .receive([&](expected<void>& r) { out = std::move(r); },
             [&](caf::error& e) { out = request_error(*sys_, e, "stop tracking compute " + id); });
  return out;
}

expected<void> orchestrator::stop_resource(const std::string& id, duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_server(*sys_, *svc_, id, deadline, compute_stop_atom_v);
}

expected<void> orchestrator::start_resource(const std::string& id, duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_server(*sys_, *svc_, id, deadline, compute_start_atom_v);
}

expected<reap_report> orchestrator::reap_now(duration deadline) const {
  if (!svc_)
    return orchestrator_disabled();
  auto r = svc_->handle(orchestrator_role::reaper);
  if (!r)
    return error{errc::shutdown, "orchestrator: the Reaper is not running"};
  caf::scoped_actor self{*sys_, true};
  expected<reap_report> out = error{errc::internal, "no answer"};
  self->request(r, deadline, reap_atom_v)
    .receive([&](reap_report& rep) { out = std::move(rep); },
             [&](caf::error& e) { out = request_error(*sys_, e, "reap"); });
  return out;
}

namespace {

template <class... Ts>
expected<void> ask_events(caf::actor_system& sys, const orchestrator_services& svc, Ts... xs) {
  auto d = svc.handle(orchestrator_role::events);
  if (!d)
    return error{errc::shutdown, "orchestrator: the event dispatcher is not running"};
  caf::scoped_actor self{sys, true};
  expected<void> out = error{errc::internal, "no answer"};
  self->request(d, std::chrono::seconds{10}, xs...)
    .receive([&](expected<void>& r) { out = std::move(r); },
             [&](caf::error& e) { out = request_error(sys, e, "compute events"); });
  return out;
}

std::string topic_for(const std::string& id) {
  return id.empty() ? std::string{compute_all_topic} : compute_topic(id);
}

} // namespace

expected<void> orchestrator::subscribe(const caf::actor& subscriber, const std::string& id) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_events(*sys_, *svc_, compute_subscribe_atom_v, topic_for(id), subscriber);
}

expected<void> orchestrator::unsubscribe(const caf::actor& subscriber, const std::string& id) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_events(*sys_, *svc_, compute_unsubscribe_atom_v, topic_for(id), subscriber);
}

expected<void> orchestrator::subscribe(compute_callback cb, std::uint64_t key, const std::string& id) const {
  if (!svc_)
    return orchestrator_disabled();
  return ask_events(*sys_, *svc_, compute_subscribe_atom_v, topic_for(id),
                    std::make_shared<const compute_callback>(std::move(cb)), key);
}

expected<provider_actor> orchestrator::provider(const std::string& name) const {
  if (!svc_)
    return orchestrator_disabled();
  auto p = svc_->provider(name);
  if (!p)
    return error{errc::not_found,
                 "provider \"" + name + "\" is not registered (registered: " + svc_->provider_names() + ")"};
  return p;
}

namespace {

// One blocking request to a provider, its answer or why there is none.
template <class T, class... Ts>
expected<T> ask_provider(caf::actor_system& sys, const provider_actor& p, duration deadline,
                         const std::string& what, Ts&&... xs) {
  caf::scoped_actor self{sys, true};
  expected<T> out = error{errc::internal, "no answer"};
  self->request(p, deadline, std::forward<Ts>(xs)...)
    .receive([&](expected<T>& r) { out = std::move(r); },
             [&](caf::error& e) { out = request_error(sys, e, what); });
  return out;
}

} // namespace

expected<std::vector<compute>> orchestrator::list_compute(const std::string& name, const compute_filter& f,
                                                          duration deadline) const {
  auto p = provider(name);
  if (!p)
    return p.error();
  return ask_provider<std::vector<compute>>(*sys_, *p, deadline, "list on " + name, compute_list_atom_v, f);
}

expected<compute> orchestrator::get_compute(const std::string& name, const std::string& id, duration deadline) const {
  auto p = provider(name);
  if (!p)
    return p.error();
  return ask_provider<compute>(*sys_, *p, deadline, "get on " + name, compute_get_atom_v, id);
}

expected<void> orchestrator::terminate(const std::string& name, const std::string& id, duration deadline) const {
  auto p = provider(name);
  if (!p)
    return p.error();
  return ask_provider<void>(*sys_, *p, deadline, "terminate on " + name, compute_terminate_atom_v, id);
}

void orchestrator::spawn(caf::event_based_actor* self, const std::string& provider, const compute_request& req,
                         const std::string& user_id, std::function<void(expected<compute>)> then) const {
  if (!svc_)
    return then(orchestrator_disabled());
  auto reg = svc_->handle(orchestrator_role::registry);
  if (!reg)
    return then(error{errc::shutdown, "orchestrator: the compute registry is not running"});
  auto deadline = svc_->orch.spawn_timeout + svc_->terminate_budget() + std::chrono::seconds{10};
  self->request(reg, deadline, compute_spawn_atom_v, provider, req, user_id)
    .then([then](expected<compute>& c) { then(std::move(c)); },
          [then, self, provider](caf::error& e) { then(request_error(self->system(), e, "spawn on " + provider)); });
}

void orchestrator::touch(caf::event_based_actor* self, const std::string& id,
                         std::function<void(expected<void>)> then) const {
  if (!svc_)
    return then(orchestrator_disabled());
  auto sup = svc_->handle(orchestrator_role::servers);
  if (!sup || !svc_->registry->contains(id))
    return then(error{errc::not_found, "compute " + id + " is not tracked"});
  self->request(sup, std::chrono::seconds{10}, caf::get_atom_v, id)
    .then(
      [self, then, id](expected<caf::actor>& server) {
        if (!server)
          return then(error{errc::not_found, "compute " + id + " is not tracked"});
        self->request(*server, std::chrono::seconds{10}, compute_touch_atom_v)
          .then([then](expected<void>& r) { then(std::move(r)); },
                [then, self, id](caf::error& e) { then(request_error(self->system(), e, "touch compute " + id)); });
      },
      [then, self, id](caf::error& e) { then(request_error(self->system(), e, "touch compute " + id)); });
}

void orchestrator::stop_tracked(caf::event_based_actor* self, const std::string& id,
                                std::function<void(expected<void>)> then) const {
  if (!svc_)
    return then(orchestrator_disabled());
  auto sup = svc_->handle(orchestrator_role::servers);
  if (!sup || !svc_->registry->contains(id))
    return then(error{errc::not_found, "compute " + id + " is not tracked"});
  self->request(sup, svc_->terminate_budget() + std::chrono::seconds{10}, terminate_child_atom_v, id)
    .then([then](expected<void>& r) { then(std::move(r)); },
          [then, self, id](caf::error& e) { then(request_error(self->system(), e, "stop tracking compute " + id)); });
}

expected<void> orchestrator::stop(duration deadline) const {
  if (!owned_ || !sup_)
    return {};
  if (deadline.count() == 0)
    deadline = (svc_ ? svc_->terminate_budget() : duration{0}) + std::chrono::seconds{30};
  return stop_supervisor(*sys_, sup_, deadline);
}

} // namespace atlas
