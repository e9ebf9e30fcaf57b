# SPDX-License-Identifier: Apache-2.0
#
# Debian packages with CPack, one per install component (cmake/install.cmake):
# faultline-agent, faultline-coordinator, faultline-worker, faultlinectl.
# scripts/package.sh runs `cpack -G DEB`; the RPMs come from rpm/faultline.spec.
# Files under /etc are conffiles (the list is written by install.cmake); the
# maintainer scripts come from packaging/deb/*.in.

set(CPACK_PACKAGE_NAME faultline)
set(CPACK_PACKAGE_VENDOR faultline)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "faultline developers <dev@faultline.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL ${FL_COMPONENTS})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# As rpmbuild does: the packages carry stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages/deb")

# Per package: the first line is the Debian synopsis. (No
# CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack would put it before every one.)
set(fl_pkg_agent faultline-agent)
set(fl_pkg_coordinator faultline-coordinator)
set(fl_pkg_worker faultline-worker)
set(fl_pkg_ctl faultlinectl)
set(fl_desc_agent "faultline agent: detects hardware faults (eBPF, sysfs, journald)
Watches the kernel's RAS, block and thermal tracepoints, EDAC/thermal/hwmon
sysfs and kernel messages in the journal against rule files in
/etc/faultline/rules.d, and sends signed remediation triggers to the
faultline coordinator.")
set(fl_desc_coordinator "faultline coordinator: remediation API with safety constraints
Authenticates agents (mutual TLS, RFC 9421 signatures) and operators,
applies ACLs and per-workflow constraints, and starts remediation
workflows in Temporal.")
set(fl_desc_worker "faultline worker: runs remediation workflows on a node
A Temporal worker polling the node's own, its node type's and its
datacenter's task queues: page offlining, diagnostics and site runbooks.")
set(fl_desc_ctl "faultlinectl: faultline's operator tool
Validates configuration files and talks to the faultline coordinator.")

foreach(c ${FL_COMPONENTS})
  string(TOUPPER "${c}" C)
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME "${fl_pkg_${c}}")
  set(CPACK_DEBIAN_${C}_DESCRIPTION "${fl_desc_${c}}")
  set(extra "")
  if(EXISTS "${CMAKE_BINARY_DIR}/packaging/deb/${c}/conffiles")
    list(APPEND extra "${CMAKE_BINARY_DIR}/packaging/deb/${c}/conffiles")
  endif()
  if(NOT c STREQUAL "ctl")
    set(FL_PACKAGE "${fl_pkg_${c}}")
    set(FL_UNIT "${fl_pkg_${c}}.service")
    set(FL_SYSUSERS "")
    if(c STREQUAL "coordinator")
      set(FL_SYSUSERS faultline.conf)
    endif()
    foreach(script postinst prerm postrm)
      configure_file("${CMAKE_SOURCE_DIR}/packaging/deb/${script}.in"
                     "${CMAKE_BINARY_DIR}/packaging/deb/${c}/${script}" @ONLY)
      list(APPEND extra "${CMAKE_BINARY_DIR}/packaging/deb/${c}/${script}")
    endforeach()
    set(CPACK_DEBIAN_${C}_PACKAGE_RECOMMENDS "systemd")
  endif()
  set(CPACK_DEBIAN_${C}_PACKAGE_CONTROL_EXTRA "${extra}")
endforeach()
if(agent IN_LIST FL_COMPONENTS)
  # libcurl is dlopen()ed by faultline-agent-sender (agent/curl_api.h), so shlibdeps cannot
  # see it: the OpenSSL flavour, by its soname.
  set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "libcurl4 (>= 7.85)")
endif()
if(coordinator IN_LIST FL_COMPONENTS)
  # The postinst creates the faultline user with one or the other.
  set(CPACK_DEBIAN_COORDINATOR_PACKAGE_DEPENDS "systemd | adduser")
endif()

include(CPack)
