#pragma once
// What a flyctl deploy says, read from its text (flyctl has no JSON for
// deploys; reference/fly_api.md §3.4): phases (`==> ` starts one, `--> `
// ends it), the image, machine progress (`[n/total] Machine ID ... update
// finished: success`), and the verdict. flyctl has known exit-code bugs, so
// a verdict that contradicts the exit status is reported, not hidden.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atlas {

/// What one line of `fly deploy` output says.
enum class deploy_event_kind : std::uint8_t {
  text,            ///< any other line
  phase_started,   ///< "==> Building image"
  phase_finished,  ///< "--> Building image done"
  image,           ///< "image: registry.fly.io/app:deployment-..."
  machine,         ///< "[2/3] Machine ID [app] update finished: success" (or failed)
  succeeded,       ///< "Finished deploying", "Visit your newly deployed app at ..."
  failed,          ///< "Error: ..."
};
/// The enumerator's name ("phase_started", ...).
std::string_view to_string(deploy_event_kind k) noexcept;

/// One line of deploy output, read.
struct deploy_event {
  deploy_event_kind kind = deploy_event_kind::text; ///< what the line says
  std::string text;        ///< the line without ANSI colours and surrounding blanks
  std::string value;       ///< the phase title, the image reference, the machine id
  std::uint32_t index = 0; ///< machine: n of [n/total]
  std::uint32_t total = 0; ///< machine: total of [n/total]
  bool success = false;    ///< machine: its update finished with success
};

/// Reads one line (ANSI escapes removed first).
deploy_event parse_deploy_line(std::string_view line);

/// A deploy's story so far, fed line by line.
struct deploy_summary {
  std::vector<std::string> phases_started;  ///< titles of the `==> ` lines, in order
  std::vector<std::string> phases_finished; ///< titles of the `--> ` lines, in order
  std::string image;                        ///< the last image reference printed; "" before one
  std::uint32_t machines_total = 0;  ///< the largest total of a [n/total] line
  std::uint32_t machines_done = 0;   ///< updates finished with success
  std::uint32_t machines_failed = 0; ///< machine updates that did not finish with success
  std::optional<bool> verdict;       ///< what the text says: success or failure
  std::string last_error;            ///< the last "Error: ..." line

  /// Takes in one more line's event; a failure (a failed machine, an
  /// "Error" line) sets the verdict to failure for good.
  void add(const deploy_event& e);
  /// Empty, or why the text and `exit_code` disagree ("flyctl exited 0 but
  /// printed: Error: ...").
  std::string contradiction(int exit_code) const;
};

} // namespace atlas
