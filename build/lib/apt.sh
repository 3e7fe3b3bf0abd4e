# shellcheck shell=bash
# Sourced by build/ scripts: the one way they install Debian packages.
#
#   cadml_missing_packages PKG...             prints the packages not installed (dpkg state "ii")
#   cadml_apt_install [--no-services] WHO PKG...
#       installs those of PKG that are missing (apt-get update first, no recommends, no
#       prompts) as root or through sudo; WHO names the script in messages. --no-services
#       keeps packaged services from starting (a policy-rc.d that a trap removes again,
#       on failure too). Output goes to a log shown only when something fails; returns 1 then.
#   cadml_deb WHO PKG DIR
#       prints the path of PKG's .deb: the one in $CADML_DEB_CACHE when that folder has one,
#       else the one cadml_deb_download fetches into DIR.
#   cadml_deb_download WHO PKG DIR
#       `apt-get download`s PKG into DIR and prints the .deb's path; when the package lists
#       do not have it (a fresh machine), updates them once and tries again.
#   cadml_as_root WHO COMMAND [ARG...]
#       runs COMMAND as root: directly when root, else through sudo.

cadml_missing_packages() {
  local package
  for package in "$@"; do
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null)" == "ii " ]] || printf '%s\n' "$package"
  done
}

cadml_apt_install() {
  local no_services=false
  if [[ "${1:-}" == "--no-services" ]]; then no_services=true; shift; fi
  local who="$1"; shift
  local missing
  mapfile -t missing < <(cadml_missing_packages "$@")
  ((${#missing[@]} > 0)) || return 0

  ((EUID == 0)) || command -v sudo >/dev/null || { echo "$who: need root or sudo to install: ${missing[*]}" >&2; return 1; }
  echo "$who: installing ${missing[*]}" >&2
  local log status=0
  log="$(mktemp)"
  # A subshell, so its EXIT trap removes the policy file however apt-get ends (error, signal)
  # without replacing the calling script's own traps.
  (
    set -e
    policy=/usr/sbin/policy-rc.d
    if $no_services && [[ ! -e "$policy" ]]; then
      trap 'cadml_as_root "$who" rm -f "$policy"' EXIT
      printf '#!/bin/sh\nexit 101\n' | cadml_as_root "$who" tee "$policy" >/dev/null
      cadml_as_root "$who" chmod +x "$policy"
    fi
    cadml_as_root "$who" env DEBIAN_FRONTEND=noninteractive apt-get update
    cadml_as_root "$who" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  ) >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    echo "$who: installing ${missing[*]} failed (apt log follows)" >&2
    tail -n 40 "$log" >&2
  fi
  rm -f "$log"
  return "$status"
}

cadml_as_root() {
  local who="$1"; shift
  if ((EUID == 0)); then "$@"; return; fi
  command -v sudo >/dev/null || { echo "$who: need root or sudo to run: $*" >&2; return 1; }
  sudo "$@"
}

cadml_deb() {
  local who="$1" package="$2" dir="$3" cached
  if [[ -n "${CADML_DEB_CACHE:-}" ]]; then
    cached="$(ls "$CADML_DEB_CACHE"/"$package"_*.deb 2>/dev/null | head -n1 || true)"
    if [[ -n "$cached" ]]; then printf '%s\n' "$cached"; return 0; fi
  fi
  cadml_deb_download "$who" "$package" "$dir"
}

cadml_deb_download() {
  local who="$1" package="$2" dir="$3"
  local attempt
  for attempt in 1 2; do
    # Sandbox user root: a mktemp folder is private to its owner, so apt's _apt user could not write there.
    (cd "$dir" && apt-get -qq -o APT::Sandbox::User=root download "$package" >&2) && break
    if ((attempt == 2)); then
      echo "$who: could not download Debian package '$package' (apt-get download failed, see above)" >&2
      return 1
    fi
    echo "$who: apt-get update (package lists missing or stale), then downloading $package again" >&2
    cadml_as_root "$who" apt-get update -qq >&2 || { echo "$who: apt-get update failed" >&2; return 1; }
  done
  local debs=("$dir"/"$package"_*.deb)
  [[ -f "${debs[0]}" ]] || { echo "$who: apt-get download $package produced no .deb" >&2; return 1; }
  printf '%s\n' "${debs[0]}"
}
