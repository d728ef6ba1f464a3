// Large fabrics on demand: a two-level switch tree (leaf switches with 32 CA ports and 4
// uplinks, 36-port spine switches) in ibnetdiscover form, the SM on the first spine, one
// initiator, and SRP targets spread over the CA ports. The same seed gives the same file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <srpadm/result.hpp>
#include <srpadm/sim/fabric_file.hpp>

namespace srpadm::sim {

struct GeneratorOptions {
    std::size_t ca_ports = 16;  // single-port CAs in all: the initiator, the targets, other hosts
    std::size_t targets = 2;    // how many of them are SRP target ports
    std::size_t iocs_per_target = 1;
    std::size_t services_per_ioc = 1;
    std::size_t pkeys = 0;  // partitions besides the default one (0x8001, 0x8002, ...)
    std::uint64_t seed = 1;
};

inline constexpr std::size_t kMaxGeneratedCaPorts = 40000;

// Checks the options; names the bad one.
Result<void> check(const GeneratorOptions& options);
// The .fabric text.
Result<std::string> generate_fabric_text(const GeneratorOptions& options);
// The parsed fabric, built in memory (for the benchmark and tests).
Result<FabricFile> generate_fabric(const GeneratorOptions& options);

}  // namespace srpadm::sim
