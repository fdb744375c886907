#include <atlas/fly/token_cli.hpp>

#include <atlas/core/redact.hpp>
#include <atlas/core/token_shape.hpp>

#include <deque>
#include <memory>

namespace atlas {

namespace {

constexpr std::size_t kMaxStdoutLines = 64;
constexpr std::size_t kStderrTail = 5;

struct cli_run {
  std::vector<std::string> out;
  std::deque<std::string> err_tail;
  std::function<void(expected<secret>)> done;
  duration timeout;
};

std::string tail_text(const std::deque<std::string>& lines) {
  std::string s;
  for (auto& l : lines) {
    if (!s.empty())
      s += " | ";
    s += l.size() > 300 ? l.substr(0, 300) + "..." : l;
  }
  return s.empty() ? "nothing on stderr" : redact(s);
}

expected<secret> outcome(const cli_run& run, const process_result& r) {
  if (r.end == process_end::timeout)
    return error{errc::timeout, "fly tokens create readonly took longer than "
                                  + format_duration(run.timeout)
                                  + "; it and its children were killed"};
  if (r.end != process_end::exited || r.exit_code != 0) {
    auto how = r.end == process_end::exited ? "exited with status " + std::to_string(r.exit_code)
                                            : "was ended by signal " + std::to_string(r.signal);
    return error{errc::exit_status, "fly tokens create readonly " + how + ": "
                                      + tail_text(run.err_tail)};
  }
  std::optional<error> first_problem;
  for (auto& line : run.out) {
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    auto t = parse_token(line);
    if (t)
      return t;
    if (!first_problem)
      first_problem = t.error();
  }
  return error{errc::validation, "fly tokens create readonly printed no valid token on stdout"
                                   + (first_problem ? " (" + first_problem->message() + ")"
                                                    : std::string{" (stdout was empty)"})};
}

} // namespace

expected<process_handle> mint_readonly_token(process_runner& runner, const token_cli_request& req,
                                             std::function<void(expected<secret>)> done) {
  if (req.org.empty())
    return error{errc::validation, "no Fly organisation for `fly tokens create readonly`: set "
                                   "fly.org (atlas.toml, ATLAS_FLY_ORG) or FLY_ORG; flyctl cannot "
                                   "ask for one without a terminal"};
  auto run = std::make_shared<cli_run>();
  run->done = std::move(done);
  run->timeout = req.timeout;
  process_spec spec;
  spec.executable = req.cli_path;
  spec.args = {"tokens", "create", "readonly", "--org", req.org};
  spec.timeout = req.timeout;
  spec.stop = {{SIGTERM, std::chrono::seconds{1}}}; // nothing to release: stop it promptly
  spec.max_line = 16 * 1024;
  process_callbacks cb;
  cb.on_line = [run](std::string line, bool from_err) {
    if (from_err) {
      run->err_tail.push_back(std::move(line));
      if (run->err_tail.size() > kStderrTail)
        run->err_tail.pop_front();
    } else if (run->out.size() < kMaxStdoutLines) {
      run->out.push_back(std::move(line));
    }
  };
  cb.on_exit = [run](const process_result& r) { run->done(outcome(*run, r)); };
  return runner.start(std::move(spec), std::move(cb));
}

} // namespace atlas
