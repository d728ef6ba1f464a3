#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <srpadm/ops/status.hpp>
#include <srpadm/text.hpp>

namespace srpadm::ops {
namespace {

using json = nlohmann::json;

// A target as the kernel tells them apart, and a path: the target through one local port.
using TargetKey = std::pair<std::uint64_t, std::uint64_t>;  // id_ext, ioc_guid
using PathKey = std::tuple<std::uint64_t, std::uint64_t, std::string>;

std::string hex64(std::uint64_t v) {
    return fmt::format("0x{:016x}", v);
}

std::optional<std::uint64_t> hex_value(const json& j) {
    if (!j.is_string()) {
        return std::nullopt;
    }
    std::string_view text = j.get_ref<const std::string&>();
    if (text.rfind("0x", 0) == 0) {
        text.remove_prefix(2);
    }
    return host::id_ext_value(text);
}

json host_path(const host::SrpHost& h) {
    json devices = json::array();
    for (const host::ScsiDevice& d : h.devices) {
        const auto text = [](const std::optional<std::string>& v) {
            return v ? json(*v) : json(nullptr);
        };
        devices.push_back({{"hctl", d.hctl},
                           {"block", d.block.empty() ? json(nullptr) : json(d.block)},
                           {"vendor", text(d.vendor)},
                           {"model", text(d.model)},
                           {"wwid", text(d.wwid)}});
    }
    return {
        {"host", h.name},
        {"remote_port_state", h.state().empty() ? json(nullptr) : json(h.state())},
        {"transport", h.rdma_cm() ? "rdma-cm" : "ib-cm"},
        {"dgid", h.target_gid() ? json(h.target_gid()->colon_groups()) : json(nullptr)},
        {"devices", std::move(devices)},
    };
}

json sysfs_port(const host::HostPort& p) {
    return {
        {"port", p.name()},
        {"link_layer", p.link_layer_text.empty() ? json(nullptr) : json(p.link_layer_text)},
        {"sysfs_state", p.state.empty() ? json(nullptr) : json(p.state)},
        {"srp_initiator", p.srp},
        {"daemon", nullptr},
    };
}

}  // namespace

json status_document(const StatusInputs& in) {
    const bool running = in.daemon.has_value();
    json doc{{"version", kStatusVersion}};
    if (running) {
        json d = in.daemon->value("daemon", json::object());
        d["running"] = true;
        doc["daemon"] = std::move(d);
    } else {
        doc["daemon"] = {{"running", false}, {"reason", in.no_daemon}};
    }

    // Ports: every RDMA port sysfs has, with the daemon's view of those it serves.
    std::map<std::string, json> ports;
    for (const host::HostPort& p : in.ports) {
        ports.emplace(p.name(), sysfs_port(p));
    }
    if (running) {
        for (const json& p : in.daemon->value("ports", json::array())) {
            const std::string name = p.value("port", std::string());
            auto [it, fresh] = ports.try_emplace(name, json{{"port", name},
                                                            {"link_layer", nullptr},
                                                            {"sysfs_state", nullptr},
                                                            {"srp_initiator", nullptr}});
            json view = p;
            view.erase("port");
            it->second["daemon"] = std::move(view);
        }
    }
    doc["ports"] = json::array();
    for (auto& [name, p] : ports) {
        doc["ports"].push_back(std::move(p));
    }

    // Paths, grouped by target.
    std::map<TargetKey, std::map<std::string, json>> targets;  // by local port
    if (running) {
        for (const json& t : in.daemon->value("targets", json::array())) {
            const auto id = hex_value(t.value("id_ext", json()));
            const auto ioc = hex_value(t.value("ioc_guid", json()));
            if (!id || !ioc) {
                continue;  // an id_ext that is no number: the kernel could not log in to it
            }
            const std::string port = t.value("port", std::string());
            json path{{"port", port},
                      {"state", t.value("state", "unknown")},
                      {"host", t.value("host", json())},
                      {"remote_port_state", nullptr},
                      {"transport", "ib-cm"},
                      {"dgid", t.value("dgid", json())},
                      {"devices", json::array()}};
            json daemon_view = t;
            for (const char* k : {"port", "id_ext", "ioc_guid", "state", "host", "dgid"}) {
                daemon_view.erase(k);
            }
            path["daemon"] = std::move(daemon_view);
            targets[{*id, *ioc}][port] = std::move(path);
        }
    }
    for (const host::SrpHost& h : in.hosts.hosts) {
        const std::string port =
            h.local_port ? fmt::format("{}:{}", h.local_device, *h.local_port) : h.local_device;
        auto& paths = targets[{h.id_ext, h.ioc_guid}];
        auto it = paths.find(port);
        json from_sysfs = host_path(h);
        if (it != paths.end() && (it->second["host"] == h.name || it->second["host"].is_null())) {
            for (auto& [k, v] : from_sysfs.items()) {
                if (k != "dgid" || it->second["dgid"].is_null()) {
                    it->second[k] = v;
                }
            }
            continue;
        }
        // A login the daemon does not know of (not running, or not serving that port), or a
        // second login to the target from the port (another initiator_ext).
        from_sysfs["port"] = port;
        from_sysfs["state"] = "connected";
        from_sysfs["daemon"] = nullptr;
        paths.emplace(it == paths.end() ? port : port + "/" + h.name, std::move(from_sysfs));
    }
    doc["targets"] = json::array();
    for (auto& [key, paths] : targets) {
        std::size_t reachable = 0;
        std::set<std::string> connected_ports;  // a port with two logins counts once
        json list = json::array();
        for (auto& [name, p] : paths) {
            const std::string state = p.value("state", "");
            const std::string port = p.value("port", "");
            if (p["daemon"].is_object() && state != "denied" && state != "taken-down") {
                ++reachable;
            }
            if (state == "connected") {
                connected_ports.insert(port);
            }
            list.push_back(std::move(p));
        }
        const std::size_t connected = connected_ports.size();
        json t{{"id_ext", fmt::format("{:016x}", key.first)},
               {"ioc_guid", hex64(key.second)},
               {"connected_ports", connected},
               {"reachable_ports", running ? json(reachable) : json(nullptr)},
               {"paths", std::move(list)}};
        t["warning"] = running && reachable > connected
                           ? json(fmt::format("reachable on {} port{}, connected through {}",
                                              reachable, reachable == 1 ? "" : "s", connected))
                           : json(nullptr);
        doc["targets"].push_back(std::move(t));
    }
    doc["problems"] = in.hosts.problems;
    return doc;
}

std::vector<std::string> multipath_warnings(const json& document) {
    std::vector<std::string> out;
    for (const json& t : document.value("targets", json::array())) {
        const json warning = t.value("warning", json());
        if (warning.is_string()) {
            out.push_back(fmt::format("target id_ext {} ioc_guid {}: {}", t.value("id_ext", "?"),
                                      t.value("ioc_guid", "?"), warning.get<std::string>()));
        }
    }
    return out;
}

}  // namespace srpadm::ops
