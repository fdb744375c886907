#include <atlas/fly/deploy_command.hpp>

#include <atlas/core/redact.hpp>

#include <filesystem>

namespace atlas {

std::vector<std::string> deploy_arguments(const deploy_request& req) {
  std::vector<std::string> args{"deploy", "--remote-only"};
  if (!req.app.empty())
    args.insert(args.end(), {"--app", req.app});
  if (!req.config.empty())
    args.insert(args.end(), {"--config", req.config});
  return args;
}

std::string stop_step_name(const process_result& r) {
  if (r.end == process_end::exited || r.end == process_end::signaled)
    return "exit";
  switch (r.stopped_by) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    default: return "signal " + std::to_string(r.stopped_by);
  }
}

expected<process_handle> start_deploy(process_runner& runner, const deploy_request& req,
                                      deploy_callbacks cb) {
  std::error_code ec;
  if (req.dir.empty() || !std::filesystem::is_directory(req.dir, ec))
    return error{errc::validation, "deploy directory \"" + req.dir + "\" is not a directory"};
  process_spec spec;
  spec.executable = req.cli_path;
  spec.args = deploy_arguments(req);
  spec.cwd = req.dir;
  spec.env = req.env;
  spec.merge_stderr = true; // one stream: flyctl's headings (stderr) stay in order with its summary
  spec.max_line = req.max_line;
  spec.timeout = req.timeout;
  spec.activity_timeout = req.activity_timeout;
  spec.stop = {{SIGINT, req.grace}, {SIGTERM, req.grace}};
  process_callbacks pcb;
  pcb.on_line = [on_line = std::move(cb.on_line)](std::string line, bool) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      return; // ExAtlas drops empty pieces too
    if (on_line)
      on_line(redact(line));
  };
  pcb.on_exit = std::move(cb.on_exit);
  auto h = runner.start(std::move(spec), std::move(pcb));
  if (!h && h.error().code() == errc::not_found) // the directory was checked: it is `fly`
    return error{errc::not_found, "fly executable not found: " + h.error().message()};
  return h;
}

} // namespace atlas
