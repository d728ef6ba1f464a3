# Every dependency is a Debian 12 package (scripts/install-deps.sh installs them);
# nothing is downloaded at build time.
find_package(tl-expected REQUIRED)       # libexpected-dev
find_package(fmt REQUIRED)               # libfmt-dev (comes with libspdlog-dev)
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)           # the write pool's and the umad endpoint's threads

if(SRPADM_SANITIZER_BUILD)
  # The sanitizer sub-build: the ThreadSanitizer tests and the ibsim client.
  find_package(GTest REQUIRED)
  find_package(nlohmann_json REQUIRED)
  pkg_check_modules(IBUMAD REQUIRED IMPORTED_TARGET libibumad)
  pkg_check_modules(IBVERBS REQUIRED IMPORTED_TARGET libibverbs)
else()
  find_package(spdlog REQUIRED)          # libspdlog-dev
  find_package(CLI11 REQUIRED)           # libcli11-dev
  find_package(nlohmann_json REQUIRED)   # nlohmann-json3-dev
  pkg_check_modules(IBUMAD REQUIRED IMPORTED_TARGET libibumad)  # libibumad-dev
  pkg_check_modules(IBVERBS REQUIRED IMPORTED_TARGET libibverbs)  # libibverbs-dev (port events)
  pkg_check_modules(UDEV REQUIRED IMPORTED_TARGET libudev)  # libudev-dev (uevents)
  if(SRPADM_BUILD_TESTS)
    find_package(GTest REQUIRED)         # googletest
    pkg_check_modules(IBMAD REQUIRED IMPORTED_TARGET libibmad)  # libibmad-dev (test oracle)
  endif()
endif()
