#pragma once
// Token storage in LMDB: two files in one directory, `cached.mdb` and
// `manual.mdb`, so that the two kinds of entry can fail independently.

#include <atlas/core/options.hpp>
#include <atlas/storage/token_storage.hpp>

#include <memory>
#include <string>

namespace atlas {

/// Where an lmdb_token_storage keeps its files.
struct lmdb_storage_options {
  /// Where the two files live; empty: default_token_storage_dir().
  std::string dir{};
  /// Where to go when `dir` cannot be used; empty: `<temp dir>/atlas-<uid>`.
  std::string fallback_dir{};
};

/// $XDG_STATE_HOME/atlas, else $HOME/.local/state/atlas, else `<temp dir>/atlas-<uid>`.
std::string default_token_storage_dir(const env_lookup& env = process_environment());

/// Token storage in LMDB: two stores (cached, manual) in one directory, durable on every put.
class lmdb_token_storage final : public token_storage {
public:
  /// Opens (or creates) the store:
  /// - the directory is created and set to 0700, the files to 0600;
  /// - a directory that cannot be created or written is replaced by the
  ///   fallback directory, with a warning naming both;
  /// - a corrupt `cached.mdb` is deleted and recreated, with a warning: its
  ///   tokens are re-acquired;
  /// - a corrupt `manual.mdb` is errc::storage_corrupt naming the file, and
  ///   the file is left exactly as it was: manual tokens need a person.
  static expected<std::unique_ptr<lmdb_token_storage>> open(const lmdb_storage_options& opts);

  ~lmdb_token_storage() override;
  lmdb_token_storage(const lmdb_token_storage&) = delete;
  lmdb_token_storage& operator=(const lmdb_token_storage&) = delete;

  expected<std::optional<token_record>> get(std::string_view app, token_key key) override;
  expected<void> put(std::string_view app, token_key key, const token_record& record) override;
  expected<void> erase(std::string_view app, token_key key) override;

  /// The directory in use (the fallback's, if it came to that).
  const std::string& directory() const noexcept;
  /// True when the configured directory could not be used.
  bool fell_back() const noexcept;

  struct impl;

private:
  explicit lmdb_token_storage(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace atlas
