// The message of a refused result, or a marker that it was accepted (for EXPECT_EQ).
#pragma once

#include <string>

#include <srpadm/result.hpp>

namespace srpadm::testing {

template <class T>
std::string error_of(const Result<T>& r) {
    return r ? "(accepted)" : r.error().message;
}

}  // namespace srpadm::testing
