#include <algorithm>
#include <sys/stat.h>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/target/names.hpp>
#include <srpadm/target/reader.hpp>
#include <srpadm/text.hpp>

namespace srpadm::target {
namespace {

constexpr std::string_view kScstRoot = "kernel/scst_tgt";
constexpr std::string_view kScstTargets = "kernel/scst_tgt/targets/ib_srpt";
constexpr std::string_view kSrptParameters = "module/ib_srpt/parameters";
constexpr std::string_view kLioSrpt = "target/srpt";

std::string join(std::string_view a, std::string_view b) {
    return fmt::format("{}/{}", a, b);
}

std::string basename(std::string_view path) {
    while (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::vector<std::string> subdirectories(const host::Sysfs& tree, const std::string& dir) {
    std::vector<std::string> out;
    for (const std::string& name : tree.list(dir).value_or(std::vector<std::string>{})) {
        const std::string path = join(dir, name);
        if (tree.is_directory(path) && !tree.is_symlink(path)) {
            out.push_back(name);
        }
    }
    return out;
}

std::optional<std::uint64_t> read_number(const host::Sysfs& tree, const std::string& path) {
    const auto content = tree.read(path);
    return content ? host::parse_sysfs_number(scst_value(*content)) : std::nullopt;
}

bool read_flag(const host::Sysfs& tree, const std::string& path) {
    return read_number(tree, path).value_or(0) != 0;
}

// The number after "<key>" in `text` ("Size: 1048576", "nullio: 1"), if any.
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(at + key.size());
    std::size_t n = 0;
    while (n < rest.size() && text::is_digit(rest[n])) {
        ++n;
    }
    return text::parse_number<std::uint64_t>(rest.substr(0, n));
}

void read_module_parameters(const host::Sysfs& sysfs, TargetState& state) {
    if (const auto guid = read_number(sysfs, join(kSrptParameters, "srpt_service_guid"))) {
        state.service_guid = *guid;
    }
    if (const auto port = read_number(sysfs, join(kSrptParameters, "rdma_cm_port"))) {
        state.rdma_cm_port = static_cast<std::uint16_t>(*port);
    }
}

const host::HostPort* local_port_with_gid(const std::vector<host::HostPort>& ports,
                                          const Gid& gid) {
    const auto it = std::find_if(ports.begin(), ports.end(), [&gid](const host::HostPort& p) {
        return p.gid0 && *p.gid0 == gid;
    });
    return it == ports.end() ? nullptr : &*it;
}

void attach_local(TargetPort& port, const host::HostPort& local) {
    port.device = local.device;
    port.port = local.port;
    port.roce = local.link_layer == host::LinkLayer::ethernet;
    port.gid = local.gid0;
}

// ---- SCST -----------------------------------------------------------------------------------

std::vector<Lun> scst_luns(const host::Sysfs& sysfs, const std::string& dir) {
    std::vector<Lun> luns;
    for (const std::string& entry : subdirectories(sysfs, dir)) {
        const auto number = text::parse_number<std::uint32_t>(entry);
        if (!number) {
            continue;
        }
        Lun lun;
        lun.number = *number;
        lun.tpg_lun = *number;
        const std::string path = join(dir, entry);
        if (const auto link = sysfs.readlink(join(path, "device"))) {
            lun.device = basename(*link);
        }
        lun.read_only = read_flag(sysfs, join(path, "read_only"));
        luns.push_back(std::move(lun));
    }
    std::sort(luns.begin(), luns.end(),
              [](const Lun& a, const Lun& b) { return a.number < b.number; });
    return luns;
}

Device scst_device(const host::Sysfs& sysfs, const std::string& name) {
    const std::string dir = join(join(kScstRoot, "devices"), name);
    Device d;
    d.name = name;
    if (const auto link = sysfs.readlink(join(dir, "handler"))) {
        d.handler = basename(*link);
    }
    if (d.handler == "vdisk_blockio") {
        d.backing = Backing::block;
    } else if (d.handler == "vdisk_fileio") {
        d.backing = Backing::file;
    } else if (d.handler == "vdisk_nullio") {
        d.backing = Backing::null;
    }
    if (const auto filename = sysfs.read(join(dir, "filename"))) {
        d.path = scst_value(*filename);
    }
    if (const auto size = read_number(sysfs, join(dir, "size"))) {
        d.size = *size;
    } else if (const auto mb = read_number(sysfs, join(dir, "size_mb"))) {
        d.size = *mb << 20U;
    }
    d.read_only = read_flag(sysfs, join(dir, "read_only"));
    return d;
}

Result<TargetState> read_scst(const host::TreeRoots& roots,
                              const std::vector<host::HostPort>& local) {
    const host::Sysfs& sysfs = roots.sysfs;
    if (!sysfs.is_directory(kScstTargets)) {
        return fail(Errc::not_found,
                    fmt::format("SCST is loaded ({}) but its ib_srpt is not: load SCST's "
                                "ib_srpt (modprobe ib_srpt, from SCST's packages, not the "
                                "kernel's)",
                                sysfs.path(kScstRoot).string()));
    }
    TargetState state;
    state.flavour = Flavour::scst;
    read_module_parameters(sysfs, state);
    state.handlers = subdirectories(sysfs, join(kScstRoot, "handlers"));
    for (const std::string& driver : subdirectories(sysfs, join(kScstRoot, "targets"))) {
        if (driver != "ib_srpt" && driver != "copy_manager") {  // copy_manager: SCST's own
            state.other_drivers.push_back(driver);
        }
    }
    for (const std::string& name : subdirectories(sysfs, join(kScstRoot, "devices"))) {
        state.devices.push_back(scst_device(sysfs, name));
    }
    for (const std::string& name : subdirectories(sysfs, std::string(kScstTargets))) {
        const std::string dir = join(kScstTargets, name);
        TargetPort port;
        port.name = name;
        port.naming = PortNaming::gid;
        if (const auto gid = Gid::parse(name)) {
            if (const host::HostPort* lp = local_port_with_gid(local, *gid)) {
                attach_local(port, *lp);
            } else {
                port.gid = *gid;
            }
        }
        if (port.device.empty()) {
            if (const auto ll = sysfs.read(join(dir, "link_layer"))) {
                port.roce = scst_value(*ll) == "Ethernet";
            }
        }
        port.enabled = read_flag(sysfs, join(dir, "enabled"));
        port.luns = scst_luns(sysfs, join(dir, "luns"));
        for (const std::string& group : subdirectories(sysfs, join(dir, "ini_groups"))) {
            const std::string gdir = join(join(dir, "ini_groups"), group);
            Group g;
            g.name = group;
            for (const std::string& ini :
                 sysfs.list(join(gdir, "initiators")).value_or(std::vector<std::string>{})) {
                if (ini != "mgmt") {
                    g.initiators.push_back(ini);
                }
            }
            g.luns = scst_luns(sysfs, join(gdir, "luns"));
            port.open = port.open || std::find(g.initiators.begin(), g.initiators.end(), "*") !=
                                         g.initiators.end();
            port.groups.push_back(std::move(g));
        }
        for (const std::string& session : subdirectories(sysfs, join(dir, "sessions"))) {
            const std::string sdir = join(join(dir, "sessions"), session);
            Session s;
            s.initiator = session;
            if (const auto name_file = sysfs.read(join(sdir, "initiator_name"))) {
                s.initiator = scst_value(*name_file);
            }
            // luns -> .../ini_groups/<group>/luns, or the target's own luns.
            if (const auto link = sysfs.readlink(join(sdir, "luns"))) {
                const std::string_view l = *link;
                const auto at = l.find("/ini_groups/");
                if (at != std::string_view::npos) {
                    const std::string_view rest = l.substr(at + 12);
                    s.group = std::string(rest.substr(0, rest.find('/')));
                }
            }
            port.sessions.push_back(std::move(s));
        }
        state.ports.push_back(std::move(port));
    }
    return state;
}

// ---- LIO ------------------------------------------------------------------------------------

// The backstore kind of an HBA directory name ("rd_mcp_0" -> ram), nullopt for others.
std::optional<Backing> hba_backing(std::string_view hba) {
    const auto under = hba.rfind('_');
    if (under == std::string_view::npos || !text::parse_number<unsigned>(hba.substr(under + 1))) {
        return std::nullopt;
    }
    const std::string_view kind = hba.substr(0, under);
    if (kind == "iblock") {
        return Backing::block;
    }
    if (kind == "fileio") {
        return Backing::file;
    }
    if (kind == "rd_mcp") {
        return Backing::ram;
    }
    return std::nullopt;
}

std::vector<Device> lio_devices(const host::Sysfs& configfs) {
    std::vector<Device> out;
    for (const std::string& hba : subdirectories(configfs, "target/core")) {
        const auto backing = hba_backing(hba);
        if (!backing) {
            continue;
        }
        const std::string hdir = join("target/core", hba);
        for (const std::string& name : subdirectories(configfs, hdir)) {
            const std::string dir = join(hdir, name);
            Device d;
            d.name = name;
            d.handler = hba;
            d.backing = *backing;
            d.enabled = read_flag(configfs, join(dir, "enable"));
            if (const auto udev = configfs.read(join(dir, "udev_path"))) {
                d.path = std::string(text::trim_blanks(*udev));
            }
            // target_core_configfs.c target_wwn_vpd_unit_serial_show():
            // "T10 VPD Unit Serial Number: %s\n" (rtslib reads what follows the first ':').
            if (const auto serial = configfs.read(join(dir, "wwn/vpd_unit_serial"))) {
                const auto colon = serial->find(':');
                if (colon != std::string::npos) {
                    d.unit_serial =
                        std::string(text::trim_blanks(std::string_view(*serial).substr(colon + 1)));
                }
            }
            const std::string info = configfs.read(join(dir, "info")).value_or("");
            // target_core_rd.c rd_show_configfs_dev_params(): "PAGES/PAGE_SIZE: %u*%lu",
            // "nullio: %d"; target_core_file.c fd_show_configfs_dev_params(): "  Size: %llu",
            // after target_core_device.c's "SectorSize: %u".
            if (d.backing == Backing::ram) {
                const auto pages = number_after(info, "PAGES/PAGE_SIZE: ");
                const auto star = info.find("PAGES/PAGE_SIZE: ");
                const auto page_size =
                    star == std::string::npos ? std::nullopt : number_after(info.substr(star), "*");
                if (pages && page_size) {
                    d.size = *pages * *page_size;
                }
                if (number_after(info, "nullio: ").value_or(0) != 0) {
                    d.backing = Backing::null;
                }
            } else if (d.backing == Backing::file) {
                d.size = number_after(info, " Size: ").value_or(0);  // not "SectorSize: "
            }
            if (d.backing == Backing::block) {
                d.read_only = number_after(info, "readonly: ").value_or(0) != 0;
            }
            out.push_back(std::move(d));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Device& a, const Device& b) { return a.name < b.name; });
    return out;
}

// The name of the symbolic link in `dir` and where it points, if there is one.
std::optional<std::pair<std::string, std::string>> link_in(const host::Sysfs& configfs,
                                                           const std::string& dir) {
    for (const std::string& name : configfs.list(dir).value_or(std::vector<std::string>{})) {
        const std::string path = join(dir, name);
        if (configfs.is_symlink(path)) {
            return std::make_pair(name, configfs.readlink(path).value_or(""));
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> lun_number(std::string_view entry) {
    if (entry.rfind("lun_", 0) != 0) {
        return std::nullopt;
    }
    return text::parse_number<std::uint32_t>(entry.substr(4));
}

// The port's TPG: the directory with lun/ and acls/ (the port also holds default groups
// such as fabric_statistics and param).
std::optional<std::string> lio_tpg(const host::Sysfs& configfs, const std::string& port_dir) {
    for (const std::string& name : subdirectories(configfs, port_dir)) {
        const std::string dir = join(port_dir, name);
        if (configfs.is_directory(join(dir, "lun")) && configfs.is_directory(join(dir, "acls"))) {
            return name;
        }
    }
    return std::nullopt;
}

void read_lio_tpg(const host::Sysfs& configfs, const std::string& tdir, TargetPort& port) {
    port.enabled = read_flag(configfs, join(tdir, "enable"));
    for (const std::string& entry : subdirectories(configfs, join(tdir, "lun"))) {
        const auto number = lun_number(entry);
        if (!number) {
            continue;
        }
        Lun lun;
        lun.number = *number;
        lun.tpg_lun = *number;
        if (const auto link = link_in(configfs, join(join(tdir, "lun"), entry))) {
            lun.device = basename(link->second);
        }
        port.luns.push_back(std::move(lun));
    }
    std::sort(port.luns.begin(), port.luns.end(),
              [](const Lun& a, const Lun& b) { return a.number < b.number; });
    for (const std::string& acl : subdirectories(configfs, join(tdir, "acls"))) {
        const std::string adir = join(join(tdir, "acls"), acl);
        Group g;
        g.name = acl;
        g.initiators.push_back(acl);
        for (const std::string& entry : subdirectories(configfs, adir)) {
            const auto number = lun_number(entry);
            if (!number) {
                continue;
            }
            Lun lun;
            lun.number = *number;
            lun.tpg_lun = *number;
            const std::string mdir = join(adir, entry);
            lun.read_only = read_flag(configfs, join(mdir, "write_protect"));
            if (const auto link = link_in(configfs, mdir)) {
                if (const auto target = lun_number(basename(link->second))) {
                    lun.tpg_lun = *target;
                }
            }
            const auto tpg_lun =
                std::find_if(port.luns.begin(), port.luns.end(),
                             [&lun](const Lun& l) { return l.number == lun.tpg_lun; });
            if (tpg_lun != port.luns.end()) {
                lun.device = tpg_lun->device;
            }
            g.luns.push_back(std::move(lun));
        }
        std::sort(g.luns.begin(), g.luns.end(),
                  [](const Lun& a, const Lun& b) { return a.number < b.number; });
        // ib_srpt has no ACL "info" attribute; a mapped LUN's SCSI-MIB statistics show the
        // session: port_ident reads "<initiator>+i+<session id>" while there is one, and fails
        // (ENODEV) while there is none (target_core_stat.c target_stat_iport_port_ident_show()).
        for (const Lun& lun : g.luns) {
            const auto ident = configfs.read(join(
                adir, fmt::format("lun_{}/statistics/scsi_att_intr_port/port_ident", lun.number)));
            if (ident && !ident->empty()) {
                port.sessions.push_back({ident->substr(0, ident->find("+i+")), acl});
                break;
            }
        }
        port.groups.push_back(std::move(g));
    }
}

Result<TargetState> read_lio(const host::TreeRoots& roots,
                             const std::vector<host::HostPort>& local) {
    const host::Sysfs& configfs = roots.configfs;
    if (!configfs.is_directory("target")) {
        return fail(Errc::not_found,
                    fmt::format("ib_srpt is loaded but LIO's configfs tree {} is not there: "
                                "mount configfs (mount -t configfs none /sys/kernel/config) "
                                "and load target_core_mod",
                                configfs.path("target").string()));
    }
    TargetState state;
    state.flavour = Flavour::lio;
    read_module_parameters(roots.sysfs, state);
    state.rdma_cm_port.reset();  // LIO takes it from configfs, not a module parameter
    state.srpt_dir_missing = !configfs.is_directory(kLioSrpt);
    if (const auto port = read_number(configfs, join(kLioSrpt, "discovery_auth/rdma_cm_port"))) {
        state.rdma_cm_port = static_cast<std::uint16_t>(*port);
    } else if (state.srpt_dir_missing) {
        state.rdma_cm_port = 0;
    }
    state.devices = lio_devices(configfs);
    std::vector<std::string> seen;
    for (const host::HostPort& lp : local) {
        if (!lp.gid0) {
            continue;
        }
        TargetPort port;
        attach_local(port, lp);
        const std::string gid_name = lio_gid_port_name(*lp.gid0);
        const std::string guid_name = lio_guid_port_name(*lp.gid0);
        port.name = gid_name;
        port.naming = PortNaming::gid;
        port.configured = false;
        for (const auto& [name, naming] :
             {std::pair{gid_name, PortNaming::gid}, std::pair{guid_name, PortNaming::guid}}) {
            const std::string dir = join(kLioSrpt, name);
            if (!configfs.is_directory(dir)) {
                continue;
            }
            seen.push_back(name);
            if (port.configured) {
                continue;  // both forms exist: the GID form is listed, the other below
            }
            port.name = name;
            port.naming = naming;
            if (const auto tpg = lio_tpg(configfs, dir)) {
                port.tpg = *tpg;
                port.configured = true;
                read_lio_tpg(configfs, join(dir, *tpg), port);
            }
            if (!port.configured) {
                port.configured = true;  // the port exists without a TPG
                port.tpg.clear();
            }
        }
        state.ports.push_back(std::move(port));
    }
    // Port directories that no local port has (an HCA removed since): listed as they are.
    for (const std::string& name : subdirectories(configfs, std::string(kLioSrpt))) {
        if (name == "discovery_auth" || std::find(seen.begin(), seen.end(), name) != seen.end()) {
            continue;
        }
        TargetPort port;
        port.name = name;
        port.naming = name.rfind("0x", 0) == 0 ? PortNaming::gid : PortNaming::guid;
        const std::string dir = join(kLioSrpt, name);
        if (const auto tpg = lio_tpg(configfs, dir)) {
            port.tpg = *tpg;
            read_lio_tpg(configfs, join(dir, *tpg), port);
        }
        state.ports.push_back(std::move(port));
    }
    std::sort(state.ports.begin(), state.ports.end(),
              [](const TargetPort& a, const TargetPort& b) { return a.name < b.name; });
    return state;
}

}  // namespace

std::string scst_value(const std::string& content) {
    const auto nl = content.find('\n');
    return content.substr(0, nl);
}

Result<TargetState> read_target_state(const host::TreeRoots& roots) {
    const auto local = host::local_ports(roots.sysfs);
    const std::vector<host::HostPort> ports = local ? *local : std::vector<host::HostPort>{};
    if (roots.sysfs.is_directory(kScstRoot)) {
        return read_scst(roots, ports);
    }
    if (roots.sysfs.is_directory("module/ib_srpt")) {
        return read_lio(roots, ports);
    }
    return fail(Errc::not_found,
                fmt::format("no SRP target driver is loaded (neither {} nor {} exists): for "
                            "LIO, modprobe ib_srpt (configfs mounted at /sys/kernel/config); "
                            "for SCST, modprobe scst scst_vdisk and SCST's ib_srpt",
                            roots.sysfs.path(kScstRoot).string(),
                            roots.sysfs.path("module/ib_srpt").string()));
}

PathFacts inspect_path(const std::string& path) {
    PathFacts facts;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return facts;
    }
    facts.exists = true;
    facts.block_device = S_ISBLK(st.st_mode);
    facts.regular_file = S_ISREG(st.st_mode);
    facts.directory = S_ISDIR(st.st_mode);
    facts.size = facts.regular_file ? static_cast<std::uint64_t>(st.st_size) : 0;
    return facts;
}

}  // namespace srpadm::target
