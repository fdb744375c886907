#include <atlas/node/dashboard_assets.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace atlas {

namespace detail {
// The generated table (build/node/dashboard_assets_data.cpp).
extern const dashboard_asset dashboard_asset_table[];
extern const std::size_t dashboard_asset_count;
} // namespace detail

namespace {

const std::vector<dashboard_asset>& sorted_assets() {
  static const std::vector<dashboard_asset> all = [] {
    std::vector<dashboard_asset> v(detail::dashboard_asset_table,
                                   detail::dashboard_asset_table + detail::dashboard_asset_count);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return v;
  }();
  return all;
}

/// If-None-Match: "*" or a comma-separated list of ETags, weak ones (W/"..")
/// matching too (RFC 9110 §13.1.2: the weak comparison).
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.starts_with("W/"))
      item.remove_prefix(2);
    if (item == "*" || item == etag)
      return true;
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

} // namespace

const dashboard_asset* find_dashboard_asset(std::string_view path) {
  const auto& all = sorted_assets();
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const dashboard_asset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

std::span<const dashboard_asset> dashboard_assets() { return sorted_assets(); }

std::optional<http_server_response> dashboard_asset_response(const http_server_request& req) {
  const auto* a = find_dashboard_asset(req.path);
  if (a == nullptr)
    return std::nullopt;
  http_server_response r;
  r.content_type = std::string{a->content_type};
  r.headers.emplace_back("ETag", std::string{a->etag});
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (const auto* inm = req.header("If-None-Match"); inm != nullptr && none_match_hits(*inm, a->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  if (req.method != "HEAD")
    r.body = std::string{a->body};
  return r;
}

} // namespace atlas
