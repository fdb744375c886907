#pragma once
// The apps and Machines of the simulated Fly (reference/fly_api.md §1.2–1.3):
// what each call answers and how a machine moves between states. No I/O and
// no clock of its own: the simulator serializes calls, runs the transitions
// it is given back after their delay, and answers `wait`s.

#include <atlas/core/options.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace atlas::sim {

/// A status and a JSON body (null: no body), or a body in another format.
struct reply {
  int status = 200;
  boost::json::value body{};
  std::string text{};         ///< used instead of `body` when not empty
  std::string content_type{}; ///< of `text`
};

/// A machine's move to state `to` after `after`, if nothing has changed it
/// in between (`epoch`).
struct transition {
  std::string app;
  std::string machine;
  std::uint64_t epoch = 0;
  std::string to;
  duration after{0};
  std::string then{}; ///< a further state, one transition time after `to`
};

struct outcome {
  reply answer;
  std::vector<transition> next{};
};

/// Fly's error body: {"error": text} plus "status" when Fly sends one.
reply fly_error(int status, std::string text, std::string fly_status = {});

class machines_model {
public:
  machines_model(std::string org, duration transition_time);

  outcome create_app(const boost::json::value& body);
  outcome get_app(const std::string& app) const;
  outcome list_apps(const std::string& org_slug) const;
  outcome delete_app(const std::string& app);
  bool has_app(const std::string& app) const;

  /// Query filters: include_deleted, state (comma list), region, metadata.K=V.
  outcome list_machines(const std::string& app, const std::multimap<std::string, std::string>& query) const;
  outcome create_machine(const std::string& app, const boost::json::value& body);
  outcome get_machine(const std::string& app, const std::string& id) const;
  /// `nonce`: the fly-machine-lease-nonce header (empty: none).
  outcome update_machine(const std::string& app, const std::string& id, const boost::json::value& body,
                         const std::string& nonce);
  outcome start(const std::string& app, const std::string& id, const std::string& nonce);
  outcome stop(const std::string& app, const std::string& id, const std::string& nonce);
  outcome suspend(const std::string& app, const std::string& id, const std::string& nonce);
  outcome restart(const std::string& app, const std::string& id, const std::string& nonce);
  outcome signal(const std::string& app, const std::string& id, const boost::json::value& body,
                 const std::string& nonce);
  outcome destroy(const std::string& app, const std::string& id, bool force, const std::string& nonce);

  outcome acquire_lease(const std::string& app, const std::string& id, const boost::json::value& body,
                        const std::string& nonce);
  outcome get_lease(const std::string& app, const std::string& id) const;
  outcome release_lease(const std::string& app, const std::string& id, const std::string& nonce);

  outcome get_metadata(const std::string& app, const std::string& id) const;
  outcome set_metadata(const std::string& app, const std::string& id, const std::string& key,
                       const boost::json::value& body, const std::string& nonce);
  outcome delete_metadata(const std::string& app, const std::string& id, const std::string& key,
                          const std::string& nonce);

  // Volumes (reference/fly_api.md §1.4).
  outcome list_volumes(const std::string& app) const;
  outcome create_volume(const std::string& app, const boost::json::value& body);
  outcome get_volume(const std::string& app, const std::string& id) const;
  outcome update_volume(const std::string& app, const std::string& id, const boost::json::value& body);
  outcome extend_volume(const std::string& app, const std::string& id, const boost::json::value& body);
  outcome delete_volume(const std::string& app, const std::string& id);
  outcome list_snapshots(const std::string& app, const std::string& id) const;
  outcome create_snapshot(const std::string& app, const std::string& id);

  // Secrets (§1.5).
  outcome list_secrets(const std::string& app, bool show_values) const;
  outcome set_secrets(const std::string& app, const boost::json::value& body);
  outcome get_secret(const std::string& app, const std::string& name) const;
  outcome set_secret(const std::string& app, const std::string& name, const boost::json::value& body);
  outcome delete_secret(const std::string& app, const std::string& name);

  // Certificates, by hostname (§1.6), and IP assignments (§1.7).
  outcome list_certificates(const std::string& app) const;
  outcome request_certificate(const std::string& app, const boost::json::value& body, bool custom);
  outcome get_certificate(const std::string& app, const std::string& hostname) const;
  outcome check_certificate(const std::string& app, const std::string& hostname);
  outcome delete_certificate(const std::string& app, const std::string& hostname);
  outcome list_ips(const std::string& app) const;
  outcome assign_ip(const std::string& app, const boost::json::value& body);
  outcome release_ip(const std::string& app, const std::string& ip);

  /// The answer to a `wait` for any of `states` if the machine is in one now
  /// (or an error if there is no such machine); nothing while it is not.
  std::optional<reply> wait_answer(const std::string& app, const std::string& id,
                                   const std::set<std::string>& states) const;

  /// Applies `t` if still current; returns what follows it.
  std::vector<transition> apply(const transition& t);

private:
  struct machine;
  struct volume;
  struct secret_value;
  struct certificate;
  struct app_record;
  using clock = std::chrono::system_clock;

  app_record* find_app(const std::string& app);
  const app_record* find_app(const std::string& app) const;
  machine* find_machine(const std::string& app, const std::string& id, reply& error);
  const machine* find_machine(const std::string& app, const std::string& id, reply& error) const;
  std::optional<reply> lease_conflict(const machine& m, const std::string& nonce) const;
  /// The machine, if it exists and `nonce` may change it (else `error` says why).
  machine* machine_to_change(const std::string& app, const std::string& id, const std::string& nonce,
                             reply& error);
  std::vector<transition> go(machine& m, const std::string& now_state, const std::string& then_state,
                             const std::string& event);
  boost::json::value machine_json(const machine& m) const;
  boost::json::value app_json(const app_record& a) const;
  volume* find_volume(const std::string& app, const std::string& id, reply& error);
  const volume* find_volume(const std::string& app, const std::string& id, reply& error) const;
  boost::json::value volume_json(const volume& v) const;
  boost::json::value secret_json(const std::string& name, const secret_value& s, bool show) const;
  boost::json::value certificate_json(const app_record& a, const certificate& c, bool detail) const;
  std::string random_id(std::size_t n, const char* alphabet);
  std::string ulid();

  std::string org_;
  duration transition_;
  std::map<std::string, std::shared_ptr<app_record>> apps_;
  std::mt19937_64 rng_;
};

} // namespace atlas::sim
