#pragma once
// The node's deploys (docs/node.md, "Deploys"): each POST /v1/deploys starts
// one streamed deploy through the runtime's deploys facade, watched by a
// small actor that keeps the ticket's state and its last lines, so an SSE
// client that joins late (or resumes with Last-Event-ID, the line number)
// sees every line still kept, then the live ones, then the exit.

#include <atlas/api/deploys.hpp>
#include <atlas/net/http_server.hpp>

#include <boost/json/object.hpp>
#include <boost/json/array.hpp>

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace atlas {

/// How much a deploy_board keeps.
struct deploy_board_options {
  std::size_t line_limit = 10'000; ///< lines kept per ticket (the first are dropped)
  std::size_t keep_finished = 100; ///< finished deploys listed before the oldest is forgotten
};

/// The node's deploys by ticket: started, watched, listed, streamed, cancelled.
class deploy_board {
public:
  /// Deploys go through `facade`; `sys` runs the watching actors and must outlive the board.
  deploy_board(caf::actor_system& sys, deploys facade, deploy_board_options opts = {});
  ~deploy_board();
  deploy_board(const deploy_board&) = delete;
  deploy_board& operator=(const deploy_board&) = delete;

  /// Starts `fly deploy` in `dir`; `done` (on another thread) gets the
  /// ticket once flyctl runs, or the error (not_found without fly,
  /// validation for a bad directory).
  void start(const std::string& dir, const std::string& app,
             std::function<void(expected<std::string>)> done);

  /// {"ticket","app","dir","state","started_at","finished_at","lines","result"} each, newest first.
  boost::json::array list() const;
  /// errc::not_found for an unknown ticket.
  expected<boost::json::object> get(const std::string& ticket) const;
  /// Whether `ticket` is on the board (finished ones are forgotten past keep_finished).
  bool known(const std::string& ticket) const;

  /// The ticket's lines after line `last_event_id` (all when empty), then
  /// the live ones, then `event: exit` and the end of the stream.
  void attach(const std::string& ticket, sse_stream s, const std::string& last_event_id);

  /// Stops a running deploy lease-safely; errc::not_found for an unknown
  /// ticket, errc::conflict for one that has finished. `done` on another thread.
  void cancel(const std::string& ticket, std::function<void(expected<void>)> done);

  /// Streams get `event: stopped` and close; watchers end. Waits at most `deadline`.
  void stop(duration deadline);

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace atlas
