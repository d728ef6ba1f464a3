// Renderers for `srpadm target`: the state as text or JSON (schema in srpadm(8), "TARGET
// STATUS JSON"), and a plan as the steps, the equivalent commands and the notes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <srpadm/host/tree.hpp>
#include <srpadm/target/plan.hpp>
#include <srpadm/target/state.hpp>

namespace srpadm::cli {

std::string render_target_text(const target::TargetState& state);
nlohmann::json render_target_json(const target::TargetState& state);

// A plan before it is applied (--dry-run): its steps as shell commands, then the same with
// scstadmin or targetcli, then the notes.
std::string render_plan(const target::Plan& plan, const host::TreeRoots& roots);
// After it was applied: what changed, then the notes.
std::string render_applied(const target::Plan& plan, const host::TreeRoots& roots);

}  // namespace srpadm::cli
