#pragma once
// A stand-in `fly`: a directory holding an executable sh script named `fly`,
// removed with the object. Tests give it the behaviour they need (print a
// token, fail, sleep past a timeout, count its runs).

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <sys/stat.h>

namespace atlas::test {

struct stand_in {
  std::filesystem::path dir;
  explicit stand_in(const std::string& body) {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("atlas-fly-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    std::ofstream{dir / "fly"} << "#!/bin/sh\n" << body << "\n";
    ::chmod((dir / "fly").c_str(), 0755);
  }
  ~stand_in() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  stand_in(const stand_in&) = delete;
  stand_in& operator=(const stand_in&) = delete;
  std::string path() const { return (dir / "fly").string(); }
};

} // namespace atlas::test
