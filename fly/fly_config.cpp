#include <atlas/fly/fly_config.hpp>

#include <atlas/core/token_shape.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace atlas {

std::string fly_config_dir(const env_lookup& env, const std::string& configured) {
  if (!configured.empty())
    return configured;
  if (auto dir = env("FLY_CONFIG_DIR"); dir && !dir->empty())
    return *dir;
  if (auto home = env("HOME"); home && !home->empty())
    return (fs::path{*home} / ".fly").string();
  return ".fly";
}

fly_config_token read_fly_config_token(const std::string& config_dir) {
  fly_config_token out;
  out.path = (fs::path{config_dir} / "config.yml").string();
  std::error_code ec;
  if (!fs::exists(out.path, ec)) {
    out.why_none = "no file " + out.path;
    return out;
  }
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(out.path);
  } catch (const YAML::ParserException& e) {
    // e.mark locates the problem; e.what() may quote the file, so it is not used.
    out.why_none = out.path + " is not valid YAML (line " + std::to_string(e.mark.line + 1)
                   + ", column " + std::to_string(e.mark.column + 1) + ")";
    return out;
  } catch (const YAML::Exception&) {
    out.why_none = "cannot read " + out.path;
    return out;
  }
  if (!doc.IsMap()) {
    out.why_none = doc.IsNull() ? out.path + " is empty" : out.path + " is not a YAML mapping";
    return out;
  }
  auto node = doc["access_token"];
  if (!node.IsDefined() || node.IsNull()) {
    out.why_none = out.path + " has no access_token (logged out?)";
    return out;
  }
  if (!node.IsScalar()) {
    out.why_none = out.path + ": access_token is not text";
    return out;
  }
  auto raw = node.Scalar();
  if (raw.find_first_not_of(" \t\r\n") == std::string::npos) {
    out.why_none = out.path + ": access_token is blank (logged out?)";
    return out;
  }
  auto token = parse_token(raw);
  if (!token) {
    out.why_none = out.path + ": access_token is malformed: " + token.error().message();
    return out;
  }
  out.token = std::move(*token);
  return out;
}

} // namespace atlas
