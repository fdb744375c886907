#pragma once
// Finding the Fly apps of a project: every `fly.toml` at the root and up to
// `max_depth` levels of subdirectories (ExAtlas's discover_apps,
// reference/exatlas.md §9.1), read with a real TOML parser. ExAtlas's regex
// rules (parse_app_name, §9.2) only explain why a file is unusable.

#include <atlas/core/expected.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace atlas {

/// A usable fly.toml: the app it names and the directory it is in.
struct discovered_app {
  std::string app; ///< its `app` key, checked by check_fly_app_name
  std::string dir; ///< the root as given, or root/child/...: never normalised
  /// Same app and same directory text.
  friend bool operator==(const discovered_app&, const discovered_app&) = default;
};

/// A fly.toml (or a directory) that could not be used, and why.
struct discovery_problem {
  std::string path;   ///< the file or directory, as the scan spelled it
  std::string reason; ///< a phrase that follows the path ("is not valid TOML: ...")
};

/// What discover_apps found: apps and problems, one scan.
struct discovery_result {
  std::vector<discovered_app> apps;        ///< sorted by app, then dir; duplicates kept
  std::vector<discovery_problem> problems; ///< in scan order
};

/// Scans `root` (depth 0) and its subdirectories down to `max_depth`
/// (negative: 0). Hidden directories and `node_modules` are not entered; a
/// symlink to a directory is followed once (a loop is reported, not
/// followed); an unreadable directory or a malformed fly.toml becomes a
/// problem and the scan goes on. A root that is not a directory: no apps,
/// one problem.
discovery_result discover_apps(const std::string& root, int max_depth = 1);

/// ExAtlas's rules, kept for reporting: `app = "x"`, then `app = 'x'`, then
/// `app = x` (up to whitespace, a quote or '#'), the first rule matching
/// anywhere in the text wins; a quoted name holding whitespace never
/// matches. errc::validation when no rule matches.
expected<std::string> parse_app_name(std::string_view content);

/// A name Fly accepts: 1-63 of [a-z0-9-], not starting or ending with '-'.
expected<void> check_fly_app_name(std::string_view name);

} // namespace atlas
