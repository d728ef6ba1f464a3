// Writing the files of a simulated sysfs tree (private to src/sim): host_tree.cpp lays a tree
// out, kernel.cpp changes it as ib_srp would.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::sim::files {

// Makes `root`, which must be missing or an empty directory, so that a simulated tree is never
// laid out over a populated one such as the real /sys: Errc::exists when it is not empty (the
// message says a simulated `what` tree is only laid out where there is nothing), Errc::io when
// it cannot be made.
Result<void> make_empty_root(const std::filesystem::path& root, std::string_view what);
// Creates or replaces `file` (and its directories) with `text`.
Result<void> put(const std::filesystem::path& file, const std::string& text);
// put() for each, in order, up to the first failure.
Result<void> put_all(const std::vector<std::pair<std::filesystem::path, std::string>>& files);

}  // namespace srpadm::sim::files
