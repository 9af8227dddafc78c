#!/usr/bin/env bash
# build-aux/test.sh: the one test command, locally and in CI (.ci/run).
#
# Installs what is missing (Debian 12, apt-get; sudo when not root), builds build/ and
# runs every test suite but fuzz there, the C unit tests again under valgrind (a memory
# error or a definite leak fails them), then builds build-sanitize/ with clang, ASan and
# UBSan and runs the same tests under the asan setup (all but the suites of the GTK app,
# ui and client: GTK's caches read as leaks, and its models allocate too much for the
# slow unwinding), then the libFuzzer targets (about 20 s each).
# SR_TEST_QUICK=1 skips the sanitizer build and the fuzzers.
#
# The last line printed is "N passed, M failed[, K skipped]" over every run; the exit
# status is non-zero when anything failed (a test, a build, or meson test itself).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
# shellcheck source=build-aux/common.sh
source build-aux/common.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One line per step: label, meson test exit status, then the test logs it wrote.
manifest=$work/manifest
: >"$manifest"

# run_tests LABEL BUILDDIR [meson test args...]
run_tests() {
  local label=$1 dir=$2
  shift 2
  local rc=0 log
  local logs=()

  rm -f "$dir"/meson-logs/testlog*.json
  sr_say "meson test -C $dir $*"
  meson test -C "$dir" --print-errorlogs "$@" || rc=$?

  # Each run overwrites testlog.json (testlog-SETUP.json with --setup): keep a copy.
  for log in "$dir"/meson-logs/testlog*.json; do
    if [[ -f $log ]]; then
      cp "$log" "$work/$label-${log##*/}"
      logs+=("$work/$label-${log##*/}")
    fi
  done
  printf '%s\t%s' "$label" "$rc" >>"$manifest"
  if ((${#logs[@]} > 0)); then
    printf '\t%s' "${logs[@]}" >>"$manifest"
  fi
  printf '\n' >>"$manifest"
}

step_failed() {
  printf '%s\tstep-failed\n' "$1" >>"$manifest"
}

sr_install_missing "${SR_PACKAGES[@]}"

sr_say "building build/"
if sr_meson_setup build -Dtests=true && ninja -C build; then
  run_tests default build --no-suite fuzz --num-processes 2
  if command -v valgrind >/dev/null 2>&1; then
    run_tests valgrind build --setup=valgrind --suite memcheck --num-processes 2
  else
    printf 'valgrind not found: the memcheck run was skipped\n' >>"$work/notes"
  fi
else
  step_failed "building build/"
fi

if [[ ${SR_TEST_QUICK:-0} == 1 ]]; then
  printf 'sanitizer build and fuzz targets skipped (SR_TEST_QUICK=1)\n' >>"$work/notes"
else
  sr_say "building build-sanitize/ (clang, ASan + UBSan, fuzz targets)"
  if CC=clang sr_meson_setup build-sanitize -Dtests=true -Dfuzzing=true \
       -Db_sanitize=address,undefined -Db_lundef=false &&
     ninja -C build-sanitize; then
    if meson test -C build-sanitize --setup=asan --list >/dev/null 2>&1; then
      run_tests asan build-sanitize --setup=asan --no-suite fuzz --no-suite ui --no-suite client --num-processes 2
    else
      # Without the project's setup the sanitized binaries still abort on a finding.
      printf 'no "asan" test setup defined: sanitized tests ran with default options\n' \
        >>"$work/notes"
      ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
      UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        run_tests asan build-sanitize --no-suite fuzz --no-suite ui --no-suite client --num-processes 2
    fi
    run_tests fuzz build-sanitize --suite fuzz
  else
    step_failed "building build-sanitize/"
  fi
fi

touch "$work/notes"
python3 - "$manifest" "$work/notes" <<'EOF'
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}

passed = failed = skipped = 0
problems = []


def why(test):
    """The lines of a failed test's output that say what failed (check's
    file:line:F/E: lines, sanitizer reports), else its last lines: the end of
    this script's output is what a CI log keeps."""
    output = ((test.get("stdout") or "") + "\n" + (test.get("stderr") or "")).splitlines()
    marks = (":F:", ":E:", "ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
             "SUMMARY:", "CRITICAL", "Timeout", "    #0 ", "    #1 ", "    #2 ", "    #3 ",
             "    #4 ", "    #5 ")
    lines = [line for line in output if any(mark in line for mark in marks)]
    if not lines:
        lines = [line for line in output if line.strip()][-15:]
    return ["    " + line[:300] for line in lines[:30]]

with open(sys.argv[1]) as manifest:
    for line in manifest:
        fields = line.rstrip("\n").split("\t")
        label, status, logs = fields[0], fields[1], fields[2:]
        if status == "step-failed":
            failed += 1
            problems.append(f"{label} failed")
            continue
        run_failed = 0
        for path in logs:
            with open(path) as log:
                for entry in log:
                    entry = entry.strip()
                    if not entry:
                        continue
                    test = json.loads(entry)
                    result = test.get("result", "ERROR")
                    if result in PASSED:
                        passed += 1
                    elif result in SKIPPED:
                        skipped += 1
                    else:
                        run_failed += 1
                        problems.append(f"{result}: {test.get('name', '?')} ({label})")
                        problems.extend(why(test))
        failed += run_failed
        if status != "0" and run_failed == 0:
            # meson test itself failed (rebuild, unknown setup...): count it once.
            failed += 1
            problems.append(f"meson test ({label}) exited with status {status}")

with open(sys.argv[2]) as notes:
    for note in notes:
        print(note.rstrip("\n"))
for problem in problems:
    print(problem)

summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed else 0)
EOF
