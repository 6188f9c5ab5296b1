import { workspaceList } from '@hangar/protocol';
import { Argument, Command } from 'commander';
import { apiClient, command } from './common.js';

interface Node {
  /** " ws ls": the words after `hangar`, each with a leading space. */
  path: string;
  subcommands: { name: string; description: string }[];
  options: string[];
  /** The first argument names a workspace. */
  takesWorkspace: boolean;
}

/** `hangar completion bash|zsh`, generated from the command tree so it never goes stale. */
export function completionCommand(root: () => Command): Command[] {
  const completion = command('completion', 'Print a shell completion script (bash or zsh)', [
    'source <(hangar completion bash)                    # this shell',
    'hangar completion bash > ~/.local/share/bash-completion/completions/hangar',
    'hangar completion zsh > "${fpath[1]}/_hangar"         # then restart zsh',
  ])
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const nodes = walk(root(), '');
      process.stdout.write(shell === 'bash' ? bashScript(nodes) : zshScript(nodes));
    });

  // For the scripts: workspace names, one a line; silent when not logged in.
  const hidden = new Command('__complete').argument('<what>').action(async (what: string) => {
    if (what !== 'workspaces') return;
    try {
      const { workspaces } = await apiClient().get('/api/workspaces', workspaceList);
      process.stdout.write(workspaces.map((w) => `${w.name}\n`).join(''));
    } catch {
      // no completion rather than an error in the middle of a command line
    }
  });
  return [completion, hidden];
}

function walk(cmd: Command, path: string): Node[] {
  const visible = cmd.commands.filter((c) => !c.name().startsWith('__'));
  const node: Node = {
    path,
    subcommands: visible.flatMap((c) =>
      [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description() })),
    ),
    options: [...cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)), '--help'],
    takesWorkspace: cmd.registeredArguments[0]?.name() === 'workspace',
  };
  if (path === '') node.options.push('--version');
  return [
    node,
    ...visible.flatMap((c) => [c.name(), ...c.aliases()].flatMap((name) => walk(c, `${path} ${name}`))),
  ];
}

const WORKSPACES = 'hangar __complete workspaces 2>/dev/null';

function bashScript(nodes: Node[]): string {
  const paths = nodes
    .filter((n) => n.path)
    .map((n) => `"${n.path}"`)
    .join('|');
  const cases = nodes
    .map(
      (n) =>
        `    "${n.path}") words="${[...n.subcommands.map((s) => s.name), ...n.options].join(' ')}"; ws=${n.takesWorkspace ? 1 : 0};;`,
    )
    .join('\n');
  return `# bash completion for hangar (hangar completion bash)
_hangar() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" w i args=0 words ws
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "$cmd $w" in
      ${paths}) cmd="$cmd $w" ;;
      *) args=$((args + 1)) ;;
    esac
  done
  case "$cmd" in
${cases}
    *) words=""; ws=0;;
  esac
  if [[ "$cur" != -* && $ws == 1 && $args == 0 ]]; then
    words="$words $(${WORKSPACES})"
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _hangar hangar
`;
}

function zshQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function zshScript(nodes: Node[]): string {
  const paths = nodes
    .filter((n) => n.path)
    .map((n) => `"${n.path}"`)
    .join('|');
  const cases = nodes
    .map((n) => {
      const subs = n.subcommands
        .map((s) => zshQuote(`${s.name.replaceAll(':', '\\:')}:${s.description}`))
        .join(' ');
      return `    "${n.path}") subs=(${subs}); opts=(${n.options.join(' ')}); ws=${n.takesWorkspace ? 1 : 0};;`;
    })
    .join('\n');
  return `#compdef hangar
# zsh completion for hangar (hangar completion zsh)
_hangar() {
  local cmd="" w args=0 ws=0
  local -a subs opts
  for w in "\${(@)words[2,CURRENT-1]}"; do
    [[ "$w" == -* ]] && continue
    case "$cmd $w" in
      ${paths}) cmd="$cmd $w" ;;
      *) args=$((args + 1)) ;;
    esac
  done
  case "$cmd" in
${cases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    compadd -- $opts
    return
  fi
  (( \${#subs} )) && _describe 'command' subs
  if (( ws == 1 && args == 0 )); then
    compadd -- \${(f)"$(${WORKSPACES})"}
  fi
}
if [[ "\${funcstack[1]}" == _hangar ]]; then
  _hangar "$@"
else
  compdef _hangar hangar
fi
`;
}
