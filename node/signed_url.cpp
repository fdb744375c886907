#include <atlas/node/signed_url.hpp>

#include <atlas/node/crypto.hpp>

#include <cctype>
#include <charconv>
#include <chrono>

namespace atlas {

namespace {

struct url_parts {
  std::string prefix; ///< scheme://authority, kept as it is
  std::string path;
  std::string query;
};

url_parts split(std::string_view url) {
  url_parts p;
  if (auto hash = url.find('#'); hash != std::string_view::npos)
    url = url.substr(0, hash);
  if (auto scheme = url.find("://"); scheme != std::string_view::npos
                                     && url.find_first_of("/?") > scheme) {
    auto path_start = url.find_first_of("/?", scheme + 3);
    p.prefix = std::string{url.substr(0, path_start)};
    url = path_start == std::string_view::npos ? std::string_view{} : url.substr(path_start);
  }
  auto q = url.find('?');
  p.path = std::string{url.substr(0, q)};
  if (q != std::string_view::npos)
    p.query = std::string{url.substr(q + 1)};
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string form_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else if (c == ' ')
      out += '+';
    else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string canonical(const std::string& path, const std::map<std::string, std::string>& params) {
  return (path.empty() ? std::string{"/"} : path) + "?" + encode_query(params);
}

} // namespace

std::string_view to_string(signed_url_check c) noexcept {
  switch (c) {
    case signed_url_check::ok: return "ok";
    case signed_url_check::malformed: return "malformed";
    case signed_url_check::expired: return "expired";
    case signed_url_check::bad_signature: return "bad_signature";
  }
  return "malformed";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::map<std::string, std::string> decode_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string{} : form_decode(pair.substr(eq + 1));
    out[std::move(key)] = std::move(value); // the last duplicate wins
  }
  return out;
}

std::string encode_query(const std::map<std::string, std::string>& params) {
  std::string out;
  for (auto& [k, v] : params) { // std::map: sorted by key, byte order
    if (!out.empty())
      out += '&';
    out += form_encode(k) + "=" + form_encode(v);
  }
  return out;
}

std::string sign_url(std::string_view url, std::string_view secret, std::int64_t expires_in,
                     std::int64_t now) {
  auto parts = split(url);
  auto params = decode_query(parts.query);
  params["exp"] = std::to_string(now + expires_in);
  auto sig = base64url(hmac_sha256(secret, canonical(parts.path, params)));
  params["sig"] = sig;
  return parts.prefix + parts.path + "?" + encode_query(params);
}

signed_url_check verify_url(std::string_view url, std::string_view secret, std::int64_t now) {
  auto parts = split(url);
  auto params = decode_query(parts.query);
  if (parts.path.empty() && parts.prefix.empty() && params.empty())
    return signed_url_check::malformed;
  auto exp_it = params.find("exp");
  auto sig_it = params.find("sig");
  if (exp_it == params.end() || exp_it->second.empty() || sig_it == params.end()
      || sig_it->second.empty())
    return signed_url_check::malformed;
  // An integer consuming the whole text, a sign allowed ("-5", "+5").
  std::string_view digits = exp_it->second;
  bool negative = false;
  if (digits.front() == '+' || digits.front() == '-') {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  std::int64_t exp = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exp);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
    return signed_url_check::malformed;
  if (negative)
    exp = -exp;
  if (exp < now)
    return signed_url_check::expired;
  auto sig = sig_it->second;
  params.erase("sig");
  auto expected_sig = base64url(hmac_sha256(secret, canonical(parts.path, params)));
  return constant_time_equal(sig, expected_sig) ? signed_url_check::ok
                                                : signed_url_check::bad_signature;
}

} // namespace atlas
