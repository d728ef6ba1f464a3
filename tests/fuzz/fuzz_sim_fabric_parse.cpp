// libFuzzer target: the .fabric parser (and the ibnetdiscover reader inside it) on any bytes.
// A `topology PATH` line reads nothing from disk here: the reader hands back a fixed dump.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <srpadm/sim/fabric_file.hpp>

namespace {

constexpr std::string_view kDump =
    "switchguid=0x10\nSwitch 4 \"S-1\" # \"sw\" port 0 lid 1 lmc 0\n[1] \"H-1\"[1]\n"
    "caguid=0x20\nCa 1 \"H-1\" # \"h1\"\n[1](21) \"S-1\"[1] # lid 2 lmc 0\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    srpadm::sim::ParseOptions options;
    options.read_file = [](const std::string& path) -> srpadm::Result<std::string> {
        if (path.find("missing") != std::string::npos) {
            return srpadm::fail(srpadm::Errc::not_found, path + ": cannot open the file");
        }
        return std::string(kDump);
    };
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = srpadm::sim::parse_fabric(text, "fuzz.fabric", options);
    if (parsed) {
        // Whatever parsed must hold together: every lookup the simulator makes works.
        const auto& f = parsed->fabric;
        (void)f.summary();
        for (const auto& ref : f.end_ports()) {
            const auto& port = f.port(ref);
            if (port.lid != 0 && !f.by_lid(port.lid)) {
                __builtin_trap();
            }
        }
        if (f.find_port(f.sm) == nullptr) {
            __builtin_trap();
        }
        for (const auto& lp : f.local_ports) {
            if (f.find_port(lp.port) == nullptr) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
