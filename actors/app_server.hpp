#pragma once
// The token server of one Fly app (ExAtlas's AppServer, DESIGN.md §4.1): runs
// the token chain when the shared cache has nothing, one acquisition at a
// time, answering every caller that came meanwhile, and never blocking: while
// an acquisition runs it keeps answering cache hits, invalidate and set_manual.

#include <atlas/actors/token_messages.hpp>
#include <atlas/actors/token_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace atlas {

/// Spawns the server of `app`. It answers:
/// - (acquire_atom) → expected<token_record>: the cache's record (source
///   `cache`), else the first hit of the chain — durable storage, the
///   environment, flyctl's config file, the CLI (one run per org, shared),
///   the manual token — or errc::no_token_available saying why each link had
///   nothing. Concurrent callers share one acquisition.
/// - (refresh_atom) → expected<token_record>: atomically forgets the token
///   (cache and durable copy) and acquires a new one without reading either;
///   nobody who asks after the refresh began gets the old token.
/// - (invalidate_atom) → expected<void>: forgets the token, cache and durable
///   copy; errc::persist_failed when the durable copy could not be removed.
/// - (set_manual_atom, secret) → expected<void>: shape-checked
///   (errc::validation), stored durably before the answer
///   (errc::persist_failed); replaces a cached manual token.
/// Acquired config and CLI tokens are cached at once and stored durably
/// afterwards. tokens.soft_expiry_lead before a storage, config or CLI token
/// expires (0: never), it fetches a new one in the background.
caf::actor spawn_app_server(caf::actor_system& sys, std::shared_ptr<token_services> svc,
                            std::string app);

} // namespace atlas
