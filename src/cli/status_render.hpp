// srpadm status as text: rendered from the status document (ops/status.hpp) alone, so that the
// text and --format json always say the same.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace srpadm::cli {

std::string render_status_text(const nlohmann::json& document);

// "12s", "3m04s", "1h02m", "2d03h": a duration in seconds, for people.
std::string human_duration(double seconds);

}  // namespace srpadm::cli
