#include <algorithm>

#include <fmt/format.h>

#include <srpadm/target/state.hpp>

namespace srpadm::target {

std::string_view flavour_name(Flavour flavour) {
    return flavour == Flavour::scst ? "SCST" : "LIO";
}

std::string_view backing_name(Backing backing) {
    switch (backing) {
        case Backing::block:
            return "block";
        case Backing::file:
            return "file";
        case Backing::ram:
            return "ram";
        case Backing::null:
            return "null";
        case Backing::other:
            break;
    }
    return "other";
}

std::string_view scst_vdisk_handler(Backing backing) {
    switch (backing) {
        case Backing::block:
            return "vdisk_blockio";
        case Backing::null:
            return "vdisk_nullio";
        case Backing::file:
        case Backing::ram:
        case Backing::other:
            break;
    }
    return "vdisk_fileio";
}

std::string_view lio_plugin(Backing backing) {
    switch (backing) {
        case Backing::block:
            return "block";
        case Backing::file:
            return "fileio";
        case Backing::ram:
        case Backing::null:
            return "ramdisk";
        case Backing::other:
            break;
    }
    return "";
}

std::string TargetPort::local_name() const {
    return device.empty() ? std::string() : fmt::format("{}:{}", device, port);
}

const TargetPort* TargetState::port(std::string_view name) const {
    const auto it = std::find_if(ports.begin(), ports.end(),
                                 [name](const TargetPort& p) { return p.name == name; });
    return it == ports.end() ? nullptr : &*it;
}

const Device* TargetState::device(std::string_view name) const {
    const auto it = std::find_if(devices.begin(), devices.end(),
                                 [name](const Device& d) { return d.name == name; });
    return it == devices.end() ? nullptr : &*it;
}

}  // namespace srpadm::target
