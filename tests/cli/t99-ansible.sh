#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t99-ansible.sh: the Ansible modules of data/ansible (mozcert.fleet.mozcert_cert,
# mozcert_override, mozcert_pref) run by Debian's ansible-playbook on localhost against
# profiles of the test's home: changed on the first run, changed=0 on the second, --check
# writes nothing, absent removes, sync withdraws, certutil sees the result.
. "$(dirname "$0")/lib.sh"

ansible_setup

firefox_home
# a second profile: the fleet tasks act on all of them
printf '\n[Profile1]\nName=work\nIsRelative=1\nPath=efgh5678.work\n' >>"$HOME/.mozilla/firefox/profiles.ini"
Q=$HOME/.mozilla/firefox/efgh5678.work
new_profile "$Q"
mkdir -p "$T/ca"
for i in 1 2 3 4; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/ca/ca$i.crt" -subj "/CN=t99 fleet CA $i" -days 30 \
		-addext basicConstraints=critical,CA:TRUE 2>/dev/null
done
src() { rm -rf "$T/src"; mkdir "$T/src"; for i in "$@"; do cp "$T/ca/ca$i.crt" "$T/src/"; done; }
nicks() { certutil -L -d "sql:$1" | grep -o 't99 fleet CA [0-9]' | LC_ALL=C sort | tr '\n' ' '; }

cat >"$A/fleet.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - name: the corporate CAs in every profile
      mozcert.fleet.mozcert_cert:
        state: sync
        path: ["{{ T }}/src"]
        label: corp
        trust: "C,,"
        all_profiles: true
        mozcert: "{{ mz }}"
    - name: one more CA in the default profile, trusted for mail too
      mozcert.fleet.mozcert_cert:
        path: ["{{ T }}/ca/ca4.crt"]
        trust: "C,C,"
        profile: "{{ P }}"
        mozcert: "{{ mz }}"
    - name: an exception for the intranet server
      mozcert.fleet.mozcert_override:
        host: intranet.example.org:8443
        cert: "{{ lookup('env', 'FIX') }}/certs/leaf.pem"
        profile: "{{ P }}"
        mozcert: "{{ mz }}"
    - name: OCSP hard-fail everywhere
      mozcert.fleet.mozcert_pref:
        name: security.OCSP.require
        value: true
        all_profiles: true
        mozcert: "{{ mz }}"
YML
export FIX
src 1 2
play fleet.yml
check "first run succeeds" [ "$prc" -eq 0 ]
check "first run: 4 tasks changed, none failed ($recap)" [ "$(recap_field changed)/$(recap_field failed)" = 4/0 ]
check "certutil: CAs 1, 2 in the work profile" [ "$(nicks "$Q")" = "t99 fleet CA 1 t99 fleet CA 2 " ]
check "certutil: CAs 1, 2, 4 in the default profile" [ "$(nicks "$P")" = "t99 fleet CA 1 t99 fleet CA 2 t99 fleet CA 4 " ]
check "certutil: CA 4 has trust C,C," [ "$(trust_of "$P" "t99 fleet CA 4")" = "C,C," ]
check "the exception is in cert_override.txt" grep -q '^intranet.example.org:8443' "$P/cert_override.txt"
check "the pref is in both prefs.js" [ "$(cat "$P/prefs.js" "$Q/prefs.js" | grep -c 'security.OCSP.require", true')" -eq 2 ]

snapP=$(sum_dir "$P"); snapQ=$(sum_dir "$Q")
play fleet.yml
check "second run: changed=0 ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 0 ]
check "second run: files byte-identical" [ "$(sum_dir "$P")" = "$snapP" -a "$(sum_dir "$Q")" = "$snapQ" ]

# CA 2 leaves the source, CA 3 comes: --check says so and writes nothing
src 1 3
play fleet.yml --check --diff
check "--check: succeeds and reports 1 change ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 1 ]
check "--check: files byte-identical" [ "$(sum_dir "$P")" = "$snapP" -a "$(sum_dir "$Q")" = "$snapQ" ]
check "--check --diff shows CA 3 coming with C,,/CA 2 going" \
	sh -c 'printf "%s\n" "$1" | grep -q "^+.*t99 fleet CA 3: C,," && printf "%s\n" "$1" | grep -q "^-.*t99 fleet CA 2: C,,"' - "$play"
play fleet.yml
check "sync run: 1 change ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 1 ]
check "certutil: CA 2 withdrawn, CA 3 added in the work profile" [ "$(nicks "$Q")" = "t99 fleet CA 1 t99 fleet CA 3 " ]
check "certutil: the default profile keeps CA 4 (not managed by the sync)" \
	[ "$(nicks "$P")" = "t99 fleet CA 1 t99 fleet CA 3 t99 fleet CA 4 " ]

# diff mode: the pref's value before and after
cat >"$A/pref-off.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - mozcert.fleet.mozcert_pref:
        name: security.OCSP.require
        value: false
        profile: "{{ P }}"
        mozcert: "{{ mz }}"
YML
snapP=$(sum_dir "$P")
play pref-off.yml --check --diff
check "pref --check --diff: true before, false after, nothing written" \
	sh -c 'printf "%s\n" "$1" | grep -q "^-.*security.OCSP.require = true (prefs.js)" &&
		printf "%s\n" "$1" | grep -q "^+.*security.OCSP.require = false"' - "$play"
check "pref --check: prefs.js byte-identical" [ "$(sum_dir "$P")" = "$snapP" ]

# state absent: by file, the exception, the pref
cat >"$A/absent.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - mozcert.fleet.mozcert_cert:
        state: absent
        path: ["{{ T }}/ca/ca4.crt"]
        all_profiles: true
        mozcert: "{{ mz }}"
    - mozcert.fleet.mozcert_override:
        host: intranet.example.org
        port: 8443
        state: absent
        profile: "{{ P }}"
        mozcert: "{{ mz }}"
    - mozcert.fleet.mozcert_pref:
        name: security.OCSP.require
        state: absent
        all_profiles: true
        mozcert: "{{ mz }}"
YML
snapP=$(sum_dir "$P"); snapQ=$(sum_dir "$Q")
play absent.yml --check
check "absent --check: 3 would change, files byte-identical ($recap)" \
	[ "$prc" -eq 0 -a "$(recap_field changed)" = 3 -a "$(sum_dir "$P")" = "$snapP" -a "$(sum_dir "$Q")" = "$snapQ" ]
play absent.yml
check "absent: 3 changed ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 3 ]
check "certutil: CA 4 removed" [ "$(nicks "$P")" = "t99 fleet CA 1 t99 fleet CA 3 " ]
check "the exception is gone" sh -c '[ -f "$1" ] && ! grep -q "^intranet.example.org" "$1"' - "$P/cert_override.txt"
check "the pref is gone from both prefs.js" sh -c '[ -f "$1" ] && [ -f "$2" ] && ! cat "$1" "$2" | grep -q security.OCSP.require' - "$P/prefs.js" "$Q/prefs.js"
play absent.yml
check "absent again: changed=0 ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 0 ]

# a failure carries mozcert's message
cat >"$A/bad.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - mozcert.fleet.mozcert_cert:
        path: ["{{ T }}/ca/ca1.crt"]
        trust: "bogus"
        profile: "{{ P }}"
        mozcert: "{{ mz }}"
YML
play bad.yml
check "a bad trust fails the task with mozcert's message" \
	sh -c '[ "$1" -ne 0 ] && printf "%s\n" "$2" | grep -q "invalid trust .bogus"' - "$prc" "$play"
for m in mozcert_cert mozcert_override mozcert_pref; do
	check "ansible-doc reads the documentation of $m" \
		sh -c 'LC_ALL=C.UTF-8 ansible-doc "mozcert.fleet.$1" 2>&1 | grep -q "^> MOZCERT.FLEET.$2 "' - "$m" "$(echo "$m" | tr a-z A-Z)"
done
done_testing
