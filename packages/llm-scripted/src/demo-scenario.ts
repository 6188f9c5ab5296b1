import type { ScenarioInput } from './scenario/schema.js';

/** The model name the demo answers as: clearly not a real model. */
export const DEMO_MODEL = 'hangar-demo';

const NOTE = `# Hello from Hangar

This file was written by Hangar's demo model, a scripted stand-in for a real
LLM. To work with a real model, start Hangar without demo mode and give it a
provider key (an admin adds one under Providers).
`;

/** How each agent CLI names its shell and file-writing tools, told apart by the tools a request offers. */
const FLAVOURS: {
  agent: string;
  offers: string | undefined;
  shell: (command: string) => [string, Record<string, unknown>];
  write: () => [string, Record<string, unknown>];
}[] = [
  {
    agent: 'claude-code',
    offers: 'Bash',
    shell: (command) => ['Bash', { command, description: 'List the workspace' }],
    write: () => ['Write', { file_path: '/workspace/HELLO_FROM_HANGAR.md', content: NOTE }],
  },
  {
    agent: 'codex',
    offers: 'exec_command',
    shell: (command) => ['exec_command', { cmd: command }],
    write: () => ['exec_command', { cmd: `cat > HELLO_FROM_HANGAR.md <<'NOTE'\n${NOTE}NOTE` }],
  },
  {
    agent: 'gemini',
    offers: 'run_shell_command',
    shell: (command) => ['run_shell_command', { command }],
    write: () => ['write_file', { file_path: 'HELLO_FROM_HANGAR.md', content: NOTE }],
  },
  {
    agent: 'pi',
    offers: 'bash',
    shell: (command) => ['bash', { command }],
    write: () => ['write', { path: 'HELLO_FROM_HANGAR.md', content: NOTE }],
  },
  {
    agent: 'generic',
    offers: undefined, // any request, tools or not
    shell: (command) => ['shell', { command }],
    write: () => ['write_file', { path: 'HELLO_FROM_HANGAR.md', content: NOTE }],
  },
];

/**
 * A friendly demo for `hangar serve --demo`: it answers a greeting, and for
 * any other request lists the workspace with a shell tool, writes a file, and
 * sums up, using the tool names of whichever agent asks (or `shell` and
 * `write_file` for an agent it does not know).
 */
export const demoScenario: ScenarioInput = {
  model: DEMO_MODEL,
  pace: { chunkChars: 12, intervalMs: 25 },
  turns: [
    {
      name: 'greeting',
      match: {
        // The greeting is the last line: agents such as Claude Code put their own context before it.
        lastUserText:
          '/(^|\\n)\\s*(hi|hello|hey|hallo|bonjour|good (morning|afternoon|evening))\\b[^\\n]*\\s*$/i',
        step: 1,
      },
      reply: {
        text:
          "Hello! I'm Hangar's demo model: a scripted stand-in, so you can see the whole flow without an API key. " +
          'Ask me to do something, for example "look around and leave a note", and I will run a command, write a file and sum up.',
      },
    },
    ...FLAVOURS.flatMap(({ agent, offers, shell, write }) => {
      const [shellName, shellInput] = shell('ls -la');
      const [writeName, writeInput] = write();
      return [
        {
          name: `look around (${agent})`,
          match: { step: 1, toolResult: false, ...(offers && { tool: offers }) },
          reply: {
            reasoning: 'The user wants something done in this workspace. First, see what is in it.',
            text: "Sure. Let me first look at what's in the workspace.",
            toolCalls: [{ name: shellName, input: shellInput }],
          },
        },
        {
          name: `write a note (${agent})`,
          match: { step: 2, toolResult: true, ...(offers && { tool: offers }) },
          reply: {
            text: "Now I'll leave a short note in the workspace.",
            toolCalls: [{ name: writeName, input: writeInput }],
          },
        },
      ];
    }),
    {
      name: 'sum up',
      match: { step: 3, toolResult: true },
      reply: {
        text:
          'Done! I listed the workspace with `ls -la` and wrote `HELLO_FROM_HANGAR.md`. ' +
          'That is the whole demo: every answer came from a script, and no API key was used. ' +
          'To work with a real model, start Hangar without demo mode (no --demo or HANGAR_DEMO), ' +
          'then an admin adds a provider key under Providers.',
      },
    },
  ],
  fallback: {
    reply: {
      text:
        "I'm Hangar's demo model and only know a short script: say hello, or ask me to do something " +
        'and I will list the workspace, write a file and sum up. For a real model, start Hangar without ' +
        'demo mode and add a provider key under Providers.',
    },
  },
};
