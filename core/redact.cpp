#include <atlas/core/redact.hpp>

#include <atlas/core/token_shape.hpp>

#include <array>
#include <cstddef>

namespace atlas {

namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Characters of base64, base64url and Fly's comma-joined macaroon lists.
bool token_char(char c) noexcept {
  return alnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '=' || c == ','
         || c == '.';
}

bool starts_with_icase(std::string_view text, std::size_t at, std::string_view word) noexcept {
  if (text.size() - at < word.size())
    return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (lower(text[at + k]) != word[k])
      return false;
  return true;
}

// A marker is found at `at`; `keep` characters of it stay, then the secret
// runs to `end`. The scanner writes `keep` chars, the marker, and resumes at `end`.
struct hit {
  std::size_t keep = 0;
  std::size_t end = 0;
};

std::size_t skip(std::string_view t, std::size_t i, std::string_view chars) noexcept {
  while (i < t.size() && chars.find(t[i]) != std::string_view::npos)
    ++i;
  return i;
}

// A value already replaced by the marker is no longer a secret.
bool already_masked(std::string_view t, std::size_t i) noexcept {
  return t.substr(i).starts_with(redacted_marker);
}

std::size_t token_end(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && token_char(t[i]))
    ++i;
  return i;
}

// A value after `key` and a separator (":", "=", "\":\""), optionally quoted.
bool value_after_key(std::string_view t, std::size_t at, std::size_t key_len, hit& h) {
  std::size_t i = at + key_len;
  i = skip(t, i, "\"'");
  std::size_t sep = skip(t, i, " \t:=");
  if (sep == i || t.substr(i, sep - i).find_first_of(":=") == std::string_view::npos)
    return false;
  i = skip(t, sep, " \t\"'");
  if (already_masked(t, i))
    return false;
  std::size_t end = i;
  while (end < t.size() && t[end] != '"' && t[end] != '\'' && t[end] != '\n' && t[end] != '\r'
         && t[end] != '}' && !(t[end] == ',' && end + 1 < t.size() && t[end + 1] == '"'))
    ++end;
  while (end > i && (t[end - 1] == ' ' || t[end - 1] == '\t'))
    --end;
  if (end == i)
    return false;
  h = {i - at, end};
  return true;
}

// A scheme word ("bearer", "flyv1") followed by blanks and a credential.
// FlyV1 always carries macaroons ("fm…"), so "the flyv1 protocol" is no hit.
bool scheme(std::string_view t, std::size_t at, std::size_t word_len, bool macaroon, hit& h) {
  std::size_t i = at + word_len;
  std::size_t v = skip(t, i, " \t");
  if (v == i || v >= t.size() || !token_char(t[v]))
    return false;
  if (macaroon && !starts_with_icase(t, v, "fm"))
    return false;
  // "Bearer FlyV1 fm2_…": mask the whole credential, keep only "Bearer ".
  std::size_t end = token_end(t, v);
  if (starts_with_icase(t, v, "flyv1")) {
    std::size_t w = skip(t, end, " \t");
    if (w > end)
      end = token_end(t, w);
  }
  h = {v - at, end};
  return true;
}

constexpr std::array<std::string_view, 4> kTokenPrefixes{
  fly_macaroon_prefixes[0], fly_macaroon_prefixes[1], fly_macaroon_prefixes[2], fly_oauth_prefix};

// Tries every marker that can start at `at`; the first letter narrows it down.
bool match(std::string_view t, std::size_t at, hit& h) {
  switch (lower(t[at])) {
    case 'a':
      if (starts_with_icase(t, at, "authorization")) {
        std::size_t i = skip(t, at + 13, " \t\"'");
        if (i < t.size() && (t[i] == ':' || t[i] == '=')) {
          std::size_t v = skip(t, i + 1, " \t\"'");
          if (already_masked(t, v))
            return false;
          std::size_t end = v;
          while (end < t.size() && t[end] != '\r' && t[end] != '\n' && t[end] != '"')
            ++end;
          if (end > v) {
            h = {v - at, end};
            return true;
          }
        }
        return false;
      }
      return starts_with_icase(t, at, "access_token") && value_after_key(t, at, 12, h);
    case 'b':
      return starts_with_icase(t, at, "bearer") && scheme(t, at, 6, false, h);
    case 'f':
      if (starts_with_icase(t, at, "flyv1"))
        return scheme(t, at, 5, true, h);
      if (starts_with_icase(t, at, "fly_api_token"))
        return value_after_key(t, at, 13, h);
      if (starts_with_icase(t, at, "fly_access_token"))
        return value_after_key(t, at, 16, h);
      for (auto prefix : kTokenPrefixes) {
        if (starts_with_icase(t, at, prefix)) {
          std::size_t end = token_end(t, at + prefix.size());
          if (end > at + prefix.size()) {
            h = {0, end};
            return true;
          }
        }
      }
      return false;
    default:
      return false;
  }
}

} // namespace

std::string redact(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < text.size();) {
    hit h;
    // Markers start at a word boundary: "xfm2_" is not a token prefix.
    bool boundary = i == 0 || !(alnum(text[i - 1]) || text[i - 1] == '_');
    if (boundary && match(text, i, h)) {
      if (out.empty())
        out.reserve(text.size());
      out.append(text.substr(copied, i + h.keep - copied));
      out.append(redacted_marker);
      copied = i = h.end;
    } else {
      ++i;
    }
  }
  if (copied == 0)
    return std::string{text};
  out.append(text.substr(copied));
  return out;
}

bool contains_secret(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    hit h;
    bool boundary = i == 0 || !(alnum(text[i - 1]) || text[i - 1] == '_');
    if (boundary && match(text, i, h))
      return true;
  }
  return false;
}

} // namespace atlas
