#include <atlas/actors/log_dispatcher.hpp>

#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/group_manager.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace atlas {

std::string log_group_name(const std::string& topic) {
  return "atlas.logs/" + topic;
}

namespace {

struct subscription {
  caf::actor actor{};      ///< mailbox mode
  log_callbacks_ptr callbacks{}; ///< callback mode
  std::uint64_t id = 0;
  caf::group group{};      ///< group mode
  std::uint32_t max_in_flight = 0;
  std::shared_ptr<delivery_meter> meter{};
};

struct topic_state {
  std::string app;
  caf::actor owner{};
  std::vector<subscription> subs;
  log_topic_stats stats;
};

// Shared with the exit functor, which runs after the actor's state is gone.
struct topic_registry {
  std::unordered_map<std::string, topic_state> topics;
};

class log_dispatcher_actor : public caf::event_based_actor {
public:
  log_dispatcher_actor(caf::actor_config& cfg, telemetry_sink* telemetry)
    : caf::event_based_actor(cfg), telemetry_(telemetry) {
  }

  const char* name() const override { return "atlas.log_dispatcher"; }

  void on_exit() override { watched_.clear(); }

  caf::behavior make_behavior() override {
    auto reg = reg_;
    attach_functor([reg] {
      for (auto& [topic, t] : reg->topics)
        if (!t.app.empty())
          for (auto& s : t.subs)
            if (s.actor)
              caf::anon_send(s.actor, logs_stopped_atom_v, t.app);
      // The registry holds its subscribers and owners strongly, and an owner
      // holds this dispatcher: a cycle that would outlive them all.
      reg->topics.clear();
    });
    set_down_handler([this](const caf::down_msg& dm) { on_down(dm.source); });
    return {
      [this](subscribe_atom, const std::string& topic, const caf::actor& who,
             std::uint32_t max_in_flight) -> expected<void> {
        if (!who)
          return error{errc::validation, "subscribe to " + topic + ": no subscriber actor"};
        if (max_in_flight == 0)
          return error{errc::validation, "subscribe to " + topic
                                           + ": max_in_flight must be at least 1"};
        auto& t = reg_->topics[topic];
        ++t.stats.joined;
        if (auto* s = find(t, [&](const subscription& x) { return x.actor == who; })) {
          s->max_in_flight = max_in_flight;
          return {};
        }
        subscription s;
        s.actor = who;
        s.max_in_flight = max_in_flight;
        s.meter = std::make_shared<delivery_meter>();
        t.subs.push_back(std::move(s));
        if (watched_[who.address()]++ == 0)
          monitor(who);
        return {};
      },
      [this](subscribe_atom, const std::string& topic, const log_callbacks_ptr& cb,
             std::uint64_t id) -> expected<void> {
        if (!cb)
          return error{errc::validation, "subscribe to " + topic + ": no callbacks"};
        auto& t = reg_->topics[topic];
        ++t.stats.joined;
        if (find(t, [&](const subscription& x) { return x.callbacks && x.id == id; }))
          return error{errc::conflict, "subscribe to " + topic + ": callback id "
                                         + std::to_string(id) + " is already subscribed"};
        subscription s;
        s.callbacks = cb;
        s.id = id;
        t.subs.push_back(std::move(s));
        return {};
      },
      [this](subscribe_atom, const std::string& topic, const caf::group& g) -> expected<void> {
        if (!g)
          return error{errc::validation, "subscribe to " + topic + ": no group"};
        auto& t = reg_->topics[topic];
        ++t.stats.joined;
        if (!find(t, [&](const subscription& x) { return x.group == g; })) {
          subscription s;
          s.group = g;
          t.subs.push_back(std::move(s));
        }
        return {};
      },
      [this](unsubscribe_atom, const std::string& topic, const caf::actor& who) -> expected<void> {
        return unsubscribe(topic, [&](const subscription& s) { return s.actor && s.actor == who; });
      },
      [this](unsubscribe_atom, const std::string& topic, std::uint64_t id) -> expected<void> {
        return unsubscribe(topic, [&](const subscription& s) { return s.callbacks && s.id == id; });
      },
      [this](unsubscribe_atom, const std::string& topic, const caf::group& g) -> expected<void> {
        return unsubscribe(topic, [&](const subscription& s) { return s.group && s.group == g; });
      },
      [this](publish_atom, const std::string& topic, const std::string& app, const log_batch& b) {
        publish(topic, app, b);
      },
      [this](logs_gap_atom, const std::string& topic, const std::string& app, const log_gap& gap) {
        gap_to_all(topic, app, gap);
      },
      [this](end_topic_atom, const std::string& topic, const std::string& app) {
        end_topic(topic, app);
      },
      [this](own_topic_atom, const std::string& topic, const std::string& app,
             const caf::actor& owner) -> log_topic_stats {
        auto& t = reg_->topics[topic];
        t.app = app;
        t.owner = owner;
        if (owner && watched_[owner.address()]++ == 0)
          monitor(owner);
        return current_stats(t);
      },
      [this](stats_atom, const std::string& topic) -> log_topic_stats {
        auto it = reg_->topics.find(topic);
        return it == reg_->topics.end() ? log_topic_stats{} : current_stats(it->second);
      },
    };
  }

private:
  template <class Pred>
  static subscription* find(topic_state& t, Pred p) {
    auto it = std::find_if(t.subs.begin(), t.subs.end(), p);
    return it == t.subs.end() ? nullptr : &*it;
  }

  static log_topic_stats current_stats(const topic_state& t) {
    auto st = t.stats;
    st.subscribers = static_cast<std::uint32_t>(t.subs.size());
    st.max_in_flight_seen = 0;
    for (auto& s : t.subs)
      if (s.meter)
        st.max_in_flight_seen = std::max(st.max_in_flight_seen,
                                         s.meter->in_flight.load(std::memory_order_relaxed));
    return st;
  }

  template <class Pred>
  expected<void> unsubscribe(const std::string& topic, Pred p) {
    auto it = reg_->topics.find(topic);
    if (it != reg_->topics.end()) {
      auto& subs = it->second.subs;
      auto at = std::find_if(subs.begin(), subs.end(), p);
      if (at != subs.end()) {
        unwatch(at->actor);
        subs.erase(at);
        left(topic, it->second);
        return {};
      }
    }
    return error{errc::not_found, "unsubscribe from " + topic + ": not subscribed"};
  }

  void unwatch(const caf::actor& a) {
    if (!a)
      return;
    auto it = watched_.find(a.address());
    if (it != watched_.end() && --it->second == 0) {
      demonitor(a);
      watched_.erase(it);
    }
  }

  // Tells the owner, which decides whether to stop; a topic with neither
  // owner nor subscribers is forgotten.
  void left(const std::string& topic, topic_state& t) {
    if (t.owner)
      send(t.owner, topic_left_atom_v, topic, static_cast<std::uint32_t>(t.subs.size()),
           t.stats.joined);
    else if (t.subs.empty())
      reg_->topics.erase(topic);
  }

  void publish(const std::string& topic, const std::string& app, const log_batch& b) {
    auto it = reg_->topics.find(topic);
    if (it == reg_->topics.end())
      return; // nobody listens yet: the cursor advanced silently
    auto& t = it->second;
    ++t.stats.published;
    std::vector<caf::actor> evicted;
    for (auto& s : t.subs) {
      if (s.actor) {
        // The limit is a count of batches whose handler has not run: never a
        // look at the subscriber's mailbox.
        if (s.meter->in_flight.load(std::memory_order_acquire) >= s.max_in_flight) {
          evicted.push_back(s.actor);
          continue;
        }
        caf::anon_send(s.actor, logs_atom_v, app, b.counted(s.meter));
      } else if (s.callbacks) {
        if (s.callbacks->on_batch)
          guarded(topic, [&] { s.callbacks->on_batch(app, b); });
      } else if (s.group) {
        caf::anon_send(s.group, logs_atom_v, app, b);
      }
    }
    for (auto& a : evicted)
      evict(topic, t, a);
  }

  void evict(const std::string& topic, topic_state& t, const caf::actor& a) {
    auto at = std::find_if(t.subs.begin(), t.subs.end(), [&](auto& s) { return s.actor == a; });
    if (at == t.subs.end())
      return;
    auto in_flight = at->meter->in_flight.load();
    log().warn("logs: evicting a slow subscriber of {} ({} batches unhandled, limit {})", topic,
               in_flight, at->max_in_flight);
    emit(telemetry_, {"logs.evict", {{"in_flight", double(in_flight)}}, {{"topic", topic}}});
    ++t.stats.evicted;
    caf::anon_send(a, evicted_atom_v, topic);
    unwatch(a);
    t.subs.erase(at);
    left(topic, t);
  }

  template <class F>
  void guarded(const std::string& topic, F f) {
    try {
      f();
    } catch (const std::exception& e) {
      log().error("logs: a callback subscriber of {} threw: {}", topic, e.what());
    } catch (...) {
      log().error("logs: a callback subscriber of {} threw a non-exception", topic);
    }
  }

  void gap_to_all(const std::string& topic, const std::string& app, const log_gap& gap) {
    auto it = reg_->topics.find(topic);
    if (it == reg_->topics.end())
      return;
    for (auto& s : it->second.subs) {
      if (s.actor)
        caf::anon_send(s.actor, logs_gap_atom_v, app, gap);
      else if (s.callbacks && s.callbacks->on_gap)
        guarded(topic, [&] { s.callbacks->on_gap(app, gap); });
      else if (s.group)
        caf::anon_send(s.group, logs_gap_atom_v, app, gap);
    }
  }

  void end_topic(const std::string& topic, const std::string& app) {
    auto it = reg_->topics.find(topic);
    if (it == reg_->topics.end())
      return;
    auto t = std::move(it->second);
    reg_->topics.erase(it);
    for (auto& s : t.subs) {
      if (s.actor) {
        caf::anon_send(s.actor, logs_stopped_atom_v, app);
        unwatch(s.actor);
      } else if (s.callbacks && s.callbacks->on_stopped) {
        guarded(topic, [&] { s.callbacks->on_stopped(app); });
      } else if (s.group) {
        caf::anon_send(s.group, logs_stopped_atom_v, app);
      }
    }
    unwatch(t.owner);
  }

  // A subscriber died: off every topic. An owner died: its topic keeps its
  // subscribers for the owner's successor (a restarted streamer resumes).
  void on_down(const caf::actor_addr& who) {
    watched_.erase(who);
    std::vector<std::string> emptied;
    for (auto& [topic, t] : reg_->topics) {
      auto before = t.subs.size();
      t.subs.erase(std::remove_if(t.subs.begin(), t.subs.end(),
                                  [&](auto& s) { return s.actor && s.actor.address() == who; }),
                   t.subs.end());
      if (t.owner && t.owner.address() == who)
        t.owner = nullptr;
      if (t.subs.size() != before) {
        if (t.owner)
          send(t.owner, topic_left_atom_v, topic, static_cast<std::uint32_t>(t.subs.size()),
               t.stats.joined);
      }
      if (!t.owner && t.subs.empty())
        emptied.push_back(topic);
    }
    for (auto& topic : emptied)
      reg_->topics.erase(topic);
  }

  telemetry_sink* telemetry_;
  std::shared_ptr<topic_registry> reg_ = std::make_shared<topic_registry>();
  std::unordered_map<caf::actor_addr, std::uint32_t> watched_;
};

} // namespace

caf::actor spawn_log_dispatcher(caf::actor_system& sys, telemetry_sink* telemetry) {
  return sys.spawn<log_dispatcher_actor>(telemetry);
}

} // namespace atlas
