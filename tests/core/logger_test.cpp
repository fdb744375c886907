#include <atlas/core/logger.hpp>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <iostream>
#include <sstream>

namespace {

// Captures the project logger's output for one test, then restores stderr.
struct captured_log {
  std::ostringstream out;
  spdlog::level::level_enum before = atlas::log().level();
  captured_log() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_pattern("%l %v");
    atlas::set_log_sinks({sink});
    REQUIRE(atlas::set_log_level("trace"));
  }
  ~captured_log() {
    atlas::set_log_sinks({std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr)});
    atlas::log().set_level(before);
  }
};

} // namespace

TEST_CASE("a token in a log line never reaches a sink") {
  captured_log cap;
  atlas::log().info("acquired {} for app {}", "FlyV1 fm2_leakme,fm2_leakme2", "demo");
  atlas::log().warn("retrying with Authorization: Bearer fo1_leakme3");
  atlas::log().error("config says access_token: legacyleakme4");
  atlas::log().flush();
  auto text = cap.out.str();
  for (auto leak : {"leakme", "leakme2", "leakme3", "legacyleakme4"})
    CHECK_MESSAGE(text.find(leak) == std::string::npos, "leaked: " << text);
  CHECK(text.find("info acquired FlyV1 [REDACTED] for app demo") != std::string::npos);
  CHECK(text.find("warning retrying with Authorization: [REDACTED]") != std::string::npos);
}

TEST_CASE("lines without secrets pass unchanged, at the configured level") {
  captured_log cap;
  REQUIRE(atlas::set_log_level("warn"));
  atlas::log().info("not shown");
  atlas::log().warn("app {} restarted {} times", "demo", 3);
  atlas::log().flush();
  CHECK(cap.out.str() == "warning app demo restarted 3 times\n");
}

TEST_CASE("an unknown log level is refused with the allowed ones") {
  auto r = atlas::set_log_level("verbose");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == atlas::errc::validation);
  CHECK(r.error().message().find("trace, debug, info") != std::string::npos);
  auto before = atlas::log().level();
  CHECK(atlas::set_log_level("off"));
  CHECK(atlas::set_log_level("info"));
  atlas::log().set_level(before);
}
