#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# man-lint.sh: docs/mozcert.1 passes mandoc -Tlint at the style level (not
# only warnings), and renders as meant: every word of the rendered page that
# starts with '-' is an option mozcert has (a macro that swallows the words
# after it prints them as flags: "(-v: -subject -and -issuer)"), and the
# optional parts of the synopses close where they should.
. "$(dirname "$0")/cli/lib.sh"
MAN=$SRCDIR/docs/mozcert.1

if ! command -v mandoc >/dev/null; then
	echo "ok 1 # SKIP mandoc not installed"
	echo "1..1"
	exit 0
fi
# "outdated mandoc.db": about the machine's man database (the Xr certutil 1), not the page
mandoc -Tlint -Wstyle "$MAN" 2>&1 | grep -v 'mandoc\.db' >"$T/lint"
check "mandoc -Tlint -Wstyle: no message" [ ! -s "$T/lint" ]
[ -s "$T/lint" ] && sed 's/^/# /' "$T/lint"
mandoc -Tlint -Wwarning "$MAN" >"$T/lint2" 2>&1
check "mandoc -Tlint -Wwarning: exit 0" [ $? -eq 0 ]
mandoc -Tascii "$MAN" 2>/dev/null | col -b >"$T/page"
check "the page renders" [ -s "$T/page" ]

# the options mozcert has: those its help names, for the top and every command
"$MOZCERT" help >"$T/help"
sed -n '/^Commands:/,/^$/s/^  \([a-z0-9]\{1,\}\)\( [a-z0-9]\{1,\}\)\{0,1\}.*/\1\2/p' "$T/help" | sort -u |
	while read -r c; do
		# shellcheck disable=SC2086
		"$MOZCERT" help $c
	done >>"$T/help"
grep -o -- '-\{1,2\}[a-z][a-z0-9-]*' "$T/help" | sort -u >"$T/known"
# also "-" (standard input), "--" (end of options), and what the page quotes of other tools
printf '%s\n' - -- -5 -text -showcerts >>"$T/known"
tr -s ' \t(),.;:[]\047"`' '\n' <"$T/page" | grep -- '^-' | sed 's/=.*//' | sort -u >"$T/dashed"
bad=$(grep -vxF -f "$T/known" "$T/dashed" | tr '\n' ' ')
check "every '-word' of the rendered page is an option of mozcert" [ -z "$bad" ]
[ -z "$bad" ] || echo "# not options: $bad"
check "override add: HOST[:PORT] --cert FILE" grep -q 'override add HOST\[:PORT\] --cert FILE' "$T/page"
check "cert list: (-v: subject and issuer)" grep -q '(-v: subject and issuer)' "$T/page"
# every bracket the page opens on a line it closes on that line
check "brackets balance on every line" sh -c '! awk "{o = gsub(/\\[/, \"[\"); c = gsub(/\\]/, \"]\"); if (o != c) { print; bad = 1 } } END { exit !bad }" "$1"' _ "$T/page"
done_testing
