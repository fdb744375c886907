#include <atlas/node/api_error.hpp>

#include <atlas/core/redact.hpp>

namespace atlas {

int http_status_for(errc code) noexcept {
  switch (code) {
    case errc::validation: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::rate_limited: return 429;
    case errc::capacity: return 429;
    case errc::unsupported: return 501;
    case errc::timeout: return 504;
    case errc::no_streamer:
    case errc::shutdown: return 503;
    case errc::provider:
    case errc::transport:
    case errc::no_token_available:
    case errc::exit_status: return 502;
    case errc::cancelled:
    case errc::persist_failed:
    case errc::storage_corrupt:
    case errc::internal:
    case errc::unknown: return 500;
  }
  return 500;
}

boost::json::object error_json(const error& e) {
  // Redacted again on the way out: an error text that quotes a provider's
  // answer must never carry a token to a client.
  return {{"error", {{"kind", std::string{to_string(e.code())}}, {"message", redact(e.message())}}}};
}

http_server_response error_response(const error& e) {
  return http_server_response::json(http_status_for(e.code()), error_json(e));
}

http_server_response error_response(int status, errc code, const std::string& message) {
  return http_server_response::json(status, error_json(error{code, message}));
}

} // namespace atlas
