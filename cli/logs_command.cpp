#include <atlas/cli/logs_command.hpp>

#include <atlas/actors/log_cursor.hpp>
#include <atlas/api/logs.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/redact.hpp>
#include <atlas/net/fly_api_options.hpp>
#include <atlas/net/fly_logs_client.hpp>
#include <atlas/net/http_client.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <condition_variable>
#include <csignal>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace atlas::cli {

namespace {

struct logs_args {
  std::string config_file;
  std::string app;
  std::string region;
  std::string machine;
  bool json = false;
  bool no_tail = false;
  std::string since;
};

int logs_fail(const error& e) {
  std::cerr << "atlas logs: " << to_string(e) << '\n';
  switch (e.code()) {
    case errc::validation: return logs_bad_input;
    case errc::no_token_available: return logs_no_token;
    default: return logs_failed;
  }
}

// "10m" (that long ago) or an RFC 3339 instant.
expected<std::int64_t> parse_since(const std::string& text, std::int64_t now_ns) {
  if (auto d = parse_duration(text))
    return now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(*d).count();
  if (auto t = parse_timestamp(text))
    return *t;
  return error{errc::validation, "--since \"" + text
                                   + "\": expected a duration (30s, 10m, 2h) or an RFC 3339 time "
                                     "(2026-11-25T10:00:00Z)"};
}

void print(const log_entry& e, bool json) {
  if (!json) {
    std::cout << to_string(e) << '\n';
    return;
  }
  boost::json::object o{{"timestamp", format_timestamp(e.timestamp_ns)},
                        {"app", e.app},
                        {"instance", e.instance},
                        {"region", e.region},
                        {"level", e.level},
                        {"message", redact(e.message)}};
  if (!e.id.empty())
    o["id"] = e.id;
  std::cout << boost::json::serialize(o) << '\n';
}

// Lines handed over by the dispatcher's thread, printed on the main one: a
// slow terminal must not hold up the subtree.
struct printer {
  std::mutex mtx;
  std::condition_variable cv;
  std::deque<log_entry> lines;
  std::vector<log_gap> gaps;
  bool stopped = false;
  bool interrupted = false;
};

int tail(const logs_args& args, const options& opts, caf::actor_system& sys, http_client& http,
         const tokens& toks, const log_subscription_options& sub) {
  auto svc = make_log_services(opts, http, logs_token_function(toks));
  auto api = logs::start(sys, svc);
  if (!api)
    return logs_fail(api.error());
  auto p = std::make_shared<printer>();
  log_callbacks cb;
  cb.on_batch = [p](const std::string&, const log_batch& b) {
    std::lock_guard g{p->mtx};
    p->lines.insert(p->lines.end(), b.entries().begin(), b.entries().end());
    p->cv.notify_one();
  };
  cb.on_gap = [p](const std::string&, const log_gap& gap) {
    std::lock_guard g{p->mtx};
    p->gaps.push_back(gap);
    p->cv.notify_one();
  };
  cb.on_stopped = [p](const std::string&) {
    std::lock_guard g{p->mtx};
    p->stopped = true;
    p->cv.notify_one();
  };
  auto id = api->subscribe(std::move(cb), args.app, sub);
  if (!id) {
    (void) api->stop();
    return logs_fail(id.error());
  }
  // Ctrl-C and SIGTERM are taken by sigwait on a thread of their own.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  std::thread waiter{[p, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::lock_guard g{p->mtx};
    p->interrupted = true;
    p->cv.notify_one();
  }};
  int code = logs_ok;
  for (;;) {
    std::unique_lock lock{p->mtx};
    p->cv.wait(lock, [&] { return !p->lines.empty() || !p->gaps.empty() || p->stopped || p->interrupted; });
    auto lines = std::move(p->lines);
    auto gaps = std::move(p->gaps);
    p->lines.clear();
    p->gaps.clear();
    bool stopped = p->stopped;
    bool interrupted = p->interrupted;
    lock.unlock();
    for (auto& g : gaps)
      std::cerr << "atlas logs: lines may be missing from " << format_timestamp(g.from_ns) << " to "
                << format_timestamp(g.to_ns) << " (" << g.reason << ")\n";
    for (auto& e : lines)
      print(e, args.json);
    std::cout << std::flush;
    if (interrupted)
      break;
    if (stopped) {
      std::cerr << "atlas logs: the log stream of " << args.app << " stopped (see above)\n";
      code = logs_failed;
      break;
    }
  }
  if (!p->interrupted)
    pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  (void) api->unsubscribe(*id, args.app, sub);
  (void) api->stop();
  return code;
}

// --no-tail: page by page from the start (the latest page without --since)
// until a page is not full, then stop, as `fly logs --no-tail` does.
int read_once(const logs_args& args, const options& opts, http_client& http, const tokens& toks,
              const log_subscription_options& sub) {
  auto lo = fly_logs_options_from(opts.fly, opts.logs.endpoint == "ndjson" ? fly_logs_form::ndjson
                                                                           : fly_logs_form::jsonapi);
  log_cursor cursor;
  cursor.api_cursor_ns = sub.since_ns;
  bool refreshed = false;
  auto token = toks.get(args.app);
  if (!token)
    return logs_fail(token.error());
  for (;;) {
    fly_logs_query q{args.app, cursor.api_cursor_ns, sub.region, sub.instance};
    std::promise<expected<fly_logs_page>> done;
    auto f = done.get_future();
    fly_logs_client{http, token->token, lo}.fetch(q, [&](expected<fly_logs_page> r) { done.set_value(std::move(r)); });
    auto page = f.get();
    if (!page && page.error().code() == errc::unauthorized && !refreshed) {
      refreshed = true;
      token = toks.refresh(args.app);
      if (!token)
        return logs_fail(token.error());
      continue;
    }
    if (!page)
      return logs_fail(page.error());
    const auto full_page = log_services{}.full_page; // the streamers' rule for "more lines wait"
    bool full = page->entries.size() >= full_page;
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    auto step = advance(cursor, std::move(*page), full_page, now);
    for (auto& e : step.fresh)
      print(e, args.json);
    std::cout << std::flush;
    if (!full || sub.since_ns == 0)
      return logs_ok;
  }
}

int run_logs(const logs_args& args) {
  auto opts = load_options({.config_file = args.config_file});
  if (!opts) {
    std::cerr << "atlas: " << opts.error().message() << '\n';
    return logs_bad_input;
  }
  (void) set_log_level(opts->log_level == "info" ? "warn" : opts->log_level);
  if (auto ok = validate_app_name(args.app); !ok)
    return logs_fail(ok.error());
  log_subscription_options sub;
  // flyctl: filtering by machine clears the region filter.
  sub.instance = args.machine;
  sub.region = args.machine.empty() ? args.region : "";
  if (!args.since.empty()) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    auto since = parse_since(args.since, now);
    if (!since)
      return logs_fail(since.error());
    sub.since_ns = *since;
  }
  // Blocked before any thread starts, so that every thread inherits it and
  // only sigwait sees Ctrl-C.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto http = http_client::create();
  if (!http)
    return logs_fail(http.error());
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto toks = tokens::start(sys, make_token_services(*opts, std::make_shared<process_runner>()));
  if (!toks)
    return logs_fail(toks.error());
  int code = args.no_tail ? read_once(args, *opts, **http, *toks, sub)
                          : tail(args, *opts, sys, **http, *toks, sub);
  (void) toks->stop();
  return code;
}

} // namespace

void add_logs_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<logs_args>();
  auto* cmd = app.add_subcommand("logs", "Print an app's logs as they arrive, until Ctrl-C");
  cmd->add_option("app", args->app, "the Fly app")->required();
  cmd->add_option("-r,--region", args->region, "only this region (three letters)");
  cmd->add_option("-m,--machine,--instance", args->machine, "only this machine (its id); clears --region");
  cmd->add_flag("--json", args->json, "one JSON object per line");
  cmd->add_flag("-n,--no-tail", args->no_tail, "print what is there and stop");
  cmd->add_option("-s,--since", args->since, "start this long ago (10m) or at this time (RFC 3339)");
  cmd->add_option("--config", args->config_file, "atlas.toml to read");
  cmd->footer("The app's token comes from the token chain (docs/tokens.md). Exit status: 0 "
              "stopped by Ctrl-C or --no-tail done, 1 the stream stopped or failed, 2 bad input, "
              "3 no token. See docs/logs.md.");
  cmd->callback([args, &exit_code] { exit_code = run_logs(*args); });
}

} // namespace atlas::cli
