import type { ScenarioInput } from './scenario/schema.js';

/** The model name the demo answers as: clearly not a real model. */
export const DEMO_MODEL = 'hangar-demo';

const NOTE = `# Hello from Hangar

This file was written by Hangar's demo model, a scripted stand-in for a real
LLM. Configure a provider key to work with a real model.
`;

/**
 * A friendly demo for `hangar serve --demo`: it answers a greeting, and for
 * any other request lists the workspace with a shell tool, writes a file, and
 * sums up. Tool names (`shell`, `write_file`) suit a generic agent.
 */
export const demoScenario: ScenarioInput = {
  model: DEMO_MODEL,
  pace: { chunkChars: 12, intervalMs: 25 },
  turns: [
    {
      name: 'greeting',
      match: {
        lastUserText: '/^\\s*(hi|hello|hey|hallo|bonjour|good (morning|afternoon|evening))\\b/i',
        step: 1,
      },
      reply: {
        text:
          "Hello! I'm Hangar's demo model: a scripted stand-in, so you can see the whole flow without an API key. " +
          'Ask me to do something, for example "look around and leave a note", and I will run a command, write a file and sum up.',
      },
    },
    {
      name: 'look around',
      match: { step: 1, toolResult: false },
      reply: {
        reasoning: 'The user wants something done in this workspace. First, see what is in it.',
        text: "Sure. Let me first look at what's in the workspace.",
        toolCalls: [{ name: 'shell', input: { command: 'ls -la' } }],
      },
    },
    {
      name: 'write a note',
      match: { step: 2, toolResult: true },
      reply: {
        text: "Now I'll leave a short note in the workspace.",
        toolCalls: [{ name: 'write_file', input: { path: 'HELLO_FROM_HANGAR.md', content: NOTE } }],
      },
    },
    {
      name: 'sum up',
      match: { step: 3, toolResult: true },
      reply: {
        text:
          'Done! I listed the workspace with `ls -la` and wrote `HELLO_FROM_HANGAR.md`. ' +
          'That is the whole demo: every answer came from a script, and no API key was used. ' +
          'Add a provider key in the admin settings to work with a real model.',
      },
    },
  ],
  fallback: {
    reply: {
      text:
        "I'm Hangar's demo model and only know a short script: say hello, or ask me to do something " +
        'and I will list the workspace, write a file and sum up. Add a provider key to use a real model.',
    },
  },
};
