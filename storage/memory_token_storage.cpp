#include <atlas/storage/memory_token_storage.hpp>

namespace atlas {

expected<std::optional<token_record>> memory_token_storage::get(std::string_view app,
                                                                token_key key) {
  std::lock_guard guard{mtx_};
  auto it = entries_.find(std::pair{std::string{app}, key});
  if (it == entries_.end())
    return std::optional<token_record>{};
  return std::optional<token_record>{it->second};
}

expected<void> memory_token_storage::put(std::string_view app, token_key key,
                                         const token_record& record) {
  std::lock_guard guard{mtx_};
  entries_.insert_or_assign(std::pair{std::string{app}, key}, record);
  return {};
}

expected<void> memory_token_storage::erase(std::string_view app, token_key key) {
  std::lock_guard guard{mtx_};
  entries_.erase(std::pair{std::string{app}, key});
  return {};
}

} // namespace atlas
