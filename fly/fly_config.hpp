#pragma once
// flyctl's own configuration, ~/.fly/config.yml (reference/fly_api.md §3.1):
// the `config` link of the token chain.

#include <atlas/core/options.hpp>
#include <atlas/core/secret.hpp>

#include <optional>
#include <string>

namespace atlas {

/// flyctl's config directory: `configured` if not empty (option fly.config_dir),
/// else $FLY_CONFIG_DIR, else $HOME/.fly.
std::string fly_config_dir(const env_lookup& env = process_environment(),
                           const std::string& configured = {});

/// What config.yml holds for Atlas: a token, or why there is none.
struct fly_config_token {
  std::optional<secret> token; ///< normalised by parse_token()
  std::string path;            ///< the file that was read
  std::string why_none;        ///< when there is no token: missing file, no key, bad YAML, bad shape
};

/// Reads `access_token` from `<config_dir>/config.yml` with a real YAML parser
/// (quoted, single-quoted or bare; `FlyV1 fm2_…,fm2_…` or OAuth). A missing,
/// empty or malformed file, a blank or non-text `access_token`, or a token of
/// the wrong shape all mean "no token here", with the reason in `why_none`
/// (which never holds the token). Never throws. Blocks on file I/O.
fly_config_token read_fly_config_token(const std::string& config_dir);

} // namespace atlas
