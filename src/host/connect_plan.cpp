#include <algorithm>

#include <fmt/format.h>

#include <srpadm/host/connect_plan.hpp>

namespace srpadm::host {

std::string_view plan_action_name(PlanAction action) {
    switch (action) {
        case PlanAction::connect:
            return "connect";
        case PlanAction::already_connected:
            return "already-connected";
        case PlanAction::denied:
            return "denied";
        case PlanAction::invalid:
            return "invalid";
    }
    return "?";
}

namespace {

// The login without the max_it_iu_size that immediate data added to `line`, when it added one
// (model::login_spec decides that) and the configuration does not ask for the option itself.
std::string fallback_line(const model::Target& target, const model::LoginPolicy& policy,
                          const std::string& line) {
    const bool asked =
        std::any_of(policy.options.begin(), policy.options.end(),
                    [](const login::Option& o) { return o.key == login::Key::max_it_iu_size; });
    if (asked || !policy.max_imm_data) {
        return {};
    }
    model::LoginPolicy without = policy;
    without.max_imm_data.reset();
    auto other = login::render(model::login_spec(target, without));
    return other && *other != line ? *other : std::string();
}

}  // namespace

Result<void> check_timeouts(const model::RemotePortTimeouts& wanted, const SrpHost* existing,
                            const model::TmoValues& new_port) {
    const bool known =
        existing != nullptr && existing->remote_port && existing->remote_port->timeouts;
    auto ok = model::apply_tmo(known ? *existing->remote_port->timeouts : new_port, wanted);
    if (!ok) {
        return Unexpected(ok.error());
    }
    return {};
}

Result<std::vector<PlannedTarget>> plan_connections(const std::vector<model::Target>& targets,
                                                    const std::string& device, unsigned port,
                                                    const ConnectSettings& settings,
                                                    const std::vector<SrpHost>& hosts) {
    std::vector<PlannedTarget> plan;
    std::string errors;
    for (const model::Target& target : targets) {
        PlannedTarget p;
        p.target = target;
        p.request.device = device;
        p.request.port = port;
        const model::Decision decision = model::evaluate(settings.rules, target, device, port);
        p.rule = decision.rule != nullptr ? decision.rule->origin : std::string();
        model::LoginPolicy policy;
        model::set_initiator_ext(policy,
                                 settings.defaults.initiator_ext.value_or(model::InitiatorExt{}));
        policy.options = settings.defaults.options;
        policy.max_imm_data = settings.max_imm_data;
        p.timeouts = settings.defaults.timeouts;
        if (decision.rule != nullptr) {
            if (decision.rule->initiator_ext) {
                model::set_initiator_ext(policy, *decision.rule->initiator_ext);
            }
            policy.options = model::merge_options(policy.options, decision.rule->options);
            p.timeouts = p.timeouts.overridden_by(decision.rule->timeouts);
        }
        p.request.spec = model::login_spec(target, policy);
        if (decision.action == model::RuleAction::deny) {
            p.action = PlanAction::denied;
            plan.push_back(std::move(p));
            continue;
        }
        auto line = login::render(p.request.spec);
        if (!line) {
            p.action = PlanAction::invalid;
            p.problem = line.error().message;
            plan.push_back(std::move(p));
            continue;
        }
        p.request.line = *line;
        p.request.fallback_line = fallback_line(target, policy, p.request.line);
        const SrpHost* existing = find_login(hosts, p.request.spec, device, port);
        if (existing != nullptr) {
            p.action = PlanAction::already_connected;
            p.host = existing->name;
        }
        if (!p.timeouts.empty()) {
            if (auto ok = check_timeouts(p.timeouts, existing, settings.new_port_timeouts); !ok) {
                errors += fmt::format(
                    "{}{}: timeouts for {}{}: {}", errors.empty() ? "" : "\n",
                    p.rule.empty() ? "[defaults]" : p.rule, describe_login(p.request),
                    existing != nullptr ? " (" + existing->name + ")" : "", ok.error().message);
            }
        }
        plan.push_back(std::move(p));
    }
    if (!errors.empty()) {
        return fail(Errc::invalid_input, errors);
    }
    return plan;
}

}  // namespace srpadm::host
