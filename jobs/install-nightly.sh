#!/usr/bin/env bash
# Sets up the nightly polar-erasure job on a Linux host: the service user, the folders nightly.sh uses, the
# log folder, the jar and scripts in /opt/polar-erasure, /etc/polar-erasure/nightly.env, and the schedule
# (the systemd service and timer, or the cron line). Every step leaves what is already there as it is, so
# running it again is safe; it never writes the token (it says how).
#
#   jobs/install-nightly.sh [--print] [--root DIR] [--scheduler systemd|cron|none] [--jar FILE]
#
#   --print            print what would be done and change nothing (needs no root)
#   --root DIR         install under DIR as if it were / (for an image or a test): no user is created, nothing is
#                      chowned, systemctl is not called
#   --scheduler S      systemd (default where systemd runs), cron (default elsewhere) or none
#   --jar FILE         the jar to install (default target/polar-erasure.jar; build it with `mvn -B package`)
#
# Run from the repository, as root. Exit 0 when done (or printed), 2 on a usage error or a failed step.
set -euo pipefail
cd "$(dirname "$0")/.."

print="" root="" scheduler="" jar=target/polar-erasure.jar
user=polar-erasure
usage() { sed -n '7,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --print) print=1 ;;
    --root) [ $# -ge 2 ] || usage; root=${2%/}; shift ;;
    --scheduler) [ $# -ge 2 ] || usage; scheduler=$2; shift ;;
    --jar) [ $# -ge 2 ] || usage; jar=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-nightly: unknown option $1" >&2; usage >&2 ;;
  esac
  shift
done
if [ -z "$scheduler" ]; then
  if [ -z "$root" ] && [ -d /run/systemd/system ]; then scheduler=systemd; else scheduler=cron; fi
fi
case $scheduler in systemd|cron|none) ;; *) echo "install-nightly: --scheduler must be systemd, cron or none" >&2; exit 2 ;; esac
[ -n "$print" ] || [ -n "$root" ] || [ "$(id -u)" -eq 0 ] || { echo "install-nightly: run as root (or with --print)" >&2; exit 2; }
[ -n "$print" ] || [ -r "$jar" ] || { echo "install-nightly: no jar at $jar: build it with 'mvn -B package' or pass --jar FILE" >&2; exit 2; }

home=$root/var/lib/polar-erasure
opt=$root/opt/polar-erasure
etc=$root/etc/polar-erasure
logs=$root/var/log/polar-erasure
# The owner of what the service writes; under --root nothing is chowned.
owner=()
[ -z "$root" ] && owner=(-o "$user" -g "$user")

say() { printf 'install-nightly: %s\n' "$*"; }
# Runs a command, or with --print shows it.
do_() {
  if [ -n "$print" ]; then local shown; shown=$(printf '%q ' "$@"); printf '  %s\n' "${shown% }"; else "$@"; fi
}
# Installs a file unless the target exists (an operator's edits are never overwritten).
place() {
  local mode=$1 source=$2 target=$3
  if [ -e "$target" ]; then say "$target exists: left as it is (compare with $source)"; return 0; fi
  do_ install -D -m "$mode" "$source" "$target"
}

if [ -z "$root" ]; then
  if id "$user" >/dev/null 2>&1; then
    say "user $user exists"
  else
    do_ useradd --system --user-group --home-dir /var/lib/polar-erasure --no-create-home \
      --shell /usr/sbin/nologin "$user"
  fi
fi

# The program: the jar is replaced on every install (a new version); the scripts too.
do_ install -d -m 755 "$opt" "$opt/jobs"
do_ install -m 644 "$jar" "$opt/polar-erasure.jar"
do_ install -m 755 jobs/nightly.sh "$opt/jobs/nightly.sh"
# The launcher (a class-data archive for a faster start), where this version of the repository has it.
if [ -e jobs/polar-erasure ]; then do_ install -m 755 jobs/polar-erasure "$opt/jobs/polar-erasure"; fi

# The folders of nightly.sh (owner only: reports, journals and snapshots hold customers' external IDs), and
# the log folder the cron line appends to (without it the shell's redirect fails and cron mails "exited 2").
do_ install -d -m 700 "${owner[@]}" "$home" "$home/inbox" "$home/work" "$home/work/inputs" "$home/done" "$home/state"
do_ install -d -m 750 "${owner[@]}" "$logs"

# Settings: read by systemd (EnvironmentFile=) or sourced by the cron line as the service user.
do_ install -d -m 755 "$etc"
env_file=$etc/nightly.env
if [ -e "$env_file" ]; then
  say "$env_file exists: left as it is"
elif [ -n "$print" ]; then
  printf '  write %s (mode 640, group %s): POLAR_ERASURE_HOME, POLAR_ERASURE_JAR%s\n' "$env_file" "$user" \
    "$([ "$scheduler" = cron ] && echo ", POLAR_ERASURE_TOKEN_FILE")"
else
  {
    echo "# polar-erasure nightly settings; every variable is documented at the top of /opt/polar-erasure/jobs/nightly.sh."
    echo "POLAR_ERASURE_HOME=/var/lib/polar-erasure"
    echo "POLAR_ERASURE_JAR=/opt/polar-erasure/polar-erasure.jar"
    if [ "$scheduler" = cron ]; then
      echo "# The token file must be owned by $user and mode 600 (systemd hands it over as a credential instead)."
      echo "POLAR_ERASURE_TOKEN_FILE=/etc/polar-erasure/token"
    fi
    echo "# POLAR_ERASURE_RUN_OPTIONS=\"--rate-limit 120/min\""
  } >"$env_file"
  chmod 640 "$env_file"
  if [ -z "$root" ]; then chgrp "$user" "$env_file"; fi
fi

case $scheduler in
  systemd)
    place 644 jobs/systemd/polar-erasure-nightly.service "$root/etc/systemd/system/polar-erasure-nightly.service"
    place 644 jobs/systemd/polar-erasure-nightly.timer "$root/etc/systemd/system/polar-erasure-nightly.timer"
    if [ -z "$root" ]; then
      do_ systemctl daemon-reload
      do_ systemctl enable polar-erasure-nightly.timer
    fi
    token_owner="root"
    ;;
  cron)
    place 644 jobs/crontab.example "$root/etc/cron.d/polar-erasure"
    token_owner=$user
    ;;
  none)
    token_owner=$user
    ;;
esac

[ -n "$print" ] && say "printed only; nothing was changed"
say "next steps:"
echo "  1. put the organization token into $etc/token (owner $token_owner, mode 600), without echoing it:"
echo "       (umask 077; read -rs -p 'token: ' t; printf '%s\n' \"\$t\" >$etc/token)$([ "$token_owner" = root ] || echo "; chown $user $etc/token")"
case $scheduler in
  systemd) echo "  2. start the timer: systemctl start polar-erasure-nightly.timer; run once now: systemctl start polar-erasure-nightly" ;;
  cron) echo "  2. set MAILTO in /etc/cron.d/polar-erasure to the team that acts on a non-zero exit" ;;
  none) echo "  2. schedule $opt/jobs/nightly.sh as $user with the variables of $env_file" ;;
esac
echo "  3. drop request files into $home/inbox (write as .part, then rename)"
