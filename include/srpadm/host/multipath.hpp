// What `srpadm list --multipath-conf` prints, decided from the SRP hosts (srp_hosts.hpp):
// device-mapper multipath settings (multipath.conf(5)) for the SRP disks of this host.
//
// multipath-tools matches a device entry's vendor and product as POSIX extended regular
// expressions against the SCSI vendor and product without their trailing blanks
// (multipath-tools libmultipath/config.c, hwe_regmatch(); libmultipath/discovery.c,
// sysfs_get_vendor()), so each vendor/product pair gets one entry whose values are the literal
// text, escaped and anchored ("^LIO-ORG$"). In a quoted value of the configuration file a
// double quote is written twice (libmpathutil/parser.c, alloc_strvec()).
//
// The settings are those of multipath-tools' built-in entries (libmultipath/hwtable.c) for the
// SRP targets of Linux: LIO (vendor "(LIO-ORG|SUSE)") and SCST (vendor "^SCST_"), both
// group_by_prio with prio alua, failback immediate and no_path_retry 12, LIO also with
// path_checker directio and detect_checker no. Other vendors get the part the two share
// without prio: multipathd then chooses one itself (detect_prio, on by default).
//
// multipath-tools does not set fast_io_fail_tmo and dev_loss_tmo on SRP paths
// (libmultipath/discovery.c, sysfs_set_scsi_tmo(): FC, iSCSI and SAS only); srpadm does, on
// the remote ports. The plan checks the remote ports against how long no_path_retry queues,
// by the rule multipath-tools applies on the transports it handles: dev_loss_tmo at least
// no_path_retry * polling_interval, plus a second per minute and one polling interval.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/types.hpp>

namespace srpadm::host {

// multipath-tools' defaults the plan builds on (libmultipath/defaults.h, DEFAULT_CHECKINT) and
// the no_path_retry of its LIO and SCST entries (libmultipath/hwtable.c).
inline constexpr int kMultipathPollingInterval = 5;
inline constexpr int kMultipathNoPathRetry = 12;

// Which built-in entry of multipath-tools the settings follow.
enum class MultipathProfile : std::uint8_t { lio, scst, other };
std::string_view multipath_profile_name(MultipathProfile profile);  // "LIO", "SCST", "other"
// LIO for a vendor containing "LIO-ORG" or "SUSE", SCST for one starting with "SCST_" (the
// vendor expressions of libmultipath/hwtable.c), other for the rest.
MultipathProfile multipath_profile(std::string_view vendor);

// A device entry's settings; the optional ones are left out when unset.
struct MultipathSettings {
    std::string path_grouping_policy;
    std::optional<std::string> prio;
    std::string failback;
    int no_path_retry = 0;
    std::optional<std::string> path_checker;
    std::optional<bool> detect_checker;

    friend bool operator==(const MultipathSettings&, const MultipathSettings&) = default;
};
MultipathSettings multipath_settings(MultipathProfile profile);

// "^" + `literal` with the extended regular expression's special characters escaped + "$".
std::string multipath_regex(std::string_view literal);
// `text` as a quoted value of multipath.conf: in double quotes, a double quote doubled.
std::string multipath_quoted(std::string_view text);

// A disk (a SCSI device with a block device) of an SRP path.
struct MultipathDisk {
    std::string block;  // "sdb"
    std::string hctl;   // "7:0:0:0"
    std::optional<std::string> vendor;
    std::optional<std::string> model;
    std::optional<std::string> wwid;
};

// An SRP path (SCSI host) that is not going away, with its remote port's timeouts.
struct MultipathPath {
    std::string host;  // "host7"
    std::string local_device;
    std::optional<unsigned> local_port;
    std::string state;  // the remote port's state, "" when unreadable
    std::optional<model::TmoValues> timeouts;
    std::vector<MultipathDisk> disks;
};

struct MultipathTarget {
    std::uint64_t id_ext = 0;
    Guid ioc_guid = 0;
    std::vector<MultipathPath> paths;  // by host number
};

// One device entry: a vendor/product pair of the disks.
struct MultipathDevice {
    std::string vendor;  // as sysfs shows it, trailing blanks removed
    std::string product;
    std::string vendor_value;  // quoted, escaped and anchored: "\"^LIO-ORG$\""
    std::string product_value;
    MultipathProfile profile = MultipathProfile::other;
    MultipathSettings settings;
    std::vector<std::string> disks;  // their block devices, in target order

    friend bool operator==(const MultipathDevice&, const MultipathDevice&) = default;
};

// A remote port whose timeouts do not suit multipath's queueing.
struct MultipathTimeoutNote {
    enum class Kind : std::uint8_t {
        unreadable,        // the timeouts cannot be read
        fast_io_fail_off,  // I/O on a broken path waits dev_loss_tmo (`value`, or -1: off)
        dev_loss_short,    // dev_loss_tmo `value` is below MultipathPlan::min_dev_loss_tmo
    };
    std::string host;
    Kind kind = Kind::unreadable;
    int value = 0;

    friend bool operator==(const MultipathTimeoutNote&, const MultipathTimeoutNote&) = default;
};

struct MultipathPlan {
    std::vector<MultipathTarget> targets;  // with a path that is not going away; first-seen order
    std::vector<MultipathDevice> devices;  // by first disk
    std::vector<MultipathDisk> unidentified;  // disks without a readable vendor or model
    int no_path_retry = kMultipathNoPathRetry;
    int polling_interval = kMultipathPollingInterval;
    int queue_seconds = 0;     // no_path_retry * polling_interval
    int min_dev_loss_tmo = 0;  // queue_seconds, a second per minute, one polling interval
    std::vector<MultipathTimeoutNote> timeout_notes;  // paths with disks only

    // No SRP disk at all: nothing to configure.
    bool no_disks() const { return devices.empty() && unidentified.empty(); }
};

// The plan for `hosts` (as srp_hosts() reads them): hosts going away (remote port lost) and
// SCSI devices without a block device are left out.
MultipathPlan multipath_plan(const std::vector<SrpHost>& hosts);

}  // namespace srpadm::host
