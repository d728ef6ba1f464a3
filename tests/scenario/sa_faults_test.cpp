// Faults on the subnet administrator's answers, on two-targets.fabric: what is retried, what
// is reported, what it costs, and that no target comes from a bad answer.
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

namespace attr = wire::sa_attr;
using wire::attr::class_port_info;

// ---- lost, late, doubled and misdirected answers ---------------------------------------------

TEST(SaFaults, DroppedTableAnswerTimesOutAndTheRetrySucceeds) {
    expect_one_retry(sa_fault(FaultAction::drop, attr::port_info_record).once(),
                     {.sa = 5, .timeouts = 1, .retries = 1});
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
    // Two PathRecords and one walk each: the late table was not used a second time.
    expect_recovered(h.ok(), {.sa = 5, .timeouts = 1, .retries = 1, .unmatched = 1});
}

TEST(SaFaults, DuplicateAnswerIsUnmatched) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::duplicate, attr::port_info_record).once());
    h.fault(sa_fault(FaultAction::duplicate, attr::path_record).once());
    expect_recovered(h.ok(), {.unmatched = 2});
}

TEST(SaFaults, ReorderedPathRecordsKeepTheTableOrder) {
    Harness h(example("two-targets"));
    // The first port's PathRecord answer comes after the second port's.
    h.fault(sa_fault(FaultAction::reorder, attr::path_record).once());
    expect_recovered(h.ok(), {});
}

TEST(SaFaults, WrongTidIsIgnoredAndTheRequestRetried) {
    expect_one_retry(sa_fault(FaultAction::wrong_tid, class_port_info).once(),
                     {.sa = 5, .timeouts = 1, .retries = 1, .unmatched = 1});
}

// ---- statuses ---------------------------------------------------------------------------------

TEST(SaFaults, BusyIsRetriedAfterABackoffWithoutWaitingForATimeout) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::status, attr::port_info_record).value(kStatusBusy).nth(1));
    h.fault(sa_fault(FaultAction::status, attr::port_info_record).value(kStatusBusy).nth(2));
    const auto report = h.ok();
    expect_recovered(report, {.sa = 6, .retries = 2, .busy = 2});
    // Backoffs of 100 and 200 ms, each after a 200 us answer.
    expect_within(report.stats.elapsed,
                  after_backoff(microseconds(750 + 2 * 200), milliseconds(300)));
}

TEST(SaFaults, AlwaysBusyFailsAfterTheConfiguredAttempts) {
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::status, attr::path_record).value(kStatusBusy));
    const auto report = h.ok();
    EXPECT_THAT(report.targets, IsEmpty());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("status 0x0001 (busy)")),
                            AllOf(HasSubstr("LID 0x0004"), HasSubstr("PathRecord"),
                                  HasSubstr("status 0x0001 (busy)"))));
    EXPECT_EQ(report.stats.busy, 8U);
    EXPECT_EQ(report.stats.timeouts, 0U);
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
    // storage2's PathRecord gets a redirect, storage1's an unsupported-attribute status:
    // neither says the partition is not shared.
    const auto redirected =
        scan_with({sa_fault(FaultAction::status, attr::path_record).value(kStatusRedirect).nth(2)});
    expect_targets(redirected, storage1_only());
    EXPECT_THAT(redirected.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0004"), HasSubstr("PathRecord for P_Key 0xffff"),
                                  HasSubstr("redirect required"))));
    EXPECT_EQ(redirected.stats.retries, 0U);

    const auto refused =
        scan_with({sa_fault(FaultAction::status, attr::path_record).value(0x000c).nth(1)});
    expect_targets(refused, storage2_only());
    EXPECT_THAT(refused.problems, ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("0x000c"))));
}

TEST(SaFaults, NoRecordsForAPathMeansThePartitionIsNotShared) {
    // 0x0300: ERR_NO_RECORDS, OpenSM's answer for a P_Key the two ports do not share.
    const auto report =
        scan_with({sa_fault(FaultAction::status, attr::path_record).value(0x0300).nth(2)});
    expect_targets(report, storage1_only());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.ports.size(), 1U);
}

// ---- bad tables -------------------------------------------------------------------------------

TEST(SaFaults, TruncatedTablesKeepTheWholeRecordsAndReportTheCut) {
    // Half of storage2's 72-byte record is cut off the PortInfoRecord table.
    const auto report = scan_with({sa_fault(FaultAction::truncate_table, attr::port_info_record)});
    expect_targets(report, storage1_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0001"), HasSubstr("PortInfoRecord table"),
                                  HasSubstr("36 bytes"))));
    EXPECT_EQ(report.stats.sa_requests, 3U);
    EXPECT_EQ(report.stats.dm_requests, 3U);

    // On an old SM, the NodeRecord table loses 20 bytes of its last record (the gateway's).
    const auto cut =
        scan_with({sa_fault(FaultAction::truncate_table, attr::node_record).value(20)}, "mixed");
    ASSERT_EQ(cut.targets.size(), 2U);
    EXPECT_EQ(cut.targets[1].id_ext, "0002C90300E30020");
    EXPECT_THAT(cut.problems,
                ElementsAre(AllOf(HasSubstr("NodeRecord table"), HasSubstr("ends in 92 bytes"))));
}

TEST(SaFaults, OversizedTablesAreDeduplicatedByLid) {
    // Three more copies of storage2's record; the PathRecord Gets get extra records too.
    Harness h(example("two-targets"));
    h.fault(sa_fault(FaultAction::oversize_table, attr::port_info_record).value(3));
    h.fault(sa_fault(FaultAction::oversize_table, attr::path_record).value(2));
    const auto report = h.ok();
    expect_recovered(report, {});
    EXPECT_EQ(report.ports.size(), 2U);

    const auto more =
        scan_with({sa_fault(FaultAction::oversize_table, attr::node_record).value(4)}, "mixed");
    EXPECT_EQ(more.targets.size(), 3U);
    EXPECT_THAT(more.problems, IsEmpty());
    EXPECT_EQ(more.stats.sa_requests, 10U);
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
