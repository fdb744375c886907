#pragma once
// A TLS certificate and key made at run time for tests (see
// <atlas/net/self_signed_certificate.hpp>): CN=localhost, SAN IP:127.0.0.1
// and DNS:localhost by default, valid from a minute ago for an hour. Tests
// run servers with it and clients that trust exactly it, verification on.

#include <atlas/net/self_signed_certificate.hpp>

#include <doctest/doctest.h>

#include <string>

namespace atlas::test {

using test_certificate = certificate_pem;

inline test_certificate make_test_certificate(const std::string& common_name = "localhost",
                                              const std::string& san = "IP:127.0.0.1,DNS:localhost") {
  auto c = make_self_signed_certificate(common_name, san);
  REQUIRE_MESSAGE(c, (c ? "" : to_string(c.error())));
  return std::move(*c);
}

} // namespace atlas::test
