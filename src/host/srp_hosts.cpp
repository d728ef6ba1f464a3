// ib_srp SCSI hosts, remote ports and devices from sysfs (see srp_hosts.hpp).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/text.hpp>

namespace srpadm::host {
namespace {

std::optional<unsigned> read_unsigned(const Sysfs& sysfs, const std::string& relative) {
    const auto text = sysfs.read(relative);
    if (!text) {
        return std::nullopt;
    }
    const auto value = parse_sysfs_number(*text);
    if (!value || *value > 0xffffffffULL) {
        return std::nullopt;
    }
    return static_cast<unsigned>(*value);
}

std::optional<std::uint64_t> read_u64(const Sysfs& sysfs, const std::string& relative) {
    const auto text = sysfs.read(relative);
    return text ? parse_sysfs_number(*text) : std::nullopt;
}

std::optional<Gid> read_gid(const Sysfs& sysfs, const std::string& relative) {
    const auto text = sysfs.read(relative);
    if (!text) {
        return std::nullopt;
    }
    auto gid = Gid::parse(*text);
    return gid ? std::optional(*gid) : std::nullopt;
}

// "<prefix><number><sep>...": the number, exactly (so "port-1:" never matches "port-10:1").
std::optional<unsigned> number_after(std::string_view name, std::string_view prefix,
                                     char separator) {
    if (name.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    name.remove_prefix(prefix.size());
    unsigned value = 0;
    const auto* end = name.data() + name.size();
    const auto [ptr, ec] = std::from_chars(name.data(), end, value);
    if (ec != std::errc{} || ptr == name.data() ||
        (separator != '\0' && (ptr == end || *ptr != separator)) ||
        (separator == '\0' && ptr != end)) {
        return std::nullopt;
    }
    return value;
}

// "H:C:T:L": four decimal numbers.
bool is_hctl(std::string_view name) {
    for (int field = 0; field < 4; ++field) {
        const auto end = field < 3 ? name.find(':') : name.size();
        if (end == 0 || end == std::string_view::npos ||
            !std::all_of(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(end),
                         text::is_digit)) {
            return false;
        }
        name.remove_prefix(field < 3 ? end + 1 : end);
    }
    return name.empty();
}

RemotePort read_remote_port(const Sysfs& sysfs, const std::string& name) {
    RemotePort rp;
    rp.name = name;
    const std::string dir = "class/srp_remote_ports/" + name;
    rp.state = sysfs.read(dir + "/state").value_or("");
    rp.port_id = sysfs.read(dir + "/port_id").value_or("");
    rp.failed_reconnects = read_unsigned(sysfs, dir + "/failed_reconnects");
    model::TmoValues values;
    bool complete = true;
    for (const model::TmoKey key : model::kTmoKeys) {
        const auto text = sysfs.read(dir + "/" + std::string(model::tmo_name(key)));
        const auto value =
            text ? model::parse_tmo(key, *text) : Result<int>(Unexpected(text.error()));
        if (value) {
            values.at(key) = *value;
        } else {
            complete = false;
        }
    }
    if (complete) {
        rp.timeouts = values;
    }
    return rp;
}

std::string_view without_trailing_space(std::string_view text) {
    while (!text.empty() && text::is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte <= 0x7e;
    });
}

// A SCSI device of an SRP host: its block device and identification attributes
// (drivers/scsi/scsi_sysfs.c: vendor, model, wwid), each nullopt when missing or unusable.
ScsiDevice read_device(const Sysfs& sysfs, const std::string& hctl,
                       std::vector<std::string>& notes) {
    const std::string dir = "class/scsi_device/" + hctl + "/device";
    const auto blocks = sysfs.list(dir + "/block");
    ScsiDevice device;
    device.hctl = hctl;
    device.block = blocks && !blocks->empty() ? blocks->front() : "";
    const auto attribute = [&](std::string_view name) -> std::optional<std::string> {
        const std::string relative = fmt::format("{}/{}", dir, name);
        const auto raw = sysfs.read(relative);
        if (!raw) {
            return std::nullopt;
        }
        if (!printable_ascii(without_trailing_space(*raw))) {
            notes.push_back(fmt::format("{}: left out: '{}' is not printable ASCII",
                                        sysfs.path(relative).string(), login::printable(*raw)));
        }
        return scsi_attribute_text(*raw);
    };
    device.vendor = attribute("vendor");
    device.model = attribute("model");
    device.wwid = attribute("wwid");
    return device;
}

bool on_port(const SrpHost& host, std::string_view device, unsigned port) {
    return host.local_device == device && host.local_port == port;
}

}  // namespace

std::optional<std::string> scsi_attribute_text(std::string_view raw) {
    raw = without_trailing_space(raw);
    if (raw.empty() || !printable_ascii(raw)) {
        return std::nullopt;
    }
    return std::string(raw);
}

std::optional<std::uint64_t> id_ext_value(std::string_view id_ext) {
    return text::parse_hex(id_ext);
}

model::TmoValues ib_srp_default_timeouts(const Sysfs& sysfs) {
    model::TmoValues values;
    for (const model::TmoKey key : model::kTmoKeys) {
        const auto text =
            sysfs.read("module/ib_srp/parameters/" + std::string(model::tmo_name(key)));
        if (text) {
            if (const auto value = model::parse_tmo(key, *text)) {
                values.at(key) = *value;
            }
        }
    }
    return values;
}

std::string remote_port_attribute(const RemotePort& port, std::string_view attribute) {
    return fmt::format("{}/{}", port.path(), attribute);
}

std::optional<TargetFilter> target_filter(const login::LoginSpec& spec) {
    const auto id_ext = id_ext_value(spec.id_ext);
    if (!id_ext) {
        return std::nullopt;
    }
    return TargetFilter{*id_ext, spec.ioc_guid};
}

Result<HostScan> srp_hosts(const Sysfs& sysfs, std::optional<TargetFilter> only) {
    return srp_hosts(sysfs, only ? std::vector<TargetFilter>{*only} : std::vector<TargetFilter>{});
}

Result<HostScan> srp_hosts(const Sysfs& sysfs, const std::vector<TargetFilter>& only) {
    std::set<std::uint64_t> id_exts;
    std::set<std::pair<std::uint64_t, Guid>> targets;
    for (const TargetFilter& f : only) {
        id_exts.insert(f.id_ext);
        targets.emplace(f.id_ext, f.ioc_guid);
    }
    const bool filtered = !only.empty();
    HostScan scan;
    const auto names = sysfs.list("class/scsi_host");
    if (!names) {
        if (names.error().code == Errc::not_found) {
            return scan;
        }
        return Unexpected(names.error());
    }
    // Remote ports and SCSI devices by host number, from their class directories: read once,
    // and only when a host needs them and cannot be read the short way (see below).
    std::optional<std::map<unsigned, std::string>> rports;
    std::optional<std::map<unsigned, std::vector<std::string>>> devices;
    const auto rport_of = [&](unsigned host_no) -> std::optional<std::string> {
        // scsi_transport_srp names a host's first (and, for ib_srp, only) remote port
        // "port-<host>:1" (srp_rport_add() in drivers/scsi/scsi_transport_srp.c).
        const std::string first = fmt::format("port-{}:1", host_no);
        if (sysfs.exists("class/srp_remote_ports/" + first)) {
            return first;
        }
        if (!rports) {
            rports.emplace();
            for (const std::string& name :
                 sysfs.list("class/srp_remote_ports").value_or(std::vector<std::string>{})) {
                if (const auto h = number_after(name, "port-", ':')) {
                    rports->emplace(*h, name);  // one per host; keep the first
                }
            }
        }
        const auto it = rports->find(host_no);
        return it == rports->end() ? std::nullopt : std::optional(it->second);
    };
    const auto devices_of = [&](const std::string& host, unsigned host_no) {
        // The host's own device directory holds target<H>:<C>:<T>/<H>:<C>:<T>:<L> for each LUN
        // (scsi_alloc_target() and scsi_sysfs_add_sdev() in drivers/scsi/): a few entries, where
        // class/scsi_device lists every SCSI device of the machine.
        const std::string dir = "class/scsi_host/" + host + "/device";
        if (auto entries = sysfs.list(dir)) {
            std::vector<std::string> out;
            const std::string prefix = fmt::format("target{}:", host_no);
            for (const std::string& target : *entries) {
                if (target.rfind(prefix, 0) != 0) {
                    continue;
                }
                for (const std::string& lun : sysfs.list(fmt::format("{}/{}", dir, target))
                                                  .value_or(std::vector<std::string>{})) {
                    if (is_hctl(lun) && number_after(lun, "", ':') == host_no) {
                        out.push_back(lun);
                    }
                }
            }
            std::sort(out.begin(), out.end());
            return out;
        }
        if (!devices) {
            devices.emplace();
            for (const std::string& name :
                 sysfs.list("class/scsi_device").value_or(std::vector<std::string>{})) {
                if (const auto h = number_after(name, "", ':')) {
                    (*devices)[*h].push_back(name);
                }
            }
        }
        return (*devices)[host_no];
    };
    for (const std::string& name : *names) {
        const auto host_no = number_after(name, "host", '\0');
        if (!host_no) {
            continue;
        }
        const std::string dir = "class/scsi_host/" + name;
        const auto id_ext = read_u64(sysfs, dir + "/id_ext");
        // Another target's login costs one read: only ib_srp's hosts have an id_ext.
        if (filtered && id_ext && id_exts.count(*id_ext) == 0) {
            continue;
        }
        if (sysfs.read(dir + "/proc_name").value_or("") != "ib_srp") {
            continue;
        }
        SrpHost host;
        host.name = name;
        host.host_no = *host_no;
        const auto ioc_guid = read_u64(sysfs, dir + "/ioc_guid");
        if (!id_ext || !ioc_guid) {
            scan.problems.push_back(fmt::format("{}: SRP host without readable id_ext and ioc_guid",
                                                sysfs.path(dir).string()));
            continue;
        }
        if (filtered && targets.count({*id_ext, *ioc_guid}) == 0) {
            continue;
        }
        host.id_ext = *id_ext;
        host.ioc_guid = *ioc_guid;
        host.service_id = read_u64(sysfs, dir + "/service_id");
        if (const auto pkey = read_u64(sysfs, dir + "/pkey"); pkey && *pkey <= 0xffff) {
            host.pkey = static_cast<PKey>(*pkey);
        }
        host.dgid = read_gid(sysfs, dir + "/dgid");
        host.orig_dgid = read_gid(sysfs, dir + "/orig_dgid");
        host.sgid = read_gid(sysfs, dir + "/sgid");
        host.local_device = sysfs.read(dir + "/local_ib_device").value_or("");
        host.local_port = read_unsigned(sysfs, dir + "/local_ib_port");
        host.ch_count = read_unsigned(sysfs, dir + "/ch_count");
        host.req_lim = read_unsigned(sysfs, dir + "/req_lim");
        host.tl_retry_count = read_unsigned(sysfs, dir + "/tl_retry_count");
        if (const auto rport = rport_of(*host_no)) {
            host.remote_port = read_remote_port(sysfs, *rport);
        }
        for (const std::string& hctl : devices_of(name, *host_no)) {
            host.devices.push_back(read_device(sysfs, hctl, scan.notes));
        }
        scan.hosts.push_back(std::move(host));
    }
    std::sort(scan.hosts.begin(), scan.hosts.end(),
              [](const SrpHost& a, const SrpHost& b) { return a.host_no < b.host_no; });
    return scan;
}

const SrpHost* find_host(const std::vector<SrpHost>& hosts, std::string_view name) {
    const auto it = std::find_if(hosts.begin(), hosts.end(),
                                 [name](const SrpHost& h) { return h.name == name; });
    return it == hosts.end() ? nullptr : &*it;
}

std::vector<const SrpHost*> same_target(const std::vector<SrpHost>& hosts,
                                        const login::LoginSpec& spec, std::string_view device,
                                        unsigned port) {
    std::vector<const SrpHost*> out;
    const auto id_ext = id_ext_value(spec.id_ext);
    for (const SrpHost& host : hosts) {
        if (id_ext && host.id_ext == *id_ext && host.ioc_guid == spec.ioc_guid &&
            on_port(host, device, port)) {
            out.push_back(&host);
        }
    }
    return out;
}

const SrpHost* find_login(const std::vector<SrpHost>& hosts, const login::LoginSpec& spec,
                          std::string_view device, unsigned port) {
    if (spec.rdma) {
        // sysfs shows no destination of an RDMA/CM login; the kernel refuses a second login
        // with this id_ext and ioc_guid from the port (EEXIST) while this one is there.
        for (const SrpHost* host : same_target(hosts, spec, device, port)) {
            if (!host->going_away() && host->rdma_cm()) {
                return host;
            }
        }
        return nullptr;
    }
    if (!spec.ib) {
        return nullptr;
    }
    for (const SrpHost* host : same_target(hosts, spec, device, port)) {
        if (!host->going_away() && host->service_id == spec.ib->service_id &&
            host->pkey == spec.ib->pkey && host->target_gid() == spec.ib->dgid) {
            return host;
        }
    }
    return nullptr;
}

}  // namespace srpadm::host
