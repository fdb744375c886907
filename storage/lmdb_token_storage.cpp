#include <atlas/storage/lmdb_token_storage.hpp>

#include <atlas/core/logger.hpp>

#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace fs = std::filesystem;

namespace atlas {

namespace {

// Record layout, version 1: [1][source u8][expires_at i64 ns since epoch, LE][token bytes].
constexpr unsigned char kFormat = 1;
constexpr std::size_t kHeader = 1 + 1 + 8;
constexpr std::size_t kMapSize = std::size_t{64} << 20; // tokens are small; 64 MiB of address space

std::string lmdb_text(int rc) {
  return mdb_strerror(rc);
}

bool is_corruption(int rc) {
  return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH
         || rc == MDB_PAGE_NOTFOUND || rc == MDB_BAD_TXN;
}

std::string encode(const token_record& r) {
  std::string out;
  out.reserve(kHeader + r.value.reveal().size());
  out.push_back(static_cast<char>(kFormat));
  out.push_back(static_cast<char>(r.source));
  auto ns = r.expires_at == token_record::never
              ? std::numeric_limits<std::int64_t>::max()
              : std::chrono::duration_cast<std::chrono::nanoseconds>(
                  r.expires_at.time_since_epoch()).count();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(ns) >> (8 * i)) & 0xff));
  out += r.value.reveal();
  return out;
}

std::optional<token_record> decode(std::string_view data) {
  if (data.size() < kHeader || static_cast<unsigned char>(data[0]) != kFormat)
    return std::nullopt;
  auto source = static_cast<unsigned char>(data[1]);
  if (source > static_cast<unsigned char>(token_source::none))
    return std::nullopt;
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i)
    u |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[2 + i])) << (8 * i);
  auto ns = static_cast<std::int64_t>(u);
  token_record r;
  r.value = secret{std::string{data.substr(kHeader)}};
  r.source = static_cast<token_source>(source);
  r.expires_at = ns == std::numeric_limits<std::int64_t>::max()
                   ? token_record::never
                   : token_record::clock::time_point{
                       std::chrono::duration_cast<token_record::clock::duration>(
                         std::chrono::nanoseconds{ns})};
  return r;
}

// One LMDB environment in one file (MDB_NOSUBDIR), with its one database.
struct store {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  std::string path;

  ~store() {
    if (env != nullptr)
      mdb_env_close(env);
  }

  // Opens the file and reads it once, so corruption shows here, not later.
  int open(const std::string& file) {
    path = file;
    int rc = mdb_env_create(&env);
    if (rc == 0)
      rc = mdb_env_set_mapsize(env, kMapSize);
    if (rc == 0)
      rc = mdb_env_open(env, file.c_str(), MDB_NOSUBDIR | MDB_NOTLS, 0600);
    MDB_txn* txn = nullptr;
    if (rc == 0)
      rc = mdb_txn_begin(env, nullptr, 0, &txn);
    if (rc == 0)
      rc = mdb_dbi_open(txn, nullptr, 0, &dbi);
    if (rc == 0) {
      MDB_cursor* cur = nullptr;
      rc = mdb_cursor_open(txn, dbi, &cur);
      MDB_val k, v;
      for (int step = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : rc; step == 0;
           step = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      }
      if (cur != nullptr)
        mdb_cursor_close(cur);
      rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (txn != nullptr) {
      if (rc == 0)
        rc = mdb_txn_commit(txn);
      else
        mdb_txn_abort(txn);
    }
    if (rc != 0 && env != nullptr) {
      mdb_env_close(env);
      env = nullptr;
    }
    return rc;
  }
};

bool usable_dir(const std::string& dir, std::string& why) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    why = ec.message();
    return false;
  }
  if (!fs::is_directory(dir, ec)) {
    why = "not a directory";
    return false;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    why = std::strerror(errno);
    return false;
  }
  return true;
}

std::string temp_fallback() {
  return (fs::temp_directory_path() / ("atlas-" + std::to_string(::getuid()))).string();
}

} // namespace

struct lmdb_token_storage::impl {
  std::string dir;
  bool fell_back = false;
  store cached;
  store manual;

  store& of(token_key key) { return key == token_key::cached ? cached : manual; }
};

std::string default_token_storage_dir(const env_lookup& env) {
  if (auto xdg = env("XDG_STATE_HOME"); xdg && !xdg->empty())
    return (fs::path{*xdg} / "atlas").string();
  if (auto home = env("HOME"); home && !home->empty())
    return (fs::path{*home} / ".local" / "state" / "atlas").string();
  return temp_fallback();
}

expected<std::unique_ptr<lmdb_token_storage>>
lmdb_token_storage::open(const lmdb_storage_options& opts) {
  auto p = std::make_unique<impl>();
  p->dir = opts.dir.empty() ? default_token_storage_dir() : opts.dir;
  if (std::string why; !usable_dir(p->dir, why)) {
    auto fallback = opts.fallback_dir.empty() ? temp_fallback() : opts.fallback_dir;
    log().warn("token storage: cannot use {} ({}); falling back to {}", p->dir, why, fallback);
    if (std::string why2; !usable_dir(fallback, why2))
      return error{errc::persist_failed, "token storage: neither " + p->dir + " (" + why
                                           + ") nor the fallback " + fallback + " (" + why2
                                           + ") can be used"};
    p->dir = fallback;
    p->fell_back = true;
  }
  ::chmod(p->dir.c_str(), 0700);

  auto manual_path = (fs::path{p->dir} / "manual.mdb").string();
  if (int rc = p->manual.open(manual_path); rc != 0) {
    if (is_corruption(rc))
      return error{errc::storage_corrupt,
                   "token storage: the manual token store " + manual_path + " is corrupt ("
                     + lmdb_text(rc) + "); it was left untouched. Manual tokens cannot be "
                     "re-acquired: restore the file or move it away, then start again"};
    return error{errc::persist_failed, "token storage: cannot open " + manual_path + ": "
                                         + lmdb_text(rc)};
  }
  auto cached_path = (fs::path{p->dir} / "cached.mdb").string();
  if (int rc = p->cached.open(cached_path); rc != 0) {
    if (!is_corruption(rc))
      return error{errc::persist_failed, "token storage: cannot open " + cached_path + ": "
                                           + lmdb_text(rc)};
    log().warn("token storage: {} is corrupt ({}); recreating it (cached tokens are "
               "re-acquired)", cached_path, lmdb_text(rc));
    std::error_code ec;
    fs::remove(cached_path, ec);
    fs::remove(cached_path + "-lock", ec);
    if (int rc2 = p->cached.open(cached_path); rc2 != 0)
      return error{errc::persist_failed, "token storage: cannot recreate " + cached_path + ": "
                                           + lmdb_text(rc2)};
  }
  for (auto* f : {&cached_path, &manual_path}) {
    ::chmod(f->c_str(), 0600);
    ::chmod((*f + "-lock").c_str(), 0600);
  }
  return std::unique_ptr<lmdb_token_storage>{new lmdb_token_storage{std::move(p)}};
}

lmdb_token_storage::lmdb_token_storage(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

lmdb_token_storage::~lmdb_token_storage() = default;

const std::string& lmdb_token_storage::directory() const noexcept {
  return impl_->dir;
}

bool lmdb_token_storage::fell_back() const noexcept {
  return impl_->fell_back;
}

expected<std::optional<token_record>> lmdb_token_storage::get(std::string_view app,
                                                              token_key key) {
  auto& s = impl_->of(key);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(s.env, nullptr, MDB_RDONLY, &txn); rc != 0)
    return error{errc::storage_corrupt, "token storage: cannot read " + s.path + ": "
                                          + lmdb_text(rc)};
  MDB_val k{app.size(), const_cast<char*>(app.data())};
  MDB_val v;
  int rc = mdb_get(txn, s.dbi, &k, &v);
  std::optional<token_record> out;
  if (rc == 0)
    out = decode({static_cast<const char*>(v.mv_data), v.mv_size});
  mdb_txn_abort(txn);
  if (rc == MDB_NOTFOUND)
    return std::optional<token_record>{};
  if (rc != 0)
    return error{errc::storage_corrupt, "token storage: cannot read app " + std::string{app}
                                          + " from " + s.path + ": " + lmdb_text(rc)};
  if (!out) {
    if (key == token_key::cached) {
      log().warn("token storage: unreadable cached entry for app {} in {}; dropping it", app,
                 s.path);
      (void) erase(app, key);
      return std::optional<token_record>{};
    }
    return error{errc::storage_corrupt, "token storage: the manual entry of app "
                                          + std::string{app} + " in " + s.path
                                          + " is unreadable (unknown format)"};
  }
  return out;
}

expected<void> lmdb_token_storage::put(std::string_view app, token_key key,
                                       const token_record& record) {
  if (app.empty() || app.size() > 511)
    return error{errc::validation, "token storage: app name must have 1 to 511 bytes"};
  auto& s = impl_->of(key);
  auto data = encode(record);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(s.env, nullptr, 0, &txn);
  if (rc == 0) {
    MDB_val k{app.size(), const_cast<char*>(app.data())};
    MDB_val v{data.size(), data.data()};
    rc = mdb_put(txn, s.dbi, &k, &v, 0);
    if (rc == 0)
      rc = mdb_txn_commit(txn); // durable: LMDB syncs on commit by default
    else
      mdb_txn_abort(txn);
  }
  if (rc != 0)
    return error{errc::persist_failed, "token storage: cannot write the " + std::string{to_string(key)}
                                         + " token of app " + std::string{app} + " to " + s.path
                                         + ": " + lmdb_text(rc)};
  return {};
}

expected<void> lmdb_token_storage::erase(std::string_view app, token_key key) {
  auto& s = impl_->of(key);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(s.env, nullptr, 0, &txn);
  if (rc == 0) {
    MDB_val k{app.size(), const_cast<char*>(app.data())};
    rc = mdb_del(txn, s.dbi, &k, nullptr);
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND)
        rc = 0;
    }
  }
  if (rc != 0)
    return error{errc::persist_failed, "token storage: cannot delete the "
                                         + std::string{to_string(key)} + " token of app "
                                         + std::string{app} + " in " + s.path + ": "
                                         + lmdb_text(rc)};
  return {};
}

} // namespace atlas
