#pragma once
// The compute event dispatcher: topic → subscribers for the orchestrator's
// events (ExAtlas's Events, reference/exatlas.md §17.3), with the logs
// dispatcher's three modes. Every compute server publishes each event once;
// the dispatcher delivers (compute_event_atom, id, compute_event) to the
// subscribers of compute_all_topic ("atlas:compute": the dashboard's and
// the node's topic — ExAtlas's dashboard listened where nobody published,
// defect 29) and of compute_topic(id) ("compute:<id>").
//
// - an actor: monitored, dropped when it dies; events are small and rare
//   (a heartbeat a minute per resource), so no eviction;
// - a callback, run on the dispatcher's thread: quick, and whatever it
//   throws is caught and logged;
// - a CAF group: what joins it gets every event of the topic.

#include <atlas/actors/compute_messages.hpp>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/group.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace atlas {

/// A callback subscriber: the resource's id and its event, run on the dispatcher's thread.
using compute_callback = std::function<void(const std::string& id, const compute_event& ev)>;
/// How a callback travels in a subscribe message: shared and immutable (local only).
using compute_callback_ptr = std::shared_ptr<const compute_callback>;

/// Spawns a dispatcher. It answers:
/// - (compute_subscribe_atom, topic, caf::actor) → expected<void> (again: no double delivery);
/// - (compute_subscribe_atom, topic, compute_callback_ptr, std::uint64_t id) → expected<void>;
/// - (compute_subscribe_atom, topic, caf::group) → expected<void>;
/// - (compute_unsubscribe_atom, topic, caf::actor | std::uint64_t | caf::group) →
///   expected<void>, errc::not_found when it was not subscribed;
/// - (compute_publish_atom, id, compute_event): to both topics' subscribers;
/// - (caf::get_atom, topic) → std::uint32_t, the topic's subscribers.
/// A topic is compute_all_topic or "compute:<id>"; others are errc::validation.
caf::actor spawn_compute_event_dispatcher(caf::actor_system& sys);

} // namespace atlas

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atlas::compute_callback_ptr)
