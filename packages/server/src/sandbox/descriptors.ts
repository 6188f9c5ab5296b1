/**
 * Node opens its own descriptors close-on-exec, but not those the server
 * inherited (from a shell, a supervisor): every child keeps them, and a
 * process of the sandbox could use them through /proc/<pid>/fd of a process
 * of its own uid (bwrap's init, say). So the long-lived host processes the
 * drivers start (bwrap, slirp4netns) go through this first: it closes
 * every descriptor above 2 but `keep` (the ones the driver hands over on
 * purpose), then executes the command. Joining commands close theirs in
 * bubblewrap/enter.ts.
 */
const SCRIPT = `my %keep = map { $_ => 1 } split(/,/, shift);
opendir(my $fds, '/proc/self/fd') or die "hangar-fds: /proc/self/fd: $!\\n";
my @fds = grep { /^\\d+$/ && $_ > 2 && !$keep{$_} } readdir($fds);
closedir($fds);
syscall(CLOSE, $_ + 0) for @fds;
exec { $ARGV[0] } @ARGV or die "hangar-fds: $ARGV[0]: $!\\n";`;

/**
 * close(2) by its number, per CPU (Node's process.arch): loading perl's POSIX
 * module to call it took ~13 ms of every sandbox start, 5× perl's own start.
 */
const CLOSE_SYSCALL: Partial<Record<string, number>> = { x64: 3, arm64: 57 };

/** `command` preceded by the closer: descriptors above 2 other than `keep` are closed before it runs. */
export function closingDescriptors(
  perl: string,
  keep: readonly number[],
  command: readonly string[],
): string[] {
  const close = CLOSE_SYSCALL[process.arch];
  if (close === undefined) throw new Error(`closing descriptors is not supported on ${process.arch}`);
  return [perl, '-e', SCRIPT.replace('CLOSE', String(close)), keep.join(','), ...command];
}
