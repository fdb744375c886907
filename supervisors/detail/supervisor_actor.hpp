#pragma once
// The one implementation behind spawn_supervisor and spawn_dynamic_supervisor
// (OTP, too, runs simple_one_for_one inside supervisor.erl). Not public.

#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/restart_intensity.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace atlas::detail {

struct supervisor_setup {
  supervisor_flags flags;
  std::vector<child_spec> children;              ///< static children, in start order
  std::optional<child_spec> dynamic_template;    ///< set: a dynamic supervisor
  std::uint32_t max_children = 0;                ///< dynamic only; 0 = no limit
};

class supervisor_actor final : public caf::event_based_actor {
public:
  supervisor_actor(caf::actor_config& cfg, supervisor_setup setup);

  caf::behavior make_behavior() override;
  void on_exit() override;
  const char* name() const override;

private:
  // Kept small: a dynamic supervisor holds one per child (docs/benchmarks.md, w5).
  struct child {
    std::string id;
    caf::actor handle;
    const child_spec* spec = nullptr; // nullptr: a free slot
    caf::actor_clock::time_point started_at{};
    std::uint32_t epoch = 0; // bumped on every start: stale timers and events see it
    std::uint32_t restarts = 0;
    std::uint32_t backoff_step = 0;
    child_state state = child_state::stopped;
    bool removed = false;
  };
  // A deque never moves its elements, so a child* stays valid until its slot
  // is freed, which happens only between plans (collect_removed).
  using child_it = child*;

  enum class purpose : std::uint8_t { initial, restart, user };
  // One thing the supervisor does in order; a step that waits (a child's
  // exit, an init acknowledgement) resumes when its message arrives.
  struct step {
    enum class kind : std::uint8_t { terminate, terminate_all, start, call, quit } k;
    child_it it{};
    purpose why = purpose::user;
    bool remove_after = false;  // terminate: forget the child once it is down
    std::uint64_t round = 0;    // start: the restart round it belongs to
    std::function<void()> fn{}; // call: e.g. answer a request
    caf::error reason{};        // quit
  };

  // -- requests ---------------------------------------------------------------
  caf::response_promise on_init();
  std::vector<child_info> on_which_children() const;
  child_counts on_count_children() const;
  caf::response_promise on_start_child(const std::string& key);
  caf::response_promise on_terminate_child(const std::string& id);
  caf::response_promise on_restart_child(const std::string& id);
  expected<void> on_delete_child(const std::string& id);
  expected<caf::actor> on_lookup(const std::string& key) const;

  // -- the step machine ---------------------------------------------------------
  step answer_with_handle(caf::response_promise rp, std::string id);
  void advance();
  bool run_step(step& s); // true: done; false: wait for a completion
  void step_done();
  bool busy() const { return current_.has_value() || !plan_.empty(); }
  bool begin_terminate(child_it it);
  void terminate_all_parallel();
  bool begin_start(child_it it, purpose why, std::uint64_t round);
  void start_failed(child_it it, purpose why, std::uint64_t round, const std::string& why_text);
  void start_succeeded(child_it it);

  // -- events -------------------------------------------------------------------
  void on_down(const caf::down_msg& dm);
  void on_child_exit(child_it it, const caf::error& reason);
  void on_shutdown_timeout(const std::string& id, std::uint32_t epoch);
  void on_parallel_shutdown_timeout(std::uint64_t generation);
  void on_retry(const std::string& id, std::uint32_t epoch);
  void on_handshake(const std::string& id, std::uint32_t epoch, const caf::error& err);

  // -- policy ---------------------------------------------------------------------
  void plan_restart(child_it it);
  void schedule_retry(child_it it, duration delay);
  void give_up();
  void shutdown(caf::error reason);
  void plan_stop_running();
  void check_auto_shutdown(child_it exited);
  void rollback(const std::string& why);

  // -- helpers ----------------------------------------------------------------------
  child_it add_child(const child_spec* spec, std::string id);
  void forget(child_it it);
  void collect_removed();
  child_it find(const std::string& id);
  void kill_now(const caf::actor& h);
  std::string render(const caf::error& e) const;
  bool wants_report(int level) const;
  void report(const char* event, const std::string& child_id, const std::string& detail,
              int level);

  supervisor_flags flags_;
  std::unique_ptr<const child_spec> template_; // set: a dynamic supervisor
  std::uint32_t max_children_ = 0;
  std::vector<std::unique_ptr<const child_spec>> static_specs_;

  std::deque<child> slots_;  // static children in start order; dynamic ones anywhere
  std::vector<child_it> free_slots_;
  std::vector<child_it> to_free_; // removed, freed once no plan refers to them
  boost::unordered_flat_map<std::string_view, child_it> by_id_; // views of child::id
  boost::unordered_flat_map<caf::actor_id, child_it> by_addr_;
  std::uint64_t anonymous_ids_ = 0;

  std::deque<step> plan_;
  std::optional<step> current_;
  std::deque<std::function<void()>> deferred_; // events that arrived while busy
  std::uint64_t rounds_ = 0;
  std::uint64_t parallel_generation_ = 0;

  restart_intensity intensity_;
  std::mt19937_64 rng_;
  bool started_ = false;
  bool shutting_down_ = false;
  std::vector<caf::response_promise> init_waiters_;
  std::optional<error> last_start_error_;
};

} // namespace atlas::detail
