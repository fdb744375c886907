#include <atlas/actors/log_cursor_table.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace atlas {

std::optional<log_cursor> log_cursor_table::get(const std::string& topic) const {
  std::lock_guard g{mtx_};
  auto it = rows_.find(topic);
  if (it == rows_.end())
    return std::nullopt;
  return it->second;
}

void log_cursor_table::put(const std::string& topic, log_cursor c) {
  std::lock_guard g{mtx_};
  rows_.insert_or_assign(topic, std::move(c));
}

void log_cursor_table::erase(const std::string& topic) {
  std::lock_guard g{mtx_};
  rows_.erase(topic);
}

void log_cursor_table::clear() {
  std::lock_guard g{mtx_};
  rows_.clear();
}

std::size_t log_cursor_table::size() const {
  std::lock_guard g{mtx_};
  return rows_.size();
}

caf::actor spawn_log_cursor_table_owner(caf::actor_system& sys,
                                        std::shared_ptr<log_cursor_table> table) {
  return sys.spawn([table](caf::event_based_actor* self) -> caf::behavior {
    table->clear();
    // Also on a crash or a kill: streamers of the next subtree start afresh.
    self->attach_functor([table] { table->clear(); });
    return {
      [table](caf::get_atom) { return table->size(); },
    };
  });
}

} // namespace atlas
