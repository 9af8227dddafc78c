#!/bin/sh
# run-ui-test.sh TEST [ARGS...]: runs a UI test on its own X server (Xvfb) and D-Bus
# session bus, with an unlocked keyring on that bus when gnome-keyring is there.
# Exits 77 (skipped) when there is no Xvfb to run on.
set -eu

command -v xvfb-run >/dev/null 2>&1 || { echo "xvfb-run not found: skipped"; exit 77; }

inner='
if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  printf "showroom-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
fi
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$@"
'

if command -v dbus-run-session >/dev/null 2>&1; then
  exec dbus-run-session -- sh -c "$inner" sh "$@"
fi
exec sh -c "$inner" sh "$@"
