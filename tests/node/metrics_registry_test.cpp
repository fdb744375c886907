#include <atlas/node/metrics_registry.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// What a Prometheus scraper reads from text format 0.0.4, strictly: every
/// sample belongs to a family whose HELP and TYPE came first, label values
/// are quoted with only \\, \" and \n escaped, families are not split.
struct exposition {
  std::map<std::string, std::string> types; ///< family → counter|gauge|histogram
  std::map<std::string, std::string> helps;
  std::vector<sample> samples;
  std::vector<std::string> problems;

  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return -1;
  }
  std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& s : samples)
      n += s.name == name;
    return n;
  }
};

std::string family_of(const std::string& sample_name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s{suffix};
    if (sample_name.size() > s.size() && sample_name.ends_with(s)) {
      auto base = sample_name.substr(0, sample_name.size() - s.size());
      auto t = types.find(base);
      if (t != types.end() && t->second == "histogram")
        return base;
    }
  }
  return sample_name;
}

bool valid_name(const std::string& n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0])))
    return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'))
      return false;
  return true;
}

exposition parse(const std::string& text) {
  exposition x;
  std::istringstream in{text};
  std::string line, current;
  std::vector<std::string> closed;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      auto name = rest.substr(0, sp);
      auto what = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (line[2] == 'H') {
        if (x.helps.count(name))
          x.problems.push_back("second HELP for " + name);
        x.helps[name] = what;
      } else {
        if (x.types.count(name))
          x.problems.push_back("second TYPE for " + name);
        if (what != "counter" && what != "gauge" && what != "histogram" && what != "summary" && what != "untyped")
          x.problems.push_back("bad TYPE " + what);
        x.types[name] = what;
      }
      if (name != current) {
        if (!current.empty())
          closed.push_back(current);
        current = name;
      }
      continue;
    }
    if (line[0] == '#')
      continue;
    sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
      ++i;
    s.name = line.substr(0, i);
    if (!valid_name(s.name))
      x.problems.push_back("bad metric name in: " + line);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        auto eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          x.problems.push_back("bad label in: " + line);
          break;
        }
        auto key = line.substr(i, eq - i);
        std::string v;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            if (j >= line.size() || (line[j] != '\\' && line[j] != '"' && line[j] != 'n'))
              x.problems.push_back("bad escape in: " + line);
            else
              v += line[j] == 'n' ? '\n' : line[j];
          } else {
            v += line[j];
          }
        }
        s.labels[key] = v;
        i = j + 1;
        if (i < line.size() && line[i] == ',')
          ++i;
      }
      ++i; // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      x.problems.push_back("no value in: " + line);
      continue;
    }
    auto value = line.substr(i + 1);
    if (value == "+Inf")
      s.value = HUGE_VAL;
    else {
      char* end = nullptr;
      s.value = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0')
        x.problems.push_back("bad value in: " + line);
    }
    auto fam = family_of(s.name, x.types);
    if (!x.types.count(fam))
      x.problems.push_back("sample before its TYPE: " + line);
    if (fam != current)
      x.problems.push_back("sample outside its family's block: " + line);
    if (std::find(closed.begin(), closed.end(), fam) != closed.end())
      x.problems.push_back("family split: " + fam);
    x.samples.push_back(std::move(s));
  }
  for (auto& [name, type] : x.types)
    if (!x.helps.count(name))
      x.problems.push_back("no HELP for " + name);
  return x;
}

atlas::telemetry_event fetch(std::string app, std::string status, double count, double malformed = 0) {
  return {"logs.fetch", {{"count", count}, {"malformed", malformed}, {"duration_us", 1500}},
          {{"app", std::move(app)}, {"status", std::move(status)}}};
}

} // namespace

TEST_CASE("render prints every family the node promises, in valid text format 0.0.4") {
  atlas::metrics_registry m;
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  for (const auto& f : x.problems)
    MESSAGE(f);
  // Issue #10's list: token acquisitions by source, log polls/entries/errors/
  // evictions, deploys, supervisor restarts, HTTP requests by route and
  // status, log lag, deploy duration and outcome, process RSS (and CPU).
  std::map<std::string, std::string> wanted{
      {"atlas_token_acquisitions_total", "counter"}, {"atlas_log_polls_total", "counter"},
      {"atlas_log_entries_total", "counter"},        {"atlas_log_poll_errors_total", "counter"},
      {"atlas_log_evictions_total", "counter"},      {"atlas_deploys_total", "counter"},
      {"atlas_deploy_lines_total", "counter"},       {"atlas_supervisor_restarts", "gauge"},
      {"atlas_http_requests_total", "counter"},      {"atlas_http_request_duration_seconds", "histogram"},
      {"atlas_log_lag_seconds", "histogram"},        {"atlas_deploy_duration_seconds", "histogram"},
      {"process_resident_memory_bytes", "gauge"},    {"process_cpu_seconds_total", "counter"}};
  for (const auto& [name, type] : wanted) {
    CAPTURE(name);
    REQUIRE(x.types.count(name) == 1);
    CHECK(x.types.at(name) == type);
  }
  CHECK(x.value("process_resident_memory_bytes") > 1024 * 1024);
  CHECK(x.value("process_cpu_seconds_total") >= 0);
  CHECK(x.value("atlas_deploy_lines_total") == 0); // a family without labels shows its 0
}

TEST_CASE("telemetry events become counters by their labels") {
  atlas::metrics_registry m;
  atlas::emit(&m, {"token.acquire", {{"duration_us", 40}},
                   {{"app", "a"}, {"source", "cache"}, {"acquirer", "facade"}, {"outcome", "ok"}}});
  atlas::emit(&m, {"token.acquire", {{"duration_us", 30}},
                   {{"app", "b"}, {"source", "cache"}, {"acquirer", "facade"}, {"outcome", "ok"}}});
  atlas::emit(&m, {"token.acquire", {{"duration_us", 9e6}},
                   {{"app", "a"}, {"source", "cli"}, {"acquirer", "app_server"}, {"outcome", "ok"}}});
  atlas::emit(&m, fetch("web", "ok", 5));
  atlas::emit(&m, fetch("web", "ok", 7, 2));
  atlas::emit(&m, fetch("web", "rate_limited", 0));
  atlas::emit(&m, {"logs.evict", {{"in_flight", 65}}, {{"topic", "web"}}});
  atlas::emit(&m, {"deploy.line", {{"count", 1}}, {{"ticket", "t1"}}});
  atlas::emit(&m, {"deploy.line", {{"count", 1}}, {{"ticket", "t1"}}});
  atlas::emit(&m, {"deploy.exit", {{"duration_ms", 42000}, {"exit_code", 0}, {"lines", 2}},
                   {{"ticket", "t1"}, {"status", "ok"}, {"stopped_by", ""}}});
  atlas::emit(&m, {"supervisor.restart", {}, {{"supervisor", "logs_sup"}, {"child", "dispatcher"}, {"detail", ""}}});

  auto x = parse(m.render());
  CHECK(x.problems.empty());
  CHECK(x.value("atlas_token_acquisitions_total", {{"source", "cache"}, {"acquirer", "facade"}, {"outcome", "ok"}}) == 2);
  CHECK(x.value("atlas_token_acquisitions_total", {{"source", "cli"}, {"acquirer", "app_server"}, {"outcome", "ok"}}) == 1);
  CHECK(x.value("atlas_token_acquire_duration_seconds_count", {{"source", "cli"}}) == 1);
  CHECK(x.value("atlas_token_acquire_duration_seconds_bucket", {{"source", "cli"}, {"le", "5"}}) == 0);
  CHECK(x.value("atlas_token_acquire_duration_seconds_bucket", {{"source", "cli"}, {"le", "10"}}) == 1);
  CHECK(x.value("atlas_log_polls_total", {{"app", "web"}, {"status", "ok"}}) == 2);
  CHECK(x.value("atlas_log_polls_total", {{"app", "web"}, {"status", "rate_limited"}}) == 1);
  CHECK(x.value("atlas_log_entries_total", {{"app", "web"}}) == 12);
  CHECK(x.value("atlas_log_malformed_entries_total", {{"app", "web"}}) == 2);
  CHECK(x.value("atlas_log_poll_errors_total", {{"app", "web"}, {"status", "rate_limited"}}) == 1);
  CHECK(x.value("atlas_log_poll_duration_seconds_count") == 3);
  CHECK(x.value("atlas_log_evictions_total", {{"topic", "web"}}) == 1);
  CHECK(x.value("atlas_deploy_lines_total") == 2);
  CHECK(x.value("atlas_deploys_total", {{"status", "ok"}}) == 1);
  CHECK(x.value("atlas_deploy_duration_seconds_sum", {{"status", "ok"}}) == doctest::Approx(42));
  CHECK(x.value("atlas_deploy_duration_seconds_bucket", {{"status", "ok"}, {"le", "30"}}) == 0);
  CHECK(x.value("atlas_deploy_duration_seconds_bucket", {{"status", "ok"}, {"le", "60"}}) == 1);
  CHECK(x.value("atlas_supervisor_events_total", {{"supervisor", "logs_sup"}, {"event", "restart"}}) == 1);
  CHECK(x.value("atlas_telemetry_events_total", {{"event", "logs.fetch"}}) == 3);
}

TEST_CASE("histogram buckets are cumulative and end with +Inf equal to _count") {
  atlas::metrics_registry m;
  m.observe_log_lag("web", 0.05);
  m.observe_log_lag("web", 0.3);
  m.observe_log_lag("web", 1.9);
  m.observe_log_lag("web", 2.0); // le is inclusive: counts in the 2 bucket
  m.observe_log_lag("web", 500);
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  auto b = [&](const char* le) { return x.value("atlas_log_lag_seconds_bucket", {{"app", "web"}, {"le", le}}); };
  CHECK(b("0.1") == 1);
  CHECK(b("0.25") == 1);
  CHECK(b("0.5") == 2);
  CHECK(b("2") == 4);
  CHECK(b("60") == 4);
  CHECK(b("+Inf") == 5);
  CHECK(x.value("atlas_log_lag_seconds_count", {{"app", "web"}}) == 5);
  CHECK(x.value("atlas_log_lag_seconds_sum", {{"app", "web"}}) == doctest::Approx(504.25));
  // The buckets of one series come in increasing order.
  double prev = -1;
  for (const auto& s : x.samples)
    if (s.name == "atlas_log_lag_seconds_bucket") {
      CHECK(s.value >= prev);
      prev = s.value;
    }
}

TEST_CASE("observe_http counts by route pattern, method and status, and times by route") {
  atlas::metrics_registry m;
  m.observe_http("/v1/apps/{app}/token", "GET", 200, 3ms);
  m.observe_http("/v1/apps/{app}/token", "GET", 200, 7ms);
  m.observe_http("/v1/apps/{app}/token", "GET", 401, 1ms);
  m.observe_http("unmatched", "GET", 404, 1ms);
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  CHECK(x.value("atlas_http_requests_total", {{"route", "/v1/apps/{app}/token"}, {"method", "GET"}, {"status", "200"}}) == 2);
  CHECK(x.value("atlas_http_requests_total", {{"route", "/v1/apps/{app}/token"}, {"method", "GET"}, {"status", "401"}}) == 1);
  CHECK(x.value("atlas_http_requests_total", {{"route", "unmatched"}, {"method", "GET"}, {"status", "404"}}) == 1);
  CHECK(x.value("atlas_http_request_duration_seconds_count", {{"route", "/v1/apps/{app}/token"}, {"method", "GET"}}) == 3);
  CHECK(x.value("atlas_http_request_duration_seconds_sum", {{"route", "/v1/apps/{app}/token"}, {"method", "GET"}}) ==
        doctest::Approx(0.011));
  CHECK(x.value("atlas_http_request_duration_seconds_bucket",
                {{"route", "/v1/apps/{app}/token"}, {"method", "GET"}, {"le", "0.005"}}) == 2);
}

TEST_CASE("supervisor restarts are a gauge set from the tree, and stream clients go up and down") {
  atlas::metrics_registry m;
  m.set_supervisor_restarts("atlas_sup/fly_sup/logs_sup/dispatcher", 2);
  m.set_supervisor_restarts("atlas_sup/fly_sup/logs_sup/dispatcher", 3);
  m.set_supervisor_restarts("atlas_sup/fly_sup", 0);
  m.add_stream_clients("sse", 1);
  m.add_stream_clients("sse", 1);
  m.add_stream_clients("sse", -1);
  m.observe_stream_event("web", "logs", 10);
  m.observe_stream_event("web", "logs", 5);
  m.observe_stream_event("web", "gap", 0);
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  CHECK(x.value("atlas_supervisor_restarts", {{"child", "atlas_sup/fly_sup/logs_sup/dispatcher"}}) == 3);
  CHECK(x.value("atlas_supervisor_restarts", {{"child", "atlas_sup/fly_sup"}}) == 0);
  CHECK(x.value("atlas_log_stream_clients", {{"transport", "sse"}}) == 1);
  CHECK(x.value("atlas_log_stream_events_total", {{"app", "web"}, {"kind", "logs"}}) == 2);
  CHECK(x.value("atlas_log_stream_events_total", {{"app", "web"}, {"kind", "gap"}}) == 1);
  CHECK(x.value("atlas_log_stream_entries_total", {{"app", "web"}}) == 15);
}

TEST_CASE("label values are escaped and never hold a secret") {
  atlas::metrics_registry m;
  m.observe_http("/odd\"route\\with\nnewline", "GET", 200, 1ms);
  // A handler that passed a raw path with a token by mistake.
  m.observe_http("/v1/x?token=fo1_c2VjcmV0dmFsdWVzZWNyZXR2YWx1ZTEyMw", "GET", 200, 1ms);
  m.set_supervisor_restarts("Bearer fo1_c2VjcmV0dmFsdWVzZWNyZXR2YWx1ZTEyMw", 1);
  // Through handle() directly, past emit()'s own redaction.
  m.handle({"logs.fetch", {{"count", 1}}, {{"app", "FLY_API_TOKEN=fm2_bGVha2VkbGVha2VkbGVha2Vk"}, {"status", "ok"}}});
  auto text = m.render();
  CHECK(text.find("c2VjcmV0dmFsdWVzZWNyZXR2YWx1ZTEyMw") == std::string::npos);
  CHECK(text.find("bGVha2VkbGVha2VkbGVha2Vk") == std::string::npos);
  CHECK(text.find("[REDACTED]") != std::string::npos);
  CHECK(text.find("route=\"/odd\\\"route\\\\with\\nnewline\"") != std::string::npos);
  auto x = parse(text);
  CHECK(x.problems.empty());
  CHECK(x.value("atlas_http_requests_total", {{"route", "/odd\"route\\with\nnewline"}, {"method", "GET"}, {"status", "200"}}) == 1);
}

TEST_CASE("a label fed from outside cannot grow a family without bound") {
  atlas::metrics_registry m;
  for (int i = 0; i < 2500; ++i)
    m.observe_http("/r" + std::to_string(i), "GET", 200, 1ms);
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  CHECK(x.count("atlas_http_requests_total") == 2001);
  CHECK(x.value("atlas_http_requests_total", {{"route", "other"}, {"method", "other"}, {"status", "other"}}) == 500);
}

TEST_CASE("the registry takes events from many threads at once and loses none") {
  atlas::metrics_registry m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        atlas::emit(&m, fetch(t % 2 ? "a" : "b", "ok", 1));
        m.observe_http("/v1/apps", "GET", 200, 1ms);
        if (i % 100 == 0)
          (void) m.render();
      }
    });
  for (auto& th : threads)
    th.join();
  auto x = parse(m.render());
  CHECK(x.problems.empty());
  CHECK(x.value("atlas_log_entries_total", {{"app", "a"}}) == 4000);
  CHECK(x.value("atlas_log_entries_total", {{"app", "b"}}) == 4000);
  CHECK(x.value("atlas_http_requests_total", {{"route", "/v1/apps"}, {"method", "GET"}, {"status", "200"}}) == 8000);
}

TEST_CASE("process figures come from /proc: RSS in bytes, CPU in seconds, growing with work") {
  auto rss = atlas::process_rss_bytes();
  CHECK(rss > 1024 * 1024);
  auto cpu0 = atlas::process_cpu_seconds();
  REQUIRE(cpu0 >= 0);
  volatile double sink = 0;
  auto until = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < until)
    sink = sink + 1;
  CHECK(atlas::process_cpu_seconds() > cpu0);
}

TEST_CASE("a sub-millisecond request keeps its precision in the duration histogram") {
  atlas::metrics_registry m;
  m.observe_http("/v1/tree", "GET", 200, std::chrono::microseconds{400});
  auto x = parse(m.render());
  CHECK(x.value("atlas_http_request_duration_seconds_bucket", {{"route", "/v1/tree"}, {"method", "GET"}, {"le", "0.001"}}) == 1);
  CHECK(x.value("atlas_http_request_duration_seconds_sum", {{"route", "/v1/tree"}, {"method", "GET"}}) ==
        doctest::Approx(0.0004));
}
