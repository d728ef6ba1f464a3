#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <srpadm/host/tree.hpp>

namespace srpadm::host {
namespace {

// Backing files are absolute paths: the files tree's root is "/".
const Sysfs& files_root() {
    static const Sysfs root{"/"};
    return root;
}

}  // namespace

const Sysfs& TreeRoots::of(Tree tree) const {
    switch (tree) {
        case Tree::sysfs:
            return sysfs;
        case Tree::configfs:
            return configfs;
        case Tree::files:
            break;
    }
    return files_root();
}

std::string TreeRoots::display(Tree tree, std::string_view relative) const {
    if (tree == Tree::files) {
        return std::string(relative);
    }
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(of(tree).path(relative), ec);
    return (ec ? of(tree).path(relative) : absolute).lexically_normal().string();
}

std::error_code RealTreeWriter::write(Tree tree, const std::string& relative,
                                      const std::string& data) {
    return roots_.of(tree).write(relative, data);
}

std::error_code RealTreeWriter::mkdir(Tree tree, const std::string& relative) {
    return roots_.of(tree).mkdir(relative);
}

std::error_code RealTreeWriter::rmdir(Tree tree, const std::string& relative) {
    return roots_.of(tree).rmdir(relative);
}

std::error_code RealTreeWriter::symlink(Tree tree, const std::string& target,
                                        const std::string& relative) {
    return roots_.of(tree).symlink(roots_.display(tree, target), relative);
}

std::error_code RealTreeWriter::unlink(Tree tree, const std::string& relative) {
    return roots_.of(tree).unlink(relative);
}

std::error_code RealTreeWriter::create_file(Tree tree, const std::string& relative,
                                            std::uint64_t size) {
    const auto path = roots_.of(tree).path(relative);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return {errno, std::generic_category()};
    }
    std::error_code result;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        result = {errno, std::generic_category()};
        ::unlink(path.c_str());
    }
    ::close(fd);
    return result;
}

Result<std::string> RealTreeWriter::read(Tree tree, const std::string& relative) {
    return roots_.of(tree).read(relative);
}

}  // namespace srpadm::host
