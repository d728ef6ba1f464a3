// Faults on the subnet administrator's answers, on two-targets.fabric: what is retried, what
// is reported, what it costs, and that no target comes from a bad answer.
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

namespace attr = wire::sa_attr;
using wire::attr::class_port_info;

// ---- lost, late, doubled and misdirected answers ---------------------------------------------

TEST(SaFaults, DroppedTableAnswerTimesOutAndTheRetrySucceeds) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::drop, attr::port_info_record).once());
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.timeouts, 1U);
    EXPECT_EQ(report.stats.retries, 1U);
    EXPECT_EQ(report.stats.sa_requests, 5U);
    EXPECT_EQ(report.stats.dm_requests, 8U);
    // The lost answer costs one timeout and one backoff (100 ms, up to 25 % jitter).
    const auto base = microseconds(750) + h.options.retry.timeout;
    EXPECT_GE(report.stats.elapsed, base + milliseconds(100));
    EXPECT_LE(report.stats.elapsed, base + milliseconds(125));
}

TEST(SaFaults, ClassPortInfoNeverAnsweredFailsTheScanAfterEveryAttempt) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::drop, class_port_info));
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::timeout);
    EXPECT_THAT(e.message, AllOf(HasSubstr("LID 0x0001"), HasSubstr("ClassPortInfo"),
                                 HasSubstr("no answer (4 attempts)")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0], 4U);
    EXPECT_EQ(h.endpoint_stats().requests_sent[1], 0U);
    const auto bounds = retry_time(h.options.retry);
    EXPECT_GE(h.since_start(), bounds.low);
    EXPECT_LE(h.since_start(), bounds.high);
}

TEST(SaFaults, TheConfiguredRetriesAreTheAttempts) {
    Harness h(example("two-targets"));
    h.options.retry.retries = 1;
    h.options.retry.timeout = milliseconds(250);
    h.fault(sa_fault(FaultAction::drop, attr::port_info_record));
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::timeout);
    EXPECT_THAT(e.message,
                AllOf(HasSubstr("PortInfoRecord table"), HasSubstr("no answer (2 attempts)")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0], 1U + 2U);
    const auto bounds = retry_time(h.options.retry);
    EXPECT_GE(h.since_start(), bounds.low + microseconds(200));
    EXPECT_LE(h.since_start(), bounds.high + microseconds(200));
}

TEST(SaFaults, PathRecordsNeverAnsweredAreReportedPerPort) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::drop, attr::path_record));
    const auto report = h.ok();
    EXPECT_THAT(report.targets, IsEmpty());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("P_Key 0xffff"),
                                  HasSubstr("no answer (4 attempts)")),
                            AllOf(HasSubstr("LID 0x0004"), HasSubstr("P_Key 0xffff"),
                                  HasSubstr("no answer (4 attempts)"))));
    EXPECT_EQ(report.stats.sa_requests, 2U + 2U * 4U);
    EXPECT_EQ(report.stats.timeouts, 8U);
    EXPECT_EQ(report.stats.dm_requests, 0U);
    // Both ports' PathRecords were retried side by side, not one after the other.
    const auto bounds = retry_time(h.options.retry);
    EXPECT_LE(report.stats.elapsed, bounds.high + microseconds(400));
}

TEST(SaFaults, LateAnswerIsUnmatchedAndNotUsed) {
    Harness h(example("two-targets"));
    // The table's first answer comes 1.05 s late: after the 1 s deadline, before the retry.
    h.fault(sa_fault(FaultAction::delay, attr::port_info_record).delay(milliseconds(1050)).once());
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.timeouts, 1U);
    EXPECT_EQ(report.stats.retries, 1U);
    EXPECT_EQ(report.stats.unmatched, 1U);
    EXPECT_EQ(report.stats.sa_requests, 5U);
    // Two PathRecords: the late table was not walked a second time.
    EXPECT_EQ(report.stats.dm_requests, 8U);
}

TEST(SaFaults, DuplicateAnswerIsUnmatched) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::duplicate, attr::port_info_record).once());
    h.fault(sa_fault(FaultAction::duplicate, attr::path_record).once());
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_EQ(report.stats.unmatched, 2U);
    EXPECT_EQ(report.stats.retries, 0U);
    EXPECT_EQ(report.stats.sa_requests, 4U);
    EXPECT_EQ(report.stats.dm_requests, 8U);
}

TEST(SaFaults, ReorderedPathRecordsKeepTheTableOrder) {
    Harness h(example("two-targets"));
    // The first port's PathRecord answer comes after the second port's.
    h.fault(sa_fault(FaultAction::reorder, attr::path_record).once());
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.retries, 0U);
}

TEST(SaFaults, WrongTidIsIgnoredAndTheRequestRetried) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::wrong_tid, class_port_info).once());
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.unmatched, 1U);
    EXPECT_EQ(report.stats.timeouts, 1U);
    EXPECT_EQ(report.stats.retries, 1U);
    EXPECT_EQ(report.stats.sa_requests, 5U);
}

// ---- statuses ---------------------------------------------------------------------------------

TEST(SaFaults, BusyIsRetriedAfterABackoffWithoutWaitingForATimeout) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::status, attr::port_info_record).value(kStatusBusy).nth(1));
    h.fault(sa_fault(FaultAction::status, attr::port_info_record).value(kStatusBusy).nth(2));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.busy, 2U);
    EXPECT_EQ(report.stats.retries, 2U);
    EXPECT_EQ(report.stats.timeouts, 0U);
    EXPECT_EQ(report.stats.sa_requests, 6U);
    // Backoffs of 100 and 200 ms (+ up to 25 %), each after a 200 us answer.
    const auto base = microseconds(750 + 2 * 200);
    EXPECT_GE(report.stats.elapsed, base + milliseconds(300));
    EXPECT_LE(report.stats.elapsed, base + milliseconds(375));
}

TEST(SaFaults, AlwaysBusyFailsAfterTheConfiguredAttempts) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::status, attr::path_record).value(kStatusBusy).lid(0));
    h.fault(sa_fault(FaultAction::status, attr::path_record).value(kStatusBusy));
    const auto report = h.ok();
    EXPECT_THAT(report.targets, IsEmpty());
    EXPECT_THAT(report.problems, Contains(AllOf(HasSubstr("LID 0x0004"), HasSubstr("PathRecord"),
                                                HasSubstr("status 0x0001 (busy)"))));
    EXPECT_EQ(report.stats.busy, 8U);
    EXPECT_EQ(report.stats.sa_requests, 2U + 8U);
}

TEST(SaFaults, RedirectIsNotRetriedAndIsReported) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::status, class_port_info).value(kStatusRedirect));
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::mad_status);
    EXPECT_THAT(e.message, AllOf(HasSubstr("LID 0x0001"), HasSubstr("ClassPortInfo"),
                                 HasSubstr("0x0002 (redirect required)")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0], 1U);
    EXPECT_LE(h.since_start(), microseconds(200));
}

TEST(SaFaults, TableStatusFailsTheScanAndNamesIt) {
    Harness h(example("two-targets"));
    // 0x0100: ERR_NO_RESOURCES.
    h.fault(sa_fault(FaultAction::status, attr::port_info_record).value(0x0100));
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::mad_status);
    EXPECT_THAT(e.message, AllOf(HasSubstr("PortInfoRecord table"), HasSubstr("0x0100")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0], 2U);
}

TEST(SaFaults, PathRecordErrorOtherThanNoRecordsIsReportedNotTakenAsUnshared) {
    Harness h(example("two-targets"));
    // storage2's PathRecord gets a redirect, then an unsupported-attribute status: neither
    // says the partition is not shared.
    h.fault(sa_fault(FaultAction::status, attr::path_record).value(kStatusRedirect).nth(2));
    const auto report = h.ok();
    expect_targets(report, {two_targets()[0]});
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0004"), HasSubstr("PathRecord for P_Key 0xffff"),
                                  HasSubstr("redirect required"))));
    EXPECT_EQ(report.stats.retries, 0U);

    Harness h2(example("two-targets"));
    h2.fault(sa_fault(FaultAction::status, attr::path_record).value(0x000c).nth(1));
    const auto report2 = h2.ok();
    expect_targets(report2, {two_targets()[1], two_targets()[2]});
    EXPECT_THAT(report2.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("PathRecord for P_Key 0xffff"),
                                  HasSubstr("0x000c"))));
}

TEST(SaFaults, NoRecordsForAPathMeansThePartitionIsNotShared) {
    Harness h(example("two-targets"));
    // 0x0300: ERR_NO_RECORDS, OpenSM's answer for a P_Key the two ports do not share.
    h.fault(sa_fault(FaultAction::status, attr::path_record).value(0x0300).nth(2));
    const auto report = h.ok();
    expect_targets(report, {two_targets()[0]});
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.ports.size(), 1U);
}

// ---- bad tables -------------------------------------------------------------------------------

TEST(SaFaults, TruncatedTableKeepsTheWholeRecordsAndReportsTheCut) {
    Harness h(example("two-targets"));
    // Half of storage2's 72-byte record is cut off the PortInfoRecord table.
    h.fault(sa_fault(FaultAction::truncate_table, attr::port_info_record));
    const auto report = h.ok();
    expect_targets(report, {two_targets()[0]});
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0001"), HasSubstr("PortInfoRecord table"),
                                  HasSubstr("36 bytes"))));
    EXPECT_EQ(report.stats.sa_requests, 3U);
    EXPECT_EQ(report.stats.dm_requests, 3U);
}

TEST(SaFaults, TruncatedNodeTableOnAnOldSm) {
    Harness h(example("mixed"));
    // The NodeRecord table loses 20 bytes of its last record (the gateway's).
    h.fault(sa_fault(FaultAction::truncate_table, attr::node_record).value(20));
    const auto report = h.ok();
    ASSERT_EQ(report.targets.size(), 2U);
    EXPECT_EQ(report.targets[0].id_ext, "0002c90300e30010");
    EXPECT_EQ(report.targets[1].id_ext, "0002C90300E30020");
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("NodeRecord table"), HasSubstr("bytes"))));
}

TEST(SaFaults, OversizedTableIsDeduplicatedByLid) {
    Harness h(example("two-targets"));
    // Three more copies of storage2's record; the PathRecord Gets get extra records too.
    h.fault(sa_fault(FaultAction::oversize_table, attr::port_info_record).value(3));
    h.fault(sa_fault(FaultAction::oversize_table, attr::path_record).value(2));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.ports.size(), 2U);
    EXPECT_EQ(report.stats.sa_requests, 4U);
    EXPECT_EQ(report.stats.dm_requests, 8U);
}

TEST(SaFaults, OversizedNodeTableOnAnOldSm) {
    Harness h(example("mixed"));
    h.fault(sa_fault(FaultAction::oversize_table, attr::node_record).value(4));
    const auto report = h.ok();
    EXPECT_EQ(report.targets.size(), 3U);
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.stats.sa_requests, 10U);
}

TEST(SaFaults, AttributeOffsetZeroMeansNoRecords) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::bad_attr_offset, attr::port_info_record).value(0));
    const auto report = h.ok();
    EXPECT_THAT(report.targets, IsEmpty());
    EXPECT_THAT(report.ports, IsEmpty());
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_EQ(report.stats.dm_requests, 0U);
}

TEST(SaFaults, AttributeOffsetSmallerThanTheRecordFailsTheScanAndNamesIt) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::bad_attr_offset, attr::port_info_record).value(4));
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::malformed);
    EXPECT_THAT(e.message, AllOf(HasSubstr("LID 0x0001"), HasSubstr("PortInfoRecord"),
                                 HasSubstr("AttributeOffset 4"), HasSubstr("32-byte stride")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[1], 0U);

    Harness old(example("mixed"));
    old.fault(sa_fault(FaultAction::bad_attr_offset, attr::node_record).value(13));
    const Error e2 = old.failed();
    EXPECT_EQ(e2.code, Errc::malformed);
    EXPECT_THAT(e2.message, AllOf(HasSubstr("NodeRecord"), HasSubstr("AttributeOffset 13")));
}

}  // namespace
}  // namespace srpadm::scenario
