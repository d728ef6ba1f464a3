#include "host_render.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace srpadm::cli {
namespace {

using nlohmann::json;

std::string hex64(std::uint64_t v) {
    return fmt::format("0x{:016x}", v);
}

json tmo_json(int value) {
    return value >= 0 ? json(value) : json("off");
}

template <class T, class F>
json optional_json(const std::optional<T>& value, F&& convert) {
    return value ? json(convert(*value)) : json(nullptr);
}

std::string port_name(const std::string& device, const std::optional<unsigned>& port) {
    return port ? fmt::format("{}:{}", device, *port)
                : (device.empty() ? std::string("?") : device);
}

// A remote port's three timeouts, as sysfs names and shows them.
std::string timeouts_text(const std::optional<model::TmoValues>& timeouts) {
    if (!timeouts) {
        return "timeouts unreadable";
    }
    return fmt::format("fast_io_fail_tmo {} dev_loss_tmo {} reconnect_delay {}",
                       model::format_tmo(timeouts->fast_io_fail_tmo),
                       model::format_tmo(timeouts->dev_loss_tmo),
                       model::format_tmo(timeouts->reconnect_delay));
}

std::string port_name(const host::SrpHost& h) {
    return port_name(h.local_device, h.local_port);
}

// Hosts grouped by target, groups in the order of their first host.
std::vector<std::vector<const host::SrpHost*>> by_target(const std::vector<host::SrpHost>& hosts) {
    std::vector<std::vector<const host::SrpHost*>> groups;
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> index;
    for (const host::SrpHost& h : hosts) {
        const auto key = std::make_pair(h.id_ext, h.ioc_guid);
        const auto it = index.find(key);
        if (it == index.end()) {
            index.emplace(key, groups.size());
            groups.push_back({&h});
        } else {
            groups[it->second].push_back(&h);
        }
    }
    return groups;
}

std::string devices_text(const host::SrpHost& h) {
    std::string out;
    for (const host::ScsiDevice& d : h.devices) {
        out += " " + (d.block.empty() ? d.hctl : d.block);
    }
    return out.empty() ? "" : " " + out;
}

std::string link_layer_name(const host::HostPort& p) {
    switch (p.link_layer) {
        case host::LinkLayer::infiniband:
            return "InfiniBand";
        case host::LinkLayer::ethernet:
            return "Ethernet";
        case host::LinkLayer::other:
            break;
    }
    return p.link_layer_text;
}

// The RDMA/CM source addresses of a RoCE port, each once: IPv4 first, then IPv6, link-local
// (fe80::/10) last, each group in GID table order.
std::vector<std::string> source_addresses(const host::HostPort& p) {
    const auto rank = [](const Gid& g) {
        const bool v4 = g.raw[10] == 0xff && g.raw[11] == 0xff && g.prefix() == 0;
        const bool link_local = g.raw[0] == 0xfe && (g.raw[1] & 0xc0U) == 0x80;
        return v4 ? 0 : link_local ? 2 : 1;
    };
    std::vector<std::string> out;
    for (int want = 0; want <= 2; ++want) {
        for (const host::PortGid& g : p.gids) {
            auto text = model::source_address_text(g.gid);
            if (rank(g.gid) == want && text &&
                std::find(out.begin(), out.end(), *text) == out.end()) {
                out.push_back(*text);
            }
        }
    }
    return out;
}

}  // namespace

std::string render_list_text(const std::vector<host::SrpHost>& hosts, bool verbose) {
    if (hosts.empty()) {
        return "no SRP logins\n";
    }
    std::string out;
    for (const auto& group : by_target(hosts)) {
        const host::SrpHost& first = *group.front();
        out += fmt::format("target id_ext {:016x} ioc_guid {:016x} ({} path{})\n", first.id_ext,
                           first.ioc_guid, group.size(), group.size() == 1 ? "" : "s");
        for (const host::SrpHost* h : group) {
            std::string address = "RDMA/CM";
            if (!h->rdma_cm()) {
                const auto gid = h->target_gid();
                address = fmt::format("dgid {} pkey {}", gid ? gid->hex() : "?",
                                      h->pkey ? fmt::format("{:04x}", *h->pkey) : "?");
                if (h->dgid && h->orig_dgid && *h->dgid != *h->orig_dgid) {
                    address += fmt::format(" (redirected to {})", h->dgid->hex());
                }
            }
            const std::string state = h->state().empty() ? "?" : h->state();
            out += fmt::format("  {:<7} {:<10} {:<10} {}{}\n", h->name, port_name(*h), state,
                               address, devices_text(*h));
            if (verbose && h->remote_port) {
                const auto& rp = *h->remote_port;
                out += fmt::format(
                    "          {} {} failed_reconnects {}\n", rp.name, timeouts_text(rp.timeouts),
                    rp.failed_reconnects ? fmt::format("{}", *rp.failed_reconnects) : "?");
            }
        }
    }
    return out;
}

json render_list_json(const std::vector<host::SrpHost>& hosts,
                      const std::vector<std::string>& problems) {
    json targets = json::array();
    const auto gid_hex = [](const Gid& g) { return g.hex(); };
    for (const auto& group : by_target(hosts)) {
        json paths = json::array();
        for (const host::SrpHost* h : group) {
            json devices = json::array();
            for (const host::ScsiDevice& d : h->devices) {
                const auto text = [](const std::string& v) { return v; };
                devices.push_back({{"hctl", d.hctl},
                                   {"block", d.block.empty() ? json(nullptr) : json(d.block)},
                                   {"vendor", optional_json(d.vendor, text)},
                                   {"model", optional_json(d.model, text)},
                                   {"wwid", optional_json(d.wwid, text)}});
            }
            json rport = nullptr;
            if (h->remote_port) {
                const auto& rp = *h->remote_port;
                rport = {{"name", rp.name}, {"state", rp.state}};
                rport["fast_io_fail_tmo"] =
                    rp.timeouts ? tmo_json(rp.timeouts->fast_io_fail_tmo) : json(nullptr);
                rport["dev_loss_tmo"] =
                    rp.timeouts ? tmo_json(rp.timeouts->dev_loss_tmo) : json(nullptr);
                rport["reconnect_delay"] =
                    rp.timeouts ? tmo_json(rp.timeouts->reconnect_delay) : json(nullptr);
                rport["failed_reconnects"] =
                    optional_json(rp.failed_reconnects, [](unsigned v) { return v; });
            }
            paths.push_back({
                {"host", h->name},
                {"host_no", h->host_no},
                {"local_device", h->local_device},
                {"local_port", optional_json(h->local_port, [](unsigned v) { return v; })},
                {"transport", h->rdma_cm() ? "rdma-cm" : "ib-cm"},
                {"dgid", optional_json(h->dgid, gid_hex)},
                {"orig_dgid", optional_json(h->orig_dgid, gid_hex)},
                {"pkey", optional_json(h->pkey, [](PKey p) { return fmt::format("0x{:04x}", p); })},
                {"service_id", optional_json(h->service_id, hex64)},
                {"sgid", optional_json(h->sgid, gid_hex)},
                {"ch_count", optional_json(h->ch_count, [](unsigned v) { return v; })},
                {"req_lim", optional_json(h->req_lim, [](unsigned v) { return v; })},
                {"tl_retry_count", optional_json(h->tl_retry_count, [](unsigned v) { return v; })},
                {"remote_port", rport},
                {"devices", devices},
            });
        }
        targets.push_back({{"id_ext", hex64(group.front()->id_ext)},
                           {"ioc_guid", hex64(group.front()->ioc_guid)},
                           {"paths", paths}});
    }
    return {{"schema", "srpadm.list/1"}, {"targets", targets}, {"problems", problems}};
}

std::string render_multipath_conf(const host::MultipathPlan& plan) {
    if (plan.no_disks()) {
        return "# srpadm list --multipath-conf: no SRP disks are connected: nothing to "
               "configure\n";
    }
    std::string out =
        "# dm-multipath settings (multipath.conf(5)) for the SRP disks of this host, from\n"
        "# srpadm list --multipath-conf: put them in a file under /etc/multipath/conf.d/ and run\n"
        "# multipathd reconfigure.\n"
        "#\n"
        "# SRP targets, their paths (SCSI host, local port, remote-port state and timeouts) and\n"
        "# disks (block device, H:C:T:L, vendor, product, wwid):\n";
    for (const host::MultipathTarget& t : plan.targets) {
        out += fmt::format("#   target id_ext {:016x} ioc_guid {:016x}\n", t.id_ext, t.ioc_guid);
        for (const host::MultipathPath& p : t.paths) {
            out += fmt::format("#     {:<7} {:<10} {:<10} {}\n", p.host,
                               port_name(p.local_device, p.local_port),
                               p.state.empty() ? "?" : p.state, timeouts_text(p.timeouts));
            for (const host::MultipathDisk& d : p.disks) {
                out += fmt::format("#       {:<5} {:<10} {:<8} {:<16} {}\n", d.block, d.hctl,
                                   d.vendor.value_or("?"), d.model.value_or("?"),
                                   d.wwid.value_or("-"));
            }
        }
    }
    out += fmt::format(
        "#\n"
        "# multipath-tools sets no fast_io_fail_tmo or dev_loss_tmo on SRP paths: srpadm\n"
        "# sets them on the remote ports (connect, connect-all, daemon: --fast-io-fail-tmo,\n"
        "# --dev-loss-tmo). no_path_retry {} queues I/O for {} s ({} x the default\n"
        "# polling_interval {}) once every path of a disk is down: a remote port should keep\n"
        "# its disks as long, dev_loss_tmo {} or more, and fail I/O on a broken path early,\n"
        "# fast_io_fail_tmo well below that.\n",
        plan.no_path_retry, plan.queue_seconds, plan.no_path_retry, plan.polling_interval,
        plan.min_dev_loss_tmo);
    using Kind = host::MultipathTimeoutNote::Kind;
    for (const host::MultipathTimeoutNote& n : plan.timeout_notes) {
        switch (n.kind) {
            case Kind::unreadable:
                out +=
                    fmt::format("# note: {}: its remote port's timeouts cannot be read\n", n.host);
                break;
            case Kind::fast_io_fail_off:
                out += fmt::format(
                    "# note: {}: fast_io_fail_tmo off: I/O on a broken path fails over only "
                    "after dev_loss_tmo {}\n",
                    n.host, model::format_tmo(n.value));
                break;
            case Kind::dev_loss_short:
                out += fmt::format(
                    "# note: {}: dev_loss_tmo {} is below {}: its disks can go while multipath "
                    "still queues\n",
                    n.host, n.value, plan.min_dev_loss_tmo);
                break;
        }
    }
    for (const host::MultipathDisk& d : plan.unidentified) {
        out += fmt::format("# note: {} ({}): no usable vendor or product: no device entry\n",
                           d.block, d.hctl);
    }
    if (plan.devices.empty()) {
        return out;
    }
    out +=
        "\n"
        "# Exceptions to a blacklist by device (a wwid or devnode one needs its own kind).\n"
        "blacklist_exceptions {\n";
    for (const host::MultipathDevice& d : plan.devices) {
        out += fmt::format("\tdevice {{\n\t\tvendor {}\n\t\tproduct {}\n\t}}\n", d.vendor_value,
                           d.product_value);
    }
    out += "}\n\ndevices {\n";
    for (const host::MultipathDevice& d : plan.devices) {
        const host::MultipathSettings& s = d.settings;
        out += fmt::format("\t# {} {}: {}; multipath-tools' settings for {}\n", d.vendor, d.product,
                           fmt::join(d.disks, " "), host::multipath_profile_name(d.profile));
        out += fmt::format("\tdevice {{\n\t\tvendor {}\n\t\tproduct {}\n", d.vendor_value,
                           d.product_value);
        out += fmt::format("\t\tpath_grouping_policy {}\n", s.path_grouping_policy);
        if (s.prio) {
            out += fmt::format("\t\tprio {}\n", *s.prio);
        }
        out += fmt::format("\t\tfailback {}\n\t\tno_path_retry {}\n", s.failback, s.no_path_retry);
        if (s.path_checker) {
            out += fmt::format("\t\tpath_checker {}\n", *s.path_checker);
        }
        if (s.detect_checker) {
            out += fmt::format("\t\tdetect_checker {}\n", *s.detect_checker ? "yes" : "no");
        }
        out += "\t}\n";
    }
    return out + "}\n";
}

std::string render_initiator_id_text(const std::vector<InitiatorIdView>& ports) {
    std::string out;
    if (!ports.empty()) {
        out += fmt::format("initiator_ext 0x{:016x}, io_class {:04x}\n",
                           ports.front().initiator_ext, ports.front().io_class);
    }
    for (const InitiatorIdView& v : ports) {
        const host::HostPort& p = v.port;
        out += fmt::format("\n{} ({}, port GUID {}, node GUID {})\n", p.name(), link_layer_name(p),
                           guid_colon_form(p.port_guid()), guid_colon_form(p.node_guid));
        if (!p.gid0) {
            out += "  no GID 0: the port has no initiator port ID\n";
            continue;
        }
        out += fmt::format("  LIO GID-named port:        {}\n",
                           model::port_id_text(model::initiator_port_id(
                               v.initiator_ext, p.port_guid(), v.io_class)));
        if (p.link_layer == host::LinkLayer::ethernet) {
            out += "  LIO GUID-named port, SCST: the RDMA/CM login's source address:\n";
            for (const std::string& address : source_addresses(p)) {
                out += fmt::format("                             {}\n", address);
            }
        } else {
            out += fmt::format("  LIO GUID-named port:       {}\n", guid_colon_form(p.port_guid()));
            out += fmt::format("  SCST:                      {}\n", p.gid0->colon_groups());
        }
        if (v.topspin_workarounds) {
            out += fmt::format("  Topspin/Cisco targets:     {}\n",
                               model::port_id_text(model::topspin_initiator_port_id(p.node_guid)));
        }
    }
    return out;
}

json render_initiator_id_json(const std::vector<InitiatorIdView>& ports) {
    json out_ports = json::array();
    for (const InitiatorIdView& v : ports) {
        const host::HostPort& p = v.port;
        json j = {{"device", p.device},
                  {"port", p.port},
                  {"link_layer", link_layer_name(p)},
                  {"port_guid", hex64(p.port_guid())},
                  {"node_guid", hex64(p.node_guid)},
                  {"gid", p.gid0 ? json(p.gid0->colon_groups()) : json(nullptr)}};
        if (p.gid0) {
            const std::string id = model::port_id_text(
                model::initiator_port_id(v.initiator_ext, p.port_guid(), v.io_class));
            j["initiator_port_id"] = id;
            j["initiator_port_id_without_0x"] = id.substr(2);
            j["lio_guid_acl"] = p.link_layer == host::LinkLayer::ethernet
                                    ? json(nullptr)
                                    : json(guid_colon_form(p.port_guid()));
            j["source_addresses"] = p.link_layer == host::LinkLayer::ethernet
                                        ? json(source_addresses(p))
                                        : json::array();
            j["scst_gid"] = p.link_layer == host::LinkLayer::ethernet
                                ? json(nullptr)
                                : json(p.gid0->colon_groups());
            j["topspin_initiator_port_id"] =
                v.topspin_workarounds
                    ? json(model::port_id_text(model::topspin_initiator_port_id(p.node_guid)))
                    : json(nullptr);
        }
        out_ports.push_back(std::move(j));
    }
    const InitiatorIdView none{};
    const InitiatorIdView& first = ports.empty() ? none : ports.front();
    return {{"schema", "srpadm.initiator-id/1"},
            {"initiator_ext", hex64(first.initiator_ext)},
            {"io_class", fmt::format("0x{:04x}", first.io_class)},
            {"topspin_workarounds", first.topspin_workarounds},
            {"ports", out_ports}};
}

std::string render_connect_all_text(const ops::ConnectAllResult& result, bool dry_run,
                                    bool verbose) {
    using ops::TargetState;
    std::string out;
    if (dry_run) {
        out += fmt::format("# {}\n", result.add_target_file);
    }
    for (const ops::TargetOutcome& o : result.outcomes) {
        if (o.state == TargetState::denied && !verbose) {
            continue;
        }
        const std::string tmo = model::describe_tmo(o.plan.timeouts);
        if (dry_run) {
            if (o.state == TargetState::would_connect) {
                out += o.plan.request.line + "\n";
                if (!tmo.empty()) {
                    out += fmt::format("# then on its remote port: {}\n", tmo);
                }
            } else if (o.state != TargetState::invalid) {
                out += fmt::format("# {}\n", o.message);
                if (!tmo.empty() && o.state == TargetState::already_connected) {
                    out += fmt::format("# then on {}'s remote port: {}\n", o.host, tmo);
                }
            }
            continue;
        }
        if (o.logged_in() || o.state == TargetState::denied) {
            out += o.message + "\n";
        }
        if (!o.timeouts_set.empty()) {
            out += fmt::format("{}: set {}\n", o.host, model::describe_tmo_writes(o.timeouts_set));
        }
    }
    return out;
}

json render_connect_all_json(const ops::ConnectAllResult& result, bool dry_run) {
    json targets = json::array();
    for (const ops::TargetOutcome& o : result.outcomes) {
        const model::Target& t = o.plan.target;
        json timeouts = json::object();
        for (const model::TmoKey key : model::kTmoKeys) {
            if (o.plan.timeouts.at(key)) {
                timeouts[std::string(model::tmo_name(key))] = tmo_json(*o.plan.timeouts.at(key));
            }
        }
        targets.push_back({
            {"id_ext", t.id_ext},
            {"ioc_guid", hex64(t.ioc_guid)},
            {"dgid", t.dgid.hex()},
            {"pkey", fmt::format("0x{:04x}", t.pkey)},
            {"service_id", hex64(t.service_id)},
            {"rule", o.plan.rule.empty() ? json(nullptr) : json(o.plan.rule)},
            {"add_target", o.plan.request.line.empty() ? json(nullptr) : json(o.plan.request.line)},
            {"state", std::string(ops::target_state_name(o.state))},
            {"host", o.host.empty() ? json(nullptr) : json(o.host)},
            {"message", o.message},
            {"timeouts", timeouts},
            {"timeouts_error", o.timeouts_error.empty() ? json(nullptr) : json(o.timeouts_error)},
        });
        if (t.rdma) {
            targets.back()["rdma_cm"] = {{"dest", t.rdma->dest},
                                         {"src", t.rdma->src ? json(*t.rdma->src) : json(nullptr)}};
        }
    }
    return {{"schema", "srpadm.connect-all/1"},
            {"dry_run", dry_run},
            {"local_port", {{"device", result.device}, {"port", result.port}}},
            {"add_target_file", result.add_target_file},
            {"targets", targets},
            {"problems", result.problems}};
}

}  // namespace srpadm::cli
