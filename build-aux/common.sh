# shellcheck shell=bash
# build-aux/common.sh: what test.sh and demo.sh share (sourced, never run on its own):
# installing missing Debian packages and configuring a meson build directory.

# Everything a full build and test run needs on Debian 12. libclang-rt-14-dev holds
# clang's ASan/UBSan and libFuzzer runtimes.
# shellcheck disable=SC2034  # used by the scripts that source this file
SR_PACKAGES=(
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  libglib2.0-dev libjson-glib-dev libsodium-dev libgnutls28-dev check libpq-dev
  postgresql postgresql-contrib glib-networking
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev
  xvfb xauth dbus gnome-keyring imagemagick gettext desktop-file-utils appstream
  poppler-utils
  fonts-lohit-deva
  valgrind
)

export DEBIAN_FRONTEND=noninteractive

sr_say() {
  printf '==> %s\n' "$*"
}

sr_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo env DEBIAN_FRONTEND=noninteractive "$@"
  else
    echo "error: '$*' needs root, and sudo is not installed" >&2
    return 1
  fi
}

# sr_install_missing PKG...: apt-get installs only the packages that are not installed
# yet, so a machine that has them all is never touched (and needs no network).
sr_install_missing() {
  local pkg
  local missing=()

  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: these packages are missing and there is no apt-get: ${missing[*]}" >&2
    return 1
  fi
  sr_say "installing ${missing[*]}"
  sr_as_root apt-get update || return 1
  sr_as_root apt-get install -y --no-install-recommends "${missing[@]}" || return 1
}

# Prints what an existing build directory needs to match the wanted -D options and
# compiler ($CC): "ok", "reconfigure" (options differ) or "wipe" (another compiler,
# which only a fresh setup can change).
_sr_meson_check() {
  local dir=$1
  shift
  meson introspect "$dir" --buildoptions | python3 -c '
import json, os, sys

options = {o["name"]: o["value"] for o in json.load(sys.stdin)}
want_cc = os.environ.get("CC", "").split()
info = os.path.join(sys.argv[1], "meson-info", "intro-targets.json")
if want_cc and os.path.exists(info):
    # The C compiler the directory was set up with, as its targets record it.
    with open(info) as f:
        compilers = [source.get("compiler") or []
                     for target in json.load(f)
                     for source in target.get("target_sources", [])
                     if source.get("language") == "c"]
    if compilers and (not compilers[0] or
                      os.path.basename(compilers[0][-1]) != os.path.basename(want_cc[-1])):
        print("wipe")
        sys.exit(0)

def text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)

for arg in sys.argv[2:]:
    if not arg.startswith("-D") or "=" not in arg:
        continue
    name, value = arg[2:].split("=", 1)
    if name not in options or text(options[name]) != value:
        print("reconfigure")
        sys.exit(0)
print("ok")
' "$dir" "$@"
}

# sr_meson_setup DIR [-Dname=value...]: sets DIR up when it is not a build directory
# yet; otherwise touches it only when the options or the compiler differ (ninja itself
# regenerates when a meson.build changed). `meson setup DIR` alone fails on an existing
# build directory, hence the cases.
sr_meson_setup() {
  local dir=$1
  shift
  local state

  if [[ ! -f $dir/meson-private/coredata.dat ]]; then
    meson setup "$dir" "$@" || return 1
    return 0
  fi

  if [[ ! -f $dir/build.ninja ]] || ! state=$(_sr_meson_check "$dir" "$@" 2>/dev/null); then
    # Half-configured, or made by another meson version.
    state=wipe
  fi
  case $state in
    ok) ;;
    reconfigure) meson setup --reconfigure "$dir" "$@" || return 1 ;;
    *) meson setup --wipe "$dir" "$@" || return 1 ;;
  esac
}
