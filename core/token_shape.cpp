#include <atlas/core/token_shape.hpp>

#include <string>
#include <vector>

namespace atlas {

namespace {

constexpr std::size_t kMinMacaroonBody = 16;
constexpr std::size_t kMinOtherToken = 20;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z')
      a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i])
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'
                        || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'
                        || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool is_macaroon(std::string_view part) {
  for (auto p : fly_macaroon_prefixes)
    if (part.starts_with(p))
      return true;
  return false;
}

// What is wrong with one part, or an empty string when nothing is.
std::string check_part(std::string_view part) {
  if (part.empty())
    return "is empty (a stray comma?)";
  for (auto p : fly_macaroon_prefixes) {
    if (!part.starts_with(p))
      continue;
    auto body = part.substr(p.size());
    std::size_t pad = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c == '=') {
        ++pad;
        continue;
      }
      if (pad > 0)
        return "has '=' before its end: not base64";
      if (!(is_alnum(c) || c == '+' || c == '/'))
        return "has a character outside base64";
    }
    if (pad > 2)
      return "ends in more than two '=': not base64";
    if (body.size() - pad < kMinMacaroonBody)
      return "is a macaroon of only " + std::to_string(body.size()) + " characters: truncated?";
    return {};
  }
  for (char c : part)
    if (!(is_alnum(c) || c == '_' || c == '-'))
      return "has a character outside a Fly token's alphabet (blank, quote or symbol?)";
  if (part.size() < kMinOtherToken)
    return "is only " + std::to_string(part.size()) + " characters: truncated?";
  return {};
}

} // namespace

expected<secret> parse_token(std::string_view raw) {
  auto s = trim(raw);
  // Strip schemes as Fly's server does: "Bearer FlyV1 fm2_…" is accepted.
  for (bool again = true; again;) {
    again = false;
    for (std::string_view scheme : {"bearer", "flyv1"}) {
      bool alone_or_spaced =
        s.size() == scheme.size() || (s.size() > scheme.size() && s[scheme.size()] == ' ');
      if (iequals_prefix(s, scheme) && alone_or_spaced) {
        s = trim(s.substr(scheme.size()));
        again = true;
      }
    }
  }
  if (s.empty())
    return error{errc::validation, "token is empty"};
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto comma = s.find(',', start);
    parts.push_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  bool seen_other = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto where = parts.size() == 1
                   ? std::string{"token"}
                   : "token part " + std::to_string(i + 1) + " of " + std::to_string(parts.size());
    if (auto problem = check_part(parts[i]); !problem.empty())
      return error{errc::validation, where + " " + problem};
    if (!is_macaroon(parts[i])) {
      if (seen_other)
        return error{errc::validation, where + " is a second non-macaroon token: a Fly token "
                                                 "holds macaroons and at most one OAuth token"};
      seen_other = true;
    } else if (seen_other) {
      return error{errc::validation, where + " is a macaroon after an OAuth token: macaroons "
                                               "come first"};
    }
  }
  return secret{std::string{s}};
}

secret authorization_header(const secret& token) {
  std::string_view t = token.reveal();
  std::string macaroons;
  for (std::size_t start = 0; start <= t.size();) {
    auto comma = t.find(',', start);
    auto part = t.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (is_macaroon(part)) {
      if (!macaroons.empty())
        macaroons += ',';
      macaroons += part;
    }
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (!macaroons.empty())
    return secret{"FlyV1 " + macaroons};
  return secret{"Bearer " + std::string{t}};
}

} // namespace atlas
