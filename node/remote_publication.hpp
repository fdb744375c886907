#pragma once
// The runtime's logs handle on CAF's network layer (DESIGN.md §5, issue 11):
// another CAF process connects with
//
//   auto logs = sys.middleman().remote_actor<atlas::logs_actor>("127.0.0.1", port);
//
// subscribes an actor of its own and receives the very messages a local
// subscriber does — (logs_atom, app, log_batch), logs_gap, logs_stopped,
// evicted — serialized by CAF's BASP. Both systems load caf::io::middleman
// and call atlas::add_message_types(cfg). BASP has no authentication: the
// default address is 127.0.0.1; docs/embedding.md says what binding wider
// means. Options node.caf_port and node.caf_bind (docs/configuration.md).

#include <atlas/api/runtime.hpp>
#include <atlas/api/typed_handles.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace atlas {

/// Where to publish.
struct remote_publication_options {
  std::string bind = "127.0.0.1"; ///< an IP address of this host; "0.0.0.0": all of them
  std::uint16_t port = 0;         ///< 0: any free port (remote_publication::port() says which)
};

/// A published logs handle: an atlas::logs_actor (api/typed_handles.hpp)
/// that answers subscribe and unsubscribe through the runtime's logs facade
/// and nothing else (no token is a request away from the network).
/// Unpublished by stop() or the destructor. Move-only. Its actor system
/// must outlive it.
class remote_publication {
public:
  /// An inactive publication (node.caf_port = 0): port() is 0, stop() does nothing.
  remote_publication() = default;
  /// Takes over `other`'s publication; `other` becomes inactive.
  remote_publication(remote_publication&& other) noexcept;
  /// Stops this publication, then takes over `other`'s.
  remote_publication& operator=(remote_publication&& other) noexcept;
  remote_publication(const remote_publication&) = delete;
  remote_publication& operator=(const remote_publication&) = delete;
  ~remote_publication();

  /// Publishes `rt`'s logs handle at `o.bind`:`o.port`. errc::unsupported when
  /// `sys` has no middleman (cfg.load<caf::io::middleman>()) or `rt` has no
  /// logs tree; errc::validation naming the address when the port cannot be
  /// bound (in use, or an address that is not this host's).
  static expected<remote_publication> publish(caf::actor_system& sys, const runtime& rt,
                                              const remote_publication_options& o);

  /// True while published.
  bool active() const noexcept { return sys_ != nullptr; }
  /// The bound port; 0 when inactive.
  std::uint16_t port() const noexcept { return port_; }
  /// The address it is bound to ("" when inactive).
  const std::string& bind() const noexcept { return bind_; }
  /// Closes the port. Subscriptions made through it live on until their
  /// subscribers leave or their connections drop (CAF then reports the
  /// proxies down and the dispatcher drops them).
  void stop() noexcept;

private:
  caf::actor_system* sys_ = nullptr;
  logs_actor gateway_; // held: an actor nobody references stops
  std::uint16_t port_ = 0;
  std::string bind_;
};

/// The node's one call (node.caf_port, node.caf_bind): an inactive
/// publication when node.caf_port is 0, else remote_publication::publish.
expected<remote_publication> publish_remote(caf::actor_system& sys, const runtime& rt,
                                            const node_options& o);

} // namespace atlas
