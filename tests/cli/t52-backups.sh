#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t52-backups.sh: db backups (order, size on disk), db backups prune, doctor's note on their size;
# real stores made with certutil.
. "$(dirname "$0")/lib.sh"

ids() { printf '%s\n' "$out" | python3 -c "import json,sys; print(' '.join(b['id'] for b in json.load(sys.stdin)['results'][0]['backups']))"; }
# disk_of DIR...: what the files of the directories hold on disk, each inode once (st_blocks * 512)
disk_of() { python3 -c '
import os, sys
seen = set(); total = 0
for d in sys.argv[1:]:
    for f in os.listdir(d):
        st = os.lstat(os.path.join(d, f))
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino)); total += st.st_blocks * 512
print(total)' "$@"; }

P=$T/p
new_profile "$P"
certutil -A -d "sql:$P" -n root -t C,, -a -i "$FIX/certs/root.pem"
B=$P/mozcert-backups
S=20200101T000000Z

# ---- order: twelve backups in one second sort as numbers (-9 before -10 and -11) ----
mkdir -p "$B"
for i in "" -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11; do
	mkdir "$B/$S$i"; cp "$P/cert9.db" "$P/key4.db" "$B/$S$i/"; echo "test $i" >"$B/$S$i/REASON"
done
# the newest (-11) holds a store without the root, so restoring it is visible
new_profile "$T/empty"
cp "$T/empty/cert9.db" "$T/empty/key4.db" "$B/$S-11/"
expect_rc "backups --json" 0 --json -p "$P" db backups
check "backups: oldest first, -9 before -10 before -11 (numeric, not string order)" \
	[ "$(ids)" = "$S $S-1 $S-2 $S-3 $S-4 $S-5 $S-6 $S-7 $S-8 $S-9 $S-10 $S-11" ]
expect_rc "restore latest" 0 --json -p "$P" db restore latest
check "restore latest picks -11, the newest (not -9)" json_has "r['from'] == '$S-11'"
check "restore latest: cert9.db is -11's" cmp -s "$P/cert9.db" "$B/$S-11/cert9.db"
check "restore latest: certutil lists no root any more" [ -z "$(trust_of "$P" root)" ]
newest=$(printf '%s\n' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['results'][0]['backup'])")

# ---- sizes: per backup and in total, as st_blocks, hard links counted once ----
expect_rc "backups --json after the restore" 0 --json -p "$P" db backups
check "backups: each backup's disk_bytes is what its files hold (st_blocks)" json_has \
	"all(b['disk_bytes'] == int(__import__('subprocess').check_output(['python3','-c','''import os,sys
d=sys.argv[1]; print(sum(os.lstat(os.path.join(d,f)).st_blocks*512 for f in os.listdir(d)))''', '$B/'+b['id']])) for b in r['backups'])"
check "backups: size is the bytes of the files" json_has \
	"all(b['size'] == sum(f['size'] for f in b['files']) + len(open('$B/'+b['id']+'/REASON','rb').read() if __import__('os').path.exists('$B/'+b['id']+'/REASON') else b'') + (len(open('$B/'+b['id']+'/ABSENT','rb').read()) if __import__('os').path.exists('$B/'+b['id']+'/ABSENT') else 0) for b in r['backups'])"
total=$(disk_of "$B"/*)
check "backups: total_disk_bytes is the sum over every backup ($total)" json_has "r['total_disk_bytes'] == $total and r['count'] == 13"
before_total=$total
rm "$B/$S-1/cert9.db"; ln "$B/$S/cert9.db" "$B/$S-1/cert9.db"
expect_rc "backups --json with a hard link shared by two backups" 0 --json -p "$P" db backups
check "backups: a hard link shared between backups counts once in the total" \
	json_has "r['total_disk_bytes'] == $(disk_of "$B"/*) and r['total_disk_bytes'] < $before_total"
check "backups: ... and in each backup that holds it" json_has \
	"[b for b in r['backups'] if b['id'] == '$S-1'][0]['disk_bytes'] == [b for b in r['backups'] if b['id'] == '$S'][0]['disk_bytes']"
ln "$B/$S-2/key4.db" "$T/outside-link"
expect_rc "backups --json with a file linked from outside the backups" 0 --json -p "$P" db backups
check "backups: an inode also linked outside the backups costs nothing (removing them would not free it)" \
	json_has "r['total_disk_bytes'] == $(disk_of "$B"/*) - $(( $(stat -c %b "$T/outside-link") * $(stat -c %B "$T/outside-link") ))"
rm "$T/outside-link"
expect_rc "backups (text)" 0 -p "$P" db backups
check "backups (text): each line has its size, the last line the total on disk" \
	sh -c 'printf "%s\n" "$1" | grep -q "^$2 .* KiB " && printf "%s\n" "$1" | tail -1 | grep -q "^13 backups, .* on disk$"' _ "$out" "$S-3"

# ---- prune: refusals ----
expect_rc "prune without --keep or --older-than -> exit 2" 2 -p "$P" db backups prune
expect_rc "prune --keep 0 -> exit 2 (never the newest)" 2 -p "$P" db backups prune --keep 0
expect_rc "prune --keep x -> exit 2" 2 -p "$P" db backups prune --keep x
expect_rc "--keep without prune -> exit 2" 2 -p "$P" db backups --keep 3
expect_rc "another operand -> exit 2" 2 -p "$P" db backups purge --keep 3
snap=$(ls -A "$B")
expect_rc "prune --keep 3 --dry-run" 0 --json -n -p "$P" db backups prune --keep 3
check "prune --dry-run: names ten, removes nothing" \
	sh -c '[ "$(ls -A "$1")" = "$2" ]' _ "$B" "$snap"
check "prune --dry-run: the ten oldest would go, changed false" \
	json_has "r['pruned'] == ['$S'] + ['$S-%d' % i for i in range(1, 10)] and r['kept'] == ['$S-10', '$S-11', '$newest'] and d['changed'] is False"
hold_lock "$P"
expect_rc "prune while the application holds the profile -> exit 3" 3 -p "$P" db backups prune --keep 3
check "prune in use: nothing removed" [ "$(ls -A "$B")" = "$snap" ]
release_lock

# ---- prune: --keep, oldest first, numeric order ----
store=$(sum_dir "$P")
expect_rc "prune --keep 3" 0 --json -p "$P" db backups prune --keep 3
check "prune --keep 3: removed the ten oldest, kept -10, -11 and the newest; changed" \
	json_has "r['pruned'] == ['$S'] + ['$S-%d' % i for i in range(1, 10)] and r['kept'] == ['$S-10', '$S-11', '$newest'] and d['changed'] is True and r['freed_disk_bytes'] > 0"
check "prune: exactly those three directories are left, nothing hidden" \
	[ "$(ls -A "$B" | LC_ALL=C sort | tr '\n' ' ')" = "$S-10 $S-11 $newest " ]
check "prune: the profile's files are untouched" [ "$(sum_dir "$P")" = "$store" ]
expect_rc "prune --keep 3 again: nothing to do" 0 --json -p "$P" db backups prune --keep 3
check "prune again: changed false" json_has "r['pruned'] == [] and d['changed'] is False"
expect_rc "restore latest after the prune" 0 --json -p "$P" db restore latest
check "restore latest after the prune: the newest backup a restore did not make (-11), already in place" \
	json_has "r['from'] == '$S-11' and d['changed'] is False and r.get('backup') is None"
check "an unchanged restore leaves no new backup" [ "$(ls -A "$B" | LC_ALL=C sort | tr '\n' ' ')" = "$S-10 $S-11 $newest " ]
expect_rc "the restore's own backup is restored by its id" 0 --json -p "$P" db restore "$newest"
check "restore by id: the root is back" [ "$(trust_of "$P" root)" = "C,," ]

# ---- prune --older-than: by the backup's time; never the newest ----
expect_rc "prune --older-than 30" 0 --json -p "$P" db backups prune --older-than 30
check "prune --older-than 30: the 2020 backups go, this year's stay" \
	json_has "r['pruned'] == ['$S-10', '$S-11'] and len(r['kept']) == 2 and all(not k.startswith('2020') for k in r['kept'])"
new_profile "$T/old"
for t in 20200101T000001Z 20200101T000002Z 20200101T000002Z-1; do
	mkdir -p "$T/old/mozcert-backups/$t"; cp "$T/old/cert9.db" "$T/old/mozcert-backups/$t/"
done
expect_rc "prune --older-than 0 with only old backups" 0 --json -p "$T/old" db backups prune --older-than 0
check "prune: never the newest, however old" \
	json_has "r['kept'] == ['20200101T000002Z-1'] and r['pruned'] == ['20200101T000001Z', '20200101T000002Z']"
check "prune: the newest is still there" [ "$(ls -A "$T/old/mozcert-backups")" = 20200101T000002Z-1 ]

# ---- a prune killed between the rename and the removal ----
for i in 1 2 3; do expect_rc "import/trust to make backup $i" 0 -p "$P" cert trust root "$([ $((i % 2)) = 1 ] && echo CT,C,C || echo C,,)"; done
expect_rc "backups before the killed prune" 0 --json -p "$P" db backups
all=$(ids)
MOZCERT_CRASH_AT=prune-renamed "$MOZCERT_TEST" -p "$P" db backups prune --keep 1 >/dev/null 2>&1
check "prune killed after renaming the oldest out of sight (SIGKILL)" [ $? -eq 137 ]
oldest=${all%% *}
check "the killed prune left a hidden directory, not the backup" \
	sh -c '[ ! -e "$1/$2" ] && [ -d "$1/.pruned-$2" ]' _ "$B" "$oldest"
expect_rc "backups after the killed prune" 0 --json -p "$P" db backups
check "backups does not list the half-removed one" [ "$(ids)" = "${all#* }" ]
expect_rc "restore of the hidden name is refused (exit 2)" 2 -p "$P" db restore ".pruned-$oldest"
expect_rc "restore latest after the killed prune" 0 --json -p "$P" db restore latest
check "restore latest picks the newest whole backup" json_has "r['from'] == '${all##* }'"
expect_rc "the next prune sweeps the leftover" 0 -p "$P" db backups prune --keep 1
check "no hidden leftover after the next prune" [ -z "$(ls -A "$B" | grep '^\.')" ]
check "one backup left" [ "$(ls -A "$B" | wc -l)" -eq 1 ]

# ---- doctor: an info finding when the backups pass 64 MiB on disk ----
expect_rc "doctor with small backups" 0 --json -p "$P" doctor
check "doctor: no backups-large finding under 64 MiB" json_has "'backups-large' not in [f['code'] for f in r['findings']]"
if fallocate -l 65M "$B/$(ls "$B")/big.db" 2>/dev/null || dd if=/dev/zero of="$B/$(ls "$B")/big.db" bs=1M count=65 2>/dev/null; then
	expect_rc "doctor with 65 MiB of backups" 0 --json -p "$P" doctor
	check "doctor: an info finding backups-large, with prune as its fix" \
		json_has "any(f['code'] == 'backups-large' and f['severity'] == 'info' and 'db backups prune' in f['fix'] for f in r['findings'])"
	expect_rc "doctor -v (text)" 0 -v -p "$P" doctor
	check "doctor (text): says how much the backups hold" sh -c 'printf "%s\n" "$1" | grep -q "backups: .* MiB"' _ "$out"
else
	ok "doctor backups-large # SKIP cannot allocate 65 MiB"
fi

done_testing
