// Fault injection for the simulated fabric.
//
// A rule matches requests by class, attribute, method and destination LID; it fires on the
// n-th match (and `count - 1` more after it), on every match, or with a seeded probability;
// its action changes what the requester gets back: nothing (drop: the requester times out at
// its deadline), a late answer, two answers, answers out of order, a wrong TID, a status, or
// a malformed attribute. Rules come from tests (SimFabric::faults().add) or from `fault`
// lines in a .fabric file (man srpadm-fabric(5)).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/types.hpp>

namespace srpadm::sim {

enum class FaultAction : std::uint8_t {
    drop,                  // no answer: the requester sees a timeout at its deadline
    delay,                 // answer `delay` later (past the deadline: timeout, then unmatched)
    duplicate,             // answer twice (the second copy is unmatched)
    reorder,               // hold the answer until after the next answer to the same port
    wrong_tid,             // answer with a different TID (unmatched; the request times out)
    status,                // answer with MAD status `value` (busy 0x0001, redirect 0x0002, ...)
    truncate_table,        // SA table: cut `value` bytes off (0: half of the last record)
    oversize_table,        // SA answer: `value` extra copies of the last record (Get too)
    bad_attr_offset,       // SA table: AttributeOffset = `value` (0, or less than a record)
    short_dm,              // DM answer: only the first `value` bytes of the MAD
    max_controllers_lie,   // IOUnitInfo: MaxControllers = `value`, larger than the list
    service_count_lie,     // IOControllerProfile: ServiceEntries count = `value`
    unterminated_strings,  // DM strings fill their whole field, no NUL
    binary_strings,        // DM strings hold control and high bytes
};

std::string_view fault_action_name(FaultAction action);
std::optional<FaultAction> fault_action_from_name(std::string_view name);

struct FaultRule {
    FaultAction action = FaultAction::drop;
    runtime::Duration delay{};  // for delay
    std::uint32_t value = 0;    // status, byte counts, record counts, field values

    // Matching: an unset field matches anything.
    std::optional<std::uint8_t> mgmt_class;
    std::optional<std::uint16_t> attr_id;
    std::optional<std::uint8_t> method;
    std::optional<Lid> dlid;

    // Trigger: fire on the nth match (1-based; 0 = from the first match on), at most `count`
    // times (0 = no limit), each time with `probability` drawn from a generator seeded
    // with `seed`.
    std::uint64_t nth = 0;
    std::uint64_t count = 0;
    double probability = 1.0;
    std::uint64_t seed = 1;

    std::string origin;  // "file:line" or a test's label, for messages
};

// What the fault layer needs to know about a request.
struct RequestKey {
    std::uint8_t mgmt_class = 0;
    std::uint16_t attr_id = 0;
    std::uint8_t method = 0;
    Lid dlid = 0;
};

class FaultInjector {
  public:
    using RuleId = std::size_t;

    RuleId add(FaultRule rule);
    void clear();
    // Every rule whose trigger fires for this request, in the order they were added.
    std::vector<const FaultRule*> fire(const RequestKey& key);

    std::size_t size() const { return rules_.size(); }
    std::uint64_t matches(RuleId id) const { return rules_.at(id).seen; }
    std::uint64_t fired(RuleId id) const { return rules_.at(id).fired; }

  private:
    struct State {
        FaultRule rule;
        std::uint64_t seen = 0;
        std::uint64_t fired = 0;
        std::mt19937_64 rng;
    };
    std::vector<State> rules_;
};

}  // namespace srpadm::sim
