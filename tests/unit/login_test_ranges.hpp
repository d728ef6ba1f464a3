// The decimal login options and the ranges srpadm accepts for them, shared by the login tests.
#pragma once

#include <array>

#include <srpadm/model/login.hpp>

namespace srpadm::login::test {

struct Range {
    Key key;
    long long min;
    long long max;
};

inline constexpr long long kIntMax = 2147483647;

inline constexpr std::array<Range, 11> kDecimalRanges = {{
    {Key::max_sect, 1, kIntMax},
    {Key::max_cmd_per_lun, 1, kIntMax},
    {Key::cmd_sg_entries, 1, 255},
    {Key::allow_ext_sg, 0, kIntMax},
    {Key::sg_tablesize, 1, 2048},
    {Key::comp_vector, 0, kIntMax},
    {Key::tl_retry_count, 2, 7},
    {Key::queue_size, 2, kIntMax},
    {Key::target_can_queue, 1, kIntMax},
    {Key::max_it_iu_size, 0, kIntMax},
    {Key::ch_count, 1, kIntMax},
}};

}  // namespace srpadm::login::test
