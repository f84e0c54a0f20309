#!/usr/bin/env bash
# polar-erasure nightly: runs every request file of an inbox folder through polar-erasure.
#
# Each night it
#   1. takes a lock, so two nightly runs never overlap (a second one exits 3 at once);
#   2. resumes first the files whose run an earlier night left unfinished (they are in $work/inputs, their
#      report in the work folder), then runs the new files, oldest first. A new file is first moved out of the
#      inbox into $work/inputs (one rename), and that file is what runs and is filed: an export that arrives
#      in the inbox under the same name meanwhile stays there for the next night;
#   3. moves each completed file with its report, <report>.summary.json and .summary.html to
#      $POLAR_ERASURE_DONE/<UTC date>/<file name>-<first 12 hex of its SHA-256>/. A file whose run had
#      completed before (dropped again) is moved to .../<file name>-<hex>-again-<time>/ without a report, and
#      the log says where its report was; run it by hand with --rerun to erase its IDs again on purpose;
#   4. for a completed file with FAILED rows, writes those rows as a new request file into the inbox,
#      run the next night (once: rows that fail again in such a retry file are left to a human);
#   5. leaves files whose run stopped, failed part-way or was refused after it had started in $work/inputs: the
#      next night resumes them from their checkpoint. After Polar refuses the token or URL it runs no further file;
#   6. moves a file the tool refused before its run ever started (nothing was sent: bad CSV, no ID column...) to
#      $POLAR_ERASURE_REJECTED/<name>.<UTC time>.<ext>, with the tool's message beside it in <that name>.txt, so
#      that a corrected file of the same name dropped into the inbox runs (the same night, if it is there). A file
#      whose run had started (something may have been sent) is never moved there.
#
# Exit codes (the most serious of the night):
#   0  all done: every file completed; no row FAILED or REVIEW (also: nothing to do)
#   1  retry scheduled automatically: some rows FAILED and a retry file for them is in the inbox for the next
#      night; nobody needs to act tonight
#   5  a human must look: rows FAILED again in a retry file, rows are REVIEW (a customer who took a freed ID
#      was left alone), or a retry file could not be written. The output names the folder in done/. Also: a
#      file in the inbox that is not a request file, a file whose earlier run was abandoned dropped again, or a
#      run that ended with no report (java did not start); the log names each
#   2  a human must look: a file was refused before anything was sent. One whose run never started (bad CSV,
#      missing column, a bad option) is moved to $POLAR_ERASURE_REJECTED (the output names it): fix it and drop it
#      into the inbox again. One whose run had started (its report changed, another process runs it) stays in
#      $work/inputs and fails again each night until a human fixes what the output says
#   3  a run stopped or failed part-way (Polar down, SIGTERM), or another nightly run still holds the
#      lock: resumed the next night; a human should look if it repeats
#   4  Polar refused the token or the URL is wrong. A fixed token: the next night resumes the run. A corrected
#      --api-url (or --sandbox) makes the file another run, which takes the report over only if the stopped run
#      settled no row and has no request in doubt; else a human closes the stopped run (jobs/README.md, "After a
#      wrong URL")
#
# Configuration (environment variables):
#   POLAR_ACCESS_TOKEN            the organization token (or use POLAR_ERASURE_TOKEN_FILE)
#   POLAR_ERASURE_TOKEN_FILE      file holding the token (mode 600); passed as --token-file
#   POLAR_ERASURE_HOME            base folder of the defaults below (default /var/lib/polar-erasure)
#   POLAR_ERASURE_INBOX           new request files, *.csv or *.xlsx (default $POLAR_ERASURE_HOME/inbox). Writers must
#                                 create files under another name (e.g. .part) and rename them when complete
#   POLAR_ERASURE_WORK            reports of runs in progress, and in inputs/ their request files (default
#                                 $POLAR_ERASURE_HOME/work; on the same file system as the inbox)
#   POLAR_ERASURE_DONE            finished files, reports and summaries (default $POLAR_ERASURE_HOME/done)
#   POLAR_ERASURE_REJECTED        files refused before their run started, each with its message in a .txt beside it
#                                 (default $POLAR_ERASURE_HOME/rejected)
#   POLAR_ERASURE_STATE_DIR       embedded job repository, run locks and run journals (default
#                                 $POLAR_ERASURE_HOME/state); keep it: a resume needs its run's journal
#   POLAR_ERASURE_JDBC_URL        PostgreSQL job repository instead (with SPRING_DATASOURCE_USERNAME and
#                                 SPRING_DATASOURCE_PASSWORD): runs, leases and run journals are then kept in the
#                                 database; the state folder keeps run locks, live status files, the copies of
#                                 running inputs and the nightly lock
#   POLAR_ERASURE_JAR             the jar (default /opt/polar-erasure/polar-erasure.jar)
#   POLAR_ERASURE_JAVA            the java command (default: java)
#   POLAR_ERASURE_LAUNCHER        what starts the jar (default: the polar-erasure launcher next to this script,
#                                 which keeps a class-data archive in the state folder for a fast start)
#   POLAR_ERASURE_RUN_OPTIONS     more options for `run`, e.g. "--sandbox --rate-limit 200/min"
#   POLAR_ERASURE_PROGRESS        seconds between progress lines (default 60)
#   POLAR_ERASURE_MIN_AGE         skip files changed less than this many seconds ago (default 60)
#   POLAR_ERASURE_METRICS_FILE    write Prometheus metrics of each run to this file (passed as --metrics-file),
#                                 e.g. /var/lib/node_exporter/textfile/polar_erasure.prom: the last run's end time,
#                                 exit code, duration and rows by outcome, and the last time a run completed
#
# Every command gets POLAR_ERASURE_NIGHTLY=1: its messages then say that the next night resumes an unfinished
# run, instead of asking to re-run the same command (this script does that).
set -uo pipefail

home=${POLAR_ERASURE_HOME:-/var/lib/polar-erasure}
inbox=${POLAR_ERASURE_INBOX:-$home/inbox}
work=${POLAR_ERASURE_WORK:-$home/work}
done_dir=${POLAR_ERASURE_DONE:-$home/done}
rejected=${POLAR_ERASURE_REJECTED:-$home/rejected}
state=${POLAR_ERASURE_STATE_DIR:-$home/state}
jar=${POLAR_ERASURE_JAR:-/opt/polar-erasure/polar-erasure.jar}
launcher=${POLAR_ERASURE_LAUNCHER:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/polar-erasure}
progress=${POLAR_ERASURE_PROGRESS:-60}
min_age=${POLAR_ERASURE_MIN_AGE:-60}

log() { printf '%s nightly: %s\n' "$(date -u +%FT%TZ)" "$*"; }
export POLAR_ERASURE_NIGHTLY=1

umask 077
running=$work/inputs
mkdir -p "$inbox" "$work" "$running" "$done_dir" "$rejected" "$state" || { log "cannot create the folders under $home"; exit 2; }
[ -r "$jar" ] || { log "no jar at $jar: set POLAR_ERASURE_JAR"; exit 2; }
# The job refuses a state folder another user owns or can write into. Said once, before any file is taken: else
# each file in turn would be refused and moved to rejected/ as if the file were at fault.
if [ "$(stat -L -c %u "$state")" != "$(id -u)" ] || [ $((8#$(stat -L -c %a "$state") & 8#022)) -ne 0 ]; then
  log "the state folder $state belongs to another user or others can write into it (mode" \
    "$(stat -L -c %a "$state")), so the job refuses it. Make it yours and private (chmod 700 $state); no file was" \
    "taken, and the next night runs the inbox"
  exit 2
fi

exec 9>"$state/nightly.lock"
if ! flock -n 9; then
  log "another nightly run holds $state/nightly.lock; nothing done. If none is running, check that folder."
  exit 3
fi

common=(--state-dir "$state")
[ -n "${POLAR_ERASURE_JDBC_URL:-}" ] && common+=(--jdbc-url "$POLAR_ERASURE_JDBC_URL")
run_options=(--progress "$progress")
[ -n "${POLAR_ERASURE_TOKEN_FILE:-}" ] && run_options+=(--token-file "$POLAR_ERASURE_TOKEN_FILE")
[ -n "${POLAR_ERASURE_METRICS_FILE:-}" ] && run_options+=(--metrics-file "$POLAR_ERASURE_METRICS_FILE")
# Word splitting is wanted here: a list of options; file name patterns are not (`--id-pattern usr_[a-z]*` must not
# become the name of a file in the working folder).
set -f
# shellcheck disable=SC2206
[ -n "${POLAR_ERASURE_RUN_OPTIONS:-}" ] && run_options+=(${POLAR_ERASURE_RUN_OPTIONS})
set +f
for option in "${run_options[@]}"; do
  case "$option" in
    --dry-run|--dry-run=*)
      log "POLAR_ERASURE_RUN_OPTIONS holds $option: the nightly job runs its files for real, and a dry run's plan" \
        "would be taken for a request file. Remove it, and check a file by hand with run --dry-run outside the inbox."
      exit 2 ;;
  esac
done

# SIGTERM (systemd stop, Kubernetes, shutdown): pass it on so the run stops cleanly at its next checkpoint,
# then start no other file. The run's own exit code (3) is kept.
child=""
stopping=""
on_term() {
  stopping=1
  log "stop requested; asking the running file to stop at its next checkpoint"
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap on_term TERM INT

polar_erasure() {
  POLAR_ERASURE_JAR=$jar "$launcher" "$@" &
  child=$!
  local code
  wait "$child"; code=$?
  # A signal interrupts `wait` before the child is done: wait again for its own exit code.
  while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done
  child=""
  return "$code"
}

report_of() { local name; name=$(basename "$1"); printf '%s/%s.audit.csv' "$work" "${name%.*}"; }

# Unfinished runs first: their files are in $running (or, left by an older version of this script, in the
# inbox with a report in the work folder). Then new inbox files, oldest first. Files still being written
# (changed less than min_age seconds ago) wait for tomorrow.
now=$(date +%s)
resume=()
new=()
# What the tool writes itself (a report, a dry run's plan) is never a request file, in the inbox or anywhere.
requests=(-type f \( -name '*.csv' -o -name '*.xlsx' \) ! -name '*.audit.csv' ! -name '*.plan.csv')
while IFS= read -r -d '' file; do resume+=("$file"); done < <(find "$running" -maxdepth 1 "${requests[@]}" -print0 | sort -z)
while IFS= read -r -d '' entry; do
  file=${entry#* }
  if [ $((now - ${entry%% *})) -lt "$min_age" ]; then
    log "skipping $file: changed less than $min_age s ago (still being written?)"
    continue
  fi
  if [ -e "$(report_of "$file")" ] && [ ! -e "$running/$(basename "$file")" ]; then resume+=("$file"); else new+=("$file"); fi
done < <(find "$inbox" -maxdepth 1 "${requests[@]}" -printf '%T@ %p\0' | sort -zn | sed -z 's/^\([0-9]*\)\.[0-9]* /\1 /')
# Anything else in the inbox is not run: said, so that nobody waits for it (an .xls, a .CSV, a report).
ignored=()
while IFS= read -r -d '' file; do
  ignored+=("$file")
  log "not run: $file is not a request file (a .csv or .xlsx, lower case; the tool's own .audit.csv and .plan.csv" \
    "are not requests). Save it as .csv or .xlsx under another name, or move it out of the inbox"
done < <(find "$inbox" -mindepth 1 -maxdepth 1 ! \( "${requests[@]}" \) ! -name '*.audit.csv.summary.*' -print0 | sort -z)

# Takes an inbox file into $running with one rename that never replaces a file there (a hard link, then the
# inbox name is removed); sets $taken. Fails if a file of that name is still running or unfinished.
take() {
  local file=$1
  taken="$running/$(basename "$file")"
  [ "$(dirname "$file")" = "$running" ] && return 0
  if ! ln "$file" "$taken" 2>/dev/null; then
    if [ -e "$taken" ]; then
      log "$(basename "$file") stays in the inbox: an unfinished run of a file of that name is in $running; it runs once that one is done"
      return 1
    fi
    log "cannot move $file into $running (same file system needed): it stays in the inbox"
    return 2
  fi
  rm -f "$file"
}

worst=0
# Most serious last: 0 all done, 1 retry scheduled, 3 resumes next night, 5 a human must look, 2 rejected, 4 refused.
rank() { case $1 in 4) echo 6 ;; 2) echo 5 ;; 5) echo 4 ;; 3) echo 3 ;; 1) echo 2 ;; 0) echo 0 ;; *) echo 3 ;; esac; }
note() {
  local code=$1
  [ "$code" -gt 5 ] && code=3 # an unexpected code: treat as "failed part-way", resumable
  [ "$(rank "$code")" -gt "$(rank "$worst")" ] && worst=$code
}

# Moves a finished file, its report and summary into a folder of its own under done; sets $filed to it. Returns 2,
# moving nothing, when there is no report and the run did not say that the file's run had completed before: exit 1
# is also what java says when it cannot start (an option it refuses in JAVA_TOOL_OPTIONS, say).
file_away() {
  local file=$1 report=$2 sha
  if [ ! -e "$report" ] && ! grep -q 'nothing was sent again' "$said" 2>/dev/null; then
    return 2
  fi
  sha=$(sha256sum "$file" | cut -c1-12)
  filed="$done_dir/$(date -u +%F)/$(basename "$file")-$sha"
  if [ ! -e "$report" ]; then
    # The file's run had completed before: `run` sent nothing and said where that run's report is.
    filed="$filed-again-$(date -u +%H%M%S)"
    again=1
    mkdir -p "$filed" && mv "$file" "$filed/" || return 1
    log "$(basename "$file") had already been run (its run completed or was abandoned; its report is where the output above says):" \
      "nothing sent, no new report; the file is moved to $filed. To erase its IDs again on purpose, run it by hand" \
      "with --rerun"
    return 0
  fi
  mkdir -p "$filed" || return 1
  mv "$file" "$filed/" || return 1
  if [ -e "$report" ]; then mv "$report" "$filed/" || return 1; fi
  for extra in "$report.summary.json" "$report.summary.html"; do
    if [ -e "$extra" ]; then mv "$extra" "$filed/" || return 1; fi
  done
  log "filed $(basename "$file") and its report in $filed"
  return 0
}

# Whether the run of $1 (report $2) never started, so that nothing of it can have been sent: no report, no summary,
# and the job repository records no run of its content (`status` says so in these words).
never_started() {
  local file=$1 report=$2 answer
  [ -e "$report" ] || [ -e "$report.summary.json" ] && return 1
  answer=$(polar_erasure status --input "$file" "${common[@]}") || return 1
  printf '%s\n' "$answer" | grep -q '^No run of .* is recorded in '
}

# Moves a file refused before its run started to $rejected under a timestamped name, the tool's message ($2)
# beside it in <that name>.txt, so that it no longer blocks a corrected file of the same name.
reject() {
  local file=$1 said=$2 name base ext target
  name=$(basename "$file")
  base=${name%.*}
  ext=${name##*.}
  target="$rejected/$base.$(date -u +%Y%m%dT%H%M%SZ).$ext"
  if ! mv "$file" "$target"; then
    log "cannot move $file to $rejected: it stays in $running; move it away by hand"
    return
  fi
  {
    printf '%s was refused by polar-erasure on %s before its run started: nothing was sent.\n' "$name" \
      "$(date -u +%FT%TZ)"
    printf 'Fix what the message below says, then drop the corrected file into %s as %s.\n\n' "$inbox" "$name"
    cat "$said"
  } > "$target.txt"
  log "$name was refused before anything was sent: a human must look. It is moved to $target, the message" \
    "beside it in $target.txt; fix it and drop the corrected file into the inbox as $name"
}

said="$work/.run-output" # what the last run printed
total=$(( ${#resume[@]} + ${#new[@]} ))
log "inbox $inbox: ${#resume[@]} unfinished run(s) to resume, ${#new[@]} new file(s)"
[ "${#ignored[@]}" -gt 0 ] && note 5
if [ "$total" -eq 0 ]; then
  [ "$worst" -ne 0 ] && log "done; exit code $worst: a human must look (see the messages above)"
  exit "$worst"
fi

for file in ${resume[@]+"${resume[@]}"} ${new[@]+"${new[@]}"}; do
  if [ -n "$stopping" ]; then log "stopping: $file stays where it is"; note 3; break; fi
  take "$file"; taking=$?
  [ "$taking" -eq 2 ] && note 2
  [ "$taking" -ne 0 ] && continue
  file=$taken
  report=$(report_of "$file")
  log "running $file (report $report)"
  # The run's messages go to the log as they come and, for a refused file's .txt, into $said as well.
  : > "$said"
  exec 7> >(trap '' INT TERM; exec tee -a "$said"); out_tee=$!
  exec 6> >(trap '' INT TERM; exec tee -a "$said" >&2); err_tee=$!
  polar_erasure run --input "$file" --report "$report" "${common[@]}" "${run_options[@]}" >&7 2>&6
  code=$?
  exec 7>&- 6>&-
  while kill -0 "$out_tee" 2>/dev/null || kill -0 "$err_tee" 2>/dev/null; do sleep 0.1; done
  log "$(basename "$file"): exit code $code"
  case $code in
    0|1)
      again=""
      file_away "$file" "$report"; filing=$?
      if [ "$filing" -eq 2 ]; then
        log "$(basename "$file") has no report and the output above does not say its run completed before: the job" \
          "may not have started at all (java refuses an option in JAVA_TOOL_OPTIONS, say). It stays in $running;" \
          "fix what the output above says, and the next night runs it"
        note 5
        continue
      elif [ "$filing" -ne 0 ]; then
        log "cannot move $file and its report to $done_dir: they stay where they are; fix the folder"
        note 2
        continue
      fi
      if [ -n "$again" ]; then
        if grep -q 'was abandoned' "$said" 2>/dev/null; then
          # Abandoned: the rows that run did not carry out were never sent, and this file is not run either.
          log "$(basename "$file")'s earlier run was abandoned: its rows that run did not carry out were not sent," \
            "and they are not sent now. If they must be erased, run the file by hand with --rerun"
          note 5
          continue
        fi
        # Its exit code is that of its first run, whose FAILED or REVIEW rows were dealt with that night.
        note 0
        continue
      fi
      note "$code"
      if [ "$code" -eq 1 ]; then
        name=$(basename "$file")
        summary="$filed/$(basename "$report").summary.json"
        if grep -Eq '"REVIEW": [1-9]' "$summary" 2>/dev/null; then
          log "$name has REVIEW rows (an earlier attempt's answer was lost and a new customer holds the ID): a human" \
            "must check them with the merchant; see $filed"
          note 5
        fi
        if ! grep -Eq '"FAILED": [1-9]' "$summary" 2>/dev/null; then
          : # no FAILED row: nothing to retry
        elif [[ $name == *.retry-*.csv ]]; then
          log "rows of the retry file $name failed again: a human must look at $filed"
          note 5
        else
          retry="$inbox/${name%.*}.retry-$(date -u +%Y%m%d%H%M%S).csv"
          if POLAR_ERASURE_STATE_DIR=$state polar_erasure retry-failed --report "$filed/$(basename "$report")" --output "$retry"; then
            log "retry scheduled: the FAILED rows of $name are in $(basename "$retry"), run by the next night"
          else
            log "cannot write the retry file $retry: a human must look at $filed"
            note 5
          fi
        fi
      fi
      ;;
    4)
      note 4
      log "Polar refused the token or the URL: no further file is run tonight. A fixed token: the next night" \
        "resumes the run. A corrected --api-url or --sandbox makes the file another run, which takes the report over" \
        "only if the stopped run settled no row and has no request in doubt (see jobs/README.md, After a wrong URL)"
      break
      ;;
    2)
      note 2
      if never_started "$file" "$report"; then
        reject "$file" "$said"
      else
        log "$(basename "$file") was refused after its run had started (something may have been sent): it stays in" \
          "$running and fails again each night until a human fixes what the output above says"
      fi
      ;;
    *)
      note "$code"
      log "$(basename "$file") stays in $running for the next night"
      ;;
  esac
done
rm -f "$said"

case $worst in
  0) meaning="all done" ;;
  1) meaning="retry scheduled automatically for the next night; nobody needs to act" ;;
  2) meaning="a file was refused before anything was sent: a human must look (refused files whose run never started are in $rejected; see the messages above)" ;;
  3) meaning="a run stopped or failed part-way: the next night resumes it; look if this repeats" ;;
  4) meaning="Polar refused the token or the URL: a human must fix it (see the messages above)" ;;
  5) meaning="a human must look (see the messages above)" ;;
  *) meaning="" ;;
esac
log "done; exit code $worst: $meaning"
exit "$worst"
