# Checks that code in a guide is the code the build compiles. Run as
#
#   cmake -DROOT=<source root> -DDOC=<markdown file> -P check_code_blocks.cmake
#
# A fenced block preceded by the line
#
#   <!-- from: path/from/root -->               must equal the whole file;
#   <!-- from: path/from/root [doc:NAME] -->    must equal the lines between the
#                                                two lines of the file that hold
#                                                "[doc:NAME]" (other marker lines
#                                                inside are left out).
#
# Every ```cpp and ```cmake block must carry such a mark, so no code in the
# guide escapes the compiler. Fails (FATAL_ERROR) naming each block that
# differs, with the text it should hold.
#
# The text is handled as one string throughout: C++ is full of semicolons,
# which CMake lists would split on.

cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED ROOT OR NOT DEFINED DOC)
    message(FATAL_ERROR "usage: cmake -DROOT=DIR -DDOC=FILE -P check_code_blocks.cmake")
endif()
file(READ "${DOC}" doc)

# The region of `text` between the two marker lines holding `marker`, or the
# whole text when `marker` is empty; "" with `ok` false when the markers are
# not there twice.
function(region_of text marker out ok)
    if(marker STREQUAL "")
        set(${out} "${text}" PARENT_SCOPE)
        set(${ok} TRUE PARENT_SCOPE)
        return()
    endif()
    string(FIND "${text}" "${marker}" first)
    if(first EQUAL -1)
        set(${ok} FALSE PARENT_SCOPE)
        return()
    endif()
    string(SUBSTRING "${text}" ${first} -1 after_first)
    string(FIND "${after_first}" "\n" line_end)
    math(EXPR start "${line_end} + 1")
    string(SUBSTRING "${after_first}" ${start} -1 body)
    string(FIND "${body}" "${marker}" second)
    if(second EQUAL -1)
        set(${ok} FALSE PARENT_SCOPE)
        return()
    endif()
    string(SUBSTRING "${body}" 0 ${second} body)
    # Drop the start of the closing marker's line, then inner marker lines.
    string(FIND "${body}" "\n" last_newline REVERSE)
    math(EXPR keep "${last_newline} + 1")
    string(SUBSTRING "${body}" 0 ${keep} body)
    string(REGEX REPLACE "[^\n]*\\[doc:[a-z_]+\\][^\n]*\n" "" body "${body}")
    set(${out} "${body}" PARENT_SCOPE)
    set(${ok} TRUE PARENT_SCOPE)
endfunction()

set(failures "")
set(checked 0)
set(rest "${doc}")
while(TRUE)
    string(FIND "${rest}" "<!-- from: " at)
    if(at EQUAL -1)
        break()
    endif()
    math(EXPR spec_start "${at} + 11")
    string(SUBSTRING "${rest}" ${spec_start} -1 rest)
    string(FIND "${rest}" " -->\n" spec_end)
    string(SUBSTRING "${rest}" 0 ${spec_end} spec)
    math(EXPR after "${spec_end} + 5")
    string(SUBSTRING "${rest}" ${after} -1 rest)

    # "path" or "path [doc:NAME]"
    set(marker "")
    set(path "${spec}")
    if(spec MATCHES "^([^ ]+) (\\[doc:[a-z_]+\\])$")
        set(path "${CMAKE_MATCH_1}")
        set(marker "${CMAKE_MATCH_2}")
    endif()

    if(NOT rest MATCHES "^```[a-z]*\n")
        string(APPEND failures "  ${spec}: the mark is not followed by a ``` fence\n")
        continue()
    endif()
    string(FIND "${rest}" "\n" fence_end)
    math(EXPR body_start "${fence_end} + 1")
    string(SUBSTRING "${rest}" ${body_start} -1 rest)
    string(FIND "${rest}" "```\n" close)
    string(SUBSTRING "${rest}" 0 ${close} block)
    string(SUBSTRING "${rest}" ${close} -1 rest)

    if(NOT EXISTS "${ROOT}/${path}")
        string(APPEND failures "  ${spec}: ${path} does not exist\n")
        continue()
    endif()
    file(READ "${ROOT}/${path}" text)
    region_of("${text}" "${marker}" expected found)
    if(NOT found)
        string(APPEND failures "  ${spec}: ${path} does not hold two lines with ${marker}\n")
    elseif(NOT block STREQUAL expected)
        string(APPEND failures
            "  ${spec}: the block differs from the file; it should read:\n${expected}\n")
    endif()
    math(EXPR checked "${checked} + 1")
endwhile()

# Every C++ or CMake block carries a mark.
set(rest "${doc}")
while(TRUE)
    string(REGEX MATCH "\n```(cpp|cmake)\n" fence "${rest}")
    if(fence STREQUAL "")
        break()
    endif()
    set(language "${CMAKE_MATCH_1}")
    string(FIND "${rest}" "${fence}" at)
    string(SUBSTRING "${rest}" 0 ${at} before)
    if(NOT before MATCHES "<!-- from: [^\n]* -->$")
        string(REGEX MATCH "[^\n]*$" context "${before}")
        string(APPEND failures "  a ${language} block after \"${context}\" has no "
                               "<!-- from: FILE --> mark\n")
    endif()
    string(LENGTH "${fence}" fence_length)
    math(EXPR next "${at} + ${fence_length}")
    string(SUBSTRING "${rest}" ${next} -1 rest)
endwhile()

if(NOT failures STREQUAL "")
    message(NOTICE "${DOC}: code blocks that are not the compiled code:\n${failures}")
    message(FATAL_ERROR "${DOC}: update the blocks above from their files")
endif()
message(STATUS "${DOC}: ${checked} code blocks match their files")
