// The .fabric file: a line-oriented description of a simulated InfiniBand fabric
// (man srpadm-fabric(5) has the full text, with examples).
//
// A file has a topology, in the text format `ibnetdiscover` prints (so a dump of a real
// fabric loads as it is), and directives that say where the SM and the initiator are, how
// the SA behaves, which partitions exist, how long answers take, which ports are SRP targets
// and what faults and events to inject. `#` starts a comment (outside quotes); blank lines
// are ignored; words are separated by blanks; strings are in double quotes (no escapes).
//
//   topology PATH                     ibnetdiscover dump; PATH is relative to this file
//   begin topology                    ... or the dump inline, up to
//   end topology
//   subnet-prefix 0xHEX64             GID prefix of every port (default 0xfe80000000000000)
//   sm PORT                           where the SM and SA run (default: the first switch)
//   sa-mode mask-match|old-sm         ClassPortInfo bit 13 + attr-mod bit 31, or neither
//   sa-resp-time N                    ClassPortInfo RespTimeValue, 0..31 (default 18)
//   initiator PORT [ibdev NAME]       a local port (repeat for a dual-port initiator)
//   partition PKEY full|limited PORT...   members of a partition (PKEY base 0x0001..0x7fff;
//                                     `all` = every end port); without any line for base
//                                     0x7fff every port is a full member of 0xffff
//   latency sa|dm|other|sa-segment DURATION    e.g. 200us, 1ms, 2s (units ns us ms s)
//   target PORT [generic|lio]         an SRP target port; block lines follow until `end`:
//     change-id N / max-controllers N / service-guid 0xHEX64 (lio)
//     id STRING / send-size N / vendor-id N / device-id N / device-version N (lio)
//     acl any|ID...                   who may log in (initiator port IDs 0x + 32 hex digits,
//                                     or port GUIDs xxxx:xxxx:xxxx:xxxx; default: anyone)
//     login-delay DURATION / login-vanish [N]   how logins to it go in the stand-in kernel
//     ioc SLOT                        an IOC in slot 1..255; lines until `end`:
//       guid vendor-id device-id device-version subsystem-vendor-id subsystem-id io-class
//       io-subclass protocol protocol-version send-queue-depth rdma-read-depth send-size
//       rdma-size op-cap-mask  (each followed by a number), id STRING,
//       service STRING 0xHEX64        (a service entry: name and 64-bit id)
//     end
//   end
//   fault ACTION [VALUE] [class sa|dm|0xNN] [attr NAME|0xNNNN] [method NAME|0xNN]
//         [lid N] [nth N] [count N] [every] [probability P] [seed N]
//   event TIME sm-move PORT | port-down PORT | port-up PORT | target-remove PORT |
//         target-add PORT | ioc-change PORT | pkeys PORT PKEY... |
//         acl-allow PORT any|ID... | acl-deny PORT any|ID...
//
// PORT is "NAME"/N (a node id such as "H-0002c903000a1234" or a node description, and a
// port number; /N may be left out for a CA's port 1 or a switch's port 0) or a port GUID
// 0xHEX64. Numbers are decimal or 0x-prefixed hex. Nothing in a file is trusted: every
// count, slot, string length and number is bounded, and every error names file:line and
// what was expected.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/sim/events.hpp>
#include <srpadm/sim/fabric.hpp>
#include <srpadm/sim/faults.hpp>

namespace srpadm::sim {

inline constexpr std::size_t kMaxFabricFileSize = 256U << 20;

struct FabricFile {
    Fabric fabric;
    std::vector<FaultRule> faults;
    std::vector<TimedEvent> events;
};

// Reads a file named in a `topology` line. The default reads from disk.
using FileReader = std::function<Result<std::string>(const std::string& path)>;
Result<std::string> read_text_file(const std::string& path);

struct ParseOptions {
    FileReader read_file = read_text_file;
};

// Parses .fabric text; `path` names it in messages and anchors relative topology paths.
Result<FabricFile> parse_fabric(std::string_view text, const std::string& path,
                                const ParseOptions& options = {});
Result<FabricFile> load_fabric(const std::string& path, const ParseOptions& options = {});

// The ibnetdiscover text alone: nodes and links (peer_node set), LIDs and LMCs from its
// comments where given. parse_fabric() then assigns missing LIDs, states and P_Keys.
struct Topology {
    std::vector<Node> nodes;
};
Result<Topology> parse_ibnetdiscover(std::string_view text, const std::string& path,
                                     std::size_t first_line = 1);

}  // namespace srpadm::sim
