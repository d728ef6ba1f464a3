#include <algorithm>
#include <array>
#include <random>
#include <set>

#include <fmt/format.h>

#include <srpadm/target/names.hpp>
#include <srpadm/target/planner.hpp>
#include <srpadm/text.hpp>

namespace srpadm::target {
namespace {

using host::Tree;

constexpr std::string_view kScstHandlers = "kernel/scst_tgt/handlers";
constexpr std::string_view kScstTargets = "kernel/scst_tgt/targets/ib_srpt";
constexpr std::string_view kLioCore = "target/core";
constexpr std::string_view kLioSrpt = "target/srpt";
constexpr std::string_view kLioTpg = "tpgt_1";  // rtslib's name for the one TPG (tag 1)
constexpr std::uint64_t kLioRamPage = 4096;     // target_core_rd.c: rd_pages of PAGE_SIZE
constexpr std::size_t kLioUnitSerialLen = 254;  // target_core_base.h INQUIRY_VPD_SERIAL_LEN
// The kernel's ib_srpt gives its TPGs only its own attributes (srp_max_rdma_size,
// srp_max_rsp_size, srp_sq_size, use_srq), not the target core's generate_node_acls.
constexpr std::string_view kLioNoGroups =
    "option --group: LIO has no initiator groups (each allowed initiator is a node ACL that "
    "sees every LUN of the port)";
constexpr std::string_view kLioNoDemoMode =
    "option --any: LIO's ib_srpt has no demo mode (no generate_node_acls): every initiator "
    "needs its own ACL, so allow each ID";

std::string join(std::string_view a, std::string_view b) {
    return fmt::format("{}/{}", a, b);
}

std::string human_size(std::uint64_t bytes) {
    constexpr std::array<std::string_view, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    std::uint64_t value = bytes;
    while (unit + 1 < kUnits.size() && value >= 1024 && value % 1024 == 0) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{} {}", value, kUnits.at(unit));
}

// The LUN numbers in use in one set.
std::set<std::uint32_t> numbers(const std::vector<Lun>& luns) {
    std::set<std::uint32_t> out;
    for (const Lun& l : luns) {
        out.insert(l.number);
    }
    return out;
}

std::uint32_t lowest_free(const std::set<std::uint32_t>& used, std::uint32_t from = 0) {
    std::uint32_t n = from;
    while (used.count(n) != 0) {
        ++n;
    }
    return n;
}

const Group* find_group(const TargetPort& port, std::string_view name) {
    const auto it = std::find_if(port.groups.begin(), port.groups.end(),
                                 [name](const Group& g) { return g.name == name; });
    return it == port.groups.end() ? nullptr : &*it;
}

std::string_view lio_hba_kind(Backing backing) {
    switch (backing) {
        case Backing::block:
            return "iblock";
        case Backing::file:
            return "fileio";
        case Backing::ram:
        case Backing::null:
        case Backing::other:
            break;
    }
    return "rd_mcp";
}

// "ib." and the 32 hex digits: how targetcli names a GID-named srpt port or ACL.
std::string targetcli_wwn(std::string_view name) {
    if (name.size() == 34 && name.rfind("0x", 0) == 0) {
        return fmt::format("ib.{}", name.substr(2));
    }
    return std::string(name);
}

// Collects the steps of a plan with their undo steps and the equivalent commands.
class Builder {
  public:
    explicit Builder(const TargetState& state) { plan_.flavour = state.flavour; }

    Plan take() { return std::move(plan_); }
    std::size_t size() const { return plan_.steps.size(); }
    void warn(std::string text) { plan_.warnings.push_back(std::move(text)); }
    void note(std::string text) {
        if (std::find(plan_.notes.begin(), plan_.notes.end(), text) == plan_.notes.end()) {
            plan_.notes.push_back(std::move(text));
        }
    }
    void equivalent(std::string line) { plan_.equivalent.push_back(std::move(line)); }

    // SCST management command with the command that reverses it.
    void scst(const std::string& path, std::string command, std::optional<std::string> undo) {
        Step s;
        s.action = {Op::write, Tree::sysfs, path, std::move(command), 0, true};
        if (undo) {
            s.undo = Action{Op::write, Tree::sysfs, path, std::move(*undo), 0, true};
        }
        plan_.steps.push_back(std::move(s));
    }
    void write(Tree tree, const std::string& path, std::string data,
               std::optional<std::string> undo) {
        Step s;
        s.action = {Op::write, tree, path, std::move(data), 0, false};
        if (undo) {
            s.undo = Action{Op::write, tree, path, std::move(*undo), 0, false};
        }
        plan_.steps.push_back(std::move(s));
    }
    void mkdir(const std::string& path) {
        plan_.steps.push_back({{Op::mkdir, Tree::configfs, path, "", 0, false},
                               Action{Op::rmdir, Tree::configfs, path, "", 0, false}});
    }
    void rmdir(const std::string& path) {
        plan_.steps.push_back({{Op::rmdir, Tree::configfs, path, "", 0, false},
                               Action{Op::mkdir, Tree::configfs, path, "", 0, false}});
    }
    void symlink(const std::string& target, const std::string& link) {
        plan_.steps.push_back({{Op::symlink, Tree::configfs, link, target, 0, false},
                               Action{Op::unlink, Tree::configfs, link, "", 0, false}});
    }
    void unlink(const std::string& link, const std::string& target) {
        plan_.steps.push_back({{Op::unlink, Tree::configfs, link, "", 0, false},
                               Action{Op::symlink, Tree::configfs, link, target, 0, false}});
    }
    void create_file(const std::string& path, std::uint64_t size) {
        plan_.steps.push_back({{Op::create_file, Tree::files, path, "", size, false},
                               Action{Op::unlink, Tree::files, path, "", 0, false}});
    }

  private:
    Plan plan_;
};

std::string scst_target_dir(const TargetPort& port) {
    return join(kScstTargets, port.name);
}

std::string lio_port_dir(const TargetPort& port) {
    return join(kLioSrpt, port.name);
}

std::string lio_tpg_dir(const TargetPort& port) {
    return join(lio_port_dir(port), port.tpg.empty() ? std::string(kLioTpg) : port.tpg);
}

// Makes target/srpt where missing: ib_srpt does not (LIO).
void lio_srpt_dir(Builder& b, const TargetState& state) {
    if (state.srpt_dir_missing) {
        b.mkdir(std::string(kLioSrpt));
    }
}

// Makes the port and its TPG where missing (LIO).
void lio_configure_port(Builder& b, const TargetPort& port) {
    if (!port.configured) {
        b.mkdir(lio_port_dir(port));
        if (port.naming == PortNaming::gid) {
            b.equivalent(fmt::format("targetcli /srpt create {}", targetcli_wwn(port.name)));
        }
    }
    if (port.tpg.empty()) {
        b.mkdir(lio_tpg_dir(port));
    }
}

// The LIO RDMA/CM listening port, set when a RoCE port is exported and none is set.
void lio_rdma_cm_port(Builder& b, const TargetState& state,
                      const std::vector<const TargetPort*>& ports,
                      std::optional<std::uint16_t> requested) {
    const bool roce =
        std::any_of(ports.begin(), ports.end(), [](const TargetPort* p) { return p->roce; });
    const std::uint16_t current = state.rdma_cm_port.value_or(0);
    std::optional<std::uint16_t> want = requested;
    if (!want && roce && current == 0) {
        want = kDefaultRdmaCmPort;
    }
    if (!want || *want == current) {
        return;
    }
    const std::string path = join(kLioSrpt, "discovery_auth/rdma_cm_port");
    if (state.flavour == Flavour::lio) {
        b.write(Tree::configfs, path, std::to_string(*want), std::to_string(current));
        b.equivalent(fmt::format("echo {} > /sys/kernel/config/{}", *want, path));
        b.note(fmt::format(
            "ib_srpt listens for RDMA/CM logins (RoCE) on port {}: initiators log in with "
            "dest=<this host's address>:{}",
            *want, *want));
    }
}

void scst_rdma_cm_warning(Builder& b, const TargetState& state,
                          const std::vector<const TargetPort*>& ports) {
    const bool roce =
        std::any_of(ports.begin(), ports.end(), [](const TargetPort* p) { return p->roce; });
    if (roce && state.rdma_cm_port.value_or(0) == 0) {
        b.warn(
            fmt::format("SCST's ib_srpt takes RDMA/CM logins (RoCE) only with its module parameter "
                        "rdma_cm_port, which is 0: echo 'options ib_srpt rdma_cm_port={}' > "
                        "/etc/modprobe.d/ib_srpt.conf and reload ib_srpt",
                        kDefaultRdmaCmPort));
    }
}

// The name a new device gets when the admin gives none.
std::string derived_name(const TargetState& state, const ExportRequest& r) {
    std::string base;
    if (r.backing == Backing::ram || r.backing == Backing::null) {
        base = r.backing == Backing::ram ? "ram" : "null";
        std::uint32_t n = 0;
        while (state.device(fmt::format("{}{}", base, n)) != nullptr) {
            ++n;
        }
        return fmt::format("{}{}", base, n);
    }
    std::string_view path = r.path;
    const auto slash = path.rfind('/');
    base = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
    if (r.backing == Backing::file) {
        const auto dot = base.rfind('.');
        if (dot != std::string::npos && dot > 0) {
            base.resize(dot);
        }
    }
    for (char& c : base) {
        const bool ok = text::is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        c == '_' || c == '.' || c == '-';
        if (!ok) {
            c = '_';
        }
    }
    if (base.empty() || base.front() == '.' || base.front() == '-') {
        base.insert(0, "disk");
    }
    base.resize(std::min<std::size_t>(base.size(), 40));
    std::string name = base;
    for (std::uint32_t n = 1; state.device(name) != nullptr; ++n) {
        name = fmt::format("{}_{}", base, n);
    }
    return name;
}

bool same_backing(const Device& d, const ExportRequest& r, const std::string& ram_path) {
    if (r.backing == Backing::block || r.backing == Backing::file) {
        return d.backing == r.backing && d.path == r.path;
    }
    if (r.backing == Backing::ram && d.backing == Backing::file) {
        return d.path == ram_path;  // SCST: srpadm's RAM disk file
    }
    return d.backing == r.backing;  // a RAM or null device of that name
}

Result<void> check_export_input(const TargetState& state, const ExportRequest& r) {
    // SCST splits its management commands at blanks and ';', LIO its control strings at ',':
    // a path with one of those (or a control character) cannot be passed on whole.
    if (r.path.find_first_of(" \t\n\r,;") != std::string::npos ||
        std::any_of(r.path.begin(), r.path.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: the kernel cannot take a path with blanks, ',', ';' or "
                                "control characters: use a link without them",
                                text::printable(r.path)));
    }
    switch (r.backing) {
        case Backing::block:
            if (!r.facts.exists) {
                return fail(Errc::not_found, fmt::format("{}: no such block device", r.path));
            }
            if (!r.facts.block_device) {
                return fail(
                    Errc::invalid_input,
                    fmt::format("{}: not a block device (export a file with --file)", r.path));
            }
            break;
        case Backing::file:
            if (r.path.empty() || r.path.front() != '/') {
                return fail(Errc::invalid_input,
                            fmt::format("--file {}: give an absolute path (the kernel opens it)",
                                        text::printable(r.path)));
            }
            if (r.facts.exists && !r.facts.regular_file) {
                return fail(
                    Errc::invalid_input,
                    fmt::format(
                        "{}: not a regular file{}", r.path,
                        r.facts.block_device ? " (export a block device with --device)" : ""));
            }
            if (!r.facts.exists && r.size == 0) {
                return fail(Errc::invalid_input,
                            fmt::format("{} does not exist: give --size to create it", r.path));
            }
            break;
        case Backing::ram:
        case Backing::null:
            if (r.size == 0) {
                return fail(Errc::invalid_input, "a RAM or null device needs --size");
            }
            break;
        case Backing::other:
            return fail(Errc::internal, "export of an unknown backing");
    }
    if (state.flavour == Flavour::scst) {
        const std::string handler = std::string(scst_vdisk_handler(r.backing));
        if (std::find(state.handlers.begin(), state.handlers.end(), handler) ==
            state.handlers.end()) {
            return fail(
                Errc::not_found,
                fmt::format("SCST's {} handler is not loaded: modprobe scst_vdisk", handler));
        }
    } else if (!r.group.empty()) {
        return fail(Errc::usage, std::string(kLioNoGroups));
    }
    if (!r.name.empty()) {
        if (auto ok = check_object_name("device name", r.name); !ok) {
            return ok;
        }
    }
    if (r.lun && *r.lun > 16383) {
        return fail(Errc::invalid_input,
                    fmt::format("LUN {}: srpadm exports LUNs 0 to 16383", *r.lun));
    }
    // target_wwn_vpd_unit_serial_store() (target_core_configfs.c) takes fewer than
    // INQUIRY_VPD_SERIAL_LEN (254) bytes and strips blanks around them; the VPD pages carry it
    // as ASCII.
    const bool printable = text::all_of(r.unit_serial, [](char c) { return c > ' ' && c < 127; });
    if (!r.unit_serial.empty() && (r.unit_serial.size() >= kLioUnitSerialLen || !printable)) {
        return fail(Errc::invalid_input,
                    fmt::format("unit serial '{}': give 1-{} printable ASCII characters without "
                                "blanks",
                                text::printable(r.unit_serial), kLioUnitSerialLen - 1));
    }
    return {};
}

// The SCST add_device parameters of a new device.
std::string scst_device_params(const ExportRequest& r, const std::string& path) {
    std::vector<std::string> params;
    if (r.backing == Backing::null) {
        params.push_back(fmt::format("size={}", r.size));
    } else {
        params.push_back(fmt::format("filename={}", path));
    }
    if (r.read_only) {
        params.emplace_back("read_only=1");
    }
    std::string out;
    for (const std::string& p : params) {
        out += (out.empty() ? "" : "; ") + p;
    }
    return out;
}

// scstadmin's -attributes form of the same.
std::string scst_attributes(const std::string& params) {
    std::string out;
    for (const char c : params) {
        if (c != ' ') {
            out += c == ';' ? ',' : c;
        }
    }
    return out;
}

// The initiators to allow, as each port names them.
Result<std::vector<InitiatorName>> parse_names(const std::vector<std::string>& names) {
    std::vector<InitiatorName> out;
    for (const std::string& n : names) {
        auto parsed = parse_initiator_name(n);
        if (!parsed) {
            return Unexpected(parsed.error());
        }
        out.push_back(std::move(*parsed));
    }
    return out;
}

struct Exported {
    std::string device;
    std::uint32_t tpg_lun = 0;
    bool read_only = false;
};

// LIO: maps every TPG LUN (and the ones being added) into a new ACL.
void lio_allow(Builder& b, const TargetPort& port, const std::string& acl,
               const std::vector<Exported>& extra) {
    const std::string tpg = lio_tpg_dir(port);
    const std::string adir = join(join(tpg, "acls"), acl);
    b.mkdir(adir);
    std::vector<Exported> luns;
    for (const Lun& l : port.luns) {
        luns.push_back({l.device, l.number, false});
    }
    luns.insert(luns.end(), extra.begin(), extra.end());
    for (const Exported& l : luns) {
        const std::string mdir = join(adir, fmt::format("lun_{}", l.tpg_lun));
        b.mkdir(mdir);
        b.symlink(join(join(tpg, "lun"), fmt::format("lun_{}", l.tpg_lun)),
                  join(mdir, fmt::format("lun_{}", l.tpg_lun)));
        // Only a linked mapped LUN takes write_protect (rtslib's MappedLUN writes it after
        // the link, too).
        if (l.read_only) {
            b.write(Tree::configfs, join(mdir, "write_protect"), "1", std::nullopt);
        }
    }
    const bool gid_form = port.naming == PortNaming::gid && acl.rfind("0x", 0) == 0;
    if (gid_form) {
        b.equivalent(fmt::format("targetcli /srpt/{}/acls create {}", targetcli_wwn(port.name),
                                 targetcli_wwn(acl)));
    } else {
        b.equivalent(
            fmt::format("# targetcli takes only ib.<32 hex digits> ACL names: the ACL "
                        "{} is made with the mkdir commands above",
                        acl));
    }
}

void scst_lun0_warning(Builder& b, const TargetPort& port, const std::string& group,
                       const std::set<std::uint32_t>& used, std::uint32_t lun) {
    if (lun != 0 && used.count(0) == 0) {
        b.warn(
            fmt::format("port {} group {}: no LUN 0; Linux initiators scan from LUN 0 and "
                        "may see no disk (scst/README: LU numbering must start at 0)",
                        port.name, group));
    }
}

}  // namespace

Result<std::vector<const TargetPort*>> choose_ports(const TargetState& state,
                                                    const PortChoice& choice) {
    std::vector<const TargetPort*> out;
    if (state.ports.empty()) {
        return fail(Errc::not_found,
                    fmt::format("{} ib_srpt has no ports: no RDMA device with a GID is there",
                                flavour_name(state.flavour)));
    }
    if (choice.empty()) {
        for (const TargetPort& p : state.ports) {
            if (!p.device.empty() || p.configured) {
                out.push_back(&p);
            }
        }
        return out;
    }
    for (const std::string& wanted : choice) {
        bool found = false;
        for (const TargetPort& p : state.ports) {
            if (p.name == wanted || p.local_name() == wanted || p.device == wanted) {
                if (std::find(out.begin(), out.end(), &p) == out.end()) {
                    out.push_back(&p);
                }
                found = true;
            }
        }
        if (!found) {
            std::string names;
            for (const TargetPort& p : state.ports) {
                names += fmt::format("{}{}{}", names.empty() ? "" : ", ", p.name,
                                     p.device.empty() ? "" : " (" + p.local_name() + ")");
            }
            return fail(Errc::not_found,
                        fmt::format("option --port {}: no such target port; there are: {}",
                                    text::printable(wanted), names));
        }
    }
    return out;
}

Result<Plan> plan_export(const TargetState& state, const ExportRequest& r) {
    if (auto ok = check_export_input(state, r); !ok) {
        return Unexpected(ok.error());
    }
    auto ports = choose_ports(state, r.ports);
    if (!ports) {
        return Unexpected(ports.error());
    }
    auto names = parse_names(r.allow);
    if (!names) {
        return Unexpected(names.error());
    }
    Builder b(state);
    const std::string name = r.name.empty() ? derived_name(state, r) : r.name;
    const std::string ram_file = join(r.ram_dir, fmt::format("srpadm-{}.img", name));
    const bool scst = state.flavour == Flavour::scst;
    const std::string backing_path = r.backing == Backing::ram && scst ? ram_file : r.path;

    // The device: reuse one that already exports this path, else open a new one.
    const Device* existing = nullptr;
    if (const Device* d = state.device(name)) {
        if (!same_backing(*d, r, ram_file)) {
            return fail(
                Errc::exists,
                fmt::format("device {} exists ({} {}{}): choose another --name", name, d->handler,
                            backing_name(d->backing), d->path.empty() ? "" : " " + d->path));
        }
        existing = d;
    } else if (r.name.empty() && (r.backing == Backing::block || r.backing == Backing::file)) {
        for (const Device& candidate : state.devices) {
            if (same_backing(candidate, r, ram_file)) {
                existing = &candidate;
            }
        }
    }
    const std::string device = existing != nullptr ? existing->name : name;
    std::string hba;
    if (existing != nullptr) {
        hba = existing->handler;
        if (r.size != 0 && existing->size != 0 && r.size != existing->size) {
            b.warn(fmt::format("device {} exists with {}: --size is ignored", device,
                               human_size(existing->size)));
        }
    } else if (scst) {
        if ((r.backing == Backing::file && !r.facts.exists) || r.backing == Backing::ram) {
            b.create_file(backing_path, r.size);
            b.equivalent(fmt::format("truncate -s {} {}", r.size, shell_quote(backing_path)));
        }
        if (r.backing == Backing::ram) {
            b.warn(fmt::format(
                "SCST has no RAM disk handler: {} is backed by the file {} on tmpfs, which "
                "takes memory as it fills and is gone after a reboot (a saved scst.conf then "
                "fails to open the device until the file is made again)",
                device, backing_path));
        }
        const std::string handler = std::string(scst_vdisk_handler(r.backing));
        const std::string params = scst_device_params(r, backing_path);
        b.scst(join(join(kScstHandlers, handler), "mgmt"),
               fmt::format("add_device {} {}", device, params),
               fmt::format("del_device {}", device));
        b.equivalent(fmt::format("scstadmin -open_dev {} -handler {} -attributes {}", device,
                                 handler, shell_quote(scst_attributes(params))));
    } else {
        // LIO: one HBA directory per storage object, as rtslib makes them.
        const std::string kind(lio_hba_kind(r.backing));
        std::set<std::uint32_t> used;
        for (const Device& d : state.devices) {
            if (d.handler.rfind(kind + "_", 0) == 0) {
                if (const auto n = text::parse_number<std::uint32_t>(
                        std::string_view(d.handler).substr(kind.size() + 1))) {
                    used.insert(*n);
                }
            }
        }
        hba = fmt::format("{}_{}", kind, lowest_free(used));
        const std::string hdir = join(kLioCore, hba);
        const std::string sdir = join(hdir, device);
        if (r.backing == Backing::file && !r.facts.exists) {
            b.create_file(r.path, r.size);
        }
        b.mkdir(hdir);
        b.mkdir(sdir);
        std::string control;
        std::string targetcli;
        switch (r.backing) {
            case Backing::block:
                control = fmt::format("udev_path={}{}", r.path, r.read_only ? ",readonly=1" : "");
                targetcli =
                    fmt::format("targetcli /backstores/block create name={} dev={}{}", device,
                                shell_quote(r.path), r.read_only ? " readonly=true" : "");
                break;
            case Backing::file: {
                const std::uint64_t size = r.facts.exists ? r.facts.size : r.size;
                control = fmt::format("fd_dev_name={},fd_dev_size={}", r.path, size);
                targetcli = fmt::format(
                    "targetcli /backstores/fileio create name={} file_or_dev={} size={}", device,
                    shell_quote(r.path), size);
                break;
            }
            case Backing::ram:
            case Backing::null:
            case Backing::other: {
                const std::uint64_t pages = (r.size + kLioRamPage - 1) / kLioRamPage;
                control = fmt::format("rd_pages={}{}", pages,
                                      r.backing == Backing::null ? ",rd_nullio=1" : "");
                targetcli = fmt::format("targetcli /backstores/ramdisk create name={} size={}{}",
                                        device, pages * kLioRamPage,
                                        r.backing == Backing::null ? " nullio=true" : "");
                break;
            }
        }
        b.write(Tree::configfs, join(sdir, "control"), control, std::nullopt);
        if (r.backing == Backing::block || r.backing == Backing::file) {
            b.write(Tree::configfs, join(sdir, "udev_path"), r.path, std::nullopt);
        }
        b.write(Tree::configfs, join(sdir, "enable"), "1", std::nullopt);
        // After enable, as rtslib writes it; before the first LUN, which the kernel requires.
        if (!r.unit_serial.empty()) {
            b.write(Tree::configfs, join(sdir, "wwn/vpd_unit_serial"), r.unit_serial, std::nullopt);
            targetcli += fmt::format(" wwn={}", r.unit_serial);
        }
        b.equivalent(targetcli);
    }

    if (!scst) {
        lio_srpt_dir(b, state);
        lio_rdma_cm_port(b, state, *ports, r.rdma_cm_port);
    } else {
        scst_rdma_cm_warning(b, state, *ports);
    }
    const std::string group = r.group.empty() ? std::string(kDefaultGroup) : r.group;
    if (scst) {
        if (auto ok = check_object_name("group name", group); !ok) {
            return Unexpected(ok.error());
        }
    }
    for (const TargetPort* port : *ports) {
        if (scst) {
            const std::string tdir = scst_target_dir(*port);
            const Group* g = find_group(*port, group);
            if (g == nullptr) {
                b.scst(join(tdir, "ini_groups/mgmt"), fmt::format("create {}", group),
                       fmt::format("del {}", group));
                b.equivalent(fmt::format("scstadmin -add_group {} -driver ib_srpt -target {}",
                                         group, port->name));
            }
            const std::vector<Lun> none;
            const std::vector<Lun>& luns = g != nullptr ? g->luns : none;
            const auto used = numbers(luns);
            const auto already = std::find_if(luns.begin(), luns.end(),
                                              [&](const Lun& l) { return l.device == device; });
            if (already != luns.end()) {
                b.note(fmt::format("port {} group {}: {} is already LUN {}", port->name, group,
                                   device, already->number));
            } else {
                const std::uint32_t lun = r.lun.value_or(lowest_free(used));
                if (used.count(lun) != 0) {
                    const auto other = std::find_if(
                        luns.begin(), luns.end(), [lun](const Lun& l) { return l.number == lun; });
                    return fail(Errc::exists,
                                fmt::format("port {} group {}: LUN {} is in use by {}; choose "
                                            "another --lun",
                                            port->name, group, lun, other->device));
                }
                scst_lun0_warning(b, *port, group, used, lun);
                b.scst(join(tdir, fmt::format("ini_groups/{}/luns/mgmt", group)),
                       fmt::format("add {} {}{}", device, lun, r.read_only ? " read_only=1" : ""),
                       fmt::format("del {}", lun));
                b.equivalent(fmt::format(
                    "scstadmin -add_lun {} -driver ib_srpt -target {} -group {} -device {}{}", lun,
                    port->name, group, device, r.read_only ? " -attributes read_only=1" : ""));
            }
            for (const InitiatorName& ini : *names) {
                PortName pn = name_for_port(ini, state.flavour, *port);
                for (std::string& w : pn.warnings) {
                    b.warn(std::move(w));
                }
                if (g != nullptr && std::find(g->initiators.begin(), g->initiators.end(),
                                              pn.name) != g->initiators.end()) {
                    continue;
                }
                b.scst(join(tdir, fmt::format("ini_groups/{}/initiators/mgmt", group)),
                       fmt::format("add {}", pn.name), fmt::format("del {}", pn.name));
                b.equivalent(
                    fmt::format("scstadmin -add_init {} -driver ib_srpt -target {} -group {}",
                                pn.name, port->name, group));
            }
            if (r.enable && !port->enabled) {
                b.write(Tree::sysfs, join(tdir, "enabled"), "1", "0");
                b.equivalent(
                    fmt::format("scstadmin -enable_target {} -driver ib_srpt", port->name));
            }
            if (!port->sessions.empty()) {
                b.note(fmt::format(
                    "initiators logged in to {} see a new LUN only after a SCSI rescan on "
                    "their side (Linux ignores the target's notice): echo '- - -' > "
                    "/sys/class/scsi_host/hostN/scan",
                    port->name));
            }
            continue;
        }
        // LIO
        lio_configure_port(b, *port);
        const std::string tpg = lio_tpg_dir(*port);
        const auto used = numbers(port->luns);
        const auto already = std::find_if(port->luns.begin(), port->luns.end(),
                                          [&](const Lun& l) { return l.device == device; });
        std::vector<Exported> added;
        if (already != port->luns.end()) {
            b.note(
                fmt::format("port {}: {} is already LUN {}", port->name, device, already->number));
        } else {
            const std::uint32_t lun = r.lun.value_or(lowest_free(used));
            if (used.count(lun) != 0) {
                const auto other = std::find_if(port->luns.begin(), port->luns.end(),
                                                [lun](const Lun& l) { return l.number == lun; });
                return fail(Errc::exists,
                            fmt::format("port {}: LUN {} is in use by {}; choose another --lun",
                                        port->name, lun, other->device));
            }
            const std::string ldir = join(join(tpg, "lun"), fmt::format("lun_{}", lun));
            b.mkdir(ldir);
            b.symlink(join(join(kLioCore, hba), device), join(ldir, device));
            b.equivalent(fmt::format(
                "targetcli /srpt/{}/luns create /backstores/{}/{} lun={} add_mapped_luns=false",
                targetcli_wwn(port->name), lio_plugin(r.backing), device, lun));
            added.push_back({device, lun, r.read_only});
            // Every initiator already allowed sees the new LUN, at the same number if free.
            for (const Group& acl : port->groups) {
                const auto mapped = numbers(acl.luns);
                const std::uint32_t m = lowest_free(mapped, mapped.count(lun) == 0 ? lun : 0);
                const std::string mdir =
                    join(join(join(tpg, "acls"), acl.name), fmt::format("lun_{}", m));
                b.mkdir(mdir);
                b.symlink(ldir, join(mdir, fmt::format("lun_{}", lun)));
                if (r.read_only) {
                    b.write(Tree::configfs, join(mdir, "write_protect"), "1", std::nullopt);
                }
                b.equivalent(fmt::format(
                    "targetcli /srpt/{}/acls/{} create mapped_lun={} tpg_lun_or_backstore={} "
                    "write_protect={}",
                    targetcli_wwn(port->name), targetcli_wwn(acl.name), m, lun,
                    r.read_only ? "true" : "false"));
            }
        }
        for (const InitiatorName& ini : *names) {
            PortName pn = name_for_port(ini, state.flavour, *port);
            for (std::string& w : pn.warnings) {
                b.warn(std::move(w));
            }
            if (find_group(*port, pn.name) != nullptr) {
                continue;
            }
            lio_allow(b, *port, pn.name, added);
        }
        if (r.enable && !port->enabled) {
            b.write(Tree::configfs, join(tpg, "enable"), "1", "0");
            b.equivalent(fmt::format("targetcli /srpt/{} enable", targetcli_wwn(port->name)));
        }
        if (!port->sessions.empty()) {
            b.note(fmt::format(
                "initiators logged in to {} see a new LUN only after a SCSI rescan on their "
                "side (Linux ignores the target's notice): echo '- - -' > "
                "/sys/class/scsi_host/hostN/scan",
                port->name));
        }
    }
    if (r.allow.empty()) {
        bool anyone = false;
        for (const TargetPort* port : *ports) {
            const Group* g = scst ? find_group(*port, group) : nullptr;
            anyone = anyone || port->open ||
                     (scst ? g != nullptr && !g->initiators.empty() : !port->groups.empty());
        }
        if (!anyone) {
            b.note(
                fmt::format("no initiator may log in yet: srpadm target allow ID{} (the "
                            "ID 'srpadm initiator-id' prints on the initiator)",
                            scst && !r.group.empty() ? " --group " + group : ""));
        }
    }
    return b.take();
}

// What allow and deny both check first: the ports, that something is named, the names, and
// what LIO has not (groups, a demo mode).
struct Access {
    std::vector<const TargetPort*> ports;
    std::vector<InitiatorName> names;
};
Result<Access> check_access(const TargetState& state, const AccessRequest& r,
                            std::string_view verb) {
    auto ports = choose_ports(state, r.ports);
    if (!ports) {
        return Unexpected(ports.error());
    }
    if (r.initiators.empty() && !r.any) {
        return fail(Errc::usage, fmt::format("name an initiator ID to {}, or --any", verb));
    }
    auto names = parse_names(r.initiators);
    if (!names) {
        return Unexpected(names.error());
    }
    if (state.flavour == Flavour::lio && !r.group.empty()) {
        return fail(Errc::usage, std::string(kLioNoGroups));
    }
    if (state.flavour == Flavour::lio && r.any) {
        return fail(Errc::usage, std::string(kLioNoDemoMode));
    }
    return Access{std::move(*ports), std::move(*names)};
}

Result<Plan> plan_allow(const TargetState& state, const AccessRequest& r) {
    auto access = check_access(state, r, "allow");
    if (!access) {
        return Unexpected(access.error());
    }
    const auto& ports = access->ports;
    const auto& names = access->names;
    const bool scst = state.flavour == Flavour::scst;
    const std::string group = r.group.empty() ? std::string(kDefaultGroup) : r.group;
    if (scst) {
        if (auto ok = check_object_name("group name", group); !ok) {
            return Unexpected(ok.error());
        }
    }
    Builder b(state);
    if (!scst) {
        lio_srpt_dir(b, state);
    }
    for (const TargetPort* port : ports) {
        if (scst) {
            const std::string tdir = scst_target_dir(*port);
            const Group* g = find_group(*port, group);
            if (g == nullptr) {
                b.scst(join(tdir, "ini_groups/mgmt"), fmt::format("create {}", group),
                       fmt::format("del {}", group));
                b.equivalent(fmt::format("scstadmin -add_group {} -driver ib_srpt -target {}",
                                         group, port->name));
            }
            if (g == nullptr || g->luns.empty()) {
                b.warn(
                    fmt::format("port {} group {} has no LUNs: the initiators log in but see "
                                "no disk until 'srpadm target export ... --group {}'",
                                port->name, group, group));
            }
            std::vector<std::string> wanted;
            for (const InitiatorName& ini : names) {
                PortName pn = name_for_port(ini, state.flavour, *port);
                for (std::string& w : pn.warnings) {
                    b.warn(std::move(w));
                }
                wanted.push_back(std::move(pn.name));
            }
            if (r.any) {
                wanted.emplace_back("*");
                b.warn(fmt::format("port {}: every initiator that logs in sees group {}'s LUNs",
                                   port->name, group));
            }
            for (const std::string& w : wanted) {
                if (g != nullptr && std::find(g->initiators.begin(), g->initiators.end(), w) !=
                                        g->initiators.end()) {
                    b.note(fmt::format("port {} group {}: {} is already allowed", port->name, group,
                                       w));
                    continue;
                }
                b.scst(join(tdir, fmt::format("ini_groups/{}/initiators/mgmt", group)),
                       fmt::format("add {}", w), fmt::format("del {}", w));
                b.equivalent(
                    fmt::format("scstadmin -add_init {} -driver ib_srpt -target {} "
                                "-group {}",
                                shell_quote(w), port->name, group));
            }
            continue;
        }
        lio_configure_port(b, *port);
        const std::string tpg = lio_tpg_dir(*port);
        for (const InitiatorName& ini : names) {
            PortName pn = name_for_port(ini, state.flavour, *port);
            for (std::string& w : pn.warnings) {
                b.warn(std::move(w));
            }
            if (find_group(*port, pn.name) != nullptr) {
                b.note(fmt::format("port {}: {} is already allowed", port->name, pn.name));
                continue;
            }
            lio_allow(b, *port, pn.name, {});
        }
        if (port->luns.empty()) {
            b.warn(
                fmt::format("port {} has no LUNs: the initiators log in but see no disk "
                            "until 'srpadm target export'",
                            port->name));
        }
    }
    return b.take();
}

Result<Plan> plan_deny(const TargetState& state, const AccessRequest& r) {
    auto access = check_access(state, r, "deny");
    if (!access) {
        return Unexpected(access.error());
    }
    const auto& ports = access->ports;
    const auto& names = access->names;
    const bool scst = state.flavour == Flavour::scst;
    Builder b(state);
    std::vector<std::string> missing;
    for (const TargetPort* port : ports) {
        std::vector<std::string> wanted;
        wanted.reserve(names.size() + 1);
        for (const InitiatorName& ini : names) {
            wanted.push_back(name_for_port(ini, state.flavour, *port).name);
        }
        if (scst) {
            if (r.any) {
                wanted.emplace_back("*");
            }
            const std::string tdir = scst_target_dir(*port);
            for (const std::string& w : wanted) {
                bool found = false;
                for (const Group& g : port->groups) {
                    if ((!r.group.empty() && g.name != r.group) ||
                        std::find(g.initiators.begin(), g.initiators.end(), w) ==
                            g.initiators.end()) {
                        continue;
                    }
                    found = true;
                    b.scst(join(tdir, fmt::format("ini_groups/{}/initiators/mgmt", g.name)),
                           fmt::format("del {}", w), fmt::format("add {}", w));
                    b.equivalent(
                        fmt::format("scstadmin -rem_init {} -driver ib_srpt -target {} -group {}",
                                    shell_quote(w), port->name, g.name));
                }
                if (!found && !r.ports.empty()) {
                    missing.push_back(fmt::format("{} on port {}", w, port->name));
                }
            }
            if (!port->luns.empty()) {
                b.warn(
                    fmt::format("port {} exports LUNs outside any group: a denied initiator "
                                "still logs in and sees those",
                                port->name));
            }
            continue;
        }
        const std::string tpg = lio_tpg_dir(*port);
        for (const std::string& w : wanted) {
            const Group* acl = find_group(*port, w);
            if (acl == nullptr) {
                if (!r.ports.empty()) {
                    missing.push_back(fmt::format("{} on port {}", w, port->name));
                }
                continue;
            }
            const std::string adir = join(join(tpg, "acls"), acl->name);
            for (const Lun& l : acl->luns) {
                const std::string mdir = join(adir, fmt::format("lun_{}", l.number));
                if (l.read_only) {
                    b.write(Tree::configfs, join(mdir, "write_protect"), "1", "1");
                }
                b.unlink(join(mdir, fmt::format("lun_{}", l.tpg_lun)),
                         join(join(tpg, "lun"), fmt::format("lun_{}", l.tpg_lun)));
                b.rmdir(mdir);
            }
            b.rmdir(adir);
            const bool gid_form = acl->name.rfind("0x", 0) == 0;
            b.equivalent(gid_form ? fmt::format("targetcli /srpt/{}/acls delete {}",
                                                targetcli_wwn(port->name), targetcli_wwn(acl->name))
                                  : fmt::format("# ACL {}: the rmdir commands above", acl->name));
            if (std::any_of(port->sessions.begin(), port->sessions.end(),
                            [&](const Session& s) { return s.group == acl->name; })) {
                b.warn(
                    fmt::format("port {}: {} is logged in; removing its ACL closes the "
                                "session now",
                                port->name, acl->name));
            }
        }
    }
    if (b.size() == 0 && missing.empty()) {
        std::string list;
        for (const std::string& n : r.initiators) {
            list += (list.empty() ? "" : ", ") + text::printable(n);
        }
        return fail(Errc::not_found,
                    fmt::format("not allowed on any port, nothing to deny: {}",
                                r.any ? (list.empty() ? "--any" : list + ", --any") : list));
    }
    if (!missing.empty()) {
        std::string list;
        for (const std::string& m : missing) {
            list += (list.empty() ? "" : "; ") + m;
        }
        if (b.size() == 0) {
            return fail(Errc::not_found, fmt::format("not allowed, nothing to deny: {}", list));
        }
        b.warn(fmt::format("not allowed, left as it is: {}", list));
    }
    return b.take();
}

Result<Plan> plan_enable(const TargetState& state, const EnableRequest& r) {
    auto ports = choose_ports(state, r.ports);
    if (!ports) {
        return Unexpected(ports.error());
    }
    const bool scst = state.flavour == Flavour::scst;
    Builder b(state);
    if (r.enable) {
        if (scst) {
            scst_rdma_cm_warning(b, state, *ports);
        } else if (!state.srpt_dir_missing) {
            lio_rdma_cm_port(b, state, *ports, r.rdma_cm_port);
        }
    }
    for (const TargetPort* port : *ports) {
        if (port->enabled == r.enable) {
            b.note(fmt::format("port {} is already {}", port->name,
                               r.enable ? "enabled" : "disabled"));
            continue;
        }
        const std::string value = r.enable ? "1" : "0";
        const std::string old = r.enable ? "0" : "1";
        if (scst) {
            b.write(Tree::sysfs, join(scst_target_dir(*port), "enabled"), value, old);
            b.equivalent(fmt::format("scstadmin -{}_target {} -driver ib_srpt",
                                     r.enable ? "enable" : "disable", port->name));
        } else {
            if (!port->configured || port->tpg.empty()) {
                b.note(fmt::format("port {} has nothing exported yet: export a device first",
                                   port->name));
                continue;
            }
            b.write(Tree::configfs, join(lio_tpg_dir(*port), "enable"), value, old);
            b.equivalent(fmt::format("targetcli /srpt/{} {}", targetcli_wwn(port->name),
                                     r.enable ? "enable" : "disable"));
        }
        if (!r.enable && !port->sessions.empty()) {
            b.warn(fmt::format("port {}: disabling it closes its {} session(s) now", port->name,
                               port->sessions.size()));
        }
    }
    return b.take();
}

Result<Plan> plan_unexport(const TargetState& state, const UnexportRequest& r) {
    const Device* device = state.device(r.device);
    if (device == nullptr) {
        std::string names;
        for (const Device& d : state.devices) {
            names += (names.empty() ? "" : ", ") + d.name;
        }
        return fail(Errc::not_found,
                    fmt::format("no device {}; there are: {}", text::printable(r.device),
                                names.empty() ? "none" : names));
    }
    auto ports = choose_ports(state, r.ports);
    if (!ports) {
        return Unexpected(ports.error());
    }
    const bool scst = state.flavour == Flavour::scst;
    Builder b(state);
    bool removed_any = false;
    for (const TargetPort* port : *ports) {
        if (scst) {
            const std::string tdir = scst_target_dir(*port);
            const auto drop = [&](const std::vector<Lun>& luns, const std::string& mgmt,
                                  const std::string& group) {
                for (const Lun& l : luns) {
                    if (l.device != device->name) {
                        continue;
                    }
                    b.scst(mgmt, fmt::format("del {}", l.number),
                           fmt::format("add {} {}{}", l.device, l.number,
                                       l.read_only ? " read_only=1" : ""));
                    b.equivalent(fmt::format(
                        "scstadmin -rem_lun {} -driver ib_srpt -target {}{} "
                        "-device {}",
                        l.number, port->name, group.empty() ? "" : " -group " + group, l.device));
                    removed_any = true;
                }
            };
            drop(port->luns, join(tdir, "luns/mgmt"), "");
            for (const Group& g : port->groups) {
                drop(g.luns, join(tdir, fmt::format("ini_groups/{}/luns/mgmt", g.name)), g.name);
            }
            continue;
        }
        const std::string tpg = lio_tpg_dir(*port);
        for (const Lun& l : port->luns) {
            if (l.device != device->name) {
                continue;
            }
            const std::string ldir = join(join(tpg, "lun"), fmt::format("lun_{}", l.number));
            for (const Group& acl : port->groups) {
                for (const Lun& m : acl.luns) {
                    if (m.tpg_lun != l.number) {
                        continue;
                    }
                    const std::string mdir =
                        join(join(join(tpg, "acls"), acl.name), fmt::format("lun_{}", m.number));
                    if (m.read_only) {
                        b.write(Tree::configfs, join(mdir, "write_protect"), "1", "1");
                    }
                    b.unlink(join(mdir, fmt::format("lun_{}", l.number)), ldir);
                    b.rmdir(mdir);
                }
            }
            b.unlink(join(ldir, device->name), join(join(kLioCore, device->handler), device->name));
            b.rmdir(ldir);
            b.equivalent(fmt::format("targetcli /srpt/{}/luns delete lun={}",
                                     targetcli_wwn(port->name), l.number));
            removed_any = true;
        }
        if (!port->sessions.empty() && removed_any) {
            b.note(
                fmt::format("initiators logged in to {} keep the disk until they rescan or "
                            "log in again; their I/O to it fails meanwhile",
                            port->name));
        }
    }
    // The device goes when no port keeps a LUN of it.
    bool still_exported = false;
    for (const TargetPort& port : state.ports) {
        if (std::find(ports->begin(), ports->end(), &port) != ports->end()) {
            continue;
        }
        const auto uses = [&](const std::vector<Lun>& luns) {
            return std::any_of(luns.begin(), luns.end(),
                               [&](const Lun& l) { return l.device == device->name; });
        };
        still_exported = still_exported || uses(port.luns) ||
                         std::any_of(port.groups.begin(), port.groups.end(),
                                     [&](const Group& g) { return uses(g.luns); });
    }
    if (!removed_any && (still_exported || r.keep_device)) {
        return fail(Errc::not_found,
                    fmt::format("{} is not exported on the chosen ports", device->name));
    }
    if (!still_exported && !r.keep_device) {
        if (scst) {
            std::string params;
            if (device->backing == Backing::null) {
                params = fmt::format("size={}", device->size);
            } else {
                params = fmt::format("filename={}", device->path);
            }
            if (device->read_only) {
                params += "; read_only=1";
            }
            b.scst(join(join(kScstHandlers, device->handler), "mgmt"),
                   fmt::format("del_device {}", device->name),
                   fmt::format("add_device {} {}", device->name, params));
            b.equivalent(
                fmt::format("scstadmin -close_dev {} -handler {}", device->name, device->handler));
        } else {
            const std::string hdir = join(kLioCore, device->handler);
            b.rmdir(join(hdir, device->name));
            b.rmdir(hdir);
            b.equivalent(fmt::format("targetcli /backstores/{} delete {}",
                                     lio_plugin(device->backing), device->name));
        }
        if (!device->path.empty() && device->backing != Backing::block) {
            b.note(fmt::format("the file {} is kept: remove it to free its space", device->path));
        }
    }
    return b.take();
}

std::string random_unit_serial() {
    std::random_device random;
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 4) {
        const std::uint32_t word = random();
        for (std::size_t k = 0; k < 4; ++k) {
            b.at(i + k) = static_cast<std::uint8_t>(word >> (8 * k));
        }
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0fU) | 0x40U);  // version 4 (RFC 4122 4.4)
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3fU) | 0x80U);  // variant 10
    std::string out;
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += fmt::format("{:02x}", b.at(i));
    }
    return out;
}

}  // namespace srpadm::target
