#pragma once
// Who may use the node (docs/node.md "Authentication"): a bearer token from
// the token store, a dashboard session cookie, or, on event streams and the
// login route only, a signed URL. Missing, wrong or revoked credentials are
// errc::unauthorized (401); an expired or tampered signed URL or session is
// errc::forbidden (403).

#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/secret.hpp>
#include <atlas/net/http_server.hpp>
#include <atlas/node/token_store.hpp>

#include <memory>
#include <string>

namespace atlas {

/// The HMAC key in `path`: read, or made (256 random bits, the file 0600,
/// its directory 0700) when there is none. errc::storage_corrupt for a file
/// that does not hold one.
expected<secret> load_or_create_node_secret(const std::string& path);

/// Where the node keeps its files when node.auth_file / node.auth_secret_file
/// are empty: tokens.storage_dir (or its default). This one: the bearer
/// token store, node.auth_file or `node_tokens.json` there.
std::string node_auth_file(const options& o);
/// The HMAC key's file: node.auth_secret_file, or `node_secret` in tokens.storage_dir.
std::string node_secret_file(const options& o);

/// Checks a request's credentials, and makes signed URLs and session cookies.
class node_auth {
public:
  /// The cookie that carries a dashboard session.
  static constexpr std::string_view session_cookie_name = "atlas_session";
  /// The query parameter a WebSocket client resumes with; not part of the
  /// signature, so one signed URL serves every reconnection.
  static constexpr std::string_view resume_param = "last_event_id";

  /// `tokens`: where bearer tokens are looked up; `hmac_key` signs URLs and
  /// sessions (load_or_create_node_secret).
  node_auth(std::shared_ptr<token_store> tokens, secret hmac_key);

  /// `signed_ok`: the route accepts a signed URL (event streams, login).
  expected<void> check(const http_server_request& req, bool signed_ok) const;
  /// Only the signed URL of `req` (for /ui/login).
  expected<void> check_signed(const http_server_request& req) const;

  /// "PATH?QUERY&exp=..&sig=..", valid for `ttl` from now.
  std::string sign(const std::string& path_and_query, duration ttl) const;
  /// A Set-Cookie value for a session of `ttl` (HttpOnly, SameSite=Strict,
  /// Path=/, Secure when `tls`).
  std::string session_cookie(duration ttl, bool tls) const;

  /// The store bearer tokens are checked against.
  const token_store& tokens() const noexcept { return *tokens_; }

private:
  expected<void> check_session(const std::string& value) const;
  std::shared_ptr<token_store> tokens_;
  secret key_;
};

} // namespace atlas
