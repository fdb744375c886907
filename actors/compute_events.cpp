#include <atlas/actors/compute_events.hpp>

#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <map>
#include <vector>

namespace atlas {

std::string compute_topic(const std::string& id) {
  return "compute:" + id;
}

std::string_view to_string(compute_event_kind k) noexcept {
  switch (k) {
    case compute_event_kind::status: return "status";
    case compute_event_kind::heartbeat: return "heartbeat";
    case compute_event_kind::terminating: return "terminating";
    case compute_event_kind::terminate_failed: return "terminate_failed";
  }
  return "status";
}

namespace {

struct compute_subscription {
  caf::actor actor{};
  compute_callback_ptr callback{};
  std::uint64_t callback_id = 0;
  caf::group group{};
};

struct dispatcher_state {
  std::map<std::string, std::vector<compute_subscription>> topics;
  static inline const char* name = "compute_event_dispatcher";
};

expected<void> check_topic(const std::string& topic) {
  if (topic == compute_all_topic || (topic.rfind("compute:", 0) == 0 && topic.size() > 8))
    return {};
  return error{errc::validation, "compute event topic \"" + topic + "\": expected \"atlas:compute\" or \"compute:<id>\""};
}

template <class Same>
expected<void> add(dispatcher_state& st, const std::string& topic, compute_subscription s, Same same) {
  if (auto ok = check_topic(topic); !ok)
    return ok;
  auto& subs = st.topics[topic];
  for (auto& x : subs)
    if (same(x))
      return {};
  subs.push_back(std::move(s));
  return {};
}

template <class Same>
expected<void> remove(dispatcher_state& st, const std::string& topic, Same same) {
  auto it = st.topics.find(topic);
  if (it != st.topics.end())
    for (auto s = it->second.begin(); s != it->second.end(); ++s)
      if (same(*s)) {
        it->second.erase(s);
        if (it->second.empty())
          st.topics.erase(it);
        return {};
      }
  return error{errc::not_found, "not subscribed to " + topic};
}

void deliver(caf::stateful_actor<dispatcher_state>* self, const std::string& topic, const std::string& id,
             const compute_event& ev) {
  auto it = self->state.topics.find(topic);
  if (it == self->state.topics.end())
    return;
  for (auto& s : it->second) {
    if (s.actor) {
      self->send(s.actor, compute_event_atom_v, id, ev);
    } else if (s.group) {
      self->send(s.group, compute_event_atom_v, id, ev);
    } else if (s.callback && *s.callback) {
      try {
        (*s.callback)(id, ev);
      } catch (const std::exception& e) {
        log().error("compute event callback on {} threw: {}", topic, e.what());
      } catch (...) {
        log().error("compute event callback on {} threw", topic);
      }
    }
  }
}

} // namespace

caf::actor spawn_compute_event_dispatcher(caf::actor_system& sys) {
  return sys.spawn([](caf::stateful_actor<dispatcher_state>* self) -> caf::behavior {
    self->set_down_handler([self](const caf::down_msg& dm) {
      for (auto it = self->state.topics.begin(); it != self->state.topics.end();) {
        auto& subs = it->second;
        subs.erase(std::remove_if(subs.begin(), subs.end(),
                                  [&](const compute_subscription& s) { return s.actor && s.actor.address() == dm.source; }),
                   subs.end());
        it = subs.empty() ? self->state.topics.erase(it) : std::next(it);
      }
    });
    return {
      [self](compute_subscribe_atom, const std::string& topic, const caf::actor& a) -> expected<void> {
        if (!a)
          return error{errc::validation, "subscribe to " + topic + ": no actor"};
        compute_subscription s;
        s.actor = a;
        auto r = add(self->state, topic, s, [&](const compute_subscription& x) { return x.actor == a; });
        if (r)
          self->monitor(a);
        return r;
      },
      [self](compute_subscribe_atom, const std::string& topic, const compute_callback_ptr& cb,
             std::uint64_t id) -> expected<void> {
        if (!cb || !*cb)
          return error{errc::validation, "subscribe to " + topic + ": no callback"};
        compute_subscription s;
        s.callback = cb;
        s.callback_id = id;
        return add(self->state, topic, s, [&](const compute_subscription& x) { return x.callback && x.callback_id == id; });
      },
      [self](compute_subscribe_atom, const std::string& topic, const caf::group& g) -> expected<void> {
        if (!g)
          return error{errc::validation, "subscribe to " + topic + ": no group"};
        compute_subscription s;
        s.group = g;
        return add(self->state, topic, s, [&](const compute_subscription& x) { return x.group && x.group == g; });
      },
      [self](compute_unsubscribe_atom, const std::string& topic, const caf::actor& a) -> expected<void> {
        auto r = remove(self->state, topic, [&](const compute_subscription& s) { return s.actor && s.actor == a; });
        if (r)
          self->demonitor(a);
        return r;
      },
      [self](compute_unsubscribe_atom, const std::string& topic, std::uint64_t id) -> expected<void> {
        return remove(self->state, topic, [&](const compute_subscription& s) { return s.callback && s.callback_id == id; });
      },
      [self](compute_unsubscribe_atom, const std::string& topic, const caf::group& g) -> expected<void> {
        return remove(self->state, topic, [&](const compute_subscription& s) { return s.group && s.group == g; });
      },
      [self](compute_publish_atom, const std::string& id, const compute_event& ev) {
        deliver(self, std::string{compute_all_topic}, id, ev);
        deliver(self, compute_topic(id), id, ev);
      },
      [self](caf::get_atom, const std::string& topic) {
        auto it = self->state.topics.find(topic);
        return static_cast<std::uint32_t>(it == self->state.topics.end() ? 0 : it->second.size());
      },
    };
  });
}

} // namespace atlas
