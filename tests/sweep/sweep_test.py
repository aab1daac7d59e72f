#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The tests of memsim sweep and memsim sweep-report (issue 19).

    sweep_test.py MEMSIM SOURCE_ROOT WORKDIR TEST

Each TEST is one function below (test_<name>); it runs the built memsim
and asserts exact outcomes: exit status, record keys and order, bytes,
figures. Python only drives and checks: every figure checked here is
computed by memsim, and the expected ones are written out or derived
independently (Student t quantiles from tables, Wilson bounds from the
formula).
"""
import json
import math
import os
import pty
import random
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

MEMSIM, ROOT, WORK, TEST = sys.argv[1:5]
SCN = os.path.join(ROOT, 'scenarios', 'sweep', 'random-victims.toml')
DEMO = os.path.join(ROOT, 'scenarios', 'demo.toml')
KNOWN = os.path.join(ROOT, 'tests', 'sweep', 'known.jsonl')
POLICIES = ['unlimited', 'count', 'bytes', 'process', 'pool']
os.makedirs(WORK, exist_ok=True)


def fail(msg):
    print('FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def memsim(*args, status=0, timeout=600):
    p = subprocess.run([MEMSIM] + list(args), capture_output=True,
                       timeout=timeout)
    if status is not None and p.returncode != status:
        fail('memsim %s: exit %d, wanted %d\nstdout: %s\nstderr: %s' %
             (' '.join(args), p.returncode, status, p.stdout[-2000:],
              p.stderr.decode(errors='replace')[-2000:]))
    return p


def path(name):
    """A fresh file name (what an earlier run left there is removed)."""
    p = os.path.join(WORK, TEST + '-' + name)
    if os.path.exists(p):
        os.unlink(p)
    return p


def records(data):
    return [json.loads(l) for l in data.decode().splitlines()]


def read(p):
    with open(p, 'rb') as f:
        return f.read()


# ---- the grid -----------------------------------------------------------

def test_grid_expansion():
    out = memsim('sweep', DEMO, '--seeds', '1..3,7', '--policies',
                 'count,bytes', '--set', 'kernel.heap_size=8KiB,16KiB',
                 '--set', 'quota.bytes.limit=1KiB,2KiB,3KiB', '--no-host',
                 '-j', '2').stdout
    recs = records(out)
    check(len(recs) == 2 * 3 * 2 * 4, '%d records, wanted 48' % len(recs))
    want = []
    for hs in ['8KiB', '16KiB']:
        for lim in ['1KiB', '2KiB', '3KiB']:
            for pol in ['count', 'bytes']:
                for seed in [1, 2, 3, 7]:
                    want.append({'seed': seed, 'policy': pol, 'mode': None,
                                 'set': {'kernel.heap_size': hs,
                                         'quota.bytes.limit': lim}})
    for i, r in enumerate(recs):
        check(r['index'] == i, 'record %d has index %d' % (i, r['index']))
        check(r['key'] == want[i], 'record %d: key %s, wanted %s' %
              (i, r['key'], want[i]))
        check(r['schema'] == 'memsim-sweep/1' and r['scenario'] == 'demo',
              'schema and scenario')
        check('host' not in r, '--no-host left a host field')
    # the parameters really reach the run: the bytes policy's limit
    # bounds the attacker, the heap size the heap
    for r in recs:
        lim = int(r['key']['set']['quota.bytes.limit'][0]) * 1024
        if r['key']['policy'] == 'bytes':
            check(r['metrics']['attacker_peak_bytes'] <= lim,
                  'bytes limit %d not applied: %s' % (lim, r['metrics']))
    peaks = {(r['key']['set']['quota.bytes.limit'], r['key']['policy']):
             r['metrics']['attacker_peak_bytes'] for r in recs
             if r['key']['set']['kernel.heap_size'] == '16KiB'}
    check(peaks[('1KiB', 'bytes')] < peaks[('3KiB', 'bytes')],
          'a larger bytes limit lets the attacker hold more: %s' % peaks)
    # without --no-host each record has its host figures
    r = records(memsim('sweep', DEMO, '--policies', 'count').stdout)[0]
    check(set(r['host']) == {'wall_seconds', 'max_rss_kib'}, 'host field')
    # defaults: the scenario's seed, every policy it names
    recs = records(memsim('sweep', SCN, '--no-host').stdout)
    check([r['key']['policy'] for r in recs] == POLICIES, 'default policies')
    check({r['key']['seed'] for r in recs} == {2}, 'default seed')


def test_validation():
    bad = [
        (['--set', 'kernel.heap_siz=8KiB'],
         "--set kernel.heap_siz=8KiB: unknown key 'heap_siz' in [kernel]"),
        (['--set', 'kernel.heap_size=8KiB,12x'],
         "--set kernel.heap_size=12x: 'heap_size' is not a size: \"12x\""),
        (['--set', 'quota.bytes.limit=0'],
         "--set quota.bytes.limit=0: 'limit' is out of range (got 0 bytes)"),
        (['--set', 'actor.attacker.count=lots'],
         "--set actor.attacker.count=lots: 'count' must be an integer, "
         "not a string"),
        (['--set', 'actor.atacker.count=1'],
         "--set actor.atacker.count: no [[actor]] is named 'atacker'"),
        (['--set', 'kernal.heap_size=1'],
         "--set kernal.heap_size=1: unknown key 'kernal' in the scenario "
         "(top level)"),
        (['--set', 'kernel.heap_size=8KiB', '--set', 'kernel.heap_size=9KiB'],
         "memsim sweep: --set: key 'kernel.heap_size' is given twice"),
        (['--set', 'kernel.heap_size=8KiB,8KiB'],
         "memsim sweep: --set kernel.heap_size: value '8KiB' is listed "
         "twice"),
        (['--set', 'nokey'],
         "memsim sweep: --set: 'nokey' is not KEY=VALUE[,VALUE...]"),
        (['--seeds', '1..3,2'], 'memsim sweep: --seeds: seed 2 is listed '
         'twice'),
        (['--seeds', '9..1'], "memsim sweep: --seeds: '9..1' is not a range"),
        (['--seeds', 'x'], "memsim sweep: --seeds: 'x' is not a seed"),
        (['--seeds', '1,,2'], "memsim sweep: --seeds: item 2 of '1,,2' is "
         "empty"),
        (['--policies', 'bytes,nope'],
         "policy 'nope' is not one the scenario names"),
        (['--modes', 'fair_share'], "unknown IPC mode 'fair_share'"),
        (['--shard', '0/3'], "memsim sweep: --shard: '0/3' is not I/N"),
        (['--shard', '4/3'], "memsim sweep: --shard: '4/3' is not I/N"),
        (['--shard', '1-3'], "memsim sweep: --shard: '1-3' is not I/N"),
        (['--jobs', '0'], 'memsim sweep: --jobs: 0 is not 1 to 1024'),
        (['--resume'], 'memsim sweep: --resume needs --out FILE'),
        (['--seeds', '1..20000000'], 'memsim sweep: --seeds: more than '
         '10000000 seeds'),
    ]
    for args, msg in bad:
        p = memsim('sweep', SCN, *args, status=2)
        err = p.stderr.decode()
        check(msg in err, 'sweep %s: stderr %r lacks %r' % (args, err, msg))
        check(p.stdout == b'', 'sweep %s wrote records' % args)
    # the key is named when the loader refuses the value
    p = memsim('sweep', SCN, '--set', 'sim.max_threads=1', status=2)
    check(p.stderr.decode().endswith('  note: with --set sim.max_threads=1\n'),
          'note: %r' % p.stderr)


# ---- shards, jobs, order --------------------------------------------------

def sweep_args(*extra):
    return ['sweep', SCN, '--seeds', '1..61', '--no-host', '--no-baseline'] \
        + list(extra)


def test_shards():
    full = memsim(*sweep_args('-j', '2')).stdout
    full_recs = records(full)
    check(len(full_recs) == 61 * 5, 'full sweep: %d records' % len(full_recs))
    for n in [1, 2, 3, 7]:
        parts = []
        for i in range(1, n + 1):
            parts.append(memsim(*sweep_args('--shard', '%d/%d' % (i, n),
                                            '-j', '2')).stdout)
        sizes = [len(records(p)) for p in parts]
        # twister's cut: the first size % n shards have one run more
        want = [len(full_recs) // n + (1 if i < len(full_recs) % n else 0)
                for i in range(n)]
        check(sizes == want, 'N=%d: shard sizes %s, wanted %s' %
              (n, sizes, want))
        keys = [json.dumps(r['key'], sort_keys=True) for p in parts
                for r in records(p)]
        check(len(set(keys)) == len(keys), 'N=%d: shards overlap' % n)
        check(set(keys) == {json.dumps(r['key'], sort_keys=True)
                            for r in full_recs}, 'N=%d: union != grid' % n)
        check(b''.join(parts) == full,
              'N=%d: shards in order are not the unsharded bytes' % n)
        shuffled = parts[:]
        random.Random(n).shuffle(shuffled)
        check(sorted(b''.join(shuffled).splitlines()) ==
              sorted(full.splitlines()),
              'N=%d: sorted shards differ from the sorted sweep' % n)


def test_jobs_same_bytes():
    outs = [memsim(*sweep_args('-j', str(j))).stdout for j in (1, 2, 3, 5)]
    for j, o in zip((2, 3, 5), outs[1:]):
        check(o == outs[0], '--jobs %d differs from --jobs 1' % j)
    # and across invocations, with the baseline runs
    a = memsim('sweep', SCN, '--seeds', '1..20', '--no-host', '-j', '2').stdout
    b = memsim('sweep', SCN, '--seeds', '1..20', '--no-host', '-j', '1').stdout
    check(a == b, 'two sweeps with baselines differ')
    # the seeds really make the runs differ (the example is random)
    hashes = {r['event_hash'] for r in records(a)
              if r['key']['policy'] == 'count'}
    check(len(hashes) == 20, 'count: %d distinct runs of 20 seeds' %
          len(hashes))


# ---- resume -------------------------------------------------------------

def lines_in(p):
    try:
        with open(p, 'rb') as f:
            return f.read().count(b'\n')
    except FileNotFoundError:
        return 0


def killed_sweep(out, sig, at_least):
    args = [MEMSIM] + sweep_args('--seeds', '1..600', '-j', '2', '--out',
                                 out)
    # later --seeds wins: 1..1000
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    deadline = time.time() + 300
    while lines_in(out) < at_least and p.poll() is None:
        check(time.time() < deadline, 'the sweep wrote nothing')
        time.sleep(0.005)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    return p.returncode, err.decode()


def test_resume_after_kill():
    full = memsim(*sweep_args('--seeds', '1..600', '-j', '2')).stdout
    n = len(records(full))
    # SIGKILL: no chance to clean up; a half-written last line is cut
    out = path('killed.jsonl')
    rc, _ = killed_sweep(out, signal.SIGKILL, 200)
    check(rc == -signal.SIGKILL, 'the sweep was not killed (exit %d)' % rc)
    data = read(out)
    check(b'\n' in data and len(data) < len(full), 'kill came too late')
    check(full.startswith(data[:data.rindex(b'\n') + 1]),
          'the killed sweep wrote other bytes')
    if data.endswith(b'\n'):
        # the kill fell between two records: make the half-written line
        # the kill could have left
        with open(out, 'wb') as f:
            f.write(data[:-40])
    p = memsim(*sweep_args('--seeds', '1..600', '-j', '2', '--out', out,
                           '--resume'))
    check(b'dropping a half-written last record' in p.stderr,
          'no note of the cut line: %r' % p.stderr)
    check(read(out) == full, 'resumed after SIGKILL != uninterrupted')
    # resuming a complete file runs nothing and changes nothing
    memsim(*sweep_args('--seeds', '1..600', '--out', out, '--resume'))
    check(read(out) == full, 'a second resume changed the file')
    # SIGTERM: the sweep stops its workers, keeps whole records, says so
    out = path('term.jsonl')
    rc, err = killed_sweep(out, signal.SIGTERM, 300)
    check(rc == 128 + signal.SIGTERM, 'SIGTERM: exit %d' % rc)
    check('memsim sweep: stopped by signal 15 after' in err and
          '(--resume goes on from there)' in err, 'SIGTERM note: %r' % err)
    check(read(out).endswith(b'\n'), 'SIGTERM left a half line')
    check(0 < lines_in(out) < n, 'SIGTERM: %d lines' % lines_in(out))
    memsim(*sweep_args('--seeds', '1..600', '-j', '1', '--out', out,
                       '--resume'))
    check(read(out) == full, 'resumed after SIGTERM != uninterrupted')


def test_resume_refuses_other_sweeps():
    out = path('other.jsonl')
    with open(out, 'wb') as f:
        f.write(memsim(*sweep_args('--seeds', '1..5')).stdout)
    # another grid: the index is there, its key is another run's
    p = memsim(*sweep_args('--seeds', '1..5', '--policies', 'bytes',
                           '--out', out, '--resume'), status=2)
    check(b"the record's key is not grid index 0's: the file is from "
          b"another sweep" in p.stderr, p.stderr)
    # a record of another shard
    p = memsim(*sweep_args('--seeds', '1..5', '--shard', '2/2', '--out', out,
                           '--resume'), status=2)
    check(b"grid index 0 is not in this sweep's shard" in p.stderr, p.stderr)
    # a record twice
    data = read(out)
    with open(out, 'wb') as f:
        f.write(data + data.splitlines(True)[0])
    p = memsim(*sweep_args('--seeds', '1..5', '--out', out, '--resume'),
               status=2)
    check(b'grid index 0 is there twice' in p.stderr, p.stderr)
    # garbage in the middle
    with open(out, 'wb') as f:
        f.write(b'{"schema": 3}\n' + data)
    p = memsim(*sweep_args('--seeds', '1..5', '--out', out, '--resume'),
               status=2)
    check(p.stderr.startswith(out.encode() + b':1: not a memsim sweep '
                              b'record'), p.stderr)


def test_worker_death():
    # a worker killed from outside (a host crash): its run gets an error
    # record, another worker takes its place, the sweep exits 3
    out = path('death.jsonl')
    args = [MEMSIM] + sweep_args('--seeds', '1..2000', '-j', '2', '--out',
                                 out)
    p = subprocess.Popen(args, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    child = None
    while child is None and time.time() < deadline:
        try:
            with open('/proc/%d/task/%d/children' % (p.pid, p.pid)) as f:
                kids = f.read().split()
        except FileNotFoundError:
            kids = []
        if kids and lines_in(out) > 50:
            child = int(kids[0])
        time.sleep(0.002)
    check(child is not None, 'no worker seen')
    os.kill(child, signal.SIGKILL)
    _, err = p.communicate(timeout=300)
    recs = records(read(out))
    errors = [r for r in recs if 'error' in r]
    if not errors:
        # the worker was idle when it died (between two runs): no run lost
        check(p.returncode == 0, 'exit %d without an error record' %
              p.returncode)
    else:
        check(p.returncode == 3, 'exit %d, wanted 3' % p.returncode)
        check(len(errors) == 1 and errors[0]['error'] ==
              'the worker process died of signal 9 (Killed)', errors)
        check(b'1 of 10000 runs failed' in err, err)
    check([r['index'] for r in recs] == list(range(10000)),
          'records missing or out of order after a worker died')


# ---- the progress line ----------------------------------------------------

def test_progress_line():
    p = memsim(*sweep_args())
    check(p.stderr == b'', 'stderr not a terminal, yet: %r' % p.stderr)
    # on a terminal: "memsim sweep: N of M runs, F failed, m:ss left",
    # erased at the end
    pid, fd = pty.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.execv(MEMSIM, [MEMSIM] + sweep_args('--seeds', '1..800', '-j',
                                               '1'))
    buf = b''
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    _, status = os.waitpid(pid, 0)
    check(os.WEXITSTATUS(status) == 0, 'exit %d' % os.WEXITSTATUS(status))
    text = buf.decode()
    check('memsim sweep: ' in text and ' of 4000 runs, ' in text and
          ' failed, ' in text and ' left' in text, 'progress: %r' %
          text[:300])
    check(text.endswith('\r\033[K'), 'the line is not erased: %r' %
          text[-80:])


# ---- sweep-report ---------------------------------------------------------

def test_report_merge():
    full = memsim(*sweep_args()).stdout
    parts = []
    for i in range(1, 4):
        p = path('part%d.jsonl' % i)
        memsim(*sweep_args('--shard', '%d/3' % i, '--out', p))
        parts.append(p)
    fp = path('full.jsonl')
    with open(fp, 'wb') as f:
        f.write(full)
    merged = path('merged.jsonl')
    memsim('sweep-report', parts[2], parts[0], parts[1], '--merged', merged,
           '-q')
    check(read(merged) == full, 'merged shards != the unsharded sweep')
    for fmt in (['--json', '-'], []):
        a = memsim('sweep-report', fp, *fmt).stdout
        b = memsim('sweep-report', parts[1], parts[2], parts[0], *fmt).stdout
        a = a.replace(b'from 1 file', b'from 3 files')
        check(a == b, 'report of the shards != report of the sweep (%s)' %
              fmt)
    # a run twice is an error, named
    p = memsim('sweep-report', parts[0], parts[1], parts[0], status=2)
    check(b'is also ' + parts[0].encode() + b':1 (a shard or a file given '
          b'twice?)' in p.stderr, p.stderr)
    # records of another grid under the same index
    other = path('other.jsonl')
    with open(other, 'wb') as f:
        f.write(memsim(*sweep_args('--policies', 'bytes')).stdout)
    p = memsim('sweep-report', parts[0], other, status=2)
    check(b'the files are of different sweeps' in p.stderr, p.stderr)
    # a half-written last line
    half = path('half.jsonl')
    with open(half, 'wb') as f:
        f.write(full[:-30])
    p = memsim('sweep-report', half, status=2)
    check(b'a half-written last record' in p.stderr, p.stderr)


def approx(a, b, what):
    check(abs(a - b) <= 1e-12 * max(1.0, abs(b)),
          '%s: %r, wanted %r' % (what, a, b))


def wilson(k, n):
    z = 1.959963984540054
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, c - h), min(1.0, c + h)


def test_report_statistics():
    # tests/sweep/known.jsonl: policy p1, x = 1, 2, 10, 3, 4 and y = 0.5,
    # null, 0.25, 1, 0.75; policy p2, x = 8, 2, 6, 4 and y = 1 four times
    rep = json.loads(memsim('sweep-report', KNOWN, '--json', '-').stdout)
    check(rep['schema'] == 'memsim-sweep-report/1' and rep['runs'] == 9,
          'header')
    g1, g2 = rep['groups']
    check((g1['policy'], g2['policy']) == ('p1', 'p2'), 'group order')
    check(g1['set'] == {'kernel.heap_size': '8KiB'} and g1['mode'] is None,
          'group key')
    x = g1['metrics']['x']
    check((x['n'], x['min'], x['median'], x['mean'], x['max']) ==
          (5, 1, 3, 4, 10), 'p1 x: %s' % x)
    approx(x['sd'], math.sqrt(12.5), 'p1 x sd')
    # Student t, 4 degrees of freedom: t(0.975) = 2.776445105197799
    half = 2.776445105197799 * math.sqrt(12.5) / math.sqrt(5)
    approx(x['ci95'][0], 4 - half, 'p1 x ci low')
    approx(x['ci95'][1], 4 + half, 'p1 x ci high')
    y = g1['metrics']['y']
    check((y['n'], y['min'], y['median'], y['mean'], y['max']) ==
          (4, 0.25, 0.625, 0.625, 1), 'p1 y (a null left out): %s' % y)
    sd = math.sqrt((0.375 ** 2 * 2 + 0.125 ** 2 * 2) / 3)
    approx(y['sd'], sd, 'p1 y sd')
    # 3 degrees of freedom: t(0.975) = 3.182446305284263
    approx(y['ci95'][1], 0.625 + 3.182446305284263 * sd / 2, 'p1 y ci')
    x2 = g2['metrics']['x']
    check((x2['n'], x2['median'], x2['mean']) == (4, 5, 5),
          'even count: median of the middle two: %s' % x2)
    y2 = g2['metrics']['y']
    check((y2['sd'], y2['ci95']) == (0, [1, 1]), 'constant: %s' % y2)
    v = g1['verdicts']
    check(list(v) == ['victim-starved', 'protects'], 'verdict order %s' %
          list(v))
    check(v['protects']['runs'] == 3 and v['victim-starved']['runs'] == 2,
          'verdict counts')
    approx(v['protects']['share'], 0.6, 'share')
    for (got, want) in zip(v['protects']['ci95'], wilson(3, 5)):
        approx(got, want, 'Wilson 3 of 5')
    e = g1['expectations'][0]
    check((e['text'], e['line'], e['of'], e['held']['runs']) ==
          ('x < 5', 7, 5, 4), 'expectation: %s' % e)
    for (got, want) in zip(e['held']['ci95'], wilson(4, 5)):
        approx(got, want, 'Wilson 4 of 5')
    check(g1['all_held']['runs'] == 3 and g2['all_held']['runs'] == 2,
          'all held')
    # the text report, exact lines
    text = memsim('sweep-report', KNOWN).stdout.decode().splitlines()
    for line in [
        'memsim sweep-report: scenario known <&> input, 9 runs in 2 groups,'
        ' from 1 file',
        'policy p1, kernel.heap_size=8KiB: 5 runs',
        '  x            5            1            3            4           '
        '10      3.53553  [-0.389945, 8.38995]',
        '  verdicts  victim-starved 40.0% (2), protects 60.0% (3)',
        '    x < 5 (line 7): 4 of 5, 80.0% [37.6%, 96.4%]',
        '  every expectation held: 3 of 5, 60.0% [23.1%, 88.2%]',
        '  x            4            2            5            5            '
        '8      2.58199  [0.891479, 9.10852]',
    ]:
        check(line in text, 'text lacks %r' % line)


def test_report_gates():
    ok = memsim('sweep-report', KNOWN, '--require', 'p2:y>=1',
                '--require', 'p1:x<5@0.8')
    text = ok.stdout.decode()
    check('  PASS  policy p1, kernel.heap_size=8KiB: x < 5 in 4 of 5 runs '
          '(80.0%, needs 80.0%)' in text, text)
    # a run without the value does not hold: y is null in one run of p1
    p = memsim('sweep-report', KNOWN, '--require', 'p1:y>0', status=1)
    check(b'memsim sweep-report: gate p1:y>0 failed for policy p1, '
          b'kernel.heap_size=8KiB: 4 of 5 runs' in p.stderr, p.stderr)
    check(b'  FAIL  policy p1' in p.stdout, p.stdout)
    memsim('sweep-report', KNOWN, '--require', 'p1:y>0@0.8')
    memsim('sweep-report', KNOWN, '--require', '*:x>=2@0.75')
    memsim('sweep-report', KNOWN, '--require', '*:x>=2@0.85', status=1)
    memsim('sweep-report', KNOWN, '--require', 'p2:x!=3', '-q')
    p = memsim('sweep-report', KNOWN, '--require', 'p1:x==4@0.3', '--json',
               '-', status=1)
    gates = json.loads(p.stdout)['gates']
    check(len(gates) == 1 and gates[0]['held']['runs'] == 1 and
          gates[0]['pass'] is False, gates)
    for spec, msg in [('p3:x>1', "no run is of policy 'p3'"),
                      ('p1:z>1', "have no metric 'z'"),
                      ('p1x>1', 'is not POLICY:METRIC>=X@SHARE'),
                      ('p1:x>1@2', 'is not POLICY:METRIC>=X@SHARE'),
                      ('p1:x>', 'is not POLICY:METRIC>=X@SHARE')]:
        p = memsim('sweep-report', KNOWN, '--require', spec, status=2)
        check(msg.encode() in p.stderr, '%s: %r' % (spec, p.stderr))
    # on a real sweep
    out = path('runs.jsonl')
    with open(out, 'wb') as f:
        f.write(memsim('sweep', SCN, '--seeds', '1..40', '--no-host').stdout)
    memsim('sweep-report', out, '-q', '--require',
           'process:victim_success>=1', '--require',
           'bytes:collateral_denials==0')
    memsim('sweep-report', out, '-q', '--require',
           'count:victim_success>=1@0.99', status=1)


def test_report_svg():
    svg = memsim('sweep-report', KNOWN, '--svg', '-', '--svg-metric',
                 'x').stdout
    root = ET.fromstring(svg)      # well-formed, escaped
    texts = [t.text for t in root.iter('{http://www.w3.org/2000/svg}text')]
    check('known <&> input: x of every run, per group' in texts,
          'title: %s' % texts[:3])
    check(b'known &lt;&amp;&gt; input' in svg, 'not escaped')
    # round ticks: 0 to 10 by 2
    ticks = [t for t in texts if t and t.replace('.', '').isdigit()]
    check(ticks == ['0', '2', '4', '6', '8', '10'], 'ticks %s' % ticks)
    check('p1' in texts and 'p2' in texts and 'n = 5' in texts and
          'n = 4' in texts, 'group labels: %s' % texts)
    svg = memsim('sweep-report', KNOWN, '--svg', '-', '--svg-metric',
                 'y').stdout
    texts = [t.text for t in ET.fromstring(svg).iter(
        '{http://www.w3.org/2000/svg}text')]
    ticks = [t for t in texts if t and t.replace('.', '').isdigit()]
    check(ticks == ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'],
          'ticks %s' % ticks)
    p = memsim('sweep-report', KNOWN, '--svg', '-', status=2)
    check(b"--svg-metric: no run has metric 'victim_success'" in p.stderr,
          p.stderr)
    p = memsim('sweep-report', KNOWN, '--svg', '-', '--json', '-', status=2)
    check(b'only one output can go to standard output' in p.stderr, p.stderr)


globals()['test_' + TEST.replace('-', '_')]()
