# topomix report consensus-control, ad-psgd and cooperative-sgd (--quick): each exits 0, writes its
# Markdown, every figure the Markdown references, and a claims file in which every claim holds.
# check_report (exit status, Markdown, figures valid, claims, Regenerate section) is defined in
# 95-report-a.sh, which run_cli_tests.sh sources before this file.
if declare -F check_report >/dev/null; then
    check_report consensus-control
    check_report ad-psgd
    check_report cooperative-sgd
else
    not_ok "reports consensus-control, ad-psgd, cooperative-sgd" "check_report (95-report-a.sh) is not defined"
fi
