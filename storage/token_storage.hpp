#pragma once
// Durable storage of Fly tokens (DESIGN.md §4.1, reference/exatlas.md §6).
// An interface so users can bring their own; every implementation must pass
// the conformance suite in <atlas/storage/token_storage_conformance.hpp>.

#include <atlas/core/expected.hpp>
#include <atlas/core/token_record.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace atlas {

/// Each app has two independent entries: `cached` (an expiring token from
/// the config file or the CLI, re-acquirable) and `manual` (an override set
/// by a person, not re-acquirable: losing it needs a person again).
enum class token_key : std::uint8_t { cached, manual };
/// "cached" or "manual".
std::string_view to_string(token_key k) noexcept;

/// Stores token records by (app, key). Calls may block on I/O: call them from
/// a thread that may block (a storage actor, a worker), never from an actor
/// handler on CAF's scheduler. Implementations must be safe to call from
/// several threads at once.
class token_storage {
public:
  virtual ~token_storage() = default;

  /// The record, nothing when there is none, or an error when the store
  /// could not be read.
  virtual expected<std::optional<token_record>> get(std::string_view app, token_key key) = 0;

  /// Stores `record`, replacing any earlier one; durable when it returns.
  /// errc::persist_failed when it could not be written.
  virtual expected<void> put(std::string_view app, token_key key, const token_record& record) = 0;

  /// Removes the entry; removing an absent entry succeeds.
  virtual expected<void> erase(std::string_view app, token_key key) = 0;
};

} // namespace atlas
