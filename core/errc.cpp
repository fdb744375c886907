#include <atlas/core/errc.hpp>

#include <array>

namespace atlas {

namespace {

constexpr std::array kAll{
  errc::unauthorized,   errc::forbidden,       errc::not_found,
  errc::conflict,       errc::rate_limited,    errc::timeout,
  errc::cancelled,      errc::unsupported,     errc::validation,
  errc::provider,       errc::transport,       errc::persist_failed,
  errc::storage_corrupt, errc::no_token_available, errc::no_streamer,
  errc::exit_status,    errc::capacity,        errc::shutdown,
  errc::internal,       errc::unknown,
};

} // namespace

std::span<const errc> all_errc() noexcept {
  return kAll;
}

// No default label: -Wswitch (an error here) catches a kind without a string.
std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::rate_limited: return "rate_limited";
    case errc::timeout: return "timeout";
    case errc::cancelled: return "cancelled";
    case errc::unsupported: return "unsupported";
    case errc::validation: return "validation";
    case errc::provider: return "provider";
    case errc::transport: return "transport";
    case errc::persist_failed: return "persist_failed";
    case errc::storage_corrupt: return "storage_corrupt";
    case errc::no_token_available: return "no_token_available";
    case errc::no_streamer: return "no_streamer";
    case errc::exit_status: return "exit_status";
    case errc::capacity: return "capacity";
    case errc::shutdown: return "shutdown";
    case errc::internal: return "internal";
    case errc::unknown: return "unknown";
  }
  return "invalid_errc"; // a value cast from an out-of-range integer
}

std::optional<errc> errc_from_string(std::string_view name) noexcept {
  for (auto code : kAll)
    if (to_string(code) == name)
      return code;
  return std::nullopt;
}

} // namespace atlas
