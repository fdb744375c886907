#include <atlas/node/token_store.hpp>

#include <atlas/node/crypto.hpp>
#include <atlas/node/signed_url.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace atlas {

namespace fs = std::filesystem;

namespace {

struct stored_token {
  api_token_info info;
  std::string hash;
};

struct file_stamp {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const file_stamp&, const file_stamp&) = default;
};

file_stamp stamp_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0)
    return {};
  return {true, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

expected<std::vector<stored_token>> read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    return std::vector<stored_token>{};
  std::ifstream in{path};
  if (!in)
    return error{errc::storage_corrupt, "node token file " + path + " cannot be read"};
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code jec;
  auto doc = boost::json::parse(text.str(), jec);
  if (jec || !doc.is_object() || !doc.as_object().contains("tokens")
      || !doc.at("tokens").is_array())
    return error{errc::storage_corrupt, "node token file " + path
                                          + " is not {\"tokens\": [...]} JSON; fix or remove it"};
  std::vector<stored_token> out;
  for (auto& t : doc.at("tokens").as_array()) {
    const auto* o = t.if_object();
    if (o == nullptr || !o->contains("id") || !o->contains("sha256") || !o->at("id").is_string()
        || !o->at("sha256").is_string())
      return error{errc::storage_corrupt, "node token file " + path + ": an entry lacks id or sha256"};
    stored_token s;
    s.info.id = std::string{o->at("id").as_string()};
    s.hash = std::string{o->at("sha256").as_string()};
    if (auto* l = o->if_contains("label"); l && l->is_string())
      s.info.label = std::string{l->as_string()};
    if (auto* c = o->if_contains("created_at"); c && c->is_int64())
      s.info.created_at = c->as_int64();
    out.push_back(std::move(s));
  }
  return out;
}

// Written whole to a 0600 temporary file beside it, synced, then renamed
// over it: a reader sees the old file or the new one, never half of one.
expected<void> write_file(const std::string& path, const std::vector<stored_token>& tokens) {
  boost::json::array arr;
  for (auto& t : tokens)
    arr.push_back(boost::json::object{{"id", t.info.id},
                                      {"label", t.info.label},
                                      {"created_at", t.info.created_at},
                                      {"sha256", t.hash}});
  auto text = boost::json::serialize(boost::json::object{{"tokens", std::move(arr)}}) + "\n";
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return error{errc::persist_failed, "node token file " + tmp + " cannot be created"};
  ::fchmod(fd, 0600);
  std::string_view rest = text;
  while (!rest.empty()) {
    auto n = ::write(fd, rest.data(), rest.size());
    if (n <= 0) {
      ::close(fd);
      return error{errc::persist_failed, "node token file " + tmp + " cannot be written"};
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0)
    return error{errc::persist_failed, "node token file " + path + " cannot be replaced"};
  return {};
}

expected<void> ensure_dir(const std::string& path) {
  auto dir = fs::path{path}.parent_path();
  if (dir.empty())
    return {};
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      return error{errc::persist_failed, "directory " + dir.string() + " cannot be created: "
                                           + ec.message()};
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  return {};
}

// Serialises read-modify-write between `atlas node token` runs.
class file_lock {
public:
  explicit file_lock(const std::string& path)
    : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0)
      ::flock(fd_, LOCK_EX);
  }
  ~file_lock() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

private:
  int fd_;
};

} // namespace

struct token_store::state {
  mutable std::mutex mtx;
  mutable file_stamp stamp;
  mutable std::vector<stored_token> tokens;
  mutable bool loaded = false;
};

std::string api_token_hash(std::string_view token) {
  return sha256_hex(token);
}

token_store::token_store(std::string path) : path_(std::move(path)), st_(std::make_unique<state>()) {
}

token_store::~token_store() = default;

expected<minted_api_token> token_store::create(const std::string& label) {
  if (auto ok = ensure_dir(path_); !ok)
    return ok.error();
  auto raw = random_bytes(32);
  auto id_bytes = random_bytes(6);
  if (!raw)
    return raw.error();
  if (!id_bytes)
    return id_bytes.error();
  file_lock lock{path_};
  auto tokens = read_file(path_);
  if (!tokens)
    return tokens.error();
  minted_api_token m;
  m.token = secret{base64url(*raw)};
  m.info.id = "tok_" + to_hex(*id_bytes);
  m.info.label = label;
  m.info.created_at = unix_now();
  tokens->push_back({m.info, api_token_hash(m.token.reveal())});
  if (auto ok = write_file(path_, *tokens); !ok)
    return ok.error();
  return m;
}

expected<std::vector<api_token_info>> token_store::list() const {
  auto tokens = read_file(path_);
  if (!tokens)
    return tokens.error();
  std::vector<api_token_info> out;
  for (auto& t : *tokens)
    out.push_back(t.info);
  return out;
}

expected<void> token_store::revoke(const std::string& id) {
  file_lock lock{path_};
  auto tokens = read_file(path_);
  if (!tokens)
    return tokens.error();
  auto before = tokens->size();
  std::erase_if(*tokens, [&](const stored_token& t) { return t.info.id == id; });
  if (tokens->size() == before)
    return error{errc::not_found, "no node API token has id \"" + id
                                    + "\" (`atlas node token list` shows them)"};
  return write_file(path_, *tokens);
}

std::optional<std::string> token_store::verify(std::string_view candidate) const {
  std::lock_guard g{st_->mtx};
  auto now = stamp_of(path_);
  if (!st_->loaded || !(now == st_->stamp)) {
    auto tokens = read_file(path_);
    // An unreadable file admits nobody (never the old list: it may hold a
    // revoked token).
    st_->tokens = tokens ? std::move(*tokens) : std::vector<stored_token>{};
    st_->stamp = now;
    st_->loaded = true;
  }
  auto hash = api_token_hash(candidate);
  std::optional<std::string> found;
  for (auto& t : st_->tokens) // every entry is compared: no early exit
    if (constant_time_equal(hash, t.hash) && !found)
      found = t.info.id;
  return found;
}

} // namespace atlas
