#pragma once
// Where a reader is in an app's logs, and how a page moves it (DESIGN.md
// §4.2). Fly's cursors are inclusive and timestamps are not identities
// (lines share them), so a position is an instant plus the keys of the lines
// at that instant already delivered: a line is new when it is later, or at
// that instant with a key not seen. The streamer and `atlas logs --no-tail`
// both read this way.

#include <atlas/actors/log_messages.hpp>
#include <atlas/net/fly_logs_client.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace atlas {

/// A reader's position in one app's logs: advance() moves it past each page.
struct log_cursor {
  std::int64_t api_cursor_ns = 0; ///< what the next request asks from (0: the latest page)
  std::int64_t delivered_ns = 0;  ///< the newest instant delivered (0: nothing yet)
  std::vector<std::uint64_t> delivered_keys; ///< lines at delivered_ns already delivered
  bool started = false; ///< a first page was read

  /// True when every field is equal.
  friend bool operator==(const log_cursor&, const log_cursor&) = default;
};

/// What one page gave.
struct log_step {
  std::vector<log_entry> fresh; ///< new lines, in the page's order
  std::size_t duplicates = 0;   ///< lines dropped as delivered already
  std::optional<log_gap> gap;   ///< lines that could not be read
};

/// Moves `c` past `page`. A page of `full_page` lines or more counts as
/// full; `polled_at_ns` is when it was asked for (an empty first page moves
/// the cursor to just before then, so later polls ask from there and never
/// only for "the latest page").
log_step advance(log_cursor& c, fly_logs_page page, std::size_t full_page, std::int64_t polled_at_ns);

/// What tells two lines apart: Fly's id where it gives one, else everything
/// the line says (the NDJSON form has no id).
std::uint64_t line_key(const log_entry& e);

} // namespace atlas
