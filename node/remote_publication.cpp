#include <atlas/node/remote_publication.hpp>

#include <atlas/api/typed_handles.hpp>
#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <utility>

namespace atlas {

namespace {

// What the network sees: the logs interface and nothing else. The runtime's
// own typed handles serve tokens too; a token must never be one request
// away from a socket, so the published actor is this logs-only one. It is
// dynamically typed because the facade's asynchronous calls take an
// event_based_actor; its handlers are exactly logs_actor's, and it is
// published under that interface.
caf::behavior logs_gateway(caf::event_based_actor* self, logs lgs) {
  // Anything else from the network is refused (the sender gets
  // sec::unexpected_message) and logged without its content.
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
    log().warn("CAF publication: refused a message the logs interface does not have");
    return caf::sec::unexpected_message;
  });
  auto answer = [self] {
    auto rp = self->make_response_promise<expected<void>>();
    return std::make_pair(rp, [rp](expected<void> r) mutable { rp.deliver(std::move(r)); });
  };
  return {
    [=](subscribe_atom, const caf::actor& who, const std::string& app,
        const log_subscription_options& o) {
      auto [rp, done] = answer();
      lgs.subscribe(self, who, app, o, done);
      return rp;
    },
    [=](unsubscribe_atom, const caf::actor& who, const std::string& app,
        const log_subscription_options& o) {
      auto [rp, done] = answer();
      lgs.unsubscribe(self, who, app, o, done);
      return rp;
    },
  };
}

} // namespace

remote_publication::remote_publication(remote_publication&& other) noexcept
  : sys_(std::exchange(other.sys_, nullptr)),
    gateway_(std::move(other.gateway_)),
    port_(std::exchange(other.port_, 0)),
    bind_(std::move(other.bind_)) {}

remote_publication& remote_publication::operator=(remote_publication&& other) noexcept {
  if (this != &other) {
    stop();
    sys_ = std::exchange(other.sys_, nullptr);
    gateway_ = std::move(other.gateway_);
    port_ = std::exchange(other.port_, 0);
    bind_ = std::move(other.bind_);
  }
  return *this;
}

remote_publication::~remote_publication() { stop(); }

void remote_publication::stop() noexcept {
  if (!sys_)
    return;
  // unpublish closes the port; it cannot fail for a port we bound. The
  // gateway goes with it: subscriptions made through it stay with the
  // dispatcher, which drops each when its subscriber leaves or its
  // connection drops.
  (void) sys_->middleman().unpublish(gateway_, port_);
  caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
  gateway_ = nullptr;
  sys_ = nullptr;
  port_ = 0;
  bind_.clear();
}

expected<remote_publication> remote_publication::publish(caf::actor_system& sys, const runtime& rt,
                                                         const remote_publication_options& o) {
  auto where = "CAF publication at " + o.bind + ":" + std::to_string(o.port);
  if (!sys.has_middleman())
    return error{errc::unsupported,
                 where + ": the actor system has no middleman (cfg.load<caf::io::middleman>())"};
  if (o.bind.empty())
    return error{errc::validation, where + ": expected an IP address to bind, e.g. 127.0.0.1"};
  if (!rt.logs().services())
    return error{errc::unsupported, where + ": the runtime has no logs tree (logs.enabled = false)"};
  auto gateway = caf::actor_cast<logs_actor>(sys.spawn(logs_gateway, rt.logs()));
  auto port = sys.middleman().publish(gateway, o.port, o.bind.c_str(), false);
  if (!port) {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    return error{errc::validation, where + ": cannot bind: " + sys.render(port.error())};
  }
  if (o.bind != "127.0.0.1" && o.bind != "::1" && o.bind != "localhost")
    log().warn("the logs handle is published on {}:{}: CAF's BASP has no authentication, so "
             "anyone who reaches that address can subscribe",
             o.bind, *port);
  remote_publication p;
  p.sys_ = &sys;
  p.gateway_ = std::move(gateway);
  p.port_ = *port;
  p.bind_ = o.bind;
  return p;
}

expected<remote_publication> publish_remote(caf::actor_system& sys, const runtime& rt,
                                            const node_options& o) {
  if (o.caf_port == 0)
    return remote_publication{};
  return remote_publication::publish(sys, rt, {o.caf_bind, static_cast<std::uint16_t>(o.caf_port)});
}

} // namespace atlas
