#include <atlas/node/log_hub.hpp>

#include <atlas/core/redact.hpp>
#include <atlas/node/metrics_registry.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace atlas {

namespace {

using linger_atom = caf::atom_constant<caf::atom("nlinger")>;
using left_atom = caf::atom_constant<caf::atom("nleft")>;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Unique per subscription, also across node restarts: microseconds since
// the epoch at its start, made strictly increasing within the process.
std::uint64_t next_generation() {
  static std::atomic<std::uint64_t> last{0};
  auto t = static_cast<std::uint64_t>(now_ns() / 1000);
  auto prev = last.load();
  std::uint64_t g = 0;
  do {
    g = std::max(t, prev + 1);
  } while (!last.compare_exchange_weak(prev, g));
  return g;
}

struct client {
  std::uint64_t id = 0;
  std::optional<sse_stream> sse;
  std::optional<websocket_stream> ws;
};

struct event {
  std::uint64_t seq = 0; ///< 0: not numbered (not replayable)
  std::string name;      ///< logs, gap, stopped, evicted
  boost::json::object payload;
};

struct topic {
  std::string key;
  std::string app;
  log_subscription_options sub;
  std::uint64_t generation = next_generation();
  caf::actor actor;

  std::mutex mtx; // everything below
  std::uint64_t next_seq = 1;
  std::deque<std::pair<std::uint64_t, std::shared_ptr<const event>>> buffer;
  std::vector<client> clients;
  std::uint64_t leaves = 0;
  bool ended = false;

  std::string id_of(std::uint64_t seq) const {
    return std::to_string(generation) + "-" + std::to_string(seq);
  }
};

// Sends to one client; false when its stream is closed (it overflowed or left).
bool deliver(const topic& t, const client& c, const event& e) {
  if (c.sse) {
    auto id = e.seq == 0 ? std::string{} : t.id_of(e.seq);
    return c.sse->send(boost::json::serialize(e.payload), e.name, id);
  }
  boost::json::object frame{{"type", e.name}};
  if (e.seq != 0)
    frame["id"] = t.id_of(e.seq);
  for (auto& [k, v] : e.payload)
    frame[k] = v;
  return c.ws->send(boost::json::serialize(frame));
}

void close_client(const client& c) {
  if (c.sse)
    c.sse->close();
  else
    c.ws->close();
}

boost::json::object batch_payload(const std::string& app, const log_batch& b) {
  boost::json::array entries;
  for (auto& e : b.entries()) {
    boost::json::object o{{"timestamp", format_timestamp(e.timestamp_ns)},
                          {"instance", e.instance},
                          {"region", e.region},
                          {"level", e.level},
                          {"message", redact(e.message)}};
    if (!e.id.empty())
      o["id"] = e.id;
    entries.push_back(std::move(o));
  }
  return {{"app", app}, {"entries", std::move(entries)}};
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_event_id(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos)
    return std::nullopt;
  std::uint64_t g = 0;
  std::uint64_t s = 0;
  auto a = id.substr(0, dash);
  auto b = id.substr(dash + 1);
  auto [e1, c1] = std::from_chars(a.data(), a.data() + a.size(), g);
  auto [e2, c2] = std::from_chars(b.data(), b.data() + b.size(), s);
  if (c1 != std::errc{} || c2 != std::errc{} || e1 != a.data() + a.size()
      || e2 != b.data() + b.size())
    return std::nullopt;
  return std::pair{g, s};
}

} // namespace

struct log_hub::impl : std::enable_shared_from_this<log_hub::impl> {
  caf::actor_system& sys;
  logs facade;
  log_hub_options opts;
  metrics_registry* metrics;

  mutable std::mutex mtx; // topics, stopping
  std::map<std::string, std::shared_ptr<topic>> topics;
  bool stopping = false;

  // Streams not yet ended, for stop()'s wait.
  mutable std::mutex open_mtx;
  std::condition_variable open_cv;
  std::size_t open_streams = 0;
  std::atomic<std::uint64_t> next_client{1};

  impl(caf::actor_system& s, logs f, log_hub_options o, metrics_registry* m)
    : sys(s), facade(std::move(f)), opts(o), metrics(m) {}

  static std::string key_of(const std::string& app, const log_stream_filter& f) {
    return app + "\n" + f.region + "\n" + f.instance;
  }

  // Sends `e` to every client, numbered and buffered when `numbered`.
  // Caller holds t.mtx.
  void publish_locked(topic& t, event e, bool numbered) {
    if (numbered) {
      e.seq = t.next_seq++;
    }
    auto shared = std::make_shared<const event>(std::move(e));
    if (numbered) {
      t.buffer.emplace_back(shared->seq, shared);
      while (t.buffer.size() > opts.buffer)
        t.buffer.pop_front();
    }
    // A client whose queue overflowed is closed by the server: drop it.
    std::size_t entries = 0;
    if (auto* arr = shared->payload.if_contains("entries"); arr && arr->is_array())
      entries = arr->as_array().size();
    std::erase_if(t.clients, [&](const client& c) {
      if (!deliver(t, c, *shared))
        return true;
      if (metrics != nullptr)
        metrics->observe_stream_event(t.app, shared->name, entries);
      return false;
    });
  }

  void publish_batch(const std::shared_ptr<topic>& t, const log_batch& b) {
    if (b.empty_batch())
      return;
    std::lock_guard g{t->mtx};
    if (t->ended)
      return;
    publish_locked(*t, {0, "logs", batch_payload(t->app, b)}, true);
    if (metrics != nullptr && !t->clients.empty()) {
      auto now = now_ns();
      for (auto& e : b.entries())
        metrics->observe_log_lag(t->app, std::max<double>(0, static_cast<double>(now - e.timestamp_ns) / 1e9));
    }
  }

  void publish_gap(const std::shared_ptr<topic>& t, const log_gap& gap) {
    std::lock_guard g{t->mtx};
    if (t->ended)
      return;
    publish_locked(*t,
                   {0, "gap",
                    {{"app", t->app},
                     {"from", format_timestamp(gap.from_ns)},
                     {"to", format_timestamp(gap.to_ns)},
                     {"reason", gap.reason}}},
                   true);
  }

  // The topic's last event to every client, then their streams close and
  // the topic is gone (a later attach subscribes anew).
  void end(const std::shared_ptr<topic>& t, std::string name, boost::json::object payload) {
    {
      std::lock_guard g{mtx};
      if (auto it = topics.find(t->key); it != topics.end() && it->second == t)
        topics.erase(it);
    }
    std::vector<client> clients;
    {
      std::lock_guard g{t->mtx};
      if (t->ended)
        return;
      t->ended = true;
      payload["app"] = t->app;
      publish_locked(*t, {0, std::move(name), std::move(payload)}, false);
      clients = std::move(t->clients);
      t->clients.clear();
    }
    for (auto& c : clients)
      close_client(c);
  }

  void client_left(const std::shared_ptr<topic>& t, std::uint64_t id) {
    std::lock_guard g{t->mtx};
    std::erase_if(t->clients, [&](const client& c) { return c.id == id; });
    if (t->clients.empty() && !t->ended) {
      ++t->leaves;
      caf::delayed_anon_send(t->actor, opts.linger, linger_atom::value, t->leaves);
    }
  }

  // Nobody came back within the linger: the subscription ends.
  void linger_passed(const std::shared_ptr<topic>& t, std::uint64_t leaves) {
    {
      std::lock_guard g{mtx};
      std::lock_guard tg{t->mtx};
      if (!t->clients.empty() || t->leaves != leaves || t->ended)
        return;
      t->ended = true;
      if (auto it = topics.find(t->key); it != topics.end() && it->second == t)
        topics.erase(it);
    }
    caf::anon_send_exit(actor_of(*t), caf::exit_reason::user_shutdown);
  }

  static caf::actor actor_of(topic& t) {
    std::lock_guard g{t.mtx};
    return t.actor;
  }

  void start_topic(const std::shared_ptr<topic>& t);

  std::shared_ptr<topic> make_topic(const std::string& key, const std::string& app,
                                    const log_stream_filter& f);

  void attach(const std::string& app, const log_stream_filter& f, client c,
              const std::string& last_event_id) {
    {
      std::lock_guard g{open_mtx};
      ++open_streams;
    }
    if (metrics != nullptr)
      metrics->add_stream_clients(c.sse ? "sse" : "ws", 1);
    auto key = key_of(app, f);
    c.id = next_client++;
    for (;;) {
      std::shared_ptr<topic> t;
      bool fresh = false;
      {
        std::lock_guard g{mtx};
        if (stopping) {
          topic none;
          none.app = app;
          deliver(none, c, {0, "stopped", {{"app", app}, {"reason", "the node is stopping"}}});
          close_client(c);
          watch_close(nullptr, c);
          return;
        }
        auto it = topics.find(key);
        if (it == topics.end()) {
          it = topics.emplace(key, make_topic(key, app, f)).first;
          fresh = true;
        }
        t = it->second;
      }
      if (fresh)
        start_topic(t); // outside the hub's lock: a failing subscription ends the topic at once
      {
        std::lock_guard g{t->mtx};
        if (t->ended)
          continue; // it ended between the two locks: take its successor
        replay_locked(*t, c, last_event_id);
        t->clients.push_back(c);
      }
      watch_close(t, c);
      return;
    }
  }

  // Under t.mtx, so no live event can slip between the replay and the
  // client joining: nothing lost, nothing twice.
  void replay_locked(topic& t, const client& c, const std::string& last_event_id) {
    if (last_event_id.empty())
      return;
    auto parsed = parse_event_id(last_event_id);
    std::uint64_t after = 0;
    bool gap = true;
    if (parsed && parsed->first == t.generation) {
      after = parsed->second;
      auto oldest = t.buffer.empty() ? t.next_seq : t.buffer.front().first;
      gap = after + 1 < oldest;
    }
    if (gap)
      deliver(t, c,
              {0, "gap",
               {{"app", t.app},
                {"last_event_id", last_event_id},
                {"reason", parsed && parsed->first == t.generation
                             ? "the events after Last-Event-ID are no longer buffered"
                             : "Last-Event-ID is from an earlier subscription: lines may be missing"}}});
    for (auto& [seq, e] : t.buffer)
      if (seq > after && !deliver(t, c, *e))
        return;
  }

  void watch_close(const std::shared_ptr<topic>& t, const client& c) {
    std::weak_ptr<impl> weak = weak_from_this();
    std::weak_ptr<topic> wt = t;
    auto on_close = [weak, wt, id = c.id, transport = c.sse ? "sse" : "ws"] {
      auto self = weak.lock();
      if (!self)
        return;
      if (self->metrics != nullptr)
        self->metrics->add_stream_clients(transport, -1);
      if (auto t = wt.lock())
        if (auto a = actor_of(*t))
          caf::anon_send(a, left_atom::value, id);
      {
        std::lock_guard g{self->open_mtx};
        --self->open_streams;
      }
      self->open_cv.notify_all();
    };
    if (c.sse)
      c.sse->on_close(on_close);
    else
      c.ws->on_close(on_close);
  }
};

namespace {

caf::behavior topic_actor(caf::event_based_actor* self, std::shared_ptr<topic> t,
                          std::weak_ptr<log_hub::impl> hub) {
  auto with_hub = [hub](auto f) {
    if (auto h = hub.lock())
      f(*h);
  };
  if (auto h = hub.lock())
    h->facade.subscribe(self, caf::actor_cast<caf::actor>(self), t->app, t->sub,
                        [self, t, hub](expected<void> r) {
                          if (r)
                            return;
                          if (auto h = hub.lock())
                            h->end(t, "stopped",
                                   {{"reason", "the log subscription failed"},
                                    {"error",
                                     {{"kind", std::string{to_string(r.error().code())}},
                                      {"message", redact(r.error().message())}}}});
                          self->quit();
                        });
  return {
    [t, with_hub](logs_atom, const std::string&, const log_batch& b) {
      with_hub([&](log_hub::impl& h) { h.publish_batch(t, b); });
    },
    [t, with_hub](logs_gap_atom, const std::string&, const log_gap& g) {
      with_hub([&](log_hub::impl& h) { h.publish_gap(t, g); });
    },
    [self, t, with_hub](logs_stopped_atom, const std::string&) {
      with_hub([&](log_hub::impl& h) {
        h.end(t, "stopped", {{"reason", "the app's log streamer stopped"}});
      });
      self->quit();
    },
    [self, t, with_hub](evicted_atom, const std::string&) {
      with_hub([&](log_hub::impl& h) {
        h.end(t, "evicted", {{"reason", "the node fell behind the log stream and was dropped"}});
      });
      self->quit();
    },
    [t, with_hub](left_atom, std::uint64_t id) {
      with_hub([&](log_hub::impl& h) { h.client_left(t, id); });
    },
    [self, t, with_hub](linger_atom, std::uint64_t leaves) {
      with_hub([&](log_hub::impl& h) { h.linger_passed(t, leaves); });
      std::lock_guard g{t->mtx};
      if (t->ended)
        self->quit();
    },
  };
}

} // namespace

std::shared_ptr<topic> log_hub::impl::make_topic(const std::string& key, const std::string& app,
                                                 const log_stream_filter& f) {
  auto t = std::make_shared<topic>();
  t->key = key;
  t->app = app;
  t->sub.region = f.region;
  t->sub.instance = f.instance;
  return t;
}

void log_hub::impl::start_topic(const std::shared_ptr<topic>& t) {
  auto a = sys.spawn(topic_actor, t, weak_from_this());
  std::lock_guard g{t->mtx};
  t->actor = a;
}

log_hub::log_hub(caf::actor_system& sys, logs facade, log_hub_options opts, metrics_registry* metrics)
  : impl_(std::make_shared<impl>(sys, std::move(facade), opts, metrics)) {
}

log_hub::~log_hub() {
  stop(duration{0});
}

void log_hub::attach(const std::string& app, const log_stream_filter& f, sse_stream s,
                     const std::string& last_event_id) {
  client c;
  c.sse = std::move(s);
  impl_->attach(app, f, std::move(c), last_event_id);
}

void log_hub::attach(const std::string& app, const log_stream_filter& f, websocket_stream s,
                     const std::string& last_event_id) {
  client c;
  c.ws = std::move(s);
  impl_->attach(app, f, std::move(c), last_event_id);
}

void log_hub::stop(duration deadline) {
  std::vector<std::shared_ptr<topic>> all;
  {
    std::lock_guard g{impl_->mtx};
    impl_->stopping = true;
    for (auto& [k, t] : impl_->topics)
      all.push_back(t);
  }
  for (auto& t : all) {
    impl_->end(t, "stopped", {{"reason", "the node is stopping"}});
    if (auto a = impl::actor_of(*t))
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  std::unique_lock lock{impl_->open_mtx};
  impl_->open_cv.wait_for(lock, deadline, [&] { return impl_->open_streams == 0; });
}

std::size_t log_hub::topics() const {
  std::lock_guard g{impl_->mtx};
  return impl_->topics.size();
}

std::vector<log_hub::recent_line> log_hub::recent(const std::string& app, std::size_t n) const {
  std::shared_ptr<topic> t;
  {
    std::lock_guard g{impl_->mtx};
    auto it = impl_->topics.find(impl::key_of(app, {}));
    if (it == impl_->topics.end())
      return {};
    t = it->second;
  }
  std::vector<recent_line> out;
  std::lock_guard g{t->mtx};
  for (auto it = t->buffer.rbegin(); it != t->buffer.rend() && out.size() < n; ++it) {
    auto* entries = it->second->payload.if_contains("entries");
    if (entries == nullptr || !entries->is_array())
      continue;
    auto& arr = entries->as_array();
    for (auto e = arr.rbegin(); e != arr.rend() && out.size() < n; ++e) {
      auto& o = e->as_object();
      auto text = [&](const char* k) {
        auto* v = o.if_contains(k);
        return v && v->is_string() ? std::string{v->as_string()} : std::string{};
      };
      out.push_back({text("timestamp"), text("region"), text("instance"), text("level"), text("message")});
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::size_t log_hub::clients() const {
  std::lock_guard g{impl_->open_mtx};
  return impl_->open_streams;
}

} // namespace atlas
