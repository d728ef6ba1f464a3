# The Debian package: `cpack -G DEB` in a build tree makes srpadm_VERSION_ARCH.deb from what
# src/CMakeLists.txt installs, staged below /usr (so the build tree's own CMAKE_INSTALL_PREFIX
# does not matter). CPack rather than debhelper: it packages the build tree as it is, in
# seconds, where dpkg-buildpackage would build everything again from a debian/ directory; and
# the maintainer scripts are ours, short and explicit, where dh_installsystemd's would enable
# and start the daemon by default. tests/package/deb.sh builds the package, checks it (file
# list, control fields, conffiles, lintian) and installs it into a scratch root.

set(SRPADM_PACKAGE_MAINTAINER "srpadm maintainers <maintainers@users.noreply.r-seed-0044b4cb.example>"
    CACHE STRING "The Debian package's Maintainer field")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME srpadm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SRPADM_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# srpadm_0.1.0_amd64.deb: Debian's own name for the package file.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SRPADM_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the shared libraries the binary links (dpkg-shlibdeps), not a list kept by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SRP target discovery and login for InfiniBand and RoCE")
# The extended description: lines below 80 columns (lintian).
set(CPACK_PACKAGE_DESCRIPTION [=[srpadm finds SCSI RDMA Protocol (SRP) targets on InfiniBand fabrics (through
the subnet administrator and Device Management queries) and on RoCE (by
address), and logs the kernel's SRP initiator, ib_srp, in to the targets its
configuration allows: once (srpadm connect-all), when a port appears (a udev
rule and a systemd unit), or kept connected by a daemon that follows port,
subnet and target events. It also manages the target side (SCST or LIO's
ib_srpt), and replaces srp_daemon and ibsrpdm.

As installed, /etc/srpadm/srpadm.conf allows no target and no unit is
enabled: nothing is logged in to until the admin writes allow rules.]=])

# Maintainer scripts: systemd and udev reread the units and the rule; nothing is enabled,
# started or triggered (packaging/debian/postinst). The configuration is a conffile.
set(SRPADM_PACKAGE_CONTROL_DIR ${PROJECT_BINARY_DIR}/packaging)
file(WRITE ${SRPADM_PACKAGE_CONTROL_DIR}/conffiles "/etc/srpadm/srpadm.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${SRPADM_PACKAGE_CONTROL_DIR}/conffiles)
# Scripts 0755, the other control files 0644, as Debian policy asks.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# With the srp_daemon and ibsrpdm links the package holds two of srptools' files; it cannot
# be installed beside srptools, and does not claim to provide it (srptools also has units,
# a rules file and run_srp_daemon that srpadm does not ship). No Replaces: dpkg refuses while
# srptools is installed, so the admin decides which one goes.
if(SRPADM_COMPAT_LINKS)
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS srptools)
endif()

include(CPack)
