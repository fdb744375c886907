#include <atlas/fly/app_discovery.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace atlas {

expected<std::string> parse_app_name(std::string_view content) {
  // `(?:^|\n)` is a line start (ExAtlas's multi-line `^`); `\s` may span
  // newlines, exactly ExAtlas's quirk (`app =` then `foo` on the next line → "foo").
  static const std::regex rules[] = {
    std::regex{R"re((?:^|\n)\s*app\s*=\s*"([^"\s]+)")re"},
    std::regex{R"re((?:^|\n)\s*app\s*=\s*'([^'\s]+)')re"},
    std::regex{R"re((?:^|\n)\s*app\s*=\s*([^"'\s#]+))re"},
  };
  std::string text{content};
  std::smatch m;
  for (auto& rule : rules)
    if (std::regex_search(text, m, rule))
      return m[1].str();
  return error{errc::validation, "no `app = NAME` line (ExAtlas's rules)"};
}

expected<void> check_fly_app_name(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return error{errc::validation, "app name \"" + std::string{name} + "\" " + why};
  };
  if (name.empty())
    return bad("is empty");
  if (name.size() > 63)
    return bad("is longer than 63 characters");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return bad("holds '" + std::string(1, c) + "': only a-z, 0-9 and '-' are allowed");
  if (name.front() == '-' || name.back() == '-')
    return bad("starts or ends with '-'");
  return {};
}

namespace {

struct scanner {
  discovery_result out;
  std::set<fs::path> seen; // canonical directories entered: a symlink loop ends here

  void problem(std::string path, std::string reason) {
    out.problems.push_back({std::move(path), std::move(reason)});
  }

  void read_toml(const std::string& dir, const fs::path& file) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
      problem(file.string(), "cannot be read");
      return;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    auto text = buf.str();
    std::string app;
    try {
      auto table = toml::parse(text, file.string());
      auto node = table["app"];
      if (!node) {
        problem(file.string(), "has no top-level `app` key");
        return;
      }
      auto value = node.value<std::string>();
      if (!value) {
        problem(file.string(), "`app` is not a string");
        return;
      }
      app = *value;
    } catch (const toml::parse_error& e) {
      std::ostringstream why;
      why << "is not valid TOML: " << e.description() << " (line " << e.source().begin.line
          << ", column " << e.source().begin.column << ")";
      auto legacy = parse_app_name(text);
      why << (legacy ? "; ExAtlas's rules would have read app \"" + *legacy + "\""
                     : std::string{"; ExAtlas's rules find no app either"});
      problem(file.string(), why.str());
      return;
    }
    // ExAtlas rejects a quoted name with whitespace; Fly rejects any name
    // outside its alphabet: either way, not a deployable app.
    if (auto ok = check_fly_app_name(app); !ok) {
      problem(file.string(), ok.error().message());
      return;
    }
    out.apps.push_back({std::move(app), dir});
  }

  void scan(const std::string& dir, int depth) {
    std::error_code ec;
    auto canon = fs::canonical(dir, ec);
    if (ec) {
      problem(dir, "cannot be resolved: " + ec.message());
      return;
    }
    if (!seen.insert(canon).second) {
      problem(dir, "already scanned as " + canon.string() + " (a symlink loop or alias): skipped");
      return;
    }
    auto toml_file = fs::path{dir} / "fly.toml";
    if (fs::is_regular_file(toml_file, ec))
      read_toml(dir, toml_file);
    else if (fs::exists(toml_file, ec))
      problem(toml_file.string(), "is not a regular file");
    if (depth <= 0)
      return;
    fs::directory_iterator it{dir, ec};
    if (ec) {
      problem(dir, "cannot be listed: " + ec.message());
      return;
    }
    std::vector<std::string> children;
    for (; it != fs::directory_iterator{}; it.increment(ec)) {
      if (ec)
        break;
      auto name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || name == "node_modules")
        continue;
      std::error_code e2;
      if (fs::is_directory(it->path(), e2)) // follows symlinks
        children.push_back(name);
    }
    if (ec)
      problem(dir, "listing stopped: " + ec.message());
    std::sort(children.begin(), children.end()); // stable across filesystems
    for (auto& c : children)
      scan((fs::path{dir} / c).string(), depth - 1);
  }
};

} // namespace

discovery_result discover_apps(const std::string& root, int max_depth) {
  scanner s;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    s.problem(root, "is not a directory");
    return std::move(s.out);
  }
  s.scan(root, std::max(0, max_depth));
  std::stable_sort(s.out.apps.begin(), s.out.apps.end(), [](auto& a, auto& b) {
    return a.app != b.app ? a.app < b.app : a.dir < b.dir;
  });
  return std::move(s.out);
}

} // namespace atlas
