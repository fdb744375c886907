#include <atlas/actors/log_services.hpp>

#include <atlas/net/fly_api_options.hpp>

#include <caf/actor_cast.hpp>

namespace atlas {

std::int64_t log_services::now() const {
  if (now_ns)
    return now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void log_services::publish(log_role r, caf::actor handle) {
  std::lock_guard g{mtx_};
  handles_[static_cast<std::size_t>(r)] = caf::actor_cast<caf::weak_actor_ptr>(handle);
}

caf::actor log_services::handle(log_role r) const {
  std::lock_guard g{mtx_};
  return caf::actor_cast<caf::actor>(handles_[static_cast<std::size_t>(r)]);
}

std::shared_ptr<log_services> make_log_services(const options& opts, http_client& http,
                                                log_token_function token) {
  auto svc = std::make_shared<log_services>();
  svc->logs = opts.logs;
  svc->form = opts.logs.endpoint == "ndjson" ? fly_logs_form::ndjson : fly_logs_form::jsonapi;
  auto lo = fly_logs_options_from(opts.fly, svc->form);
  // The streamer backs off by itself and stays responsive meanwhile: the
  // client retries a little (honouring Retry-After), not for long.
  lo.retry.max_attempts = 2;
  lo.retry.max_total = std::chrono::seconds{10};
  svc->fetch = [&http, lo](const fly_logs_query& q, const secret& tok,
                           std::function<void(expected<fly_logs_page>)> done) {
    fly_logs_client{http, tok, lo}.fetch(q, std::move(done));
  };
  svc->token = std::move(token);
  return svc;
}

} // namespace atlas
