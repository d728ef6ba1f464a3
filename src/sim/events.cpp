#include <fmt/format.h>

#include <srpadm/sim/events.hpp>

namespace srpadm::sim {
namespace {

std::string port_name(const Fabric& f, PortRef r) {
    if (f.find_port(r) == nullptr) {
        return "(no such port)";
    }
    return fmt::format("\"{}\"/{} (LID {})", f.node(r).name, r.port, f.port(r).lid);
}

template <class... F>
struct Overload : F... {
    using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace

std::string describe(const Fabric& fabric, const FabricEvent& event) {
    return std::visit(
        Overload{
            [&](const SmMove& e) { return "SM moves to " + port_name(fabric, e.to); },
            [&](const PortDown& e) { return "port down: " + port_name(fabric, e.port); },
            [&](const PortUp& e) { return "port up: " + port_name(fabric, e.port); },
            [&](const TargetChange& e) {
                return std::string(e.present ? "target added on " : "target removed from ") +
                       port_name(fabric, e.port);
            },
            [&](const IocChange& e) { return "IOC change on " + port_name(fabric, e.port); },
            [&](const PKeyTableChange& e) {
                std::string keys;
                for (const PKey k : e.pkeys) {
                    keys += fmt::format(" 0x{:04x}", k);
                }
                return "P_Key table of " + port_name(fabric, e.port) + " now" + keys;
            },
            [&](const AclChange& e) {
                std::string what = e.any ? " any" : "";
                for (const AclEntry& entry : e.entries) {
                    what += " " + acl_entry_text(entry);
                }
                return "ACL of " + port_name(fabric, e.port) + (e.allow ? " allows" : " denies") +
                       what;
            },
        },
        event);
}

}  // namespace srpadm::sim
