#include <gtest/gtest.h>

#include <srpadm/model/port.hpp>

namespace srpadm::model {
namespace {

TEST(PortSelector, Parses) {
    EXPECT_EQ(parse_port_selector("mlx5_0:1").value(), (PortSelector{"mlx5_0", 1U}));
    EXPECT_EQ(parse_port_selector("mlx5_10").value(), (PortSelector{"mlx5_10", std::nullopt}));
    EXPECT_EQ(parse_port_selector("rxe0:255").value().str(), "rxe0:255");
    for (const char* bad : {"", ":1", "mlx5_0:", "mlx5_0:0", "mlx5_0:01", "mlx5_0:256",
                            "mlx5_0:1:2", "a/b", "a b", "..", "mlx5_0:+1"}) {
        EXPECT_FALSE(parse_port_selector(bad)) << bad;
    }
    EXPECT_EQ(parse_port_selector("mlx5_0:0").error().message,
              "the port must be a decimal number 1..255 (expected DEV or DEV:PORT, e.g. "
              "mlx5_0:1)");
}

TEST(PortSelector, MatchesExactly) {
    const PortSelector dev{"mlx5_1", std::nullopt};
    EXPECT_TRUE(dev.matches("mlx5_1", 2));
    EXPECT_FALSE(dev.matches("mlx5_10", 1));
    EXPECT_FALSE(dev.matches("mlx5_", 1));
    const PortSelector port{"mlx5_1", 1U};
    EXPECT_TRUE(port.matches("mlx5_1", 1));
    EXPECT_FALSE(port.matches("mlx5_1", 2));
}

}  // namespace
}  // namespace srpadm::model
