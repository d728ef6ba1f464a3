// The stand-in for SCST's and LIO's ib_srpt (see target_kernel.hpp). Sources cited:
// SCST scst/src/scst_sysfs.c, scst_lib.c, scst_main.c, scst_targ.c,
// scst/src/dev_handlers/scst_vdisk.c, srpt/src/ib_srpt.c; Linux drivers/target/target_core_*.c,
// drivers/infiniband/ulp/srpt/ib_srpt.c, fs/configfs/{dir,symlink}.c, lib/kstrtox.c,
// lib/parser.c, lib/vsprintf.c.
#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/sim/target_kernel.hpp>
#include <srpadm/text.hpp>

#include "sysfs_files.hpp"

namespace srpadm::sim {
namespace {

namespace fs = std::filesystem;
using host::Tree;
using Comps = std::vector<std::string>;

std::error_code errno_code(int e) {
    return {e, std::generic_category()};
}

// ---- The kernel's string conversions ----------------------------------------------------------

// isspace() of the kernel's ctype (lib/ctype.c).
bool kspace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lower(c); });
    return out;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (lower(c) >= 'a' && lower(c) <= 'f') {
        return lower(c) - 'a' + 10;
    }
    return 99;
}

// A number as the kernel's conversions read it: errno 0 and the value, or the errno.
struct Number {
    int error = 0;
    std::uint64_t value = 0;
};

// _parse_integer_fixup_radix() and _parse_integer() (lib/kstrtox.c): base 0 means 0x hex, 0
// octal or decimal. Returns the characters used, prefix included; 0 when no digit was read.
std::size_t scan_integer(std::string_view s, unsigned base, std::uint64_t& value, bool& overflow) {
    std::size_t pos = 0;
    if (base == 0) {
        if (!s.empty() && s[0] == '0') {
            base = s.size() > 2 && lower(s[1]) == 'x' && digit_value(s[2]) < 16 ? 16 : 8;
        } else {
            base = 10;
        }
    }
    if (base == 16 && s.size() >= 2 && s[0] == '0' && lower(s[1]) == 'x') {
        pos = 2;
    }
    const std::size_t start = pos;
    value = 0;
    overflow = false;
    while (pos < s.size()) {
        const int d = digit_value(s[pos]);
        if (d >= static_cast<int>(base)) {
            break;
        }
        if (value > (UINT64_MAX - static_cast<unsigned>(d)) / base) {
            overflow = true;
        }
        value = value * base + static_cast<unsigned>(d);
        ++pos;
    }
    return pos == start ? 0 : pos;
}

// kstrtoull() (lib/kstrtox.c): an optional '+', the number, at most one newline; EINVAL for
// anything else, ERANGE when it does not fit.
Number kstrtoull(std::string_view s, unsigned base = 0) {
    if (!s.empty() && s[0] == '+') {
        s.remove_prefix(1);
    }
    Number n;
    bool overflow = false;
    const std::size_t used = scan_integer(s, base, n.value, overflow);
    if (overflow) {
        return {ERANGE, 0};
    }
    if (used == 0) {
        return {EINVAL, 0};
    }
    s.remove_prefix(used);
    if (!s.empty() && s[0] == '\n') {
        s.remove_prefix(1);
    }
    if (!s.empty()) {
        return {EINVAL, 0};
    }
    return n;
}

// kstrtoll() (lib/kstrtox.c); the value as two's complement.
Number kstrtoll(std::string_view s, unsigned base = 0) {
    constexpr std::uint64_t kMax = INT64_MAX;
    if (!s.empty() && s[0] == '-') {
        Number n = kstrtoull(s.substr(1), base);
        if (n.error == 0 && n.value > kMax + 1) {
            return {ERANGE, 0};
        }
        n.value = ~n.value + 1;
        return n;
    }
    Number n = kstrtoull(s, base);
    if (n.error == 0 && n.value > kMax) {
        return {ERANGE, 0};
    }
    return n;
}

// kstrtou16(), kstrtou32(): kstrtoull() and ERANGE past the type.
Number kstrtou(std::string_view s, std::uint64_t max) {
    Number n = kstrtoull(s);
    if (n.error == 0 && n.value > max) {
        return {ERANGE, 0};
    }
    return n;
}

// kstrtoint(): kstrtoll() and ERANGE past int.
Number kstrtoint(std::string_view s) {
    Number n = kstrtoll(s);
    const auto v = static_cast<std::int64_t>(n.value);
    if (n.error == 0 && (v > INT32_MAX || v < INT32_MIN)) {
        return {ERANGE, 0};
    }
    return n;
}

// kstrtobool() (lib/kstrtox.c): the first character (two for "on"/"off").
std::optional<bool> kstrtobool(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    switch (s[0]) {
        case 'e':
        case 'E':
        case 'y':
        case 'Y':
        case 't':
        case 'T':
        case '1':
            return true;
        case 'd':
        case 'D':
        case 'n':
        case 'N':
        case 'f':
        case 'F':
        case '0':
            return false;
        case 'o':
        case 'O':
            if (s.size() > 1 && lower(s[1]) == 'n') {
                return true;
            }
            if (s.size() > 1 && lower(s[1]) == 'f') {
                return false;
            }
            break;
        default:
            break;
    }
    return std::nullopt;
}

// match_token() with one pattern "name=%s" or "name=%d" (lib/parser.c match_one()): %s takes a
// non-empty rest, %d a number as simple_strtol() reads it (an optional '-', base 0) and nothing
// after it. The argument, or nullopt when the option does not match.
std::optional<std::string_view> match_option(std::string_view option, std::string_view name,
                                             char kind) {
    if (option.size() <= name.size() + 1 || option.substr(0, name.size()) != name ||
        option[name.size()] != '=') {
        return std::nullopt;
    }
    const std::string_view arg = option.substr(name.size() + 1);
    if (kind == 's') {
        return arg;
    }
    std::string_view digits = arg;
    if (!digits.empty() && digits[0] == '-') {
        digits.remove_prefix(1);
    }
    std::uint64_t value = 0;
    bool overflow = false;
    const std::size_t used = scan_integer(digits, 0, value, overflow);
    if (used == 0 || used != digits.size()) {
        return std::nullopt;
    }
    return arg;
}

// The options of a configfs control write: strsep(&opts, ",\n"), empty ones skipped (the
// *_set_configfs_dev_params() of target_core_rd.c, target_core_file.c, target_core_iblock.c).
std::vector<std::string_view> control_options(std::string_view data) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= data.size(); ++i) {
        if (i == data.size() || data[i] == ',' || data[i] == '\n') {
            if (i > start) {
                out.push_back(data.substr(start, i - start));
            }
            start = i + 1;
        }
    }
    return out;
}

// SCST's command parsing (scst/src/scst_lib.c): scst_get_next_lexem() skips blanks and '=' and
// returns up to the next blank or '='; scst_get_next_token_str() returns up to the next ';' or
// newline, nothing when that is empty.
class ScstLine {
  public:
    explicit ScstLine(std::string_view text) : text_(text) {}

    std::string_view lexem() {
        std::size_t p = pos_;
        while (p < text_.size() && (kspace(text_[p]) || text_[p] == '=')) {
            ++p;
        }
        std::size_t q = p;
        while (q < text_.size() && !kspace(text_[q]) && text_[q] != '=') {
            ++q;
        }
        pos_ = q < text_.size() ? q + 1 : q;
        return text_.substr(p, q - p);
    }

    std::optional<std::string_view> token() {
        std::size_t i = pos_;
        while (i < text_.size() && text_[i] != '\n' && text_[i] != ';') {
            ++i;
        }
        if (i == pos_) {
            return std::nullopt;
        }
        const std::string_view out = text_.substr(pos_, i - pos_);
        pos_ = i < text_.size() ? i + 1 : i;
        return out;
    }

    std::string_view rest() const { return text_.substr(pos_); }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// wildcmp() (scst/src/scst_targ.c): a DOS pattern, '*' any run, '?' any one character, case
// ignored; a '!' met at the outer level inverts the match of the rest.
bool wildcmp_from(std::string_view wild, std::string_view str, int level) {
    std::size_t w = 0;
    std::size_t s = 0;
    while (s < str.size() && (w >= wild.size() || wild[w] != '*')) {
        if (w < wild.size() && wild[w] == '!' && level == 0) {
            return !wildcmp_from(wild.substr(w + 1), str.substr(s), level + 1);
        }
        if (w >= wild.size() || (lower(wild[w]) != lower(str[s]) && wild[w] != '?')) {
            return false;
        }
        ++w;
        ++s;
    }
    std::size_t mark_w = std::string_view::npos;
    std::size_t mark_s = 0;
    while (s < str.size()) {
        if (w < wild.size() && wild[w] == '!' && level == 0) {
            return !wildcmp_from(wild.substr(w + 1), str.substr(s), level + 1);
        }
        if (w < wild.size() && wild[w] == '*') {
            ++w;
            if (w == wild.size()) {
                return true;
            }
            mark_w = w;
            mark_s = s + 1;
        } else if (w < wild.size() && (lower(wild[w]) == lower(str[s]) || wild[w] == '?')) {
            ++w;
            ++s;
        } else {
            if (mark_w == std::string_view::npos) {
                return false;
            }
            w = mark_w;
            s = mark_s++;
        }
    }
    while (w < wild.size() && wild[w] == '*') {
        ++w;
    }
    return w == wild.size();
}

bool wildcmp(std::string_view wild, std::string_view str) {
    return wildcmp_from(wild, str, 0);
}

// ---- Files of the fixture trees ---------------------------------------------------------------

constexpr fs::perms kReadOnly =
    fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;  // 0444
constexpr fs::perms kReadWrite = kReadOnly | fs::perms::owner_write;         // 0644
constexpr fs::perms kWriteOnly = fs::perms::owner_write;                     // 0200

// Creates or replaces `file` (and its directories) with `text` and `mode`; written to a
// temporary file and renamed, so that a read-only attribute can be replaced too.
std::error_code put(const fs::path& file, std::string_view text, fs::perms mode = kReadOnly) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) {
        return ec;
    }
    const fs::path tmp = file.parent_path() / ("." + file.filename().string() + ".new");
    {
        std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
        out << text;
        out.close();
        if (!out) {
            return errno_code(EIO);
        }
    }
    fs::permissions(tmp, mode, ec);
    if (!ec) {
        fs::rename(tmp, file, ec);
    }
    return ec;
}

std::error_code make_dirs(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    return ec;
}

// A symbolic link whose body is `body` as stored.
std::error_code make_link(const fs::path& link, const fs::path& body) {
    std::error_code ec;
    fs::create_symlink(body, link, ec);
    return ec;
}

// sysfs_create_link(): the body is the path from the link's directory to the target
// (kernfs_get_target_path()).
std::error_code make_relative_link(const fs::path& link, const fs::path& target) {
    return make_link(link, target.lexically_relative(link.parent_path()));
}

void remove_tree(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
}

std::optional<std::string> slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text;
}

std::string first_line(const fs::path& file) {
    const auto text = slurp(file);
    if (!text) {
        return {};
    }
    return text->substr(0, text->find('\n'));
}

bool present(const fs::path& path) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

bool is_dir(const fs::path& path) {
    std::error_code ec;
    return fs::is_directory(fs::symlink_status(path, ec));
}

bool is_link(const fs::path& path) {
    std::error_code ec;
    return fs::is_symlink(fs::symlink_status(path, ec));
}

bool writable(const fs::path& path) {
    std::error_code ec;
    const fs::perms p = fs::status(path, ec).permissions();
    return (p & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) !=
           fs::perms::none;
}

// Where a link points, as an absolute, normalized path.
fs::path link_target(const fs::path& link) {
    std::error_code ec;
    const fs::path body = fs::read_symlink(link, ec);
    if (ec) {
        return {};
    }
    return (body.is_absolute() ? body : link.parent_path() / body).lexically_normal();
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        out.push_back(it->path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The components of a path relative to a root; nullopt for an absolute one or one that leaves
// the root.
std::optional<Comps> components(std::string_view relative) {
    const fs::path p = fs::path(relative).lexically_normal();
    if (p.is_absolute()) {
        return std::nullopt;
    }
    Comps out;
    for (const auto& part : p) {
        const std::string s = part.string();
        if (s == "..") {
            return std::nullopt;
        }
        if (!s.empty() && s != ".") {
            out.push_back(s);
        }
    }
    return out;
}

// "dir/name".
std::string child(std::string_view dir, std::string_view name) {
    return fmt::format("{}/{}", dir, name);
}

std::string join(const Comps& c, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count && i < c.size(); ++i) {
        out += (i == 0 ? "" : "/") + c[i];
    }
    return out;
}

std::string join(const Comps& c) {
    return join(c, c.size());
}

// scst_file_or_bdev_size() (scst/src/scst_lib.c): a regular file's size, a block device's,
// EINVAL for anything else, the errno of the lookup.
Number file_or_bdev_size(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return {errno, 0};
    }
    if (S_ISREG(st.st_mode)) {
        return {0, static_cast<std::uint64_t>(st.st_size)};
    }
    if (!S_ISBLK(st.st_mode)) {
        return {EINVAL, 0};
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {errno, 0};
    }
    const off_t end = ::lseek(fd, 0, SEEK_END);
    ::close(fd);
    return {0, end < 0 ? 0 : static_cast<std::uint64_t>(end)};
}

// The decimal number right after the first `key` in `text`; 0 when there is none.
std::uint64_t number_after(std::string_view text, std::string_view key) {
    const std::size_t at = text.find(key);
    if (at == std::string_view::npos) {
        return 0;
    }
    const std::size_t start = at + key.size();
    std::size_t end = start;
    while (end < text.size() && text::is_digit(text[end])) {
        ++end;
    }
    return text::parse_number<std::uint64_t>(text.substr(start, end - start)).value_or(0);
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// ---- The kept file ----------------------------------------------------------------------------

// <sysfs root>/.standin-state (target_kernel.hpp): one fact a line, its fields separated by one
// blank; a byte that would end a field or a line, and '%', is written as %XX.
constexpr std::string_view kKeptFile = ".standin-state";
constexpr std::string_view kKeptHeader =
    "# sim::TargetKernelStandIn: what the target kernel keeps and its trees do not show\n";

std::string kept_line(const std::vector<std::string>& fields) {
    std::string out;
    for (const std::string& f : fields) {
        if (!out.empty()) {
            out += ' ';
        }
        for (const char c : f) {
            const auto u = static_cast<unsigned char>(c);
            if (u <= ' ' || u == 0x7f || c == '%') {
                out += fmt::format("%{:02X}", u);
            } else {
                out += c;
            }
        }
    }
    return out + "\n";
}

// The fields of a line of the kept file; nullopt for a bad escape.
std::optional<std::vector<std::string>> kept_fields(std::string_view line) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == ' ') {
            out.emplace_back();
        } else if (line[i] != '%') {
            out.back() += line[i];
        } else {
            const auto byte = i + 2 < line.size()
                                  ? text::parse_number<unsigned>(line.substr(i + 1, 2), 16)
                                  : std::nullopt;
            if (!byte) {
                return std::nullopt;
            }
            out.back() += static_cast<char>(*byte);
            i += 2;
        }
    }
    return out;
}

// ---- RDMA ports -------------------------------------------------------------------------------

struct PortInfo {
    std::string device;
    unsigned port = 0;
    Gid gid;
    std::string link_layer;
};

// The ports of class/infiniband with a readable GID 0.
std::vector<PortInfo> read_ports(const host::Sysfs& sysfs) {
    std::vector<PortInfo> out;
    const auto devices = sysfs.list("class/infiniband");
    if (!devices) {
        return out;
    }
    for (const std::string& dev : *devices) {
        const auto ports = sysfs.list(fmt::format("class/infiniband/{}/ports", dev));
        if (!ports) {
            continue;
        }
        for (const std::string& port : *ports) {
            const std::string dir = fmt::format("class/infiniband/{}/ports/{}", dev, port);
            const auto gid_text = sysfs.read(dir + "/gids/0");
            const auto number = text::parse_number<unsigned>(port);
            if (!gid_text || !number) {
                continue;
            }
            const auto gid = Gid::parse(*gid_text);
            if (!gid) {
                continue;
            }
            out.push_back({dev, *number, *gid, sysfs.read(dir + "/link_layer").value_or("")});
        }
    }
    return out;
}

// ---- Constants --------------------------------------------------------------------------------

constexpr std::string_view kScst = "kernel/scst_tgt";
constexpr std::string_view kScstTargets = "kernel/scst_tgt/targets/ib_srpt";
constexpr std::string_view kKeyMark = "[key]";  // SCST_SYSFS_KEY_MARK (scst/include/scst_const.h)
// SCST_MAX_LUN (scst/include/scst_const.h).
constexpr std::uint64_t kScstMaxLun = (1U << (16 - 2)) - 1;
// SCST_MIN_REL_TGT_ID, SCST_MAX_REL_TGT_ID.
constexpr unsigned kMinRelTgtId = 1;
constexpr unsigned kMaxRelTgtId = 65535;
// VDISK_NULLIO_SIZE (scst_vdisk.c).
constexpr std::uint64_t kNullioSize = 5ULL * 1024 * 1024 * 1024 * 1024 / 2;
// The name of struct scst_vdisk_dev holds 64 characters.
constexpr std::size_t kVdiskNameMax = 64;
// DEFAULT_SRPT_ID_STRING (srpt/src/ib_srpt.c).
constexpr std::string_view kScstPortId = "SCST SRP target";
// SCSI type 0 as scst_dev_sysfs_type_show() names it.
constexpr std::string_view kDiskType = "0 - Direct-access device (e.g., magnetic disk)";

const std::vector<std::string_view> kVdiskHandlers = {"vdisk_blockio", "vdisk_fileio",
                                                      "vdisk_nullio"};

// The add_device parameters each handler lists (fileio_add_dev_params and so on in
// scst_vdisk.c). vdisk_fileio passes none to vdev_parse_add_dev_params(), so it takes any
// parameter that function knows.
const std::vector<std::string_view> kFileioParams = {
    "active",           "async",        "bind_alua_state", "blocksize",
    "cluster_mode",     "dif_filename", "dif_mode",        "dif_static_app_tag",
    "dif_type",         "filename",     "numa_node_id",    "nv_cache",
    "o_direct",         "read_only",    "removable",       "rotational",
    "thin_provisioned", "tst",          "t10_dev_id",      "write_through"};
const std::vector<std::string_view> kBlockioParams = {
    "active",   "bind_alua_state",    "blocksize",    "cluster_mode", "dif_filename",
    "dif_mode", "dif_static_app_tag", "dif_type",     "filename",     "numa_node_id",
    "nv_cache", "read_only",          "removable",    "rotational",   "thin_provisioned",
    "tst",      "t10_dev_id",         "write_through"};
const std::vector<std::string_view> kNullioParams = {
    "blocksize", "cluster_mode", "dif_mode",  "dif_static_app_tag", "dif_type",
    "dummy",     "numa_node_id", "read_only", "removable",          "rotational",
    "size",      "size_mb",      "tst",       "t10_dev_id"};

// LIO: TARGET_CORE_VERSION (include/target/target_core_base.h), TARGET_CORE_NAME_MAX_LEN,
// TRANSPORT_IQN_LEN, SE_UDEV_PATH_LEN, INQUIRY_VPD_SERIAL_LEN.
constexpr std::string_view kTargetCoreVersion = "v5.0";
constexpr std::size_t kTargetCoreNameMax = 64;
constexpr std::size_t kTransportIqnLen = 224;
constexpr std::size_t kUdevPathLen = 512;
constexpr std::size_t kVpdSerialLen = 254;
// ib_srpt.h: DEFAULT_MAX_RDMA_SIZE, MAX_SRPT_RDMA_SIZE, DEFAULT_MAX_RSP_SIZE, MIN_MAX_RSP_SIZE
// (sizeof(struct srp_rsp) + 4), MAX_SRPT_RSP_SIZE, DEF_SRPT_SQ_SIZE, MIN_SRPT_SRQ_SIZE,
// MAX_SRPT_SRQ_SIZE.
constexpr std::uint64_t kDefaultMaxRdmaSize = 65536;
constexpr std::uint64_t kMaxRdmaSize = 1U << 24;
constexpr std::uint64_t kDefaultMaxRspSize = 256;
constexpr std::uint64_t kMinMaxRspSize = 36 + 4;
constexpr std::uint64_t kMaxRspSize = 1024;
constexpr std::uint64_t kDefSqSize = 4096;
constexpr std::uint64_t kMinSrqSize = 4;
constexpr std::uint64_t kMaxSrqSize = 65535;
// target_core_rd.h RD_BLOCKSIZE, RD_MAX_ALLOCATION_SIZE; target_core_file.h FD_BLOCKSIZE,
// FD_MAX_BYTES. rd_build_device_space() puts RD_MAX_ALLOCATION_SIZE / sizeof(struct
// scatterlist) pages in a table (32 bytes a scatterlist on x86_64).
constexpr std::uint32_t kRdBlockSize = 512;
constexpr std::uint32_t kRdPagesPerTable = 65536 / 32;
constexpr std::uint32_t kFdBlockSize = 512;
constexpr std::uint32_t kFdMaxBytes = 8388608;
constexpr std::uint32_t kPageSize = 4096;
// What the stand-in's iblock takes for queue_max_hw_sectors(): it has no request queue.
constexpr std::uint32_t kIblockMaxHwSectors = 2048;

// se_dev_align_max_sectors() (target_core_device.c): rounded down to whole pages.
std::uint32_t align_max_sectors(std::uint32_t max_sectors, std::uint32_t block_size) {
    const std::uint32_t alignment = std::max<std::uint32_t>(1, kPageSize / block_size);
    return max_sectors / alignment * alignment;
}

// The kinds of configfs directories the stand-in knows (target_core_configfs.c,
// target_core_fabric_configfs.c): user-made groups, and the default groups the kernel makes
// with them (rmdir gives EPERM, configfs_rmdir() CONFIGFS_USET_DEFAULT).
enum class Node : std::uint8_t {
    unknown,
    subsystem,     // target
    core,          // target/core
    core_alua,     // target/core/alua and below
    hba,           // target/core/<hba>
    device,        // target/core/<hba>/<so>
    device_group,  // action, attrib, pr, wwn
    device_alua,   // alua (tg_pt_gps)
    device_tg_pt,  // alua/default_tg_pt_gp
    device_stats,  // statistics and below
    fabric,        // target/srpt
    discovery,     // target/srpt/discovery_auth
    wwn,           // target/srpt/<port>
    wwn_group,     // fabric_statistics, param
    tpg,           // .../<tpg>
    tpg_group,     // attrib, auth, param
    tpg_np,        // np
    tpg_luns,      // lun
    lun,           // lun/lun_<N>
    lun_stats,     // lun/lun_<N>/statistics and below
    tpg_acls,      // acls
    acl,           // acls/<initiator>
    acl_group,     // attrib, auth, param, fabric_statistics
    mapped_lun,    // acls/<initiator>/lun_<M>
    mapped_stats,  // acls/<initiator>/lun_<M>/statistics and below
};

bool user_made(Node n) {
    switch (n) {
        case Node::hba:
        case Node::device:
        case Node::fabric:
        case Node::wwn:
        case Node::tpg:
        case Node::lun:
        case Node::acl:
        case Node::mapped_lun:
            return true;
        default:
            return false;
    }
}

bool in(std::string_view s, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

Node classify(const Comps& c) {
    const std::size_t n = c.size();
    if (n == 0 || c[0] != "target") {
        return Node::unknown;
    }
    if (n == 1) {
        return Node::subsystem;
    }
    if (c[1] == "core") {
        if (n == 2) {
            return Node::core;
        }
        if (c[2] == "alua") {
            return Node::core_alua;
        }
        if (n == 3) {
            return Node::hba;
        }
        if (n == 4) {
            return Node::device;
        }
        if (in(c[4], {"action", "attrib", "pr", "wwn"})) {
            return n == 5 ? Node::device_group : Node::unknown;
        }
        if (c[4] == "alua") {
            return n == 5 ? Node::device_alua
                          : (n == 6 && c[5] == "default_tg_pt_gp" ? Node::device_tg_pt
                                                                  : Node::unknown);
        }
        return c[4] == "statistics" ? Node::device_stats : Node::unknown;
    }
    if (c[1] != "srpt") {
        return Node::unknown;
    }
    if (n == 2) {
        return Node::fabric;
    }
    if (c[2] == "discovery_auth") {
        return n == 3 ? Node::discovery : Node::unknown;
    }
    if (n == 3) {
        return Node::wwn;
    }
    if (in(c[3], {"fabric_statistics", "param"})) {
        return n == 4 ? Node::wwn_group : Node::unknown;
    }
    if (n == 4) {
        return Node::tpg;
    }
    if (in(c[4], {"attrib", "auth", "param"})) {
        return n == 5 ? Node::tpg_group : Node::unknown;
    }
    if (c[4] == "np") {
        return n == 5 ? Node::tpg_np : Node::unknown;
    }
    if (c[4] == "lun") {
        if (n == 5) {
            return Node::tpg_luns;
        }
        if (n == 6) {
            return Node::lun;
        }
        return c[6] == "statistics" ? Node::lun_stats : Node::unknown;
    }
    if (c[4] != "acls") {
        return Node::unknown;
    }
    if (n == 5) {
        return Node::tpg_acls;
    }
    if (n == 6) {
        return Node::acl;
    }
    if (in(c[6], {"attrib", "auth", "param", "fabric_statistics"})) {
        return n == 7 ? Node::acl_group : Node::unknown;
    }
    if (n == 7) {
        return Node::mapped_lun;
    }
    return c[7] == "statistics" ? Node::mapped_stats : Node::unknown;
}

// srpt_parse_guid() (ib_srpt.c): sscanf(name, "%hx:%hx:%hx:%hx") reads four numbers; each may
// follow blanks and start with 0x, ':' must be literal, anything may follow the fourth.
bool srpt_parse_guid(std::string_view name) {
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= name.size() || name[pos] != ':') {
                return false;
            }
            ++pos;
        }
        while (pos < name.size() && kspace(name[pos])) {
            ++pos;
        }
        if (pos >= name.size() || digit_value(name[pos]) >= 16) {
            return false;
        }
        std::uint64_t value = 0;
        bool overflow = false;
        pos += scan_integer(name.substr(pos), 16, value, overflow);
    }
    return true;
}

// srpt_parse_i_port_id() (ib_srpt.c): an optional 0x, an even number of characters of which the
// first 32 must be hex digits (hex2bin() of min(len / 2, 16) bytes).
bool srpt_parse_i_port_id(std::string_view name) {
    if (name.size() >= 2 && name[0] == '0' && lower(name[1]) == 'x') {
        name.remove_prefix(2);
    }
    if (name.size() % 2 != 0) {
        return false;
    }
    const std::size_t digits = std::min<std::size_t>(name.size(), 32);
    return std::all_of(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(digits),
                       [](char c) { return digit_value(c) < 16; });
}

// inet_pton_with_scope(AF_UNSPEC) (net/core/utils.c): an IPv4 or IPv6 address, the latter with
// an optional %scope.
bool parse_ip(const std::string& name) {
    std::array<unsigned char, 16> buf{};
    if (::inet_pton(AF_INET, name.c_str(), buf.data()) == 1) {
        return true;
    }
    const std::string address = name.substr(0, name.find('%'));
    return ::inet_pton(AF_INET6, address.c_str(), buf.data()) == 1;
}

}  // namespace

// ---- Names ------------------------------------------------------------------------------------

std::string scst_target_name(const Gid& gid) {
    return gid.colon_groups();
}

std::string lio_guid_name(const Gid& gid) {
    return guid_colon_form(gid.guid());
}

std::string lio_gid_name(const Gid& gid) {
    return "0x" + gid.hex();
}

Guid default_service_guid(target::Flavour flavour, Guid first_node_guid) {
    // IB_SERVICE_ID_AGN_MASK: the top byte of a service ID.
    constexpr Guid kAgnMask = 0xff00000000000000ULL;
    return flavour == target::Flavour::scst ? first_node_guid & ~kAgnMask : first_node_guid;
}

// ---- The fixture ------------------------------------------------------------------------------

namespace {

Result<void> check_ports(const TargetHostOptions& options) {
    std::map<std::string, Guid> node_of;
    std::set<std::pair<std::string, unsigned>> seen;
    for (const TargetRdmaPort& p : options.ports) {
        if (p.device.empty() || p.port == 0 || p.device.find('/') != std::string::npos) {
            return fail(Errc::invalid_input,
                        fmt::format("target port '{}:{}': a device name and a port number "
                                    "from 1 are needed",
                                    p.device, p.port));
        }
        if (!seen.emplace(p.device, p.port).second) {
            return fail(Errc::invalid_input,
                        fmt::format("target port {}:{} is given twice", p.device, p.port));
        }
        const auto [it, inserted] = node_of.emplace(p.device, p.node_guid);
        if (!inserted && it->second != p.node_guid) {
            return fail(Errc::invalid_input,
                        fmt::format("device {} is given two node GUIDs", p.device));
        }
    }
    return {};
}

// The text of a vdisk handler's mgmt file (scst_devt_mgmt_show(), scst_dev_params()).
std::string vdisk_mgmt_help(std::string_view handler) {
    const auto& params = handler == "vdisk_fileio"    ? kFileioParams
                         : handler == "vdisk_blockio" ? kBlockioParams
                                                      : kNullioParams;
    std::string list;
    for (const auto p : params) {
        list += (list.empty() ? "" : ", ") + std::string(p);
    }
    return fmt::format(
        "Usage: echo \"add_device device_name [parameters]\" >mgmt\n"
        "       echo \"del_device device_name\" >mgmt\n"
        "\n"
        "where parameters are one or more param_name=value pairs separated by ';'\n\n"
        "The following parameters available: {}\n\n",
        list);
}

// scst_luns_mgmt_show().
constexpr std::string_view kLunsMgmtHelp =
    "Usage: echo \"add H:C:I:L lun [parameters]\" >mgmt\n"
    "       echo \"add VNAME lun [parameters]\" >mgmt\n"
    "       echo \"del lun\" >mgmt\n"
    "       echo \"replace H:C:I:L lun [parameters]\" >mgmt\n"
    "       echo \"replace VNAME lun [parameters]\" >mgmt\n"
    "       echo \"replace_no_ua H:C:I:L lun [parameters]\" >mgmt\n"
    "       echo \"replace_no_ua VNAME lun [parameters]\" >mgmt\n"
    "       echo \"clear\" >mgmt\n"
    "\n"
    "where parameters are one or more param_name=value pairs separated by ';'\n"
    "\nThe following parameters available: read_only\n";
// scst_ini_group_mgmt_show().
constexpr std::string_view kGroupsMgmtHelp =
    "Usage: echo \"create GROUP_NAME\" >mgmt\n"
    "       echo \"del GROUP_NAME\" >mgmt\n";
// scst_acg_ini_mgmt_show().
constexpr std::string_view kInitiatorsMgmtHelp =
    "Usage: echo \"add INITIATOR_NAME\" >mgmt\n"
    "       echo \"del INITIATOR_NAME\" >mgmt\n"
    "       echo \"move INITIATOR_NAME DEST_GROUP_NAME\" >mgmt\n"
    "       echo \"clear\" >mgmt\n";

struct FileSpec {
    fs::path path;
    std::string text;
    fs::perms mode = kReadOnly;
};

Result<void> put_files(const std::vector<FileSpec>& files) {
    for (const FileSpec& f : files) {
        if (const auto ec = put(f.path, f.text, f.mode)) {
            return fail(Errc::io, fmt::format("{}: {}", f.path.string(), ec.message()));
        }
    }
    return {};
}

// An SCST target of ib_srpt: scst_tgt_sysfs_create() (scst_sysfs.c) and ib_srpt's target
// attributes (srpt_tgt_attrs in srpt/src/ib_srpt.c).
void scst_target_files(std::vector<FileSpec>& files, const fs::path& sys, const TargetRdmaPort& p,
                       Guid service_guid) {
    const fs::path dir = sys / kScstTargets / scst_target_name(p.gid);
    files.push_back({dir / "enabled", "0\n", kReadWrite});
    files.push_back({dir / "rel_tgt_id", "0\n", kReadWrite});
    files.push_back({dir / "luns/mgmt", std::string(kLunsMgmtHelp), kReadWrite});
    files.push_back({dir / "ini_groups/mgmt", std::string(kGroupsMgmtHelp), kReadWrite});
    files.push_back({dir / "device", p.device + "\n"});
    files.push_back(
        {dir / "link_layer", p.link_layer == LinkLayer::ethernet ? "Ethernet\n" : "InfiniBand\n"});
    files.push_back({dir / "port_id", std::string(kScstPortId) + "\n", kReadWrite});
    // show_login_info().
    files.push_back({dir / "login_info",
                     fmt::format("tid_ext={:016x},ioc_guid={:016x},pkey=ffff,dgid={},service_id="
                                 "{:016x}\n",
                                 service_guid, service_guid, p.gid.hex(), service_guid)});
}

}  // namespace

Result<void> lay_out_target_host(const fs::path& sysfs_root, const fs::path& configfs_root,
                                 const TargetHostOptions& options) {
    if (auto r = check_ports(options); !r) {
        return r;
    }
    if (auto r = files::make_empty_root(sysfs_root, "target"); !r) {
        return r;
    }
    if (auto r = files::make_empty_root(configfs_root, "target"); !r) {
        return r;
    }
    const bool scst = options.flavour == target::Flavour::scst;
    const Guid service_guid = options.service_guid.value_or(default_service_guid(
        options.flavour, options.ports.empty() ? 0 : options.ports.front().node_guid));
    std::vector<FileSpec> files;
    // drivers/infiniband/core/sysfs.c: node_guid_show() "%04x:%04x:%04x:%04x", show_port_gid()
    // %pI6, link_layer_show(), state_show() "%d: %s", phys_state_show().
    for (const TargetRdmaPort& p : options.ports) {
        const fs::path dev = sysfs_root / "class/infiniband" / p.device;
        const fs::path port = dev / "ports" / std::to_string(p.port);
        files.push_back({dev / "node_guid", guid_colon_form(p.node_guid) + "\n"});
        files.push_back({dev / "node_type", "1: CA\n"});
        files.push_back({port / "gids/0", p.gid.colon_groups() + "\n"});
        files.push_back({port / "link_layer",
                         p.link_layer == LinkLayer::ethernet ? "Ethernet\n" : "InfiniBand\n"});
        files.push_back({port / "state", "4: ACTIVE\n"});
        files.push_back({port / "phys_state", "5: LinkUp\n"});
    }
    const fs::path params = sysfs_root / "module/ib_srpt/parameters";
    if (scst) {
        // srpt/src/ib_srpt.c: srpt_get_u64_x() "0x%016llx"; rdma_cm_port is a short
        // (param_get_short() "%hi\n"); the defaults of ib_srpt.h.
        files.push_back({params / "srpt_service_guid", fmt::format("0x{:016x}", service_guid)});
        files.push_back({params / "rdma_cm_port", fmt::format("{}\n", options.rdma_cm_port)});
        files.push_back({params / "srp_max_rdma_size", "65536\n", kReadWrite});
        files.push_back({params / "srp_max_rsp_size", "256\n", kReadWrite});
        files.push_back({params / "use_srq", "N\n", kReadWrite});
        files.push_back({params / "srpt_srq_size", "4095\n", kReadWrite});
        files.push_back({params / "srpt_sq_size", "256\n"});
        // scst_version_show(), scst_last_sysfs_mgmt_res_show().
        const fs::path scst_dir = sysfs_root / kScst;
        files.push_back({scst_dir / "version",
                         "SCST version: 3.11.0-pre\nSCST build date: stand-in\n"
                         "SCST build number: 0\nSCST git commit sha1: stand-in\n"
                         "SCST kver: stand-in\nSCST arch type: x86_64\n"});
        files.push_back({scst_dir / "last_sysfs_mgmt_res", "0\n"});
        for (const auto h : kVdiskHandlers) {
            const fs::path dir = scst_dir / "handlers" / h;
            files.push_back({dir / "mgmt", vdisk_mgmt_help(h), kReadWrite});
            files.push_back({dir / "type", std::string(kDiskType) + "\n"});
        }
        for (const TargetRdmaPort& p : options.ports) {
            scst_target_files(files, sysfs_root, p, service_guid);
        }
    } else {
        // The kernel's ib_srpt.c: srpt_get_u64_x() "0x%016llx\n".
        files.push_back({params / "srpt_service_guid", fmt::format("0x{:016x}\n", service_guid)});
        files.push_back({params / "srpt_srq_size", "4095\n"});
        // target_core_item_version_show(), target_core_item_dbroot_show(), the default ALUA LU
        // group target_core_init_configfs() makes.
        const fs::path target = configfs_root / "target";
        files.push_back(
            {target / "version", fmt::format("Target Engine Core ConfigFS Infrastructure {} on "
                                             "Linux/x86_64 on stand-in\n",
                                             kTargetCoreVersion)});
        files.push_back({target / "dbroot", "/etc/target\n", kReadWrite});
        const fs::path lu_gp = target / "core/alua/lu_gps/default_lu_gp";
        files.push_back({lu_gp / "lu_gp_id", "0\n", kReadWrite});
        files.push_back({lu_gp / "members", ""});
    }
    if (auto r = put_files(files); !r) {
        return r;
    }
    for (const fs::path& dir :
         scst ? std::vector<fs::path>{sysfs_root / kScst / "devices", sysfs_root / kScstTargets}
              : std::vector<fs::path>{}) {
        if (const auto ec = make_dirs(dir)) {
            return fail(Errc::io, fmt::format("{}: {}", dir.string(), ec.message()));
        }
    }
    if (scst) {
        for (const TargetRdmaPort& p : options.ports) {
            const fs::path dir = sysfs_root / kScstTargets / scst_target_name(p.gid) / "sessions";
            if (const auto ec = make_dirs(dir)) {
                return fail(Errc::io, fmt::format("{}: {}", dir.string(), ec.message()));
            }
        }
    }
    return {};
}

// ---- The stand-in -----------------------------------------------------------------------------

struct TargetKernelStandIn::State {
    explicit State(host::TreeRoots r) : roots(std::move(r)) {}

    host::TreeRoots roots;
    std::vector<TreeCall> calls;
    std::deque<std::pair<std::string, int>> failures;

    // SCST: what the tree does not show.
    struct ScstSession {
        std::string name;
        std::string group;  // "" for the target's own LUNs
    };
    struct ScstTarget {
        std::vector<std::string> groups;  // tgt_acg_list: in creation order
        std::map<std::string, std::vector<std::string>> initiators;  // acn_list: in order added
        std::vector<ScstSession> sessions;
    };
    std::map<std::string, ScstTarget> scst_targets;
    std::map<std::string, unsigned> next_export;  // dev_exported_lun_num per device
    unsigned next_rel_tgt_id = kMinRelTgtId;      // gen_relative_target_port_id()'s rti

    // LIO.
    struct LioHba {
        std::string plugin;
        unsigned id = 0;
        unsigned next_dev_id = 0;  // rd_host_dev_id_count, fd_host_dev_id_count
    };
    struct LioDevice {
        std::string plugin;
        std::string hba;
        // rd_mcp
        bool rd_has_pages = false;
        std::uint32_t rd_pages = 0;
        bool rd_nullio = false;
        bool rd_dummy = false;
        // fileio
        bool fd_has_path = false;
        std::string fd_name;
        bool fd_has_size = false;
        std::uint64_t fd_size = 0;
        bool fd_buffered = false;
        bool fd_async = false;
        // iblock
        bool ib_has_path = false;
        std::string ib_path;
        bool ib_readonly = false;
        std::string ib_name;
        unsigned ib_major = 0;
        unsigned ib_minor = 0;
        // target_core_device.c
        bool configured = false;
        unsigned dev_id = 0;
        std::uint32_t block_size = 0;
        std::uint32_t hw_max_sectors = 0;
        unsigned exports = 0;    // export_count
        bool read_only = false;  // DF_READ_ONLY
    };
    struct LioTpg {
        unsigned rtpi = 0;
        bool rtpi_manual = false;
    };
    struct SportAttrib {  // struct srpt_port_attrib, and whether the port is enabled
        std::uint64_t max_rdma_size = kDefaultMaxRdmaSize;
        std::uint64_t max_rsp_size = kDefaultMaxRspSize;
        std::uint64_t sq_size = kDefSqSize;
        bool use_srq = false;
        bool enabled = false;

        bool operator==(const SportAttrib&) const = default;
    };
    struct LioSession {
        std::string port;  // the port key of the ACL's port
    };
    std::map<std::string, LioHba> hbas;          // by directory name
    std::map<std::string, LioDevice> devices;    // by "hba/so"
    std::map<std::string, LioTpg> tpgs;          // by configfs path
    std::map<std::string, SportAttrib> sports;   // by "device/port"
    std::map<std::string, LioSession> sessions;  // by the ACL's configfs path
    std::set<unsigned> rtpis;                    // tpg_xa: the RTPIs of enabled TPGs
    unsigned next_hba_id = 1;                    // HBA 0 is the rd_mcp HBA of the virtual LUN 0
    std::uint16_t rdma_cm_port = 0;

    // The facts of the kept file (target_kernel.hpp). A fact the file does not list has its
    // initial value.
    struct Kept {
        unsigned scst_next_rel_tgt_id = kMinRelTgtId;
        std::map<std::string, unsigned> scst_next_export;             // by device
        std::map<std::string, std::vector<std::string>> scst_groups;  // by target
        unsigned lio_next_hba_id = 1;
        std::map<std::string, unsigned> lio_next_dev_id;  // by HBA
        std::set<std::string> lio_fd_size_given;          // "hba/so": fd_dev_size=0 given
        std::set<std::string> lio_read_only;              // "hba/so": DF_READ_ONLY
        std::set<std::string> lio_rtpi_manual;            // TPG paths
        std::map<std::string, SportAttrib> lio_ports;     // by "device/port"
        std::set<std::string> lio_sessions;               // ACL paths
        std::uint16_t lio_rdma_cm_port = 0;
    };
    std::optional<std::string> kept_on_disk;  // the kept file as last read or written

    fs::path sys(std::string_view relative) const { return roots.sysfs.path(relative); }
    fs::path cfs(std::string_view relative) const { return roots.configfs.path(relative); }
    bool scst() const { return is_dir(sys(kScst)); }

    // ---- fail_next ----

    std::error_code injected(std::string_view relative) {
        for (auto it = failures.begin(); it != failures.end(); ++it) {
            if (relative.find(it->first) != std::string_view::npos) {
                const int e = it->second;
                failures.erase(it);
                return errno_code(e);
            }
        }
        return {};
    }

    // ---- SCST ----

    // last_sysfs_mgmt_res shows the result of the last command its sysfs work ran
    // (scst_process_sysfs_works() keeps work->work_res).
    std::error_code mgmt_result(std::error_code ec) {
        put(sys(fmt::format("{}/last_sysfs_mgmt_res", kScst)),
            fmt::format("{}\n", ec ? -ec.value() : 0));
        return ec;
    }

    static bool is_mgmt_path(const Comps& c) {
        return c.size() >= 3 && c[0] == "kernel" && c[1] == "scst_tgt" &&
               (c.back() == "mgmt" || c.back() == "enabled");
    }

    static std::string target_dir(std::string_view t) {
        return fmt::format("{}/{}", kScstTargets, t);
    }
    static std::string luns_dir(std::string_view t, std::string_view group) {
        return group.empty() ? fmt::format("{}/luns", target_dir(t))
                             : fmt::format("{}/ini_groups/{}/luns", target_dir(t), group);
    }
    static std::string device_dir(std::string_view d) {
        return fmt::format("{}/devices/{}", kScst, d);
    }

    // The groups and initiators as the tree shows them, in the order they were made.
    ScstTarget& scst_target(const std::string& t) {
        ScstTarget& st = scst_targets[t];
        const std::string groups_dir = target_dir(t) + "/ini_groups";
        std::vector<std::string> on_disk;
        for (const std::string& g : entries(sys(groups_dir))) {
            if (is_dir(sys(child(groups_dir, g)))) {
                on_disk.push_back(g);
            }
        }
        std::erase_if(st.groups, [&](const std::string& g) {
            return std::find(on_disk.begin(), on_disk.end(), g) == on_disk.end();
        });
        for (const std::string& g : on_disk) {
            if (std::find(st.groups.begin(), st.groups.end(), g) == st.groups.end()) {
                st.groups.push_back(g);
            }
            auto& names = st.initiators[g];
            std::vector<std::string> files;
            for (const std::string& f : entries(sys(child(groups_dir, g) + "/initiators"))) {
                if (f != "mgmt") {
                    files.push_back(f);
                }
            }
            std::erase_if(names, [&](const std::string& n) {
                return std::find(files.begin(), files.end(), n) == files.end();
            });
            for (const std::string& f : files) {
                if (std::find(names.begin(), names.end(), f) == names.end()) {
                    names.push_back(f);
                }
            }
        }
        std::erase_if(st.initiators, [&](const auto& entry) {
            return std::find(on_disk.begin(), on_disk.end(), entry.first) == on_disk.end();
        });
        return st;
    }

    // scst_find_acg() (scst_targ.c): the first group one of whose names matches.
    std::string find_group(const std::string& t, const std::string& initiator) {
        ScstTarget& st = scst_target(t);
        for (const std::string& g : st.groups) {
            for (const std::string& pattern : st.initiators[g]) {
                if (wildcmp(pattern, initiator)) {
                    return g;
                }
            }
        }
        return {};
    }

    void write_session_link(const std::string& t, const ScstSession& s) {
        const fs::path link = sys(fmt::format("{}/sessions/{}/luns", target_dir(t), s.name));
        remove_tree(link);
        make_relative_link(link, sys(luns_dir(t, s.group)));
    }

    // scst_check_reassign_sessions(): a session whose group changed follows it.
    void reassign_sessions(const std::string& t) {
        ScstTarget& st = scst_target(t);
        for (ScstSession& s : st.sessions) {
            const std::string group = find_group(t, s.name);
            if (group != s.group) {
                s.group = group;
                write_session_link(t, s);
            }
        }
    }

    bool device_read_only(const std::string& dev) const {
        return first_line(sys(device_dir(dev) + "/read_only")) == "1";
    }

    // scst_acg_add_lun() and scst_acg_dev_sysfs_create() (scst_lib.c, scst_sysfs.c): luns/<N>
    // with its device link and read_only (scst_lun_rd_only_show()), and the device's
    // exported/export<K>, K counting up per device.
    std::error_code add_lun(const std::string& luns, const std::string& dev, std::uint64_t lun,
                            bool read_only) {
        const fs::path dir = sys(fmt::format("{}/{}", luns, lun));
        if (const auto ec = make_dirs(dir)) {
            return ec;
        }
        make_relative_link(dir / "device", sys(device_dir(dev)));
        const bool ro = read_only || device_read_only(dev);
        put(dir / "read_only", ro ? fmt::format("1\n{}\n", kKeyMark) : "0\n");
        const unsigned k = next_export[dev]++;
        make_relative_link(sys(fmt::format("{}/exported/export{}", device_dir(dev), k)), dir);
        return {};
    }

    // scst_acg_del_lun() and scst_acg_dev_sysfs_del().
    void remove_lun(const fs::path& dir) {
        const fs::path device = link_target(dir / "device");
        const fs::path exported = device / "exported";
        for (const std::string& e : entries(exported)) {
            if (link_target(exported / e) == dir.lexically_normal()) {
                remove_tree(exported / e);
            }
        }
        remove_tree(dir);
    }

    void remove_luns(const std::string& luns) {
        for (const std::string& e : entries(sys(luns))) {
            if (e != "mgmt") {
                remove_lun(sys(child(luns, e)));
            }
        }
    }

    std::error_code scst_write(const Comps& c, const std::string& data) {
        if (c.size() == 5 && c[2] == "handlers" && c[4] == "mgmt" &&
            std::find(kVdiskHandlers.begin(), kVdiskHandlers.end(), c[3]) != kVdiskHandlers.end()) {
            return mgmt_result(handler_mgmt(c[3], data));
        }
        if (c.size() >= 6 && c[2] == "targets" && c[3] == "ib_srpt") {
            const std::string& t = c[4];
            if (c.size() == 6 && c[5] == "enabled") {
                return target_enabled(t, data);
            }
            if (c.size() == 7 && c[5] == "luns" && c[6] == "mgmt") {
                return mgmt_result(luns_mgmt(t, {}, data));
            }
            if (c.size() == 7 && c[5] == "ini_groups" && c[6] == "mgmt") {
                return mgmt_result(groups_mgmt(t, data));
            }
            if (c.size() == 9 && c[5] == "ini_groups" && c[7] == "luns" && c[8] == "mgmt") {
                return mgmt_result(luns_mgmt(t, c[6], data));
            }
            if (c.size() == 9 && c[5] == "ini_groups" && c[7] == "initiators" && c[8] == "mgmt") {
                return mgmt_result(initiators_mgmt(t, c[6], data));
            }
        }
        return errno_code(EOPNOTSUPP);
    }

    // scst_process_devt_mgmt_store() (scst_sysfs.c).
    std::error_code handler_mgmt(const std::string& handler, const std::string& data) {
        ScstLine line(data);
        const std::string action = lower(line.lexem());
        if (action == "add_device") {
            const std::string name(line.lexem());
            if (name.empty()) {
                return errno_code(EINVAL);
            }
            return add_device(handler, name, line.rest());
        }
        if (action == "del_device") {
            const std::string name(line.lexem());
            if (name.empty() || !line.lexem().empty()) {
                return errno_code(EINVAL);
            }
            return del_device(name);
        }
        return errno_code(EINVAL);  // "Unknown action": vdisk has no mgmt_cmd
    }

    struct VdiskParams {
        std::optional<std::string> filename;
        std::uint64_t size = 0;
        unsigned block_shift = 9;
        bool read_only = false;
        bool write_through = false;
        bool nv_cache = false;
        bool o_direct = false;
        bool async = false;
    };

    // vdev_parse_add_dev_params() (scst_vdisk.c). The single-bit fields of struct
    // scst_vdisk_dev keep the value's lowest bit. DIF and "active" change what attaching does
    // and are not modelled: EOPNOTSUPP.
    static std::error_code parse_vdisk_params(const std::string& handler, std::string_view text,
                                              VdiskParams& p) {
        const std::vector<std::string_view>* allowed = handler == "vdisk_blockio"  ? &kBlockioParams
                                                       : handler == "vdisk_nullio" ? &kNullioParams
                                                                                   : nullptr;
        ScstLine all(text);
        while (const auto token = all.token()) {
            ScstLine t(*token);
            const std::string name = lower(t.lexem());
            if (name.empty()) {
                return errno_code(EINVAL);  // "Syntax error"
            }
            if (allowed != nullptr &&
                std::find(allowed->begin(), allowed->end(), name) == allowed->end()) {
                return errno_code(EINVAL);  // "Unknown parameter"
            }
            const std::string value(t.lexem());
            if (value.empty() || !t.lexem().empty()) {
                return errno_code(EINVAL);  // value missed, too many values
            }
            if (name == "filename") {
                if (p.filename || value[0] != '/') {
                    return errno_code(EINVAL);  // twice, or not global
                }
                p.filename = value;
                continue;
            }
            if (name == "t10_dev_id") {
                // vdev_set_t10_dev_id(): t10_dev_id holds 25 characters.
                if (value.size() > 25) {
                    return errno_code(EINVAL);
                }
                continue;
            }
            if (name.rfind("dif_", 0) == 0 || name == "active") {
                return errno_code(EOPNOTSUPP);
            }
            const Number sll = kstrtoll(value);
            if (sll.error != 0) {
                return errno_code(sll.error);
            }
            if (name == "numa_node_id") {
                if (static_cast<std::int64_t>(sll.value) < -1) {
                    return errno_code(EINVAL);
                }
                continue;
            }
            const Number n = kstrtoull(value);
            if (n.error != 0) {
                return errno_code(n.error);
            }
            const bool bit = (n.value & 1) != 0;
            if (name == "write_through") {
                p.write_through = bit;
            } else if (name == "nv_cache") {
                p.nv_cache = bit;
            } else if (name == "o_direct") {
                p.o_direct = bit;
            } else if (name == "read_only") {
                p.read_only = bit;
            } else if (name == "async") {
                p.async = n.value != 0;
            } else if (name == "dummy" || name == "tst") {
                if (n.value > 1) {
                    return errno_code(EINVAL);
                }
            } else if (name == "size") {
                p.size = n.value;
            } else if (name == "size_mb") {
                p.size = n.value * 1024 * 1024;
            } else if (name == "blocksize") {
                // scst_calc_block_shift(): ilog2, 0 taken as 512, below 512 refused.
                const std::uint64_t v = n.value == 0 ? 512 : n.value;
                unsigned shift = 0;
                while ((v >> (shift + 1)) != 0) {
                    ++shift;
                }
                if (shift < 9) {
                    return errno_code(EINVAL);
                }
                p.block_shift = shift;
            } else if (!in(name, {"removable", "bind_alua_state", "rotational", "thin_provisioned",
                                  "cluster_mode", "lb_per_pb_exp"})) {
                return errno_code(EINVAL);  // "Unknown parameter"
            }
        }
        if ((p.size & ((std::uint64_t{1} << p.block_shift) - 1)) != 0) {
            return errno_code(EINVAL);  // not a multiple of the block size
        }
        return {};
    }

    // vdisk_add_{fileio,blockio,nullio}_device() (scst_vdisk.c), then
    // scst_register_virtual_device_node() (scst_main.c) and vdisk_attach().
    std::error_code add_device(const std::string& handler, const std::string& name,
                               std::string_view params) {
        // vdev_create_node(): the name is taken, or longer than struct scst_vdisk_dev holds.
        if (present(sys(device_dir(name)))) {
            return errno_code(EEXIST);
        }
        if (name.size() > kVdiskNameMax) {
            return errno_code(EINVAL);
        }
        const bool nullio = handler == "vdisk_nullio";
        VdiskParams p;
        if (nullio) {
            p.size = kNullioSize;
        }
        if (const auto ec = parse_vdisk_params(handler, params, p)) {
            return ec;
        }
        if (handler == "vdisk_fileio" && p.read_only && (p.write_through || p.nv_cache)) {
            return errno_code(EINVAL);  // "Write options on read only device"
        }
        if (!nullio && !p.filename) {
            return errno_code(EINVAL);  // "File name required"
        }
        // scst_check_device_name(): no '/' and no '.'.
        if (name.find_first_of("/.") != std::string::npos) {
            return errno_code(EINVAL);
        }
        // vdisk_attach(): o_direct needs async; vdisk_reexamine() takes the file's size.
        if (!p.async && p.o_direct) {
            return errno_code(EINVAL);
        }
        if (!nullio) {
            const Number size = file_or_bdev_size(*p.filename);
            if (size.error != 0) {
                return errno_code(size.error);
            }
            p.size = size.value;
        }
        // scst_dev_sysfs_create(), scst_devt_dev_sysfs_create() and the handler's dev_attrs:
        // vdev_size_show() (no [key] for a nullio device of the default size, never for
        // size_mb), vdisk_sysfs_blocksize_show(), vdisk_sysfs_rd_only_show(),
        // vdev_sysfs_filename_show() ("%s\n" of "%s\n[key]\n").
        const fs::path dir = sys(device_dir(name));
        const fs::path handler_dir = sys(fmt::format("{}/handlers/{}", kScst, handler));
        const fs::perms size_mode = handler == "vdisk_fileio" ? kReadOnly : kReadWrite;
        const bool size_key = !(nullio && p.size == kNullioSize);
        const unsigned block = 1U << p.block_shift;
        std::vector<FileSpec> files = {
            {dir / "type", std::string(kDiskType) + "\n"},
            {dir / "size",
             fmt::format("{}\n{}", p.size, size_key ? fmt::format("{}\n", kKeyMark) : ""),
             size_mode},
            {dir / "size_mb", fmt::format("{}\n", p.size >> 20), size_mode},
            {dir / "blocksize",
             fmt::format("{}\n{}", block, block != 512 ? fmt::format("{}\n", kKeyMark) : "")},
            {dir / "read_only", fmt::format("{}\n{}", p.read_only ? 1 : 0,
                                            p.read_only ? fmt::format("{}\n", kKeyMark) : "")},
        };
        if (!nullio) {
            files.push_back(
                {dir / "filename", fmt::format("{}\n{}\n\n", *p.filename, kKeyMark), kReadWrite});
        }
        if (!put_files(files)) {
            return errno_code(EIO);
        }
        make_dirs(dir / "exported");
        make_relative_link(dir / "handler", handler_dir);
        make_relative_link(handler_dir / name, dir);
        next_export.erase(name);
        return {};
    }

    // vdisk_del_device() finds the device among all vdisk devices, whichever handler's mgmt
    // file takes the command (vdev_find()), EINVAL when there is none.
    // scst_unregister_virtual_device() (scst_main.c) then deletes every LUN that exports it
    // (scst_acg_del_lun() for each entry of dev_acg_dev_list): the device goes, its LUNs with it.
    std::error_code del_device(const std::string& name) {
        const fs::path dir = sys(device_dir(name));
        const std::string handler = link_target(dir / "handler").filename().string();
        if (!is_dir(dir) || std::find(kVdiskHandlers.begin(), kVdiskHandlers.end(), handler) ==
                                kVdiskHandlers.end()) {
            return errno_code(EINVAL);
        }
        for (const std::string& e : entries(dir / "exported")) {
            remove_lun(link_target(dir / "exported" / e));
        }
        remove_tree(sys(fmt::format("{}/handlers/{}/{}", kScst, handler, name)));
        remove_tree(dir);
        next_export.erase(name);
        return {};
    }

    // scst_parse_add_repl_param() (scst_sysfs.c): the LUN, then "read_only=<n>" parameters.
    static std::error_code parse_lun_params(ScstLine& line, std::uint64_t& lun, bool& read_only) {
        read_only = false;
        const Number n = kstrtoull(line.lexem());
        if (n.error != 0) {
            return errno_code(n.error);
        }
        if (n.value > kScstMaxLun) {
            return errno_code(EINVAL);
        }
        lun = n.value;
        while (const auto token = line.token()) {
            ScstLine t(*token);
            const std::string name = lower(t.lexem());
            if (name.empty()) {
                return errno_code(EINVAL);
            }
            const std::string value(t.lexem());
            if (value.empty() || !t.lexem().empty()) {
                return errno_code(EINVAL);
            }
            const Number v = kstrtoull(value);
            if (v.error != 0) {
                return errno_code(v.error);
            }
            if (name != "read_only") {
                return errno_code(EINVAL);
            }
            read_only = v.value != 0;
        }
        return {};
    }

    // __scst_process_luns_mgmt_store() (scst_sysfs.c): unknown action or device EINVAL, a LUN
    // that is taken EEXIST, one that is not there EINVAL (scst_acg_del_lun()).
    std::error_code luns_mgmt(const std::string& t, const std::string& group,
                              const std::string& data) {
        const std::string luns = luns_dir(t, group);
        ScstLine line(data);
        const std::string action = lower(line.lexem());
        const bool add = action == "add";
        const bool replace = action == "replace" || action == "replace_no_ua";
        if (!add && !replace && action != "del" && action != "clear") {
            return errno_code(EINVAL);
        }
        std::string dev;
        if (add || replace) {
            dev = std::string(line.lexem());
            if (dev.empty() || !is_dir(sys(device_dir(dev)))) {
                return errno_code(EINVAL);  // "Device '%s' not found"
            }
        }
        if (add || replace) {
            std::uint64_t lun = 0;
            bool read_only = false;
            if (const auto ec = parse_lun_params(line, lun, read_only)) {
                return ec;
            }
            const fs::path dir = sys(fmt::format("{}/{}", luns, lun));
            if (is_dir(dir)) {
                if (add) {
                    return errno_code(EEXIST);
                }
                remove_lun(dir);  // scst_acg_repl_lun()
            }
            return add_lun(luns, dev, lun, read_only);
        }
        if (action == "del") {
            const Number n = kstrtoull(line.lexem());
            if (n.error != 0) {
                return errno_code(n.error);
            }
            if (!line.lexem().empty()) {
                return errno_code(EINVAL);
            }
            const fs::path dir = sys(fmt::format("{}/{}", luns, n.value));
            if (!is_dir(dir)) {
                return errno_code(EINVAL);  // "Device is not found in group"
            }
            remove_lun(dir);
            return {};
        }
        if (!line.lexem().empty()) {
            return errno_code(EINVAL);  // "Too many parameters for clear"
        }
        remove_luns(luns);
        return {};
    }

    // scst_process_ini_group_mgmt_store() (scst_sysfs.c) and scst_acg_sysfs_create().
    std::error_code groups_mgmt(const std::string& t, const std::string& data) {
        ScstLine line(data);
        const std::string action = lower(line.lexem());
        if (action != "create" && action != "del") {
            return errno_code(EINVAL);
        }
        const std::string name(line.lexem());
        if (name.empty()) {
            return errno_code(EINVAL);  // "Group name required"
        }
        ScstTarget& st = scst_target(t);
        const bool exists = std::find(st.groups.begin(), st.groups.end(), name) != st.groups.end();
        const std::string dir = fmt::format("{}/ini_groups/{}", target_dir(t), name);
        if (action == "create") {
            if (exists) {
                return errno_code(EEXIST);
            }
            // A kobject name with '/' would come out with '!' in its place: not modelled.
            if (name.find('/') != std::string::npos) {
                return errno_code(EINVAL);
            }
            if (!put_files({{sys(dir + "/luns/mgmt"), std::string(kLunsMgmtHelp), kReadWrite},
                            {sys(dir + "/initiators/mgmt"), std::string(kInitiatorsMgmtHelp),
                             kReadWrite}})) {
                return errno_code(EIO);
            }
            st.groups.push_back(name);
            st.initiators[name] = {};
            return {};
        }
        if (!exists) {
            return errno_code(EINVAL);  // "Group %s not found"
        }
        // scst_del_free_acg(): EBUSY while sessions are in the group (forcibly_close_sessions
        // off, its default); its LUNs go with it.
        for (const ScstSession& s : st.sessions) {
            if (s.group == name) {
                return errno_code(EBUSY);
            }
        }
        remove_luns(dir + "/luns");
        remove_tree(sys(dir));
        std::erase(st.groups, name);
        st.initiators.erase(name);
        reassign_sessions(t);
        return {};
    }

    // scst_process_acg_ini_mgmt_store() (scst_sysfs.c), scst_acg_add_acn() (scst_lib.c) and
    // scst_acn_sysfs_create(): an initiator is a file named after it, reading its name.
    std::error_code initiators_mgmt(const std::string& t, const std::string& group,
                                    const std::string& data) {
        ScstLine line(data);
        const std::string action = lower(line.lexem());
        if (!in(action, {"add", "del", "clear", "move"})) {
            return errno_code(EINVAL);
        }
        ScstTarget& st = scst_target(t);
        auto& names = st.initiators[group];
        const auto dir = [&](const std::string& g) {
            return fmt::format("{}/ini_groups/{}/initiators", target_dir(t), g);
        };
        if (action == "clear") {
            for (const std::string& n : names) {
                remove_tree(sys(child(dir(group), n)));
            }
            names.clear();
            reassign_sessions(t);
            return {};
        }
        const std::string name(line.lexem());
        if (name.empty()) {
            return errno_code(EINVAL);  // "Invalid initiator name"
        }
        const bool here = std::find(names.begin(), names.end(), name) != names.end();
        if (action == "add") {
            if (here) {
                return errno_code(EEXIST);
            }
            // An attribute name with '/' is refused by kernfs; not modelled further.
            if (name.find('/') != std::string::npos) {
                return errno_code(EINVAL);
            }
            put(sys(child(dir(group), name)), name + "\n");
            names.push_back(name);
            reassign_sessions(t);
            return {};
        }
        if (action == "del") {
            if (!here) {
                return errno_code(EINVAL);  // "Unable to find initiator"
            }
            remove_tree(sys(child(dir(group), name)));
            std::erase(names, name);
            reassign_sessions(t);
            return {};
        }
        const std::string dest(line.lexem());
        if (dest.empty() || !here ||
            std::find(st.groups.begin(), st.groups.end(), dest) == st.groups.end()) {
            return errno_code(EINVAL);
        }
        auto& dest_names = st.initiators[dest];
        if (std::find(dest_names.begin(), dest_names.end(), name) != dest_names.end()) {
            return errno_code(EEXIST);
        }
        remove_tree(sys(child(dir(group), name)));
        std::erase(st.initiators[group], name);
        put(sys(child(dir(dest), name)), name + "\n");
        dest_names.push_back(name);
        reassign_sessions(t);
        return {};
    }

    unsigned rel_tgt_id(const std::string& t) const {
        return text::parse_number<unsigned>(first_line(sys(target_dir(t) + "/rel_tgt_id")))
            .value_or(0);
    }

    bool target_is_enabled(const std::string& t) const {
        return first_line(sys(target_dir(t) + "/enabled")) == "1";
    }

    // __scst_is_relative_target_port_id_unique(): no other enabled target has it.
    bool rel_tgt_id_unique(unsigned id, const std::string& self) const {
        for (const std::string& t : entries(sys(kScstTargets))) {
            if (t != self && target_is_enabled(t) && rel_tgt_id(t) == id) {
                return false;
            }
        }
        return true;
    }

    // scst_tgt_enable_store() and scst_process_tgt_enable_store() (scst_sysfs.c): '0' or '1'
    // first, else EINVAL before the work runs. Enabling takes a relative target port ID
    // (gen_relative_target_port_id(), scst_lib.c) or refuses one that another enabled target
    // has (EBADSLT); srpt_enable_target() (srpt/src/ib_srpt.c) closes every channel when it
    // disables.
    std::error_code target_enabled(const std::string& t, const std::string& data) {
        if (data.empty() || (data[0] != '0' && data[0] != '1')) {
            return errno_code(EINVAL);
        }
        const bool enable = data[0] == '1';
        if (enable) {
            unsigned id = rel_tgt_id(t);
            if (id == 0) {
                const unsigned first = next_rel_tgt_id;
                do {
                    const unsigned candidate = next_rel_tgt_id;
                    next_rel_tgt_id =
                        next_rel_tgt_id >= kMaxRelTgtId ? kMinRelTgtId : next_rel_tgt_id + 1;
                    if (rel_tgt_id_unique(candidate, {})) {
                        id = candidate;
                        break;
                    }
                } while (next_rel_tgt_id != first);
                if (id == 0) {
                    return mgmt_result(errno_code(EOVERFLOW));
                }
                put(sys(target_dir(t) + "/rel_tgt_id"), fmt::format("{}\n{}\n", id, kKeyMark),
                    kReadWrite);
            } else if (!rel_tgt_id_unique(id, t)) {
                return mgmt_result(errno_code(EBADSLT));
            }
        } else {
            ScstTarget& st = scst_target(t);
            for (const ScstSession& s : st.sessions) {
                remove_tree(sys(fmt::format("{}/sessions/{}", target_dir(t), s.name)));
            }
            st.sessions.clear();
        }
        put(sys(target_dir(t) + "/enabled"), enable ? "1\n" : "0\n", kReadWrite);
        return mgmt_result({});
    }

    // ---- LIO ----

    static std::string port_key(const PortInfo& p) {
        return fmt::format("{}/{}", p.device, p.port);
    }

    // srpt_lookup_port() (ib_srpt.c): the port whose GUID or GID form is `name`.
    std::optional<PortInfo> lio_port(std::string_view name) const {
        for (const PortInfo& p : read_ports(roots.sysfs)) {
            if (lio_guid_name(p.gid) == name || lio_gid_name(p.gid) == name) {
                return p;
            }
        }
        return std::nullopt;
    }

    // The TPG directories of every configfs port of one RDMA port.
    std::vector<std::string> tpgs_of_port(const std::string& key) const {
        std::vector<std::string> out;
        for (const std::string& w : entries(cfs("target/srpt"))) {
            const auto port = lio_port(w);
            if (!is_dir(cfs("target/srpt/" + w)) || !port || port_key(*port) != key) {
                continue;
            }
            for (const std::string& t : entries(cfs("target/srpt/" + w))) {
                if (classify({"target", "srpt", w, t}) == Node::tpg &&
                    is_dir(cfs(fmt::format("target/srpt/{}/{}", w, t)))) {
                    out.push_back(fmt::format("target/srpt/{}/{}", w, t));
                }
            }
        }
        return out;
    }

    void write_port_attrib(const std::string& tpg, const SportAttrib& a) {
        const fs::path dir = cfs(tpg + "/attrib");
        put(dir / "srp_max_rdma_size", fmt::format("{}\n", a.max_rdma_size), kReadWrite);
        put(dir / "srp_max_rsp_size", fmt::format("{}\n", a.max_rsp_size), kReadWrite);
        put(dir / "srp_sq_size", fmt::format("{}\n", a.sq_size), kReadWrite);
        put(dir / "use_srq", fmt::format("{}\n", a.use_srq ? 1 : 0), kReadWrite);
    }

    // The port of a configfs path below target/srpt/<wwn>.
    std::optional<PortInfo> port_of(const Comps& c) const {
        return c.size() >= 3 ? lio_port(c[2]) : std::nullopt;
    }

    // The info attribute of a storage object: target_dev_info_show() (target_core_configfs.c),
    // transport_dump_dev_state() (target_core_transport.c; queue_depth is only set by the
    // attrib/queue_depth store, so 0) and the backend's show_configfs_dev_params().
    void render_device(const std::string& path, const LioDevice& d) {
        std::string info = fmt::format(
            "Status: {}  Max Queue Depth: 0  SectorSize: {}  HwMaxSectors: {}\n        ",
            d.exports != 0 ? "ACTIVATED" : "DEACTIVATED", d.block_size, d.hw_max_sectors);
        if (d.plugin == "rd_mcp") {
            // rd_show_configfs_dev_params(); sg_table_count from rd_build_device_space().
            const std::uint32_t tables =
                d.configured && !d.rd_nullio ? d.rd_pages / kRdPagesPerTable + 1 : 0;
            info += fmt::format(
                "TCM RamDisk ID: {}  RamDisk Makeup: rd_mcp\n        PAGES/PAGE_SIZE: {}*{}  "
                "SG_table_count: {}  nullio: {} dummy: {}\n",
                d.dev_id, d.rd_pages, kPageSize, tables, d.rd_nullio ? 1 : 0, d.rd_dummy ? 1 : 0);
        } else if (d.plugin == "fileio") {
            // fd_show_configfs_dev_params().
            info += fmt::format("TCM FILEIO ID: {}        File: {}  Size: {}  Mode: {} Async: {}\n",
                                d.dev_id, d.fd_name, d.fd_size,
                                d.fd_buffered ? "Buffered-WCE" : "O_DSYNC", d.fd_async ? 1 : 0);
        } else {
            // iblock_show_configfs_dev_params().
            if (d.configured) {
                info += "iBlock device: " + d.ib_name;
            }
            if (d.ib_has_path) {
                info += "  UDEV PATH: " + d.ib_path;
            }
            info += fmt::format("  readonly: {}\n        ", d.ib_readonly ? 1 : 0);
            info += d.configured ? fmt::format("Major: {} Minor: {}  CLAIMED: IBLOCK\n", d.ib_major,
                                               d.ib_minor)
                                 : "Major: 0 Minor: 0\n";
        }
        const fs::path dir = cfs(path);
        put(dir / "info", info);
        put(dir / "enable", fmt::format("{}\n", d.configured ? 1 : 0), kReadWrite);
        // target_dev_alua_lu_gp_show(): the LU group member exists once configured
        // (core_setup_alua()), in default_lu_gp.
        put(dir / "alua_lu_gp",
            d.configured ? "LU Group Alias: default_lu_gp\nLU Group ID: 0\n" : "", kReadWrite);
    }

    LioDevice* device_at(const Comps& c) {
        if (classify(c) != Node::device) {
            return nullptr;
        }
        const auto it = devices.find(child(c[2], c[3]));
        return it == devices.end() ? nullptr : &it->second;
    }

    // The mapped-LUN files that show a session (target_core_stat.c
    // target_stat_iport_port_ident_show() and _indx_show(): -ENODEV without one, so the stand-in
    // has them only while there is a session; ib_srpt has no sess_get_initiator_sid, the index
    // is target_default_sess_get_index()'s 1).
    void write_session_files(const std::string& acl_path, const std::string& mapped, bool on) {
        const fs::path dir =
            cfs(fmt::format("{}/{}/statistics/scsi_att_intr_port", acl_path, mapped));
        if (on) {
            const std::string acl = fs::path(acl_path).filename().string();
            put(dir / "port_ident", acl + "+i+\n");
            put(dir / "indx", "1\n");
        } else {
            remove_tree(dir / "port_ident");
            remove_tree(dir / "indx");
        }
    }

    std::vector<std::string> mapped_luns(const std::string& acl_path) const {
        std::vector<std::string> out;
        for (const std::string& e : entries(cfs(acl_path))) {
            if (e.rfind("lun_", 0) == 0 && is_dir(cfs(child(acl_path, e)))) {
                out.push_back(e);
            }
        }
        return out;
    }

    void close_session(const std::string& acl_path) {
        if (sessions.erase(acl_path) == 0) {
            return;
        }
        for (const std::string& m : mapped_luns(acl_path)) {
            write_session_files(acl_path, m, false);
        }
    }

    // srpt_set_enabled(sport, false) closes every channel of the port.
    void close_port_sessions(const std::string& key) {
        std::vector<std::string> closing;
        for (const auto& [acl, s] : sessions) {
            if (s.port == key) {
                closing.push_back(acl);
            }
        }
        for (const std::string& acl : closing) {
            close_session(acl);
        }
    }

    // configfs_mkdir() (fs/configfs/dir.c) dispatching to the make_group of the parent.
    std::error_code lio_mkdir(const Comps& c) {
        const Comps parent(c.begin(), c.end() - 1);
        const std::string& name = c.back();
        switch (classify(parent)) {
            case Node::subsystem:
                return make_fabric(name);
            case Node::core:
                return make_hba(name);
            case Node::hba:
                return make_device(parent, name);
            case Node::fabric:
                return make_wwn(c);
            case Node::wwn:
                return make_tpg(c);
            case Node::tpg_luns:
                return make_lun(c);
            case Node::tpg_acls:
                return make_acl(c);
            case Node::acl:
                return make_mapped_lun(c);
            case Node::tpg_np:
                // target_fabric_make_np(): ib_srpt has no fabric_make_np.
                return errno_code(ENOSYS);
            case Node::device_stats:
            case Node::lun_stats:
            case Node::mapped_stats:
                // target_core_stat_mkdir() and its like: ENOSYS; the groups below have no
                // make_group.
                return errno_code(parent.back() == "statistics" ? ENOSYS : EPERM);
            case Node::device_alua:
                return errno_code(EOPNOTSUPP);  // ALUA target port groups: not modelled
            case Node::core_alua:
                return errno_code(parent.size() == 4 && parent[3] == "lu_gps" ? EOPNOTSUPP : EPERM);
            default:
                return errno_code(EPERM);  // no make_group: configfs_mkdir()
        }
    }

    // target_core_register_fabric() (target_core_configfs.c): only a fabric that is loaded;
    // its discovery_auth group (srpt_da_attrs) and attributes (srpt_wwn_attrs, "version" shows
    // an empty line).
    std::error_code make_fabric(const std::string& name) {
        if (name != "srpt" || !is_dir(sys("module/ib_srpt"))) {
            return errno_code(EINVAL);
        }
        if (!put_files({{cfs("target/srpt/version"), "\n"},
                        {cfs("target/srpt/discovery_auth/rdma_cm_port"),
                         fmt::format("{}\n", rdma_cm_port), kReadWrite}})) {
            return errno_code(EIO);
        }
        return {};
    }

    // target_core_call_addhbatotarget() (target_core_configfs.c): "<plugin>_<id>", the plugin
    // up to the second '_' when there is one; core_alloc_hba() (target_core_hba.c) knows the
    // backends that are loaded. pscsi and user are not modelled.
    std::error_code make_hba(const std::string& name) {
        if (name.size() >= kTargetCoreNameMax) {
            return errno_code(ENAMETOOLONG);
        }
        const std::size_t first = name.find('_');
        if (first == std::string::npos) {
            return errno_code(EINVAL);
        }
        const std::size_t second = name.find('_', first + 1);
        const std::size_t split = second != std::string::npos ? second : first;
        const std::string plugin = name.substr(0, split);
        const Number id = kstrtoull(std::string_view(name).substr(split + 1));
        if (id.error != 0) {
            return errno_code(id.error);
        }
        if (in(plugin, {"pscsi", "user"})) {
            return errno_code(EOPNOTSUPP);
        }
        if (!in(plugin, {"iblock", "fileio", "rd_mcp"})) {
            return errno_code(EINVAL);
        }
        const unsigned hba_id = next_hba_id++;
        // target_hba_info_show(), target_hba_mode_show().
        if (!put_files({{cfs("target/core/" + name + "/hba_info"),
                         fmt::format("HBA Index: {} plugin: {} version: {}\n", hba_id, plugin,
                                     kTargetCoreVersion)},
                        {cfs("target/core/" + name + "/hba_mode"), "0\n", kReadWrite}})) {
            return errno_code(EIO);
        }
        hbas[name] = LioHba{plugin, hba_id, 0};
        return {};
    }

    // target_core_make_subdev() (target_core_configfs.c): the storage object with its
    // attributes (target_core_dev_attrs) and default groups.
    std::error_code make_device(const Comps& hba_path, const std::string& name) {
        const std::string& hba = hba_path[2];
        const auto it = hbas.find(hba);
        if (it == hbas.end()) {
            return errno_code(EPERM);
        }
        const std::string path = fmt::format("target/core/{}/{}", hba, name);
        const fs::path dir = cfs(path);
        if (!put_files({{dir / "control", "", kWriteOnly},
                        {dir / "alias", "", kReadWrite},
                        {dir / "udev_path", "", kReadWrite},
                        {dir / "lba_map", "", kReadWrite}})) {
            return errno_code(EIO);
        }
        for (const char* group :
             {"action", "attrib", "pr", "wwn", "alua/default_tg_pt_gp", "statistics/scsi_dev",
              "statistics/scsi_lu", "statistics/scsi_tgt_dev"}) {
            make_dirs(dir / group);
        }
        put_unit_serial(path, "");
        LioDevice d;
        d.plugin = it->second.plugin;
        d.hba = hba;
        devices[child(hba, name)] = d;
        render_device(path, d);
        return {};
    }

    // target_wwn_vpd_unit_serial_show() (target_core_configfs.c).
    void put_unit_serial(const std::string& device, const std::string& serial) {
        put(cfs(device + "/wwn/vpd_unit_serial"),
            fmt::format("T10 VPD Unit Serial Number: {}\n", serial), kReadWrite);
    }

    // target_wwn_vpd_unit_serial_store(): EOVERFLOW from INQUIRY_VPD_SERIAL_LEN bytes on, EINVAL
    // while a LUN exports the device (the initiators' multipath goes by it); the value is kept
    // without surrounding white space (strstrip()). The firmware serial of pscsi devices
    // (EOPNOTSUPP) is not modelled.
    std::error_code unit_serial_store(const Comps& device, const std::string& data) {
        LioDevice* d = device_at(device);
        if (d == nullptr) {
            return errno_code(EOPNOTSUPP);
        }
        const std::string page = data.substr(0, data.find('\0'));
        if (page.size() >= kVpdSerialLen) {
            return errno_code(EOVERFLOW);
        }
        if (d->exports != 0) {
            return errno_code(EINVAL);
        }
        std::string_view serial = page;
        while (!serial.empty() && text::is_space(serial.front())) {
            serial.remove_prefix(1);
        }
        while (!serial.empty() && text::is_space(serial.back())) {
            serial.remove_suffix(1);
        }
        put_unit_serial(join(device), std::string(serial));
        return {};
    }

    // srpt_make_tport() (ib_srpt.c): a port's GUID or GID form, else EINVAL;
    // target_fabric_make_wwn() adds fabric_statistics and param.
    std::error_code make_wwn(const Comps& c) {
        if (!lio_port(c[2])) {
            return errno_code(EINVAL);
        }
        const fs::path dir = cfs(join(c));
        make_dirs(dir / "fabric_statistics");
        make_dirs(dir / "param");
        return {};
    }

    // srpt_make_tpg() takes any name; target_fabric_make_tpg() adds lun, np, acls, attrib
    // (srpt_tpg_attrib_attrs: the port's srpt_port_attrib, shared by all its TPGs), auth and
    // param, and the attributes enable and rtpi (target_fabric_setup_tpg_base_cit()).
    std::error_code make_tpg(const Comps& c) {
        const std::string path = join(c);
        const fs::path dir = cfs(path);
        if (!put_files({{dir / "enable", "0\n", kReadWrite}, {dir / "rtpi", "0\n", kReadWrite}})) {
            return errno_code(EIO);
        }
        for (const char* group : {"lun", "np", "acls", "attrib", "auth", "param"}) {
            make_dirs(dir / group);
        }
        const auto port = port_of(c);
        write_port_attrib(path, port ? sports[port_key(*port)] : SportAttrib{});
        tpgs[path] = LioTpg{};
        return {};
    }

    // target_fabric_make_lun(): "lun_<N>", N as kstrtoull(name + 4, 0) reads it.
    std::error_code make_lun(const Comps& c) {
        const std::string& name = c.back();
        if (name.rfind("lun_", 0) != 0) {
            return errno_code(EINVAL);
        }
        const Number n = kstrtoull(std::string_view(name).substr(4));
        if (n.error != 0) {
            return errno_code(n.error);
        }
        const fs::path dir = cfs(join(c));
        for (const char* group :
             {"statistics/scsi_port", "statistics/scsi_tgt_port", "statistics/scsi_transport"}) {
            make_dirs(dir / group);
        }
        return {};
    }

    // target_fabric_make_nodeacl() with srpt_init_nodeacl() (ib_srpt.c): a GUID form, an
    // initiator port ID (optional 0x, an even number of hex digits) or an IP address, else
    // EINVAL.
    std::error_code make_acl(const Comps& c) {
        const std::string& name = c.back();
        if (!srpt_parse_guid(name) && !srpt_parse_i_port_id(name) && !parse_ip(name)) {
            return errno_code(EINVAL);
        }
        const fs::path dir = cfs(join(c));
        for (const char* group : {"attrib", "auth", "param", "fabric_statistics"}) {
            make_dirs(dir / group);
        }
        return {};
    }

    // target_fabric_make_mappedlun(): "lun_<M>" as for a LUN;
    // core_dev_init_initiator_node_lun_acl() (target_core_device.c): EOVERFLOW for an initiator
    // name of TRANSPORT_IQN_LEN or more. write_protect shows nothing until the link is made
    // (target_fabric_mappedlun_write_protect_show() without a dev entry).
    std::error_code make_mapped_lun(const Comps& c) {
        const std::string& name = c.back();
        if (name.rfind("lun_", 0) != 0) {
            return errno_code(EINVAL);
        }
        const Number n = kstrtoull(std::string_view(name).substr(4));
        if (n.error != 0) {
            return errno_code(n.error);
        }
        if (c[5].size() >= kTransportIqnLen) {
            return errno_code(EOVERFLOW);
        }
        const fs::path dir = cfs(join(c));
        put(dir / "write_protect", "", kReadWrite);
        make_dirs(dir / "statistics/scsi_auth_intr");
        make_dirs(dir / "statistics/scsi_att_intr_port");
        const std::string acl = join(c, 6);
        if (sessions.count(acl) != 0) {
            write_session_files(acl, name, true);
        }
        return {};
    }

    // Whether a configfs link points at `dir` (configfs_detach_prep(): s_links).
    bool linked_to(const fs::path& dir) const {
        std::error_code ec;
        const fs::path target = dir.lexically_normal();
        for (fs::recursive_directory_iterator it(cfs("target"), ec), end; !ec && it != end;
             it.increment(ec)) {
            if (it->is_symlink(ec) && link_target(it->path()) == target) {
                return true;
            }
        }
        return false;
    }

    // Whether `c` holds a user-made directory or a link, in it or in its default groups
    // (configfs_detach_prep()).
    bool has_user_children(const Comps& c) const {
        for (const std::string& e : entries(cfs(join(c)))) {
            const fs::path p = cfs(child(join(c), e));
            if (is_link(p)) {
                return true;
            }
            if (!is_dir(p)) {
                continue;
            }
            Comps child = c;
            child.push_back(e);
            if (user_made(classify(child)) || has_user_children(child)) {
                return true;
            }
        }
        return false;
    }

    // configfs_rmdir() (fs/configfs/dir.c): EPERM for a default group, EBUSY while a link
    // points at the directory, ENOTEMPTY while it holds user-made directories or links; then
    // the drop_item of its parent.
    std::error_code lio_rmdir(const Comps& c) {
        const Node kind = classify(c);
        if (!user_made(kind)) {
            return errno_code(EPERM);
        }
        const std::string path = join(c);
        if (linked_to(cfs(path))) {
            return errno_code(EBUSY);
        }
        if (has_user_children(c)) {
            return errno_code(ENOTEMPTY);
        }
        switch (kind) {
            case Node::hba:
                hbas.erase(c[2]);
                break;
            case Node::device:
                devices.erase(child(c[2], c[3]));
                break;
            case Node::tpg: {
                // srpt_drop_tpg() disables the port; core_tpg_deregister() frees the RTPI.
                const LioTpg& t = tpgs[path];
                if (first_line(cfs(path + "/enable")) == "1") {
                    rtpis.erase(t.rtpi);
                }
                tpgs.erase(path);
                if (const auto port = port_of(c)) {
                    sports[port_key(*port)].enabled = false;
                }
                break;
            }
            case Node::acl:
                // core_tpg_del_initiator_node_acl() closes the ACL's session.
                close_session(path);
                break;
            default:
                break;
        }
        remove_tree(cfs(path));
        return {};
    }

    // configfs_symlink() (fs/configfs/symlink.c): EPERM where the parent has no allow_link or
    // the target is outside configfs, ENOENT/ENOTDIR from the lookup of the target, EEXIST for
    // a name that is taken, then allow_link. The body is configfs_get_target_path()'s: "../"
    // for each level of the parent, then the target's path.
    std::error_code lio_symlink(const std::string& target, const Comps& link) {
        const Comps parent(link.begin(), link.end() - 1);
        if (!is_dir(cfs(join(parent)))) {
            return errno_code(ENOENT);
        }
        const Node kind = classify(parent);
        if (kind != Node::lun && kind != Node::mapped_lun) {
            return errno_code(EPERM);
        }
        const auto tc = resolve_target(target);
        if (!tc) {
            return tc.error();
        }
        if (present(cfs(join(link)))) {
            return errno_code(EEXIST);
        }
        if (kind == Node::lun) {
            if (const auto ec = port_link(parent, *tc)) {
                return ec;
            }
        } else if (const auto ec = mapped_lun_link(parent, *tc)) {
            return ec;
        }
        std::string body;
        for (std::size_t i = 0; i < parent.size(); ++i) {
            body += "../";
        }
        return make_link(cfs(join(link)), body + join(*tc));
    }

    // kern_path(LOOKUP_FOLLOW | LOOKUP_DIRECTORY) of the target, in configfs.
    tl::expected<Comps, std::error_code> resolve_target(const std::string& target) const {
        const auto tc = components(target);
        if (!tc) {
            return tl::unexpected(errno_code(EPERM));
        }
        std::error_code ec;
        const fs::path p = cfs(join(*tc));
        if (!fs::exists(p, ec)) {
            return tl::unexpected(errno_code(ENOENT));
        }
        if (!fs::is_directory(p, ec)) {
            return tl::unexpected(errno_code(ENOTDIR));
        }
        const fs::path real = fs::canonical(p, ec);
        const fs::path root = fs::canonical(roots.configfs.root(), ec);
        const auto relative = components(real.lexically_relative(root).string());
        if (ec || !relative) {
            return tl::unexpected(errno_code(EPERM));
        }
        return *relative;
    }

    // target_fabric_port_link() (target_core_fabric_configfs.c): EFAULT unless the target is a
    // storage object, ENODEV while it is not enabled, EEXIST when the LUN has its link;
    // core_tpg_add_lun() (target_core_tpg.c) counts the export and makes the LUN read-only for
    // a read-only device.
    std::error_code port_link(const Comps& lun, const Comps& target) {
        LioDevice* d = device_at(target);
        if (d == nullptr) {
            return errno_code(EFAULT);
        }
        if (!d->configured) {
            return errno_code(ENODEV);
        }
        for (const std::string& e : entries(cfs(join(lun)))) {
            if (is_link(cfs(child(join(lun), e)))) {
                return errno_code(EEXIST);
            }
        }
        ++d->exports;
        render_device(join(target), *d);
        return {};
    }

    // The device a LUN links to, or nullptr.
    LioDevice* lun_device(const Comps& lun) {
        for (const std::string& e : entries(cfs(join(lun)))) {
            const fs::path p = cfs(child(join(lun), e));
            if (!is_link(p)) {
                continue;
            }
            const auto rel =
                components(link_target(p)
                               .lexically_relative(roots.configfs.root().lexically_normal())
                               .string());
            if (rel) {
                return device_at(*rel);
            }
        }
        return nullptr;
    }

    // target_fabric_mappedlun_link(): EFAULT unless the target is a TPG LUN, EINVAL when the
    // LUN has no device, when it is in another port or TPG, or when the mapped LUN already maps
    // another LUN (core_enable_device_list_for_node()). write_protect then shows the LUN's
    // access: read-only for a read-only device, else ib_srpt's production mode (writable).
    std::error_code mapped_lun_link(const Comps& mapped, const Comps& target) {
        if (classify(target) != Node::lun) {
            return errno_code(EFAULT);
        }
        const LioDevice* d = lun_device(target);
        if (d == nullptr) {
            return errno_code(EINVAL);
        }
        if (target[2] != mapped[2] || target[3] != mapped[3]) {
            return errno_code(EINVAL);
        }
        const fs::path lun_dir = cfs(join(target)).lexically_normal();
        for (const std::string& e : entries(cfs(join(mapped)))) {
            const fs::path p = cfs(child(join(mapped), e));
            if (is_link(p) && link_target(p) != lun_dir) {
                return errno_code(EINVAL);
            }
        }
        put(cfs(join(mapped) + "/write_protect"), fmt::format("{}\n", d->read_only ? 1 : 0),
            kReadWrite);
        return {};
    }

    // configfs_unlink(): EPERM for anything but a link; then drop_link:
    // target_fabric_port_unlink() (core_dev_del_lun(): the mapped LUNs of the LUN lose their
    // dev entries) or target_fabric_mappedlun_unlink().
    std::error_code lio_unlink(const Comps& c) {
        const fs::path p = cfs(join(c));
        if (is_dir(p)) {
            return errno_code(EISDIR);
        }
        if (!is_link(p)) {
            return errno_code(EPERM);
        }
        const Comps parent(c.begin(), c.end() - 1);
        const Node kind = classify(parent);
        if (kind == Node::lun) {
            if (LioDevice* d = lun_device(parent)) {
                d->exports = d->exports > 0 ? d->exports - 1 : 0;
                for (const auto& [key, dev] : devices) {
                    if (&dev == d) {
                        render_device("target/core/" + key, *d);
                    }
                }
            }
            clear_mapped_luns(parent);
        } else if (kind == Node::mapped_lun) {
            put(cfs(join(parent) + "/write_protect"), "", kReadWrite);
        }
        remove_tree(p);
        return {};
    }

    // The mapped LUNs (of the LUN's TPG) that map `lun`.
    void clear_mapped_luns(const Comps& lun) {
        const std::string acls = join(lun, 4) + "/acls";
        const fs::path lun_dir = cfs(join(lun)).lexically_normal();
        for (const std::string& a : entries(cfs(acls))) {
            for (const std::string& m : mapped_luns(child(acls, a))) {
                const std::string mapped = fmt::format("{}/{}/{}", acls, a, m);
                for (const std::string& e : entries(cfs(mapped))) {
                    if (is_link(cfs(child(mapped, e))) &&
                        link_target(cfs(child(mapped, e))) == lun_dir) {
                        put(cfs(mapped + "/write_protect"), "", kReadWrite);
                    }
                }
            }
        }
    }

    std::error_code lio_write(const Comps& c, const std::string& data) {
        const Comps parent(c.begin(), c.end() - 1);
        const std::string& name = c.back();
        switch (classify(parent)) {
            case Node::device:
                if (name == "control") {
                    return device_control(parent, data);
                }
                if (name == "enable") {
                    return device_enable(parent, data);
                }
                if (name == "udev_path") {
                    return device_udev_path(parent, data);
                }
                break;
            case Node::device_group:
                if (parent.back() == "wwn" && name == "vpd_unit_serial") {
                    return unit_serial_store(Comps(parent.begin(), parent.end() - 1), data);
                }
                break;
            case Node::hba:
                if (name == "hba_mode") {
                    // target_hba_mode_store(): no pmode_enable_hba in these backends.
                    return errno_code(EINVAL);
                }
                break;
            case Node::discovery:
                if (name == "rdma_cm_port") {
                    return rdma_cm_port_store(data);
                }
                break;
            case Node::tpg:
                if (name == "enable") {
                    return tpg_enable(parent, data);
                }
                if (name == "rtpi") {
                    return tpg_rtpi(parent, data);
                }
                break;
            case Node::tpg_group:
                if (parent.back() == "attrib") {
                    return tpg_attrib(parent, name, data);
                }
                break;
            case Node::mapped_lun:
                if (name == "write_protect") {
                    return write_protect(parent, data);
                }
                break;
            default:
                break;
        }
        return errno_code(EOPNOTSUPP);
    }

    // rd_set_configfs_dev_params(), fd_set_configfs_dev_params() and
    // iblock_set_configfs_dev_params(): unknown options are ignored.
    std::error_code device_control(const Comps& c, const std::string& data) {
        LioDevice* d = device_at(c);
        if (d == nullptr) {
            return errno_code(EOPNOTSUPP);
        }
        std::error_code result;
        for (const std::string_view option : control_options(data)) {
            if (d->plugin == "rd_mcp") {
                if (const auto arg = match_option(option, "rd_pages", 'd')) {
                    const Number n = kstrtoint(*arg);
                    if (n.error == 0) {
                        d->rd_pages = static_cast<std::uint32_t>(n.value);
                        d->rd_has_pages = true;
                    }
                } else if (const auto nullio = match_option(option, "rd_nullio", 'd')) {
                    d->rd_nullio = d->rd_nullio || kstrtoint(*nullio).value == 1;
                } else if (const auto dummy = match_option(option, "rd_dummy", 'd')) {
                    d->rd_dummy = d->rd_dummy || kstrtoint(*dummy).value == 1;
                }
            } else if (d->plugin == "fileio") {
                if (const auto name = match_option(option, "fd_dev_name", 's')) {
                    d->fd_name = std::string(name->substr(0, 255));
                    d->fd_has_path = true;
                } else if (const auto size = match_option(option, "fd_dev_size", 's')) {
                    const Number n = kstrtoull(*size);
                    if (n.error != 0) {
                        result = errno_code(n.error);
                        break;
                    }
                    d->fd_size = n.value;
                    d->fd_has_size = true;
                } else if (const auto buffered = match_option(option, "fd_buffered_io", 'd')) {
                    const Number n = kstrtoint(*buffered);
                    if (n.error != 0 || n.value != 1) {
                        result = errno_code(n.error != 0 ? n.error : EINVAL);
                        break;
                    }
                    d->fd_buffered = true;
                } else if (const auto async = match_option(option, "fd_async_io", 'd')) {
                    const Number n = kstrtoint(*async);
                    if (n.error != 0 || n.value != 1) {
                        result = errno_code(n.error != 0 ? n.error : EINVAL);
                        break;
                    }
                    d->fd_async = true;
                }
            } else {
                if (const auto path = match_option(option, "udev_path", 's')) {
                    if (d->configured) {
                        result = errno_code(EEXIST);  // "while ib_dev->ibd_bd exists"
                        break;
                    }
                    d->ib_path = std::string(path->substr(0, kUdevPathLen - 1));
                    d->ib_has_path = true;
                } else if (const auto ro = match_option(option, "readonly", 'd')) {
                    const Number n = kstrtoull(*ro);
                    if (n.error != 0) {
                        result = errno_code(n.error);
                        break;
                    }
                    d->ib_readonly = n.value != 0;
                }
            }
        }
        render_device(join(c), *d);
        return result;
    }

    // target_dev_enable_store(): a "1" somewhere, else EINVAL; target_configure_device()
    // (target_core_device.c): EEXIST when configured; the backend's configure_device.
    std::error_code device_enable(const Comps& c, const std::string& data) {
        LioDevice* d = device_at(c);
        if (d == nullptr) {
            return errno_code(EOPNOTSUPP);
        }
        if (data.find('1') == std::string::npos) {
            return errno_code(EINVAL);
        }
        if (d->configured) {
            return errno_code(EEXIST);
        }
        std::uint32_t max_sectors = 0;
        if (d->plugin == "rd_mcp") {
            // rd_configure_device(): rd_pages= is needed; rd_build_device_space() refuses 0.
            if (!d->rd_has_pages || d->rd_pages == 0) {
                return errno_code(EINVAL);
            }
            d->block_size = kRdBlockSize;
            max_sectors = UINT32_MAX;
        } else if (d->plugin == "fileio") {
            if (const auto ec = configure_fileio(*d)) {
                return ec;
            }
            max_sectors = kFdMaxBytes / d->block_size;
        } else {
            if (const auto ec = configure_iblock(*d)) {
                return ec;
            }
            max_sectors = kIblockMaxHwSectors;
        }
        d->hw_max_sectors = align_max_sectors(max_sectors, d->block_size);
        if (d->plugin != "iblock") {
            d->dev_id = hbas[d->hba].next_dev_id++;
        }
        d->configured = true;
        render_device(join(c), *d);
        return {};
    }

    // fd_configure_device() (target_core_file.c): fd_dev_name= is needed; the file is opened
    // O_RDWR | O_CREAT, so a missing one is made (its directory must exist); a regular file
    // needs fd_dev_size=, a block device gives its logical block size.
    std::error_code configure_fileio(LioDevice& d) {
        if (!d.fd_has_path) {
            return errno_code(EINVAL);
        }
        const int fd = ::open(d.fd_name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            return errno_code(errno);
        }
        struct stat st {};
        const int rc = ::fstat(fd, &st);
        ::close(fd);
        if (rc != 0) {
            return errno_code(EIO);
        }
        if (!S_ISBLK(st.st_mode) && !d.fd_has_size) {
            return errno_code(EINVAL);  // "Missing fd_dev_size="
        }
        d.block_size = kFdBlockSize;
        return {};
    }

    // iblock_configure_device() (target_core_iblock.c): udev_path= is needed; the device is
    // opened (ENOENT when missing). A regular file stands in for a block device (the kernel
    // refuses one, ENOTBLK): its name is its file name, major and minor 0.
    std::error_code configure_iblock(LioDevice& d) {
        if (!d.ib_has_path) {
            return errno_code(EINVAL);
        }
        struct stat st {};
        if (::stat(d.ib_path.c_str(), &st) != 0) {
            return errno_code(errno);
        }
        if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
            return errno_code(ENOTBLK);
        }
        d.ib_name = fs::path(d.ib_path).filename().string();
        d.ib_major = S_ISBLK(st.st_mode) ? major(st.st_rdev) : 0;
        d.ib_minor = S_ISBLK(st.st_mode) ? minor(st.st_rdev) : 0;
        d.read_only = d.ib_readonly;  // DF_READ_ONLY
        d.block_size = 512;
        return {};
    }

    // target_dev_udev_path_store(): at most SE_UDEV_PATH_LEN - 1 bytes, not empty, one
    // trailing newline dropped; shown with a newline.
    std::error_code device_udev_path(const Comps& c, const std::string& data) {
        if (data.size() > kUdevPathLen - 1 || data.empty()) {
            return errno_code(EINVAL);
        }
        std::string path = data.substr(0, data.find('\0'));
        if (!path.empty() && path.back() == '\n') {
            path.pop_back();
        }
        put(cfs(join(c) + "/udev_path"), path + "\n", kReadWrite);
        return {};
    }

    // srpt_rdma_cm_port_store() (ib_srpt.c): kstrtou16(); binding the port is not modelled.
    std::error_code rdma_cm_port_store(const std::string& data) {
        const Number n = kstrtou(data, UINT16_MAX);
        if (n.error != 0) {
            return errno_code(n.error);
        }
        rdma_cm_port = static_cast<std::uint16_t>(n.value);
        put(cfs("target/srpt/discovery_auth/rdma_cm_port"), fmt::format("{}\n", rdma_cm_port),
            kReadWrite);
        return {};
    }

    // target_fabric_tpg_base_enable_store() (target_core_fabric_configfs.c): kstrtobool();
    // target_tpg_enable() (target_core_tpg.c) takes the lowest free RTPI from 1 (or the one
    // set, EINVAL when it is taken) and calls srpt_enable_tpg(), which enables the port;
    // disabling frees the RTPI and srpt_set_enabled() closes the port's channels.
    std::error_code tpg_enable(const Comps& c, const std::string& data) {
        const auto value = kstrtobool(data);
        if (!value) {
            return errno_code(EINVAL);
        }
        const std::string path = join(c);
        const bool enabled = first_line(cfs(path + "/enable")) == "1";
        if (enabled == *value) {
            return {};
        }
        LioTpg& t = tpgs[path];
        const auto port = port_of(c);
        const std::string key = port ? port_key(*port) : std::string();
        if (*value) {
            if (t.rtpi_manual) {
                if (rtpis.count(t.rtpi) != 0) {
                    return errno_code(EINVAL);
                }
            } else {
                unsigned id = 1;
                while (rtpis.count(id) != 0) {
                    ++id;
                }
                t.rtpi = id;
            }
            rtpis.insert(t.rtpi);
            sports[key].enabled = true;
        } else {
            rtpis.erase(t.rtpi);
            sports[key].enabled = false;
            close_port_sessions(key);
        }
        put(cfs(path + "/enable"), *value ? "1\n" : "0\n", kReadWrite);
        put(cfs(path + "/rtpi"), t.rtpi == 0 ? "0\n" : fmt::format("{:#x}\n", t.rtpi), kReadWrite);
        return {};
    }

    // target_fabric_tpg_base_rtpi_store(): kstrtou16(), not 0, not while enabled.
    std::error_code tpg_rtpi(const Comps& c, const std::string& data) {
        const Number n = kstrtou(data, UINT16_MAX);
        if (n.error != 0) {
            return errno_code(n.error);
        }
        const std::string path = join(c);
        if (n.value == 0 || first_line(cfs(path + "/enable")) == "1") {
            return errno_code(EINVAL);
        }
        LioTpg& t = tpgs[path];
        t.rtpi = static_cast<unsigned>(n.value);
        t.rtpi_manual = true;
        put(cfs(path + "/rtpi"), fmt::format("{:#x}\n", t.rtpi), kReadWrite);
        return {};
    }

    // srpt_tpg_attrib_*_store() (ib_srpt.c): a kstrtoul() failure is EINVAL, as are values out
    // of range; use_srq returns kstrtoul()'s errno, takes 0 or 1 and logs every initiator of
    // the port out.
    std::error_code tpg_attrib(const Comps& attrib, const std::string& name,
                               const std::string& data) {
        const auto port = port_of(attrib);
        if (!port) {
            return errno_code(EOPNOTSUPP);
        }
        const std::string key = port_key(*port);
        SportAttrib& a = sports[key];
        const Number n = kstrtoull(data);
        if (name == "use_srq") {
            if (n.error != 0) {
                return errno_code(n.error);
            }
            if (n.value > 1) {
                return errno_code(EINVAL);
            }
            a.use_srq = n.value == 1;
            close_port_sessions(key);
        } else if (name == "srp_max_rdma_size") {
            if (n.error != 0 || n.value > kMaxRdmaSize || n.value < kDefaultMaxRdmaSize) {
                return errno_code(EINVAL);
            }
            a.max_rdma_size = n.value;
        } else if (name == "srp_max_rsp_size") {
            if (n.error != 0 || n.value > kMaxRspSize || n.value < kMinMaxRspSize) {
                return errno_code(EINVAL);
            }
            a.max_rsp_size = n.value;
        } else if (name == "srp_sq_size") {
            if (n.error != 0 || n.value > kMaxSrqSize || n.value < kMinSrqSize) {
                return errno_code(EINVAL);
            }
            a.sq_size = n.value;
        } else {
            return errno_code(EOPNOTSUPP);
        }
        for (const std::string& tpg : tpgs_of_port(key)) {
            write_port_attrib(tpg, a);
        }
        return {};
    }

    // target_fabric_mappedlun_write_protect_store(): kstrtoul()'s errno, 0 or 1 else EINVAL;
    // without a dev entry (no link) nothing changes.
    std::error_code write_protect(const Comps& c, const std::string& data) {
        const Number n = kstrtoull(data);
        if (n.error != 0) {
            return errno_code(n.error);
        }
        if (n.value > 1) {
            return errno_code(EINVAL);
        }
        const fs::path file = cfs(join(c) + "/write_protect");
        if (!first_line(file).empty()) {
            put(file, fmt::format("{}\n", n.value), kReadWrite);
        }
        return {};
    }

    // ---- Dispatch ----

    static fs::path root_of(const host::TreeRoots& r, Tree tree) { return r.of(tree).root(); }

    std::error_code do_write(Tree tree, const std::string& relative, const std::string& data) {
        if (tree == Tree::files) {
            return roots.of(tree).write(relative, data);
        }
        const auto c = components(relative);
        if (!c) {
            return errno_code(ENOENT);
        }
        const fs::path p = root_of(roots, tree) / join(*c);
        std::error_code ec;
        if (!fs::exists(p, ec)) {
            return errno_code(ENOENT);
        }
        if (fs::is_directory(p, ec)) {
            return errno_code(EISDIR);
        }
        // kernfs_fop_open(), configfs_open_file(): EACCES for an attribute without write mode.
        if (!writable(p)) {
            return errno_code(EACCES);
        }
        if (tree == Tree::sysfs) {
            if (c->size() >= 2 && (*c)[0] == "kernel" && (*c)[1] == "scst_tgt") {
                return scst_write(*c, data);
            }
            return errno_code(EOPNOTSUPP);
        }
        return lio_write(*c, data);
    }

    // The VFS checks before the file system's own: ENOENT for a missing parent, EEXIST for a
    // name that is taken.
    std::error_code do_mkdir(Tree tree, const std::string& relative) {
        if (tree == Tree::files) {
            return roots.of(tree).mkdir(relative);
        }
        const auto c = components(relative);
        if (!c || c->empty()) {
            return errno_code(c ? EEXIST : ENOENT);
        }
        const fs::path p = root_of(roots, tree) / join(*c);
        if (!is_dir(p.parent_path())) {
            return errno_code(ENOENT);
        }
        if (present(p)) {
            return errno_code(EEXIST);
        }
        if (tree == Tree::sysfs) {
            return errno_code(EPERM);  // kernfs: no mkdir in these directories
        }
        return lio_mkdir(*c);
    }

    std::error_code do_rmdir(Tree tree, const std::string& relative) {
        if (tree == Tree::files) {
            return roots.of(tree).rmdir(relative);
        }
        const auto c = components(relative);
        if (!c) {
            return errno_code(ENOENT);
        }
        const fs::path p = root_of(roots, tree) / join(*c);
        if (!present(p)) {
            return errno_code(ENOENT);
        }
        if (!is_dir(p)) {
            return errno_code(ENOTDIR);
        }
        if (tree == Tree::sysfs || c->empty()) {
            return errno_code(EPERM);
        }
        return lio_rmdir(*c);
    }

    std::error_code do_symlink(Tree tree, const std::string& target, const std::string& relative) {
        if (tree == Tree::files) {
            return roots.of(tree).symlink(target, relative);
        }
        const auto c = components(relative);
        if (!c || c->empty()) {
            return errno_code(ENOENT);
        }
        if (tree == Tree::sysfs) {
            const fs::path p = root_of(roots, tree) / join(*c);
            if (!is_dir(p.parent_path())) {
                return errno_code(ENOENT);
            }
            return errno_code(present(p) ? EEXIST : EPERM);
        }
        return lio_symlink(target, *c);
    }

    std::error_code do_unlink(Tree tree, const std::string& relative) {
        if (tree == Tree::files) {
            return roots.of(tree).unlink(relative);
        }
        const auto c = components(relative);
        if (!c || c->empty()) {
            return errno_code(ENOENT);
        }
        const fs::path p = root_of(roots, tree) / join(*c);
        if (!present(p)) {
            return errno_code(ENOENT);
        }
        if (tree == Tree::sysfs) {
            return errno_code(is_dir(p) ? EISDIR : EPERM);
        }
        return lio_unlink(*c);
    }

    // O_CREAT in sysfs or configfs: lookup_open() (fs/namei.c) finds no create: EACCES.
    std::error_code do_create_file(Tree tree, const std::string& relative, std::uint64_t size) {
        if (tree == Tree::files) {
            const fs::path path = roots.of(tree).path(relative);
            const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0) {
                return errno_code(errno);
            }
            std::error_code result;
            if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
                result = errno_code(errno);
                ::unlink(path.c_str());
            }
            ::close(fd);
            return result;
        }
        const auto c = components(relative);
        if (!c || c->empty()) {
            return errno_code(ENOENT);
        }
        const fs::path p = root_of(roots, tree) / join(*c);
        if (!is_dir(p.parent_path())) {
            return errno_code(ENOENT);
        }
        return errno_code(present(p) ? EEXIST : EACCES);
    }

    // A changing call: fail_next() first, then the call; recorded.
    template <class Fn>
    std::error_code run(target::Op op, Tree tree, const std::string& path, std::string data,
                        std::uint64_t size, Fn&& fn) {
        std::error_code ec = injected(path);
        if (ec) {
            const auto c = components(path);
            if (op == target::Op::write && tree == Tree::sysfs && c && is_mgmt_path(*c) && scst()) {
                mgmt_result(ec);
            }
        } else {
            ec = fn();
        }
        calls.push_back(TreeCall{op, tree, path, std::move(data), size, ec});
        save();
        return ec;
    }

    // ---- Logins ----

    std::error_code scst_login(const std::string& t, const std::string& session) {
        if (!is_dir(sys(target_dir(t)))) {
            return errno_code(ENOENT);
        }
        if (!target_is_enabled(t)) {
            return errno_code(ECONNREFUSED);
        }
        if (session.empty() || session.find('/') != std::string::npos) {
            return errno_code(EINVAL);
        }
        const fs::path dir = sys(fmt::format("{}/sessions/{}", target_dir(t), session));
        if (present(dir)) {
            return errno_code(EEXIST);
        }
        ScstTarget& st = scst_target(t);
        ScstSession s{session, find_group(t, session)};
        // scst_sess_sysfs_create(): initiator_name, and the luns link
        // (scst_create_sess_luns_link()).
        put(dir / "initiator_name", session + "\n");
        write_session_link(t, s);
        st.sessions.push_back(s);
        return {};
    }

    std::error_code scst_logout(const std::string& t, const std::string& session) {
        ScstTarget& st = scst_target(t);
        const auto it = std::find_if(st.sessions.begin(), st.sessions.end(),
                                     [&](const ScstSession& s) { return s.name == session; });
        if (it == st.sessions.end()) {
            return errno_code(ENOENT);
        }
        st.sessions.erase(it);
        remove_tree(sys(fmt::format("{}/sessions/{}", target_dir(t), session)));
        return {};
    }

    std::error_code lio_login(const std::string& wwn, const std::string& tpg,
                              const std::string& acl) {
        const std::string path = fmt::format("target/srpt/{}/{}/acls/{}", wwn, tpg, acl);
        const auto port = lio_port(wwn);
        if (!is_dir(cfs(path)) || !port) {
            return errno_code(ENOENT);
        }
        if (!sports[port_key(*port)].enabled) {
            return errno_code(ECONNREFUSED);
        }
        if (sessions.count(path) != 0) {
            return errno_code(EEXIST);
        }
        sessions[path] = LioSession{port_key(*port)};
        for (const std::string& m : mapped_luns(path)) {
            write_session_files(path, m, true);
        }
        return {};
    }

    std::error_code lio_logout(const std::string& wwn, const std::string& tpg,
                               const std::string& acl) {
        const std::string path = fmt::format("target/srpt/{}/{}/acls/{}", wwn, tpg, acl);
        if (sessions.count(path) == 0) {
            return errno_code(ENOENT);
        }
        close_session(path);
        return {};
    }

    // ---- A new stand-in on an existing tree ----

    // Rebuilds what the kernel keeps from the trees and the kept file (target_kernel.hpp).
    void load() {
        const auto text = slurp(sys(kKeptFile));
        std::optional<Kept> kept;
        if (text) {
            kept = parse_kept(*text);
            kept_on_disk = *text;
        }
        const Kept* k = kept ? &*kept : nullptr;
        load_scst(k);
        load_lio(k);
    }

    static Kept parse_kept(std::string_view text) {
        Kept k;
        for (const std::string_view line : lines_of(text)) {
            if (line.empty() || line[0] == '#') {
                continue;
            }
            const auto fields = kept_fields(line);
            if (!fields) {
                continue;
            }
            const std::vector<std::string>& f = *fields;
            const std::string& fact = f[0];
            const auto number = [&f](std::size_t i) {
                return i < f.size() ? text::parse_number<std::uint64_t>(f[i]) : std::nullopt;
            };
            if (fact == "scst-next-rel-tgt-id" && number(1)) {
                k.scst_next_rel_tgt_id = static_cast<unsigned>(*number(1));
            } else if (fact == "scst-next-export" && number(2)) {
                k.scst_next_export[f[1]] = static_cast<unsigned>(*number(2));
            } else if (fact == "scst-groups" && f.size() >= 2) {
                k.scst_groups[f[1]].assign(f.begin() + 2, f.end());
            } else if (fact == "lio-next-hba-id" && number(1)) {
                k.lio_next_hba_id = static_cast<unsigned>(*number(1));
            } else if (fact == "lio-next-dev-id" && number(2)) {
                k.lio_next_dev_id[f[1]] = static_cast<unsigned>(*number(2));
            } else if (fact == "lio-fd-size-given" && f.size() == 2) {
                k.lio_fd_size_given.insert(f[1]);
            } else if (fact == "lio-read-only" && f.size() == 2) {
                k.lio_read_only.insert(f[1]);
            } else if (fact == "lio-rtpi-manual" && f.size() == 2) {
                k.lio_rtpi_manual.insert(f[1]);
            } else if (fact == "lio-port" && number(2) && number(3) && number(4) && number(5) &&
                       number(6)) {
                SportAttrib& a = k.lio_ports[f[1]];
                a.enabled = *number(2) != 0;
                a.max_rdma_size = *number(3);
                a.max_rsp_size = *number(4);
                a.sq_size = *number(5);
                a.use_srq = *number(6) != 0;
            } else if (fact == "lio-session" && f.size() == 2) {
                k.lio_sessions.insert(f[1]);
            } else if (fact == "lio-rdma-cm-port" && number(1)) {
                k.lio_rdma_cm_port = static_cast<std::uint16_t>(*number(1));
            }
        }
        return k;
    }

    // The text of the kept file for the state now.
    std::string kept_facts() const {
        std::string out(kKeptHeader);
        const auto add = [&out](const std::vector<std::string>& fields) {
            out += kept_line(fields);
        };
        const auto num = [](std::uint64_t n) { return std::to_string(n); };
        if (next_rel_tgt_id != kMinRelTgtId) {
            add({"scst-next-rel-tgt-id", num(next_rel_tgt_id)});
        }
        for (const auto& [dev, n] : next_export) {
            if (n != 0) {
                add({"scst-next-export", dev, num(n)});
            }
        }
        for (const auto& [t, st] : scst_targets) {
            if (!st.groups.empty()) {
                std::vector<std::string> fields = {"scst-groups", t};
                fields.insert(fields.end(), st.groups.begin(), st.groups.end());
                add(fields);
            }
        }
        if (next_hba_id != 1) {
            add({"lio-next-hba-id", num(next_hba_id)});
        }
        for (const auto& [name, hba] : hbas) {
            if (hba.next_dev_id != 0) {
                add({"lio-next-dev-id", name, num(hba.next_dev_id)});
            }
        }
        for (const auto& [key, d] : devices) {
            if (d.fd_has_size && d.fd_size == 0) {
                add({"lio-fd-size-given", key});
            }
            if (d.read_only) {
                add({"lio-read-only", key});
            }
        }
        for (const auto& [path, t] : tpgs) {
            if (t.rtpi_manual) {
                add({"lio-rtpi-manual", path});
            }
        }
        for (const auto& [key, a] : sports) {
            if (!key.empty() && a != SportAttrib{}) {
                add({"lio-port", key, num(a.enabled ? 1 : 0), num(a.max_rdma_size),
                     num(a.max_rsp_size), num(a.sq_size), num(a.use_srq ? 1 : 0)});
            }
        }
        for (const auto& [acl, s] : sessions) {
            add({"lio-session", acl});
        }
        if (rdma_cm_port != 0) {
            add({"lio-rdma-cm-port", num(rdma_cm_port)});
        }
        return out;
    }

    // After each call: the kept file follows the state (written whenever it differs from the
    // file, so that a tree any stand-in has changed has one).
    void save() {
        std::string text = kept_facts();
        if (kept_on_disk == text) {
            return;
        }
        if (!put(sys(kKeptFile), text, kReadWrite)) {
            kept_on_disk = std::move(text);
        }
    }

    // SCST: groups in the order kept (the rest by name), their initiators (by name: the order
    // within a group does not change where scst_find_acg() puts a session), sessions with the
    // group their luns link points into; the next export numbers and relative target port ID
    // as kept, else one past the highest the tree shows.
    void load_scst(const Kept* k) {
        unsigned max_id = 0;
        for (const std::string& t : entries(sys(kScstTargets))) {
            if (!is_dir(sys(target_dir(t)))) {
                continue;
            }
            max_id = std::max(max_id, rel_tgt_id(t));
            if (k != nullptr) {
                if (const auto it = k->scst_groups.find(t); it != k->scst_groups.end()) {
                    scst_targets[t].groups = it->second;
                }
            }
            ScstTarget& st = scst_target(t);
            const std::string sessions_dir = target_dir(t) + "/sessions";
            for (const std::string& name : entries(sys(sessions_dir))) {
                const fs::path dir = sys(child(sessions_dir, name));
                if (!is_dir(dir)) {
                    continue;
                }
                const fs::path luns = link_target(dir / "luns");
                std::string group;
                for (const std::string& g : st.groups) {
                    if (luns == sys(luns_dir(t, g)).lexically_normal()) {
                        group = g;
                    }
                }
                st.sessions.push_back({name, group});
            }
        }
        next_rel_tgt_id = k != nullptr                            ? k->scst_next_rel_tgt_id
                          : max_id == 0 || max_id >= kMaxRelTgtId ? kMinRelTgtId
                                                                  : max_id + 1;
        for (const std::string& dev : entries(sys(fmt::format("{}/devices", kScst)))) {
            unsigned next = 0;
            if (k != nullptr) {
                const auto it = k->scst_next_export.find(dev);
                next = it != k->scst_next_export.end() ? it->second : 0;
            } else {
                for (const std::string& e : entries(sys(device_dir(dev) + "/exported"))) {
                    const auto n = e.starts_with("export")
                                       ? text::parse_number<unsigned>(e.substr(6))
                                       : std::nullopt;
                    next = n ? std::max(next, *n + 1) : next;
                }
            }
            if (next != 0) {
                next_export[dev] = next;
            }
        }
    }

    // target_hba_info_show()'s line: the HBA's index and plugin.
    static std::optional<LioHba> read_hba(std::string_view info) {
        constexpr std::string_view kIndex = "HBA Index: ";
        constexpr std::string_view kPlugin = " plugin: ";
        const std::size_t plugin = info.find(kPlugin);
        if (!info.starts_with(kIndex) || plugin == std::string_view::npos) {
            return std::nullopt;
        }
        const auto id =
            text::parse_number<unsigned>(info.substr(kIndex.size(), plugin - kIndex.size()));
        const std::size_t version = info.find(" version: ", plugin);
        if (!id || version == std::string_view::npos) {
            return std::nullopt;
        }
        const std::size_t start = plugin + kPlugin.size();
        return LioHba{std::string(info.substr(start, version - start)), *id, 0};
    }

    // A storage object as render_device() shows it: enable, and the info lines of
    // target_dev_info_show() and the backend's show_configfs_dev_params(). File and device
    // paths hold no ',' or newline (control_options() splits on them), so each line is read
    // from both ends.
    LioDevice read_device(const std::string& path, const std::string& plugin,
                          const std::string& hba) const {
        LioDevice d;
        d.plugin = plugin;
        d.hba = hba;
        d.configured = first_line(cfs(path + "/enable")) == "1";
        const std::string info = slurp(cfs(path + "/info")).value_or("");
        const auto lines = lines_of(info);
        // Each line but the first is indented by eight blanks.
        const auto line = [&lines](std::size_t i) {
            constexpr std::string_view kIndent = "        ";
            std::string_view l = i < lines.size() ? lines[i] : std::string_view();
            if (i > 0 && l.starts_with(kIndent)) {
                l.remove_prefix(kIndent.size());
            }
            return l;
        };
        d.block_size = static_cast<std::uint32_t>(number_after(line(0), "SectorSize: "));
        d.hw_max_sectors = static_cast<std::uint32_t>(number_after(line(0), "HwMaxSectors: "));
        if (plugin == "rd_mcp") {
            d.dev_id = static_cast<unsigned>(number_after(line(1), "TCM RamDisk ID: "));
            d.rd_pages = static_cast<std::uint32_t>(number_after(line(2), "PAGES/PAGE_SIZE: "));
            d.rd_has_pages = d.rd_pages != 0;  // rd_configure_device() refuses 0 as no rd_pages=
            d.rd_nullio = number_after(line(2), "nullio: ") == 1;
            d.rd_dummy = number_after(line(2), "dummy: ") == 1;
        } else if (plugin == "fileio") {
            // "TCM FILEIO ID: <id>        File: <name>  Size: <n>  Mode: <mode> Async: <n>"
            const std::string_view l = line(1);
            constexpr std::string_view kFile = " File: ";
            const std::size_t name = l.find(kFile);
            const std::size_t size = l.rfind("  Size: ");
            d.dev_id = static_cast<unsigned>(number_after(l, "TCM FILEIO ID: "));
            if (name != std::string_view::npos && size != std::string_view::npos &&
                size >= name + kFile.size()) {
                d.fd_name = std::string(l.substr(name + kFile.size(), size - name - kFile.size()));
                const std::string_view tail = l.substr(size);
                d.fd_size = number_after(tail, "Size: ");
                d.fd_buffered = tail.find("Mode: Buffered-WCE ") != std::string_view::npos;
                d.fd_async = number_after(tail, "Async: ") == 1;
            }
            // match_one() takes no empty %s: a name given is never empty.
            d.fd_has_path = !d.fd_name.empty();
            d.fd_has_size = d.fd_size != 0;
        } else {
            // ["iBlock device: <name>"]["  UDEV PATH: <path>"]"  readonly: <n>"
            const std::string_view l = line(1);
            constexpr std::string_view kReadonly = "  readonly: ";
            constexpr std::string_view kDevice = "iBlock device: ";
            constexpr std::string_view kUdev = "  UDEV PATH: ";
            const std::size_t ro = l.rfind(kReadonly);
            std::string_view head = l.substr(0, ro == std::string_view::npos ? 0 : ro);
            d.ib_readonly =
                ro != std::string_view::npos && number_after(l.substr(ro), kReadonly) != 0;
            if (d.configured && head.starts_with(kDevice)) {
                // The name is the path's last component (configure_iblock()): the split where
                // they agree.
                head.remove_prefix(kDevice.size());
                std::size_t split = head.find(kUdev);
                for (std::size_t at = split; at != std::string_view::npos;
                     at = head.find(kUdev, at + 1)) {
                    const fs::path udev(std::string(head.substr(at + kUdev.size())));
                    if (udev.filename().string() == head.substr(0, at)) {
                        split = at;
                        break;
                    }
                }
                if (split != std::string_view::npos) {
                    d.ib_name = std::string(head.substr(0, split));
                    d.ib_path = std::string(head.substr(split + kUdev.size()));
                    d.ib_has_path = true;
                }
                d.ib_major = static_cast<unsigned>(number_after(line(2), "Major: "));
                d.ib_minor = static_cast<unsigned>(number_after(line(2), "Minor: "));
            } else if (head.starts_with(kUdev)) {
                d.ib_path = std::string(head.substr(kUdev.size()));
                d.ib_has_path = true;
            }
        }
        return d;
    }

    // A TPG's attrib files: its port's srpt_port_attrib.
    SportAttrib read_port_attrib(const std::string& tpg) const {
        const auto value = [&](std::string_view name, std::uint64_t fallback) {
            return text::parse_number<std::uint64_t>(first_line(cfs(child(tpg + "/attrib", name))))
                .value_or(fallback);
        };
        SportAttrib a;
        a.max_rdma_size = value("srp_max_rdma_size", a.max_rdma_size);
        a.max_rsp_size = value("srp_max_rsp_size", a.max_rsp_size);
        a.sq_size = value("srp_sq_size", a.sq_size);
        a.use_srq = value("use_srq", 0) != 0;
        return a;
    }

    // LIO: HBAs from hba_info, storage objects from their attributes and the LUN links that
    // export them, TPGs from enable and rtpi. As kept, else from the tree: the next HBA index
    // and device IDs (one past the highest shown), DF_READ_ONLY (an iblock readonly=1 when
    // configured), fd_dev_size=0 given (never), rtpi written (never), each RDMA port's
    // srpt_port (the attributes of its first TPG; enabled while one of its TPGs is), the
    // sessions (the ACLs whose mapped LUNs show one), rdma_cm_port (discovery_auth's, 0 without
    // target/srpt).
    void load_lio(const Kept* k) {
        unsigned max_hba = 0;
        for (const std::string& h : entries(cfs("target/core"))) {
            const std::string dir = "target/core/" + h;
            if (classify({"target", "core", h}) != Node::hba || !is_dir(cfs(dir))) {
                continue;
            }
            auto hba = read_hba(first_line(cfs(dir + "/hba_info")));
            if (!hba) {
                continue;
            }
            max_hba = std::max(max_hba, hba->id);
            for (const std::string& so : entries(cfs(dir))) {
                if (!is_dir(cfs(child(dir, so)))) {
                    continue;
                }
                const std::string key = child(h, so);
                LioDevice d = read_device(child(dir, so), hba->plugin, h);
                if (d.configured && d.plugin != "iblock") {
                    hba->next_dev_id = std::max(hba->next_dev_id, d.dev_id + 1);
                }
                if (k != nullptr) {
                    d.fd_has_size = d.fd_has_size || k->lio_fd_size_given.count(key) != 0;
                    d.read_only = k->lio_read_only.count(key) != 0;
                } else {
                    d.read_only = d.configured && d.plugin == "iblock" && d.ib_readonly;
                }
                devices[key] = d;
            }
            if (k != nullptr) {
                const auto it = k->lio_next_dev_id.find(h);
                hba->next_dev_id = it != k->lio_next_dev_id.end() ? it->second : 0;
            }
            hbas[h] = *hba;
        }
        next_hba_id = k != nullptr ? k->lio_next_hba_id : max_hba + 1;

        std::map<std::string, SportAttrib> shown_ports;
        std::set<std::string> shown_sessions;
        for (const std::string& w : entries(cfs("target/srpt"))) {
            const Comps wwn = {"target", "srpt", w};
            if (classify(wwn) != Node::wwn || !is_dir(cfs(join(wwn)))) {
                continue;
            }
            const auto port = lio_port(w);
            for (const std::string& t : entries(cfs(join(wwn)))) {
                Comps tc = wwn;
                tc.push_back(t);
                const std::string path = join(tc);
                if (classify(tc) != Node::tpg || !is_dir(cfs(path))) {
                    continue;
                }
                LioTpg& tpg = tpgs[path];
                tpg.rtpi = static_cast<unsigned>(kstrtoull(first_line(cfs(path + "/rtpi"))).value);
                tpg.rtpi_manual = k != nullptr && k->lio_rtpi_manual.count(path) != 0;
                const bool enabled = first_line(cfs(path + "/enable")) == "1";
                if (enabled) {
                    rtpis.insert(tpg.rtpi);
                }
                for (const std::string& l : entries(cfs(path + "/lun"))) {
                    const Comps lun = {"target", "srpt", w, t, "lun", l};
                    if (classify(lun) == Node::lun && is_dir(cfs(join(lun)))) {
                        if (LioDevice* d = lun_device(lun)) {
                            ++d->exports;
                        }
                    }
                }
                if (port) {
                    const auto [it, first] =
                        shown_ports.emplace(port_key(*port), read_port_attrib(path));
                    it->second.enabled = it->second.enabled || enabled;
                }
                for (const std::string& a : entries(cfs(path + "/acls"))) {
                    const std::string acl = fmt::format("{}/acls/{}", path, a);
                    for (const std::string& m : mapped_luns(acl)) {
                        if (present(cfs(fmt::format(
                                "{}/{}/statistics/scsi_att_intr_port/port_ident", acl, m)))) {
                            shown_sessions.insert(acl);
                        }
                    }
                }
            }
        }
        sports = k != nullptr ? k->lio_ports : shown_ports;
        for (const std::string& acl : k != nullptr ? k->lio_sessions : shown_sessions) {
            const auto c = components(acl);
            if (!c || classify(*c) != Node::acl || !is_dir(cfs(acl))) {
                continue;
            }
            if (const auto port = port_of(*c)) {
                sessions[acl] = LioSession{port_key(*port)};
            }
        }
        rdma_cm_port = k != nullptr
                           ? k->lio_rdma_cm_port
                           : static_cast<std::uint16_t>(
                                 kstrtou(first_line(cfs("target/srpt/discovery_auth/rdma_cm_port")),
                                         UINT16_MAX)
                                     .value);
    }
};

TargetKernelStandIn::TargetKernelStandIn(host::TreeRoots roots)
    : state_(std::make_unique<State>(std::move(roots))) {
    state_->load();
}

TargetKernelStandIn::~TargetKernelStandIn() = default;

const host::TreeRoots& TargetKernelStandIn::roots() const {
    return state_->roots;
}

std::error_code TargetKernelStandIn::write(Tree tree, const std::string& relative,
                                           const std::string& data) {
    return state_->run(target::Op::write, tree, relative, data, 0,
                       [&] { return state_->do_write(tree, relative, data); });
}

std::error_code TargetKernelStandIn::mkdir(Tree tree, const std::string& relative) {
    return state_->run(target::Op::mkdir, tree, relative, {}, 0,
                       [&] { return state_->do_mkdir(tree, relative); });
}

std::error_code TargetKernelStandIn::rmdir(Tree tree, const std::string& relative) {
    return state_->run(target::Op::rmdir, tree, relative, {}, 0,
                       [&] { return state_->do_rmdir(tree, relative); });
}

std::error_code TargetKernelStandIn::symlink(Tree tree, const std::string& target,
                                             const std::string& relative) {
    return state_->run(target::Op::symlink, tree, relative, target, 0,
                       [&] { return state_->do_symlink(tree, target, relative); });
}

std::error_code TargetKernelStandIn::unlink(Tree tree, const std::string& relative) {
    return state_->run(target::Op::unlink, tree, relative, {}, 0,
                       [&] { return state_->do_unlink(tree, relative); });
}

std::error_code TargetKernelStandIn::create_file(Tree tree, const std::string& relative,
                                                 std::uint64_t size) {
    return state_->run(target::Op::create_file, tree, relative, {}, size,
                       [&] { return state_->do_create_file(tree, relative, size); });
}

Result<std::string> TargetKernelStandIn::read(Tree tree, const std::string& relative) {
    return state_->roots.of(tree).read(relative);
}

void TargetKernelStandIn::fail_next(std::string path_substring, int error) {
    state_->failures.emplace_back(std::move(path_substring), error);
}

std::error_code TargetKernelStandIn::scst_login(const std::string& target,
                                                const std::string& session) {
    const std::error_code ec = state_->scst_login(target, session);
    state_->save();
    return ec;
}

std::error_code TargetKernelStandIn::scst_logout(const std::string& target,
                                                 const std::string& session) {
    const std::error_code ec = state_->scst_logout(target, session);
    state_->save();
    return ec;
}

std::error_code TargetKernelStandIn::lio_login(const std::string& wwn, const std::string& tpg,
                                               const std::string& acl) {
    const std::error_code ec = state_->lio_login(wwn, tpg, acl);
    state_->save();
    return ec;
}

std::error_code TargetKernelStandIn::lio_logout(const std::string& wwn, const std::string& tpg,
                                                const std::string& acl) {
    const std::error_code ec = state_->lio_logout(wwn, tpg, acl);
    state_->save();
    return ec;
}

const std::vector<TreeCall>& TargetKernelStandIn::calls() const {
    return state_->calls;
}

}  // namespace srpadm::sim
