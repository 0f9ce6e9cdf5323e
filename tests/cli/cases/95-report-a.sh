# topomix report exp-graphs and psgd-speedup (--quick): each exits 0, writes its Markdown, every
# figure and table the Markdown references, and a claims file in which every claim holds.
check_report() {
    local name=$1 dir="$TMP/reports-a"
    LIMIT=600 run report "$name" --quick -o "$dir"  # sanitizer builds are several times slower
    if [ "$rc" -ne 0 ]; then
        not_ok "report $name --quick" "rc=$rc: $(head -3 "$TMP/err")"
        return
    fi
    ok "report $name --quick exits 0"
    local md="$dir/$name/$name.md" claims="$dir/$name/$name.claims"
    if [ ! -s "$md" ]; then not_ok "report $name: $name.md" "missing or empty"; return; fi
    # every ![caption](FILE) the Markdown embeds exists and is a PNG or SVG
    local refs missing="" bad=""
    refs=$(grep -o '](\([^)]*\))' "$md" | sed 's/^](//; s/)$//')
    if [ -z "$refs" ]; then not_ok "report $name: figures" "the Markdown embeds none"; fi
    for f in $refs; do
        if [ ! -s "$dir/$name/$f" ]; then missing="$missing $f"; continue; fi
        case "$f" in
        *.png) head -c 8 "$dir/$name/$f" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' || bad="$bad $f" ;;
        *.svg) grep -q '<svg' "$dir/$name/$f" || bad="$bad $f" ;;
        esac
    done
    if [ -n "$refs" ] && [ -z "$missing$bad" ]; then ok "report $name: every figure it references exists and is valid"
    else not_ok "report $name: figures" "missing:$missing invalid:$bad"; fi
    if [ ! -s "$claims" ]; then not_ok "report $name: $name.claims" "missing or empty"; return; fi
    local failing
    failing=$(grep -v '^holds	' "$claims" || true)
    if [ -z "$failing" ]; then ok "report $name: all $(wc -l <"$claims") claims hold"
    else not_ok "report $name: claims" "$failing"; fi
    # the Markdown states as many claims as the claims file, and ends with the commands
    local nmd
    nmd=$(grep -c '^- \(✅ holds\|❌ does not hold\): ' "$md")
    if [ "$nmd" -eq "$(wc -l <"$claims")" ] && grep -q '^## Regenerate' "$md"; then
        ok "report $name: Markdown lists the $nmd claims and the commands"
    else not_ok "report $name: Markdown" "$nmd claims in the Markdown, $(wc -l <"$claims") in $name.claims"; fi
}
check_report exp-graphs
check_report psgd-speedup
