#include <atlas/core/token_record.hpp>

#include <array>
#include <ctime>

namespace atlas {

namespace {

constexpr std::array kAllSources{token_source::cache,  token_source::storage,
                                 token_source::env,    token_source::config,
                                 token_source::cli,    token_source::manual,
                                 token_source::none};

std::string iso8601(token_record::clock::time_point t) {
  if (t == token_record::never)
    return "never";
  std::time_t secs = token_record::clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

} // namespace

std::span<const token_source> all_token_sources() noexcept {
  return kAllSources;
}

std::string_view to_string(token_source s) noexcept {
  switch (s) {
    case token_source::cache: return "cache";
    case token_source::storage: return "storage";
    case token_source::env: return "env";
    case token_source::config: return "config";
    case token_source::cli: return "cli";
    case token_source::manual: return "manual";
    case token_source::none: return "none";
  }
  return "invalid_token_source";
}

std::optional<token_source> token_source_from_string(std::string_view name) noexcept {
  for (auto s : kAllSources)
    if (to_string(s) == name)
      return s;
  return std::nullopt;
}

std::string to_string(const token_record& r) {
  std::string out = "token_record(source=";
  out += to_string(r.source);
  out += ", expires_at=";
  out += iso8601(r.expires_at);
  out += ", value=";
  out += to_string(r.value);
  out += ')';
  return out;
}

} // namespace atlas
