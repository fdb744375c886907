// discover_apps over generated trees, and ExAtlas's parse_app_name rules
// (reference/exatlas.md §9.1-9.2).
#include <atlas/fly/app_discovery.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

using namespace atlas;
namespace fs = std::filesystem;

namespace {

struct tree {
  fs::path root;
  tree() {
    std::random_device rd;
    root = fs::temp_directory_path() / ("atlas-discover-" + std::to_string(rd()));
    fs::create_directories(root);
  }
  ~tree() {
    std::error_code ec;
    for (auto& p : fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec))
      ::chmod(p.path().c_str(), 0755);
    ::chmod(root.c_str(), 0755);
    fs::remove_all(root, ec);
  }
  void file(const std::string& rel, const std::string& text) {
    auto p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream{p} << text;
  }
  void app(const std::string& rel_dir, const std::string& name) {
    file((rel_dir.empty() ? std::string{} : rel_dir + "/") + "fly.toml",
         "app = \"" + name + "\"\nprimary_region = \"ord\"\n\n[http_service]\ninternal_port = 8080\n");
  }
  std::string dir(const std::string& rel) const { return (root / rel).string(); }
};

std::vector<std::string> names(const discovery_result& r) {
  std::vector<std::string> v;
  for (auto& a : r.apps)
    v.push_back(a.app);
  return v;
}

bool has_problem(const discovery_result& r, const std::string& path_part, const std::string& reason_part) {
  for (auto& p : r.problems)
    if (p.path.find(path_part) != std::string::npos && p.reason.find(reason_part) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("parse_app_name follows ExAtlas's rules: quotes, bare names, inline comments, no spaces") {
  CHECK(parse_app_name("app = \"my-app\"").value() == "my-app");
  CHECK(parse_app_name("app = 'my-app'").value() == "my-app");
  CHECK(parse_app_name("app  =  \"my-app\"").value() == "my-app");
  CHECK(parse_app_name("app = my-app").value() == "my-app");
  CHECK(parse_app_name("app = my-app  # inline comment").value() == "my-app");
  CHECK(parse_app_name("[build]\n\n  app = \"production-app\"\n").value() == "production-app");
  CHECK_FALSE(parse_app_name("primary_region = \"ord\""));
  CHECK_FALSE(parse_app_name("app = \"my app\""));
  CHECK_FALSE(parse_app_name("app = \"\""));
  CHECK_FALSE(parse_app_name("app_name = \"x\""));
  CHECK(parse_app_name("app = \"x\"y").value() == "x");
  CHECK(parse_app_name("app =\nfoo").value() == "foo"); // ExAtlas's quirk: \s spans newlines
  // precedence by quoting style, not by line position
  CHECK(parse_app_name("app = bare\napp = \"quoted\"").value() == "quoted");
}

TEST_CASE("discover_apps finds the root and nested apps, sorted by name, within max_depth") {
  tree t;
  t.app("", "root-app");
  t.app("web", "zebra-app");
  t.app("api", "alpha-app");
  t.app("apps/api", "deep-app");
  t.app("apps/a/b", "deeper-app");
  auto d1 = discover_apps(t.root.string());
  CHECK(names(d1) == std::vector<std::string>{"alpha-app", "root-app", "zebra-app"});
  CHECK(d1.apps[0].dir == t.dir("api"));
  CHECK(d1.apps[1].dir == t.root.string()); // the root exactly as given
  CHECK(d1.problems.empty());
  CHECK(names(discover_apps(t.root.string(), 2))
        == std::vector<std::string>{"alpha-app", "deep-app", "root-app", "zebra-app"});
  CHECK(names(discover_apps(t.root.string(), 3)).size() == 5);
  CHECK(names(discover_apps(t.root.string(), 0)) == std::vector<std::string>{"root-app"});
  CHECK(names(discover_apps(t.root.string(), -4)) == std::vector<std::string>{"root-app"});
  // stable: the same tree gives the same answer
  CHECK(discover_apps(t.root.string(), 3).apps == discover_apps(t.root.string(), 3).apps);
}

TEST_CASE("discover_apps reports a malformed fly.toml with its path and the parse error and goes on") {
  tree t;
  t.app("good", "good-app");
  t.file("broken/fly.toml", "app = \"broken-app\"\n[http_service\ninternal_port = 8080\n");
  t.file("bare/fly.toml", "app = bare-app  # inline comment\n"); // not TOML; ExAtlas read it
  t.file("noapp/fly.toml", "primary_region = \"ord\"\n");
  t.file("number/fly.toml", "app = 42\n");
  auto r = discover_apps(t.root.string());
  CHECK(names(r) == std::vector<std::string>{"good-app"});
  CHECK(has_problem(r, "broken/fly.toml", "is not valid TOML"));
  CHECK(has_problem(r, "broken/fly.toml", "line 2"));
  CHECK(has_problem(r, "bare/fly.toml", "ExAtlas's rules would have read app \"bare-app\""));
  CHECK(has_problem(r, "noapp/fly.toml", "no top-level `app`"));
  CHECK(has_problem(r, "number/fly.toml", "not a string"));
}

TEST_CASE("discover_apps keeps an app with an inline comment after a quoted name") {
  tree t;
  t.file("svc/fly.toml", "app = \"svc-app\" # the API\nprimary_region = 'ord' # Chicago\n");
  auto r = discover_apps(t.root.string());
  CHECK(names(r) == std::vector<std::string>{"svc-app"});
  CHECK(r.problems.empty());
}

TEST_CASE("discover_apps rejects a quoted app name with spaces, as ExAtlas does") {
  tree t;
  t.file("spaced/fly.toml", "app = \"my app\"\n");
  auto r = discover_apps(t.root.string());
  CHECK(r.apps.empty());
  CHECK(has_problem(r, "spaced/fly.toml", "my app"));
}

TEST_CASE("discover_apps skips hidden directories and node_modules, survives symlink loops and unreadable dirs") {
  tree t;
  t.app(".git", "hidden-app");
  t.app("node_modules", "module-app");
  t.app("real", "real-app");
  fs::create_directory_symlink(t.root, t.root / "loop");        // root → itself
  fs::create_directory_symlink(t.root / "real", t.root / "alias"); // the same app twice
  t.app("locked/inner", "locked-app");
  ::chmod((t.root / "locked").c_str(), 0000);
  auto r = discover_apps(t.root.string(), 3);
  CHECK(has_problem(r, "loop", "already scanned"));
  if (::geteuid() != 0) { // root reads anything
    CHECK(names(r) == std::vector<std::string>{"real-app"});
    CHECK(has_problem(r, "locked", "cannot"));
  } else {
    CHECK(names(r) == std::vector<std::string>{"locked-app", "real-app"});
  }
}

TEST_CASE("discover_apps of a missing root is empty with one problem") {
  auto r = discover_apps("/nonexistent/path/atlas");
  CHECK(r.apps.empty());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].reason == "is not a directory");
}
