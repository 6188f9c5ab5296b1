import { execFile } from 'node:child_process';

/** Where podman keeps containers and images, when not its system default. */
export interface PodmanStorage {
  /** Images and container metadata (`--root`). */
  root: string;
  /** Run-time state (`--runroot`); belongs on a tmpfs such as /run. */
  runRoot: string;
  /** Libpod's temporary files (`--tmpdir`). */
  tmpDir: string;
}

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every podman process the driver starts: podman finds
 * runc and conmon on this PATH, and nothing of the server's own environment
 * reaches it (or, through it, a container).
 */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs the podman command line with the driver's storage options. */
export class PodmanCli {
  /** Options that go before every podman subcommand. */
  readonly globalArgs: readonly string[];

  constructor(
    readonly binary = 'podman',
    storage?: PodmanStorage,
  ) {
    this.globalArgs = storage
      ? ['--root', storage.root, '--runroot', storage.runRoot, '--tmpdir', storage.tmpDir]
      : [];
  }

  /**
   * Runs podman; never rejects for a non-zero exit (see `code`). `cwd` is
   * podman's working directory, and that of the conmon it leaves running for
   * a container (conmon writes its `oom` marker there when the container's
   * memory limit kills a process): `podman run` gets the sandbox's state dir,
   * never the server's own working directory.
   */
  exec(args: string[], options: { cwd?: string } = {}): Promise<PodmanResult> {
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        [...this.globalArgs, ...args],
        { env: { PATH: HOST_PATH }, maxBuffer: 16 * 1024 * 1024, cwd: options.cwd ?? '/' },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') return reject(error); // podman itself could not run
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Runs podman and returns its output; rejects with podman's message when it fails. */
  async run(args: string[], options: { cwd?: string } = {}): Promise<string> {
    const result = await this.exec(args, options);
    if (result.code !== 0) {
      const message = result.stderr.trim().replace(/^Error: /, '') || `exit code ${result.code}`;
      throw new Error(`podman ${args[0] ?? ''} failed: ${message}`);
    }
    return result.stdout;
  }
}
