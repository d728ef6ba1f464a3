#include <fmt/format.h>

#include <srpadm/target/plan.hpp>

namespace srpadm::target {

std::string shell_quote(std::string_view word) {
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789_@%+=:,./-") == std::string_view::npos;
    if (plain) {
        return std::string(word);
    }
    std::string out = "'";
    for (const char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

std::string shell_command(const Action& action, const host::TreeRoots& roots) {
    const std::string path = shell_quote(roots.display(action.tree, action.path));
    switch (action.op) {
        case Op::write:
            return fmt::format("echo -n {} > {}", shell_quote(action.data), path);
        case Op::mkdir:
            return fmt::format("mkdir {}", path);
        case Op::rmdir:
            return fmt::format("rmdir {}", path);
        case Op::symlink:
            return fmt::format("ln -s {} {}", shell_quote(roots.display(action.tree, action.data)),
                               path);
        case Op::unlink:
            return fmt::format("rm {}", path);
        case Op::create_file:
            return fmt::format("truncate -s {} {}", action.size, path);
    }
    return {};
}

}  // namespace srpadm::target
