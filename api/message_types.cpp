#include <atlas/api/message_types.hpp>

#include <atlas/actors/compute_messages.hpp>
#include <atlas/api/typed_handles.hpp>
#include <atlas/core/compute.hpp>
#include <atlas/core/compute_request.hpp>
#include <atlas/core/gpu_catalog.hpp>
#include <atlas/core/error.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor_system_config.hpp>

namespace atlas {

namespace {

// One list, used for both the announcement and the names: they cannot drift.
template <class F>
void for_each_type(F&& f) {
  f.template operator()<error>("atlas::error");
  f.template operator()<expected<void>>("atlas::expected<void>");
  f.template operator()<log_entry>("atlas::log_entry");
  f.template operator()<log_batch>("atlas::log_batch");
  f.template operator()<log_gap>("atlas::log_gap");
  f.template operator()<log_subscription_options>("atlas::log_subscription_options");
  f.template operator()<deploy_spec>("atlas::deploy_spec");
  f.template operator()<deploy_run_request>("atlas::deploy_run_request");
  f.template operator()<deploy_result>("atlas::deploy_result");
  f.template operator()<child_info>("atlas::child_info");
  f.template operator()<std::vector<child_info>>("std::vector<atlas::child_info>");
  f.template operator()<child_counts>("atlas::child_counts");
  f.template operator()<compute_request>("atlas::compute_request");
  f.template operator()<compute>("atlas::compute");
  f.template operator()<compute_filter>("atlas::compute_filter");
  f.template operator()<gpu_type>("atlas::gpu_type");
  f.template operator()<compute_event>("atlas::compute_event");
  f.template operator()<reap_report>("atlas::reap_report");
}

} // namespace

caf::actor_system_config& add_message_types(caf::actor_system_config& cfg) {
  for_each_type([&]<class T>(const char* name) { cfg.add_message_type<T>(name); });
  return cfg;
}

std::vector<std::string> message_type_names() {
  std::vector<std::string> out;
  for_each_type([&]<class T>(const char* name) { out.emplace_back(name); });
  return out;
}

} // namespace atlas
