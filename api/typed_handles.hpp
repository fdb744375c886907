#pragma once
// Typed CAF handles on a runtime's facades (DESIGN.md §5): for actors that
// want the compiler to check what they send. Each handle is the CAF 0.17
// typed interface below; request(...).then(...) on it is type-checked.
// Replies are atlas::expected values, so an error is a value, never a
// caf::error from Atlas (a caf::error means the request itself failed:
// timeout, the handle is down). docs/embedding.md.

#include <atlas/actors/deploy_messages.hpp>
#include <atlas/actors/log_messages.hpp>
#include <atlas/api/deploys.hpp>
#include <atlas/api/logs.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/secret.hpp>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace atlas {

class runtime;

// Atoms are at most 10 characters in CAF 0.17.
/// (token_get_atom, app) → expected<token_reply> on tokens_actor: the app's token.
using token_get_atom = caf::atom_constant<caf::atom("tokget")>;
/// (token_refresh_atom, app) → expected<token_reply> on tokens_actor: a fresh token.
using token_refresh_atom = caf::atom_constant<caf::atom("tokrefresh")>;
/// (token_invalidate_atom, app) → expected<void> on tokens_actor: forget the token.
using token_invalidate_atom = caf::atom_constant<caf::atom("tokinval")>;
/// (token_set_manual_atom, app, secret) → expected<void> on tokens_actor: a manual token.
using token_set_manual_atom = caf::atom_constant<caf::atom("tokmanual")>;
/// The value of token_get_atom, to send.
constexpr token_get_atom token_get_atom_v{};
/// The value of token_refresh_atom, to send.
constexpr token_refresh_atom token_refresh_atom_v{};
/// The value of token_invalidate_atom, to send.
constexpr token_invalidate_atom token_invalidate_atom_v{};
/// The value of token_set_manual_atom, to send.
constexpr token_set_manual_atom token_set_manual_atom_v{};

/// A token as a message: token_answer with the expiry as ms since the epoch
/// (0: never expires).
struct token_reply {
  /// The token; prints as [REDACTED]. Never announced to CAF's network layer.
  secret token;
  /// The link of the chain that answered.
  token_source source = token_source::none;
  /// Who answered.
  token_acquirer acquirer = token_acquirer::app_server;
  /// Expiry in ms since the epoch; 0: never expires.
  std::int64_t expires_at_ms = 0;

  template <class Inspector>
  friend auto inspect(Inspector& f, token_reply& x) {
    return f(caf::meta::type_name("atlas::token_reply"), x.token, x.source, x.acquirer,
             x.expires_at_ms);
  }
};

/// What to deploy: a project directory and deploy_options.
struct deploy_run_request {
  /// The project directory (holding fly.toml).
  std::string dir;
  /// App, config and timeouts; defaults from the options.
  deploy_options options;

  template <class Inspector>
  friend auto inspect(Inspector& f, deploy_run_request& x) {
    return f(caf::meta::type_name("atlas::deploy_run_request"), x.dir, x.options.app, x.options.config,
             x.options.timeout, x.options.activity_timeout);
  }
};

/// (token_get_atom, app) and (token_refresh_atom, app) → the app's token;
/// invalidate and set_manual → done or why not. Local use only: a token
/// never crosses the network (its type is not announced to CAF's network layer).
using tokens_actor = caf::typed_actor<
  caf::replies_to<token_get_atom, std::string>::with<expected<token_reply>>,
  caf::replies_to<token_refresh_atom, std::string>::with<expected<token_reply>>,
  caf::replies_to<token_invalidate_atom, std::string>::with<expected<void>>,
  caf::replies_to<token_set_manual_atom, std::string, secret>::with<expected<void>>>;

/// (subscribe_atom, subscriber, app, options): the subscriber receives the
/// messages of actors/log_messages.hpp until unsubscribed, evicted or the
/// streamer stops. Works for remote subscribers (caf::io).
using logs_actor = caf::typed_actor<
  caf::replies_to<subscribe_atom, caf::actor, std::string, log_subscription_options>::with<expected<void>>,
  caf::replies_to<unsubscribe_atom, caf::actor, std::string, log_subscription_options>::with<expected<void>>>;

/// (deploy_run_atom, subscriber, ticket, request): starts the deploy; the
/// subscriber receives (deploy_line_atom, ticket, line)… then
/// (deploy_exit_atom, ticket, deploy_result).
using deploys_actor = caf::typed_actor<
  caf::replies_to<deploy_run_atom, caf::actor, std::string, deploy_run_request>::with<expected<void>>,
  caf::replies_to<deploy_subscribe_atom, caf::actor, std::string>::with<expected<void>>,
  caf::replies_to<deploy_unsubscribe_atom, caf::actor, std::string>::with<expected<void>>,
  caf::replies_to<deploy_cancel_atom, std::string>::with<expected<void>>>;

/// The handles of one runtime: one actor serving all three interfaces,
/// answering each request through the facades' asynchronous calls, so a
/// slow request (a token minted by the CLI) never holds up another. It
/// stops with the runtime's tree (a request after that gets CAF's
/// request_receiver_down), or earlier when no handle to it is left.
struct typed_handles {
  /// Tokens: get, refresh, invalidate, set_manual.
  tokens_actor tokens;
  /// Logs: subscribe and unsubscribe an actor (local or remote).
  logs_actor logs;
  /// Deploys: run, subscribe, unsubscribe, cancel.
  deploys_actor deploys;
};
/// Spawns the actor behind the three handles of `rt`'s facades.
typed_handles spawn_typed_handles(const runtime& rt);

} // namespace atlas
