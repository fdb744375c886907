#pragma once
// A Fly API token as the token chain hands it around (DESIGN.md §4.1).

#include <atlas/core/secret.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace atlas {

/// Where a token came from: the link of the chain that answered.
enum class token_source : std::uint8_t {
  cache,   ///< the shared in-memory cache
  storage, ///< durable storage (LMDB or the user's)
  env,     ///< FLY_ACCESS_TOKEN or FLY_API_TOKEN
  config,  ///< ~/.fly/config.yml (or $FLY_CONFIG_DIR/config.yml)
  cli,     ///< `fly tokens create readonly`
  manual,  ///< set_manual()
  none,    ///< nothing answered
};

/// Every token source, in declaration order.
std::span<const token_source> all_token_sources() noexcept;
/// "cache", "storage", ... as the enumerator is spelt.
std::string_view to_string(token_source s) noexcept;
/// The source spelt `name` (as to_string spells it); nullopt for anything else.
std::optional<token_source> token_source_from_string(std::string_view name) noexcept;

/// A token with its origin and expiry. Printing it never shows the value.
struct token_record {
  /// Expiry times are wall-clock times (Fly's expiries are).
  using clock = std::chrono::system_clock;
  /// expires_at of a token that does not expire (manual, env).
  static constexpr clock::time_point never = clock::time_point::max();

  /// The token; prints as [REDACTED].
  secret value;
  /// Where it came from.
  token_source source = token_source::none;
  /// When it expires; `never` for tokens that do not.
  clock::time_point expires_at = never;

  /// True when it has expired at `now`.
  bool expired(clock::time_point now) const noexcept { return expires_at <= now; }

  /// Equal when value, source and expiry are.
  friend bool operator==(const token_record&, const token_record&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, token_record& x) {
    return f(x.value, x.source, x.expires_at);
  }
};

/// "token_record(source=config, expires_at=2026-11-26T10:00:00Z, value=[REDACTED])".
std::string to_string(const token_record& r);

} // namespace atlas
