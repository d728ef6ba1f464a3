#include <srpadm/sim/faults.hpp>

namespace srpadm::sim {
namespace {

struct ActionName {
    FaultAction action;
    std::string_view name;
};

constexpr ActionName kActions[] = {
    {FaultAction::drop, "drop"},
    {FaultAction::delay, "delay"},
    {FaultAction::duplicate, "duplicate"},
    {FaultAction::reorder, "reorder"},
    {FaultAction::wrong_tid, "wrong-tid"},
    {FaultAction::status, "status"},
    {FaultAction::truncate_table, "truncate-table"},
    {FaultAction::oversize_table, "oversize-table"},
    {FaultAction::bad_attr_offset, "bad-attr-offset"},
    {FaultAction::short_dm, "short-dm"},
    {FaultAction::max_controllers_lie, "max-controllers-lie"},
    {FaultAction::service_count_lie, "service-count-lie"},
    {FaultAction::unterminated_strings, "unterminated-strings"},
    {FaultAction::binary_strings, "binary-strings"},
};

}  // namespace

std::string_view fault_action_name(FaultAction action) {
    for (const auto& a : kActions) {
        if (a.action == action) {
            return a.name;
        }
    }
    return "?";
}

std::optional<FaultAction> fault_action_from_name(std::string_view name) {
    for (const auto& a : kActions) {
        if (a.name == name) {
            return a.action;
        }
    }
    return std::nullopt;
}

FaultInjector::RuleId FaultInjector::add(FaultRule rule) {
    State s;
    s.rng.seed(rule.seed);
    s.rule = std::move(rule);
    rules_.push_back(std::move(s));
    return rules_.size() - 1;
}

void FaultInjector::clear() {
    rules_.clear();
}

std::vector<const FaultRule*> FaultInjector::fire(const RequestKey& key) {
    std::vector<const FaultRule*> out;
    for (auto& s : rules_) {
        const FaultRule& r = s.rule;
        if ((r.mgmt_class && *r.mgmt_class != key.mgmt_class) ||
            (r.attr_id && *r.attr_id != key.attr_id) || (r.method && *r.method != key.method) ||
            (r.dlid && *r.dlid != key.dlid)) {
            continue;
        }
        ++s.seen;
        if (r.nth > 0 && s.seen < r.nth) {
            continue;
        }
        if (r.count > 0 && s.fired >= r.count) {
            continue;
        }
        if (r.probability < 1.0) {
            std::uniform_real_distribution<double> draw(0.0, 1.0);
            if (draw(s.rng) >= r.probability) {
                continue;
            }
        }
        ++s.fired;
        out.push_back(&r);
    }
    return out;
}

}  // namespace srpadm::sim
