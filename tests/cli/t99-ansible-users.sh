#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t99-ansible-users.sh: mozcert.fleet.mozcert_cert with all_users: true, run by
# ansible-playbook on localhost as root: the CA goes into every profile of every user
# named (files keep their owner and mode), a second run reports changed=0, --check
# writes nothing. Users are made with useradd (homes under the test's directory), as in
# t97-all-users.sh, and removed.
. "$(dirname "$0")/lib.sh"

ansible_setup
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null; then
	echo "1..0 # SKIP needs root and useradd (all_users acts on other users' homes)"
	exit 0
fi
chmod 0711 "$T"
mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone

USERS="mzc99a mzc99b"
make_users 23461 $USERS
user_ff_profiles mzc99a one
user_ff_profiles mzc99b one two
for u in $USERS; do chown -R "$u:$u" "$T/homes/$u"; done
# one store of each kind of mode: the swap must keep it
chmod 0644 "$T/homes/mzc99b/.mozilla/firefox/two/cert9.db"
PROFILES="mzc99a/.mozilla/firefox/one mzc99b/.mozilla/firefox/one mzc99b/.mozilla/firefox/two"
# owner:group:mode of every store file of the test users (the backups aside)
owners() { for p in $PROFILES; do stat -c '%n %U:%G:%a' "$T/homes/$p/cert9.db" "$T/homes/$p/key4.db"; done; }
homes_sum() { for p in $PROFILES; do sum_dir "$T/homes/$p"; done; }
cp "$FIX/certs/root.pem" "$T/anyone/root.pem"; chmod 0644 "$T/anyone/root.pem"

# Only the test's users: all_users without users would reach every user of the machine.
cat >"$A/users.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - name: the root CA in every profile of every user
      mozcert.fleet.mozcert_cert:
        path: ["{{ T }}/anyone/root.pem"]
        trust: "C,,"
        all_users: true
        users: [mzc99a, mzc99b]
        mozcert: "{{ mz }}"
YML

before=$(owners); snap=$(homes_sum)
play users.yml --check
check "--check: succeeds and reports the change ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 1 ]
check "--check: every profile byte-identical" [ "$(homes_sum)" = "$snap" ]
check "--check: no profile holds the root" \
	sh -c 'for p in $2; do certutil -L -d "sql:$1/$p" | grep -q "mozcert Test Root CA" && exit 1; done; exit 0' _ "$T/homes" "$PROFILES"

play users.yml
check "first run succeeds, changed=1 ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 1 -a "$(recap_field failed)" = 0 ]
for p in $PROFILES; do
	check "certutil: the root is in $p at C,," [ "$(trust_of "$T/homes/$p" "mozcert Test Root CA - mozcert test")" = "C,," ]
done
check "the stores keep their owner, group and mode" [ "$(owners)" = "$before" ]
check "every file in every home is its user's (backups included)" \
	sh -c 'for u in $2; do [ -z "$(find "$1/$u" ! -user "$u")" ] || exit 1; done' _ "$T/homes" "$USERS"

snap=$(homes_sum)
play users.yml
check "second run: changed=0 ($recap)" [ "$prc" -eq 0 -a "$(recap_field changed)" = 0 ]
check "second run: every profile byte-identical" [ "$(homes_sum)" = "$snap" ]
play users.yml --check
check "--check once done: changed=0, nothing written ($recap)" \
	[ "$prc" -eq 0 -a "$(recap_field changed)" = 0 -a "$(homes_sum)" = "$snap" ]
done_testing
