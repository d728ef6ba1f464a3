#include <srpadm/mad/endpoint.hpp>

namespace srpadm::mad {

std::uint64_t wire_segments(std::uint8_t mgmt_class, std::size_t length) {
    constexpr std::uint8_t kSaClass = 0x03;
    constexpr std::size_t kSaHeader = 56;
    constexpr std::size_t kSaSegmentData = kMadSize - kSaHeader;
    if (mgmt_class != kSaClass || length <= kMadSize) {
        return 1;
    }
    return (length - kSaHeader + kSaSegmentData - 1) / kSaSegmentData;
}

}  // namespace srpadm::mad
