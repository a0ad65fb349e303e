#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# fault-sweep.sh: fail the N-th write/fsync/rename/open of every writing command, for every N, with EIO and
# ENOSPC (the LD_PRELOAD shim tests/faults/iofault.c), and look for half-states and mute error messages.
# Usage: tests/fault-sweep.sh [BUILD]   (BUILD: the build directory, default build; it holds src/mozcert
#        and tests/faults/iofault.so)
# Env: FAULT_COMMANDS="import trust ..." (a subset of: import trust remove upgrade repair repair-legacy
#      repair-carry reset reset-keep override-add override-remove override-prune pref-set ocsp-off restore),
#      FAULT_OPS="write fsync rename open" (also
#      unlink truncate mkdir link), FAULT_ERRNOS="EIO ENOSPC", FAULT_SAMPLE=K (instead of every N: at most K
#      points per command and call kind, half of them among the calls on profile files, the errno
#      alternating), FAULT_SAMPLE_PRIVATE="write fsync" (with FAULT_SAMPLE: one more point for these call
#      kinds among the calls on private copies, the staged store NSS writes), FAULT_MAX=K (at most K points per command and call kind: every call on a profile file,
#      the others evenly spread), FAULT_TAP=1 (PASS/FAIL lines per command for tests/cli/t85-io-faults.sh),
#      FAULT_VERBOSE=1 (a line per fault point), MOZCERT (the binary, instead of BUILD/src/mozcert),
#      IOFAULT_SO (the shim).
#
# For each command: a counting run (no fault) on a copy of its base profile gives the number of calls of each
# kind on the profile, the staging directory and the private temporary directory (file descriptors 0-2 are
# never counted); a second unfaulted run gives the 'after' state. Then for each call kind, errno and N, on a
# fresh copy: run the command with the N-th call failing, and check
#  - no crash (exit status < 128);
#  - state: every profile file (mozcert-backups/ and .parentlock left out) is byte-identical to its before
#    state and the exit status is not 0, or the profile is in its complete after state (a fault after the
#    commit point); cert9.db/key4.db count as 'after' when certutil lists exactly the after listing and
#    cert9.db holds as many objects of each PKCS#11 class (a trust object left behind does not show in a listing);
#    an exit status of 0 with the profile in its before state is a lost change; a failed run that leaves
#    .mozcert-journal (a decided swap it could not finish) must reach the after state by the next run's recovery;
#  - NSS opens the store (certutil -L -d sql:P on a scratch copy exits as it does on the before/after state);
#  - no backup holds an empty REASON note (a note that could not be written is left out);
#  - after one unfaulted run of a store reader ('mozcert cert list') no .*.mozcert-* file and no
#    .mozcert-journal is left, and the state is still before-or-after;
#  - the message: a run that failed names the faulted file (its path or base name; for SQLite's -journal/-wal
#    files, or any file of a private staging copy, the store file's base name) and the failure (the strerror
#    text of the injected errno), and names no private working copy (mozcert-stage-/-repair-/-ro-PID-…: the
#    profile's file stands for its copy);
#  - a re-run without fault exits as an unfaulted run does and reaches the after state (after a faulted run
#    that completed anyway: the state a second unfaulted run reaches, as db repair rebuilds the store it made).
# A fault mozcert ignores (exit 0, after state) is counted apart (and, on a profile file, printed): fine for a
# best-effort step (the backup's REASON note, a second look at a file's content) or where SQLite or NSS
# retries in the private staging copy, a defect for an fsync of a profile file.
# Prints one line per command (fault points per call kind, half-states, mute messages, ignored faults) and
# "fault-sweep: P fault points, H half-states, M messages missing file/cause, I faults ignored (J on profile
# files)". Exit status 1 when any half-state or mute message was found.
set -eu
BUILD=${1:-build}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MOZCERT=${MOZCERT:-$BUILD/src/mozcert}
IOFAULT_SO=${IOFAULT_SO:-$BUILD/tests/faults/iofault.so}
case $MOZCERT in /*) ;; *) MOZCERT=$PWD/$MOZCERT ;; esac
case $IOFAULT_SO in /*) ;; *) IOFAULT_SO=$PWD/$IOFAULT_SO ;; esac
[ -x "$MOZCERT" ] || { echo "fault-sweep: no mozcert at $MOZCERT" >&2; exit 2; }
[ -f "$IOFAULT_SO" ] || { echo "fault-sweep: no shim at $IOFAULT_SO" >&2; exit 2; }
export LC_ALL=C
# tmpfs when there is one: the sweep is thousands of runs, each with syncs
if [ -z "${FAULT_TMPDIR:-}" ] && [ -w /dev/shm ]; then FAULT_TMPDIR=/dev/shm; fi
W=$(mktemp -d "${FAULT_TMPDIR:-${TMPDIR:-/tmp}}/mozcert-fault-XXXXXX")
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$HOME"
# an instrumented mozcert: the shim comes first in the preload list, ahead of the sanitizer runtime
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

PYTHONPATH="$SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}" python3 - "$MOZCERT" "$IOFAULT_SO" "$W" "$SRCDIR/tests/fixtures" <<'PY'
import os, re, shlex, shutil, subprocess, sys
from sweeplib import NSS, copy_profile, is_temp, say, snapshot
import sweeplib

mozcert, shim, work, fix = sys.argv[1:]
tap = os.environ.get("FAULT_TAP") == "1"
verbose = os.environ.get("FAULT_VERBOSE") == "1"
ops = os.environ.get("FAULT_OPS", "write fsync rename open").split()
errnos = os.environ.get("FAULT_ERRNOS", "EIO ENOSPC").split()
sample = int(os.environ.get("FAULT_SAMPLE", "0"))
cap = int(os.environ.get("FAULT_MAX", "0"))
sample_private = os.environ.get("FAULT_SAMPLE_PRIVATE", "").split()
ALL = "import trust remove upgrade repair repair-legacy repair-carry reset reset-keep override-add override-remove override-prune pref-set ocsp-off restore"
which = os.environ.get("FAULT_COMMANDS", ALL).split()
STRERROR = {"EIO": "Input/output error", "ENOSPC": "No space left on device", "EDQUOT": "Disk quota exceeded",
            "EROFS": "Read-only file system", "EACCES": "Permission denied"}
stage = os.path.join(work, "stage")   # MOZCERT_STAGE_DIR and TMPDIR of every run
os.makedirs(stage)
run_env = dict(os.environ, MOZCERT_STAGE_DIR=stage, TMPDIR=stage)
for k in list(run_env):
    if k.startswith("IOFAULT_") or k == "LD_PRELOAD":
        del run_env[k]


def run(args, env=None):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or run_env)


def moz(profile, args, fault=None):
    env = run_env
    if fault is not None:
        env = dict(run_env, LD_PRELOAD=shim, IOFAULT_PATH_PREFIX=profile + ":" + stage, **fault)
    return run([mozcert, "-p", profile] + list(args), env)


def listing(d):
    """(certutil -L exit status, sorted 'nickname<TAB>trust' lines, cert9.db objects per class)"""
    rc, lines = sweeplib.listing(d, os.path.join(work, "scratch"), run_env)
    return rc, lines, sweeplib.object_classes(d)


def clean_stage():
    for x in os.listdir(stage):
        p = os.path.join(stage, x)
        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)


def must(r, what):
    if r.returncode != 0:
        sys.exit("fault-sweep: setting up %s failed (exit %d): %s" % (what, r.returncode, r.stderr.decode()))


# ---- base profiles ----
certs = os.path.join(fix, "certs")
leaf = os.path.join(certs, "leaf.pem")
bundle = os.path.join(certs, "bundle.pem")       # root, intermediate, leaf
base_empty = os.path.join(work, "base-empty")
os.makedirs(base_empty)
must(run(["certutil", "-N", "-d", "sql:" + base_empty, "--empty-password"]), "an empty store")
open(os.path.join(base_empty, "compatibility.ini"), "w").write(
    "[Compatibility]\nLastVersion=153.0.1_20260101000000/20260101000000\nLastOSABI=Linux_x86_64-gcc3\n")
open(os.path.join(base_empty, "prefs.js"), "w").write(
    '// Mozilla User Preferences\n\nuser_pref("browser.startup.page", 3);\nuser_pref("zz.fault", 1);\n')
must(moz(base_empty, ["override", "add", "old.example:8443", "--cert", leaf]), "an override")
shutil.rmtree(os.path.join(base_empty, "mozcert-backups"), ignore_errors=True)
base3 = os.path.join(work, "base-3")
copy_profile(base_empty, base3)
must(moz(base3, ["cert", "import", "--trust", "C,,", bundle]), "3 certificates")
must(moz(base3, ["override", "add", "two.example:443", "--cert", leaf]), "a second override")
shutil.rmtree(os.path.join(base3, "mozcert-backups"), ignore_errors=True)
# lines the application ignores, for prune: a duplicate and a line of an unknown shape
ov = os.path.join(base3, "cert_override.txt")
lines = open(ov).read().splitlines(True)
data = [l for l in lines if l.strip() and not l.startswith("#")]
open(ov, "a").write(data[0] + "garbage line without tabs\n")
# a damaged store for repair: its last page zeroed
base_damaged = os.path.join(work, "base-damaged")
copy_profile(base3, base_damaged)
c9 = os.path.join(base_damaged, "cert9.db")
size = os.path.getsize(c9)
with open(c9, "r+b") as f:
    f.seek(max(size - 4096, 4096))
    f.write(b"\0" * 4096)
base_pgo = os.path.join(work, "base-pgo")
copy_profile(os.path.join(fix, "real", "mozilla-pgo-certs"), base_pgo)
# a legacy-only store to repair into cert9.db: a bucket page of cert8.db zeroed
base_legacy_damaged = os.path.join(work, "base-legacy-damaged")
copy_profile(base_pgo, base_legacy_damaged)
with open(os.path.join(base_legacy_damaged, "cert8.db"), "r+b") as f:
    f.seek(16384)
    f.write(b"\0" * 16384)
# a store with a CRL, the kind of object db repair carries over row by row (repair-carry.c)
base_carry = os.path.join(work, "base-carry")
copy_profile(base3, base_carry)
crl_cnf, crl_pem, crl_der = (os.path.join(work, x) for x in ("crl.cnf", "crl.pem", "crl.der"))
open(os.path.join(work, "crl-index"), "w").close()
open(crl_cnf, "w").write("[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ndefault_md = sha256\n" % os.path.join(work, "crl-index"))
must(run(["openssl", "ca", "-gencrl", "-keyfile", os.path.join(certs, "root.key"), "-cert", os.path.join(certs, "root.pem"),
          "-out", crl_pem, "-crldays", "30", "-config", crl_cnf]), "a CRL")
must(run(["openssl", "crl", "-in", crl_pem, "-outform", "DER", "-out", crl_der]), "a DER CRL")
must(run(["crlutil", "-I", "-d", "sql:" + base_carry, "-i", crl_der, "-t", "1"]), "a CRL in the store")
# a profile with a backup to restore: the trust change of cert trust, undone
base_restore = os.path.join(work, "base-restore")
copy_profile(base3, base_restore)
must(moz(base_restore, ["cert", "trust", "mozcert Test Root CA - mozcert test", "CT,C,C"]), "a backup")

COMMANDS = {
    "import": ("cert import", base_empty, ["cert", "import", "--trust", "C,,", bundle]),
    "trust": ("cert trust", base3, ["cert", "trust", "mozcert Test Root CA - mozcert test", "CT,C,C"]),
    "remove": ("cert remove", base3, ["cert", "remove", "leaf.mozcert.test - mozcert test"]),
    "upgrade": ("db upgrade", base_pgo, ["db", "upgrade"]),
    "repair": ("db repair", base_damaged, ["db", "repair"]),
    "repair-carry": ("db repair (a CRL carried over)", base_carry, ["db", "repair"]),
    "reset": ("db reset", base3, ["db", "reset"]),
    "reset-keep": ("db reset --keep-user-certs", base3, ["db", "reset", "--keep-user-certs"]),
    "repair-legacy": ("db repair (cert8.db into cert9.db)", base_legacy_damaged, ["db", "repair"]),
    "override-add": ("override add", base_empty, ["override", "add", "fault.example:443", "--cert", leaf]),
    "override-remove": ("override remove", base3, ["override", "remove", "old.example:8443"]),
    "override-prune": ("override prune", base3, ["override", "prune"]),
    "pref-set": ("pref set", base_empty, ["pref", "set", "zz.fault", "42"]),
    "ocsp-off": ("ocsp off", base_empty, ["ocsp", "off"]),
    # by its id: 'latest' would name the backup the restore itself makes, and a re-run would undo it
    "restore": ("db restore", base_restore, ["db", "restore", os.listdir(os.path.join(base_restore, "mozcert-backups"))[0]]),
}


def names_file(msg, path, profile):
    """does the message name the faulted file (or, for a store's side file or staging copy, the store file)?"""
    if not path:
        return True
    base = os.path.basename(path.rstrip("/")) or path
    cands = {path, base}
    m = re.match(r"(.*?)(-journal|-wal|-shm)$", base)
    if m:
        cands.add(m.group(1))
    if path.startswith(stage + "/"):
        # a private copy: the profile file it stands for
        cands.add(base)
        if m:
            cands.add(m.group(1))
    if path == profile or path == stage:
        cands.add(path)
    return any(c and c in msg for c in cands)


total = {"points": 0, "half": 0, "mute": 0, "ignored": 0, "ignored_profile": 0}
for key in which:
    label, base, args = COMMANDS[key]
    before = snapshot(base)
    before_list = listing(base)
    # counting run (also the first reference run)
    d = os.path.join(work, "p")
    copy_profile(base, d)
    clean_stage()
    countf, logf = os.path.join(work, "count"), os.path.join(work, "log")
    for f in (countf, logf):
        if os.path.exists(f):
            os.unlink(f)
    r = moz(d, args, {"IOFAULT_COUNT": countf, "IOFAULT_LOG": logf})
    ref_rc = r.returncode
    counts = dict(kv.split("=") for kv in open(countf).read().split())
    counts = {k: int(v) for k, v in counts.items()}
    # which N of each kind hit a file of the profile (for sampling, and to tell the commit phase)
    profile_ns = {}
    for line in open(logf):
        op, num, call, path = line.rstrip("\n").split(" ", 3)
        if path == d or path.startswith(d + "/"):
            profile_ns.setdefault(op, set()).add(int(num[1:]))
    after = snapshot(d)
    after_list = listing(d)
    ref_rc2 = moz(d, args).returncode
    # where a second run takes the after state (db repair rebuilds the store it made): a completed run re-run
    after2 = snapshot(d)
    after2_list = listing(d)
    # files the command writes differently on each run (none expected): compared by presence only
    d2 = os.path.join(work, "p2")
    copy_profile(base, d2)
    moz(d2, args)
    volatile = {n for n in set(after) | set(snapshot(d2)) if n not in NSS and after.get(n) != snapshot(d2).get(n)}
    ok_rcs = {ref_rc, ref_rc2}
    nss_changed = tuple(before.get(n) for n in NSS) != tuple(after.get(n) for n in NSS)
    say("# %s: exit %d unfaulted, calls counted: %s; profile-file calls: %s; before %d / after %d certificates%s" % (
        label, ref_rc, " ".join("%s=%d" % (o, counts.get(o, 0)) for o in ops),
        " ".join("%s=%d" % (o, len(profile_ns.get(o, ()))) for o in ops),
        len(before_list[1]), len(after_list[1]), "; volatile: %s" % sorted(volatile) if volatile else ""))

    def same(cur, ref):
        names = set(cur) | set(ref)
        return all(cur.get(n) == ref.get(n) or (n in volatile and (n in cur) == (n in ref))
                   for n in names if n not in NSS and not is_temp(n))

    def state(dd):
        """('before'|'after'|'mixed', problems)"""
        cur = snapshot(dd)
        errs = []
        fb, fa = same(cur, before), same(cur, after)
        pair = tuple(cur.get(n) for n in NSS)
        if pair == tuple(before.get(n) for n in NSS):
            sb, sa = True, not nss_changed
            lst = before_list
        else:
            # changed bytes: 'after' when it lists as the after state (a rebuilt store may list as before too)
            lst = listing(dd)
            sa = lst == after_list
            sb = lst == before_list and not sa
            if lst[0] != 0:
                errs.append("certutil -L fails (exit %d) on the store" % lst[0])
        if fb and sb:
            st = "before"
        elif fa and sa:
            st = "after"
        else:
            st = "mixed"
            bad = sorted(n for n in set(cur) | set(before) | set(after)
                         if n not in NSS and not is_temp(n) and cur.get(n) != before.get(n) and cur.get(n) != after.get(n))
            errs.append("half-state: files %s; store %s" % (
                ", ".join(bad) if bad else ("before" if fb else "after" if fa else "mixed"),
                "before" if sb else "after" if sa else "neither before nor after (%d entries, objects %s)" % (
                    len(lst[1]), lst[2])))
        return st, errs

    def like(dd, ref, ref_list):
        """is the profile in the reference state ref (its files) / ref_list (its store)?"""
        cur = snapshot(dd)
        if not same(cur, ref):
            return False
        return tuple(cur.get(n) for n in NSS) == tuple(ref.get(n) for n in NSS) or listing(dd) == ref_list

    per_op = {}
    half = mute = ignored = ignored_private = crashes = 0
    for op in ops:
        total_n = counts.get(op, 0)
        ns = list(range(1, total_n + 1))
        if cap and total_n > cap:
            # every call on a profile file, and the others evenly spread to fill the cap
            prof = sorted(profile_ns.get(op, ()))
            rest = [n for n in ns if n not in set(prof)]
            k = max(cap - len(prof), 0)
            ns = sorted(set(prof) | {rest[(i * len(rest)) // k] for i in range(min(k, len(rest)))})
        plan = [(n, e) for n in ns for e in errnos]
        if sample and total_n:
            pick = []
            prof = sorted(profile_ns.get(op, ()))
            for src, k in ((prof, (sample + 1) // 2), (ns, sample)):
                if not src:
                    continue
                for i in range(min(k, len(src))):
                    n = src[(i * len(src)) // min(k, len(src)) + (len(src) // min(k, len(src))) // 2]
                    if n not in pick and len(pick) < sample:
                        pick.append(n)
            private = [n for n in ns if n not in profile_ns.get(op, ())]
            if op in sample_private and private:
                # and one among the calls on the private copies (NSS's own writes of the staged store)
                n = private[len(private) // 2]
                if n not in pick:
                    pick.append(n)
            plan = [(n, errnos[i % len(errnos)]) for i, n in enumerate(sorted(pick))]
        per_op[op] = len(plan)
        for n, en in plan:
            copy_profile(base, d)
            clean_stage()
            rep = os.path.join(work, "report")
            if os.path.exists(rep):
                if os.path.exists(rep):
                    os.unlink(rep)
            fault = {"IOFAULT_OP": op, "IOFAULT_N": str(n), "IOFAULT_ERRNO": en, "IOFAULT_REPORT": rep}
            r = moz(d, args, fault)
            if b"LeakSanitizer" in r.stderr:
                # again with full stacks at malloc (slow): NSS has no frame pointers, and tests/lsan.supp names
                # the NSS module a leak of NSS's own comes from
                copy_profile(base, d)
                clean_stage()
                if os.path.exists(rep):
                    os.unlink(rep)
                slow = os.environ.get("ASAN_OPTIONS", "") + ":fast_unwind_on_malloc=0"
                r = moz(d, args, dict(fault, ASAN_OPTIONS=slow))
            rc = r.returncode
            msg = r.stderr.decode(errors="replace")
            fired = open(rep).read().split() if os.path.exists(rep) else None
            fpath = fired[3] if fired else None
            where = "%s #%d %s%s" % (op, n, en, " (%s %s)" % (fired[2], fpath) if fired else " (not reached)")
            report, notes = [], []
            if rc >= 128 or rc < 0:
                report.append("crashed (status %d): %s" % (rc, msg.strip()[-300:]))
                crashes += 1
            st, errs = state(d)
            if ".mozcert-journal" in snapshot(d) and rc != 0:
                # a decided swap the run could not finish: the next run rolls it forward (checked below)
                st, errs = "pending", []
            report += ["after the faulted run: " + e for e in errs]
            if st == "before" and rc == 0 and (nss_changed or not same(after, before)):
                report.append("exit 0 but the profile is in its before state: the change was lost")
            # completed as the unfaulted run does (db repair exits 1 when it lists a loss): the fault was ignored
            completed = st == "after" and rc == ref_rc and fired
            if completed:
                notes.append("fault ignored (exit 0)")
            bdir = os.path.join(d, "mozcert-backups")
            for root, _, files in os.walk(bdir):
                if "REASON" in files and os.path.getsize(os.path.join(root, "REASON")) == 0:
                    report.append("an empty REASON note in backup %s" % os.path.relpath(root, bdir))
            temps_left = sorted(x for x in snapshot(d) if is_temp(x))
            if temps_left:
                notes.append("left after the faulted run: %s" % temps_left)
            if fired and rc != 0 and 0 < rc < 128 and not completed:
                cause = STRERROR.get(en, en)
                miss = []
                if cause not in msg:
                    miss.append("the cause (%s)" % cause)
                if not names_file(msg, fpath, d):
                    miss.append("the file (%s)" % fpath)
                if miss:
                    mute += 1
                    report.append("message misses %s: %s" % (" and ".join(miss), msg.strip()[-300:]))
            if re.search(r"mozcert-(stage|repair|ro)-[0-9]+-", msg):
                # messages name the user's files, never mozcert's working copies
                mute += 1
                report.append("message names a private working copy: %s" % msg.strip()[-300:])
            # a store reader sweeps what a failed writer left
            rr = moz(d, ["cert", "list"])
            if rr.returncode >= 128 or rr.returncode < 0:
                report.append("reader 'cert list' crashed (%d)" % rr.returncode)
            left = sorted(x for x in snapshot(d) if is_temp(x))
            if left:
                report.append("left after a reader ran: %s" % left)
            st2, errs2 = state(d)
            report += ["after a reader ran: " + e for e in errs2 if e not in errs]
            if st == "pending" and st2 != "after":
                report.append("a reader's recovery of the pending swap left the %s state" % st2)
            elif st2 != st and "mixed" not in (st, st2) and st != "pending":
                report.append("a reader moved the profile from its %s to its %s state" % (st, st2))
            lst = listing(d)
            if lst[0] not in (before_list[0], after_list[0]):
                report.append("certutil -L exit %d (before %d, after %d)" % (lst[0], before_list[0], after_list[0]))
            # a re-run without fault completes
            rr = moz(d, args)
            if rr.returncode not in ok_rcs:
                report.append("re-run exit %d (unfaulted: %s): %s" % (
                    rr.returncode, sorted(ok_rcs), rr.stderr.decode(errors="replace").strip()[-200:]))
            st3, errs3 = state(d)
            if st3 != "after" and not (st3 == "before" and not nss_changed and same(after, before)) and \
                    not (st2 == "after" and like(d, after2, after2_list)):
                report.append("after the re-run the profile is in its %s state" % st3)
            if any(is_temp(x) for x in snapshot(d)):
                report.append("temporary files left after the re-run")
            if report:
                is_half = any(not x.startswith("message ") for x in report)
                half += is_half
                say("# %s %s: %s (exit %d, state %s)" % ("HALF-STATE" if is_half else "MUTE", label, where, rc, st))
                for line in report:
                    say("#   " + " | ".join(line.splitlines()))
                say("#   reproduce: IOFAULT_OP=%s IOFAULT_N=%d IOFAULT_ERRNO=%s IOFAULT_PATH_PREFIX=P:%s LD_PRELOAD=%s "
                    "mozcert -p P %s" % (op, n, en, stage, shim, shlex.join(args)))
            in_profile = bool(fpath) and (fpath == d or fpath.startswith(d + "/"))
            if "fault ignored (exit 0)" in notes:
                if in_profile:
                    ignored += 1
                else:
                    ignored_private += 1
            if notes and (verbose or ("fault ignored (exit 0)" in notes and in_profile)):
                say("# note %s: %s: %s" % (label, where, "; ".join(notes)))
            if verbose and not report:
                say("# ok %s: %s (exit %d, state %s)" % (label, where, rc, st))
    points = sum(per_op.values())
    line = ("%s: %d fault points (%s), %d half-states, %d messages missing file/cause, "
            "%d faults ignored (%d on profile files)") % (
        label, points, " ".join("%s %d" % (o, per_op[o]) for o in ops), half, mute, ignored + ignored_private, ignored)
    say(("PASS " if half == 0 and mute == 0 else "FAIL ") + line if tap else line)
    total["points"] += points
    total["half"] += half
    total["mute"] += mute
    total["ignored"] += ignored + ignored_private
    total["ignored_profile"] += ignored
say("fault-sweep: %d fault points, %d half-states, %d messages missing file/cause, %d faults ignored "
    "(%d on profile files)" % (total["points"], total["half"], total["mute"], total["ignored"], total["ignored_profile"]))
sys.exit(1 if total["half"] or total["mute"] else 0)
PY
