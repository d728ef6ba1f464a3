// The sysfs fixture trees of tests/fixtures/sysfs, and writable copies of them.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace srpadm::testing {

inline std::filesystem::path fixture_root(const std::string& name) {
    return std::filesystem::path(SRPADM_SOURCE_DIR) / "tests" / "fixtures" / "sysfs" / name;
}

// A copy of a fixture tree in a fresh temporary directory, removed again at the end.
class FixtureCopy {
  public:
    explicit FixtureCopy(const std::string& name) {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("srpadm-sysfs-" + std::to_string(random()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(dir_);
        root_ = dir_ / name;
        std::filesystem::copy(fixture_root(name), root_, std::filesystem::copy_options::recursive);
    }
    FixtureCopy(const FixtureCopy&) = delete;
    FixtureCopy& operator=(const FixtureCopy&) = delete;
    FixtureCopy(FixtureCopy&&) = delete;
    FixtureCopy& operator=(FixtureCopy&&) = delete;
    ~FixtureCopy() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    const std::filesystem::path& root() const { return root_; }
    // Replaces the file at `relative` (below the root) with `text`, making its directories.
    void write(const std::string& relative, const std::string& text) const {
        std::filesystem::create_directories((root_ / relative).parent_path());
        std::ofstream(root_ / relative, std::ios::trunc) << text;
    }
    void remove(const std::string& relative) const {
        std::filesystem::remove_all(root_ / relative);
    }

  private:
    std::filesystem::path dir_;
    std::filesystem::path root_;
};

// A fresh temporary directory (not created), removed with everything in it at the end.
class TempDir {
  public:
    TempDir() {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("srpadm-test-" + std::to_string(random()) + "-" + std::to_string(random()));
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    const std::filesystem::path& path() const { return dir_; }

  private:
    std::filesystem::path dir_;
};

}  // namespace srpadm::testing
