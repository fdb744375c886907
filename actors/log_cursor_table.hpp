#pragma once
// Where each app's streamer is in its logs (DESIGN.md §3, §4.2): kept outside
// the streamer so that a streamer that crashes resumes where it was, without
// losing or repeating a line. The table's memory lives as long as the logs
// services; its contents as long as its owner actor, the logs subtree's
// first child, which empties it when it starts and when it exits.

#include <atlas/actors/log_cursor.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace atlas {

/// Thread-safe: every streamer writes its own row after each poll.
class log_cursor_table {
public:
  /// The cursor stored for `topic`, if any.
  std::optional<log_cursor> get(const std::string& topic) const;
  /// Stores `c` as the cursor of `topic`, replacing the old one.
  void put(const std::string& topic, log_cursor c);
  /// Drops the cursor of `topic`, if any.
  void erase(const std::string& topic);
  /// Drops every cursor (the owner does, as it starts and as it exits).
  void clear();
  /// How many topics have a cursor.
  std::size_t size() const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, log_cursor, std::less<>> rows_;
};

/// Spawns the owner. It answers (caf::get_atom) → std::size_t, the number of
/// rows, and nothing else; streamers use the table directly.
caf::actor spawn_log_cursor_table_owner(caf::actor_system& sys,
                                        std::shared_ptr<log_cursor_table> table);

} // namespace atlas
