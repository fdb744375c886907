#pragma once
// The kinds of failure Atlas reports (DESIGN.md §4.5). ExAtlas's Error kinds
// (reference/exatlas.md §14) are all here under the same names.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace atlas {

/// What went wrong, as a value callers branch on. New kinds go at the end:
/// the numbers cross CAF's network layer and must stay stable.
enum class errc : std::uint8_t {
  unauthorized = 1,   ///< 401, or no credentials Fly accepts
  forbidden,          ///< 403; an expired or tampered signed URL
  not_found,          ///< 404; a missing app, machine, file or executable
  conflict,           ///< 409/422: a name taken, a lease held
  rate_limited,       ///< 429
  timeout,            ///< a deadline passed (HTTP, subprocess, actor request)
  cancelled,          ///< the caller or a shutdown cancelled the operation
  unsupported,        ///< the provider or mode cannot do this
  validation,         ///< bad input; the message names it and says what is allowed
  provider,           ///< other 4xx/5xx from a provider API
  transport,          ///< connection, TLS or protocol failure
  persist_failed,     ///< durable storage could not write
  storage_corrupt,    ///< durable storage exists but cannot be read
  no_token_available, ///< every link of the token chain came back empty
  no_streamer,        ///< the logs subtree is disabled or gone
  exit_status,        ///< a subprocess exited non-zero
  capacity,           ///< a limit is reached (max_children, insufficient capacity)
  shutdown,           ///< the target is stopping or stopped
  internal,           ///< a bug in Atlas: please report it
  unknown,            ///< ExAtlas's catch-all (e.g. an unexpected 2xx/3xx)
};

/// Every kind, in declaration order.
std::span<const errc> all_errc() noexcept;

/// The kind's name as written above ("not_found"); never empty.
std::string_view to_string(errc code) noexcept;

/// The kind named `name`, or nothing when no kind has that name.
std::optional<errc> errc_from_string(std::string_view name) noexcept;

} // namespace atlas
