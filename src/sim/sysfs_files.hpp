// Writing the files of a simulated sysfs tree (private to src/sim): host_tree.cpp lays a tree
// out, kernel.cpp changes it as ib_srp would.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::sim::files {

// Creates or replaces `file` (and its directories) with `text`.
Result<void> put(const std::filesystem::path& file, const std::string& text);
// put() for each, in order, up to the first failure.
Result<void> put_all(const std::vector<std::pair<std::filesystem::path, std::string>>& files);

}  // namespace srpadm::sim::files
