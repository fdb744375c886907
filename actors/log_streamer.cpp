#include <atlas/actors/log_streamer.hpp>

#include <atlas/actors/log_dispatcher.hpp>
#include <atlas/core/logger.hpp>

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

#include <algorithm>
#include <functional>

namespace atlas {

namespace {

using idle_check_atom = caf::atom_constant<caf::atom("logidle")>;
using fetched_atom = caf::atom_constant<caf::atom("logfetched")>;
constexpr idle_check_atom idle_check_atom_v{};
constexpr fetched_atom fetched_atom_v{};

struct fetch_outcome {
  std::uint64_t seq = 0;
  expected<fly_logs_page> page;
  std::chrono::steady_clock::time_point started;
  std::int64_t wall_ns = 0; ///< when the poll was sent
};
using fetch_outcome_ptr = std::shared_ptr<fetch_outcome>;

} // namespace
} // namespace atlas

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atlas::fetch_outcome_ptr)

namespace atlas {

std::string log_topic(const log_stream_key& k) {
  std::string t = k.app;
  if (!k.region.empty())
    t += " region=" + k.region;
  if (!k.instance.empty())
    t += " instance=" + k.instance;
  if (k.since_ns > 0)
    t += " since=" + std::to_string(k.since_ns);
  return t;
}

expected<log_stream_key> parse_log_topic(const std::string& topic) {
  log_stream_key k;
  std::size_t i = topic.find(' ');
  k.app = topic.substr(0, i);
  while (i != std::string::npos) {
    auto j = topic.find(' ', i + 1);
    auto part = topic.substr(i + 1, j == std::string::npos ? std::string::npos : j - i - 1);
    if (part.rfind("region=", 0) == 0)
      k.region = part.substr(7);
    else if (part.rfind("instance=", 0) == 0)
      k.instance = part.substr(9);
    else if (part.rfind("since=", 0) == 0 && part.size() > 6
             && part.find_first_not_of("0123456789", 6) == std::string::npos)
      k.since_ns = std::stoll(part.substr(6));
    else
      return error{errc::validation, "log topic \"" + topic + "\": unknown part \"" + part
                                       + "\" (allowed: region=R, instance=ID, since=NS)"};
    i = j;
  }
  if (k.app.empty())
    return error{errc::validation, "log topic \"" + topic + "\": no app"};
  return k;
}

namespace {

class log_streamer_actor : public caf::event_based_actor {
public:
  log_streamer_actor(caf::actor_config& cfg, std::shared_ptr<log_services> svc, std::string topic)
    : caf::event_based_actor(cfg), svc_(std::move(svc)), topic_(std::move(topic)) {
  }

  const char* name() const override { return "atlas.log_streamer"; }

  // The dispatcher holds this streamer as its topic's owner: drop the
  // handle back, or the two would keep each other alive after they exit.
  void on_exit() override { dispatcher_ = nullptr; }

  caf::behavior make_behavior() override {
    auto key = parse_log_topic(topic_);
    if (!key) {
      quit(caf::make_error(caf::sec::invalid_argument, key.error().message()));
      return {};
    }
    key_ = std::move(*key);
    if (auto c = svc_->cursors->get(topic_))
      cursor_ = std::move(*c);
    else if (key_.since_ns > 0)
      cursor_.api_cursor_ns = key_.since_ns;
    // A supervisor's shutdown ends the topic, so subscribers hear of it
    // (ExAtlas's streamer did not trap exits and sent nothing, defect 2).
    set_exit_handler([this](const caf::exit_msg& m) {
      if (m.reason == caf::exit_reason::user_shutdown) {
        end_topic();
        svc_->cursors->erase(topic_);
      }
      quit(m.reason);
    });
    set_down_handler([](const caf::down_msg&) {});
    register_with_dispatcher();
    send(this, poll_atom_v, epoch_);
    return {
      [this](subscribe_atom, const caf::actor& who, std::uint32_t max) -> caf::result<expected<void>> {
        return forward(subscribe_atom_v, who, max);
      },
      [this](subscribe_atom, const log_callbacks_ptr& cb, std::uint64_t id) -> caf::result<expected<void>> {
        return forward(subscribe_atom_v, cb, id);
      },
      [this](subscribe_atom, const caf::group& g) -> caf::result<expected<void>> {
        return forward(subscribe_atom_v, g);
      },
      [this](unsubscribe_atom, const caf::actor& who) -> caf::result<expected<void>> {
        return forward_unsubscribe(who);
      },
      [this](unsubscribe_atom, std::uint64_t id) -> caf::result<expected<void>> {
        return forward_unsubscribe(id);
      },
      [this](unsubscribe_atom, const caf::group& g) -> caf::result<expected<void>> {
        return forward_unsubscribe(g);
      },
      [this](topic_left_atom, const std::string&, std::uint32_t remaining, std::uint64_t joined) {
        // Stop only if no subscribe this streamer forwarded is still on its
        // way to the dispatcher: the counts say so.
        if (remaining == 0 && joined == forwarded_)
          stop_unsubscribed();
      },
      [this](idle_check_atom) { check_idle(); },
      [this](poll_atom, std::uint64_t epoch) {
        if (epoch == epoch_)
          poll();
      },
      [this](fetched_atom, const fetch_outcome_ptr& r) { on_fetched(*r); },
      [this](stats_atom) { return stats_; },
    };
  }

private:
  // -- subscribers --------------------------------------------------------------

  template <class... Ts>
  caf::result<expected<void>> forward(subscribe_atom a, const Ts&... xs) {
    auto d = svc_->handle(log_role::dispatcher);
    if (!d)
      return expected<void>{error{errc::no_streamer, "logs of " + key_.app + ": no dispatcher"}};
    ++forwarded_;
    auto rp = make_response_promise();
    rp.delegate(d, a, topic_, xs...);
    return rp;
  }

  template <class T>
  caf::result<expected<void>> forward_unsubscribe(const T& who) {
    auto d = svc_->handle(log_role::dispatcher);
    if (!d)
      return expected<void>{error{errc::no_streamer, "logs of " + key_.app + ": no dispatcher"}};
    auto rp = make_response_promise();
    rp.delegate(d, unsubscribe_atom_v, topic_, who);
    return rp;
  }

  void register_with_dispatcher() {
    auto d = svc_->handle(log_role::dispatcher);
    if (!d) {
      quit(caf::make_error(caf::sec::invalid_argument, "no log dispatcher"));
      return;
    }
    dispatcher_ = d;
    request(d, caf::infinite, own_topic_atom_v, topic_, key_.app, caf::actor_cast<caf::actor>(this))
      .then(
        [this](const log_topic_stats& st) {
          forwarded_ += st.joined;
          if (st.subscribers == 0)
            delayed_send(this, std::chrono::duration_cast<caf::timespan>(svc_->idle_grace),
                         idle_check_atom_v);
        },
        [this](const caf::error& e) { quit(e); });
  }

  void check_idle() {
    request(dispatcher_, caf::infinite, stats_atom_v, topic_)
      .then([this](const log_topic_stats& st) {
        if (st.subscribers == 0 && st.joined <= forwarded_)
          stop_unsubscribed();
      },
            [this](const caf::error& e) { quit(e); });
  }

  // Nobody listens: a later subscriber starts from the latest lines, as
  // `fly logs` does, so the cursor goes too.
  void stop_unsubscribed() {
    svc_->cursors->erase(topic_);
    quit();
  }

  void end_topic() {
    if (dispatcher_)
      send(dispatcher_, end_topic_atom_v, topic_, key_.app);
  }

  // -- polling ------------------------------------------------------------------

  void schedule(duration d) {
    ++epoch_;
    if (d.count() == 0)
      send(this, poll_atom_v, epoch_);
    else
      delayed_send(this, std::chrono::duration_cast<caf::timespan>(d), poll_atom_v, epoch_);
  }

  void poll() {
    if (in_flight_)
      return;
    in_flight_ = true;
    poll_started_ = clock().now();
    check_retention();
    svc_->token(this, key_.app, refresh_next_, [this](expected<secret> tok) {
      refresh_next_ = false;
      if (!tok) {
        in_flight_ = false;
        return on_error(tok.error(), std::chrono::steady_clock::now());
      }
      fetch(*tok);
    });
  }

  void fetch(const secret& tok) {
    fly_logs_query q;
    q.app = key_.app;
    q.cursor_ns = cursor_.api_cursor_ns;
    q.region = key_.region;
    q.instance = key_.instance;
    auto out = std::make_shared<fetch_outcome>();
    out->seq = ++seq_;
    out->started = std::chrono::steady_clock::now();
    out->wall_ns = svc_->now();
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(this);
    // Runs on the HTTP client's thread: back into the mailbox, never the state.
    svc_->fetch(q, tok, [weak, out](expected<fly_logs_page> r) mutable {
      out->page = std::move(r);
      if (auto self = caf::actor_cast<caf::actor>(weak))
        caf::anon_send(self, fetched_atom_v, std::move(out));
    });
  }

  void on_fetched(fetch_outcome& r) {
    in_flight_ = false;
    ++stats_.polls;
    if (!r.page)
      return on_error(r.page.error(), r.started);
    unauthorized_in_a_row_ = 0;
    errors_in_a_row_ = 0;
    auto& page = *r.page;
    auto malformed = page.malformed;
    stats_.malformed += malformed;
    bool full = page.entries.size() >= svc_->full_page;
    auto step = advance(cursor_, std::move(page), svc_->full_page, r.wall_ns);
    stats_.duplicates += step.duplicates;
    if (step.gap)
      gap(std::move(*step.gap));
    auto& fresh = step.fresh;
    telemetry("ok", fresh.size(), malformed, r.started);
    svc_->cursors->put(topic_, cursor_);
    if (!fresh.empty()) {
      stats_.delivered += fresh.size();
      send(dispatcher_, publish_atom_v, topic_, key_.app,
           log_batch{std::make_shared<const log_batch::lines>(std::move(fresh))});
    }
    // poll_interval runs from the poll's start, not its answer: K streamers
    // at 100 ms poll 10·K times a second, however long the answers take.
    auto since_start = std::chrono::duration_cast<duration>(clock().now() - poll_started_);
    schedule(full ? svc_->min_interval : std::max(duration{0}, svc_->logs.poll_interval - since_start));
  }

  void check_retention() {
    auto oldest = svc_->now() - std::chrono::duration_cast<std::chrono::nanoseconds>(svc_->retention).count();
    if (cursor_.api_cursor_ns > 0 && cursor_.api_cursor_ns < oldest) {
      gap({cursor_.api_cursor_ns, oldest, "cursor older than Fly's log retention"});
      cursor_.api_cursor_ns = oldest;
    }
  }

  void gap(log_gap g) {
    ++stats_.gaps;
    log().warn("logs of {}: lines may be missing from {} to {}: {}", topic_,
               format_timestamp(g.from_ns), format_timestamp(g.to_ns), g.reason);
    send(dispatcher_, logs_gap_atom_v, topic_, key_.app, std::move(g));
  }

  void on_error(const error& e, std::chrono::steady_clock::time_point started) {
    ++stats_.errors;
    telemetry(std::string{to_string(e.code())}, 0, 0, started);
    if (e.code() == errc::unauthorized) {
      if (++unauthorized_in_a_row_ >= 2) {
        log().error("logs of {}: Fly refused a fresh token too ({}); stopping", topic_, e.message());
        return give_up();
      }
      refresh_next_ = true; // a new token, and one retry at once
      return schedule(duration{0});
    }
    if (e.code() == errc::not_found) {
      log().error("logs of {}: {}; stopping", topic_, e.message());
      return give_up();
    }
    // Transient: back off, never give up.
    auto wait = svc_->logs.poll_interval;
    for (std::uint32_t i = 0; i < errors_in_a_row_ && wait < svc_->max_backoff; ++i)
      wait *= 2;
    ++errors_in_a_row_;
    wait = std::min(wait, svc_->max_backoff);
    log().warn("logs of {}: poll failed ({}); next in {}", topic_, e.message(), format_duration(wait));
    schedule(wait);
  }

  void give_up() {
    end_topic();
    svc_->cursors->erase(topic_);
    quit();
  }

  void telemetry(std::string status, std::size_t count, std::size_t malformed,
                 std::chrono::steady_clock::time_point started) {
    if (svc_->telemetry == nullptr)
      return;
    auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
    emit(svc_->telemetry, {"logs.fetch",
                           {{"count", double(count)}, {"malformed", double(malformed)}, {"duration_us", us}},
                           {{"app", key_.app}, {"status", std::move(status)}}});
  }

  std::shared_ptr<log_services> svc_;
  std::string topic_;
  log_stream_key key_;
  caf::actor dispatcher_;
  log_cursor cursor_;
  log_streamer_stats stats_;
  std::uint64_t forwarded_ = 0; ///< subscribe requests sent on to the dispatcher
  std::uint64_t epoch_ = 0;     ///< the poll timer that counts (delayed sends cannot be cancelled)
  std::uint64_t seq_ = 0;
  bool in_flight_ = false;
  caf::actor_clock::time_point poll_started_{};
  bool refresh_next_ = false;
  std::uint32_t unauthorized_in_a_row_ = 0;
  std::uint32_t errors_in_a_row_ = 0;
};

} // namespace

caf::actor spawn_log_streamer(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                              const std::string& topic) {
  return sys.spawn<log_streamer_actor>(std::move(svc), topic);
}

} // namespace atlas
