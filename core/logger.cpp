#include <atlas/core/logger.hpp>

#include <atlas/core/redact.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace atlas {

namespace {

// Redacts the payload, then forwards. The formatted line may also carry the
// logger name and level, which hold no secrets; the payload is what can.
class redacting_sink final : public spdlog::sinks::sink {
public:
  explicit redacting_sink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::string_view payload{msg.payload.data(), msg.payload.size()};
    if (!contains_secret(payload)) {
      inner_->log(msg);
      return;
    }
    std::string clean = redact(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t{clean.data(), clean.size()};
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

private:
  spdlog::sink_ptr inner_;
};

std::shared_ptr<spdlog::logger> make_default() {
  auto l = std::make_shared<spdlog::logger>(
    "atlas", make_redacting_sink(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  l->set_level(spdlog::level::info);
  return l;
}

std::mutex& sinks_mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& instance() {
  static std::shared_ptr<spdlog::logger> l = make_default();
  return l;
}

} // namespace

spdlog::sink_ptr make_redacting_sink(spdlog::sink_ptr inner) {
  return std::make_shared<redacting_sink>(std::move(inner));
}

spdlog::logger& log() {
  return *instance();
}

void set_log_sinks(std::vector<spdlog::sink_ptr> sinks) {
  std::lock_guard guard{sinks_mutex()};
  auto& l = *instance();
  // spdlog's sink list is not itself synchronised against concurrent logging;
  // Atlas changes sinks only at start-up and in tests, before loggers are busy.
  l.sinks().clear();
  for (auto& s : sinks)
    l.sinks().push_back(make_redacting_sink(std::move(s)));
}

expected<void> set_log_level(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string{level});
  // from_str maps anything unknown to "off"; only "off" itself may mean off.
  if (lvl == spdlog::level::off && level != "off")
    return error{errc::validation, "log level \"" + std::string{level}
                                     + "\": expected one of trace, debug, info, warn, error, "
                                       "critical, off"};
  log().set_level(lvl);
  return {};
}

} // namespace atlas
