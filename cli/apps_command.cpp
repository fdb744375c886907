#include <atlas/cli/apps_command.hpp>

#include <atlas/fly/app_discovery.hpp>

#include <boost/json.hpp>

#include <iostream>
#include <memory>

namespace atlas::cli {

namespace {

struct discover_args {
  std::string dir = ".";
  int max_depth = 1;
  bool json = false;
};

int run_discover(const discover_args& a) {
  auto r = discover_apps(a.dir, a.max_depth);
  if (r.apps.empty() && r.problems.size() == 1 && r.problems[0].path == a.dir) {
    std::cerr << "atlas apps discover: " << a.dir << " " << r.problems[0].reason << '\n';
    return apps_failed;
  }
  if (a.json) {
    boost::json::array apps, problems;
    for (auto& x : r.apps)
      apps.push_back(boost::json::object{{"app", x.app}, {"dir", x.dir}});
    for (auto& p : r.problems)
      problems.push_back(boost::json::object{{"path", p.path}, {"reason", p.reason}});
    std::cout << boost::json::serialize(boost::json::object{{"apps", apps}, {"problems", problems}}) << '\n';
    return apps_ok;
  }
  for (auto& x : r.apps)
    std::cout << x.app << '\t' << x.dir << '\n';
  for (auto& p : r.problems)
    std::cerr << "atlas apps discover: " << p.path << ": " << p.reason << '\n';
  return apps_ok;
}

} // namespace

void add_apps_command(CLI::App& app, int& exit_code) {
  auto* apps = app.add_subcommand("apps", "The Fly apps of a project");
  apps->require_subcommand(1);
  auto args = std::make_shared<discover_args>();
  auto* d = apps->add_subcommand("discover", "List the apps of every fly.toml under DIR (app<TAB>dir)");
  d->add_option("dir", args->dir, "the project root (default: .)");
  d->add_option("--max-depth", args->max_depth, "subdirectory levels to search (default 1; 0: DIR only)");
  d->add_flag("--json", args->json, "one JSON object: apps and problems");
  d->footer("Hidden directories and node_modules are skipped; unusable fly.toml files are listed "
            "on stderr with the reason. Exit status: 0 listed, 1 DIR is not a directory, 2 bad "
            "input. See docs/deploys.md.");
  d->callback([args, &exit_code] { exit_code = run_discover(*args); });
}

} // namespace atlas::cli
