#pragma once
// The node's API bearer tokens (ExAtlas's Auth.Token, reference/exatlas.md
// §16.1): 32 random bytes, base64url without padding (43 characters), shown
// once when created; the file keeps only their SHA-256 (lower-case hex),
// with an id, a label and when it was made. The file is 0600 in a 0700
// directory; a running node re-reads it when it changes, so `atlas node
// token revoke` takes effect at once.

#include <atlas/core/expected.hpp>
#include <atlas/core/secret.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atlas {

/// A stored token, as list shows it: never its value or hash.
struct api_token_info {
  std::string id;          ///< "tok_" + 12 hex digits: what list shows and revoke takes
  std::string label;       ///< free text given at creation, to tell tokens apart
  std::int64_t created_at = 0; ///< Unix seconds
};

/// A token just made: the only time its value is known.
struct minted_api_token {
  api_token_info info; ///< as list will show it
  secret token; ///< the bearer token itself: shown once, never stored
};

/// The node's bearer tokens in one JSON file, hashed.
class token_store {
public:
  /// The store in the file at `path`; nothing is read or made until first used.
  explicit token_store(std::string path);
  ~token_store();
  token_store(const token_store&) = delete;
  token_store& operator=(const token_store&) = delete;

  /// A new token, stored hashed before it is returned.
  expected<minted_api_token> create(const std::string& label);
  /// Every stored token (never a value or a hash), oldest first.
  expected<std::vector<api_token_info>> list() const;
  /// errc::not_found when no token has that id.
  expected<void> revoke(const std::string& id);
  /// The id of the stored token `candidate` is, or nothing. Hashes the
  /// candidate and compares it with every stored hash in constant time.
  /// Thread-safe; re-reads the file when it changed on disk.
  std::optional<std::string> verify(std::string_view candidate) const;

  /// The file, as given.
  const std::string& path() const noexcept { return path_; }

  struct state;

private:
  std::string path_;
  std::unique_ptr<state> st_;
};

/// SHA-256 lower-case hex of a token's bytes (ExAtlas's Auth.Token.hash).
std::string api_token_hash(std::string_view token);

} // namespace atlas
