#pragma once
// An Atlas error: a kind plus a message for people (DESIGN.md §4.5).

#include <atlas/core/errc.hpp>

#include <string>

namespace atlas {

/// A failure as a value. The message says what failed, for what input and
/// what to do; it is redacted on construction, so a token that slipped into
/// it (an echoed header, a CLI's output) never reaches a log or a caller.
class error {
public:
  error() = default; // errc::unknown with no message; for deserialisation
  /// An error of kind `code`; `message` names the input and what is allowed; the HTTP status and provider when a remote service answered.
  error(errc code, std::string message, int http_status = 0, std::string provider = {});

  /// Its kind.
  errc code() const noexcept { return code_; }
  /// What failed, for what input, and what to do; never a secret.
  const std::string& message() const noexcept { return message_; }
  /// The HTTP status that caused it, 0 when none did.
  int http_status() const noexcept { return http_status_; }
  /// Which provider or service answered ("fly", "mock"); empty for Atlas itself.
  const std::string& provider() const noexcept { return provider_; }

  /// Equal when every field is.
  friend bool operator==(const error&, const error&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, error& x) {
    return f(x.code_, x.message_, x.http_status_, x.provider_);
  }

private:
  errc code_ = errc::unknown;
  std::string message_;
  int http_status_ = 0;
  std::string provider_;
};

/// "[provider or atlas] kind (HTTP status): message", as ExAtlas renders its
/// errors (reference/exatlas.md §14), e.g. "[fly] unauthorized (HTTP 401): bad token".
std::string to_string(const error& e);

} // namespace atlas
