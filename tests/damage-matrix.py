#!/usr/bin/env python3
# SPDX-License-Identifier: MPL-2.0
"""damage-matrix.py: damage real stores in seeded ways, run db repair on each copy, and measure
what comes back against what the damaged bytes still hold (issue 14).

Stores, each made by real certutil: "ff" (the browser's NSS: 32 KiB pages, CKO_TRUST trust;
needs /usr/lib/firefox-esr), "sys" (the system NSS, cert9.db with CKO_NSS_TRUST) and "dbm"
(cert8.db). CA certificates with mixed trust (C,, / CT,C,C / ,C, / ,,) and a personal
certificate with its key.

Oracle per case: a certificate is intact when its DER is still byte for byte in the damaged
file; its trust is intact when the bytes around the certificate's hash in its trust row are
intact too (cert9.db), or the record holding DER and trust flags is (cert8.db). After db repair
the store is read with the NSS that made it. Counted per store and damage kind: cases, intact
certificates recovered, intact trust settings recovered, silent losses (a certificate or a trust
setting of the old store missing from the new one while db repair exited 0), failed repairs
(exit other than 0 or 1), and, with --twice, runs whose second repair of the same bytes gave a
different store.

Damage kinds: trunc, zero-page, overwrite, header (of cert8.db/cert9.db); journal (cert9 stores:
a rollback journal left beside cert9.db: a genuine hot journal of an unfinished transaction
(the file half-written), and beside the intact file one of a transaction on an older copy of the
store, one cut short, one whose header is zeroed; every certificate and trust setting of the store is expected back); key4 (cert9
stores: key4.db missing, empty, not a database, overwritten, zeroed or cut, from another store,
or without its trust MACs; the certificates are all intact; trust whose MAC could not be checked
must be named in "lost" by db repair and comes back with --keep-unverified-trust, which the
matrix then passes).

Measured (issue 14, --certs 100 --cases-per-kind 26 --seed 14 --twice, 2 shared cores): 312
cases (ff 116, sys 131, dbm 65); intact certificates 33401/33401, intact trust 28086/28086,
0 silent losses, 0 failed repairs, 0 differing repeats; a repair took 0.13x to 1.17x the time
certutil took to build the 101-certificate store fresh (journal cases the slowest: the file is
read twice). The run of 276 cases before it found one loss (a damaged and an intact copy of one
certificate in a cert8.db), fixed by salvage_drop_damaged_twins.

Usage: damage-matrix.py --mozcert PATH [--shapes ff,sys,dbm] [--certs N] [--kinds K,...]
       [--cases-per-kind N] [--seed S] [--twice] [--workdir DIR] [--show-failures]
Exit 0 when every target is met (100 % intact recovered, 0 silent losses, 0 failed repairs,
0 differing repeats), else 1.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

FF_LIB = "/usr/lib/firefox-esr"
TRUSTS = ["C,,", "CT,C,C", ",C,", ",,"]


def env_for(shape):
    e = dict(os.environ)
    e.pop("LD_LIBRARY_PATH", None)
    if shape == "ff":
        e["LD_LIBRARY_PATH"] = FF_LIB
    return e


def certutil(shape, *args, check=True, capture=False):
    return subprocess.run(["certutil"] + list(args), env=env_for(shape), check=check,
                          capture_output=True, text=not capture, errors=None if capture else "replace")


def dbspec(shape, d):
    return ("dbm:" if shape == "dbm" else "sql:") + d


def make_certs(dirname, n):
    """n self-signed CA certificates (EC P-256) as DER files; a few are intermediates of the first."""
    os.makedirs(dirname, exist_ok=True)
    ders = []
    for i in range(n):
        pem = os.path.join(dirname, "c%d.pem" % i)
        if not os.path.exists(pem):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", "/dev/null", "-out", pem, "-subj",
                            "/O=mozcert damage matrix/CN=CA %d" % i, "-days", "400",
                            "-addext", "basicConstraints=critical,CA:TRUE"],
                           check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        ders.append((pem, der))
    return ders


def listing(shape, d):
    """{nickname: trust} as the NSS that made the store lists it."""
    out = certutil(shape, "-L", "-d", dbspec(shape, d), check=False).stdout or ""
    got = {}
    for line in out.splitlines()[4:]:
        if not line.strip():
            continue
        parts = line.rstrip().rsplit(None, 1)
        if len(parts) == 2:
            got[parts[0].rstrip()] = parts[1]
    return got


def ders_of(shape, d, nicks):
    """{DER: nickname} of the certificates of a cert9.db (its rows, read by SQLite), for the nicknames listed."""
    res = {}
    if shape != "dbm":
        import sqlite3
        con = sqlite3.connect("file:%s/cert9.db?immutable=1" % d, uri=True)
        try:
            for label, der in con.execute("SELECT a3, a11 FROM nssPublic WHERE a0 = x'00000001'"):
                nick = label.decode("utf-8", "replace") if isinstance(label, bytes) else label
                if nick in nicks:
                    res[bytes(der)] = nick
        except sqlite3.Error:
            pass  # no cert9.db (a repair that failed): nothing listed
        finally:
            con.close()
        return res
    for nick in nicks:
        r = subprocess.run(["certutil", "-L", "-d", dbspec(shape, d), "-n", nick, "-r"], env=env_for(shape),
                           capture_output=True)
        if r.returncode == 0:
            res[r.stdout] = nick
    return res


def make_store(shape, d, certs):
    os.makedirs(d)
    certutil(shape, "-N", "-d", dbspec(shape, d), "--empty-password")
    want = {}
    for i, (pem, der) in enumerate(certs):
        if i == len(certs) // 2 and shape != "dbm":
            shutil.copyfile(os.path.join(d, "cert9.db"), os.path.join(d, "..", "older-%s.db" % shape))
        t = TRUSTS[i % len(TRUSTS)]
        nick = "CA %d" % i
        certutil(shape, "-A", "-d", dbspec(shape, d), "-n", nick, "-t", t, "-a", "-i", pem)
        want[der] = (nick, t)
    noise = os.path.join(d, "..", "noise")
    with open(noise, "wb") as f:
        f.write(os.urandom(64))
    certutil(shape, "-S", "-d", dbspec(shape, d), "-n", "personal", "-s", "CN=personal,O=mozcert", "-x",
             "-t", ",,", "-k", "ec", "-q", "nistp256", "-z", noise, "-v", "12", check=False)
    os.unlink(noise)
    got = listing(shape, d)
    ders = ders_of(shape, d, got)
    return {der: (nick, got[nick]) for der, nick in ders.items()}


def page_size(shape, data):
    if shape == "dbm":
        return int.from_bytes(data[12:16], "big") if len(data) >= 16 else 4096
    ps = int.from_bytes(data[16:18], "big")
    return 65536 if ps == 1 else (ps or 4096)


HOT_JOURNAL = r"""
import os, random, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
r = random.Random(int(sys.argv[2]))
c.execute("PRAGMA cache_size=1")
c.execute("BEGIN")
ids = [row[0] for row in c.execute("SELECT rowid FROM nssPublic")]
for i in r.sample(ids, max(1, len(ids) * r.randrange(1, 101) // 100)):
    c.execute("DELETE FROM nssPublic WHERE rowid = ?", (i,))
c.execute("CREATE TABLE junk(x)")
for _ in range(r.randrange(20, 120)):
    c.execute("INSERT INTO junk VALUES (randomblob(3000))")
os._exit(0)
"""


def hot_journal(db_bytes, seed):
    """(file bytes, journal bytes) of a transaction killed mid-write on a copy of db_bytes."""
    with tempfile.TemporaryDirectory() as t:
        db = os.path.join(t, "cert9.db")
        with open(db, "wb") as f:
            f.write(db_bytes)
        subprocess.run([sys.executable, "-c", HOT_JOURNAL, db, str(seed)], check=True)
        with open(db, "rb") as f, open(db + "-journal", "rb") as j:
            return f.read(), j.read()


def journal_cases(src, data, n, rng):
    """A rollback journal beside cert9.db: (label, cert9.db bytes, {"cert9.db-journal": bytes})."""
    older = open(os.path.join(src, "..", "older-%s.db" % os.path.basename(src)[6:]), "rb").read()
    hows = ["hot", "older", "cut", "header-zeroed"]
    for k in range(n):
        how = hows[k % len(hows)]
        seed = rng.randrange(1 << 30)
        if how == "older":
            # a transaction on an older copy of the store, its journal left when the file was replaced
            _, jn = hot_journal(older, seed)
            yield "journal of an older copy (seed %d)" % seed, data, {"cert9.db-journal": jn}
            continue
        dmg, jn = hot_journal(data, seed)
        if how == "hot":
            yield "hot journal (seed %d)" % seed, dmg, {"cert9.db-journal": jn}
            continue
        # left beside the store as it was before the transaction: cut short, or made not hot
        if how == "cut":
            jn = jn[:rng.randrange(28, len(jn))]
        else:
            jn = bytes(28) + jn[28:]
        yield "%s journal beside the intact file (seed %d)" % (how, seed), data, {"cert9.db-journal": jn}


def key4_cases(src, n, rng, shape):
    """key4.db damaged beside an intact cert9.db: (label, None, {"key4.db": bytes or None})."""
    import sqlite3
    key4 = open(os.path.join(src, "key4.db"), "rb").read()
    ps = page_size("sys", key4)
    hows = ["missing", "empty", "text", "overwrite", "zero-page", "trunc", "foreign", "no-macs", "macs-zeroed"]
    for k in range(n):
        how = hows[k % len(hows)]
        b = bytearray(key4)
        if how == "missing":
            yield "key4.db missing", None, {"key4.db": None}
            continue
        if how == "empty":
            b = bytearray()
        elif how == "text":
            b = bytearray(b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 294912\n")
        elif how == "overwrite":
            for _ in range(rng.randrange(1, 4)):
                o = rng.randrange(100, max(101, len(b) - 500))
                b[o:o + 500] = bytes(rng.randrange(256) for _ in range(500))
        elif how == "zero-page":
            p = rng.randrange(len(b) // ps)
            b[p * ps:(p + 1) * ps] = bytes(ps)
        elif how == "trunc":
            del b[rng.randrange(ps, len(b)):]
        elif how == "foreign":
            with tempfile.TemporaryDirectory() as t:
                certutil(shape, "-N", "-d", dbspec(shape, t), "--empty-password")
                b = bytearray(open(os.path.join(t, "key4.db"), "rb").read())
        else:
            with tempfile.TemporaryDirectory() as t:
                k4 = os.path.join(t, "key4.db")
                with open(k4, "wb") as f:
                    f.write(key4)
                con = sqlite3.connect(k4, isolation_level=None)
                if how == "no-macs":
                    con.execute("DELETE FROM metaData WHERE id LIKE 'sig_%'")
                else:
                    con.execute("UPDATE metaData SET item1 = zeroblob(length(item1)) WHERE id LIKE 'sig_%'")
                con.close()
                b = bytearray(open(k4, "rb").read())
        yield "key4.db %s" % how, None, {"key4.db": bytes(b)}


def damage_cases(shape, data, kind, n, rng, src=None):
    """Yield (label, damaged bytes of the store file or None for unchanged, {other file: bytes or None})."""
    if kind == "journal":
        yield from journal_cases(src, data, n, rng)
        return
    if kind == "key4":
        yield from key4_cases(src, n, rng, shape)
        return
    ps = page_size(shape, data)
    npages = max(1, len(data) // ps)
    if kind == "trunc":
        for _ in range(n):
            # stores fill from the end: most cuts fall in the second half, where the rows are
            if rng.random() < 0.3:
                cut = ps * rng.randrange(1, npages)
            else:
                cut = rng.randrange(len(data) // 2, len(data))
            yield "cut at %d" % cut, data[:cut], {}
    elif kind == "zero-page":
        pages = list(range(npages))
        rng.shuffle(pages)
        for p in pages[:n]:
            b = bytearray(data)
            b[p * ps:(p + 1) * ps] = bytes(len(b[p * ps:(p + 1) * ps]))
            yield "page %d zeroed" % p, bytes(b), {}
    elif kind == "overwrite":
        for _ in range(n):
            b = bytearray(data)
            k = rng.randrange(1, 4)
            offs = sorted(rng.randrange(100, max(101, len(data) - 500)) for _ in range(k))
            for o in offs:
                b[o:o + 500] = bytes(rng.randrange(256) for _ in range(500))
            yield "500 bytes at %s" % ",".join(map(str, offs)), bytes(b), {}
    elif kind == "header":
        b = bytearray(data)
        hl = 100 if shape != "dbm" else 512
        b[:hl] = bytes(rng.randrange(256) for _ in range(hl))
        yield "header destroyed", bytes(b), {}


def trust_intact(shape, orig, damaged, der):
    """The bytes of the trust row that names der are still there (an approximation: the row
    holds the certificate's hash; 400 bytes each side of it, more than a row of these stores, are compared)."""
    if shape == "dbm":
        o = orig.find(der)
        lo = max(0, o - 16)
        return damaged[lo:o + len(der)] == orig[lo:o + len(der)]
    for h in (hashlib.sha256(der).digest(), hashlib.sha1(der).digest()):
        o = orig.find(h)
        while o >= 0:
            lo, hi = max(0, o - 400), min(len(orig), o + 400)
            if damaged[lo:hi] != orig[lo:hi]:
                return False
            o = orig.find(h, o + 1)
    return True


def repair(mozcert, prof, flags=()):
    t0 = time.monotonic()
    r = subprocess.run([mozcert, "-p", prof, "--json", "db", "repair"] + list(flags), capture_output=True,
                       text=True, env=env_for("sys"))
    return r, time.monotonic() - t0


def lay_out(src, prof, fname, dmg, extra):
    """The damaged profile: a copy of the store with the damaged file and the extra files written."""
    shutil.rmtree(prof, ignore_errors=True)
    shutil.copytree(src, prof)
    files = dict(extra)
    if dmg is not None:
        files[fname] = dmg
    for name, data in files.items():
        path = os.path.join(prof, name)
        if data is None:
            if os.path.exists(path):
                os.unlink(path)
            continue
        with open(path, "wb") as f:
            f.write(data)


def lost_trust_named(res, der):
    """db repair named the trust of this certificate in "lost" (by its SHA-256)."""
    h = hashlib.sha256(der).hexdigest()
    return any(h in (x.get("what") or "").replace(":", "").lower() and "trust" in (x.get("what") or "")
               for x in res.get("lost", []))


def judge(a, st, shape, kind, label, want, orig, dmg, r, got, ders, strict_trust):
    """Count one repair of one case into st. strict_trust: a trust setting must come back (else it
    may instead be named in lost, with exit 1)."""
    try:
        res = json.loads(r.stdout)["results"][0]
    except (ValueError, KeyError, IndexError):
        res = {}
    if r.returncode not in (0, 1) or "salvaged" not in res:
        st["failed"] += 1
        if a.show_failures:
            print("# %s %s %s: exit %d %s" % (shape, kind, label, r.returncode, r.stderr.strip()))
        return
    whole = kind in ("journal", "key4")  # the store file is intact (or rolled back): everything is expected
    bad = []
    for der, (nick, t) in want.items():
        hit = ders.get(der)
        tafter = got.get(hit) if hit else None
        t0_ = t.replace("u", "")
        if whole or der in dmg:
            st["icert"] += 1
            if hit:
                st["icert_ok"] += 1
            else:
                bad.append("intact %s not recovered" % nick)
            if strict_trust and (whole or trust_intact(shape, orig, dmg, der)):
                st["itrust"] += 1
                if tafter is not None and tafter.replace("u", "") == t0_:
                    st["itrust_ok"] += 1
                else:
                    bad.append("intact trust of %s: %s, want %s" % (nick, tafter, t))
        lost_cert = hit is None
        lost_trust = hit is not None and tafter.replace("u", "") != t0_
        if lost_trust and not strict_trust and not lost_trust_named(res, der):
            st["silent"] += 1
            bad.append("unnamed: trust %s -> %s of %s" % (t, tafter, nick))
        elif (lost_cert or lost_trust) and r.returncode == 0:
            st["silent"] += 1
            bad.append("silent: %s %s" % (nick, "certificate" if lost_cert else "trust %s -> %s" % (t, tafter)))
    if bad and a.show_failures:
        print("# %s %s %s: %s" % (shape, kind, label, "; ".join(bad[:6])))


def run_case(a, st, shape, kind, label, want, orig, dmg, extra, src, work):
    """Repair one case (twice with --twice) and judge it; key4 cases once without and then with
    --keep-unverified-trust."""
    fname = "cert8.db" if shape == "dbm" else "cert9.db"
    out_shape = "sys" if shape == "dbm" else shape
    rounds = [((), True)]
    if kind == "key4":
        rounds = [((), False), (("--keep-unverified-trust",), True)]
    prof = os.path.join(work, "case")
    for flags, strict in rounds:
        results = []
        for attempt in range(2 if a.twice else 1):
            lay_out(src, prof, fname, dmg, extra)
            r, dt = repair(a.mozcert, prof, flags)
            st["t"] += dt
            st["runs"] += 1
            got = listing(out_shape, prof)
            ders = ders_of(out_shape, prof, got)
            results.append(sorted((hashlib.sha256(d).hexdigest(), n, got[n]) for d, n in ders.items()))
            if not attempt:
                judge(a, st, shape, kind, label, want, orig, dmg if dmg is not None else orig, r, got, ders,
                      strict)
        if a.twice and results[0] != results[1]:
            st["differ"] += 1
            if a.show_failures:
                print("# %s %s %s: a second repair of the same bytes differs" % (shape, kind, label))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mozcert", required=True)
    ap.add_argument("--shapes", default="ff,sys,dbm")
    ap.add_argument("--certs", type=int, default=150)
    ap.add_argument("--kinds", default="trunc,zero-page,overwrite,header,journal,key4")
    ap.add_argument("--cases-per-kind", type=int, default=10)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--twice", action="store_true")
    ap.add_argument("--workdir")
    ap.add_argument("--show-failures", action="store_true")
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="mozcert-matrix-")
    os.environ["MOZCERT_STAGE_DIR"] = work
    rng = random.Random(a.seed)
    certs = make_certs(os.path.join(work, "certs"), a.certs)
    keys = ("cases", "icert", "icert_ok", "itrust", "itrust_ok", "silent", "failed", "differ")
    totals = dict((k, 0) for k in keys)
    print("%-4s %-10s %5s %14s %14s %6s %6s %6s %6s" % ("shape", "damage", "cases", "certs", "trust",
                                                          "silent", "failed", "differ", "time"))
    for shape in a.shapes.split(","):
        if shape == "ff" and not os.path.exists(os.path.join(FF_LIB, "libsoftokn3.so")):
            print("%-4s skipped: no browser NSS in %s" % (shape, FF_LIB))
            continue
        src = os.path.join(work, "store-" + shape)
        if os.path.exists(src):
            shutil.rmtree(src)
        t0 = time.monotonic()
        want = make_store(shape, src, certs)
        fresh = time.monotonic() - t0
        orig = open(os.path.join(src, "cert8.db" if shape == "dbm" else "cert9.db"), "rb").read()
        for kind in a.kinds.split(","):
            if shape == "dbm" and kind in ("journal", "key4"):
                continue  # cert9 stores only: dbm has no journal, key3.db holds no trust MACs
            st = dict((k, 0) for k in keys)
            st.update(t=0.0, runs=0)
            for label, dmg, extra in damage_cases(shape, orig, kind, a.cases_per_kind, rng, src):
                st["cases"] += 1
                run_case(a, st, shape, kind, label, want, orig, dmg, extra, src, work)
            print("%-4s %-10s %5d %6d/%-7d %6d/%-7d %6d %6d %6d %5.2fx" % (
                shape, kind, st["cases"], st["icert_ok"], st["icert"], st["itrust_ok"], st["itrust"],
                st["silent"], st["failed"], st["differ"], (st["t"] / max(1, st["runs"])) / max(fresh, 1e-6)))
            for k in totals:
                totals[k] += st[k]
    pct = lambda x, y: 100.0 * x / y if y else 100.0
    print("total: %d cases; intact certificates %d/%d (%.1f %%); intact trust %d/%d (%.1f %%); silent losses %d; "
          "failed %d; differing repeats %d" % (
              totals["cases"], totals["icert_ok"], totals["icert"], pct(totals["icert_ok"], totals["icert"]),
              totals["itrust_ok"], totals["itrust"], pct(totals["itrust_ok"], totals["itrust"]), totals["silent"],
              totals["failed"], totals["differ"]))
    all_ok = (totals["icert_ok"] == totals["icert"] and totals["itrust_ok"] == totals["itrust"] and
              totals["silent"] == 0 and totals["failed"] == 0 and totals["differ"] == 0)
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
