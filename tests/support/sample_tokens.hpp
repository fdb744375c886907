#pragma once
// Fly tokens of every real shape, for tests: a macaroon pair as `fly tokens
// create readonly` prints it, an OAuth token and a legacy personal token.
// None is a real credential.

#include <string>

namespace atlas::test {

inline const std::string sample_macaroon_1 = "fm2_lJPECAAAAAAAAMuExBBGqXz0b9ZmXhT2V3R1Yn5A";
inline const std::string sample_macaroon_2 = "fm2_lJPEThhFmV5QqT9N0Ywz+Hj/3eQ==";
inline const std::string sample_oauth = "fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";
inline const std::string sample_legacy = "5f0e3c6d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e";

} // namespace atlas::test
