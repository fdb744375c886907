#include <atlas/actors/provider.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <exception>

namespace atlas {

namespace {

/// A provider call's result on its way back into the provider's mailbox:
/// the response promise is delivered there, in the actor's context
/// (reference/runtime.md §1.4: never from another thread).
struct provider_completion {
  std::function<void()> deliver;
};

} // namespace

} // namespace atlas

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atlas::provider_completion)

namespace atlas {

namespace {

template <class T>
expected<T> sync_unsupported(const compute_provider& p, const char* what) {
  return error{errc::unsupported, "provider \"" + p.name() + "\" does not implement " + what, 0, p.name()};
}

/// The `done` a method gets: callable once, from any thread; later calls
/// are ignored, and a call after the actor has gone goes nowhere.
template <class T>
std::function<void(expected<T>)> answer_of(caf::event_based_actor* self, caf::response_promise rp) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  auto once = std::make_shared<std::atomic<bool>>(false);
  return [rp, weak, once](expected<T> r) mutable {
    if (once->exchange(true))
      return;
    if (auto strong = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(strong, provider_completion{[rp, r = std::move(r)]() mutable { rp.deliver(std::move(r)); }});
  };
}

/// Runs one call of `impl`, turning anything it throws into errc::internal.
template <class T, class Call>
caf::response_promise run(caf::event_based_actor* self, const std::shared_ptr<compute_provider>& impl,
                          const char* what, Call call) {
  auto rp = self->make_response_promise();
  auto done = answer_of<T>(self, rp);
  try {
    call(done);
  } catch (const std::exception& e) {
    done(error{errc::internal, "provider \"" + impl->name() + "\" threw in " + what + ": " + e.what(), 0,
               impl->name()});
  } catch (...) {
    done(error{errc::internal, "provider \"" + impl->name() + "\" threw in " + what, 0, impl->name()});
  }
  return rp;
}

caf::behavior provider_behavior(caf::event_based_actor* self, std::shared_ptr<compute_provider> impl) {
  return {
    [self, impl](compute_spawn_atom, const compute_request& r) {
      return run<compute>(self, impl, "spawn_compute", [&](auto done) { impl->spawn_compute_async(r, done); });
    },
    [self, impl](compute_get_atom, const std::string& id) {
      return run<compute>(self, impl, "get_compute", [&](auto done) { impl->get_compute_async(id, done); });
    },
    [self, impl](compute_list_atom, const compute_filter& f) {
      return run<std::vector<compute>>(self, impl, "list_compute",
                                       [&](auto done) { impl->list_compute_async(f, done); });
    },
    [self, impl](compute_stop_atom, const std::string& id) {
      return run<void>(self, impl, "stop", [&](auto done) { impl->stop_async(id, done); });
    },
    [self, impl](compute_start_atom, const std::string& id) {
      return run<void>(self, impl, "start", [&](auto done) { impl->start_async(id, done); });
    },
    [self, impl](compute_terminate_atom, const std::string& id) {
      return run<void>(self, impl, "terminate", [&](auto done) { impl->terminate_async(id, done); });
    },
    [self, impl](job_run_atom, const job_request& r) {
      return run<job>(self, impl, "run_job", [&](auto done) { impl->run_job_async(r, done); });
    },
    [self, impl](job_get_atom, const std::string& id) {
      return run<job>(self, impl, "get_job", [&](auto done) { impl->get_job_async(id, done); });
    },
    [self, impl](job_cancel_atom, const std::string& id) {
      return run<void>(self, impl, "cancel_job", [&](auto done) { impl->cancel_job_async(id, done); });
    },
    [self, impl](job_stream_atom, const std::string& id, const caf::actor& to) {
      return run<void>(self, impl, "stream_job", [&](auto done) {
        // Chunks go straight to the subscriber, in order; the answer comes
        // after the last one (both leave from here... or from the thread
        // that produced them, which is why the answer waits for `done`).
        impl->stream_job_async(
          id, [to, id](std::string chunk) { caf::anon_send(to, job_chunk_atom_v, id, std::move(chunk)); },
          [to, id, done](expected<void> r) mutable {
            caf::anon_send(to, job_done_atom_v, id);
            done(std::move(r));
          });
      });
    },
    [self, impl](gpu_types_atom) {
      return run<std::vector<gpu_type>>(self, impl, "list_gpu_types",
                                        [&](auto done) { impl->list_gpu_types_async(done); });
    },
    [impl](capabilities_atom) {
      provider_info info;
      info.name = impl->name();
      for (auto c : impl->capabilities())
        info.capabilities.emplace_back(to_string(c));
      return info;
    },
    [](provider_completion& c) { c.deliver(); },
  };
}

} // namespace

expected<compute> compute_provider::spawn_compute(const compute_request&) {
  return sync_unsupported<compute>(*this, "spawn_compute");
}
expected<compute> compute_provider::get_compute(const std::string&) {
  return sync_unsupported<compute>(*this, "get_compute");
}
expected<std::vector<compute>> compute_provider::list_compute(const compute_filter&) {
  return sync_unsupported<std::vector<compute>>(*this, "list_compute");
}
expected<void> compute_provider::stop(const std::string&) {
  return sync_unsupported<void>(*this, "stop");
}
expected<void> compute_provider::start(const std::string&) {
  return sync_unsupported<void>(*this, "start");
}
expected<void> compute_provider::terminate(const std::string&) {
  return sync_unsupported<void>(*this, "terminate");
}
expected<job> compute_provider::run_job(const job_request&) {
  return sync_unsupported<job>(*this, "run_job");
}
expected<job> compute_provider::get_job(const std::string&) {
  return sync_unsupported<job>(*this, "get_job");
}
expected<void> compute_provider::cancel_job(const std::string&) {
  return sync_unsupported<void>(*this, "cancel_job");
}
expected<std::vector<std::string>> compute_provider::stream_job(const std::string&) {
  return sync_unsupported<std::vector<std::string>>(*this, "stream_job");
}
expected<std::vector<gpu_type>> compute_provider::list_gpu_types() {
  return sync_unsupported<std::vector<gpu_type>>(*this, "list_gpu_types");
}

void compute_provider::stream_job_async(const std::string& id, chunk_sink chunk, reply<void> done) {
  auto chunks = stream_job(id);
  if (!chunks)
    return done(chunks.error());
  for (auto& c : *chunks)
    chunk(std::move(c));
  done(expected<void>{});
}

error compute_provider::unsupported(const std::string& what) const {
  return error{errc::unsupported, "provider \"" + name() + "\" does not implement " + what, 0, name()};
}

provider_actor spawn_provider(caf::actor_system& sys, std::shared_ptr<compute_provider> impl,
                              provider_spawn_options o) {
  caf::actor a = o.detached ? sys.spawn<caf::detached>(provider_behavior, std::move(impl))
                            : sys.spawn(provider_behavior, std::move(impl));
  return caf::actor_cast<provider_actor>(a);
}

} // namespace atlas
