#include <atlas/core/error.hpp>

#include <atlas/core/redact.hpp>

namespace atlas {

error::error(errc code, std::string message, int http_status, std::string provider)
  : code_(code),
    message_(redact(message)),
    http_status_(http_status),
    provider_(std::move(provider)) {
}

std::string to_string(const error& e) {
  std::string out = "[";
  out += e.provider().empty() ? "atlas" : e.provider();
  out += "] ";
  out += to_string(e.code());
  if (e.http_status() != 0) {
    out += " (HTTP ";
    out += std::to_string(e.http_status());
    out += ')';
  }
  out += ": ";
  out += e.message().empty() ? "no message" : e.message();
  return out;
}

} // namespace atlas
