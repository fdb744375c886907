#include "file_token_storage.hpp"

#include <atlas/core/errc.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace backend {

namespace {

// One record per line: hex(app) key source expiry hex(token). Hex keeps any
// app name and token on one line without quoting rules.
std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

std::optional<std::string> unhex(std::string_view s) {
  if (s.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc{} || end != s.data() + i + 2)
      return std::nullopt;
    out.push_back(static_cast<char>(v));
  }
  return out;
}

atlas::error failed(const std::filesystem::path& p, const std::string& what) {
  return atlas::error{atlas::errc::persist_failed, "token file " + p.string() + ": " + what};
}

} // namespace

atlas::expected<std::unique_ptr<file_token_storage>>
file_token_storage::open(std::filesystem::path path) {
  std::unique_ptr<file_token_storage> s{new file_token_storage{path}};
  std::ifstream in{path};
  if (!in) {
    if (std::filesystem::exists(path))
      return failed(path, "cannot be read");
    return s; // a new store
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream fields{line};
    std::string app_hex, key, source, token_hex;
    long long expiry = 0;
    if (!(fields >> app_hex >> key >> source >> expiry >> token_hex))
      return failed(path, "line " + std::to_string(n) + " is not a token record");
    auto app = unhex(app_hex);
    auto token = unhex(token_hex);
    auto src = atlas::token_source_from_string(source);
    if (!app || !token || !src || (key != "cached" && key != "manual"))
      return failed(path, "line " + std::to_string(n) + " is not a token record");
    atlas::token_record r{atlas::secret{*token}, *src,
                          atlas::token_record::clock::time_point{
                            atlas::token_record::clock::duration{expiry}}};
    s->entries_[{*app, key == "manual" ? atlas::token_key::manual : atlas::token_key::cached}] = r;
  }
  return s;
}

atlas::expected<std::optional<atlas::token_record>>
file_token_storage::get(std::string_view app, atlas::token_key key) {
  std::lock_guard guard{mtx_};
  auto it = entries_.find(std::pair{std::string{app}, key});
  if (it == entries_.end())
    return std::optional<atlas::token_record>{};
  return std::optional<atlas::token_record>{it->second};
}

atlas::expected<void> file_token_storage::put(std::string_view app, atlas::token_key key,
                                              const atlas::token_record& record) {
  std::lock_guard guard{mtx_};
  auto next = entries_;
  next[{std::string{app}, key}] = record;
  if (auto ok = write(next); !ok)
    return ok;
  entries_ = std::move(next);
  return {};
}

atlas::expected<void> file_token_storage::erase(std::string_view app, atlas::token_key key) {
  std::lock_guard guard{mtx_};
  auto next = entries_;
  if (next.erase(std::pair{std::string{app}, key}) == 0)
    return {};
  if (auto ok = write(next); !ok)
    return ok;
  entries_ = std::move(next);
  return {};
}

atlas::expected<void> file_token_storage::write(const entries& next) {
  std::string text;
  for (auto& [k, r] : next)
    text += hex(k.first) + ' ' + std::string{atlas::to_string(k.second)} + ' '
            + std::string{atlas::to_string(r.source)} + ' '
            + std::to_string(r.expires_at.time_since_epoch().count()) + ' ' + hex(r.value.reveal())
            + '\n';
  auto tmp = path_;
  tmp += ".tmp";
  // 0600: the file holds tokens.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return failed(tmp, std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto why = std::strerror(errno);
      ::close(fd);
      return failed(tmp, why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return failed(tmp, std::strerror(errno));
  if (std::rename(tmp.c_str(), path_.c_str()) != 0)
    return failed(path_, std::strerror(errno));
  return {};
}

} // namespace backend
