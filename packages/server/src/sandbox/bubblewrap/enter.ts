import { seccompFilter } from '../seccomp.js';
import { NS_FILES, type JoinableNamespace } from './proc.js';

/**
 * The one environment variable the host side of a join carries: the
 * command's environment, `NAME=hex(value)` lines, which the last step
 * (unprivileged and inside) makes the whole environment. The host programs
 * of the chain (run as root or as the sandbox's uid on the host) thus never
 * see variables such as LD_PRELOAD from a spec, and the values stay out of
 * command lines (`ps`).
 */
export const ENV_VARIABLE = 'HANGAR_SANDBOX_ENV';

/**
 * How a command enters a running sandbox: one host Perl process (perl-base,
 * loaded from the host's file system) joins the sandbox's namespaces and
 * root directory, and drops every privilege it holds there before it
 * executes anything from the sandbox's tree. Joining a user namespace grants
 * every capability in it, with a full bounding set; until they are gone, the
 * process must not run a program whose loader or libraries the sandbox could
 * have chosen (a `/lib64` it swapped, say), so no nsenter-then-setpriv chain.
 *
 * In order: close every descriptor above 2 (whatever the server inherited is
 * not the sandbox's); as root on the host (`host`), enter the sandbox's
 * cgroups and become its uid and gid without supplementary groups (what
 * `setpriv --reuid --regid --clear-groups` did, one process earlier, ~4 ms of
 * every command); open the namespaces and the root; join (user first: it
 * grants what the others need); chroot; fork (the pid namespace applies to
 * children); in the child: empty the bounding set, clear the supplementary
 * groups (unless done on the host) and set the ids (when asked), clear
 * every capability, set no_new_privs; then what a shell did one process
 * later: the sandbox's rlimits, the working directory, the environment
 * (ENV_VARIABLE's, nothing else); load the seccomp filter (seccomp.ts),
 * exec (on the sandbox's PATH; 127 when not found, as a shell). The parent
 * waits and ends as its child did.
 */
const SCRIPT = `my ($pid, $uid, $gid, $ids, $nslist, $filter, $host, $procs, $limits, $cwd, @cmd) = @ARGV;
sub fail { print STDERR "hangar-enter: $_[0]: $!\\n"; exit 125 }
my $env = $ENV{${ENV_VARIABLE}} // '';
%ENV = ();
opendir(my $fds, '/proc/self/fd') or fail('/proc/self/fd');
my @fds = grep { /^\\d+$/ && $_ > 2 } readdir($fds);
closedir($fds);
syscall(CLOSE, $_ + 0) for @fds;
if ($host) {
  for my $file (grep { $_ ne '' } split(/\\n/, $procs)) {
    my $f;
    open($f, '>', $file) && print($f "$$\\n") && close($f) or fail($file);
  }
  syscall(SETGROUPS, 0, 0) == 0 or fail('setgroups on the host');
  syscall(SETRESGID, $gid + 0, $gid + 0, $gid + 0) == 0 or fail('setresgid on the host');
  syscall(SETRESUID, $uid + 0, $uid + 0, $uid + 0) == 0 or fail('setresuid on the host');
}
open(my $last, '<', '/proc/sys/kernel/cap_last_cap') or fail('cap_last_cap');
my $lastcap = <$last> + 0;
close($last);
my @ns = map { open(my $h, '<', "/proc/$pid/ns/$_") or fail("namespace $_"); [$_, $h] } split(/,/, $nslist);
opendir(my $root, "/proc/$pid/root") or fail('root');
if (@ns && $ns[0][0] eq 'user') {
  # A user namespace inside another (root mode: bwrap's --disable-userns) owns none of the others: join its
  # parent first, which owns them, then the others, then the sandbox's own.
  my $parent = syscall(IOCTL, fileno($ns[0][1]), 0xb702, 0);
  $parent >= 0 or fail('parent user namespace');
  open(my $p, '<&=', $parent) or fail('parent user namespace');
  my @theirs = stat($p);
  my @ours = stat('/proc/self/ns/user') or fail('own user namespace');
  @ns = (['user parent', $p], @ns[1 .. $#ns], $ns[0]) if "$theirs[0]:$theirs[1]" ne "$ours[0]:$ours[1]";
}
for my $n (@ns) { syscall(SETNS, fileno($n->[1]), 0) == 0 or fail("setns $n->[0]") }
close($_->[1]) for @ns;
chdir($root) && chroot('.') && chdir('/') or fail('chroot');
closedir($root);
my $child = fork() // fail('fork');
if ($child) {
  waitpid($child, 0);
  if ($? & 127) { $SIG{$_} = 'DEFAULT' for keys %SIG; kill($? & 127, $$); exit(128 + ($? & 127)) }
  exit($? >> 8);
}
for my $cap (0 .. $lastcap) { syscall(PRCTL, 24, $cap, 0, 0, 0) == 0 or fail("drop capability $cap") }
if ($ids) {
  # From the host, the groups are gone already (and bwrap's namespaces deny setgroups).
  $host or syscall(SETGROUPS, 0, 0) == 0 or fail('setgroups');
  syscall(SETRESGID, $gid + 0, $gid + 0, $gid + 0) == 0 or fail('setresgid');
  syscall(SETRESUID, $uid + 0, $uid + 0, $uid + 0) == 0 or fail('setresuid');
}
my ($header, $data) = (pack('LL', 0x20080522, 0), pack('x24'));
syscall(CAPSET, $header, $data) == 0 or fail('capset');
syscall(PRCTL, 38, 1, 0, 0, 0) == 0 or fail('no_new_privs');
for (grep { $_ ne '' } split(/,/, $limits)) {
  my ($resource, $value) = split(/=/);
  syscall(SETRLIMIT, $resource + 0, pack('QQ', $value, $value)) == 0 or fail("rlimit $resource");
}
chdir($cwd) or do { print STDERR "hangar-exec: cannot cd to $cwd: $!\\n"; exit 126 };
$ENV{PWD} = $cwd;
for (grep { $_ ne '' } split(/\\n/, $env)) {
  my ($name, $value) = split(/=/, $_, 2);
  $ENV{$name} = pack('H*', $value);
}
if ($filter ne '') {
  my $f = pack('H*', $filter);
  my $prog = pack('S x![P] P', length($f) / 8, $f);
  syscall(PRCTL, 22, 2, $prog) == 0 or fail('seccomp');
}
exec { $cmd[0] } @cmd;
print STDERR "hangar-exec: $cmd[0]: $!\\n";
exit($!{ENOENT} ? 127 : 126);`;

/** System call numbers the script uses, per CPU (Node's process.arch). */
const SYSCALLS: Partial<
  Record<
    string,
    Record<
      | 'CLOSE'
      | 'SETNS'
      | 'SETGROUPS'
      | 'SETRESUID'
      | 'SETRESGID'
      | 'CAPSET'
      | 'PRCTL'
      | 'IOCTL'
      | 'SETRLIMIT',
      number
    >
  >
> = {
  x64: {
    CLOSE: 3,
    SETNS: 308,
    SETGROUPS: 116,
    SETRESUID: 117,
    SETRESGID: 119,
    CAPSET: 126,
    PRCTL: 157,
    IOCTL: 16,
    SETRLIMIT: 160,
  },
  arm64: {
    CLOSE: 57,
    SETNS: 268,
    SETGROUPS: 159,
    SETRESUID: 147,
    SETRESGID: 149,
    CAPSET: 91,
    PRCTL: 167,
    IOCTL: 29,
    SETRLIMIT: 164,
  },
};

export interface EnterTarget {
  /** A process of the sandbox (its init): its namespaces and root are joined. */
  pid: number;
  namespaces: readonly JoinableNamespace[];
  /** The sandbox user's ids inside; set only when `setIds` (else the joining process already has them). */
  uid: number;
  gid: number;
  setIds: boolean;
  /**
   * Run as root on the host (mode `root`): first enter these cgroup.procs
   * files and become uid:gid on the host too, before joining anything.
   */
  host?: { cgroupProcs: readonly string[] };
  /** Resource limits (RLIMIT_* numbers and values in their units) set on the command, soft and hard. */
  limits: readonly (readonly [resource: number, value: number])[];
  /** The command's working directory inside; also its environment, in ENV_VARIABLE (see sandboxEnvText). */
  cwd: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The value of ENV_VARIABLE for this environment. */
export function sandboxEnvText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
      if (value.includes('\0')) throw new Error(`environment variable ${name} holds a NUL byte`);
      return `${name}=${Buffer.from(value, 'utf8').toString('hex')}`;
    })
    .join('\n');
}

/** The host command line (perl first) that runs `command` inside the sandbox, unprivileged. */
export function enterArgs(perl: string, target: EnterTarget, command: readonly string[]): string[] {
  const numbers = SYSCALLS[process.arch];
  if (!numbers) throw new Error(`joining a bubblewrap sandbox is not supported on ${process.arch}`);
  const script = SCRIPT.replace(
    /\b(CLOSE|SETNS|SETGROUPS|SETRESUID|SETRESGID|CAPSET|PRCTL|IOCTL|SETRLIMIT)\b/g,
    (name) => String(numbers[name as keyof typeof numbers]),
  );
  for (const file of target.host?.cgroupProcs ?? [])
    if (file.includes('\n')) throw new Error(`cgroup file ${JSON.stringify(file)} holds a newline`);
  // User first: joining it grants the capabilities the other joins need.
  const ordered = [...target.namespaces].sort((a, b) => Number(b === 'user') - Number(a === 'user'));
  return [
    perl,
    '-e',
    script,
    String(target.pid),
    String(target.uid),
    String(target.gid),
    target.setIds ? '1' : '0',
    ordered.map((ns) => NS_FILES[ns]).join(','),
    seccompFilter()?.hex ?? '',
    target.host ? '1' : '0',
    (target.host?.cgroupProcs ?? []).join('\n'),
    target.limits.map(([resource, value]) => `${resource}=${value}`).join(','),
    target.cwd,
    ...command,
  ];
}
