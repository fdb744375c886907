#include <atlas/api/typed_handles.hpp>

#include <atlas/api/runtime.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace atlas {

namespace {

token_reply to_reply(const token_answer& a) {
  token_reply r;
  r.token = a.token;
  r.source = a.source;
  r.acquirer = a.acquirer;
  if (a.expires_at != token_record::never)
    r.expires_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        a.expires_at.time_since_epoch()).count();
  return r;
}

// Each request is answered by a promise the facade's asynchronous call
// fulfils in this actor's context; nothing here waits.
// It holds the facades, never the runtime: the runtime's last copy, on the
// user's thread, decides when the tree stops.
// It stops with the tree it serves: otherwise a request's pending timeout
// would keep it running, and the actor system's destructor waiting on it.
caf::behavior facade_actor(caf::event_based_actor* self, caf::actor root, tokens toks, logs lgs,
                           deploys dps) {
  if (!root) {
    self->quit(caf::exit_reason::normal);
    return {};
  }
  self->monitor(root);
  self->set_down_handler([self](caf::down_msg&) { self->quit(caf::exit_reason::normal); });
  auto token_call = [self, toks](bool refresh, const std::string& app) {
    auto rp = self->make_response_promise<expected<token_reply>>();
    auto then = [rp](expected<token_answer> a) mutable {
      if (a)
        rp.deliver(expected<token_reply>{to_reply(*a)});
      else
        rp.deliver(expected<token_reply>{a.error()});
    };
    if (refresh)
      toks.refresh(self, app, std::move(then));
    else
      toks.get(self, app, std::move(then));
    return rp;
  };
  auto void_promise = [self] {
    auto rp = self->make_response_promise<expected<void>>();
    return std::make_pair(rp, [rp](expected<void> r) mutable { rp.deliver(std::move(r)); });
  };
  return {
    [=](token_get_atom, const std::string& app) { return token_call(false, app); },
    [=](token_refresh_atom, const std::string& app) { return token_call(true, app); },
    [=](token_invalidate_atom, const std::string& app) {
      auto [rp, done] = void_promise();
      toks.invalidate(self, app, done);
      return rp;
    },
    [=](token_set_manual_atom, const std::string& app, const secret& token) {
      auto [rp, done] = void_promise();
      toks.set_manual(self, app, token, done);
      return rp;
    },
    [=](subscribe_atom, const caf::actor& who, const std::string& app,
        const log_subscription_options& o) {
      auto [rp, done] = void_promise();
      lgs.subscribe(self, who, app, o, done);
      return rp;
    },
    [=](unsubscribe_atom, const caf::actor& who, const std::string& app,
        const log_subscription_options& o) {
      auto [rp, done] = void_promise();
      lgs.unsubscribe(self, who, app, o, done);
      return rp;
    },
    [=](deploy_run_atom, const caf::actor& who, const std::string& ticket, const deploy_run_request& r) {
      auto [rp, done] = void_promise();
      dps.stream_deploy(self, who, r.dir, ticket, r.options, done);
      return rp;
    },
    [=](deploy_subscribe_atom, const caf::actor& who, const std::string& ticket) {
      auto [rp, done] = void_promise();
      dps.subscribe(self, who, ticket, done);
      return rp;
    },
    [=](deploy_unsubscribe_atom, const caf::actor& who, const std::string& ticket) {
      auto [rp, done] = void_promise();
      dps.unsubscribe(self, who, ticket, done);
      return rp;
    },
    [=](deploy_cancel_atom, const std::string& ticket) {
      auto [rp, done] = void_promise();
      dps.cancel(self, ticket, done);
      return rp;
    },
  };
}

} // namespace

typed_handles spawn_typed_handles(const runtime& rt) {
  // One dynamically typed actor whose behaviour is exactly the union of the
  // three interfaces; the typed handles are views of it.
  auto a = rt.system().spawn(facade_actor, rt.root(), rt.tokens(), rt.logs(), rt.deploys());
  return {caf::actor_cast<tokens_actor>(a), caf::actor_cast<logs_actor>(a),
          caf::actor_cast<deploys_actor>(a)};
}

} // namespace atlas
