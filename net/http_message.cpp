#include <atlas/net/http_message.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>

namespace atlas {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

// Fly answers {"error": "..."} (Machines) or {"errors": [{"detail": ...}]};
// others {"message": "..."}. Plain text otherwise, cut short.
std::string server_text(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    for (const char* key : {"error", "message", "detail"})
      if (auto it = o.find(key); it != o.end() && it->value().is_string())
        return std::string{it->value().as_string()};
    if (auto it = o.find("errors"); it != o.end() && it->value().is_array()
                                     && !it->value().as_array().empty()) {
      const auto& first = it->value().as_array().front();
      if (first.is_object())
        for (const char* key : {"detail", "message", "title"})
          if (auto f = first.as_object().find(key);
              f != first.as_object().end() && f->value().is_string())
            return std::string{f->value().as_string()};
    }
  }
  constexpr std::size_t max = 300;
  auto text = body.substr(0, max);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return body.size() > max ? text + "…" : text;
}

} // namespace

bool http_request::is_idempotent() const {
  if (idempotent)
    return *idempotent;
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
    if (method == m)
      return true;
  return false;
}

const std::string* find_header(const http_headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name))
      return &v;
  return nullptr;
}

const std::string* http_response::header(std::string_view name) const {
  return find_header(headers, name);
}

errc errc_for_status(int status) {
  switch (status) {
    case 401: return errc::unauthorized;
    case 403: return errc::forbidden;
    case 404: return errc::not_found;
    case 408:
    case 504: return errc::timeout;
    case 409:
    case 422: return errc::conflict;
    case 429: return errc::rate_limited;
    default: break;
  }
  if (status >= 400 && status < 500)
    return errc::validation;
  if (status >= 500)
    return errc::provider;
  return errc::unknown;
}

expected<http_response> check_status(expected<http_response> r, const std::string& provider) {
  if (!r || (r->status >= 200 && r->status < 300))
    return r;
  auto text = server_text(r->body);
  return error{errc_for_status(r->status),
               "HTTP " + std::to_string(r->status) + (text.empty() ? "" : ": " + text), r->status,
               provider};
}

} // namespace atlas
