# shellcheck shell=bash
# Sourced by build/ scripts: the one way they install Debian packages.
#
#   cadml_missing_packages PKG...             prints the packages not installed (dpkg state "ii")
#   cadml_apt_install [--no-services] WHO PKG...
#       installs those of PKG that are missing (apt-get update first, no recommends, no
#       prompts) as root or through sudo; WHO names the script in messages. --no-services
#       keeps packaged services from starting (a policy-rc.d that a trap removes again,
#       on failure too). Output goes to a log shown only when something fails; returns 1 then.

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

  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "$who: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  echo "$who: installing ${missing[*]}" >&2
  local log status=0
  log="$(mktemp)"
  # A subshell, so its EXIT trap removes the policy file however apt-get ends (error, signal)
  # without replacing the calling script's own traps.
  (
    set -e
    policy=/usr/sbin/policy-rc.d
    if $no_services && [[ ! -e "$policy" ]]; then
      trap '"${sudo[@]}" rm -f "$policy"' EXIT
      printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
      "${sudo[@]}" chmod +x "$policy"
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  ) >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    echo "$who: installing ${missing[*]} failed (apt log follows)" >&2
    tail -n 40 "$log" >&2
  fi
  rm -f "$log"
  return "$status"
}
