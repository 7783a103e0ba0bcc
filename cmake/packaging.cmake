# The keyledger .deb: install() rules and CPack settings. Included (OPTIONAL) at the end of the
# root CMakeLists. Build the package with:
#   cmake --build build --target keyledger && (cd build && cpack -G DEB)
# tests/package/install_test.sh builds it and checks it from a clean root.

# Installing needs only the binary: do not make "install"/cpack rebuild every test target first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

# Paths are the Debian ones. The binary goes under the install prefix (/usr in the package);
# the unit, the defaults file and the docs use absolute paths because that is where Debian
# and systemd look for them whatever the prefix.
install(TARGETS keyledger RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/keyledger.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# 0600: the defaults file may hold KEYLEDGER_ADMIN_TOKEN (systemd reads it as root).
install(FILES ${CMAKE_SOURCE_DIR}/packaging/default DESTINATION /etc/default RENAME keyledger
        PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${CMAKE_SOURCE_DIR}/README.md
              ${CMAKE_SOURCE_DIR}/docs/operations.md
              ${CMAKE_SOURCE_DIR}/docs/audit.md
              ${CMAKE_SOURCE_DIR}/docs/policy-gates.md
              ${CMAKE_SOURCE_DIR}/docs/spec.md
              ${CMAKE_SOURCE_DIR}/docs/api.md
              ${CMAKE_SOURCE_DIR}/docs/verify_export.py
        DESTINATION /usr/share/doc/keyledger
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keyledger)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "keyledger maintainers <maintainers@keyledger.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted, event-sourced API key service")
set(CPACK_PACKAGE_DESCRIPTION
    "keyledger issues, lists, rotates, revokes and validates API keys for your customers'\n"
    "organizations. Every lifecycle change is an event appended to a hash-chained RocksDB log\n"
    "that auditors can verify offline (signed head, signed exports).\n"
    "The package runs it as the keyledger systemd service, data in /var/lib/keyledger.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
# Strip the RelWithDebInfo binary: the package ships no debug info.
set(CPACK_STRIP_FILES TRUE)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # keyledger_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binary's own links (dpkg-shlibdeps, from dpkg-dev), plus what
# the maintainer scripts call.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates")  # ca-certificates: webhook TLS
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/conffiles
    ${CMAKE_SOURCE_DIR}/packaging/postinst
    ${CMAKE_SOURCE_DIR}/packaging/prerm
    ${CMAKE_SOURCE_DIR}/packaging/postrm)
# Maintainer scripts 0755 and conffiles 0644 whatever the checkout's modes are.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
