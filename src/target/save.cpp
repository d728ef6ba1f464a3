#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <srpadm/target/reader.hpp>
#include <srpadm/target/save.hpp>
#include <srpadm/text.hpp>

namespace srpadm::target {

std::string default_save_path(Flavour flavour) {
    return flavour == Flavour::scst ? "/etc/scst.conf" : "/etc/target/saveconfig.json";
}

std::string save_path(Flavour flavour) {
    if (flavour == Flavour::lio && inspect_path("/etc/rtslib-fb-target").directory) {
        return "/etc/rtslib-fb-target/saveconfig.json";
    }
    return default_save_path(flavour);
}

namespace {

// ---------------------------------------------------------------------------------------------
// SCST: scst.conf.
//
// The layout is writeConfiguration's in SCST's scstadmin/scstadmin.sysfs/scstadmin, compared
// line by line with what it wrote for the regression tests in
// scstadmin/scstadmin.sysfs/scst-1.0.0/t/06-after-restore.conf and t/07-result.conf, and with
// its output for the attributes sysfs would show for the state of
// tests/unit/golden/target_save_scst.conf (the same text but for the header and the
// vdisk_blockio size below); that file read back by scstadmin's readConfigFile gives the
// state's devices, LUNs, groups and initiators. One tab per level; a device, LUN or initiator
// without attributes on one line, otherwise a braced block; attributes sorted by name; a blank
// line after a braced device and after a target's braced LUN, after the target's attributes
// and after its LUN list; a blank line before each INITIATOR of a group; "HANDLER <name> {" and
// "TARGET_DRIVER <name> {" at the start of a line, which is what the init script's
// parse_scst_conf (scstadmin/init.d/scst) reads the modules to load from.
//
// scstadmin also saves a target's rel_tgt_id (SCST gives an enabled target one,
// scst/src/scst_sysfs.c) and ib_srpt's comp_v_mask (srpt/src/ib_srpt.c): TargetState has
// neither, so SCST picks the relative target id again when the restored target is enabled.

// vdisk_nullio's size when none is given (VDISK_NULLIO_SIZE in SCST's
// scst/src/dev_handlers/scst_vdisk.c); its size attribute carries the key mark only when it
// differs from this.
constexpr std::uint64_t kScstNullioDefaultSize = 5ULL * 1024 * 1024 * 1024 * 1024 / 2;

// escapeMeta (scstadmin): a backslash before '\' and '#', double quotes around a value with a
// space (scst.conf.5: an unescaped '#' starts a comment; a value with blanks is quoted), here
// with a tab too (parseLine splits unquoted values at any white space).
std::string scst_value(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 2);
    for (const char c : value) {
        if (c == '\\' || c == '#') {
            out += '\\';
        }
        out += c;
    }
    if (out.find_first_of(" \t") != std::string::npos) {
        out = '"' + out + '"';
    }
    return out;
}

// The device's handler: its own (devices/<dev>/handler), else the vdisk handler of its backing.
std::string scst_handler(const Device& d) {
    if (!d.handler.empty()) {
        return d.handler;
    }
    if (d.backing == Backing::ram || d.backing == Backing::other) {
        return {};
    }
    return std::string(scst_vdisk_handler(d.backing));
}

// The key attributes scstadmin saves for a device, sorted by name: the ones each vdisk handler
// takes at add_device (fileio_add_dev_params, blockio_add_dev_params, nullio_add_dev_params in
// scst_vdisk.c; scst/README, "vdisk_fileio" to "vdisk_nullio") whose show function adds the key
// mark: filename, read_only when set, and a nullio device's size when not the default.
// vdisk_blockio's size is writable and marked too, but it is the block device's size: saved, it
// would hold the device at that size after the block device grows, so it is left out.
// Pass-through handlers (dev_disk, ...) have no key attributes.
std::vector<std::pair<std::string, std::string>> scst_device_attributes(const Device& d,
                                                                        std::string_view handler) {
    std::vector<std::pair<std::string, std::string>> attrs;
    const bool vdisk =
        handler == "vdisk_fileio" || handler == "vdisk_blockio" || handler == "vdisk_nullio";
    if ((handler == "vdisk_fileio" || handler == "vdisk_blockio" || handler == "vcdrom") &&
        !d.path.empty()) {
        attrs.emplace_back("filename", scst_value(d.path));
    }
    if (vdisk && d.read_only) {
        attrs.emplace_back("read_only", "1");
    }
    if (handler == "vdisk_nullio" && d.size != 0 && d.size != kScstNullioDefaultSize) {
        attrs.emplace_back("size", std::to_string(d.size));
    }
    return attrs;
}

// Whether scstadmin can read `value` back: readConfigFile (scstadmin) removes the escapes
// before parseStanza splits the text at every brace and line break, and parseLine takes a
// double quote as the start of a quoted value.
bool scst_readable(std::string_view value) {
    return value.find_first_of("{}\"\n\r") == std::string_view::npos;
}

// `buf` ending in a blank line ends in one newline (scstadmin's s/\n\n$/\n/).
void drop_final_blank(std::string& buf) {
    if (buf.ends_with("\n\n")) {
        buf.pop_back();
    }
}

template <class T, class Key>
std::vector<const T*> sorted_by(const std::vector<T>& items, Key key) {
    std::vector<const T*> out;
    out.reserve(items.size());
    for (const T& item : items) {
        out.push_back(&item);
    }
    std::stable_sort(out.begin(), out.end(),
                     [&key](const T* a, const T* b) { return key(*a) < key(*b); });
    return out;
}

// The LUNs whose device is written, by number; the others are said in warnings.
std::vector<const Lun*> scst_luns(const std::vector<Lun>& luns,
                                  const std::set<std::string>& written, std::string_view where,
                                  std::vector<std::string>& warnings) {
    std::vector<const Lun*> out;
    for (const Lun* lun : sorted_by(luns, [](const Lun& l) { return l.number; })) {
        if (written.contains(lun->device)) {
            out.push_back(lun);
        } else if (lun->device.empty()) {
            warnings.push_back(fmt::format("{}: LUN {} is not saved: its device could not be read",
                                           where, lun->number));
        } else {
            warnings.push_back(fmt::format(
                "{}: LUN {} is not saved: its device {} is not saved (scstadmin -config would "
                "fail on it)",
                where, lun->number, lun->device));
        }
    }
    return out;
}

std::string scst_target(const TargetPort& port, const std::set<std::string>& written,
                        std::vector<std::string>& warnings) {
    // The target's key attributes: "enabled" (always saved), then LUNs and groups.
    std::string buf =
        fmt::format("\tTARGET {} {{\n\t\tenabled {}\n\n", port.name, port.enabled ? 1 : 0);
    const std::string where = fmt::format("target {}", port.name);
    std::string luns;
    for (const Lun* lun : scst_luns(port.luns, written, where, warnings)) {
        if (lun->read_only) {
            luns += fmt::format("\t\tLUN {} {} {{\n\t\t\tread_only 1\n\t\t}}\n\n", lun->number,
                                lun->device);
        } else {
            luns += fmt::format("\t\tLUN {} {}\n", lun->number, lun->device);
        }
    }
    if (!luns.empty()) {
        while (luns.ends_with('\n')) {
            luns.pop_back();
        }
        luns += "\n\n";
    }
    buf += luns;
    for (const Group* group : sorted_by(port.groups, [](const Group& g) { return g.name; })) {
        std::string body;
        const std::string group_where = fmt::format("{}, group {}", where, group->name);
        for (const Lun* lun : scst_luns(group->luns, written, group_where, warnings)) {
            if (lun->read_only) {
                body += fmt::format("\t\t\tLUN {} {} {{\n\t\t\t\tread_only 1\n\t\t\t}}\n",
                                    lun->number, lun->device);
            } else {
                body += fmt::format("\t\t\tLUN {} {}\n", lun->number, lun->device);
            }
        }
        std::vector<std::string> initiators = group->initiators;
        std::sort(initiators.begin(), initiators.end());
        for (const std::string& initiator : initiators) {
            body += fmt::format("\n\t\t\tINITIATOR {}\n", scst_value(initiator));
        }
        if (body.empty()) {
            buf += fmt::format("\t\tGROUP {}\n", group->name);
        } else {
            buf += fmt::format("\t\tGROUP {} {{\n{}\t\t}}\n\n", group->name, body);
        }
    }
    drop_final_blank(buf);
    buf += "\t}\n\n";
    return buf;
}

}  // namespace

std::string scst_conf(const TargetState& state, std::string_view header_comment,
                      std::vector<std::string>& warnings) {
    std::string out;
    if (!header_comment.empty()) {
        std::string_view rest = header_comment;
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            const std::string_view line = rest.substr(0, nl);
            out += line.empty() ? std::string("#\n") : fmt::format("# {}\n", line);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        // scstadmin: the comment, a blank line, the SCST core's key attributes (none here),
        // a blank line.
        out += "\n\n";
    }

    std::map<std::string, std::vector<const Device*>> handlers;
    std::set<std::string> written;
    for (const Device& d : state.devices) {
        const std::string handler = scst_handler(d);
        if (handler.empty()) {
            warnings.push_back(
                fmt::format("device {} is not saved: it has no SCST handler (backing {})", d.name,
                            backing_name(d.backing)));
            continue;
        }
        if (!scst_readable(d.path)) {
            warnings.push_back(fmt::format(
                "device {} is not saved: scst.conf cannot hold its file name {} (a brace, double "
                "quote or line break)",
                d.name, d.path));
            continue;
        }
        handlers[handler].push_back(&d);
        written.insert(d.name);
    }
    for (auto& [handler, devices] : handlers) {
        std::sort(devices.begin(), devices.end(),
                  [](const Device* a, const Device* b) { return a->name < b->name; });
        std::string buf;
        for (const Device* d : devices) {
            const auto attrs = scst_device_attributes(*d, handler);
            if (attrs.empty()) {
                buf += fmt::format("\tDEVICE {}\n", d->name);
                continue;
            }
            buf += fmt::format("\tDEVICE {} {{\n", d->name);
            for (const auto& [name, value] : attrs) {
                buf += fmt::format("\t\t{} {}\n", name, value);
            }
            buf += "\t}\n\n";
        }
        drop_final_blank(buf);
        out += fmt::format("HANDLER {} {{\n{}}}\n\n", handler, buf);
    }

    std::string driver;
    for (const TargetPort* port :
         sorted_by(state.ports, [](const TargetPort& p) { return p.name; })) {
        driver += scst_target(*port, written, warnings);
    }
    if (!driver.empty()) {
        drop_final_blank(driver);
        out += fmt::format("TARGET_DRIVER ib_srpt {{\n{}}}\n\n", driver);
    }
    // SCST's srpt/src/ib_srpt.c: rdma_cm_port is a module parameter (0444), read at load only.
    if (state.rdma_cm_port && *state.rdma_cm_port != 0) {
        warnings.push_back(fmt::format(
            "ib_srpt's RDMA/CM port {} is a module parameter, not part of scst.conf: keep "
            "'options ib_srpt rdma_cm_port={}' in /etc/modprobe.d or logins over RoCE fail after "
            "a reboot",
            *state.rdma_cm_port, *state.rdma_cm_port));
    }
    return out;
}

std::string scst_conf(const TargetState& state, std::string_view header_comment) {
    std::vector<std::string> warnings;
    return scst_conf(state, header_comment, warnings);
}

namespace {

// ---------------------------------------------------------------------------------------------
// LIO: saveconfig.json.

using json = nlohmann::json;

// A storage object's plugin as saveconfig.json names it (rtslib/tcm.py, bs_params: the HBA
// directory prefix rd_mcp is "ramdisk", iblock is "block"; so_mapping accepts both names).
std::string lio_plugin_name(std::string_view prefix) {
    if (prefix == "rd_mcp" || prefix == "ramdisk") {
        return "ramdisk";
    }
    if (prefix == "iblock" || prefix == "block") {
        return "block";
    }
    return std::string(prefix);
}

// The plugin of a device from its HBA directory ("rd_mcp_0", rtslib/tcm.py so_from_path), or
// from its backing when the directory is not known.
std::string lio_plugin(const Device& d) {
    if (!d.handler.empty()) {
        const auto sep = d.handler.rfind('_');
        if (sep != std::string::npos &&
            text::all_of(std::string_view(d.handler).substr(sep + 1), text::is_digit)) {
            return lio_plugin_name(std::string_view(d.handler).substr(0, sep));
        }
        return lio_plugin_name(d.handler);
    }
    return std::string(target::lio_plugin(d.backing));
}

// The srpt wwn rtslib keeps for a configfs name: "ib." and the 32 hex digits of "0x" and a GID
// (rtslib/fabric.py SRPTFabricModule: wwn_types ("ib",), to_fabric_wwn "ib." -> "0x";
// rtslib/utils.py normalize_wwn: lower case, r"ib\.[0-9a-f]{32}$"). nullopt for what it cannot
// name: a GUID (xxxx:xxxx:xxxx:xxxx) or an IP address.
std::optional<std::string> srpt_wwn(std::string_view name) {
    if (name.size() != 34 || (name.substr(0, 2) != "0x" && name.substr(0, 2) != "0X") ||
        !text::all_of(name.substr(2), text::is_hex_digit)) {
        return std::nullopt;
    }
    std::string wwn = "ib.";
    for (const char c : name.substr(2)) {
        wwn += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return wwn;
}

std::string_view acl_kind(std::string_view name) {
    if (name.find('.') != std::string_view::npos) {
        return "an IPv4 address";
    }
    if (name.size() == 19 && std::count(name.begin(), name.end(), ':') == 3) {
        return "a GUID";
    }
    if (name.find(':') != std::string_view::npos) {
        return "an IPv6 address";
    }
    return "a name that is not a GID";
}

// Keys of `from` that `into` lacks, copied into `into` (an entry srpadm rewrites keeps what
// srpadm does not describe: the unit serial, attributes, aliases).
void carry_over(json& into, const json& from) {
    if (!from.is_object()) {
        return;
    }
    for (const auto& [key, value] : from.items()) {
        if (!into.contains(key)) {
            into[key] = value;
        }
    }
}

const json* find_entry(const json& list, std::string_view key, const json& value) {
    if (!list.is_array()) {
        return nullptr;
    }
    for (const json& entry : list) {
        if (entry.is_object() && entry.contains(key) && entry[std::string(key)] == value) {
            return &entry;
        }
    }
    return nullptr;
}

struct SoKey {
    std::string plugin;
    std::string name;
    bool operator==(const SoKey&) const = default;
    bool operator<(const SoKey& other) const {
        return std::tie(plugin, name) < std::tie(other.plugin, other.name);
    }
};

std::optional<SoKey> so_key(const json& so) {
    if (!so.is_object() || !so.contains("plugin") || !so.contains("name") ||
        !so["plugin"].is_string() || !so["name"].is_string()) {
        return std::nullopt;
    }
    return SoKey{lio_plugin_name(so["plugin"].get<std::string>()), so["name"].get<std::string>()};
}

std::string so_path(const SoKey& key) {
    return fmt::format("/backstores/{}/{}", key.plugin, key.name);
}

// A storage object as RTSRoot.restore hands it to its class (rtslib/root.py restore: the entry
// less exists, attributes, plugin, buffered_mode and alua_tpgs becomes the constructor's
// arguments; rtslib/tcm.py): block: dev, readonly (BlockStorageObject); fileio: dev and size,
// which a file needs (FileIOStorageObject._configure); ramdisk: size in bytes and nullio when
// set (RDMCPStorageObject); each with wwn, its unit serial (StorageObject._configure() writes it
// to wwn/vpd_unit_serial, a new random one when there is none, so that without it the disk's
// identifiers change at every restore). nullopt when rtslib could not create it from what
// srpadm knows.
std::optional<json> storage_object(const Device& d, const std::string& plugin,
                                   std::vector<std::string>& warnings) {
    const std::string what = fmt::format("storage object {}/{}", d.handler, d.name);
    if (!d.enabled) {
        warnings.push_back(fmt::format("{} is not saved: it is not enabled", what));
        return std::nullopt;
    }
    json so{{"name", d.name}, {"plugin", plugin}};
    if (plugin == "block" || plugin == "fileio") {
        if (d.path.empty()) {
            warnings.push_back(
                fmt::format("{} is not saved: its backing device or file is not known", what));
            return std::nullopt;
        }
        so["dev"] = d.path;
        if (plugin == "block") {
            so["readonly"] = d.read_only;
        } else if (d.size != 0) {
            so["size"] = d.size;
        }
    } else if (plugin == "ramdisk") {
        if (d.size == 0) {
            warnings.push_back(fmt::format("{} is not saved: its size is not known", what));
            return std::nullopt;
        }
        so["size"] = d.size;
        if (d.backing == Backing::null) {
            so["nullio"] = true;
        }
    } else {
        warnings.push_back(fmt::format(
            "{} is not saved: srpadm does not describe {} storage objects (an entry already in "
            "the file is kept)",
            what, plugin.empty() ? "these" : plugin));
        return std::nullopt;
    }
    if (!d.unit_serial.empty()) {
        so["wwn"] = d.unit_serial;
    }
    return so;
}

// The existing entry's keys srpadm does not write, when it describes the same backing (the same
// dev; a ramdisk has none). A fileio entry's size is kept when srpadm does not know it.
void merge_storage_object(json& so, const json* old) {
    if (old == nullptr || so.value("dev", json()) != old->value("dev", json())) {
        return;
    }
    json kept = *old;
    kept.erase("plugin");
    if (so["plugin"] == "ramdisk" && !so.contains("nullio")) {
        kept.erase("nullio");
    }
    carry_over(so, kept);
}

// The existing file as a JSON object; an empty object when there is none (no text, or only
// white space).
Result<json> parse_existing(std::optional<std::string_view> existing, std::string_view name) {
    if (!existing || existing->empty() || text::all_of(*existing, text::is_space)) {
        return json::object();
    }
    json doc;
    try {
        doc = json::parse(existing->begin(), existing->end());
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        if (const auto at = what.find("] ");
            what.starts_with("[json.exception") && at != std::string::npos) {
            what.erase(0, at + 2);
        }
        return fail(Errc::invalid_input, fmt::format("{}: not valid JSON: {}", name, what));
    }
    if (!doc.is_object()) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: not an rtslib saved configuration: the top level is not a "
                                "JSON object",
                                name));
    }
    for (const char* key : {"storage_objects", "targets", "fabric_modules"}) {
        if (!doc.contains(key)) {
            continue;
        }
        const json& list = doc[key];
        if (!list.is_array() ||
            !std::all_of(list.begin(), list.end(), [](const json& e) { return e.is_object(); })) {
            return fail(Errc::invalid_input,
                        fmt::format("{}: not an rtslib saved configuration: \"{}\" is not a list "
                                    "of objects",
                                    name, key));
        }
    }
    return doc;
}

// The TPG tag of "tpgt_<N>" (rtslib/target.py, TPG: its directory is "tpgt_%d"); 1 when the
// name does not say.
std::uint32_t tpg_tag(std::string_view tpg) {
    if (tpg.starts_with("tpgt_")) {
        if (const auto n = text::parse_number<std::uint32_t>(tpg.substr(5))) {
            return *n;
        }
    }
    return 1;
}

// One srpt target (rtslib/target.py Target.dump: wwn, fabric, tpgs; TPG.dump: tag, enable, luns,
// portals, node_acls, attributes; LUN.dump: index, storage_object "/backstores/<plugin>/<name>";
// NodeACL.dump: node_wwn, mapped_luns; MappedLUN.dump: index, tpg_lun, write_protect).
json srpt_target(const TargetPort& port, const std::string& wwn,
                 const std::map<std::string, SoKey>& lun_objects, const json* old,
                 std::vector<std::string>& warnings) {
    const std::uint32_t tag = tpg_tag(port.tpg);
    const json* old_tpg = nullptr;
    if (old != nullptr && old->contains("tpgs")) {
        old_tpg = find_entry((*old)["tpgs"], "tag", tag);
    }
    const json empty_list = json::array();
    const json& old_luns = old_tpg != nullptr ? old_tpg->value("luns", empty_list) : empty_list;
    const json& old_acls =
        old_tpg != nullptr ? old_tpg->value("node_acls", empty_list) : empty_list;

    json luns = json::array();
    std::set<std::uint32_t> tpg_luns;
    for (const Lun* lun : sorted_by(port.luns, [](const Lun& l) { return l.number; })) {
        const auto so = lun_objects.find(lun->device);
        if (so == lun_objects.end()) {
            warnings.push_back(fmt::format(
                "srpt port {}: LUN {} is not saved: {}", port.name, lun->number,
                lun->device.empty()
                    ? std::string("its storage object could not be read")
                    : fmt::format("its storage object {} is not in the file", lun->device)));
            continue;
        }
        json entry{{"index", lun->number}, {"storage_object", so_path(so->second)}};
        const json* old_lun = find_entry(old_luns, "index", lun->number);
        if (old_lun != nullptr &&
            old_lun->value("storage_object", json()) == entry["storage_object"]) {
            carry_over(entry, *old_lun);
        }
        luns.push_back(std::move(entry));
        tpg_luns.insert(lun->number);
    }

    json acls = json::array();
    std::map<std::string, json> by_wwn;
    for (const Group& group : port.groups) {
        const auto node_wwn = srpt_wwn(group.name);
        if (!node_wwn) {
            warnings.push_back(fmt::format(
                "srpt port {}: ACL {} is not saved: it is named by {}, and rtslib's "
                "saveconfig.json names srpt ACLs only by a GID (0x and 32 hex digits), so "
                "target.service will not restore it",
                port.name, group.name, acl_kind(group.name)));
            continue;
        }
        const json* old_acl = find_entry(old_acls, "node_wwn", *node_wwn);
        const json empty_mapped = json::array();
        const json& old_mapped =
            old_acl != nullptr ? old_acl->value("mapped_luns", empty_mapped) : empty_mapped;
        json mapped = json::array();
        for (const Lun* lun : sorted_by(group.luns, [](const Lun& l) { return l.number; })) {
            if (!tpg_luns.contains(lun->tpg_lun)) {
                warnings.push_back(fmt::format(
                    "srpt port {}: ACL {}: LUN {} is not saved: the TPG LUN {} it maps is not "
                    "saved",
                    port.name, group.name, lun->number, lun->tpg_lun));
                continue;
            }
            json entry{{"index", lun->number},
                       {"tpg_lun", lun->tpg_lun},
                       {"write_protect", lun->read_only}};
            const json* old_lun = find_entry(old_mapped, "index", lun->number);
            if (old_lun != nullptr && old_lun->value("tpg_lun", json()) == entry["tpg_lun"]) {
                carry_over(entry, *old_lun);
            }
            mapped.push_back(std::move(entry));
        }
        json acl{{"mapped_luns", std::move(mapped)}, {"node_wwn", *node_wwn}};
        if (old_acl != nullptr) {
            carry_over(acl, *old_acl);
        }
        by_wwn[*node_wwn] = std::move(acl);
    }
    for (auto& [node_wwn, acl] : by_wwn) {
        acls.push_back(std::move(acl));
    }

    json tpg{{"enable", port.enabled},
             {"luns", std::move(luns)},
             {"node_acls", std::move(acls)},
             {"portals", json::array()},
             {"tag", tag}};
    // generate_node_acls (TargetPort::open) is the one TPG attribute srpadm knows; the others
    // an existing entry has are kept.
    json attributes =
        old_tpg != nullptr ? old_tpg->value("attributes", json::object()) : json::object();
    if (!attributes.is_object()) {
        attributes = json::object();
    }
    if (port.open) {
        attributes["generate_node_acls"] = 1;
    } else if (attributes.contains("generate_node_acls")) {
        attributes["generate_node_acls"] = 0;
    }
    if (!attributes.empty()) {
        tpg["attributes"] = std::move(attributes);
    }
    if (old_tpg != nullptr) {
        carry_over(tpg, *old_tpg);
    }

    json target{{"fabric", "srpt"}, {"tpgs", json::array({std::move(tpg)})}, {"wwn", wwn}};
    if (old != nullptr) {
        carry_over(target, *old);
    }
    return target;
}

}  // namespace

Result<std::string> lio_saveconfig(const TargetState& state,
                                   std::optional<std::string_view> existing,
                                   std::vector<std::string>& warnings,
                                   std::string_view existing_name) {
    auto parsed = parse_existing(existing, existing_name);
    if (!parsed) {
        return tl::make_unexpected(parsed.error());
    }
    json& doc = *parsed;
    const json old_objects = doc.value("storage_objects", json::array());
    const json old_targets = doc.value("targets", json::array());

    // The state's storage objects that can be written, by (plugin, name).
    std::map<SoKey, json> ours;
    std::map<std::string, SoKey> lun_objects;  // Device::name -> where its LUNs point
    for (const Device* d : sorted_by(state.devices, [](const Device& x) { return x.name; })) {
        const std::string plugin = lio_plugin(*d);
        const SoKey key{plugin, d->name};
        auto so = storage_object(*d, plugin, warnings);
        if (so) {
            const json* old = nullptr;
            for (const json& entry : old_objects) {
                if (so_key(entry) == key) {
                    old = &entry;
                }
            }
            merge_storage_object(*so, old);
            if (plugin == "fileio" && !so->contains("size")) {
                warnings.push_back(fmt::format(
                    "storage object {}/{}: its size is not known, and rtslib's restore needs it "
                    "when {} is a file",
                    d->handler, d->name, d->path));
            }
            ours[key] = std::move(*so);
            lun_objects.emplace(d->name, key);
            continue;
        }
        // An entry the file already has for it still serves its LUNs.
        if (std::any_of(old_objects.begin(), old_objects.end(),
                        [&key](const json& e) { return so_key(e) == key; })) {
            lun_objects.emplace(d->name, key);
        }
    }

    // storage_objects: the file's entries in their order, those the state describes replaced in
    // place, then the state's others by plugin and name.
    json objects = json::array();
    std::set<SoKey> placed;
    for (const json& entry : old_objects) {
        const auto key = so_key(entry);
        if (key && ours.contains(*key)) {
            if (placed.insert(*key).second) {
                objects.push_back(ours[*key]);
            }
            continue;
        }
        objects.push_back(entry);
    }
    for (auto& [key, so] : ours) {
        if (!placed.contains(key)) {
            objects.push_back(std::move(so));
        }
    }

    // The srpt targets of the state's configured ports.
    std::map<std::string, json> srpt;
    for (const TargetPort& port : state.ports) {
        if (!port.configured) {
            continue;
        }
        const auto wwn = srpt_wwn(port.name);
        if (!wwn) {
            std::string hint;
            if (port.gid) {
                hint = fmt::format(" (by its GID it is 0x{})", port.gid->hex());
            }
            warnings.push_back(fmt::format(
                "srpt port {}{} is not saved: it is named by {}, and rtslib's saveconfig.json "
                "names srpt targets only by a GID (0x and 32 hex digits), so target.service "
                "will not restore it{}",
                port.name, port.local_name().empty() ? "" : fmt::format(" ({})", port.local_name()),
                port.naming == PortNaming::guid ? "its GUID" : "a name that is not a GID", hint));
            continue;
        }
        const json* old = nullptr;
        for (const json& t : old_targets) {
            if (t.value("fabric", json()) == "srpt" && t.value("wwn", json()) == *wwn) {
                old = &t;
            }
        }
        srpt[*wwn] = srpt_target(port, *wwn, lun_objects, old, warnings);
    }

    // targets: the other fabrics' in their order, srpt ones replaced in place (dropped when the
    // state has no such port), then the state's other srpt targets by wwn.
    json targets = json::array();
    std::set<std::string> placed_targets;
    for (const json& t : old_targets) {
        if (t.value("fabric", json()) != "srpt") {
            targets.push_back(t);
            continue;
        }
        const json wwn = t.value("wwn", json());
        if (wwn.is_string() && srpt.contains(wwn.get<std::string>()) &&
            placed_targets.insert(wwn.get<std::string>()).second) {
            targets.push_back(srpt[wwn.get<std::string>()]);
        }
    }
    for (auto& [wwn, t] : srpt) {
        if (!placed_targets.contains(wwn)) {
            targets.push_back(std::move(t));
        }
    }

    if (state.rdma_cm_port && *state.rdma_cm_port != 0) {
        warnings.push_back(fmt::format(
            "ib_srpt's RDMA/CM port {} (configfs target/srpt/discovery_auth/rdma_cm_port) is not "
            "part of saveconfig.json: rtslib does not save it, so logins over RoCE fail after a "
            "reboot until it is set again",
            *state.rdma_cm_port));
    }

    doc["storage_objects"] = std::move(objects);
    doc["targets"] = std::move(targets);
    if (!doc.contains("fabric_modules")) {
        doc["fabric_modules"] = json::array();
    }
    try {
        // rtslib/root.py save_to_file: json.dump(sort_keys=True, indent=2) and a newline;
        // Python's ensure_ascii escapes what is not ASCII.
        return doc.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
    } catch (const json::type_error& e) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: cannot be written: a name or path is not UTF-8 ({})",
                                existing_name, e.what()));
    }
}

std::vector<std::string> persistence_notes(Flavour flavour) {
    if (flavour == Flavour::scst) {
        return {
            // scstadmin/systemd/scst.service, scstadmin/init.d/scst (start_scst).
            "SCST: scst.service (enable it: systemctl enable scst) runs /etc/init.d/scst start at "
            "boot, which loads the SCST modules, clears the running configuration and applies "
            "/etc/scst.conf with 'scstadmin -config /etc/scst.conf'; if that fails it unloads "
            "SCST again.",
            // scstadmin/init.d/scst, parse_scst_conf; scstadmin/default/scst.
            "SCST: there is no separate module list: the init script loads scst, one module per "
            "HANDLER section of /etc/scst.conf (scst_vdisk for vdisk_fileio, vdisk_blockio and "
            "vdisk_nullio) and one per TARGET_DRIVER section (ib_srpt for ib_srpt); any other "
            "module goes into SCST_TARGET_MODULES in /etc/default/scst.",
            // scstadmin/scstadmin.sysfs/man5/scst.conf.5, KERNEL MODULE PARAMETERS; srpt/README.
            "SCST: ib_srpt's module parameters (rdma_cm_port for logins over RoCE or iWARP, "
            "srpt_service_guid, ...) are not part of scst.conf: set them with an 'options "
            "ib_srpt ...' line in /etc/modprobe.d/ib_srpt.conf.",
        };
    }
    return {
        // rtslib-fb's systemd/target.service, rtslib/root.py (restore_from_file, restore).
        "LIO: target.service runs 'targetctl restore' at boot (Debian 12's python3-rtslib-fb "
        "installs and enables it as rtslib-fb-targetctl.service): it clears the running "
        "configuration and recreates the storage objects and targets of the saved file.",
        // Debian 12's python3-rtslib-fb: targetctl and rtslib_fb/root.py, default_save_file.
        "LIO: Debian 12's rtslib-fb reads /etc/rtslib-fb-target/saveconfig.json, not "
        "/etc/target/saveconfig.json: on Debian save to that file.",
        // rtslib/fabric.py, _BaseFabricModule._check_self and SRPTFabricModule (kernel_module
        // "ib_srpt"); rtslib/utils.py modprobe.
        "LIO: no module list is needed: restoring an srpt target loads ib_srpt itself "
        "(rtslib runs 'modprobe ib_srpt' when configfs target/srpt cannot be created); the "
        "RDMA device must be registered by then, target.service is ordered only after "
        "network.target.",
        // rtslib/fabric.py SRPTFabricModule: features ("acls",), no discovery_auth.
        "LIO: the RDMA/CM port (target/srpt/discovery_auth/rdma_cm_port) is not saved by "
        "rtslib: write it again after each boot (e.g. an ExecStartPost= in a drop-in for "
        "target.service); ib_srpt's module parameters (srpt_service_guid, ...) go in an "
        "'options ib_srpt ...' line in /etc/modprobe.d.",
    };
}

}  // namespace srpadm::target
