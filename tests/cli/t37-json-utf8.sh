#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t37-json-utf8.sh: every --json document is valid UTF-8 (strict decode, then json.loads), whatever bytes the
# profile holds: prefs, nicknames, profile names, paths, override hosts; the exact bytes are in KEY_bytes.
. "$(dirname "$0")/lib.sh"

export MOZCERT_APP_DIRS=
mkdir -p "$T/pol"
export MOZCERT_POLICY_DIRS="$T/pol"

# strict: the last output decodes as strict UTF-8 and parses; every KEY_bytes (hex) is the value KEY came from.
cat >"$T/strict.py" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
want = sys.argv[2:]                      # field names that must have come with _bytes somewhere
doc = json.loads(raw.decode("utf-8", "strict"))
seen = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k.endswith("_bytes") and k[:-6] in o:
                base = o[k[:-6]]
                seen.add(k[:-6])
                if isinstance(v, list):
                    assert len(v) == len(base), (k, v, base)
                    for h, s in zip(v, base):
                        assert h is None or bytes.fromhex(h).decode("utf-8", "replace") == s, (k, h, s)
                        assert h is None or bytes.fromhex(h) != s.encode(), (k, h)
                else:
                    b = bytes.fromhex(v)
                    assert b.decode("utf-8", "replace") == base, (k, v, base)
                    try:
                        b.decode("utf-8", "strict")
                        raise AssertionError("%s: valid UTF-8 needs no _bytes" % k)
                    except UnicodeDecodeError:
                        pass
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(doc)
missing = [w for w in want if w not in seen]
assert not missing, ("no _bytes for", missing, seen)
PY
strict() { python3 "$T/strict.py" "$T/out" "$@"; }

# A profile whose name, directory, nicknames, prefs and override hosts hold bytes that are not UTF-8.
NAME=$(printf 'caf\351-\377')
root=$HOME/.mozilla/firefox
P=$root/$NAME.default
new_profile "$P"
printf '[General]\nVersion=2\n\n[Profile0]\nName=%s\nIsRelative=1\nPath=%s.default\nDefault=1\n' "$NAME" "$NAME" >"$root/profiles.ini"
certutil -A -d "sql:$P" -n "$(printf 'Caf\351-root-\300\200')" -t C,, -a -i "$FIX/certs/root.pem"
printf 'user_pref("caf\351.name", "val\377ue");\nuser_pref("esc.x", "\\xe9\\xff ok");\nuser_pref("good.one", "caf\303\251");\nuser_pref("broken\376, 1);\n' >"$P/prefs.js"
printf 'user_pref("user\351.js", true);\n' >"$P/user.js"
printf '# PRIVATE\nh\351st.example:443:\tOID.2.16.840.1.101.3.4.2.1\tAB:CD\t\n' >"$P/cert_override.txt"
printf '[Compatibility]\nLastVersion=128.0_20240701000000/20240701000000\nLastPlatformDir=/usr/lib/\377fox\n' >"$P/compatibility.ini"

# cmd ARGS... -- FIELDS...: run with --json (whatever the exit status) and check the document
jcheck() {
	args=""
	while [ "$1" != -- ]; do args="$args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	run --json $args
	if [ "$rc" -ge 128 ]; then not_ok "$args: crashed"; return; fi
	check "--json$args: strict UTF-8 JSON${*:+, with the bytes of $*}" strict "$@"
}
jcheck profiles -- name path
jcheck cert list -- nickname path
jcheck cert show "$(printf 'Caf\351-root-\300\200')" -- nickname
jcheck pref list -- name value
jcheck pref get "$(printf 'caf\351.name')" -- name value
jcheck pref get esc.x -- value
jcheck -n pref set "$(printf 'new\377')" "$(printf 'v\351')" -- name
jcheck md5 status -- path
jcheck ocsp status -- path
jcheck doctor -- path
jcheck db check -- path
jcheck override list -- file
jcheck -n cert import "$FIX/certs/intermediate.pem" -- path
jcheck verify "$FIX/certs/leaf.pem" --name "$(printf 'h\351st.example')" -- path
jcheck --all-profiles cert list -- name path
jcheck -p "$(printf '/nonexistent/\377')" cert list --
jcheck cert show "$(printf 'no-such-\377')" --
# -p NAME by its raw bytes, and a valid UTF-8 value stays as it is, without _bytes.
jcheck -p "$NAME" pref get good.one --
check "a valid UTF-8 value is unchanged and has no value_bytes" \
	json_has "r['pref']['value'] == 'caf\u00e9' and 'value_bytes' not in r['pref']"
run --json pref get "$(printf 'caf\351.name')"
check "the replaced value and its bytes" \
	json_has "r['pref']['value'] == 'val\ufffdue' and r['pref']['value_bytes'] == '76616cff7565' and r['pref']['name_bytes'] == '636166e92e6e616d65'"
run --json profiles
check "profiles: the name is shown with U+FFFD, the exact bytes beside" \
	json_has "r['profiles'][0]['name'] == 'caf\ufffd-\ufffd' and r['profiles'][0]['name_bytes'] == '636166e92dff'"
done_testing
