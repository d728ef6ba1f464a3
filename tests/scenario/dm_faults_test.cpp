// Faults on Device Management answers and malformed DM data, on two-targets.fabric (storage1
// at LID 3 with one IOC, storage2 at LID 4 with IOCs in slots 1 and 2): retries, problems
// that name the LID and slot, and no target from a lost, cut or lying answer.
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

namespace attr = wire::dm_attr;

// ---- lost, late, doubled and misdirected answers ---------------------------------------------

TEST(DmFaults, DroppedAnswerTimesOutAndTheRetrySucceeds) {
    expect_one_retry(
        dm_fault(FaultAction::drop, attr::io_controller_profile).lid(kStorage2Lid).nth(2),
        {.dm = 9, .timeouts = 1, .retries = 1});
}

TEST(DmFaults, PortThatNeverAnswersIsReportedAfterEveryAttempt) {
    Harness h(example("two-targets"));
    const auto dropped = h.fault(dm_fault(FaultAction::drop, attr::io_unit_info).lid(kStorage2Lid));
    const auto report = h.ok();
    expect_targets(report, storage1_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0004"), HasSubstr("GUID 0x0002c90300c00031"),
                                  HasSubstr("IOUnitInfo: no answer (4 attempts)"))));
    EXPECT_FALSE(report.complete());
    EXPECT_EQ(h.fabric.faults().matches(dropped), 4U);
    EXPECT_EQ(report.stats.timeouts, 4U);
    EXPECT_EQ(report.stats.dm_requests, 3U + 4U);
    // storage2 is still listed, without an IOUnitInfo.
    ASSERT_EQ(report.ports.size(), 2U);
    EXPECT_FALSE(report.ports[1].iou.has_value());
    EXPECT_THAT(report.ports[1].error, HasSubstr("IOUnitInfo"));
    // The scan took the attempts, their timeouts and the backoffs, after 600 us of SA.
    const auto bounds = retry_time(h.options.retry);
    EXPECT_GE(report.stats.elapsed, bounds.low + microseconds(600));
    EXPECT_LE(report.stats.elapsed, bounds.high + microseconds(600));
}

TEST(DmFaults, TheConfiguredAttemptsBoundTheTime) {
    Harness h(example("two-targets"));
    h.options.retry =
        discovery::RetryPolicy{milliseconds(200), 2, milliseconds(50), milliseconds(80)};
    h.fault(dm_fault(FaultAction::drop, attr::service_entries).lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, storage2_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("slot 1"),
                                  HasSubstr("ServiceEntries 0-0: no answer (3 attempts)"))));
    // 3 x 200 ms + backoffs of 50 and 80 ms (capped) with jitter, after 700 us.
    const auto bounds = retry_time(h.options.retry);
    EXPECT_EQ(bounds.low, milliseconds(600 + 50 + 80));
    EXPECT_GE(report.stats.elapsed, bounds.low + microseconds(700));
    EXPECT_LE(report.stats.elapsed, bounds.high + microseconds(700));
}

TEST(DmFaults, LateAnswerIsUnmatchedAndNotUsed) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::delay, attr::io_unit_info)
                .lid(kStorage1Lid)
                .delay(milliseconds(1050))
                .once());
    // Walked once: one IOControllerProfile and one ServiceEntries for storage1.
    expect_recovered(h.ok(), {.dm = 9, .timeouts = 1, .retries = 1, .unmatched = 1});
}

TEST(DmFaults, AnswerLaterThanTheWholeScanIsUnmatchedAfterwards) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::delay, attr::io_controller_profile).delay(seconds(5)).once());
    expect_recovered(h.ok(), {.dm = 9, .timeouts = 1, .retries = 1});
    h.settle();
    EXPECT_EQ(h.endpoint_stats().unmatched, 1U);
}

TEST(DmFaults, DuplicateAnswersGiveOneTarget) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::duplicate, attr::io_unit_info));
    h.fault(dm_fault(FaultAction::duplicate, attr::service_entries));
    const auto report = h.ok();
    // The copy of the last answer arrives after the scan has ended.
    expect_recovered(report, {.unmatched = 2 + 3 - 1});
    EXPECT_EQ(report.stats.dm_responses, 8U);
    h.settle();
    EXPECT_EQ(h.endpoint_stats().unmatched, 2U + 3U);
}

TEST(DmFaults, ReorderedAnswersKeepTheOrder) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::reorder, attr::io_unit_info).lid(kStorage1Lid));
    h.fault(dm_fault(FaultAction::reorder, attr::io_controller_profile).lid(kStorage2Lid).once());
    expect_recovered(h.ok(), {});
}

TEST(DmFaults, WrongTidIsIgnoredAndTheRequestRetried) {
    expect_one_retry(
        dm_fault(FaultAction::wrong_tid, attr::service_entries).lid(kStorage2Lid).once(),
        {.dm = 9, .timeouts = 1, .retries = 1, .unmatched = 1});
}

// ---- statuses ---------------------------------------------------------------------------------

TEST(DmFaults, BusyIsRetried) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::status, attr::io_unit_info).value(kStatusBusy).once());
    const auto report = h.ok();
    expect_recovered(report, {.dm = 9, .retries = 1, .busy = 1});
    expect_within(report.stats.elapsed, after_backoff(microseconds(800), milliseconds(100)));
}

TEST(DmFaults, RedirectIsNotRetriedAndIsReported) {
    Harness h(example("two-targets"));
    const auto rule = h.fault(
        dm_fault(FaultAction::status, attr::io_unit_info).value(kStatusRedirect).lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, storage2_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"),
                                  HasSubstr("IOUnitInfo: status 0x0002 (redirect required)"))));
    EXPECT_EQ(h.fabric.faults().matches(rule), 1U);
    EXPECT_EQ(report.stats.retries, 0U);
}

TEST(DmFaults, NoIocStatusLosesOnlyThatSlot) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::status, attr::io_controller_profile)
                .value(wire::dm_status::no_ioc)
                .lid(kStorage2Lid)
                .once());
    const auto report = h.ok();
    expect_targets(report, {two_targets()[0], two_targets()[2]});
    EXPECT_THAT(report.problems, ElementsAre(AllOf(HasSubstr("LID 0x0004"), HasSubstr("slot 1"),
                                                   HasSubstr("IOControllerProfile: status 0x0100"),
                                                   HasSubstr("no IOC at this slot"))));
    EXPECT_EQ(report.stats.retries, 0U);
    // Nothing is cached from an incomplete walk: the next scan walks storage2 again.
    const auto again = h.ok(true);
    expect_targets(again, two_targets());
}

// ---- malformed data ---------------------------------------------------------------------------

TEST(DmFaults, ShortIocProfileGivesNoTarget) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::short_dm, attr::io_controller_profile).lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, storage2_only());
    EXPECT_THAT(report.problems, ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("slot 1"),
                                                   HasSubstr("IOControllerProfile"),
                                                   HasSubstr("36"), HasSubstr("128"))));
    // No ServiceEntries for a profile that was not read.
    EXPECT_EQ(report.stats.dm_requests, 2U + 5U);
}

TEST(DmFaults, ShortServiceEntriesAndIoUnitInfoGiveNoTarget) {
    Harness h(example("two-targets"));
    h.fault(
        dm_fault(FaultAction::short_dm, attr::service_entries).value(64 + 47).lid(kStorage1Lid));
    h.fault(dm_fault(FaultAction::short_dm, attr::io_unit_info).value(64 + 3).lid(kStorage2Lid));
    const auto report = h.ok();
    EXPECT_THAT(report.targets, IsEmpty());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("slot 1"),
                                  HasSubstr("ServiceEntries 0-0"), HasSubstr("47 bytes")),
                            AllOf(HasSubstr("LID 0x0004"), HasSubstr("IOUnitInfo"))));
}

TEST(DmFaults, MaxControllersLargerThanTheListAddsNoController) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::max_controllers_lie, attr::io_unit_info).value(255));
    const auto report = h.ok();
    expect_recovered(report, {});
    ASSERT_EQ(report.ports.size(), 2U);
    EXPECT_EQ(report.ports[1].iou->max_controllers, 255);
    EXPECT_EQ(report.ports[1].iocs.size(), 2U);
}

TEST(DmFaults, LioMaxControllersLieStillOneController) {
    Harness h(example("mixed"));
    const Lid lio = h.lid("lio1 mlx5_0");
    h.fault(dm_fault(FaultAction::max_controllers_lie, attr::io_unit_info).lid(lio));
    const auto report = h.ok();
    ASSERT_EQ(report.targets.size(), 3U);
    ASSERT_FALSE(report.ports.empty());
    EXPECT_EQ(report.ports[0].iocs.size(), 1U);
}

TEST(DmFaults, ServiceCountLargerThanTheEntriesInventsNothing) {
    Harness h(example("two-targets"));
    // storage1's IOC claims 6 entries; it has 1, and refuses the blocks 0-3 and 4-5.
    h.fault(dm_fault(FaultAction::service_count_lie, attr::io_controller_profile)
                .value(6)
                .lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, storage2_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("slot 1"),
                                  HasSubstr("ServiceEntries 0-3"), HasSubstr("0x001c"))));
    EXPECT_EQ(report.stats.dm_requests, (1U + 1U + 2U) + 5U);
}

TEST(DmFaults, ServiceCountSmallerThanTheEntriesReadsOnlyWhatItSays) {
    auto file = example("many-services");
    Harness h(std::move(file));
    // Nine entries, but the profile says five: entries 0-3 and 4 are read.
    h.fault(dm_fault(FaultAction::service_count_lie, attr::io_controller_profile).value(5));
    const auto report = h.ok();
    ASSERT_EQ(report.targets.size(), 5U);
    EXPECT_EQ(report.targets[4].id_ext, "0002C90300B10024");
    EXPECT_EQ(report.stats.dm_requests, 1U + 1U + 2U);
}

TEST(DmFaults, UnterminatedStringsAreCutAtTheirFields) {
    Harness h(example("two-targets"));
    h.fault(
        dm_fault(FaultAction::unterminated_strings, attr::io_controller_profile).lid(kStorage1Lid));
    h.fault(dm_fault(FaultAction::unterminated_strings, attr::service_entries).lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    const auto& t = report.targets[0];
    // The 40-byte name is "SRP.T10:" + 16 id_ext digits + 16 filler bytes, no NUL.
    EXPECT_EQ(t.service_name, "SRP.T10:0002C90300B00020" + std::string(16, 'X'));
    EXPECT_EQ(t.ioc_id, "SCST SRP target" + std::string(64 - 15, 'X'));
    EXPECT_EQ(lines(report)[0], lines(Harness(example("two-targets")).ok())[0]);
}

TEST(DmFaults, BinaryIdStringIsEscaped) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::binary_strings, attr::io_controller_profile).lid(kStorage1Lid));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_EQ(report.targets[0].ioc_id, "\\x1b[2J\\xff\\x01\\x7f\\x80SRP");
    EXPECT_EQ(report.ports[0].iocs[0].profile.id_string.display(), report.targets[0].ioc_id);
}

TEST(DmFaults, BinaryServiceNamesAreNotSrpServices) {
    Harness h(example("two-targets"));
    h.fault(dm_fault(FaultAction::binary_strings, attr::service_entries).lid(kStorage2Lid));
    const auto report = h.ok();
    expect_targets(report, storage1_only());
    // Listed as the target sent them, escaped.
    ASSERT_EQ(report.ports.size(), 2U);
    ASSERT_EQ(report.ports[1].iocs.size(), 2U);
    EXPECT_EQ(report.ports[1].iocs[0].services[0].name.display(),
              "\\x1b[2J\\xff\\x01\\x7f\\x80SRP");
}

// A fabric whose storage1 IOC has extra services with odd names.
sim::FabricFile with_services(const std::vector<sim::ServiceEntry>& services) {
    auto file = example("two-targets");
    auto& ioc = file.fabric.port(port_named(file.fabric, "storage1 mlx5_0")).dm->iocs.front();
    ioc.services.insert(ioc.services.end(), services.begin(), services.end());
    return file;
}

TEST(DmFaults, IdExtThatIsNotHexIsSkippedWithAProblem) {
    Harness h(with_services({
        {"SRP.T10:NOTHEXATALL00000", 0x1111},
        {"SRP.T10:abc", 0x2222},
        {"SRP.T10:", 0x3333},
        {"SRP.T10:0002C90300B0002F", 0x4444},
    }));
    const auto report = h.ok();
    // Entry 0 is the original; "abc" is a short id_ext that is hex (srp_daemon keeps it as
    // written); "SRP.T10:" alone names no target.
    ASSERT_EQ(report.targets.size(), 5U);
    EXPECT_EQ(report.targets[0].id_ext, "0002C90300B00020");
    EXPECT_EQ(report.targets[1].id_ext, "abc");
    EXPECT_EQ(report.targets[1].service_id, 0x2222U);
    EXPECT_EQ(report.targets[2].id_ext, "0002C90300B0002F");
    EXPECT_EQ(report.targets[2].service_index, 4);
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0003"), HasSubstr("slot 1"),
                                  HasSubstr("service 1"), HasSubstr("SRP.T10:NOTHEXATALL00000"),
                                  HasSubstr("not 1-16 hex digits"))));
}

TEST(DmFaults, ControlBytesInANameAreEscapedInTheProblem) {
    Harness h(with_services({{std::string("SRP.T10:\x1b[31m\x07\xff") + "0002C9", 0x5555}}));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(
        report.problems,
        ElementsAre(AllOf(HasSubstr("service 1"), HasSubstr("SRP.T10:\\x1b[31m\\x07\\xff0002C9"))));
    expect_printable(report.problems);
}

}  // namespace
}  // namespace srpadm::scenario
