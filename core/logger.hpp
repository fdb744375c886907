#pragma once
// Atlas's one logger. Every line passes through redact() before any sink
// sees it, whichever sinks are installed.

#include <atlas/core/expected.hpp>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <memory>
#include <string_view>
#include <vector>

namespace atlas {

/// The project logger, named "atlas"; logs to stderr until set_log_sinks().
/// Thread-safe; usable from actors, Asio threads and plain threads.
spdlog::logger& log();

/// Replaces the sinks. Each one is wrapped so that it receives redacted text.
void set_log_sinks(std::vector<spdlog::sink_ptr> sinks);

/// Sets the level by name: trace, debug, info, warn, error, critical, off.
expected<void> set_log_level(std::string_view level);

/// Wraps `inner` so that every message reaching it is redacted first.
spdlog::sink_ptr make_redacting_sink(spdlog::sink_ptr inner);

} // namespace atlas
