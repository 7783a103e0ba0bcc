# The OpenAPI document (docs/openapi.yaml): embedded into kl_http for GET /v1/openapi.json, and
# its tests (lint, conformance of the real server). Included right after kl_http is defined.

# Debian's interpreter first: scripts/setup.d/openapi.sh installs python3-yaml and
# python3-jsonschema for it (another python3 earlier on PATH may lack them).
find_program(KEYLEDGER_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(KEYLEDGER_PYTHON3 NAMES python3 REQUIRED)

set(OPENAPI_YAML ${CMAKE_SOURCE_DIR}/docs/openapi.yaml)
set(OPENAPI_HEADER ${CMAKE_BINARY_DIR}/generated/openapi_json.h)
add_custom_command(
  OUTPUT ${OPENAPI_HEADER}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${KEYLEDGER_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/openapi_to_json.py ${OPENAPI_YAML}
          --header ${OPENAPI_HEADER}
  DEPENDS ${OPENAPI_YAML} ${CMAKE_SOURCE_DIR}/scripts/openapi_to_json.py
  COMMENT "Embedding docs/openapi.yaml as generated/openapi_json.h"
  VERBATIM)
# Listing the header as a source makes every kl_http build (re)generate it first.
target_sources(kl_http PRIVATE ${OPENAPI_HEADER})

# Lint: the pinned @redocly/cli in tests/openapi/node_modules (scripts/setup.d/openapi.sh).
add_test(NAME openapi_lint COMMAND bash ${CMAKE_SOURCE_DIR}/tests/openapi/lint.sh)

# Conformance: every route exercised against the real binary, each response body validated
# against the document's schema for that route and status.
add_test(NAME openapi_conformance
         COMMAND ${KEYLEDGER_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/openapi/conformance.py
                 --binary $<TARGET_FILE:keyledger> --spec ${OPENAPI_YAML})
set_tests_properties(openapi_conformance PROPERTIES TIMEOUT 300)
