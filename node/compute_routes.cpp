#include <atlas/node/compute_routes.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>
#include <atlas/node/api_error.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace atlas {

namespace json = boost::json;

namespace {

using relay_done_atom = caf::atom_constant<caf::atom("ncdone")>;
using relay_subscribe_atom = caf::atom_constant<caf::atom("ncsub")>;

constexpr auto resubscribe_delay = std::chrono::milliseconds{200};

// As node_server's: `f(self, finish)` in a short-lived actor for the
// facade's async calls; `finish()` ends it once the answer is sent.
template <class F>
void in_actor(caf::actor_system& sys, F f) {
  sys.spawn([f = std::move(f)](caf::event_based_actor* self) -> caf::behavior {
    auto handle = caf::actor_cast<caf::actor>(self);
    f(self, [handle] { caf::anon_send(handle, relay_done_atom::value); });
    return {[self](relay_done_atom) { self->quit(); }};
  });
}

// A call that only has a blocking form (stop_resource): on a detached actor.
template <class F>
void blocking(caf::actor_system& sys, F f) {
  sys.spawn<caf::detached>([f = std::move(f)](caf::blocking_actor*) mutable { f(); });
}

http_server_response json_text(int status, std::string body) {
  http_server_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

http_server_response no_content() {
  http_server_response res;
  res.status = 204;
  res.content_type = "";
  return res;
}

std::string list_json(const orchestrator& o) {
  std::string out = "{\"compute\":[";
  bool first = true;
  for (auto& i : o.list()) {
    out.append(first ? "" : ",").append(to_json(i));
    first = false;
  }
  return out + "]}";
}

error disabled() {
  return error{errc::unsupported, "the orchestrator is disabled on this node: start it with "
                                  "orchestrator.enabled = true (atlas node --sim enables it)"};
}

// {"provider": "mock", "request": {...}, "user_id": "..."}.
struct spawn_body {
  std::string provider;
  compute_request request;
  std::string user_id;
};

expected<spawn_body> parse_spawn_body(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return error{errc::validation, "POST /v1/compute takes a JSON object: {\"provider\": \"mock\", "
                                   "\"request\": {\"gpu\": \"none\", ...}, \"user_id\": \"...\"}"};
  spawn_body b;
  auto& o = v.as_object();
  for (auto& [k, x] : o)
    if (k != "provider" && k != "request" && k != "user_id")
      return error{errc::validation, "POST /v1/compute: unknown field \"" + std::string{k}
                                       + "\" (allowed: provider, request, user_id)"};
  auto* p = o.if_contains("provider");
  if (p == nullptr || !p->is_string() || p->as_string().empty())
    return error{errc::validation, "POST /v1/compute: \"provider\" must name a provider, e.g. \"mock\" "
                                   "or \"fly_machines\""};
  b.provider = std::string{p->as_string()};
  auto* r = o.if_contains("request");
  if (r == nullptr || !r->is_object())
    return error{errc::validation, "POST /v1/compute: \"request\" must be an object with compute "
                                   "request fields, e.g. {\"gpu\": \"none\", \"name\": \"worker\"}"};
  auto req = compute_request_from_json(json::serialize(*r));
  if (!req)
    return req.error();
  b.request = std::move(*req);
  if (auto* u = o.if_contains("user_id"); u != nullptr && !u->is_null()) {
    if (!u->is_string())
      return error{errc::validation, "POST /v1/compute: \"user_id\" must be a string"};
    b.user_id = std::string{u->as_string()};
  }
  return b;
}

// The clients of GET /v1/compute/events. Each gets `ready` (the tracked
// resources now) once the relay is subscribed, then every event of
// "atlas:compute" as `status`, `heartbeat`, `terminating`,
// `terminate_failed`; `ready` again after a resubscription, since events
// may have been missed while the dispatcher restarted.
struct compute_fanout {
  explicit compute_fanout(orchestrator o) : orch(std::move(o)) {}

  orchestrator orch;
  std::mutex mtx;
  bool live = false;
  std::uint64_t next_client = 0;
  std::uint64_t next_event = 0;
  std::map<std::uint64_t, sse_stream> clients;

  void attach(sse_stream s, const std::shared_ptr<compute_fanout>& self) {
    std::uint64_t key = 0;
    {
      std::lock_guard g{mtx};
      key = next_client++;
      clients.emplace(key, s);
      if (live)
        send_ready(s);
    }
    // Outside the lock: on_close runs at once when the stream has ended.
    std::weak_ptr<compute_fanout> weak = self;
    s.on_close([weak, key] {
      if (auto f = weak.lock()) {
        std::lock_guard g{f->mtx};
        f->clients.erase(key);
      }
    });
  }

  void went_live() {
    std::lock_guard g{mtx};
    live = true;
    for (auto& [key, s] : clients)
      send_ready(s);
  }

  void lost() {
    std::lock_guard g{mtx};
    live = false;
  }

  void publish(const std::string& id, const compute_event& ev) {
    auto data = to_json(ev, id);
    auto name = std::string{to_string(ev.kind)};
    std::lock_guard g{mtx};
    auto n = std::to_string(++next_event);
    for (auto& [key, s] : clients)
      (void) s.send(data, name, n); // a closed one leaves through on_close
  }

private:
  void send_ready(const sse_stream& s) { (void) s.send(list_json(orch), "ready", std::to_string(next_event)); }
};

// Subscribes to "atlas:compute" and relays each event to the fanout. It
// monitors the dispatcher: a restarted one has no subscribers, so the relay
// subscribes again.
caf::behavior compute_relay(caf::event_based_actor* self, std::shared_ptr<compute_fanout> fan) {
  self->set_down_handler([self, fan](caf::down_msg&) {
    fan->lost();
    self->delayed_send(self, resubscribe_delay, relay_subscribe_atom::value);
  });
  self->send(self, relay_subscribe_atom::value);
  return {
    [fan](compute_event_atom, const std::string& id, const compute_event& ev) { fan->publish(id, ev); },
    [self, fan](relay_subscribe_atom) {
      auto& svc = fan->orch.services();
      auto events = svc ? svc->handle(orchestrator_role::events) : caf::actor{};
      if (!events) {
        self->delayed_send(self, resubscribe_delay, relay_subscribe_atom::value);
        return;
      }
      self
        ->request(events, std::chrono::seconds{10}, compute_subscribe_atom_v, std::string{compute_all_topic},
                  caf::actor_cast<caf::actor>(self))
        .then(
          [self, fan, events](expected<void>& ok) {
            if (!ok) {
              log().warn("node: compute events: {}", to_string(ok.error()));
              self->delayed_send(self, resubscribe_delay, relay_subscribe_atom::value);
              return;
            }
            self->monitor(events);
            fan->went_live();
          },
          [self](caf::error&) { self->delayed_send(self, resubscribe_delay, relay_subscribe_atom::value); });
    },
  };
}

// Owned by the routes (shared by their handlers): ends the relay when the
// router, and with it the last route, goes.
struct compute_routes_state {
  caf::actor_system& sys;
  orchestrator orch;
  std::shared_ptr<compute_fanout> fan;
  caf::actor relay;

  compute_routes_state(caf::actor_system& s, orchestrator o)
    : sys(s), orch(o), fan(std::make_shared<compute_fanout>(std::move(o))) {
    if (orch.services())
      relay = sys.spawn(compute_relay, fan);
  }
  ~compute_routes_state() {
    if (relay)
      caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
  }
  compute_routes_state(const compute_routes_state&) = delete;
  compute_routes_state& operator=(const compute_routes_state&) = delete;

  bool enabled() const { return orch.services() != nullptr; }
};

std::string duration_text(std::int64_t ms) {
  return format_duration(duration{ms});
}

} // namespace

void add_compute_routes(http_router& r, compute_route_hooks hooks) {
  auto st = std::make_shared<compute_routes_state>(*hooks.sys, hooks.orch);

  // Before GET /v1/compute/{id}: the first matching route wins.
  auto guard = hooks.stream_guard("/v1/compute/events");
  r.add_sse(
    "/v1/compute/events", [st](const http_server_request&, sse_stream s) { st->fan->attach(std::move(s), st->fan); },
    [st, guard](const http_server_request& req) -> std::optional<http_server_response> {
      if (auto refused = guard(req))
        return refused;
      if (!st->enabled())
        return error_response(disabled());
      return std::nullopt;
    });

  hooks.add_json("GET", "/v1/compute", [st](const http_server_request&, http_responder reply) {
    if (!st->enabled())
      return reply(error_response(disabled()));
    reply(json_text(200, list_json(st->orch)));
  });

  hooks.add_json("POST", "/v1/compute", [st](const http_server_request& req, http_responder reply) {
    if (!st->enabled())
      return reply(error_response(disabled()));
    auto body = parse_spawn_body(req.body);
    if (!body)
      return reply(error_response(body.error()));
    auto o = st->orch;
    in_actor(st->sys, [o, b = std::move(*body), reply](caf::event_based_actor* self, auto finish) {
      o.spawn(self, b.provider, b.request, b.user_id, [reply, finish](expected<compute> c) {
        if (!c) {
          reply(error_response(c.error()));
        } else {
          auto res = json_text(201, to_json(*c));
          res.headers.emplace_back("Location", "/v1/compute/" + c->id);
          reply(std::move(res));
        }
        finish();
      });
    });
  });

  hooks.add_json("GET", "/v1/compute/{id}", [st](const http_server_request& req, http_responder reply) {
    auto i = st->orch.info(req.params.at("id"));
    reply(i ? json_text(200, to_json(*i)) : error_response(i.error()));
  });

  auto answer = [](http_responder reply) {
    return [reply](expected<void> ok) { reply(ok ? no_content() : error_response(ok.error())); };
  };

  hooks.add_json("POST", "/v1/compute/{id}/touch", [st, answer](const http_server_request& req, http_responder reply) {
    auto o = st->orch;
    in_actor(st->sys, [o, id = req.params.at("id"), done = answer(reply)](caf::event_based_actor* self, auto finish) {
      o.touch(self, id, [done, finish](expected<void> ok) {
        done(std::move(ok));
        finish();
      });
    });
  });

  // Through the resource's own provider; tracking and the idle clock go on
  // and the tracked status follows (ExAtlas stopped through the default
  // provider and left the tracking as it was: defect 29).
  hooks.add_json("POST", "/v1/compute/{id}/stop", [st, answer](const http_server_request& req, http_responder reply) {
    auto o = st->orch;
    if (!st->enabled())
      return reply(error_response(disabled()));
    blocking(st->sys, [o, id = req.params.at("id"), done = answer(reply)] { done(o.stop_resource(id)); });
  });

  hooks.add_json("POST", "/v1/compute/{id}/terminate",
                 [st, answer](const http_server_request& req, http_responder reply) {
                   auto o = st->orch;
                   in_actor(st->sys, [o, id = req.params.at("id"), done = answer(reply)](
                                       caf::event_based_actor* self, auto finish) {
                     o.stop_tracked(self, id, [done, finish](expected<void> ok) {
                       done(std::move(ok));
                       finish();
                     });
                   });
                 });
}

std::optional<std::vector<dashboard_compute_row>> compute_dashboard_rows(const orchestrator& o) {
  if (!o.services())
    return std::nullopt;
  std::vector<dashboard_compute_row> rows;
  for (auto& i : o.list()) {
    dashboard_compute_row row;
    row.id = i.resource.id;
    row.name = i.resource.name;
    row.provider = i.provider;
    row.state = i.terminating ? "terminating" : std::string{to_string(i.resource.status)};
    row.detail = "idle " + duration_text(i.idle_ms) + " of " + duration_text(i.idle_ttl_ms);
    if (!i.user_id.empty())
      row.detail += ", user " + i.user_id;
    if (!i.resource.region.empty())
      row.detail += ", region " + i.resource.region;
    if (i.terminating && !i.terminate_reason.empty())
      row.detail += ", " + i.terminate_reason;
    rows.push_back(std::move(row));
  }
  return rows;
}

} // namespace atlas
