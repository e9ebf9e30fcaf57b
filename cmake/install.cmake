# SPDX-License-Identifier: Apache-2.0
#
# Install rules, Debian packages (CPack) and the packaging tests, in one place.
# Included at the end of the top-level CMakeLists.txt, once every target
# exists: a daemon whose target is not part of the build installs nothing and
# gets no package, so each part joins the packages as soon as it is built.
#
# One install component per package:
#   agent        faultline-agent, faultline-agent-sender (libexec), its unit,
#                man page, agent.hcl, rules.d/
#   coordinator  faultline-coordinator, its unit, man page, sysusers.d entry,
#                coordinator.hcl, workflows.d/
#   worker       faultline-worker, its unit, man page, worker.hcl, runbooks/
#   ctl          faultlinectl and its man page
#
#   cmake --install build [--component agent]      # DESTDIR= honoured
#   scripts/package.sh                             # RPMs and .debs
#
# Configuration always goes to /etc/faultline, whatever the prefix: that is
# where the daemons look by default. The units get the installed binary's
# path when they are installed (install-time prefix, so
# `cmake --install build --prefix /usr`, as scripts/package.sh does, works on
# any build tree).
include(GNUInstallDirs)

set(FL_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory (relative: under the prefix)")
set(FL_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "sysusers.d directory (relative: under the prefix)")
set(FL_CONFDIR "/etc/faultline" CACHE PATH "faultline's configuration directory")

# Which components this build has, in package order.
set(FL_COMPONENTS "")
if(TARGET faultline-agent)
  list(APPEND FL_COMPONENTS agent)
endif()
if(TARGET faultline-coordinator)
  list(APPEND FL_COMPONENTS coordinator)
endif()
if(TARGET faultline-worker-go)
  list(APPEND FL_COMPONENTS worker)
endif()
if(TARGET faultlinectl)
  list(APPEND FL_COMPONENTS ctl)
endif()

# fl_install_config(COMPONENT FILE|DIR...): configuration from rules/ into
# /etc/faultline, remembered per component as Debian conffiles (rpm marks
# them %config(noreplace) in rpm/faultline.spec).
function(fl_install_config component)
  foreach(rel ${ARGN})
    set(src "${CMAKE_SOURCE_DIR}/rules/${rel}")
    if(IS_DIRECTORY "${src}")
      file(GLOB files CONFIGURE_DEPENDS "${src}/*")
      list(SORT files)
      # Runbooks are programs the worker executes.
      if(rel STREQUAL "runbooks")
        set(perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                  WORLD_READ WORLD_EXECUTE)
      else()
        set(perms OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
      endif()
      install(FILES ${files} DESTINATION "${FL_CONFDIR}/${rel}" PERMISSIONS ${perms}
              COMPONENT ${component})
      foreach(f ${files})
        string(REPLACE "${CMAKE_SOURCE_DIR}/rules/" "" f "${f}")
        set_property(GLOBAL APPEND PROPERTY FL_CONFFILES_${component} "${FL_CONFDIR}/${f}")
      endforeach()
    elseif(EXISTS "${src}")
      install(FILES "${src}" DESTINATION "${FL_CONFDIR}" COMPONENT ${component})
      set_property(GLOBAL APPEND PROPERTY FL_CONFFILES_${component} "${FL_CONFDIR}/${rel}")
    endif()
  endforeach()
endfunction()

# fl_install_unit(COMPONENT NAME): systemd/NAME.service.in with @FL_BINDIR@
# replaced by the install-time prefix's bin directory.
function(fl_install_unit component name)
  set(tmpl "${CMAKE_SOURCE_DIR}/systemd/${name}.service.in")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${tmpl}")
  install(CODE "
    set(fl_unit \"\${CMAKE_INSTALL_PREFIX}/${FL_SYSTEMD_UNITDIR}/${name}.service\")
    file(READ \"${tmpl}\" fl_text)
    string(REPLACE \"@FL_BINDIR@\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\"
           fl_text \"\${fl_text}\")
    message(STATUS \"Installing: \$ENV{DESTDIR}\${fl_unit}\")
    file(WRITE \"\$ENV{DESTDIR}\${fl_unit}\" \"\${fl_text}\")
    file(CHMOD \"\$ENV{DESTDIR}\${fl_unit}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${fl_unit}\")
  " COMPONENT ${component})
endfunction()

function(fl_install_man component page)
  string(REGEX MATCH "[0-9]$" section "${page}")
  install(FILES "${CMAKE_SOURCE_DIR}/man/${page}"
          DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}" COMPONENT ${component})
endfunction()

if(agent IN_LIST FL_COMPONENTS)
  install(TARGETS faultline-agent RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT agent)
  # Started by the agent, never by hand (agent/sender.h finds it relative to
  # the agent's own path, so any --prefix works).
  install(TARGETS faultline-agent-sender
          RUNTIME DESTINATION "${CMAKE_INSTALL_LIBEXECDIR}/faultline" COMPONENT agent)
  fl_install_unit(agent faultline-agent)
  fl_install_man(agent faultline-agent.8)
  fl_install_config(agent agent.hcl rules.d)
endif()

if(coordinator IN_LIST FL_COMPONENTS)
  install(TARGETS faultline-coordinator RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
          COMPONENT coordinator)
  fl_install_unit(coordinator faultline-coordinator)
  fl_install_man(coordinator faultline-coordinator.8)
  install(FILES "${CMAKE_SOURCE_DIR}/systemd/faultline.sysusers"
          DESTINATION "${FL_SYSUSERSDIR}" RENAME faultline.conf COMPONENT coordinator)
  fl_install_config(coordinator coordinator.hcl workflows.d)
endif()

if(worker IN_LIST FL_COMPONENTS)
  # Built by `go build` (worker/CMakeLists.txt), not a CMake executable target.
  install(PROGRAMS "${CMAKE_BINARY_DIR}/faultline-worker"
          DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT worker)
  fl_install_unit(worker faultline-worker)
  fl_install_man(worker faultline-worker.8)
  fl_install_config(worker worker.hcl runbooks)
endif()

if(ctl IN_LIST FL_COMPONENTS)
  install(TARGETS faultlinectl RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ctl)
  fl_install_man(ctl faultlinectl.1)
endif()

# The component list and the conffiles, for scripts/package.sh and the tests.
set(fl_manifest "# generated by cmake/install.cmake\nFL_VERSION=${PROJECT_VERSION}\n")
string(REPLACE ";" " " fl_words "${FL_COMPONENTS}")
string(APPEND fl_manifest "FL_COMPONENTS=\"${fl_words}\"\nFL_CONFDIR=${FL_CONFDIR}\n")
foreach(c ${FL_COMPONENTS})
  get_property(conf GLOBAL PROPERTY FL_CONFFILES_${c})
  string(REPLACE ";" "\n" conf "${conf}")
  if(conf)
    file(WRITE "${CMAKE_BINARY_DIR}/packaging/deb/${c}/conffiles" "${conf}\n")
  endif()
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/packaging/components.env" "${fl_manifest}")

include(${CMAKE_CURRENT_LIST_DIR}/cpack.cmake)

if(FL_BUILD_TESTS)
  add_subdirectory(tests/packaging)
endif()
