/**
 * As root, bwrap runs as the sandbox's unprivileged uid and could not
 * reach the workspace's directories through a data dir closed to other users.
 * So root first binds them, in a private mount namespace, onto a tmpfs
 * mounted inside the state dir, and moves that tmpfs to STAGE_DIR (/tmp),
 * which anyone may traverse (bwrap mounts its own root over /tmp next, and
 * reads its sources from beneath). The spec's extra binds are staged the same
 * way, as bind0, bind1... These mounts exist only in that namespace and end
 * with the sandbox; none appears on the host.
 *
 * One host Perl process (perl-base) does all of it with system calls, then
 * executes bwrap: it closes every descriptor above 2 but the ones handed
 * over (as descriptors.ts), unshares the mount namespace and makes it private
 * (`unshare --mount --propagation private`), mounts the tmpfs
 * (nosuid,nodev,noexec), binds each directory (`mount --bind`), moves the
 * tmpfs (`mount --move`), enters the sandbox's cgroups (writes its pid to
 * each cgroup.procs), and becomes the sandbox's uid and gid without
 * supplementary groups (`setpriv --reuid --regid --clear-groups`). Done with
 * those programs it took a shell and seven more processes per sandbox start
 * (~20 ms: a quarter of a workspace's creation).
 */
export const STAGE_DIR = '/tmp';

const SCRIPT = `my ($keep, $stage, $work, $home, $sock, $procs, $uid, $gid, $binds, @rest) = @ARGV;
sub fail { print STDERR "hangar-stage: $_[0]: $!\\n"; exit 125 }
my %keep = map { $_ => 1 } split(/,/, $keep);
opendir(my $fds, '/proc/self/fd') or fail('/proc/self/fd');
my @fds = grep { /^\\d+$/ && $_ > 2 && !$keep{$_} } readdir($fds);
closedir($fds);
syscall(CLOSE, $_ + 0) for @fds;
# syscall() passes strings as writable buffers: variables, not literals.
my ($none, $root, $name, $tmpfs, $options, $target) = ('none', '/', 'hangar-stage', 'tmpfs', 'mode=0755,size=64k', '${STAGE_DIR}');
syscall(UNSHARE, 0x20000) == 0 or fail('unshare the mount namespace');
syscall(MOUNT, $none, $root, 0, 0x44000, 0) == 0 or fail('make the mounts private');
syscall(MOUNT, $name, $stage, $tmpfs, 14, $options) == 0 or fail("mount tmpfs on $stage");
sub stage {
  my ($from, $name) = @_;
  mkdir("$stage/$name") && chmod(0755, "$stage/$name") or fail("mkdir $stage/$name");
  my $to = "$stage/$name";
  syscall(MOUNT, $from, $to, 0, 4096, 0) == 0 or fail("bind $from");
}
stage($work, 'work');
stage($home, 'home');
stage($sock, 'hangar') if $sock ne '';
stage(shift(@rest), "bind$_") for 0 .. $binds - 1;
syscall(MOUNT, $stage, $target, 0, 8192, 0) == 0 or fail("move $stage");
for my $file (grep { $_ ne '' } split(/\\n/, $procs)) {
  my $f;
  open($f, '>', $file) && print($f "$$\\n") && close($f) or fail($file);
}
syscall(SETGROUPS, 0, 0) == 0 or fail('setgroups');
syscall(SETRESGID, $gid + 0, $gid + 0, $gid + 0) == 0 or fail('setresgid');
syscall(SETRESUID, $uid + 0, $uid + 0, $uid + 0) == 0 or fail('setresuid');
exec { $rest[0] } @rest or fail($rest[0]);`;

/** System call numbers the script uses, per CPU (Node's process.arch). */
const SYSCALLS: Partial<
  Record<string, Record<'CLOSE' | 'UNSHARE' | 'MOUNT' | 'SETGROUPS' | 'SETRESUID' | 'SETRESGID', number>>
> = {
  x64: { CLOSE: 3, UNSHARE: 272, MOUNT: 165, SETGROUPS: 116, SETRESUID: 117, SETRESGID: 119 },
  arm64: { CLOSE: 57, UNSHARE: 97, MOUNT: 40, SETGROUPS: 159, SETRESUID: 147, SETRESGID: 149 },
};

export interface StagePlan {
  /** Descriptors above 2 that bwrap is handed (all others are closed). */
  keep: readonly number[];
  /** An empty directory (in the state dir) the tmpfs is first mounted on. */
  stageDir: string;
  work: string;
  home: string;
  hangarSocketDir?: string;
  binds: readonly string[];
  /** cgroup.procs files to enter. */
  cgroupProcs: readonly string[];
  uid: number;
  gid: number;
}

/** The host command line (perl first, run as root) that stages the directories and runs `command` as the sandbox's uid. */
export function stagedCommand(perl: string, plan: StagePlan, command: readonly string[]): string[] {
  const numbers = SYSCALLS[process.arch];
  if (!numbers) throw new Error(`starting a bubblewrap sandbox as root is not supported on ${process.arch}`);
  for (const file of plan.cgroupProcs)
    if (file.includes('\n')) throw new Error(`cgroup file ${JSON.stringify(file)} holds a newline`);
  const script = SCRIPT.replace(/\b(CLOSE|UNSHARE|MOUNT|SETGROUPS|SETRESUID|SETRESGID)\b/g, (name) =>
    String(numbers[name as keyof typeof numbers]),
  );
  return [
    perl,
    '-e',
    script,
    plan.keep.join(','),
    plan.stageDir,
    plan.work,
    plan.home,
    plan.hangarSocketDir ?? '',
    plan.cgroupProcs.join('\n'),
    String(plan.uid),
    String(plan.gid),
    String(plan.binds.length),
    ...plan.binds,
    ...command,
  ];
}
