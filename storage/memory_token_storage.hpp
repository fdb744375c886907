#pragma once
// Token storage in memory: for tests, and for deployments that want no disk.

#include <atlas/storage/token_storage.hpp>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace atlas {

/// Token storage in memory: nothing survives the process. Thread-safe.
class memory_token_storage final : public token_storage {
public:
  expected<std::optional<token_record>> get(std::string_view app, token_key key) override;
  expected<void> put(std::string_view app, token_key key, const token_record& record) override;
  expected<void> erase(std::string_view app, token_key key) override;

private:
  std::mutex mtx_;
  std::map<std::pair<std::string, token_key>, token_record, std::less<>> entries_;
};

} // namespace atlas
