#include <atlas/cli/init_command.hpp>

#include <atlas/core/options.hpp>
#include <atlas/storage/lmdb_token_storage.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace atlas::cli {

namespace fs = std::filesystem;

namespace {

struct init_args {
  std::string dir = ".";
  bool force = false;
};

int run_init(const init_args& args) {
  auto file = fs::path{args.dir} / "atlas.toml";
  std::error_code ec;
  if (fs::exists(file, ec) && !args.force) {
    std::cerr << "atlas init: " << file.string() << " exists; --force overwrites it\n";
    return 2;
  }
  fs::create_directories(args.dir, ec);
  auto text = commented_defaults();
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (fd >= 0)
      ::close(fd);
    std::cerr << "atlas init: cannot write " << file.string() << '\n';
    return 1;
  }
  ::close(fd);
  // The storage directory the configuration in effect names (the new file
  // holds only comments, so: the environment's, else the default).
  auto opts = load_options({.config_file = file.string()});
  if (!opts) {
    std::cerr << "atlas init: " << opts.error().message() << '\n';
    return 2;
  }
  auto storage = opts->tokens.storage_dir.empty() ? default_token_storage_dir() : opts->tokens.storage_dir;
  fs::create_directories(storage, ec);
  if (ec) {
    std::cerr << "atlas init: cannot create the storage directory " << storage << ": " << ec.message() << '\n';
    return 1;
  }
  fs::permissions(storage, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::cout << "wrote " << file.string() << "\nstorage: " << storage << " (0700)\n";
  return 0;
}

} // namespace

void add_init_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<init_args>();
  auto* cmd = app.add_subcommand("init", "Write a commented default atlas.toml and create the storage directory");
  cmd->add_option("--dir", args->dir, "where to write atlas.toml")->capture_default_str();
  cmd->add_flag("--force", args->force, "overwrite an existing atlas.toml");
  cmd->callback([args, &exit_code] { exit_code = run_init(*args); });
}

} // namespace atlas::cli
