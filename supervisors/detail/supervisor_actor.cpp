#include <atlas/supervisors/detail/supervisor_actor.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/supervisors/restart_backoff.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <exception>

namespace atlas::detail {

namespace {

// Timers and retries the supervisor sends itself.
using shutdown_timeout_atom = caf::atom_constant<caf::atom("svshuttime")>;
using parallel_timeout_atom = caf::atom_constant<caf::atom("svpartime")>;
using retry_atom = caf::atom_constant<caf::atom("svretry")>;

// OTP's three classes of exit reason (reference/runtime.md §3.5).
enum class exit_class { normal, shutdown, abnormal };

exit_class classify(const caf::error& reason) {
  if (!reason || reason == caf::exit_reason::normal)
    return exit_class::normal;
  if (reason == caf::exit_reason::user_shutdown)
    return exit_class::shutdown;
  return exit_class::abnormal;
}

enum report_level { debug, info, warning, error_level };

spdlog::level::level_enum spdlog_level(int level) {
  static constexpr spdlog::level::level_enum levels[] = {
    spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err};
  return levels[std::clamp(level, 0, 3)];
}

} // namespace

supervisor_actor::supervisor_actor(caf::actor_config& cfg, supervisor_setup setup)
  : caf::event_based_actor(cfg),
    flags_(std::move(setup.flags)),
    max_children_(setup.max_children),
    intensity_(flags_.intensity, flags_.period),
    rng_(flags_.seed) {
  if (setup.dynamic_template)
    template_ = std::make_unique<const child_spec>(std::move(*setup.dynamic_template));
  for (auto& spec : setup.children)
    static_specs_.push_back(std::make_unique<const child_spec>(std::move(spec)));
}

const char* supervisor_actor::name() const {
  return flags_.name.c_str();
}

caf::behavior supervisor_actor::make_behavior() {
  set_down_handler([this](caf::down_msg& dm) { on_down(dm); });
  set_exit_handler([this](caf::exit_msg& em) {
    // A child that someone linked to us: its down message drives us, not this.
    if (by_addr_.count(em.source.id()) != 0)
      return;
    shutdown(std::move(em.reason));
  });
  set_default_handler(caf::drop);

  for (auto& spec : static_specs_) {
    auto it = add_child(spec.get(), spec->id);
    plan_.push_back({.k = step::kind::start, .it = it, .why = purpose::initial});
  }
  step done{.k = step::kind::call};
  done.fn = [this] {
    started_ = true;
    report("started", "", std::to_string(by_id_.size()) + " children", debug);
    for (auto& rp : init_waiters_)
      rp.deliver(caf::ok_atom_v);
    init_waiters_.clear();
  };
  plan_.push_back(std::move(done));
  advance();

  return {
    [this](init_atom) { return on_init(); },
    [this](which_children_atom) { return on_which_children(); },
    [this](count_children_atom) { return on_count_children(); },
    [this](start_child_atom, const std::string& key) { return on_start_child(key); },
    [this](terminate_child_atom, const std::string& id) { return on_terminate_child(id); },
    [this](restart_child_atom, const std::string& id) { return on_restart_child(id); },
    [this](delete_child_atom, const std::string& id) { return on_delete_child(id); },
    [this](caf::get_atom, const std::string& key) { return on_lookup(key); },
    [this](shutdown_timeout_atom, const std::string& id, std::uint32_t epoch) {
      on_shutdown_timeout(id, epoch);
    },
    [this](parallel_timeout_atom, std::uint64_t generation) {
      on_parallel_shutdown_timeout(generation);
    },
    [this](retry_atom, const std::string& id, std::uint32_t epoch) { on_retry(id, epoch); },
  };
}

// A supervisor that dies abnormally (an exception, a kill) takes its children
// with it: OTP's link, one way. A real CAF link would also run the other way,
// and a child killed with the untrappable `kill` would take its supervisor
// down (reference/runtime.md §1.5). After an ordered shutdown nothing is left.
void supervisor_actor::on_exit() {
  for (auto& c : slots_)
    if (c.handle)
      c.handle->enqueue(nullptr, caf::make_message_id(),
                        caf::make_message(caf::exit_msg{address(), fail_state()}), nullptr);
  by_addr_.clear();
  by_id_.clear();
  slots_.clear();
}

// -- requests -----------------------------------------------------------------

caf::response_promise supervisor_actor::on_init() {
  auto rp = make_response_promise();
  if (started_)
    rp.deliver(caf::ok_atom_v);
  else if (shutting_down_)
    rp.deliver(caf::make_error(caf::sec::runtime_error,
                               "supervisor " + flags_.name + " is shutting down"));
  else
    init_waiters_.push_back(rp);
  return rp;
}

std::vector<child_info> supervisor_actor::on_which_children() const {
  std::vector<child_info> out;
  out.reserve(by_id_.size());
  for (auto& c : slots_)
    if (!c.removed)
      out.push_back({c.id, c.handle, c.spec->type, c.state, c.restarts});
  return out;
}

child_counts supervisor_actor::on_count_children() const {
  child_counts n;
  for (auto& c : slots_) {
    if (c.removed)
      continue;
    ++n.specs;
    if (c.handle)
      ++n.active;
    if (c.spec->type == child_type::supervisor)
      ++n.supervisors;
    else
      ++n.workers;
  }
  return n;
}

caf::response_promise supervisor_actor::on_start_child(const std::string& key) {
  auto rp = make_response_promise();
  auto fail = [&](errc code, std::string text) {
    rp.deliver(expected<caf::actor>{error{code, "supervisor " + flags_.name + ": " + text}});
    return rp;
  };
  if (!template_)
    return fail(errc::unsupported, "a static supervisor's children are fixed at start; "
                                   "use restart_child for a stopped one");
  if (shutting_down_)
    return fail(errc::shutdown, "shutting down, not starting " + key);
  if (!key.empty()) {
    if (auto it = find(key); it != nullptr) {
      if (it->state == child_state::running) {
        rp.deliver(expected<caf::actor>{it->handle}); // resolve: already started
        return rp;
      }
      if (it->state != child_state::starting)
        return fail(errc::conflict, "child " + key + " is " + std::string{to_string(it->state)}
                                      + "; try again");
      // Starting: answer once its start step has finished.
      plan_.push_back(answer_with_handle(rp, key));
      advance();
      return rp;
    }
  }
  std::size_t live = by_id_.size();
  if (max_children_ != 0 && live >= max_children_)
    return fail(errc::capacity, "max_children (" + std::to_string(max_children_)
                                  + ") reached, not starting " + (key.empty() ? "a child" : key));
  auto id = key.empty() ? "#" + std::to_string(++anonymous_ids_) : key;
  auto it = add_child(template_.get(), id);
  plan_.push_back({.k = step::kind::start, .it = it, .why = purpose::user});
  plan_.push_back(answer_with_handle(rp, id));
  advance();
  return rp;
}

caf::response_promise supervisor_actor::on_terminate_child(const std::string& id) {
  auto rp = make_response_promise();
  auto it = find(id);
  if (it == nullptr) {
    rp.deliver(expected<void>{error{errc::not_found, "supervisor " + flags_.name
                                                      + ": no child " + id}});
    return rp;
  }
  if (shutting_down_) {
    rp.deliver(expected<void>{error{errc::shutdown, "supervisor " + flags_.name
                                                      + " is shutting down"}});
    return rp;
  }
  // OTP: a temporary child, or any child of a dynamic supervisor, is forgotten.
  bool forget_it = template_ != nullptr || it->spec->restart == restart_type::temporary;
  plan_.push_back({.k = step::kind::terminate, .it = it, .remove_after = forget_it});
  step answer{.k = step::kind::call};
  answer.fn = [rp]() mutable { rp.deliver(expected<void>{}); };
  plan_.push_back(std::move(answer));
  advance();
  return rp;
}

caf::response_promise supervisor_actor::on_restart_child(const std::string& id) {
  auto rp = make_response_promise();
  auto it = find(id);
  auto fail = [&](errc code, std::string text) {
    rp.deliver(expected<caf::actor>{error{code, "supervisor " + flags_.name + ": " + text}});
    return rp;
  };
  if (template_)
    return fail(errc::unsupported, "restart_child is for static supervisors");
  if (it == nullptr)
    return fail(errc::not_found, "no child " + id);
  if (it->handle || it->state != child_state::stopped)
    return fail(errc::conflict, "child " + id + " is " + std::string{to_string(it->state)});
  if (shutting_down_)
    return fail(errc::shutdown, "shutting down");
  plan_.push_back({.k = step::kind::start, .it = it, .why = purpose::user});
  plan_.push_back(answer_with_handle(rp, id));
  advance();
  return rp;
}

expected<void> supervisor_actor::on_delete_child(const std::string& id) {
  if (template_)
    return error{errc::unsupported, "delete_child is for static supervisors; "
                                    "terminate_child forgets a dynamic child"};
  auto it = find(id);
  if (it == nullptr)
    return error{errc::not_found, "supervisor " + flags_.name + ": no child " + id};
  if (it->handle || it->state != child_state::stopped)
    return error{errc::conflict, "child " + id + " is " + std::string{to_string(it->state)}
                                   + "; terminate it first"};
  forget(it);
  collect_removed();
  return {};
}

expected<caf::actor> supervisor_actor::on_lookup(const std::string& key) const {
  if (auto i = by_id_.find(key); i != by_id_.end() && i->second->handle)
    return i->second->handle;
  return error{errc::not_found, "supervisor " + flags_.name + ": no running child " + key};
}

// A step that answers a start request once the start before it has run:
// the child's handle, or why it did not start.
supervisor_actor::step supervisor_actor::answer_with_handle(caf::response_promise rp,
                                                            std::string id) {
  step answer{.k = step::kind::call};
  answer.fn = [this, rp, id]() mutable {
    auto i = find(id);
    if (i != nullptr && i->handle)
      rp.deliver(expected<caf::actor>{i->handle});
    else
      rp.deliver(expected<caf::actor>{last_start_error_.value_or(
        error{errc::internal, "child " + id + " did not start"})});
  };
  return answer;
}

// -- the step machine ---------------------------------------------------------

void supervisor_actor::advance() {
  while (!current_ && !plan_.empty()) {
    step s = std::move(plan_.front());
    plan_.pop_front();
    if (!run_step(s)) {
      current_ = std::move(s);
      return;
    }
  }
  if (busy())
    return;
  collect_removed();
  // Events that arrived mid-plan, in arrival order; each re-checks that it
  // still applies (the plan may have restarted the child since).
  while (!busy() && !deferred_.empty()) {
    auto f = std::move(deferred_.front());
    deferred_.pop_front();
    f();
  }
}

void supervisor_actor::step_done() {
  current_.reset();
  advance();
}

bool supervisor_actor::run_step(step& s) {
  switch (s.k) {
    case step::kind::terminate:
      if (!s.it->handle) {
        s.it->state = child_state::stopped; // also cancels a pending restart
        if (s.remove_after)
          forget(s.it);
        return true;
      }
      if (s.it->state != child_state::terminating)
        return begin_terminate(s.it);
      return false;
    case step::kind::terminate_all:
      terminate_all_parallel();
      return by_addr_.empty();
    case step::kind::start:
      return begin_start(s.it, s.why, s.round);
    case step::kind::call:
      s.fn();
      return true;
    case step::kind::quit:
      plan_.clear();
      quit(s.reason);
      return false;
  }
  return true;
}

bool supervisor_actor::begin_terminate(child_it it) {
  it->state = child_state::terminating;
  auto sd = it->spec->effective_shutdown();
  switch (sd.how) {
    case shutdown_spec::mode::brutal_kill:
      kill_now(it->handle);
      break;
    case shutdown_spec::mode::timeout:
      send_exit(it->handle, caf::exit_reason::user_shutdown);
      delayed_send(this, sd.timeout, shutdown_timeout_atom::value, it->id, it->epoch);
      break;
    case shutdown_spec::mode::infinity:
      send_exit(it->handle, caf::exit_reason::user_shutdown);
      break;
  }
  return false;
}

// A dynamic supervisor stops its children all at once, as OTP stops
// simple_one_for_one children; one timer covers them, since they share a spec.
void supervisor_actor::terminate_all_parallel() {
  auto sd = template_->effective_shutdown();
  for (auto& c : slots_) {
    if (!c.handle)
      continue;
    c.state = child_state::terminating;
    if (sd.how == shutdown_spec::mode::brutal_kill)
      kill_now(c.handle);
    else
      send_exit(c.handle, caf::exit_reason::user_shutdown);
  }
  if (sd.how == shutdown_spec::mode::timeout && !by_addr_.empty())
    delayed_send(this, sd.timeout, parallel_timeout_atom::value, ++parallel_generation_);
}

bool supervisor_actor::begin_start(child_it it, purpose why, std::uint64_t round) {
  if (it->removed || it->handle)
    return true;
  if (why == purpose::restart)
    ++it->restarts;
  ++it->epoch;
  expected<caf::actor> h = error{errc::internal, "factory did not run"};
  try {
    h = it->spec->start(home_system(), it->id);
  } catch (const std::exception& e) {
    h = error{errc::internal, std::string{"factory threw: "} + e.what()};
  } catch (...) {
    h = error{errc::internal, "factory threw a non-standard exception"};
  }
  if (h && !*h)
    h = error{errc::internal, "factory returned an invalid actor handle"};
  if (!h) {
    start_failed(it, why, round, to_string(h.error()));
    return true;
  }
  it->handle = std::move(*h);
  it->started_at = clock().now();
  by_addr_.emplace(it->handle.id(), it);
  monitor(it->handle);
  if (!it->spec->effective_handshake()) {
    it->state = child_state::running;
    start_succeeded(it);
    return true;
  }
  it->state = child_state::starting;
  auto id = it->id;
  auto epoch = it->epoch;
  request(it->handle, it->spec->init_timeout, init_atom_v)
    .then([this, id, epoch](caf::ok_atom) { on_handshake(id, epoch, caf::error{}); },
          [this, id, epoch](caf::error& err) { on_handshake(id, epoch, err); });
  return false;
}

void supervisor_actor::start_succeeded(child_it it) {
  if (it->restarts == 0)
    report("child_started", it->id, "", debug);
}

void supervisor_actor::start_failed(child_it it, purpose why, std::uint64_t round,
                                    const std::string& why_text) {
  last_start_error_ = error{errc::provider, "supervisor " + flags_.name + ": child " + it->id
                                              + " failed to start: " + why_text};
  report("start_error", it->id, why_text, error_level);
  it->state = child_state::stopped;
  switch (why) {
    case purpose::initial:
      rollback(it->id + " failed to start: " + why_text);
      return;
    case purpose::user:
      if (template_)
        forget(it);
      return;
    case purpose::restart: {
      // OTP: the rest of the round waits; try_again_restart redoes it, and
      // every retry counts against intensity.
      it->state = child_state::restarting;
      std::erase_if(plan_, [round](const step& s) {
        return s.k == step::kind::start && s.round == round;
      });
      duration delay{0};
      if (it->spec->backoff)
        delay = restart_backoff_delay(*it->spec->backoff, it->backoff_step++,
                                      std::uniform_real_distribution<double>{0, 1}(rng_));
      schedule_retry(it, delay);
      return;
    }
  }
}

// -- events ---------------------------------------------------------------------

void supervisor_actor::on_down(const caf::down_msg& dm) {
  auto found = by_addr_.find(dm.source.id());
  if (found == by_addr_.end())
    return; // not ours any more: a child we gave up on or already replaced
  auto it = found->second;
  by_addr_.erase(found);
  it->handle = nullptr;
  const caf::error& reason = dm.reason;
  switch (it->state) {
    case child_state::terminating: {
      it->state = child_state::stopped;
      auto cls = classify(reason);
      bool expected_reason = cls != exit_class::abnormal || reason == caf::exit_reason::kill;
      if (!expected_reason)
        report("shutdown_error", it->id, render(reason), warning);
      if (current_ && current_->k == step::kind::terminate && current_->it == it) {
        if (current_->remove_after)
          forget(it);
        step_done();
      } else if (current_ && current_->k == step::kind::terminate_all && by_addr_.empty()) {
        step_done();
      }
      return;
    }
    case child_state::starting:
      if (current_ && current_->k == step::kind::start && current_->it == it) {
        auto why = current_->why;
        auto round = current_->round;
        start_failed(it, why, round, "exited before acknowledging init: " + render(reason));
        step_done();
      } else {
        it->state = child_state::stopped;
      }
      return;
    case child_state::running:
      if (shutting_down_) {
        it->state = child_state::stopped;
        return;
      }
      if (busy()) {
        // Handled once the current plan is done, unless that plan restarts
        // this child anyway (then the event is stale, as OTP's would be).
        it->state = child_state::stopped;
        auto id = it->id;
        auto epoch = it->epoch;
        deferred_.push_back([this, id, epoch, reason] {
          auto i = find(id);
          if (i != nullptr && i->epoch == epoch && !i->handle && !shutting_down_)
            on_child_exit(i, reason);
        });
        return;
      }
      on_child_exit(it, reason);
      return;
    case child_state::restarting:
    case child_state::stopped:
      it->state = child_state::stopped;
      return;
  }
}

void supervisor_actor::on_child_exit(child_it it, const caf::error& reason) {
  auto cls = classify(reason);
  auto restart = it->spec->restart;
  bool again = restart == restart_type::permanent
               || (restart == restart_type::transient && cls == exit_class::abnormal);
  if (wants_report(cls == exit_class::abnormal ? error_level : debug))
    report(cls == exit_class::abnormal ? "child_terminated" : "child_exited", it->id,
           render(reason), cls == exit_class::abnormal ? error_level : debug);
  if (!again) {
    it->state = child_state::stopped;
    // OTP forgets temporary children, and every dynamic child that is not restarted.
    if (restart == restart_type::temporary || template_)
      forget(it);
    if (it->spec->significant)
      check_auto_shutdown(it);
    collect_removed();
    return;
  }
  if (it->spec->backoff) {
    auto& b = *it->spec->backoff;
    if (clock().now() - it->started_at >= b.reset_after)
      it->backoff_step = 0; // it ran stably: start the back-off over
    auto delay = restart_backoff_delay(b, it->backoff_step++,
                                       std::uniform_real_distribution<double>{0, 1}(rng_));
    it->state = child_state::restarting;
    report("restart_delayed", it->id, "in " + format_duration(delay), info);
    schedule_retry(it, delay);
    return;
  }
  plan_restart(it);
}

void supervisor_actor::on_shutdown_timeout(const std::string& id, std::uint32_t epoch) {
  auto it = find(id);
  if (it == nullptr || it->epoch != epoch || it->state != child_state::terminating
      || !it->handle)
    return;
  report("shutdown_timeout", id,
         "no exit after " + to_string(it->spec->effective_shutdown()) + "; killing", warning);
  kill_now(it->handle);
}

void supervisor_actor::on_parallel_shutdown_timeout(std::uint64_t generation) {
  if (generation != parallel_generation_ || !current_
      || current_->k != step::kind::terminate_all)
    return;
  report("shutdown_timeout", "", std::to_string(by_addr_.size()) + " children still running; "
                                   "killing them", warning);
  for (auto& c : slots_)
    if (c.handle)
      kill_now(c.handle);
}

void supervisor_actor::on_retry(const std::string& id, std::uint32_t epoch) {
  if (shutting_down_)
    return;
  auto it = find(id);
  if (it == nullptr || it->epoch != epoch || it->state != child_state::restarting)
    return;
  if (busy()) {
    deferred_.push_back([this, id, epoch] { on_retry(id, epoch); });
    return;
  }
  plan_restart(it);
}

void supervisor_actor::on_handshake(const std::string& id, std::uint32_t epoch,
                                    const caf::error& err) {
  auto it = find(id);
  if (it == nullptr || it->epoch != epoch || it->state != child_state::starting)
    return;
  bool is_current = current_ && current_->k == step::kind::start && current_->it == it;
  if (!err) {
    it->state = child_state::running;
    start_succeeded(it);
    if (is_current)
      step_done();
    return;
  }
  // Refused or silent: the child may still be alive, so stop it and forget
  // its handle (its down message is then ignored).
  if (it->handle) {
    by_addr_.erase(it->handle.id());
    demonitor(it->handle);
    kill_now(it->handle);
    it->handle = nullptr;
  }
  auto text = err == caf::sec::request_timeout
                ? "no init acknowledgement within " + format_duration(it->spec->init_timeout)
                : "init refused: " + render(err);
  if (is_current) {
    start_failed(it, current_->why, current_->round, text);
    step_done();
  } else {
    it->state = child_state::stopped;
  }
}

// -- policy -----------------------------------------------------------------------

void supervisor_actor::plan_restart(child_it it) {
  if (!intensity_.add(clock().now())) {
    give_up();
    return;
  }
  auto round = ++rounds_;
  if (wants_report(info))
    report("restart", it->id, std::string{to_string(flags_.strategy)}, info);
  auto strategy = template_ ? restart_strategy::one_for_one : flags_.strategy;
  auto terminate = [&](child_it x) {
    plan_.push_back({.k = step::kind::terminate, .it = x,
                     .remove_after = x->spec->restart == restart_type::temporary});
  };
  auto start = [&](child_it x) {
    plan_.push_back({.k = step::kind::start, .it = x, .why = purpose::restart, .round = round});
  };
  switch (strategy) {
    case restart_strategy::one_for_one:
      start(it);
      break;
    case restart_strategy::rest_for_one:
    case restart_strategy::one_for_all: {
      // Static children sit in slots_ in start order.
      std::size_t first = 0;
      if (strategy == restart_strategy::rest_for_one)
        while (&slots_[first] != it)
          ++first;
      for (std::size_t i = slots_.size(); i-- > first;)
        if (!slots_[i].removed)
          terminate(&slots_[i]); // the failed child itself has no handle: a no-op
      for (std::size_t i = first; i < slots_.size(); ++i) {
        auto* x = &slots_[i];
        if (!x->removed && (x == it || x->spec->restart != restart_type::temporary))
          start(x);
      }
      break;
    }
  }
  advance();
}

void supervisor_actor::schedule_retry(child_it it, duration delay) {
  if (delay <= duration{0})
    send(this, retry_atom::value, it->id, it->epoch);
  else
    delayed_send(this, delay, retry_atom::value, it->id, it->epoch);
}

void supervisor_actor::give_up() {
  report("reached_max_restart_intensity", "",
         "more than " + std::to_string(flags_.intensity) + " restarts in "
           + format_duration(flags_.period) + "; stopping all children",
         error_level);
  shutdown(caf::exit_reason::user_shutdown);
}

void supervisor_actor::check_auto_shutdown(child_it exited) {
  switch (flags_.auto_shutdown) {
    case auto_shutdown::never:
      return;
    case auto_shutdown::any_significant:
      report("auto_shutdown", exited->id, "a significant child exited", info);
      shutdown(caf::exit_reason::user_shutdown);
      return;
    case auto_shutdown::all_significant: {
      bool any_left = std::any_of(slots_.begin(), slots_.end(), [](const child& c) {
        return !c.removed && c.spec->significant
               && (c.handle || c.state == child_state::restarting);
      });
      if (!any_left) {
        report("auto_shutdown", exited->id, "every significant child has exited", info);
        shutdown(caf::exit_reason::user_shutdown);
      }
      return;
    }
  }
}

void supervisor_actor::rollback(const std::string& why) {
  plan_.clear();
  plan_stop_running();
  auto text = "supervisor " + flags_.name + ": " + why;
  step fail{.k = step::kind::call};
  fail.fn = [this, text] {
    for (auto& rp : init_waiters_)
      rp.deliver(caf::make_error(caf::sec::runtime_error, text));
    init_waiters_.clear();
  };
  plan_.push_back(std::move(fail));
  shutting_down_ = true;
  plan_.push_back({.k = step::kind::quit, .reason = caf::make_error(caf::sec::runtime_error, text)});
}

// OTP's stop order: every running child, in reverse start order, one at a time.
void supervisor_actor::plan_stop_running() {
  for (std::size_t i = slots_.size(); i-- > 0;)
    if (slots_[i].handle)
      plan_.push_back({.k = step::kind::terminate, .it = &slots_[i]});
}

void supervisor_actor::shutdown(caf::error reason) {
  if (shutting_down_)
    return;
  shutting_down_ = true;
  // A requested stop is routine (OTP reports none); giving up is not.
  report("shutdown", "", render(reason), classify(reason) == exit_class::abnormal ? info : debug);
  deferred_.clear();
  plan_.clear();
  if (current_ && current_->k == step::kind::start)
    current_.reset(); // the child stays up and is stopped below with the others
  for (auto& rp : init_waiters_)
    rp.deliver(caf::make_error(caf::sec::runtime_error,
                               "supervisor " + flags_.name + " shut down while starting"));
  init_waiters_.clear();
  if (template_) {
    plan_.push_back({.k = step::kind::terminate_all});
  } else {
    plan_stop_running();
  }
  plan_.push_back({.k = step::kind::quit, .reason = std::move(reason)});
  advance();
}

// -- helpers ------------------------------------------------------------------------

supervisor_actor::child_it supervisor_actor::add_child(const child_spec* spec, std::string id) {
  child_it it;
  if (free_slots_.empty()) {
    it = &slots_.emplace_back();
  } else {
    it = free_slots_.back();
    free_slots_.pop_back();
    *it = child{};
  }
  it->spec = spec;
  it->id = std::move(id);
  by_id_.emplace(std::string_view{it->id}, it);
  return it;
}

void supervisor_actor::forget(child_it it) {
  if (it->removed)
    return;
  it->removed = true;
  by_id_.erase(std::string_view{it->id});
  to_free_.push_back(it);
}

// Removed children give up their slot only between plans, so no pending step
// ever points at a reused slot. Static slots are not reused: start order is
// slot order, and a static supervisor adds no children after its start.
void supervisor_actor::collect_removed() {
  if (busy() || to_free_.empty())
    return;
  std::vector<child_it> still_going;
  for (auto* c : to_free_) {
    if (c->handle) {
      still_going.push_back(c); // freed by a later sweep, once it is down
    } else if (template_) {
      *c = child{};
      c->removed = true;
      free_slots_.push_back(c);
    }
  }
  to_free_ = std::move(still_going);
}

supervisor_actor::child_it supervisor_actor::find(const std::string& id) {
  auto i = by_id_.find(std::string_view{id});
  return i == by_id_.end() ? nullptr : i->second;
}

// `kill` with high priority: it overtakes the child's backlog and stops it
// at its next message boundary (reference/runtime.md §1.5).
void supervisor_actor::kill_now(const caf::actor& h) {
  if (!h)
    return;
  h->enqueue(nullptr, caf::make_message_id(caf::message_priority::high),
             caf::make_message(caf::exit_msg{address(), caf::exit_reason::kill}), context());
}

bool supervisor_actor::wants_report(int level) const {
  return flags_.telemetry != nullptr || log().should_log(spdlog_level(level));
}

std::string supervisor_actor::render(const caf::error& e) const {
  if (!e)
    return "normal";
  return home_system().render(e);
}

void supervisor_actor::report(const char* event, const std::string& child_id,
                              const std::string& detail, int level) {
  auto lvl = spdlog_level(level);
  bool to_log = log().should_log(lvl);
  if (!to_log && flags_.telemetry == nullptr)
    return; // the restart path stays free of string work when nobody listens
  if (to_log) {
    std::string where = child_id.empty() ? "" : " child " + child_id;
    log().log(lvl, "supervisor {}: {}{}{}{}", flags_.name, event, where,
              detail.empty() ? "" : ": ", detail);
  }
  if (flags_.telemetry)
    emit(flags_.telemetry, {std::string{"supervisor."} + event,
                            {},
                            {{"supervisor", flags_.name}, {"child", child_id}, {"detail", detail}}});
}

} // namespace atlas::detail
