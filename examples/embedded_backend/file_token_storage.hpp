#pragma once
// A user's own token_storage, as docs/embedding.md describes: every record in
// one file, rewritten atomically (a temporary file, fsync, rename) on each
// change, so a crash leaves the old file or the new one, never half of one.
// It passes Atlas's conformance suite (file_token_storage_test.cpp) and is
// what this backend hands to atlas::runtime::start (runtime_parts).

#include <atlas/storage/token_storage.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace backend {

class file_token_storage final : public atlas::token_storage {
public:
  /// Reads `path` if it exists; errc::persist_failed when it cannot be read
  /// or is not a store this class wrote.
  static atlas::expected<std::unique_ptr<file_token_storage>> open(std::filesystem::path path);

  atlas::expected<std::optional<atlas::token_record>> get(std::string_view app,
                                                          atlas::token_key key) override;
  atlas::expected<void> put(std::string_view app, atlas::token_key key,
                            const atlas::token_record& record) override;
  atlas::expected<void> erase(std::string_view app, atlas::token_key key) override;

private:
  using entries = std::map<std::pair<std::string, atlas::token_key>, atlas::token_record, std::less<>>;
  explicit file_token_storage(std::filesystem::path path) : path_(std::move(path)) {}
  atlas::expected<void> write(const entries& next); // the whole file; caller holds mtx_

  std::filesystem::path path_;
  std::mutex mtx_;
  entries entries_;
};

} // namespace backend
