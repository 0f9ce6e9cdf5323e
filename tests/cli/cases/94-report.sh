# topomix report: the command itself (each report's own cases are in 95-*.sh and 96-*.sh)
bad "report: no name" "no report given" report
bad "report: unknown name" "unknown report 'nope'" report nope
bad "report: two names" "one report at a time" report all all
bad "report: --list with a name" "--list takes no report" report --list all
bad "report: unknown option" "unknown option" report --fast all
bad "report: empty -o" "-o needs a folder" report -o "" all
: >"$TMP/report-file"
fail_case "report: -o names a file" 2 "exists and is not a folder" report -o "$TMP/report-file" all
run report --list
if [ "$rc" -eq 0 ]; then ok "report --list"; else not_ok "report --list" "rc=$rc"; fi
