#!/usr/bin/env bash
# The path a plugin author takes, end to end, with an installed selfsup:
# install the build to a temporary prefix, write a pretext project with the
# installed `selfsup new-plugin`, then run the three commands it prints:
# build the project against the installed SDK, run its experiment, and check
# the plugin with `selfsup conformance`. Any failure stops the test; the
# temporary folder goes in every case.
#
# Usage: new_plugin_roundtrip.sh BUILD_DIR CMAKE CXX_COMPILER [COMPILER_LAUNCHER]
set -euo pipefail

build=$1
cmake=$2
export CXX=$3
if [[ -n "${4:-}" ]]; then export CMAKE_CXX_COMPILER_LAUNCHER=$4; fi
# The printed commands say `cmake`: make it the one that built selfsup.
PATH="$(dirname "$cmake"):$PATH"
unset SELFSUP_PLUGIN_PATH

work=$(mktemp -d "${TMPDIR:-/tmp}/selfsup-roundtrip.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== cmake --install to $work/prefix"
"$cmake" --install "$build" --prefix "$work/prefix" >install.log
selfsup="$work/prefix/bin/selfsup"

echo "== selfsup new-plugin --kind pretext roundtrip_cells"
"$selfsup" new-plugin --kind pretext roundtrip_cells | tee new-plugin.txt
# The three commands it printed, in order: build, run, check.
mapfile -t commands < <(sed -n '/^Build it/,$ s/^  //p' new-plugin.txt)
if [[ ${#commands[@]} -ne 3 ]]; then
    echo "expected three commands after 'Build it', got ${#commands[@]}" >&2
    exit 1
fi

echo "== ${commands[0]}"
if ! bash -c "${commands[0]}" >build.log 2>&1; then
    cat build.log >&2
    exit 1
fi
test -f roundtrip_cells/build/selfsup-roundtrip_cells.so

echo "== ${commands[1]}"
bash -c "${commands[1]}"
grep -q '"roundtrip_cells"' runs/roundtrip_cells/results.json

echo "== ${commands[2]}"
bash -c "${commands[2]}" | tee conformance.txt
grep -q '; conforms$' conformance.txt
echo "== roundtrip passed"
