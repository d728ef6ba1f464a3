#include <gtest/gtest.h>
#include <infiniband/mad.h>

// libibmad is linked and its field tables answer: the oracle suites build on this.
TEST(OracleLink, LibibmadDecodesACommonHeader) {
    std::uint8_t mad[256] = {};
    mad[0] = 1;
    mad[1] = 0x03;
    mad[2] = 2;
    mad[3] = 0x12;
    EXPECT_EQ(mad_get_field(mad, 0, IB_MAD_BASEVER_F), 1U);
    EXPECT_EQ(mad_get_field(mad, 0, IB_MAD_MGMTCLASS_F), 0x03U);
    EXPECT_EQ(mad_get_field(mad, 0, IB_MAD_CLASSVER_F), 2U);
    EXPECT_EQ(mad_get_field(mad, 0, IB_MAD_METHOD_F), 0x12U);
}
