#include <atlas/node/auth.hpp>

#include <atlas/node/crypto.hpp>
#include <atlas/node/signed_url.hpp>
#include <atlas/storage/lmdb_token_storage.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace atlas {

namespace fs = std::filesystem;

namespace {

std::string storage_dir_of(const options& o) {
  return o.tokens.storage_dir.empty() ? default_token_storage_dir() : o.tokens.storage_dir;
}

// "Bearer <t>", scheme case-insensitive.
std::optional<std::string> bearer_of(const http_server_request& req) {
  const auto* h = req.header("Authorization");
  if (h == nullptr)
    return std::nullopt;
  std::string_view v = *h;
  if (v.size() < 7)
    return std::string{};
  std::string scheme{v.substr(0, 7)};
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ")
    return std::string{};
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ')
    v.remove_prefix(1);
  return std::string{v};
}

std::optional<std::string> cookie_of(const http_server_request& req, std::string_view name) {
  const auto* h = req.header("Cookie");
  if (h == nullptr)
    return std::nullopt;
  std::string_view rest = *h;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto item = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name)
      return std::string{item.substr(eq + 1)};
  }
  return std::nullopt;
}

// The target as signed: its path as sent, its query without the resume point.
std::string signed_part(const http_server_request& req) {
  auto q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  auto params = decode_query(q == std::string::npos ? std::string_view{}
                                                    : std::string_view{req.target}.substr(q + 1));
  params.erase(std::string{node_auth::resume_param});
  return path + "?" + encode_query(params);
}

bool has_signature(const http_server_request& req) {
  auto params = decode_query(req.query);
  return params.contains("sig") || params.contains("exp");
}

std::string session_mac_input(std::string_view exp) {
  return "atlas-node-session\n" + std::string{exp};
}

} // namespace

std::string node_auth_file(const options& o) {
  return o.node.auth_file.empty() ? storage_dir_of(o) + "/node_tokens.json" : o.node.auth_file;
}

std::string node_secret_file(const options& o) {
  return o.node.auth_secret_file.empty() ? storage_dir_of(o) + "/node_secret"
                                         : o.node.auth_secret_file;
}

expected<secret> load_or_create_node_secret(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in{path};
    std::string hex;
    in >> hex;
    auto key = from_hex(hex);
    if (!in.good() && !in.eof())
      return error{errc::storage_corrupt, "node secret " + path + " cannot be read"};
    if (!key || key->size() < 32)
      return error{errc::storage_corrupt, "node secret " + path
                                            + " does not hold 64 hex digits; remove it to make a new "
                                              "one (signed URLs and sessions made with it stop working)"};
    return secret{std::move(*key)};
  }
  auto dir = fs::path{path}.parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      return error{errc::persist_failed, "directory " + dir.string() + " cannot be created: "
                                           + ec.message()};
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  auto key = random_bytes(32);
  if (!key)
    return key.error();
  // O_EXCL: two nodes starting at once never overwrite each other's key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return load_or_create_node_secret(path);
    return error{errc::persist_failed, "node secret " + path + " cannot be created"};
  }
  auto text = to_hex(*key) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
            && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return error{errc::persist_failed, "node secret " + path + " cannot be written"};
  return secret{std::move(*key)};
}

node_auth::node_auth(std::shared_ptr<token_store> tokens, secret hmac_key)
  : tokens_(std::move(tokens)), key_(std::move(hmac_key)) {
}

expected<void> node_auth::check(const http_server_request& req, bool signed_ok) const {
  if (auto bearer = bearer_of(req)) {
    if (bearer->empty())
      return error{errc::unauthorized, "the Authorization header is not \"Bearer <token>\""};
    if (tokens_->verify(*bearer))
      return {};
    return error{errc::unauthorized, "the bearer token is not one of this node's (wrong or revoked)"};
  }
  if (signed_ok && has_signature(req))
    return check_signed(req);
  if (auto cookie = cookie_of(req, session_cookie_name))
    return check_session(*cookie);
  return error{errc::unauthorized, std::string{"no credentials: send Authorization: Bearer <token> "
                                               "(atlas node token create)"}
                                     + (signed_ok ? ", or use a signed URL (POST /v1/signed-urls)" : "")};
}

expected<void> node_auth::check_signed(const http_server_request& req) const {
  switch (verify_url(signed_part(req), key_.reveal())) {
    case signed_url_check::ok: return {};
    case signed_url_check::expired:
      return error{errc::forbidden, "the signed URL has expired; ask for a new one"};
    case signed_url_check::bad_signature:
      return error{errc::forbidden, "the signed URL's signature does not match (tampered, or signed "
                                    "by another node)"};
    case signed_url_check::malformed: break;
  }
  return error{errc::forbidden, "the signed URL needs an integer exp and a sig"};
}

std::string node_auth::sign(const std::string& path_and_query, duration ttl) const {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  return sign_url(path_and_query, key_.reveal(), secs < 1 ? 1 : secs);
}

std::string node_auth::session_cookie(duration ttl, bool tls) const {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  auto exp = std::to_string(unix_now() + secs);
  auto value = exp + "." + base64url(hmac_sha256(key_.reveal(), session_mac_input(exp)));
  return std::string{session_cookie_name} + "=" + value + "; Path=/; Max-Age="
         + std::to_string(secs) + "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
}

expected<void> node_auth::check_session(const std::string& value) const {
  auto dot = value.find('.');
  if (dot == std::string::npos)
    return error{errc::forbidden, "the session cookie is malformed; log in again"};
  auto exp_text = value.substr(0, dot);
  std::int64_t exp = 0;
  auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  if (ec != std::errc{} || end != exp_text.data() + exp_text.size())
    return error{errc::forbidden, "the session cookie is malformed; log in again"};
  auto mac = base64url(hmac_sha256(key_.reveal(), session_mac_input(exp_text)));
  if (!constant_time_equal(value.substr(dot + 1), mac))
    return error{errc::forbidden, "the session cookie's signature does not match; log in again"};
  if (exp < unix_now())
    return error{errc::forbidden, "the session has expired; log in again (atlas node dashboard-url)"};
  return {};
}

} // namespace atlas
