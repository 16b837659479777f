#!/bin/sh
# slurm.sh: a Slurm job array of 3 shards (sbatch --array=1-3 --wait) on a
# single-node slurmctld+slurmd started here with a temporary config gives
# the tree of one run; skipped, with the reason, where Slurm cannot start.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/batch/common.sh"
for t in slurmctld slurmd sbatch munged mungekey; do
    command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
        skip_all "$t is not installed (Debian packages slurm-wlm and munge)"
done
PATH="$PATH:/usr/sbin"
S="$TMP/slurm"
mkdir -p "$S/state" "$S/spool" "$S/log"
stop_slurm() {
    pids=
    for p in slurmd slurmctld munged; do
        [ -s "$S/$p.pid" ] && pids="$pids $(cat "$S/$p.pid")"
    done
    for p in $pids; do kill "$p" 2>/dev/null; done
    i=0
    for p in $pids; do
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    done
    rm -rf "$TMP"
}
trap stop_slurm EXIT
mungekey -c -f -k "$S/munge.key" >/dev/null 2>&1 && chmod 600 "$S/munge.key" ||
    skip_all "mungekey cannot make a key"
munged -f --socket="$S/munge.sock" --key-file="$S/munge.key" --pid-file="$S/munged.pid" \
    --log-file="$S/munged.log" --seed-file="$S/munge.seed" >"$S/log/munged.out" 2>&1 ||
    skip_all "munged cannot start: $(tail -1 "$S/log/munged.out")"
host=$(hostname -s)
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
user=$(id -un)
cat >"$S/slurm.conf" <<CONF
ClusterName=vo
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge.sock
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=vo Nodes=$host Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF="$S/slurm.conf"
slurmctld -c >"$S/log/ctld.out" 2>&1 ||
    skip_all "slurmctld cannot start: $(tail -1 "$S/log/ctld.out")"
slurmd -c >"$S/log/d.out" 2>&1 ||
    skip_all "slurmd cannot start: $(tail -1 "$S/log/d.out")"
i=0
until sinfo -h -o %t 2>/dev/null | grep -q idle; do
    i=$((i + 1))
    [ $i -le 20 ] || skip_all "the Slurm node did not come up in 10 s: $(tail -1 "$S/log/slurmctld.log" 2>/dev/null)"
    sleep 0.5
done
ok 0 "slurm 1.1: single-node slurmctld and slurmd started"

mkdir -p "$TMP/in"
for f in "$SAMPLES"/*.pdf "$SAMPLES/hello.png"; do cp "$f" "$TMP/in/"; done
for i in 1 2 3 4 5 6; do cp "$SAMPLES/four-pages.pdf" "$TMP/in/copy-$i.pdf"; done
ARGS="--text-layer only -j 1 -f txt,alto,hocr"
"$VO" -q $ARGS -O "$TMP/one" "$TMP/in"
rc=$?
ok $rc "slurm 1.2: one run exits 0 (rc=$rc)"
cat >"$TMP/job.sh" <<JOB
#!/bin/sh
exec "$VO" -q $ARGS -O "$TMP/arr" --shard \$SLURM_ARRAY_TASK_ID/3 --report "$TMP/r\$SLURM_ARRAY_TASK_ID.json" "$TMP/in"
JOB
timeout 120 sbatch --array=1-3 --wait -o "$S/log/job-%a.out" "$TMP/job.sh" >"$TMP/sbatch.out" 2>&1
rc=$?
ok $rc "slurm 1.3: sbatch --array=1-3 --wait completes (rc=$rc)$( [ $rc -eq 0 ] || tail -1 "$TMP/sbatch.out")"
[ -s "$TMP/r1.json" ] && [ -s "$TMP/r2.json" ] && [ -s "$TMP/r3.json" ]
ok $? "slurm 1.4: each array task wrote its own report"
same_tree "$TMP/one" "$TMP/arr"
ok $? "slurm 1.5: the job array's tree is byte-identical to one run"
done_testing
