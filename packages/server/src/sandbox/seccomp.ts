/**
 * A seccomp filter every command in a sandbox runs under:
 * - ioctl(TIOCSTI) and ioctl(TIOCLINUX) fail with EPERM. TIOCSTI pushes bytes into a
 * terminal's input, as if typed: a process could make the shell of the
 * terminal it runs in execute commands after it exits. Linux 6.2+ can turn
 * it off for the whole machine (sysctl dev.tty.legacy_tiocsti=0, the default
 * of some distributions only); the filter does not depend on it.
 * - clone and unshare with CLONE_NEWUSER fail with EPERM, clone3 with ENOSYS
 * (its flags are out of the filter's reach; libc then falls back to clone):
 * in a user namespace of its own a process holds every capability, so it
 * could mount, and reach the kernel's namespaced code as attack surface.
 *
 * No C: the program is classic BPF built here, and loaded by a few lines of
 * Perl (perl-base is part of every Debian-like system) with
 * prctl(PR_SET_SECCOMP), which an unprivileged process may do under
 * no_new_privs; the filter then holds for everything the command starts.
 */

/** System call numbers of one ABI. */
interface Abi {
  /** AUDIT_ARCH_* */
  audit: number;
  ioctl: number;
  clone: number;
  unshare: number;
}

interface Arch {
  /** The native ABI, and the 32-bit one the same CPU runs. */
  native: Abi;
  compat: Abi;
  prctl: number;
  /** x86-64: syscall numbers with this bit are the x32 ABI, refused altogether. */
  x32Bit?: number;
}

const ARCHES: Partial<Record<string, Arch>> = {
  x64: {
    native: { audit: 0xc000003e, ioctl: 16, clone: 56, unshare: 272 },
    compat: { audit: 0x40000003, ioctl: 54, clone: 120, unshare: 310 },
    prctl: 157,
    x32Bit: 0x40000000,
  },
  arm64: {
    native: { audit: 0xc00000b7, ioctl: 29, clone: 220, unshare: 97 },
    compat: { audit: 0x40000028, ioctl: 54, clone: 120, unshare: 337 },
    prctl: 167,
  },
};

const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const CLONE_NEWUSER = 0x10000000;
/** The same number in every ABI. */
const CLONE3 = 435;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
/** Offsets in struct seccomp_data: nr, arch, then args[] after the instruction pointer; little-endian low halves. */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;
const ARG1_LOW = 24;

type Insn =
  | { label: string }
  | { ld: number }
  | { jeq: number; then: string; else: string }
  | { jge: number; then: string; else: string }
  | { jset: number; then: string; else: string }
  | { ret: number };

/** The filter's instructions for one architecture. */
function program(arch: Arch): Insn[] {
  const calls = (abi: Abi, name: string): Insn[] => [
    { label: name },
    { ld: NR },
    { jeq: abi.ioctl, then: 'ioctl', else: `${name}-1` },
    { label: `${name}-1` },
    { jeq: abi.clone, then: 'flags', else: `${name}-2` },
    { label: `${name}-2` },
    { jeq: abi.unshare, then: 'flags', else: `${name}-3` },
    { label: `${name}-3` },
    { jeq: CLONE3, then: 'enosys', else: 'allow' },
  ];
  return [
    { ld: ARCH },
    { jeq: arch.native.audit, then: 'native', else: 'not-native' },
    { label: 'not-native' },
    { jeq: arch.compat.audit, then: 'compat', else: 'allow' },
    // x86-64: numbers with the x32 bit are the x32 ABI, refused altogether.
    ...(arch.x32Bit
      ? [{ label: 'native' }, { ld: NR }, { jge: arch.x32Bit, then: 'enosys', else: 'native-abi' }]
      : []),
    ...calls(arch.native, arch.x32Bit ? 'native-abi' : 'native'),
    ...calls(arch.compat, 'compat'),
    { label: 'ioctl' },
    // The kernel takes the request as an unsigned int: only the low 32 bits count.
    { ld: ARG1_LOW },
    { jeq: TIOCSTI, then: 'eperm', else: 'not-sti' },
    { label: 'not-sti' },
    { jeq: TIOCLINUX, then: 'eperm', else: 'allow' },
    { label: 'flags' },
    { ld: ARG0_LOW },
    { jset: CLONE_NEWUSER, then: 'eperm', else: 'allow' },
    { label: 'allow' },
    { ret: RET_ALLOW },
    { label: 'eperm' },
    { ret: RET_ERRNO | EPERM },
    { label: 'enosys' },
    { ret: RET_ERRNO | ENOSYS },
  ];
}

/** Assembles to struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, little-endian. */
export function assemble(insns: Insn[]): Buffer {
  const code = insns.filter((i) => !('label' in i));
  const at = new Map<string, number>();
  let n = 0;
  for (const insn of insns) {
    if ('label' in insn) at.set(insn.label, n);
    else n++;
  }
  const out = Buffer.alloc(code.length * 8);
  code.forEach((insn, i) => {
    const jump = (label: string) => {
      const offset = at.get(label)! - (i + 1);
      if (!(offset >= 0 && offset < 256)) throw new Error(`seccomp: bad jump to ${label}`);
      return offset;
    };
    let [op, jt, jf, k] = [0, 0, 0, 0];
    if ('ld' in insn)
      [op, k] = [0x20, insn.ld]; // BPF_LD | BPF_W | BPF_ABS
    else if ('jeq' in insn) [op, jt, jf, k] = [0x15, jump(insn.then), jump(insn.else), insn.jeq];
    else if ('jge' in insn) [op, jt, jf, k] = [0x35, jump(insn.then), jump(insn.else), insn.jge];
    else if ('jset' in insn) [op, jt, jf, k] = [0x45, jump(insn.then), jump(insn.else), insn.jset];
    else if ('ret' in insn) [op, k] = [0x06, insn.ret];
    out.writeUInt16LE(op, i * 8);
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(jf, i * 8 + 3);
    out.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return out;
}

/** Perl: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &(struct sock_fprog){len, filter}), then exec the rest. */
const LOADER = `my $f = pack("H*", shift);
my $prog = pack("S x![P] P", length($f) / 8, $f);
syscall(PRCTL, 22, 2, $prog) == 0 or die "hangar-seccomp: $!\\n";
exec { $ARGV[0] } @ARGV or die "hangar-seccomp: $ARGV[0]: $!\\n";`;

/**
 * The words to put before a command inside the sandbox (after no_new_privs
 * is set) so that it runs under the filter; empty on an architecture the
 * filter does not know.
 */
export function seccompPrefix(perl = '/usr/bin/perl', arch = process.arch): string[] {
  const filter = seccompFilter(arch);
  if (!filter) return [];
  return [perl, '-e', LOADER.replace('PRCTL', String(filter.prctl)), filter.hex];
}

/** The filter as hex of struct sock_filter[], and the prctl syscall number that loads it; undefined on an unknown architecture. */
export function seccompFilter(arch = process.arch): { hex: string; prctl: number } | undefined {
  const known = ARCHES[arch];
  if (!known) return undefined;
  return { hex: assemble(program(known)).toString('hex'), prctl: known.prctl };
}
