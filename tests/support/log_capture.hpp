#pragma once
// Captures what Atlas logs, *before* redaction: a sink added to the logger
// directly, so a test can prove a token never reaches a log call at all,
// not merely that the redacting sinks hide it.

#include <atlas/core/logger.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace atlas::test {

class log_capture {
public:
  log_capture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    level_ = log().level();
    // The other sinks keep the test's own level (quiet by default).
    for (auto& s : log().sinks()) {
      others_.emplace_back(s, s->level());
      if (level_ > s->level())
        s->set_level(level_);
    }
    log().set_level(spdlog::level::trace);
    log().sinks().push_back(sink_);
  }
  ~log_capture() {
    auto& sinks = log().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    for (auto& [s, lvl] : others_)
      s->set_level(lvl);
    log().set_level(level_);
  }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  std::string text() const {
    sink_->flush();
    return out_.str();
  }
  bool contains(const std::string& s) const { return text().find(s) != std::string::npos; }

private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::level::level_enum level_;
  std::vector<std::pair<spdlog::sink_ptr, spdlog::level::level_enum>> others_;
};

} // namespace atlas::test
